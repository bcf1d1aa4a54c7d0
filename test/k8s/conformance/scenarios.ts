// The Gateway API conformance scenarios of test/conformance/gateway/ as data: each file's
// Kubernetes manifests and its `ConformanceExpectations` document (schema in that folder's
// README), base.yaml's objects and its `ConformanceBase` document. Also which scenarios may run
// at the same time: the objects each one writes or depends on.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const scenarioDir = join(process.cwd(), 'test/conformance/gateway');
const runnerApiVersion = 'test.albatross.dev/v1';

/** A Kubernetes object as a scenario writes it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

/** `{type, status?, reason?}`: a missing status or reason matches any value. */
export interface ExpectedCondition {
  readonly type: string;
  readonly status?: string;
  readonly reason?: string;
}

export interface ExpectedListener {
  readonly name: string;
  readonly supportedKinds?: readonly string[];
  readonly attachedRoutes?: number;
  readonly conditions?: readonly ExpectedCondition[];
}

export interface ExpectedGateway {
  /** `namespace/name` */
  readonly gateway: string;
  readonly latestObservedGeneration?: boolean;
  readonly address?: boolean;
  readonly conditions?: readonly ExpectedCondition[];
  readonly allListeners?: { readonly conditions: readonly ExpectedCondition[] };
  readonly listeners?: readonly ExpectedListener[];
  readonly listenersExact?: boolean;
  readonly zeroRoutes?: boolean;
}

export interface ExpectedParent {
  readonly gateway: string;
  readonly sectionName?: string;
  readonly port?: number;
  readonly conditions?: readonly ExpectedCondition[];
}

export interface ExpectedRoute {
  readonly route: string;
  readonly latestObservedGeneration?: boolean;
  readonly noAcceptedParents?: boolean;
  readonly parents?: readonly ExpectedParent[];
}

export interface ExpectedGatewayClass {
  readonly gatewayClass: string;
  readonly latestObservedGeneration?: boolean;
  readonly conditions?: readonly ExpectedCondition[];
}

export interface ExpectedStatus {
  readonly gatewayClasses?: readonly ExpectedGatewayClass[];
  readonly gateways?: readonly ExpectedGateway[];
  readonly routes?: readonly ExpectedRoute[];
}

export interface ExpectedRedirect {
  readonly statusCode: number;
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
}

export interface ExpectedResponse {
  readonly backend?: string;
  readonly status?: number;
  readonly redirect?: ExpectedRedirect;
  readonly weights?: Readonly<Record<string, number>>;
  readonly requests?: number;
  readonly tolerance?: number;
}

export interface ExpectedRequest {
  readonly gateway: string;
  readonly listenerPort: number;
  readonly scheme?: 'http' | 'https';
  readonly host?: string;
  /** The path, with the query if any. */
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expect: ExpectedResponse;
  readonly divergence?: string;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Step {
  readonly name: string;
  readonly mergePatch?: ObjectRef & { readonly patch: Record<string, unknown> };
  readonly delete?: ObjectRef;
  readonly generationChanges?: boolean;
  readonly status?: ExpectedStatus;
  readonly requests?: readonly ExpectedRequest[];
}

export interface Expectations {
  readonly metadata: { readonly name: string };
  readonly support: 'core' | 'extended';
  readonly features: readonly string[];
  readonly unsupported?: string;
  readonly status?: ExpectedStatus;
  readonly requests?: readonly ExpectedRequest[];
  readonly steps?: readonly Step[];
}

export interface Scenario {
  /** The upstream test's name (`metadata.name` of the expectations). */
  readonly name: string;
  readonly file: string;
  readonly manifests: readonly Manifest[];
  readonly expectations: Expectations;
}

export interface ConformanceBase {
  readonly gatewayClass: string;
  readonly controllerName: string;
  readonly backends: readonly { readonly address: string; readonly backend: string }[];
  readonly certificates: readonly { readonly secret: string; readonly hostnames: readonly string[] }[];
  readonly readinessSkipAnnotation: string;
}

export interface Base {
  readonly manifests: readonly Manifest[];
  readonly data: ConformanceBase;
}

function documents(file: string): Record<string, unknown>[] {
  const parsed = parseAllDocuments(readFileSync(join(scenarioDir, file), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file}: not a YAML stream`);
  return parsed.flatMap((doc): Record<string, unknown>[] => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: a document that is not a mapping`);
    return [value as Record<string, unknown>];
  });
}

