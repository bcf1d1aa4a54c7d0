// Benchmark 4: controller mode against a real kube-apiserver + etcd (envtest, started here) and
// the emulator at AWS_ENDPOINT_URL. Scenarios: memory of the caches (in a separate process:
// bench/controller-memory.ts), restart of a controller with 200 converged groups, the latency
// of an Ingress change while a full resync runs, and the Lease requests of two replicas at
// the default durations (running in the background through the other scenarios). Skipped,
// saying how to get the binaries, when kube-apiserver and etcd are missing. One JSON line per
// scenario.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CoreV1Api, DiscoveryV1Api, NetworkingV1Api, V1MicroTime, type KubeConfig, type V1Ingress } from '@kubernetes/client-node';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client, type LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { bootstrapNetwork } from '../localstack/bootstrap.js';
import { Aws } from '../src/aws/clients.js';
import { Controller } from '../src/controller/controller.js';
import { LeaderElector } from '../src/controller/leader.js';
import { silentLogger } from '../src/observability/logger.js';
import { ControllerMetrics } from '../src/observability/metrics.js';
import { K8S_ASSETS_HINT, startEnvtest } from '../test/k8s/envtest.js';
import { bulk, endpointSlice, ingress, k8sAssets, node, pinnedK8sVersion, service } from './k8s.js';
import { unpaced } from './unpaced.js';

const execFileAsync = promisify(execFile);
const assetsDir = k8sAssets();
if (assetsDir === undefined) {
  console.log(`controller scenarios SKIPPED: kube-apiserver and etcd not found; ${K8S_ASSETS_HINT}`);
  process.exit(0);
}
const endpoint: string = process.env['AWS_ENDPOINT_URL'] ?? '';
if (endpoint === '') throw new Error('AWS_ENDPOINT_URL must name the emulator');
const region = process.env['AWS_REGION'] ?? 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const only = new Set((process.env['BENCH_CONTROLLER'] ?? 'memory,list,groups').split(','));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number): number => Math.round(ms / 100) / 10;
const CONCURRENCY = 16;

