// One Gateway -> its DesiredStack and status draft. Pure: no I/O; bad input becomes errors
// and status conditions, never a throw.
//
// A Gateway is a group of its own (`gateway:<ns>/<name>`); its members are the HTTPRoutes
// attached to it. Listeners on one port make one ALB listener; every accepted route adds, per
// listener it attaches to, one rule per (rule, match, hostname) in the Gateway API's order.
// A route ALB cannot express exactly is refused (`Accepted=False`, `UnsupportedValue`) and,
// like an invalid Ingress, frozen: the rules it had in AWS stay as they are.
import { ResourceId, OwnershipTag } from '../model/ids.js';
import type { ActionSpec, CertificateRef, ConditionSpec, DesiredStack, IngressError, ListenerSpec, ObjectKey, RuleSpec, Tags } from '../model/resources.js';
import { defaultSslPolicy } from '../model/resources.js';
import { compareStrings } from '../model/compare.js';
import { quote, show } from '../model/messages.js';
import { parseIngressClassParams, ParamsApiGroup, ParamsKind, type ClassParams } from '../ingress/params.js';
import { excluded, degraded } from '../ingress/errors.js';
import type { GroupTranslation, TranslateOptions } from '../translate/translate.js';
import { notFound404, type TargetGroupDraft } from '../translate/backends.js';
import { conditionsIdText, conditionsKey, RuleLimits, sortConditions, splitConditions } from '../translate/conditions.js';
import { buildTargetGroup, referencedTargetGroups } from '../translate/target-groups.js';
import { buildSecurityGroup, defaultInboundCidrs } from '../translate/security-group.js';
import { loadBalancerName } from '../translate/names.js';
import { ownedTags } from '../translate/tags.js';
import { certificateKey } from '../translate/tls.js';
import { LoadBalancerLimits } from '../translate/stack.js';
import { ruleAction, type BackendProblem } from './actions.js';
import { compareHostnames, covers, intersectHostnames, parseHostname } from './hostnames.js';
import { GatewayKey, RouteKey, type NamespacedName } from './keys.js';
import { listenerModels, selectorMatches, type ListenerModel } from './listeners.js';
import { matchModel, type MatchModel } from './matches.js';
import type { GatewaySource } from './source.js';
import type { ConditionDraft, GatewayStatusDraft, ListenerDraft, RouteParentDraft } from './status.js';
import { isOurGatewayClass } from './references.js';
import { GatewayApiGroup, GatewayFinalizer, type ParentReference, type V1Gateway, type V1GatewayClass, type V1HTTPRoute } from './types.js';

/**
 * ACM certificate ARNs (comma-separated) every HTTPS listener of the Gateway serves besides its
 * `certificateRefs`; IngressClassParams `certificateArn` adds to them.
 */
export const CertificateArnsAnnotation = 'albatross.dev/certificate-arns';

export interface GatewayTranslation extends GroupTranslation {
  /** `null` when the Gateway is not in the view, not ours, or being deleted. */
  readonly status: GatewayStatusDraft | null;
}

const condition = (type: string, status: 'True' | 'False', reason: string, message: string): ConditionDraft => ({ type, status, reason, message });

/**
 * The `Accepted` condition of one of our GatewayClasses: `InvalidParameters` when its
 * `parametersRef` names anything but an IngressClassParams that exists and is valid.
 */
export function gatewayClassAccepted(gatewayClass: V1GatewayClass, source: Pick<GatewaySource, 'ingressClassParams'>): ConditionDraft {
  const params = classParams(gatewayClass.spec?.parametersRef, `GatewayClass ${gatewayClass.metadata?.name ?? ''}: spec.parametersRef`, source);
  return params.ok ? condition('Accepted', 'True', 'Accepted', 'Accepted by albatross.dev/gateway') : condition('Accepted', 'False', 'InvalidParameters', params.problem);
}

type ParamsResult = { ok: true; params: ClassParams | null } | { ok: false; problem: string };

