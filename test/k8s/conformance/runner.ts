// Runs the Gateway API conformance scenarios against a real API server, with the controller
// reconciling into the emulator: applies a scenario's manifests (server-side apply), polls until
// the status it expects holds and its requests, routed through the load balancer the emulator
// holds, get what they expect; runs its steps; then deletes its objects and waits until their
// effect is gone (the base Gateways' rules and status back to what they were, the scenario's own
// Gateways and load balancers gone). Every wait polls with a deadline and, on timeout, fails
// with what it saw last.
import { ApiException, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { tlsSecret } from '../../unit/certificates/pki.js';
import { AlbReader, describeOutcome, routeRequest, type Alb } from './alb.js';
import { gatewayClassProblems, gatewayProblems, requestProblem, routeProblems, showConditions, type StatusObject } from './expect.js';
import { compatible, locksOf, nameOf, splitName, type Base, type ExpectedRequest, type ExpectedStatus, type Manifest, type Scenario } from './scenarios.js';

const gatewayApiGroup = 'gateway.networking.k8s.io';
const fieldManager = 'gateway-conformance';
const plurals: Record<string, string> = { GatewayClass: 'gatewayclasses', Gateway: 'gateways', HTTPRoute: 'httproutes', ReferenceGrant: 'referencegrants' };

/** How long each kind of wait may take, in ms. */
export interface Deadlines {
  readonly ready: number;
  readonly status: number;
  readonly requests: number;
  readonly cleanup: number;
}

export const defaultDeadlines: Deadlines = { ready: 60_000, status: 60_000, requests: 30_000, cleanup: 60_000 };

export interface RequestReport {
  readonly where: string;
  readonly request: string;
  readonly divergence: string;
  /** `null` when the request got what upstream expects after all. */
  readonly problem: string | null;
}

export interface ScenarioReport {
  readonly name: string;
  readonly file: string;
  readonly support: string;
  readonly result: 'passes' | 'not supported' | 'fails';
  /** Why it fails, or what is not supported. */
  readonly why: string | null;
  readonly divergences: readonly RequestReport[];
  /** Phase -> ms. */
  readonly timings: Readonly<Record<string, number>>;
  readonly startedAt: number;
  readonly endedAt: number;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function message(error: unknown): string {
  if (error instanceof ApiException) {
    const body = String((error as ApiException<unknown>).body);
    return `HTTP ${error.code}: ${body.startsWith('{') ? ((JSON.parse(body) as { message?: string }).message ?? body) : body}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function notFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** Polls `problems` until it returns none; on timeout, fails with what it returned last. */
export async function until(what: string, timeoutMs: number, problems: () => Promise<readonly string[]>, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: readonly string[];
  for (;;) {
    try {
      last = await problems();
    } catch (error) {
      last = [`error: ${message(error)}`];
    }
    if (last.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s; last seen:\n  - ${last.join('\n  - ')}`);
    await delay(intervalMs);
  }
}

function showRequest(r: ExpectedRequest): string {
  const headers = Object.entries(r.headers ?? {}).map(([k, v]) => ` ${k}: ${v}`);
  return `${r.method ?? 'GET'} ${r.scheme ?? 'http'}://${r.host ?? '<gateway address>'}${r.path} on ${r.gateway}:${r.listenerPort}${headers.length > 0 ? ` with${headers.join(',')}` : ''}`;
}

/** What a base Gateway looks like when no scenario uses it: its status and its rules, without names, times and ARNs that change. */
interface Fingerprint {
  readonly status: string;
  readonly alb: string;
}

export class ConformanceRunner {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly reader: AlbReader;
  private readonly backends: Map<string, string>;
  private readonly baseGateways: readonly Manifest[];
  private readonly baseline = new Map<string, Fingerprint>();

  /** PEM certificates the client trusts for TLS requests. */
  private readonly trusted: string[] = [];

  constructor(
    kubeConfig: KubeConfig,
    clusterName: string,
    private readonly base: Base,
    private readonly deadlines: Deadlines = defaultDeadlines,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.reader = new AlbReader(clusterName);
    this.backends = new Map(base.data.backends.map((b) => [b.address, b.backend]));
    this.baseGateways = base.manifests.filter((m) => m.kind === 'Gateway');
  }

  close(): void {
    this.reader.close();
  }

  readonly backendOf = (address: string): string => this.backends.get(address) ?? `unknown ${address}`;

  /** Server-side apply, as `kubectl apply --server-side` does. */
  async apply(m: KubernetesObject): Promise<void> {
    await this.objects.patch(m, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
  }

  /**
   * Makes the `kubernetes.io/tls` Secrets of base.yaml's `certificates:` (with their namespaces):
   * `issue` makes a self-signed certificate with exactly those names. The client trusts the one
   * of `tls-validity-checks-certificate`, as upstream's does.
   */
  async makeSecrets(issue: (hostnames: readonly string[]) => { certPem: string; keyPem: string }): Promise<void> {
    for (const m of this.base.manifests.filter((x) => x.kind === 'Namespace')) await this.apply(m);
    for (const c of this.base.data.certificates) {
      const { namespace, name } = splitName(c.secret);
      const issued = issue(c.hostnames);
      await this.apply(tlsSecret(issued.certPem, issued.keyPem, { namespace, name }));
      if (name === 'tls-validity-checks-certificate') this.trusted.push(issued.certPem);
    }
  }

  /** Applies base.yaml's objects and waits until the class is accepted and every base Gateway is ready; records how each base Gateway looks then. */
  async setUpBase(): Promise<void> {
    for (const m of this.base.manifests) await this.apply(m);
    await until(`GatewayClass ${this.base.data.gatewayClass} Accepted`, this.deadlines.ready, async () => {
      const c = await this.read('GatewayClass', this.base.data.gatewayClass);
      return (c?.status?.conditions ?? []).some((x) => x.type === 'Accepted' && x.status === 'True') ? [] : [`GatewayClass ${this.base.data.gatewayClass}: ${showConditions(c?.status?.conditions)}`];
    });
    await this.waitReady(this.baseGateways.map(nameOf), 'the base Gateways ready');
    for (const g of this.baseGateways) this.baseline.set(nameOf(g), await this.fingerprint(nameOf(g)));
  }

  /** A Gateway API object, or `undefined` when it does not exist. */
  async read(kind: string, key: string): Promise<StatusObject | undefined> {
    const plural = plurals[kind];
    if (plural === undefined) throw new Error(`no plural for ${kind}`);
    try {
      if (kind === 'GatewayClass') return (await this.custom.getClusterCustomObject({ group: gatewayApiGroup, version: 'v1', plural, name: key })) as StatusObject;
      const { namespace, name } = splitName(key);
      return (await this.custom.getNamespacedCustomObject({ group: gatewayApiGroup, version: 'v1', plural, namespace, name })) as StatusObject;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  private async exists(m: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<boolean> {
    try {
      await this.objects.read({ apiVersion: m.apiVersion, kind: m.kind, metadata: { name: m.metadata.name, ...(m.metadata.namespace === undefined ? {} : { namespace: m.metadata.namespace }) } });
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw error;
    }
  }

  /** Upstream's NamespacesMustBeReady, for these Gateways: conditions of the current generation, Accepted and Programmed. */
  async waitReady(gateways: readonly string[], what: string): Promise<void> {
    await until(what, this.deadlines.ready, async () => {
      const problems: string[] = [];
      for (const key of gateways) {
        const g = await this.read('Gateway', key);
        const conditions = g?.status?.conditions ?? [];
        const ok =
          conditions.length > 0 &&
          conditions.every((c) => c.observedGeneration === g?.metadata?.generation) &&
          ['Accepted', 'Programmed'].every((type) => conditions.some((c) => c.type === type && c.status === 'True'));
        if (!ok) problems.push(`Gateway ${key} (generation ${g?.metadata?.generation ?? '-'}): ${g === undefined ? 'not found' : showConditions(conditions)}`);
      }
      return problems;
    });
  }

  private async fingerprint(gateway: string): Promise<Fingerprint> {
    const g = await this.read('Gateway', gateway);
    const conditions = (list: readonly { type?: string; status?: string; reason?: string }[] | undefined): string[] => (list ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`).sort();
    const status = JSON.stringify({
      generation: g?.metadata?.generation,
      conditions: conditions(g?.status?.conditions),
      listeners: (g?.status?.listeners ?? []).map((l) => ({ name: l.name, attachedRoutes: l.attachedRoutes, conditions: conditions(l.conditions) })),
    });
    const alb = await this.reader.read(gateway);
    const rules =
      alb === null
        ? null
        : [...alb.listeners.values()]
            .sort((a, b) => a.port - b.port)
            .map((l) => ({ port: l.port, protocol: l.protocol, certificates: l.certificates.length, rules: l.rules.map((r) => ({ conditions: r.conditions, actions: r.actions })), defaultActions: l.defaultActions }));
    return { status, alb: JSON.stringify(rules) };
  }

  /** Problems with the status a scenario (or a step) expects; `emptySeen` carries state from one poll to the next. */
  private async statusProblems(expected: ExpectedStatus, emptySeen: Map<string, { count: number }>): Promise<string[]> {
    const problems: string[] = [];
    for (const c of expected.gatewayClasses ?? []) problems.push(...gatewayClassProblems(await this.read('GatewayClass', c.gatewayClass), c));
    for (const g of expected.gateways ?? []) problems.push(...gatewayProblems(await this.read('Gateway', g.gateway), g));
    for (const r of expected.routes ?? []) {
      let seen = emptySeen.get(r.route);
      if (seen === undefined) emptySeen.set(r.route, (seen = { count: 0 }));
      problems.push(...routeProblems(await this.read('HTTPRoute', r.route), r, this.base.data.controllerName, seen));
    }
    return problems;
  }

  /** Each request's problem (`null` when it got what it expects), routed on the load balancers as they are now. */
  private async requestProblems(requests: readonly ExpectedRequest[]): Promise<(string | null)[]> {
    const albs = new Map<string, Promise<Alb | null>>();
    const albOf = (gateway: string): Promise<Alb | null> => {
      let alb = albs.get(gateway);
      if (alb === undefined) albs.set(gateway, (alb = this.reader.read(gateway)));
      return alb;
    };
    const out: (string | null)[] = [];
    for (const r of requests) {
      const alb = await albOf(r.gateway);
      if (alb === null) {
        out.push(`${showRequest(r)}: Gateway ${r.gateway} has no load balancer`);
        continue;
      }
      const outcome = await routeRequest(this.reader, alb, r, this.trusted);
      const problem = requestProblem(r, outcome, this.backendOf, (o) => describeOutcome(o, this.backendOf));
      out.push(problem === null ? null : `${showRequest(r)}: ${problem}`);
    }
    return out;
  }

  /** Waits for a scenario's (or a step's) status, then its requests; divergent requests are checked once the others hold. */
  private async check(where: string, expected: { status?: ExpectedStatus; requests?: readonly ExpectedRequest[] }, timings: Record<string, number>): Promise<RequestReport[]> {
    const t0 = Date.now();
    if (expected.status !== undefined) {
      const emptySeen = new Map<string, { count: number }>();
      const status = expected.status;
      await until(`${where}: status`, this.deadlines.status, async () => await this.statusProblems(status, emptySeen));
    }
    const t1 = Date.now();
    timings[`${where}: status`] = t1 - t0;
    const requests = expected.requests ?? [];
    const strict = requests.filter((r) => r.divergence === undefined);
    const divergent = requests.filter((r) => r.divergence !== undefined);
    if (strict.length > 0) await until(`${where}: requests`, this.deadlines.requests, async () => (await this.requestProblems(strict)).filter((p) => p !== null));
    timings[`${where}: requests`] = Date.now() - t1;
    if (divergent.length === 0) return [];
    const problems = await this.requestProblems(divergent);
    return divergent.map((r, i) => ({ where, request: showRequest(r), divergence: r.divergence ?? '', problem: problems[i] ?? null }));
  }

  /** The Gateways of a scenario's manifests that must become ready (not marked to be skipped). */
  private ownGateways(s: Scenario): string[] {
    return s.manifests.filter((m) => m.kind === 'Gateway' && m.metadata.annotations?.[this.base.data.readinessSkipAnnotation] !== 'true').map(nameOf);
  }

  async runScenario(s: Scenario): Promise<ScenarioReport> {
    const startedAt = Date.now();
    const timings: Record<string, number> = {};
    const divergences: RequestReport[] = [];
    const e = s.expectations;
    const applied: Manifest[] = [];
    let failure: string | null = null;
    const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      try {
        return await run();
      } finally {
        timings[name] = (timings[name] ?? 0) + Date.now() - t;
      }
    };
    try {
      await phase('ready before', async () => await this.waitReady(this.baseGateways.map(nameOf), 'the base Gateways ready before the scenario'));
      await phase('apply', async () => {
        for (const m of s.manifests) {
          await this.apply(m);
          applied.push(m);
        }
      });
      divergences.push(...(await this.check('after apply', { ...(e.status === undefined ? {} : { status: e.status }), ...(e.requests === undefined ? {} : { requests: e.requests }) }, timings)));
      for (const step of e.steps ?? []) {
        const where = `step "${step.name}"`;
        const ref = step.mergePatch ?? step.delete;
        if (ref === undefined) throw new Error(`${where}: no change`);
        const target = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) } };
        const key = ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;
        const before = plurals[ref.kind] === undefined ? undefined : await this.read(ref.kind, key);
        if (step.mergePatch !== undefined) await this.objects.patch({ ...target, ...step.mergePatch.patch }, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch);
        else await this.objects.delete(target);
        if (step.generationChanges === true) {
          const after = await this.read(ref.kind, key);
          if (after?.metadata?.generation === before?.metadata?.generation) throw new Error(`${where}: metadata.generation of ${ref.kind} ${key} did not change (${String(before?.metadata?.generation)})`);
        }
        divergences.push(...(await this.check(where, { ...(step.status === undefined ? {} : { status: step.status }), ...(step.requests === undefined ? {} : { requests: step.requests }) }, timings)));
        await phase(`${where}: ready`, async () => await this.waitReady([...this.baseGateways.map(nameOf), ...this.ownGateways(s)], `${where}: Gateways ready`));
      }
    } catch (error) {
      failure = message(error);
    }
    try {
      await phase('cleanup', async () => await this.cleanUp(s, applied));
    } catch (error) {
      failure = failure === null ? `clean-up: ${message(error)}` : `${failure}\n(and clean-up: ${message(error)})`;
    }
    const endedAt = Date.now();
    timings['total'] = endedAt - startedAt;
    const result = failure !== null ? 'fails' : e.unsupported !== undefined ? 'not supported' : 'passes';
    return { name: s.name, file: s.file, support: e.support, result, why: failure ?? e.unsupported ?? null, divergences, timings, startedAt, endedAt };
  }

  /** Deletes what the scenario applied, then waits until it is gone, with its load balancers, and the base Gateways it used look as they did before. */
  private async cleanUp(s: Scenario, applied: readonly Manifest[]): Promise<void> {
    for (const m of [...applied].reverse()) {
      try {
        await this.objects.delete(m);
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    }
    await until(`${s.name}: its objects deleted`, this.deadlines.cleanup, async () => {
      const left: string[] = [];
      for (const m of applied) if (await this.exists(m)) left.push(`${m.kind} ${nameOf(m)} still exists`);
      for (const m of applied.filter((x) => x.kind === 'Gateway')) if ((await this.reader.read(nameOf(m))) !== null) left.push(`the load balancer of Gateway ${nameOf(m)} still exists`);
      return left;
    });
    const locks = locksOf(s);
    const used = this.baseGateways.map(nameOf).filter((g) => locks.has(`Gateway ${g}`));
    await until(`${s.name}: the base Gateways it used as before`, this.deadlines.cleanup, async () => {
      const changed: string[] = [];
      for (const g of used) {
        const now = await this.fingerprint(g);
        const was = this.baseline.get(g);
        if (was === undefined) continue;
        if (now.status !== was.status) changed.push(`Gateway ${g} status: ${now.status}; was ${was.status}`);
        if (now.alb !== was.alb) changed.push(`Gateway ${g} load balancer: ${now.alb}; was ${was.alb}`);
      }
      return changed;
    });
  }
}

/**
 * Runs scenarios, at most `concurrency` at a time and never two whose locks conflict, the ones
 * sharing the most used objects first (they make the longest chain); past `deadline` (epoch ms)
 * no scenario starts. Returns each scenario's report as it ends.
 */
export function schedule(scenarios: readonly Scenario[], concurrency: number, deadline: number, run: (s: Scenario) => Promise<ScenarioReport>): Map<string, Promise<ScenarioReport>> {
  const locks = new Map(scenarios.map((s) => [s.name, locksOf(s)]));
  const uses = new Map<string, number>();
  for (const l of locks.values()) for (const [key, mode] of l) if (mode === 'write') uses.set(key, (uses.get(key) ?? 0) + 1);
  const weight = (s: Scenario): number => Math.max(0, ...[...(locks.get(s.name) ?? new Map<string, string>()).keys()].map((k) => uses.get(k) ?? 0));
  const pending = [...scenarios].sort((a, b) => weight(b) - weight(a));
  const running = new Set<string>();
  const results = new Map<string, Promise<ScenarioReport>>();
  const resolvers = new Map<string, (r: ScenarioReport) => void>();
  for (const s of scenarios) results.set(s.name, new Promise((resolve) => resolvers.set(s.name, resolve)));
  const pump = (): void => {
    for (let i = 0; i < pending.length && running.size < concurrency; ) {
      const s = pending[i] as Scenario;
      const mine = locks.get(s.name) ?? new Map<string, 'read' | 'write'>();
      if (Date.now() > deadline) {
        pending.splice(i, 1);
        resolvers.get(s.name)?.({ name: s.name, file: s.file, support: s.expectations.support, result: 'fails', why: 'not started: the run went past its deadline', divergences: [], timings: {}, startedAt: Date.now(), endedAt: Date.now() });
        continue;
      }
      if (![...running].every((other) => compatible(mine, locks.get(other) ?? new Map()))) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      running.add(s.name);
      void run(s)
        .catch((error: unknown): ScenarioReport => ({ name: s.name, file: s.file, support: s.expectations.support, result: 'fails', why: message(error), divergences: [], timings: {}, startedAt: Date.now(), endedAt: Date.now() }))
        .then((report) => {
          running.delete(s.name);
          resolvers.get(s.name)?.(report);
          pump();
        });
    }
  };
  pump();
  return results;
}