function manifest(file: string, doc: Record<string, unknown>): Manifest {
  const metadata = doc['metadata'] as { name?: unknown } | undefined;
  if (typeof doc['apiVersion'] !== 'string' || typeof doc['kind'] !== 'string' || typeof metadata?.name !== 'string') throw new Error(`${file}: a manifest without apiVersion, kind or metadata.name`);
  return doc as unknown as Manifest;
}

// Keys each part of the schema may have: a misspelt key in the data fails the run instead of
// being ignored.
const allowedKeys: Record<string, readonly string[]> = {
  expectations: ['apiVersion', 'kind', 'metadata', 'support', 'features', 'unsupported', 'status', 'requests', 'steps', 'upstreamStatus', 'upstreamRequests'],
  status: ['gatewayClasses', 'gateways', 'routes'],
  gatewayClass: ['gatewayClass', 'latestObservedGeneration', 'conditions'],
  gateway: ['gateway', 'latestObservedGeneration', 'address', 'conditions', 'allListeners', 'listeners', 'listenersExact', 'zeroRoutes'],
  listener: ['name', 'supportedKinds', 'attachedRoutes', 'conditions'],
  route: ['route', 'latestObservedGeneration', 'noAcceptedParents', 'parents'],
  parent: ['gateway', 'sectionName', 'port', 'conditions'],
  condition: ['type', 'status', 'reason'],
  request: ['gateway', 'listenerPort', 'scheme', 'host', 'path', 'method', 'headers', 'expect', 'divergence'],
  expect: ['backend', 'status', 'redirect', 'weights', 'requests', 'tolerance'],
  redirect: ['statusCode', 'scheme', 'host', 'port', 'path'],
  step: ['name', 'mergePatch', 'delete', 'generationChanges', 'status', 'requests'],
};

function checkKeys(where: string, part: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: ${part} is not a mapping`);
  const unknown = Object.keys(value).filter((k) => !(allowedKeys[part] ?? []).includes(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown ${part} field(s) ${unknown.join(', ')}`);
}

function checkStatus(where: string, status: ExpectedStatus | undefined): void {
  if (status === undefined) return;
  checkKeys(where, 'status', status);
  const conditions = (list: readonly ExpectedCondition[] | undefined): void => list?.forEach((c) => checkKeys(where, 'condition', c));
  for (const c of status.gatewayClasses ?? []) {
    checkKeys(where, 'gatewayClass', c);
    conditions(c.conditions);
  }
  for (const g of status.gateways ?? []) {
    checkKeys(where, 'gateway', g);
    conditions(g.conditions);
    conditions(g.allListeners?.conditions);
    for (const l of g.listeners ?? []) {
      checkKeys(where, 'listener', l);
      conditions(l.conditions);
    }
  }
  for (const r of status.routes ?? []) {
    checkKeys(where, 'route', r);
    for (const p of r.parents ?? []) {
      checkKeys(where, 'parent', p);
      conditions(p.conditions);
    }
  }
}

function checkRequests(where: string, requests: readonly ExpectedRequest[] | undefined): void {
  for (const r of requests ?? []) {
    checkKeys(where, 'request', r);
    checkKeys(where, 'expect', r.expect);
    if (r.expect.redirect !== undefined) checkKeys(where, 'redirect', r.expect.redirect);
    const kinds = (['backend', 'status', 'redirect', 'weights'] as const).filter((k) => r.expect[k] !== undefined);
    if (kinds.length !== 1) throw new Error(`${where}: a request expects ${kinds.length === 0 ? 'nothing' : kinds.join(' and ')}; exactly one of backend, status, redirect, weights`);
  }
}

export function loadScenario(file: string): Scenario {
  const docs = documents(file);
  const ours = docs.filter((d) => d['apiVersion'] === runnerApiVersion);
  if (ours.length !== 1 || ours[0]?.['kind'] !== 'ConformanceExpectations' || docs[docs.length - 1] !== ours[0]) throw new Error(`${file}: expected one ConformanceExpectations document, last`);
  const expectations = ours[0] as unknown as Expectations;
  checkKeys(file, 'expectations', expectations);
  checkStatus(file, expectations.status);
  checkRequests(file, expectations.requests);
  for (const step of expectations.steps ?? []) {
    checkKeys(`${file}, step ${step.name}`, 'step', step);
    if ((step.mergePatch === undefined) === (step.delete === undefined)) throw new Error(`${file}, step ${step.name}: exactly one of mergePatch and delete`);
    checkStatus(`${file}, step ${step.name}`, step.status);
    checkRequests(`${file}, step ${step.name}`, step.requests);
  }
  return { name: expectations.metadata.name, file, manifests: docs.filter((d) => d !== ours[0]).map((d) => manifest(file, d)), expectations };
}

