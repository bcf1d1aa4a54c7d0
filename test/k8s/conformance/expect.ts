// The checks of a scenario, as pure functions returning what does not hold (an empty list when
// everything does): the status of GatewayClasses, Gateways and HTTPRoutes as upstream's helpers
// check it (test/conformance/gateway/README.md, "Meaning, for the runner"), and what a request
// got against what it expects.
import type { Outcome } from './alb.js';
import type { ExpectedCondition, ExpectedGateway, ExpectedGatewayClass, ExpectedRequest, ExpectedRoute } from './scenarios.js';

export interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly observedGeneration?: number;
}

/** The fields of a Gateway API object the checks read. */
export interface StatusObject {
  readonly metadata?: { readonly generation?: number; readonly namespace?: string; readonly name?: string };
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly addresses?: readonly { readonly type?: string; readonly value?: string }[];
    readonly listeners?: readonly {
      readonly name?: string;
      readonly attachedRoutes?: number;
      readonly supportedKinds?: readonly { readonly group?: string; readonly kind?: string }[];
      readonly conditions?: readonly Condition[];
    }[];
    readonly parents?: readonly {
      readonly parentRef?: { readonly group?: string; readonly kind?: string; readonly namespace?: string; readonly name?: string; readonly sectionName?: string; readonly port?: number };
      readonly controllerName?: string;
      readonly conditions?: readonly Condition[];
    }[];
  };
}

const gatewayGroup = 'gateway.networking.k8s.io';

export function showConditions(conditions: readonly Condition[] | undefined): string {
  if (conditions === undefined || conditions.length === 0) return 'no conditions';
  return conditions.map((c) => `${c.type}=${c.status} ${c.reason} (gen ${c.observedGeneration ?? '-'})`).join(', ');
}

function conditionProblems(what: string, actual: readonly Condition[] | undefined, expected: readonly ExpectedCondition[] | undefined): string[] {
  const problems: string[] = [];
  for (const e of expected ?? []) {
    const found = (actual ?? []).find((c) => c.type === e.type);
    if (found === undefined || (e.status !== undefined && found.status !== e.status) || (e.reason !== undefined && found.reason !== e.reason))
      problems.push(`${what}: expected ${e.type}${e.status === undefined ? '' : `=${e.status}`}${e.reason === undefined ? '' : ` ${e.reason}`}; has ${showConditions(actual)}`);
  }
  return problems;
}

function currentProblems(what: string, object: StatusObject | undefined, conditions: readonly Condition[] | undefined): string[] {
  const generation = object?.metadata?.generation;
  const stale = (conditions ?? []).filter((c) => c.observedGeneration !== generation);
  if ((conditions ?? []).length === 0) return [`${what}: no conditions yet (generation ${generation ?? '-'})`];
  return stale.length === 0 ? [] : [`${what}: conditions not of generation ${generation ?? '-'}: ${showConditions(stale)}`];
}

export function gatewayClassProblems(object: StatusObject | undefined, expected: ExpectedGatewayClass): string[] {
  const what = `GatewayClass ${expected.gatewayClass}`;
  if (object === undefined) return [`${what}: not found`];
  return [
    ...(expected.latestObservedGeneration === true ? currentProblems(what, object, object.status?.conditions) : []),
    ...conditionProblems(what, object.status?.conditions, expected.conditions),
  ];
}

