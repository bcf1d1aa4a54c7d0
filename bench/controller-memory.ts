// Controller benchmark, memory (run by bench/controller.ts in a process of its own, with
// --expose-gc): starts the Controller against the API server of the kubeconfig in argv[2] as a
// standby replica (leader election on, the Lease held by someone else), so that it lists and
// watches every kind into its caches but never reconciles. Samples process.memoryUsage().rss
// every 100 ms from before the first list until the caches synced and settled, then forces GC
// and reads the steady RSS. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { Aws } from '../src/aws/clients.js';
import { Controller } from '../src/controller/controller.js';
import { silentLogger } from '../src/observability/logger.js';
import { ControllerMetrics } from '../src/observability/metrics.js';
import { unpaced } from './unpaced.js';

const kubeconfigPath = process.argv[2];
const leaseName = process.argv[3];
if (kubeconfigPath === undefined || leaseName === undefined) throw new Error('usage: controller-memory.js KUBECONFIG LEASE');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const MiB = 1024 * 1024;
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
/**
 * Rss, Anonymous and LazyFree of /proc/self/smaps_rollup in MiB. LazyFree is memory the process
 * gave back with madvise(MADV_FREE), as V8 does with freed heap pages: the kernel still counts it
 * in RSS until it needs the memory elsewhere.
 */
function smaps(): Record<string, number> {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const field = (name: string): number => Math.round((Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024) * 10) / 10;
    return { rss: field('Rss'), anonymous: field('Anonymous'), lazyFree: field('LazyFree'), anonHugePages: field('AnonHugePages') };
  } catch {
    return {};
  }
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const aws = new Aws({ region: process.env['AWS_REGION'] ?? 'us-east-1', endpoint: process.env['AWS_ENDPOINT_URL'], rateLimits: unpaced });
const controller = new Controller(
  kubeConfig,
  aws,
  {
    clusterName: 'bench-memory',
    watchNamespaces: null,
    syncPeriodMs: 10 * 60_000,
    maxConcurrentReconciles: 3,
    // The Lease is held by another identity for an hour: this replica only caches.
    leaderElection: { namespace: 'default', name: leaseName, leaseDurationMs: 3_600_000, renewDeadlineMs: 20_000, retryPeriodMs: 10_000 },
  },
  new ControllerMetrics(),
  silentLogger(),
);

gc();
await sleep(200);
const before = process.memoryUsage();
let peak = before.rss;
let samples = 0;
const sampler = setInterval(() => {
  samples++;
  peak = Math.max(peak, process.memoryUsage().rss);
}, 100);

// The longest the event loop was held up while the caches filled: what a /healthz probe or a
// Lease renewal would wait for at worst.
const eventLoop = monitorEventLoopDelay({ resolution: 5 });
eventLoop.enable();
const stop = new AbortController();
const started = performance.now();
const running = controller.run(stop.signal);
while (!controller.synced) await sleep(20);
const syncMs = Math.round(performance.now() - started);
eventLoop.disable();
// Handlers ran inside the last list; give the event loop and the allocator a moment.
await sleep(3_000);
const peakDuringSync = peak;
for (let i = 0; i < 3; i++) {
  gc();
  await sleep(1_000);
}
await sleep(3_000);
const steady = process.memoryUsage();
const steadySmaps = smaps();
clearInterval(sampler);

const store = controller.store;
const ingresses = store.ingresses();
const services = new Set<string>();
let slices = 0;
let endpoints = 0;
for (const i of ingresses) {
  for (const rule of i.spec?.rules ?? []) for (const p of rule.http?.paths ?? []) services.add(`${i.metadata?.namespace ?? ''}/${p.backend.service?.name ?? ''}`);
}
// Every Service of the benchmark is svc-0..svc-24 in team-0..team-199; count what the store holds.
let storedServices = 0;
for (let n = 0; n < 200; n++) {
  for (let s = 0; s < 25; s++) {
    if (store.service(`team-${n}`, `svc-${s}`) !== undefined) storedServices++;
    for (const slice of store.endpointSlicesFor(`team-${n}`, `svc-${s}`)) {
      slices++;
      endpoints += slice.endpoints?.length ?? 0;
    }
  }
}

const result = {
  cached: {
    ingresses: ingresses.length,
    groups: store.grouping().groups.length,
    services: storedServices,
    endpointSlices: slices,
    endpoints,
    nodes: Array.from({ length: 50 }, (_, n) => store.node(`node-${n}`)).filter((n) => n !== undefined).length,
  },
  syncMs,
  eventLoopDuringSyncMs: { max: Math.round(eventLoop.max / 1e5) / 10, p99: Math.round(eventLoop.percentile(99) / 1e5) / 10, mean: Math.round(eventLoop.mean / 1e5) / 10 },
  samples,
  rssMiB: {
    beforeStart: mib(before.rss),
    peakDuringSync: mib(peakDuringSync),
    // The kernel's high-water mark of the whole process, catching peaks between samples.
    maxRss: mib(process.resourceUsage().maxRSS * 1024),
    steady: mib(steady.rss),
  },
  steadySmapsMiB: steadySmaps,
  steadyMiB: { heapTotal: mib(steady.heapTotal), heapUsed: mib(steady.heapUsed), external: mib(steady.external), arrayBuffers: mib(steady.arrayBuffers) },
  beforeStartMiB: { heapUsed: mib(before.heapUsed), external: mib(before.external) },
};
stop.abort(new Error('benchmark over'));
await running;
aws.destroy();
console.log(JSON.stringify(result));
process.exit(0);