function classParams(ref: { group?: string; kind?: string; name?: string } | undefined, at: string, source: Pick<GatewaySource, 'ingressClassParams'>): ParamsResult {
  if (ref === undefined || ref === null) return { ok: true, params: null };
  if (ref.group !== ParamsApiGroup || ref.kind !== ParamsKind)
    return { ok: false, problem: `${at} names group ${show(ref.group)}, kind ${show(ref.kind)}; Albatross reads only group ${quote(ParamsApiGroup)}, kind ${quote(ParamsKind)}` };
  const object = source.ingressClassParams(ref.name ?? '');
  if (object === undefined) return { ok: false, problem: `${at} names IngressClassParams ${quote(ref.name ?? '')}, which does not exist` };
  const parsed = parseIngressClassParams(object);
  return parsed.ok ? { ok: true, params: parsed.params } : { ok: false, problem: `${at}: ${parsed.problems.join('; ')}` };
}

const empty = (key: string): GatewayTranslation => ({ group: key, members: [], stack: null, errors: [], warnings: [], status: null });

export function translateGateway(source: GatewaySource, key: string, options: TranslateOptions): GatewayTranslation {
  const id = GatewayKey.parse(key);
  if (id === undefined) return empty(key);
  const gateway = source.gateway(id.namespace, id.name);
  if (gateway === undefined || (gateway.metadata?.deletionTimestamp !== undefined && gateway.metadata.deletionTimestamp !== null)) return empty(key);
  const gatewayClass = source.gatewayClass(gateway.spec?.gatewayClassName ?? '');
  if (!isOurGatewayClass(gatewayClass)) {
    // A class gone (or handed to another controller) while the Gateway holds our finalizer: its
    // load balancer stays as it is, as for an Ingress whose class is missing.
    const held = (gateway.metadata?.finalizers ?? []).includes(GatewayFinalizer) && gatewayClass === undefined;
    if (!held) return empty(key);
    const message = `Gateway ${id.namespace}/${id.name}: GatewayClass ${quote(gateway.spec?.gatewayClassName ?? '')} does not exist; its load balancer stays as it is until the class exists again`;
    // Every route of the Gateway is a member, so that none of their rules counts as departed.
    const routes = source.routesOf(id.namespace, id.name).map((r) => RouteKey.of(r.metadata?.namespace ?? 'default', r.metadata?.name ?? ''));
    return { group: key, members: [key, ...routes], stack: null, errors: [excluded(key, key, message)], warnings: [], status: null };
  }
  return new GatewayTranslator(source, key, id, gateway, gatewayClass as V1GatewayClass, options).run();
}

/** One (rule, match, hostname) of an accepted route on one listener port, before ordering. */
interface Entry {
  readonly port: number;
  /**
   * The hostname of the listener the entry is for: a request is matched against the most
   * specific listener only (listener isolation), so each listener's entries come before those
   * of the listeners wider than it, and end with a guard.
   */
  readonly listenerHost: string | null;
  readonly host: string | null;
  /** A guard: requests for a more specific listener's hostname stop there (404), never reaching a wider listener's routes. */
  readonly guard: boolean;
  readonly match: MatchModel | null;
  readonly action: ActionSpec;
  readonly route: ObjectKey | null;
  readonly created: number;
  readonly rule: number;
  readonly matchIndex: number;
  readonly where: string;
}

/**
 * Gateway API match precedence (HTTPRouteRule): within the entries of one listener (the most
 * specific listeners first: a request is matched against the most specific listener only),
 * hostname, path, method, headers, query, then the oldest route, its name, rule and match order.
 */
export function compareEntries(a: Entry, b: Entry): number {
  const ma = a.match;
  const mb = b.match;
  return (
    compareHostnames(a.listenerHost, b.listenerHost) ||
    compareHostnames(a.host, b.host) ||
    Number(a.guard) - Number(b.guard) ||
    Number(mb?.exactPath ?? false) - Number(ma?.exactPath ?? false) ||
    (mb?.pathLength ?? 0) - (ma?.pathLength ?? 0) ||
    Number(mb?.hasMethod ?? false) - Number(ma?.hasMethod ?? false) ||
    (mb?.headers ?? 0) - (ma?.headers ?? 0) ||
    (mb?.queryParams ?? 0) - (ma?.queryParams ?? 0) ||
    a.created - b.created ||
    compareStrings(a.route ?? '', b.route ?? '') ||
    a.rule - b.rule ||
    a.matchIndex - b.matchIndex
  );
}

