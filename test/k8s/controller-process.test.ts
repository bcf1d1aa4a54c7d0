// `albatross controller` as users run it: the built command (node dist/cli/main.js) as child
// processes against a real kube-apiserver and the AWS emulator. Bad flags, the probe and metrics
// endpoints, two replicas with leader election (only the leader acts; SIGKILL and SIGTERM hand
// the Lease over), and a clean exit on SIGTERM. What is asserted is what a user would notice:
// exit codes, messages, HTTP answers, metric lines, the Ingress status and the Lease.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, type V1Ingress, type V1Lease } from '@kubernetes/client-node';
import { Pki, tlsSecret } from '../unit/certificates/pki.js';
import { endpointSlice, ingress, ingressClass, service } from '../unit/factories.js';
import { awsClientConfig, endpoint, region } from '../integration/emulator/emulator.js';
import {
  apis,
  applyEndpointSlice,
  applyIngress,
  applyService,
  awsCluster,
  builtMain,
  crdPath,
  eventually,
  httpGet,
  namespace,
  runCommand,
  spawnCommand,
  type AwsCluster,
  type ControllerProcess,
} from './cluster.js';
import { freePorts, startEnvtest, type Envtest } from './envtest.js';

/** The Lease durations of the replicas here: short, so that a takeover fits in a test. */
const LEASE_MS = 3_000;
const LEASE_FLAGS = [
  '--leader-elect', 'true',
  '--leader-election-namespace', 'default',
  '--leader-election-id', 'albatross-process-test',
  '--leader-election-lease-duration', '3s',
  '--leader-election-renew-deadline', '2s',
  '--leader-election-retry-period', '500ms',
];
/** A takeover after SIGKILL takes the lease duration plus a retry period; the rest is margin for a busy 2-core machine. */
const TAKEOVER_BOUND_MS = 15_000;
/** Kubernetes' default grace period: SIGKILL follows SIGTERM after 30 s. */
const SHUTDOWN_BOUND_MS = 30_000;

let env: Envtest;
let solo: AwsCluster;
let pair: AwsCluster;
let pki: Pki;
let scratch: string;
/** Every process started, killed in afterAll whatever happened. */
const started: ControllerProcess[] = [];

beforeAll(async () => {
  if (!existsSync(builtMain)) throw new Error(`${builtMain} is missing: run npm run build (npm test does)`);
  pki = new Pki();
  scratch = mkdtempSync(join(tmpdir(), 'albatross-process-'));
  // The IngressClassParams CRD installed, as the chart does.
  env = await startEnvtest({ crdPaths: [crdPath], startTimeoutMs: 110_000 });
  solo = await awsCluster('proc-solo');
  pair = await awsCluster('proc-pair');
  await apis(env.kubeConfig).networking.createIngressClass({ body: ingressClass() });
  for (const ns of ['solo', 'pair']) {
    await namespace(env.kubeConfig, ns);
    await applyService(env.kubeConfig, service({ namespace: ns, name: 'web' }));
    await applyEndpointSlice(env.kubeConfig, endpointSlice({ namespace: ns, service: 'web', name: 'web-1', endpoints: [{ addresses: ['10.0.1.10'] }] }));
  }
}, 150_000);

afterAll(async () => {
  for (const p of started) p.kill('SIGKILL');
  await Promise.all(started.map(async (p) => await p.exited));
  await env.stop();
  pki.close();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** Runs a test body; a failure carries the tail of every controller's log. */
function withLogs(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      const tails = started.map((p) => p.tail(25)).join('\n');
      if (error instanceof Error) {
        error.message = `${error.message}\n\n${tails}`;
        throw error;
      }
      throw new Error(`${String(error)}\n\n${tails}`, { cause: error });
    }
  };
}

/** The child's environment: the emulator's credentials, and info logs. */
function childEnv(): NodeJS.ProcessEnv {
  const { credentials } = awsClientConfig();
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken }),
    LOG_LEVEL: 'info',
  };
}

interface Replica {
  readonly process: ControllerProcess;
  readonly health: string;
  readonly metrics: string;
}

/** Flags every controller here gets: the API server, the emulator and one AWS cluster's network. */
function baseFlags(at: AwsCluster, kubeconfig = env.kubeconfigPath): string[] {
  return ['--kubeconfig', kubeconfig, '--cluster-name', at.clusterName, '--vpc-id', at.vpcId, '--region', region(), '--endpoint', endpoint(), '--sync-period', '1h'];
}

