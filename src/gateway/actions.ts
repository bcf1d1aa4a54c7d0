// What one HTTPRoute rule does -> an ALB action: the `RequestRedirect` filter becomes a redirect
// action, otherwise its `backendRefs` become a forward action over their target groups,
// weighted. What ALB cannot do (other filters, timeouts, retries, session persistence, more
// than five backends, weights it cannot keep in proportion) refuses the route; a backend that
// cannot be resolved leaves the others, and with none left the rule answers 500, as the spec
// asks for a rule with no valid backend.
import type { V1Service } from '@kubernetes/client-node';
import type { ActionSpec, RedirectAction, WeightedTargetGroup } from '../model/resources.js';
import { quote, show } from '../model/messages.js';
import { findServicePort, targetGroupDraft, type TargetGroupDraft } from '../translate/backends.js';
import { GatewayApiGroup, type HTTPBackendRef, type HTTPRouteFilter, type HTTPRouteRule } from './types.js';
import { referenceAllowed } from './grants.js';
import type { V1ReferenceGrant } from './types.js';

/** ALB's limits on a forward action (Actions, ForwardActionConfig, Elastic Load Balancing API reference). */
export const ForwardLimits = { targetGroups: 5, maxWeight: 999 } as const;

/** Why a backendRef is not used, with the Gateway API's `ResolvedRefs` reason. */
export interface BackendProblem {
  readonly reason: 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound' | 'UnsupportedProtocol';
  readonly message: string;
}

export interface RuleAction {
  readonly action: ActionSpec;
  readonly targetGroups: readonly TargetGroupDraft[];
  /** backendRefs left out, each with its reason. */
  readonly backendProblems: readonly BackendProblem[];
}

export interface ActionContext {
  readonly namespace: string;
  readonly services: Pick<ReadonlyMap<string, V1Service>, 'get'>;
  readonly referenceGrants: (namespace: string) => readonly V1ReferenceGrant[];
}

/** The 500 a rule answers when none of its backends can be used. */
export const noBackend500: ActionSpec = { type: 'fixed-response', statusCode: '500', contentType: 'text/plain', messageBody: 'No valid backend' };

const supportedRuleFields = new Set(['name', 'matches', 'filters', 'backendRefs']);

/**
 * The action of one rule, or the problems that make the route unacceptable (`UnsupportedValue`).
 * @param where names the rule in messages, `spec.rules[0]`
 */
export function ruleAction(rule: HTTPRouteRule, where: string, ctx: ActionContext): { ok: true; value: RuleAction } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  for (const field of Object.keys(rule))
    if (!supportedRuleFields.has(field) && (rule as Record<string, unknown>)[field] !== undefined)
      problems.push(`${where}.${field} is not supported: ALB has no per-rule ${field === 'timeouts' ? 'request timeouts' : field === 'retry' ? 'retries' : field === 'sessionPersistence' ? 'session persistence by route' : field}`);
  let redirect: RedirectAction | null = null;
  for (const [i, filter] of (rule.filters ?? []).entries()) {
    const at = `${where}.filters[${i}]`;
    if (filter.type === 'RequestRedirect') {
      const built = redirectAction(filter, at);
      if (built.ok) redirect = built.value;
      else problems.push(built.problem);
    } else problems.push(unsupportedFilter(filter, at));
  }
  for (const [i, ref] of (rule.backendRefs ?? []).entries())
    for (const [j, filter] of (ref.filters ?? []).entries()) problems.push(unsupportedFilter(filter, `${where}.backendRefs[${i}].filters[${j}]`));
  if (problems.length > 0) return { ok: false, problems };
  if (redirect !== null) return { ok: true, value: { action: redirect, targetGroups: [], backendProblems: [] } };

  const backendProblems: BackendProblem[] = [];
  const drafts: TargetGroupDraft[] = [];
  const weighted: { id: string; weight: number }[] = [];
  for (const [i, ref] of (rule.backendRefs ?? []).entries()) {
    const resolved = resolveBackendRef(ref, `${where}.backendRefs[${i}]`, ctx);
    if (!resolved.ok) {
      if ('problem' in resolved) backendProblems.push(resolved.problem);
      else problems.push(resolved.refused);
      continue;
    }
    drafts.push(resolved.draft);
    const weight = ref.weight ?? 1;
    const seen = weighted.find((w) => w.id === resolved.draft.id);
    if (seen !== undefined) seen.weight += weight;
    else weighted.push({ id: resolved.draft.id, weight });
  }
  if (problems.length > 0) return { ok: false, problems };
  const live = weighted.filter((w) => w.weight > 0);
  if (live.length === 0) return { ok: true, value: { action: noBackend500, targetGroups: [], backendProblems } };
  if (live.length > ForwardLimits.targetGroups)
    return { ok: false, problems: [`${where}.backendRefs: ${live.length} backends with a weight; an ALB forward action takes at most ${ForwardLimits.targetGroups} target groups`] };
  const scaled = scaleWeights(live.map((w) => w.weight));
  if (scaled === null)
    return {
      ok: false,
      problems: [`${where}.backendRefs: weights ${live.map((w) => w.weight).join(', ')} cannot be kept in proportion within ALB's weights of 0 to ${ForwardLimits.maxWeight}; use smaller weights with the same ratio`],
    };
  const targetGroups: WeightedTargetGroup[] = live.map((w, i) => ({ targetGroup: { kind: 'id', id: w.id }, weight: scaled[i] ?? 0 }));
  const used = new Set(live.map((w) => w.id));
  return { ok: true, value: { action: { type: 'forward', targetGroups }, targetGroups: drafts.filter((d) => used.has(d.id)), backendProblems } };
}