function createdAt(route: V1HTTPRoute): number {
  const raw: unknown = route.metadata?.creationTimestamp;
  const ms = raw instanceof Date ? raw.getTime() : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

class GatewayTranslator {
  private readonly errors: IngressError[] = [];
  private readonly name: string;

  constructor(
    private readonly source: GatewaySource,
    private readonly key: string,
    private readonly id: NamespacedName,
    private readonly gateway: V1Gateway,
    private readonly gatewayClass: V1GatewayClass,
    private readonly options: TranslateOptions,
  ) {
    this.name = `Gateway ${id.namespace}/${id.name}`;
  }

  run(): GatewayTranslation {
    const { key, id, gateway } = this;
    const gatewayProblems: string[] = [];
    let acceptedReason = 'Accepted';
    const fromClass = classParams(this.gatewayClass.spec?.parametersRef, `GatewayClass ${this.gatewayClass.metadata?.name ?? ''}: spec.parametersRef`, this.source);
    const fromGateway = classParams(gateway.spec?.infrastructure?.parametersRef, `${this.name}: spec.infrastructure.parametersRef`, this.source);
    for (const p of [fromClass, fromGateway])
      if (!p.ok) {
        gatewayProblems.push(p.problem);
        acceptedReason = 'InvalidParameters';
      }
    if ((gateway.spec?.addresses ?? []).length > 0) {
      gatewayProblems.push(`${this.name}: spec.addresses is not supported; AWS assigns an ALB's addresses, given in status.addresses as its DNS name`);
      if (acceptedReason === 'Accepted') acceptedReason = 'UnsupportedAddress';
    }
    const params: ClassParams = { name: '', ...(fromClass.ok ? fromClass.params : {}), ...(fromGateway.ok ? fromGateway.params : {}) };
    const arns = this.certificateArns(params, gatewayProblems);

    const listeners = listenerModels(gateway.spec?.listeners ?? [], {
      gateway: id,
      tls: this.options.tls,
      referenceGrants: (ns) => this.source.referenceGrants(ns),
    }).map((l) => this.withArns(l, arns));
    const programmable = listeners.filter((l) => l.usable && (l.protocol === 'HTTP' || l.certificates.length > 0));

    // Routes in precedence order of age, then name.
    const routes = [...this.source.routesOf(id.namespace, id.name)].sort(
      (a, b) => createdAt(a) - createdAt(b) || compareStrings(RouteKey.of(a.metadata?.namespace ?? 'default', a.metadata?.name ?? ''), RouteKey.of(b.metadata?.namespace ?? 'default', b.metadata?.name ?? '')),
    );
    const attached = new Map<string, number>(listeners.map((l) => [l.name, 0]));
    const routeDrafts: RouteParentDraft[] = [];
    const entries: Entry[] = [];
    const drafts = new Map<string, TargetGroupDraft>();
    const accepted: ObjectKey[] = [];
    const frozen: ObjectKey[] = [];
    for (const route of routes) {
      const outcome = this.route(route, listeners, programmable);
      routeDrafts.push(...outcome.parents);
      for (const l of outcome.attachedTo) attached.set(l, (attached.get(l) ?? 0) + 1);
      entries.push(...outcome.entries);
      for (const d of outcome.targetGroups) drafts.set(d.id, d);
      if (outcome.state === 'accepted') accepted.push(outcome.key);
      if (outcome.state === 'refused') frozen.push(outcome.key);
    }
    entries.push(...guards(programmable));

    const listenerDrafts: ListenerDraft[] = listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: attached.get(l.name) ?? 0,
      conditions: l.conditions,
      inStack: gatewayProblems.length === 0 && programmable.includes(l),
    }));
    for (const l of listeners) for (const c of l.conditions) if (c.status === (c.type === 'Conflicted' ? 'True' : 'False')) this.errors.push(degraded(key, key, `${this.name}: ${c.message}`));
    const noListener = programmable.length === 0 ? `${this.name}: no listener can be programmed (see each listener's conditions)` : null;
    // Some listeners invalid, others served: still accepted, with the reason the spec gives for it.
    const invalid = listeners.filter((l) => !programmable.includes(l)).map((l) => quote(l.name));
    const acceptedCondition =
      gatewayProblems.length > 0
        ? condition('Accepted', 'False', acceptedReason, gatewayProblems.join('; '))
        : noListener !== null
          ? condition('Accepted', 'False', 'ListenersNotValid', noListener)
          : invalid.length > 0
            ? condition('Accepted', 'True', 'ListenersNotValid', `${this.name}: listener${invalid.length === 1 ? '' : 's'} ${invalid.join(', ')} cannot be programmed (see ${invalid.length === 1 ? 'its' : 'their'} conditions); the others are served`)
            : condition('Accepted', 'True', 'Accepted', 'Accepted by albatross.dev/gateway');
    const status: GatewayStatusDraft = {
      gateway: id,
      generation: gateway.metadata?.generation ?? 0,
      conditions: [acceptedCondition],
      listeners: listenerDrafts,
      routes: routeDrafts,
    };
    const members = [key, ...routes.map((r) => RouteKey.of(r.metadata?.namespace ?? 'default', r.metadata?.name ?? ''))];
    if (acceptedCondition.status === 'False') {
      // Nothing in AWS changes for a Gateway that cannot be accepted: what it had stays.
      this.errors.push(excluded(key, key, `${acceptedCondition.message}; its load balancer stays as it is`));
      return { group: key, members, stack: null, errors: this.errors, warnings: [], status };
    }
    const stack = this.stack(params, programmable, entries, drafts, accepted, frozen, members);
    if (stack === null) return { group: key, members, stack: null, errors: this.errors, warnings: [], status: { ...status, listeners: listenerDrafts.map((l) => ({ ...l, inStack: false })) } };
    return { group: key, members, stack, errors: this.errors, warnings: [], status };
  }

  private certificateArns(params: ClassParams, problems: string[]): CertificateRef[] {
    const written = this.gateway.metadata?.annotations?.[CertificateArnsAnnotation];
    const fromAnnotation = written === undefined ? [] : written.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const arn of fromAnnotation)
      if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(arn))
        problems.push(`${this.name}: annotation ${CertificateArnsAnnotation}: ${quote(arn)} is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`);
    return [...new Set([...fromAnnotation, ...(params.certificateArns ?? [])])].map((arn) => ({ kind: 'arn', arn }));
  }

  private withArns(listener: ListenerModel, arns: readonly CertificateRef[]): ListenerModel {
    if (listener.protocol !== 'HTTPS' || !listener.usable) return listener;
    // A listener whose own references all failed is not programmed: certificates given for the
    // whole Gateway do not stand in for a reference the spec says must be refused.
    const refused = listener.conditions.some((c) => c.type === 'ResolvedRefs' && c.status === 'False');
    if (refused && listener.certificates.length === 0) return listener;
    const certificates = [...listener.certificates];
    for (const arn of arns) if (!certificates.some((c) => certificateKey(c) === certificateKey(arn))) certificates.push(arn);
    if (certificates.length > 0) return { ...listener, certificates };
    const conditions = listener.conditions.map((c) =>
      c.type === 'ResolvedRefs' && c.status === 'True'
        ? condition('ResolvedRefs', 'False', 'InvalidCertificateRef', `listener ${quote(listener.name)} has no certificate: name a kubernetes.io/tls Secret in tls.certificateRefs, or ACM certificates in annotation ${CertificateArnsAnnotation}`)
        : c,
    );
    return { ...listener, conditions };
  }

  private route(route: V1HTTPRoute, listeners: readonly ListenerModel[], programmable: readonly ListenerModel[]): RouteOutcome {
    const namespace = route.metadata?.namespace ?? 'default';
    const name = route.metadata?.name ?? '';
    const key = RouteKey.of(namespace, name);
    const what = `HTTPRoute ${namespace}/${name}`;
    const generation = route.metadata?.generation ?? 0;
    const created = createdAt(route);
    const refusals: string[] = [];

    const hostnames: string[] = [];
    for (const [i, h] of (route.spec?.hostnames ?? []).entries()) {
      const parsed = parseHostname(h, `spec.hostnames[${i}]`);
      if (parsed.ok) hostnames.push(parsed.value);
      else refusals.push(parsed.error);
    }
    const rules: { matches: { model: MatchModel; index: number }[]; action: ActionSpec; index: number }[] = [];
    const backendProblems: BackendProblem[] = [];
    const targetGroups: TargetGroupDraft[] = [];
    for (const [r, rule] of (route.spec?.rules ?? []).entries()) {
      const where = `spec.rules[${r}]`;
      const matches: { model: MatchModel; index: number }[] = [];
      const written = rule.matches === undefined || rule.matches.length === 0 ? [undefined] : rule.matches;
      for (const [m, match] of written.entries()) {
        const model = matchModel(match, `${where}.matches[${m}]`);
        if (model.ok) matches.push({ model: model.value, index: m });
        else refusals.push(...model.problems);
      }
      const action = ruleAction(rule, where, { namespace, services: { get: (k: string) => this.serviceByKey(k) }, referenceGrants: (ns) => this.source.referenceGrants(ns) });
      if (!action.ok) {
        refusals.push(...action.problems);
        continue;
      }
      backendProblems.push(...action.value.backendProblems);
      targetGroups.push(...action.value.targetGroups);
      rules.push({ matches, action: action.value.action, index: r });
    }

    const parents: RouteParentDraft[] = [];
    const attachedTo = new Set<string>();
    const entries: Entry[] = [];
    let anyAccepted = false;
    let anyAttachable = false;
    const resolvedRefs =
      backendProblems.length === 0
        ? condition('ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved')
        : condition(
            'ResolvedRefs',
            'False',
            (backendProblems[0] as BackendProblem).reason,
            `${backendProblems.map((p) => p.message).join('; ')}; a rule with no usable backend answers 500, one with others sends their share to those`,
          );
    for (const parentRef of route.spec?.parentRefs ?? []) {
      if (!this.namesThisGateway(parentRef, namespace)) continue;
      const draft = (accepted: ConditionDraft): RouteParentDraft => ({ route: { namespace, name }, generation, parentRef, conditions: [accepted, resolvedRefs] });
      const candidates = listeners.filter((l) => (parentRef.sectionName === undefined || l.name === parentRef.sectionName) && (parentRef.port === undefined || l.port === parentRef.port));
      if (candidates.length === 0) {
        const which = parentRef.sectionName !== undefined ? `listener ${quote(parentRef.sectionName)}` : `listener on port ${String(parentRef.port)}`;
        parents.push(draft(condition('Accepted', 'False', 'NoMatchingParent', `${this.name} has no ${which}`)));
        continue;
      }
      // A listener that is not accepted, or is in conflict, takes no route.
      const usable = candidates.filter((l) => l.usable);
      if (usable.length === 0) {
        parents.push(draft(condition('Accepted', 'False', 'NotAllowedByListeners', `the listeners of ${this.name} it names (${candidates.map((l) => quote(l.name)).join(', ')}) are not accepted or are in conflict; see the Gateway's listener conditions`)));
        continue;
      }
      const allowed = usable.filter((l) => l.allowsHttpRoutes && this.namespaceAllowed(l, namespace));
      if (allowed.length === 0) {
        parents.push(draft(condition('Accepted', 'False', 'NotAllowedByListeners', `the listeners of ${this.name} it names (${usable.map((l) => quote(l.name)).join(', ')}) do not allow HTTPRoutes from namespace ${namespace}`)));
        continue;
      }
      const matching = allowed.flatMap((l) => {
        const hosts = intersectHostnames(l.hostname, hostnames);
        return hosts !== null && hosts.length === 0 ? [] : [{ listener: l, hosts }];
      });
      if (matching.length === 0) {
        parents.push(draft(condition('Accepted', 'False', 'NoMatchingListenerHostname', `no hostname of spec.hostnames (${hostnames.join(', ')}) matches a hostname of the listeners of ${this.name} it may attach to`)));
        continue;
      }
      anyAttachable = true;
      // ALB takes 5 condition values a rule; a prefix's two path values split into two rules,
      // so a match needs one value for its host, one for its path and one per method, header
      // and query parameter.
      for (const rule of rules)
        for (const match of rule.matches) {
          const needed = (matching.some((m) => m.hosts !== null) ? 1 : 0) + match.model.conditions.filter((c) => c.field !== 'path-pattern').length + (match.model.conditions.some((c) => c.field === 'path-pattern') ? 1 : 0);
          const problem = `spec.rules[${rule.index}].matches[${match.index}] needs ${needed} ALB condition values (host, path, method, one per header and query parameter); an ALB rule takes ${RuleLimits.valuesPerRule}`;
          if (needed > RuleLimits.valuesPerRule && !refusals.includes(problem)) refusals.push(problem);
        }
      if (refusals.length > 0) {
        parents.push(draft(condition('Accepted', 'False', 'UnsupportedValue', `${refusals.join('; ')}; the route's rules already in AWS stay as they are`)));
        continue;
      }
      anyAccepted = true;
      parents.push(draft(condition('Accepted', 'True', 'Accepted', `Accepted by ${this.name}`)));
      for (const { listener, hosts } of matching) {
        attachedTo.add(listener.name);
        if (!programmable.includes(listener)) continue;
        for (const rule of rules)
          for (const match of rule.matches)
            for (const host of hosts ?? [null])
              entries.push({ port: listener.port, listenerHost: listener.hostname, host, guard: false, match: match.model, action: rule.action, route: key, created, rule: rule.index, matchIndex: match.index, where: `spec.rules[${rule.index}].matches[${match.index}]` });
      }
    }
    for (const p of parents) {
      const accepted = p.conditions[0];
      if (accepted !== undefined && accepted.status === 'False') this.errors.push(excluded(key, this.key, `${what}: ${accepted.message}`));
    }
    if (anyAccepted) for (const p of backendProblems) this.errors.push(degraded(key, this.key, `${what}: ${p.message}`));
    const state = anyAccepted ? 'accepted' : anyAttachable && refusals.length > 0 ? 'refused' : 'detached';
    return { key, parents, attachedTo: [...attachedTo], entries, targetGroups: anyAccepted ? targetGroups : [], state };
  }

  private namesThisGateway(ref: ParentReference, routeNamespace: string): boolean {
    return (ref.group ?? GatewayApiGroup) === GatewayApiGroup && (ref.kind ?? 'Gateway') === 'Gateway' && (ref.namespace ?? routeNamespace) === this.id.namespace && ref.name === this.id.name;
  }

  private namespaceAllowed(listener: ListenerModel, namespace: string): boolean {
    const from = listener.allowedNamespaces;
    if (from.from === 'Selector') return selectorMatches(from.selector, this.source.namespace(namespace)?.metadata?.labels ?? {});
    return from.from === 'All' || namespace === this.id.namespace;
  }

  private serviceByKey(key: string): ReturnType<GatewaySource['service']> {
    const slash = key.indexOf('/');
    return this.source.service(key.slice(0, slash), key.slice(slash + 1));
  }

  private stack(
    params: ClassParams,
    programmable: readonly ListenerModel[],
    entries: readonly Entry[],
    drafts: ReadonlyMap<string, TargetGroupDraft>,
    accepted: readonly ObjectKey[],
    frozen: readonly ObjectKey[],
    members: readonly ObjectKey[],
  ): DesiredStack | null {
    const { key } = this;
    const clusterName = this.options.clusterName;
    const userTags: Tags = { ...(this.gateway.spec?.infrastructure?.labels ?? {}), ...(params.tags ?? {}) };
    const ports = [...new Set(programmable.map((l) => l.port))].sort((a, b) => a - b);
    const listeners: ListenerSpec[] = ports.map((port) => {
      const on = programmable.filter((l) => l.port === port);
      const protocol = on[0]?.protocol ?? 'HTTP';
      const certificates = new Map<string, CertificateRef>();
      for (const l of on) for (const c of l.certificates) if (!certificates.has(certificateKey(c))) certificates.set(certificateKey(c), c);
      const listenerId = ResourceId.listener(port);
      return {
        id: listenerId,
        port,
        protocol,
        defaultAction: notFound404,
        certificates: protocol === 'HTTPS' ? [...certificates.values()] : [],
        ...(protocol === 'HTTPS' ? { sslPolicy: params.sslPolicy ?? defaultSslPolicy } : {}),
        tags: ownedTags(userTags, clusterName, key, listenerId),
      };
    });
    const rules = buildRules(entries, ports, (routeKey, problem) => this.errors.push(degraded(routeKey, key, problem)), userTags, clusterName, key);
    const used = referencedTargetGroups(rules.map((r) => r.action));
    const overLimit =
      rules.length > LoadBalancerLimits.rules
        ? `${this.name} needs ${rules.length} listener rules; an ALB allows at most ${LoadBalancerLimits.rules}, so its load balancer is not changed`
        : used.ids.length > LoadBalancerLimits.targetGroups
          ? `${this.name} needs ${used.ids.length} target groups; an ALB allows at most ${LoadBalancerLimits.targetGroups}, so its load balancer is not changed`
          : null;
    if (overLimit !== null) {
      this.errors.push(excluded(key, key, overLimit));
      return null;
    }
    const scheme = params.scheme ?? 'internal';
    const ipAddressType = params.ipAddressType ?? 'ipv4';
    const targetGroups = used.ids.sort(compareStrings).flatMap((tgId) => {
      const draft = drafts.get(tgId);
      return draft === undefined ? [] : [buildTargetGroup(clusterName, key, draft, this.source.endpointSlicesFor(draft.namespace, draft.serviceName), userTags, this.source.pod?.bind(this.source))];
    });
    return {
      group: key,
      ingresses: [key, ...accepted],
      loadBalancer: {
        id: ResourceId.loadBalancer,
        name: params.loadBalancerName ?? loadBalancerName(clusterName, key, scheme),
        scheme,
        ipAddressType,
        subnets: params.subnets ?? { kind: 'discover' },
        securityGroups: [],
        attributes: params.loadBalancerAttributes ?? {},
        tags: ownedTags(userTags, clusterName, key, ResourceId.loadBalancer),
      },
      securityGroup: buildSecurityGroup(clusterName, key, ports, params.inboundCidrs ?? defaultInboundCidrs(ipAddressType), userTags),
      listeners,
      rules,
      targetGroups,
      frozenIngresses: [...frozen].sort(compareStrings),
      groupOrder: members,
    };
  }
}