/** Starts `albatross controller` watching `ns`, with probes and metrics on free loopback ports. */
async function startReplica(label: string, at: AwsCluster, ns: string, extra: readonly string[], kubeconfig?: string): Promise<Replica> {
  const [healthPort, metricsPort] = await freePorts(2);
  const health = `127.0.0.1:${String(healthPort)}`;
  const metrics = `127.0.0.1:${String(metricsPort)}`;
  const child = spawnCommand(
    label,
    ['controller', ...baseFlags(at, kubeconfig), '--watch-namespace', ns, '--health-probe-bind-address', health, '--metrics-bind-address', metrics, ...extra],
    childEnv(),
  );
  started.push(child);
  return { process: child, health: `http://${health}`, metrics: `http://${metrics}` };
}

/** Metric samples of one scrape: `name{labels}` to value. */
async function scrape(replica: Replica): Promise<Map<string, number>> {
  const { status, body } = await httpGet(`${replica.metrics}/metrics`);
  if (status !== 200) throw new Error(`${replica.process.label} /metrics answered ${String(status)}`);
  return parseMetrics(body);
}

function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The metric names of a scrape (without labels and histogram suffixes kept as they are). */
function names(samples: Map<string, number>): Set<string> {
  return new Set([...samples.keys()].map((k) => k.replace(/\{.*$/, '')));
}

async function leaderGauge(replica: Replica): Promise<number | undefined> {
  return (await scrape(replica)).get('albatross_leader');
}

/** Lines of `albatross_aws_api_calls_total` for operations that change AWS. */
async function changingCalls(replica: Replica): Promise<string[]> {
  return [...(await scrape(replica)).keys()].filter((k) => k.startsWith('albatross_aws_api_calls_total{') && /operation="(Create|Register|Modify|Delete|Deregister|Add|Remove|Set|Import)/.test(k));
}

/** The identity a replica logged when it began to lead. */
function identityOf(replica: Replica): string | undefined {
  const line = replica.process.logs().find((l) => l['msg'] === 'leading: reconciling');
  return typeof line?.['identity'] === 'string' ? line['identity'] : undefined;
}

async function readLease(): Promise<V1Lease> {
  return await env.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'albatross-process-test', namespace: 'default' });
}

async function hostnameOf(ns: string, name: string): Promise<string | undefined> {
  const found = await apis(env.kubeConfig).networking.readNamespacedIngress({ name, namespace: ns }).catch(() => undefined);
  return found?.status?.loadBalancer?.ingress?.[0]?.hostname;
}

const web = (ns: string, name: string, host: string): V1Ingress =>
  ingress({ namespace: ns, name, host, annotations: { scheme: 'internet-facing' }, paths: [{ path: '/', service: 'web' }] });

/** Waits for the process to end; fails after `timeoutMs` (the process is killed then). */
async function exitWithin(p: ControllerProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const exit = await Promise.race([p.exited, timedOut]);
  clearTimeout(timer);
  if (exit === 'timeout') throw new Error(`${p.label} did not exit within ${String(timeoutMs)} ms`);
  return { ...exit, ms: Date.now() - start };
}