/** Weights divided by their greatest common divisor when that brings them within ALB's range; `null` if it does not. */
export function scaleWeights(weights: readonly number[]): number[] | null {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const divisor = weights.reduce((g, w) => gcd(g, w), 0);
  const scaled = weights.map((w) => w / divisor);
  return scaled.every((w) => w <= ForwardLimits.maxWeight) ? scaled : null;
}

function unsupportedFilter(filter: HTTPRouteFilter, at: string): string {
  const type = typeof filter.type === 'string' ? filter.type : show(filter.type);
  const why: Record<string, string> = {
    RequestHeaderModifier: 'ALB rules cannot add, set or remove request headers',
    ResponseHeaderModifier: 'ALB rules cannot add, set or remove response headers',
    RequestMirror: 'ALB cannot mirror requests',
    URLRewrite: 'ALB rules cannot rewrite the host or path exactly as the Gateway API defines it',
    ExtensionRef: 'Albatross defines no filter extensions',
    CORS: 'ALB rules cannot answer CORS requests',
    ExternalAuth: 'ALB rules cannot call an external authorization service',
  };
  return `${at}: filter type ${quote(type)} is not supported: ${why[type] ?? 'it is not a filter Albatross knows'}`;
}

function redirectAction(filter: HTTPRouteFilter, at: string): { ok: true; value: RedirectAction } | { ok: false; problem: string } {
  const r = filter.requestRedirect ?? {};
  const scheme = r.scheme;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return { ok: false, problem: `${at}.requestRedirect.scheme ${show(scheme)} must be "http" or "https"` };
  const status = r.statusCode ?? 302;
  if (status !== 301 && status !== 302)
    return { ok: false, problem: `${at}.requestRedirect.statusCode ${show(status)} is not supported: ALB redirects with 301 or 302 only` };
  // Spec: without a port, a given scheme's well-known port, else the listener's (the request's).
  const port = r.port !== undefined ? String(r.port) : scheme === 'https' ? '443' : scheme === 'http' ? '80' : '#{port}';
  let path = '/#{path}';
  if (r.path !== undefined) {
    if (r.path.type === 'ReplaceFullPath') {
      const full = r.path.replaceFullPath ?? '/';
      if (!full.startsWith('/') || full.includes('#{')) return { ok: false, problem: `${at}.requestRedirect.path.replaceFullPath ${show(full)} must start with "/" and hold no "#{"` };
      path = full;
    } else
      return {
        ok: false,
        problem: `${at}.requestRedirect.path.type ${show(r.path.type)} is not supported: an ALB redirect can keep the whole path or replace it (ReplaceFullPath), not replace a prefix of it`,
      };
  }
  if (r.hostname !== undefined && (typeof r.hostname !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(r.hostname)))
    return { ok: false, problem: `${at}.requestRedirect.hostname ${show(r.hostname)} is not a hostname` };
  return {
    ok: true,
    value: {
      type: 'redirect',
      protocol: scheme === undefined ? '#{protocol}' : scheme.toUpperCase(),
      port,
      host: r.hostname ?? '#{host}',
      path,
      query: '#{query}',
      statusCode: status === 301 ? 'HTTP_301' : 'HTTP_302',
    },
  };
}

type Resolved = { ok: true; draft: TargetGroupDraft } | { ok: false; problem: BackendProblem } | { ok: false; refused: string };

function resolveBackendRef(ref: HTTPBackendRef, at: string, ctx: ActionContext): Resolved {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  if (group !== '' || kind !== 'Service')
    return { ok: false, problem: { reason: 'InvalidKind', message: `${at}: kind ${quote(group === '' ? kind : `${kind}.${group}`)} is not supported; only Services are backends` } };
  const namespace = ref.namespace ?? ctx.namespace;
  const key = `${namespace}/${ref.name}`;
  if (!referenceAllowed({ group: GatewayApiGroup, kind: 'HTTPRoute', namespace: ctx.namespace }, { group: '', kind: 'Service', namespace, name: ref.name }, ctx.referenceGrants))
    return {
      ok: false,
      problem: { reason: 'RefNotPermitted', message: `${at}: Service ${key} is in another namespace and no ReferenceGrant in ${namespace} allows HTTPRoutes of ${ctx.namespace} to refer to it` },
    };
  const service = ctx.services.get(key);
  if (service === undefined) return { ok: false, problem: { reason: 'BackendNotFound', message: `${at}: Service ${key} not found` } };
  if (service.spec?.type === 'ExternalName')
    return { ok: false, problem: { reason: 'BackendNotFound', message: `${at}: Service ${key} is of type ExternalName, which has no pods to send requests to` } };
  if (ref.port === undefined) return { ok: false, problem: { reason: 'BackendNotFound', message: `${at}: port is required for a Service backend` } };
  const servicePort = findServicePort(service, ref.port);
  if (servicePort === undefined) return { ok: false, problem: { reason: 'BackendNotFound', message: `${at}: Service ${key} has no port ${ref.port}` } };
  const draft = targetGroupDraft({ namespace, annotations: {}, targetGroupAnnotations: {}, services: ctx.services }, service, servicePort, ref.name, ref.port);
  if (!draft.ok) return { ok: false, refused: `${at}: ${draft.error}` };
  return { ok: true, draft: draft.value };
}