interface RouteOutcome {
  readonly key: ObjectKey;
  readonly parents: readonly RouteParentDraft[];
  /** Names of the listeners the route is attached to (accepted for them). */
  readonly attachedTo: readonly string[];
  readonly entries: readonly Entry[];
  readonly targetGroups: readonly TargetGroupDraft[];
  /** `refused`: it could attach but ALB cannot express it (frozen); `detached`: attached nowhere. */
  readonly state: 'accepted' | 'refused' | 'detached';
}

/**
 * Per port, a listener hostname that a wider listener on the same port also covers: requests
 * for it belong to the narrower listener alone (the spec matches a request to the most specific
 * listener), so after its routes' rules they stop at a 404 instead of reaching the wider one's.
 */
function guards(programmable: readonly ListenerModel[]): Entry[] {
  const out: Entry[] = [];
  for (const l of programmable) {
    const host = l.hostname;
    if (host === null) continue;
    const wider = programmable.some((o) => o !== l && o.port === l.port && (o.hostname === null || (o.hostname !== host && covers(o.hostname, host))));
    if (wider) out.push({ port: l.port, listenerHost: host, host, guard: true, match: null, action: notFound404, route: null, created: 0, rule: 0, matchIndex: 0, where: 'guard' });
  }
  return out;
}