describe('bad flags', () => {
  const cases: [string, (flags: string[]) => string[], RegExp][] = [
    ['--sync-period banana', (f) => [...f, '--sync-period', 'banana'], /--sync-period: "banana" is not a duration/],
    ['--leader-elect maybe', (f) => [...f, '--leader-elect', 'maybe'], /--leader-elect: "maybe" must be true or false/],
    ['--max-concurrent-reconciles 0', (f) => [...f, '--max-concurrent-reconciles', '0'], /--max-concurrent-reconciles: "0"/],
    ['no --cluster-name', (f) => f.filter((_, i) => f[i] !== '--cluster-name' && f[i - 1] !== '--cluster-name'), /--cluster-name: is required/],
    ['an unknown flag', (f) => [...f, '--leader-election-lease', '3s'], /--leader-election-lease\b/],
    ['a bad bind address', (f) => [...f, '--metrics-bind-address', 'localhost'], /--metrics-bind-address: "localhost"/],
    ['a renew deadline longer than the lease', (f) => [...f, '--leader-election-lease-duration', '3s'], /--leader-election-renew-deadline: must be shorter than --leader-election-lease-duration/],
  ];

  test.each(cases)('%s: exit code 2 and a message naming the flag, nothing started', async (_, flags, message) => {
    const [healthPort] = await freePorts(1);
    const args = ['controller', ...flags([...baseFlags(solo), '--health-probe-bind-address', `127.0.0.1:${String(healthPort)}`])];
    const run = await runCommand(args, childEnv(), 20_000);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Usage: albatross controller');
    // No JSON log line: no watch, server or elector was started.
    expect(run.stderr.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  }, 30_000);

  test('a probe address in use: exit code 2 and a message naming the flag', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const run = await runCommand(['controller', ...baseFlags(solo), '--metrics-bind-address', '0', '--health-probe-bind-address', `127.0.0.1:${String(port)}`], childEnv(), 20_000);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`--health-probe-bind-address: cannot listen on 127\\.0\\.0\\.1:${String(port)}: .*EADDRINUSE`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 30_000);
});

describe('one controller without leader election', () => {
  let one: Replica;

  test('/healthz and /readyz answer 200 once the caches synced', withLogs(async () => {
    one = await startReplica('solo', solo, 'solo', ['--leader-elect', 'false']);
    await eventually('/healthz 200', async () => ((await httpGet(`${one.health}/healthz`)).status === 200 ? true : undefined));
    await eventually('/readyz 200', async () => ((await httpGet(`${one.health}/readyz`)).status === 200 ? true : undefined));
    expect(await httpGet(`${one.health}/readyz`)).toEqual({ status: 200, body: 'ok\n' });
    expect((await httpGet(`${one.health}/nothing`)).status).toBe(404);
  }), 60_000);

  test('an Ingress with a TLS Secret converges, and /metrics shows it', withLogs(async () => {
    const issued = pki.issue({ sans: ['solo.example.com'], days: 30 });
    await apis(env.kubeConfig).core.createNamespacedSecret({ namespace: 'solo', body: tlsSecret(issued.certPem, issued.keyPem, { namespace: 'solo', name: 'solo-tls' }) });
    const withTls = web('solo', 'web', 'solo.example.com');
    await applyIngress(env.kubeConfig, { ...withTls, spec: { ...withTls.spec, tls: [{ hosts: ['solo.example.com'], secretName: 'solo-tls' }] } });
    const hostname = await eventually('the status hostname', async () => await hostnameOf('solo', 'web'), 60_000);
    expect(hostname).toMatch(/\.elb\.amazonaws\.com$/);

    const samples = await eventually('a successful reconcile counted', async () => {
      const s = await scrape(one);
      return (s.get('albatross_reconcile_total{result="success"}') ?? 0) >= 1 ? s : undefined;
    });
    for (const name of [
      'albatross_reconcile_total',
      'albatross_reconcile_duration_seconds_bucket',
      'albatross_sync_latency_seconds_bucket',
      'albatross_aws_api_calls_total',
      'albatross_workqueue_depth',
      'albatross_managed_groups',
      'albatross_managed_ingresses',
      'albatross_leader',
      'albatross_certificate_expiry_timestamp_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(names(samples)).toContain(name);
    }
    expect(samples.get('albatross_leader')).toBe(1);
    expect(samples.get('albatross_managed_groups')).toBe(1);
    expect(samples.get('albatross_managed_ingresses')).toBe(1);
    expect(samples.get('albatross_sync_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(samples.get('albatross_aws_api_calls_total{service="elbv2",operation="CreateLoadBalancer",outcome="success"}')).toBe(1);
    // The certificate expires in 30 days: the gauge says when, in seconds since the epoch.
    const expiry = samples.get('albatross_certificate_expiry_timestamp_seconds{namespace="solo",secret="solo-tls"}');
    expect(expiry).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    expect(expiry).toBeLessThan(Date.now() / 1000 + 31 * 86_400);
  }), 90_000);

  test('SIGTERM: exit code 0 within 30 s', withLogs(async () => {
    one.process.kill('SIGTERM');
    const exit = await exitWithin(one.process, SHUTDOWN_BOUND_MS + 5_000);
    console.log(`solo controller: SIGTERM to exit took ${String(exit.ms)} ms`);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(one.process.logs().map((l) => l['msg'])).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  }), 60_000);
});

describe('an API server that does not answer', () => {
  test('the controller is alive but not ready, and SIGTERM still ends it with 0', withLogs(async () => {
    // The same credentials, but a port where nothing listens: the caches never sync.
    const [nowhere] = await freePorts(1);
    const kubeconfig = join(scratch, 'unreachable.kubeconfig');
    writeFileSync(kubeconfig, readFileSync(env.kubeconfigPath, 'utf8').replaceAll(env.server, `https://127.0.0.1:${String(nowhere)}`), { mode: 0o600 });
    const lost = await startReplica('unreachable', solo, 'solo', ['--leader-elect', 'false'], kubeconfig);
    await eventually('/healthz 200', async () => ((await httpGet(`${lost.health}/healthz`)).status === 200 ? true : undefined));
    const ready = await httpGet(`${lost.health}/readyz`);
    expect(ready).toEqual({ status: 503, body: 'caches not synced yet\n' });
    expect(await leaderGauge(lost)).toBe(0);

    lost.process.kill('SIGTERM');
    const exit = await exitWithin(lost.process, SHUTDOWN_BOUND_MS + 5_000);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_BOUND_MS);
  }), 60_000);
});

describe('two replicas with leader election', () => {
  let a: Replica;
  let b: Replica;
  let leader: Replica;
  let standby: Replica;

  test('exactly one leads, both are ready, the Lease names the leader', withLogs(async () => {
    a = await startReplica('replica-a', pair, 'pair', LEASE_FLAGS);
    b = await startReplica('replica-b', pair, 'pair', LEASE_FLAGS);
    for (const r of [a, b]) {
      await eventually(`${r.process.label} /readyz 200`, async () => ((await httpGet(`${r.health}/readyz`)).status === 200 ? true : undefined));
    }
    const gauges = await eventually('one leader', async () => {
      const both = [await leaderGauge(a), await leaderGauge(b)];
      return both.includes(1) ? both : undefined;
    });
    expect([...gauges].sort()).toEqual([0, 1]);
    [leader, standby] = gauges[0] === 1 ? [a, b] : [b, a];
    // Still one leader a few renewals later.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect([await leaderGauge(leader), await leaderGauge(standby)]).toEqual([1, 0]);

    const identity = identityOf(leader);
    expect(identity).toBeDefined();
    expect(identityOf(standby)).toBeUndefined();
    const lease = await readLease();
    expect(lease.spec?.holderIdentity).toBe(identity);
    expect(lease.spec?.leaseDurationSeconds).toBe(3);
  }), 60_000);

  test('an Ingress converges; only the leader makes AWS calls', withLogs(async () => {
    await applyIngress(env.kubeConfig, web('pair', 'first', 'first.example.com'));
    expect(await eventually('the status hostname', async () => await hostnameOf('pair', 'first'), 60_000)).toMatch(/\.elb\.amazonaws\.com$/);
    expect(await changingCalls(leader)).toEqual(expect.arrayContaining([expect.stringContaining('operation="CreateLoadBalancer"')]));
    expect(await changingCalls(standby)).toEqual([]);
    expect((await scrape(standby)).get('albatross_reconcile_total{result="success"}')).toBe(0);
  }), 90_000);

  test('SIGKILL the leader: the standby takes over within the bound and converges a new Ingress', withLogs(async () => {
    const killedIdentity = identityOf(leader);
    const killedAt = Date.now();
    leader.process.kill('SIGKILL');
    await leader.process.exited;
    await eventually('the standby leading', async () => ((await leaderGauge(standby)) === 1 ? true : undefined), TAKEOVER_BOUND_MS + 10_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover after SIGKILL of the leader: ${String(takeoverMs)} ms (lease duration ${String(LEASE_MS)} ms)`);
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
    const identity = identityOf(standby);
    expect(identity).toBeDefined();
    expect(identity).not.toBe(killedIdentity);
    expect((await readLease()).spec?.holderIdentity).toBe(identity);

    await applyIngress(env.kubeConfig, web('pair', 'second', 'second.example.com'));
    expect(await eventually('the new Ingress status hostname', async () => await hostnameOf('pair', 'second'), 60_000)).toMatch(/\.elb\.amazonaws\.com$/);
    [leader, standby] = [standby, leader];
  }), 90_000);

  test('SIGTERM the leader: exit code 0, the Lease released, a standby takes over well within the lease duration', withLogs(async () => {
    const fresh = await startReplica('replica-c', pair, 'pair', LEASE_FLAGS);
    await eventually('replica-c /readyz 200', async () => ((await httpGet(`${fresh.health}/readyz`)).status === 200 ? true : undefined));
    // Let the new replica see the Lease being renewed a few times.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect([await leaderGauge(leader), await leaderGauge(fresh)]).toEqual([1, 0]);

    const termAt = Date.now();
    leader.process.kill('SIGTERM');
    const exit = await exitWithin(leader.process, SHUTDOWN_BOUND_MS + 5_000);
    await eventually('replica-c leading', async () => ((await leaderGauge(fresh)) === 1 ? true : undefined), 20_000);
    const takeoverMs = Date.now() - termAt;
    console.log(`leader SIGTERM: exit after ${String(exit.ms)} ms, standby leading after ${String(takeoverMs)} ms`);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(leader.process.logs().map((l) => l['msg'])).toContain('released the lease');
    // Without the release the standby waits out the lease (3 s) from the last renewal it saw.
    expect(takeoverMs).toBeLessThan(LEASE_MS);
    expect((await readLease()).spec?.holderIdentity).toBe(identityOf(fresh));
  }), 60_000);
});