/** Every scenario file of the folder, by file name. */
export function loadScenarios(): Scenario[] {
  return readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'base.yaml')
    .sort()
    .map(loadScenario);
}

export function loadBase(): Base {
  const docs = documents('base.yaml');
  const data = docs.filter((d) => d['apiVersion'] === runnerApiVersion);
  if (data.length !== 1 || data[0]?.['kind'] !== 'ConformanceBase') throw new Error('base.yaml: expected one ConformanceBase document');
  return { manifests: docs.filter((d) => d !== data[0]).map((d) => manifest('base.yaml', d)), data: data[0] as unknown as ConformanceBase };
}

/** `namespace/name` of a manifest (just `name` for a cluster-scoped one). */
export function nameOf(m: { metadata: { name: string; namespace?: string } }): string {
  return m.metadata.namespace === undefined ? m.metadata.name : `${m.metadata.namespace}/${m.metadata.name}`;
}

export function splitName(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash <= 0) throw new Error(`${key}: expected namespace/name`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * What a scenario touches, as lock names: `write` for what it changes (its own objects, the
 * Gateways its routes attach to or whose status it expects, the ReferenceGrants of a namespace),
 * `read` for what it only depends on (the grants of a namespace it references across). Two
 * scenarios may run together when neither writes what the other reads or writes.
 */
export function locksOf(scenario: Scenario): Map<string, 'read' | 'write'> {
  const locks = new Map<string, 'read' | 'write'>();
  const write = (key: string): void => void locks.set(key, 'write');
  const read = (key: string): void => void (locks.get(key) === 'write' || locks.set(key, 'read'));
  const gateway = (key: string): void => write(`Gateway ${key}`);
  const e = scenario.expectations;
  for (const m of scenario.manifests) {
    write(`${m.kind} ${nameOf(m)}`);
    const ns = m.metadata.namespace ?? '';
    const spec = (m['spec'] ?? {}) as Record<string, unknown>;
    if (m.kind === 'ReferenceGrant') write(`grants ${ns}`);
    if (m.kind === 'GatewayClass') write(`GatewayClass ${m.metadata.name}`);
    if (m.kind === 'HTTPRoute') {
      for (const p of (spec['parentRefs'] ?? []) as { name: string; namespace?: string; kind?: string }[]) if ((p.kind ?? 'Gateway') === 'Gateway') gateway(`${p.namespace ?? ns}/${p.name}`);
      for (const rule of (spec['rules'] ?? []) as { backendRefs?: { namespace?: string }[] }[])
        for (const b of rule.backendRefs ?? []) if (b.namespace !== undefined && b.namespace !== ns) read(`grants ${b.namespace}`);
    }
    if (m.kind === 'Gateway') {
      for (const l of (spec['listeners'] ?? []) as { tls?: { certificateRefs?: { namespace?: string }[] } }[])
        for (const c of l.tls?.certificateRefs ?? []) if (c.namespace !== undefined && c.namespace !== ns) read(`grants ${c.namespace}`);
    }
  }
  const statuses = [e.status, ...(e.steps ?? []).map((s) => s.status)];
  for (const s of statuses) for (const g of s?.gateways ?? []) gateway(g.gateway);
  for (const r of [...(e.requests ?? []), ...(e.steps ?? []).flatMap((s) => s.requests ?? [])]) gateway(r.gateway);
  for (const s of e.steps ?? []) {
    const ref = s.mergePatch ?? s.delete;
    if (ref !== undefined) write(`${ref.kind} ${ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`}`);
  }
  return locks;
}

/** Whether two scenarios' locks let them run at the same time. */
export function compatible(a: ReadonlyMap<string, 'read' | 'write'>, b: ReadonlyMap<string, 'read' | 'write'>): boolean {
  for (const [key, mode] of a) {
    const other = b.get(key);
    if (other !== undefined && (mode === 'write' || other === 'write')) return false;
  }
  return true;
}