/** The ALB rules of each port, in precedence order: split to ALB's limits, identical matches after the first left out. */
function buildRules(entries: readonly Entry[], ports: readonly number[], problem: (route: ObjectKey, message: string) => void, userTags: Tags, clusterName: string, group: string): RuleSpec[] {
  const rules: RuleSpec[] = [];
  for (const port of ports) {
    const seen = new Set<string>();
    const ids = new Set<string>();
    for (const entry of entries.filter((e) => e.port === port).sort(compareEntries)) {
      const conditions: ConditionSpec[] = [...(entry.host === null ? [] : [{ field: 'host-header' as const, values: [entry.host] }]), ...(entry.match?.conditions ?? [])];
      if (conditions.length === 0) conditions.push({ field: 'path-pattern', values: ['/*'] });
      const split = splitConditions(conditions);
      if (!split.ok) {
        if (entry.route !== null) problem(entry.route, `HTTPRoute ${entry.route.slice('httproute:'.length)}: ${entry.where} ${split.error}; it is not served`);
        continue;
      }
      for (const chunk of split.value) {
        const sorted = sortConditions(chunk);
        const text = conditionsIdText(sorted);
        // Identical matches: the first in precedence order (the oldest route) wins, as the spec says.
        if (seen.has(text)) continue;
        seen.add(text);
        let hash = conditionsKey(sorted);
        for (let attempt = 1; ids.has(hash); attempt++) hash = conditionsKey(sorted, attempt);
        ids.add(hash);
        const ruleId = ResourceId.rule(port, hash);
        rules.push({
          id: ruleId,
          listenerPort: port,
          conditions: sorted,
          action: entry.action,
          ingress: entry.route,
          tags: { ...ownedTags(userTags, clusterName, group, ruleId), ...(entry.route === null ? {} : { [OwnershipTag.ingress]: entry.route }) },
        });
      }
    }
  }
  return rules;
}