const envtest = await startEnvtest({
  assetsDir,
  crdPaths: [join(process.cwd(), 'charts/albatross/files/crds/ingressclassparams.yaml')],
  // 5,000 ClusterIP Services need more than envtest's /24 of Service addresses.
  apiServerArgs: ['--service-cluster-ip-range=10.96.0.0/16'],
});
const kc = envtest.kubeConfig;
const core = kc.makeApiClient(CoreV1Api);
const networking = kc.makeApiClient(NetworkingV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
console.log(JSON.stringify({ scenario: 'setup', kubernetes: pinnedK8sVersion(), assetsDir }));

try {
  await networking.createIngressClass({ body: { metadata: { name: 'albatross' }, spec: { controller: 'albatross.dev/alb' } } });
  const leader = leaderElection(kc);
  if (only.has('memory')) await memory();
  if (only.has('list')) await list();
  if (only.has('groups')) await groups();
  console.log(JSON.stringify({ scenario: 'leader-election', ...(await leader.stop()) }));
} finally {
  await envtest.stop();
}
process.exit(0);

// --- 4. leader election ------------------------------------------------------------------

/** Two replicas at the default durations, from now until stop(). */
function leaderElection(kubeConfig: KubeConfig): { stop(): Promise<object> } {
  const abort = new AbortController();
  const durations = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 10_000 };
  const callbacks = { onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
  const electors = ['replica-a', 'replica-b'].map(
    (identity) => new LeaderElector(kubeConfig, { namespace: 'default', name: 'bench-leader', identity, ...durations }, callbacks, silentLogger()),
  );
  const started = performance.now();
  const running = electors.map(async (e) => await e.run(abort.signal));
  return {
    async stop() {
      const windowMs = performance.now() - started;
      const requests = electors.map((e) => e.requests);
      const leaders = electors.filter((e) => e.isLeader).length;
      abort.abort(new Error('benchmark over'));
      await Promise.all(running);
      const total = requests.reduce((a, b) => a + b, 0);
      return { durations, windowS: seconds(windowMs), requests, leaders, requestsPerHour: Math.round((total / windowMs) * 3_600_000), targetPerHour: 1500 };
    },
  };
}

// --- 1. memory ---------------------------------------------------------------------------

async function memory(): Promise<void> {
  // 200 namespaces, each: 25 Services, one EndpointSlice of 10 endpoints per Service, and 10
  // Ingresses of 5 paths in one group. 2,000 Ingresses, 5,000 Services, 5,000 slices, 50,000
  // endpoints, on 50 Nodes (watched for the backend security group rules).
  const namespaces = Array.from({ length: 200 }, (_, n) => `team-${n}`);
  const t0 = performance.now();
  await bulk(namespaces, CONCURRENCY, async (name) => await core.createNamespace({ body: { metadata: { name, labels: { team: name } } } }));
  const services = namespaces.flatMap((ns) => Array.from({ length: 25 }, (_, s) => service(ns, `svc-${s}`)));
  await bulk(services, CONCURRENCY, async (body) => await core.createNamespacedService({ namespace: body.metadata?.namespace ?? '', body }));
  const slices = services.map((s, k) => endpointSlice(s.metadata?.namespace ?? '', s.metadata?.name ?? '', 10, k));
  await bulk(slices, CONCURRENCY, async (body) => await discovery.createNamespacedEndpointSlice({ namespace: body.metadata?.namespace ?? '', body }));
  const ingresses = namespaces.flatMap((ns, n) =>
    Array.from({ length: 10 }, (_, i) => ingress(ns, `app-${i}`, `group-${n}`, i, Array.from({ length: 5 }, (_, p) => `svc-${(i * 5 + p) % 25}`))),
  );
  await bulk(ingresses, CONCURRENCY, async (body) => await networking.createNamespacedIngress({ namespace: body.metadata?.namespace ?? '', body }));
  const nodes = Array.from({ length: 50 }, (_, n) => node(n));
  await bulk(nodes, CONCURRENCY, async (body) => await core.createNode({ body }));
  const createMs = performance.now() - t0;

  // A Lease held by someone else for an hour: the measured controller stays a standby.
  const lease = 'bench-memory-held';
  await kc.makeApiClient(CoordinationV1Api).createNamespacedLease({
    namespace: 'default',
    body: { metadata: { name: lease }, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: new V1MicroTime(), renewTime: new V1MicroTime() } },
  });
  // The Node flags the controller runs with in its image (or BENCH_NODE_FLAGS), plus
  // --expose-gc for the measurement.
  const flags = (process.env['BENCH_NODE_FLAGS'] ?? imageNodeFlags().join(' ')).split(' ').filter((f) => f !== '');
  const child = await execFileAsync(process.execPath, ['--expose-gc', ...flags, join(import.meta.dirname, 'controller-memory.js'), envtest.kubeconfigPath, lease], {
    env: process.env,
    maxBuffer: 1024 * 1024,
  });
  const measured = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as object;
  console.log(
    JSON.stringify({
      scenario: 'memory',
      created: { namespaces: namespaces.length, ingresses: ingresses.length, services: services.length, endpointSlices: slices.length, endpointsPerSlice: 10, nodes: nodes.length, seconds: seconds(createMs), concurrency: CONCURRENCY },
      ...measured,
      targetMiB: { steady: 250, peak: 375 },
    }),
  );
}

/**
 * 5,000 Ingresses listed by a standby: 3,000 more, in 300 namespaces and groups of 10, beside
 * the memory scenario's 2,000 (or alone, when that one did not run). The figure to watch is the
 * longest event-loop block while the caches fill.
 */