export function gatewayProblems(object: StatusObject | undefined, expected: ExpectedGateway): string[] {
  const what = `Gateway ${expected.gateway}`;
  if (object === undefined) return [`${what}: not found`];
  const status = object.status ?? {};
  const problems: string[] = [];
  // Upstream's GatewayMustHaveCondition and GatewayStatusMustHaveListeners first require the
  // Gateway's conditions to be of its generation.
  if (expected.latestObservedGeneration === true || expected.conditions !== undefined || expected.listeners !== undefined || expected.zeroRoutes === true)
    problems.push(...currentProblems(what, object, status.conditions));
  problems.push(...conditionProblems(what, status.conditions, expected.conditions));
  if (expected.address === true && (status.addresses ?? []).length === 0) problems.push(`${what}: no status.addresses`);
  const listeners = status.listeners ?? [];
  if (expected.allListeners !== undefined) {
    if (listeners.length === 0) problems.push(`${what}: no listeners in status`);
    for (const l of listeners) problems.push(...conditionProblems(`${what} listener ${l.name}`, l.conditions, expected.allListeners.conditions));
  }
  if (expected.listenersExact === true && listeners.length !== (expected.listeners ?? []).length)
    problems.push(`${what}: expected listeners ${(expected.listeners ?? []).map((l) => l.name).join(', ')} in status; has ${listeners.map((l) => l.name).join(', ') || 'none'}`);
  for (const e of expected.listeners ?? []) {
    const l = listeners.find((x) => x.name === e.name);
    const lw = `${what} listener ${e.name}`;
    if (l === undefined) {
      problems.push(`${lw}: not in status (has ${listeners.map((x) => x.name).join(', ') || 'none'})`);
      continue;
    }
    if (e.attachedRoutes !== undefined && l.attachedRoutes !== e.attachedRoutes) problems.push(`${lw}: attachedRoutes ${String(l.attachedRoutes)}, expected ${e.attachedRoutes}`);
    if (e.supportedKinds !== undefined) {
      const kinds = (l.supportedKinds ?? []).map((k) => `${k.group ?? gatewayGroup}/${k.kind}`);
      const missing = e.supportedKinds.filter((k) => !kinds.includes(`${gatewayGroup}/${k}`));
      if (e.supportedKinds.length === 0 ? kinds.length > 0 : missing.length > 0) problems.push(`${lw}: supportedKinds [${kinds.join(', ')}], expected [${e.supportedKinds.join(', ')}]`);
    }
    problems.push(...conditionProblems(lw, l.conditions, e.conditions));
  }
  if (expected.zeroRoutes === true) {
    const counted = listeners.filter((l) => (l.attachedRoutes ?? 0) !== 0);
    if (listeners.length > 1 || counted.length > 0) problems.push(`${what}: expected no route attached; listeners ${listeners.map((l) => `${l.name}: ${String(l.attachedRoutes)}`).join(', ')}`);
  }
  return problems;
}

/** Route checks; `emptySeen` carries "parents seen empty" from one poll to the next. */
export function routeProblems(object: StatusObject | undefined, expected: ExpectedRoute, controllerName: string, emptySeen: { count: number }): string[] {
  const what = `HTTPRoute ${expected.route}`;
  if (object === undefined) return [`${what}: not found`];
  const routeNamespace = object.metadata?.namespace ?? '';
  const parents = object.status?.parents ?? [];
  const problems: string[] = [];
  if (expected.latestObservedGeneration === true) {
    if (parents.length === 0) problems.push(`${what}: no status.parents yet`);
    for (const p of parents) problems.push(...currentProblems(`${what} parent ${p.parentRef?.name}`, object, p.conditions));
  }
  if (expected.noAcceptedParents === true) {
    if (parents.length === 0) {
      emptySeen.count++;
      if (emptySeen.count < 2) problems.push(`${what}: status.parents empty; seen once, must be seen twice`);
    } else {
      emptySeen.count = 0;
      const only = parents[0];
      if (parents.length > 1) problems.push(`${what}: expected no accepted parent; has ${parents.length} parent entries`);
      else if (only !== undefined) {
        problems.push(...currentProblems(`${what} parent ${only.parentRef?.name}`, object, only.conditions));
        problems.push(...conditionProblems(`${what} parent ${only.parentRef?.name}`, only.conditions, [{ type: 'Accepted', status: 'False' }]));
      }
    }
  }
  for (const e of expected.parents ?? []) {
    const slash = e.gateway.indexOf('/');
    const gwNamespace = e.gateway.slice(0, slash);
    const gwName = e.gateway.slice(slash + 1);
    const pw = `${what} parent ${e.gateway}${e.sectionName === undefined ? '' : ` section ${e.sectionName}`}${e.port === undefined ? '' : ` port ${e.port}`}`;
    const found = parents.find(
      (p) =>
        p.parentRef?.name === gwName &&
        (p.parentRef.namespace ?? routeNamespace) === gwNamespace &&
        (e.sectionName === undefined || p.parentRef.sectionName === e.sectionName) &&
        (e.port === undefined || p.parentRef.port === e.port),
    );
    if (found === undefined) {
      problems.push(`${pw}: no entry in status.parents (has ${parents.map((p) => JSON.stringify(p.parentRef)).join(', ') || 'none'})`);
      continue;
    }
    const ref = found.parentRef ?? {};
    if (found.controllerName !== controllerName) problems.push(`${pw}: controllerName ${String(found.controllerName)}`);
    if (ref.group !== gatewayGroup || ref.kind !== 'Gateway') problems.push(`${pw}: parentRef group/kind not filled in: ${JSON.stringify(ref)}`);
    if (routeNamespace !== gwNamespace && ref.namespace !== gwNamespace) problems.push(`${pw}: parentRef.namespace not filled in: ${JSON.stringify(ref)}`);
    problems.push(...conditionProblems(pw, found.conditions, e.conditions));
  }
  return problems;
}