async function list(): Promise<void> {
  const namespaces = Array.from({ length: 300 }, (_, n) => `list-${n}`);
  await bulk(namespaces, CONCURRENCY, async (name) => await core.createNamespace({ body: { metadata: { name } } }));
  const ingresses = namespaces.flatMap((ns, n) => Array.from({ length: 10 }, (_, i) => ingress(ns, `app-${i}`, `list-${n}`, i, [`svc-${i}`])));
  await bulk(ingresses, CONCURRENCY, async (body) => await networking.createNamespacedIngress({ namespace: body.metadata?.namespace ?? '', body }));
  const lease = 'bench-list-held';
  await kc.makeApiClient(CoordinationV1Api).createNamespacedLease({
    namespace: 'default',
    body: { metadata: { name: lease }, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: new V1MicroTime(), renewTime: new V1MicroTime() } },
  });
  const flags = (process.env['BENCH_NODE_FLAGS'] ?? imageNodeFlags().join(' ')).split(' ').filter((f) => f !== '');
  const child = await execFileAsync(process.execPath, ['--expose-gc', ...flags, join(import.meta.dirname, 'controller-memory.js'), envtest.kubeconfigPath, lease], { env: process.env, maxBuffer: 1024 * 1024 });
  const measured = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as { cached?: object; syncMs?: number; eventLoopDuringSyncMs?: object };
  console.log(JSON.stringify({ scenario: 'list', cached: measured.cached, syncMs: measured.syncMs, eventLoopDuringSyncMs: measured.eventLoopDuringSyncMs, targetMaxBlockMs: 100 }));
}

// --- 2. and 3. restart and latency with 200 converged groups --------------------------------

async function groups(): Promise<void> {
  const ns = 'latency';
  const count = 200;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const clusterName = `bench-ctl-${Date.now().toString(36)}`;
  const network = await bootstrapNetwork({ endpoint, region, clusterName, credentials });
  const t0 = performance.now();
  await bulk(Array.from({ length: count }, (_, g) => g), CONCURRENCY, async (g) => {
    await core.createNamespacedService({ namespace: ns, body: service(ns, `app-${g}`) });
    await discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, `app-${g}`, 2, g) });
    await networking.createNamespacedIngress({ namespace: ns, body: ingress(ns, `app-${g}`, `lat-${g}`, 0, [`app-${g}`]) });
  });
  const createMs = performance.now() - t0;

  const start = (syncPeriodMs: number): { controller: Controller; aws: Aws; metrics: ControllerMetrics; startedAt: number; stop(): Promise<void> } => {
    const aws = new Aws({ region, endpoint, rateLimits: unpaced });
    const metrics = new ControllerMetrics();
    const controller = new Controller(
      kc,
      aws,
      { clusterName, vpcId: network.vpcId, watchNamespaces: [ns], syncPeriodMs, maxConcurrentReconciles: 3, leaderElection: null },
      metrics,
      silentLogger(),
    );
    const abort = new AbortController();
    const startedAt = performance.now();
    const running = controller.run(abort.signal);
    return {
      controller,
      aws,
      metrics,
      startedAt,
      async stop() {
        abort.abort(new Error('benchmark step over'));
        await running;
        aws.destroy();
      },
    };
  };
  const reconciles = async (metrics: ControllerMetrics): Promise<number> => {
    const metric = await metrics.registry.getSingleMetric('albatross_reconcile_total')?.get();
    return (metric?.values ?? []).reduce((n, v) => n + v.value, 0);
  };
  const converged = async (): Promise<number> => {
    const list = await networking.listNamespacedIngress({ namespace: ns });
    return list.items.filter((i) => (i.status?.loadBalancer?.ingress ?? []).some((x) => (x.hostname ?? '') !== '')).length;
  };

  // Converge the 200 groups from nothing.
  const first = start(10 * 60_000);
  while ((await converged()) < count) await sleep(500);
  const convergeMs = performance.now() - first.startedAt;
  const firstCalls = { total: first.aws.calls.total, changing: first.aws.calls.changing };
  await first.stop();

  // 3. Restart: a new controller (fresh caches) checks every group once.
  const restart = start(10 * 60_000);
  while (!restart.controller.synced) await sleep(20);
  const syncedMs = performance.now() - restart.startedAt;
  while ((await reconciles(restart.metrics)) < count) await sleep(50);
  const checkedMs = performance.now() - restart.startedAt;
  await sleep(2_000);
  const calls = restart.aws.calls;
  const byOperation = Object.fromEntries(calls.entries().map((e) => [`${e.service}:${e.operation}`, e.count]));
  const reconciled = await reconciles(restart.metrics);
  await restart.stop();
  console.log(
    JSON.stringify({
      scenario: 'restart',
      groups: count,
      firstConvergence: { seconds: seconds(convergeMs), calls: firstCalls.total, changing: firstCalls.changing, createSeconds: seconds(createMs) },
      cachesSyncedSeconds: seconds(syncedMs),
      everyGroupCheckedSeconds: seconds(checkedMs),
      reconciles: reconciled,
      calls: calls.total,
      changing: calls.changing,
      reads: calls.reads,
      readsPerGroup: Math.round((calls.reads / count) * 100) / 100,
      byOperation,
    }),
  );

  // 2. Latency: a restarted controller with a short sync period, so that every group is in the
  // resync lane for the whole measurement; 20 Ingress changes, one after another.
  const elbv2 = new ElasticLoadBalancingV2Client({ region, endpoint, credentials });
  const listeners = new Map<number, string>();
  const lbs: LoadBalancer[] = [];
  let marker: string | undefined;
  do {
    const page = await elbv2.send(new DescribeLoadBalancersCommand({ Marker: marker }));
    lbs.push(...(page.LoadBalancers ?? []));
    marker = page.NextMarker;
  } while (marker !== undefined);
  const changed = Array.from({ length: 20 }, (_, k) => k * 10);
  for (const g of changed) {
    const ing = await networking.readNamespacedIngress({ namespace: ns, name: `app-${g}` });
    const dns = ing.status?.loadBalancer?.ingress?.[0]?.hostname;
    const lb = lbs.find((l) => l.DNSName === dns);
    const described = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
    const arn = described.Listeners?.[0]?.ListenerArn;
    if (arn === undefined) throw new Error(`no listener for group lat-${g}`);
    listeners.set(g, arn);
  }

  const syncPeriodMs = 10_000;
  const busy = start(syncPeriodMs);
  while (!busy.controller.synced) await sleep(20);
  await sleep(1_000);
  const latencies: number[] = [];
  const during: { reconcilesSoFar: number; queueDepth: number }[] = [];
  for (const [k, g] of changed.entries()) {
    const name = `app-${g}`;
    const current: V1Ingress = await networking.readNamespacedIngress({ namespace: ns, name });
    const rule = current.spec?.rules?.[0];
    const path = `/change-${k}`;
    rule?.http?.paths.push({ path, pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } });
    const depth = (await busy.metrics.registry.getSingleMetric('albatross_workqueue_depth')?.get())?.values[0]?.value ?? 0;
    during.push({ reconcilesSoFar: await reconciles(busy.metrics), queueDepth: depth });
    const t = performance.now();
    await networking.replaceNamespacedIngress({ namespace: ns, name, body: current });
    for (;;) {
      const rules = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listeners.get(g) }));
      if ((rules.Rules ?? []).some((r) => JSON.stringify(r.Conditions ?? []).includes(`"${path}"`))) break;
      if (performance.now() - t > 120_000) throw new Error(`rule ${path} of lat-${g} not in AWS after 120 s`);
      await sleep(50);
    }
    latencies.push(performance.now() - t);
  }
  const totalReconciles = await reconciles(busy.metrics);
  await busy.stop();
  elbv2.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
  console.log(
    JSON.stringify({
      scenario: 'latency',
      groups: count,
      changes: latencies.length,
      syncPeriodMs,
      p50Ms: pct(50),
      p95Ms: pct(95),
      maxMs: Math.round(sorted.at(-1) ?? 0),
      latenciesMs: latencies.map(Math.round),
      queueDepthAtChanges: during.map((d) => d.queueDepth),
      reconcilesAtChanges: during.map((d) => d.reconcilesSoFar),
      reconcilesTotal: totalReconciles,
    }),
  );
}

/** The Node options of the image's ENTRYPOINT: what stands between `node` and the script. */
function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (entrypoint === undefined) return [];
  const words = JSON.parse(entrypoint) as string[];
  const script = words.indexOf('dist/cli/main.js');
  return words.slice(1, script === -1 ? 1 : script);
}