/** The share of requests each backend gets from a forward outcome (a target group's share split evenly over its targets). */
export function backendShares(outcome: Outcome & { kind: 'forward' }, backendOf: (address: string) => string): Map<string, number> {
  const total = outcome.shares.reduce((n, s) => n + s.weight, 0);
  const shares = new Map<string, number>();
  for (const s of outcome.shares) {
    if (s.weight === 0 || total === 0) continue;
    if (s.addresses.length === 0) shares.set('(a target group with no target: 503)', (shares.get('(a target group with no target: 503)') ?? 0) + s.weight / total);
    for (const a of s.addresses) shares.set(backendOf(a), (shares.get(backendOf(a)) ?? 0) + s.weight / total / s.addresses.length);
  }
  return shares;
}

const wellKnownPort: Record<string, number> = { http: 80, https: 443 };

/** Why the outcome is not what the request expects, or `null` when it is. */
export function requestProblem(request: ExpectedRequest, outcome: Outcome, backendOf: (address: string) => string, describe: (o: Outcome) => string): string | null {
  const e = request.expect;
  const got = describe(outcome);
  if (e.backend !== undefined || e.weights !== undefined || e.status === 200) {
    if (outcome.kind !== 'forward') return `expected ${e.backend ?? 'a backend'}; got ${got}`;
    const shares = backendShares(outcome, backendOf);
    if (shares.size === 0) return `expected ${e.backend ?? 'a backend'}; got ${got}`;
    if (e.backend !== undefined) return shares.size === 1 && shares.has(e.backend) ? null : `expected ${e.backend}; got ${got}`;
    if (e.weights !== undefined) {
      const tolerance = e.tolerance ?? 0;
      const off = [...new Set([...Object.keys(e.weights), ...shares.keys()])].filter((b) => {
        const want = e.weights?.[b] ?? 0;
        const have = shares.get(b) ?? 0;
        return want === 0 ? have > 0 : Math.abs(have - want) > tolerance;
      });
      return off.length === 0 ? null : `expected shares ${JSON.stringify(e.weights)} within ${tolerance}; got ${JSON.stringify(Object.fromEntries(shares))} (${got})`;
    }
    // status 200: any backend answers.
    const unknown = [...shares.keys()].filter((b) => b.startsWith('(') || b.startsWith('unknown'));
    return unknown.length === 0 ? null : `expected a 200 from a backend; got ${got}`;
  }
  if (e.status !== undefined) {
    if (outcome.kind === 'fixed') return outcome.status === e.status ? null : `expected ${e.status}; got ${got}`;
    if (outcome.kind === 'forward' && e.status === 503 && outcome.shares.every((s) => s.weight === 0 || s.addresses.length === 0)) return null;
    return `expected ${e.status}; got ${got}`;
  }
  if (e.redirect !== undefined) {
    if (outcome.kind !== 'redirect') return `expected a ${e.redirect.statusCode} redirect; got ${got}`;
    const r = e.redirect;
    const location = outcome.location;
    const scheme = location.protocol.replace(/:$/, '');
    const port = location.port === '' ? wellKnownPort[scheme] : Number(location.port);
    const path = request.path.split('?')[0] ?? '';
    const mismatches = [
      outcome.status !== r.statusCode ? `status ${outcome.status}, expected ${r.statusCode}` : null,
      scheme !== (r.scheme ?? request.scheme ?? 'http') ? `scheme ${scheme}, expected ${r.scheme ?? request.scheme ?? 'http'}` : null,
      r.host !== undefined && location.hostname !== r.host ? `host ${location.hostname}, expected ${r.host}` : null,
      port !== (r.port ?? wellKnownPort[scheme]) ? `port ${String(port)}, expected ${r.port ?? `the well-known port of ${scheme}`}` : null,
      location.pathname !== (r.path ?? path) ? `path ${location.pathname}, expected ${r.path ?? path}` : null,
    ].filter((m) => m !== null);
    return mismatches.length === 0 ? null : `redirect to ${location.href}: ${mismatches.join('; ')}`;
  }
  return 'the request expects nothing';
}
