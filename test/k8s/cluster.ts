// Shared set-up for controller tests: a real kube-apiserver and etcd, the AWS emulator, a
// network per test cluster, and helpers to run the controller in this process, write objects
// through the API server and wait for what the controller does; and to run the built command
// as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  DiscoveryV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Ingress,
  type V1Service,
} from '@kubernetes/client-node';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { bootstrapNetwork } from '../../localstack/bootstrap.js';
import { Aws } from '../../src/aws/clients.js';
import { Controller, type ControllerOptions } from '../../src/controller/controller.js';
import { createLogger, silentLogger } from '../../src/observability/logger.js';
import { ControllerMetrics } from '../../src/observability/metrics.js';
import { awsClientConfig, emulatorRateLimits, endpoint, region } from '../integration/emulator/emulator.js';
import type { TestCluster } from '../integration/reconcile/harness.js';

export const crdPath = join(process.cwd(), 'charts/albatross/files/crds/ingressclassparams.yaml');

/** Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A running controller of one test cluster, with the AWS view tests assert on. */
export interface RunningController {
  readonly controller: Controller;
  readonly aws: Aws;
  readonly metrics: ControllerMetrics;
  /** What `readAlb` and `route` of the integration harness need. */
  readonly cluster: TestCluster;
  stop(): Promise<void>;
}

export interface AwsCluster {
  readonly clusterName: string;
  readonly vpcId: string;
}

/** A cluster name and its network in the emulator. */
export async function awsCluster(label: string): Promise<AwsCluster> {
  const clusterName = `${label}-${process.pid}-${Date.now().toString(36)}`;
  const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName, credentials: awsClientConfig().credentials });
  return { clusterName, vpcId: network.vpcId };
}

/** Starts a controller in this process against the API server and the emulator. */
export function startController(kubeConfig: KubeConfig, at: AwsCluster, options: Partial<ControllerOptions> = {}): RunningController {
  const aws = new Aws({ region: region(), endpoint: endpoint(), retryPolicy: { retries: 4, minDelayMs: 5, maxDelayMs: 50 }, rateLimits: emulatorRateLimits });
  const metrics = new ControllerMetrics();
  const controller = new Controller(
    kubeConfig,
    aws,
    { clusterName: at.clusterName, vpcId: at.vpcId, watchNamespaces: null, syncPeriodMs: 60 * 60_000, maxConcurrentReconciles: 2, leaderElection: null, ...options },
    metrics,
    process.env['ALBATROSS_TEST_LOG'] === '1' ? createLogger('debug') : silentLogger(),
  );
  const stop = new AbortController();
  const running = controller.run(stop.signal);
  const elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig());
  return {
    controller,
    aws,
    metrics,
    cluster: {
      clusterName: at.clusterName,
      vpcId: at.vpcId,
      aws,
      elbv2,
      run: () => Promise.reject(new Error('the controller runs this cluster')),
      close: () => undefined,
    },
    async stop() {
      stop.abort(new Error('test over'));
      await running;
      aws.destroy();
      elbv2.destroy();
    },
  };
}

/** Typed API clients for writing test objects. */
export function apis(kubeConfig: KubeConfig): { networking: NetworkingV1Api; core: CoreV1Api; discovery: DiscoveryV1Api } {
  return {
    networking: kubeConfig.makeApiClient(NetworkingV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    discovery: kubeConfig.makeApiClient(DiscoveryV1Api),
  };
}

/** Creates a namespace, ignoring one that exists. */
export async function namespace(kubeConfig: KubeConfig, name: string, labels: Record<string, string> = {}): Promise<void> {
  const { core } = apis(kubeConfig);
  await core.createNamespace({ body: { metadata: { name, labels } } }).catch(() => undefined);
}

/** Creates an Ingress, or replaces the one there (keeping its finalizers), as `kubectl apply` would. */
export async function applyIngress(kubeConfig: KubeConfig, object: V1Ingress): Promise<void> {
  const { networking } = apis(kubeConfig);
  const namespaceName = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? '';
  const existing = await networking.readNamespacedIngress({ name, namespace: namespaceName }).catch(() => undefined);
  if (existing === undefined) await networking.createNamespacedIngress({ namespace: namespaceName, body: object });
  else await networking.replaceNamespacedIngress({ name, namespace: namespaceName, body: { ...object, metadata: { ...object.metadata, ...metaOf(existing) } } });
}

/** Creates a Service unless it exists. */
export async function applyService(kubeConfig: KubeConfig, object: V1Service): Promise<void> {
  const { core } = apis(kubeConfig);
  const namespaceName = object.metadata?.namespace ?? 'default';
  const existing = await core.readNamespacedService({ name: object.metadata?.name ?? '', namespace: namespaceName }).catch(() => undefined);
  if (existing === undefined) await core.createNamespacedService({ namespace: namespaceName, body: object });
}

/** Creates an EndpointSlice, or replaces the one there. */
export async function applyEndpointSlice(kubeConfig: KubeConfig, object: V1EndpointSlice): Promise<void> {
  const { discovery } = apis(kubeConfig);
  const namespaceName = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? '';
  const existing = await discovery.readNamespacedEndpointSlice({ name, namespace: namespaceName }).catch(() => undefined);
  if (existing === undefined) await discovery.createNamespacedEndpointSlice({ namespace: namespaceName, body: object });
  else await discovery.replaceNamespacedEndpointSlice({ name, namespace: namespaceName, body: { ...object, metadata: { ...object.metadata, ...metaOf(existing) } } });
}

/** What a replace must carry over from the object it replaces. */
function metaOf(existing: { metadata?: { resourceVersion?: string; finalizers?: string[] } }): { resourceVersion?: string; finalizers?: string[] } {
  return {
    ...(existing.metadata?.resourceVersion === undefined ? {} : { resourceVersion: existing.metadata.resourceVersion }),
    ...(existing.metadata?.finalizers === undefined ? {} : { finalizers: existing.metadata.finalizers }),
  };
}

/** Events recorded on one Ingress, as `reason: message`. */
export async function eventsOf(kubeConfig: KubeConfig, namespaceName: string, ingress: string): Promise<{ type: string; reason: string; message: string; count: number }[]> {
  const { core } = apis(kubeConfig);
  const list = await core.listNamespacedEvent({ namespace: namespaceName, fieldSelector: `involvedObject.name=${ingress}` });
  return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 0 }));
}

/** The built command, `node dist/cli/main.js`; `npm run build` makes it. */
export const builtMain = join(process.cwd(), 'dist/cli/main.js');

/** How a child process ended: its exit code, or the signal that killed it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `albatross controller` running as a child process, its stderr (JSON logs) kept in memory. */
export interface ControllerProcess {
  readonly label: string;
  readonly child: ChildProcess;
  /** Settles when the process ended. */
  readonly exited: Promise<Exit>;
  /** The exit once it happened, else undefined. */
  readonly exit: Exit | undefined;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Log lines parsed as JSON (lines that are not JSON are left out). */
  logs(): Record<string, unknown>[];
  /** The last `lines` lines of stderr, labelled, for failure messages. */
  tail(lines?: number): string;
  /** Sends `signal` unless the process ended already. */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `node dist/cli/main.js ...args` with `env` added to this process's environment.
 *
 * @throws Error naming the fix when dist/ was not built.
 */
export function spawnCommand(label: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ControllerProcess {
  if (!existsSync(builtMain)) throw new Error(`${builtMain} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [builtMain, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: Exit | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  return {
    label,
    child,
    exited,
    get exit() {
      return exit;
    },
    stdout: () => stdout,
    stderr: () => stderr,
    logs: () =>
      stderr.split('\n').flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return isRecord(parsed) ? [parsed] : [];
        } catch {
          return [];
        }
      }),
    tail: (lines = 30) => `--- ${label} (pid ${child.pid ?? '?'}${exit === undefined ? '' : `, exited ${exit.code ?? exit.signal ?? '?'}`}), last lines of stderr:\n${stderr.trimEnd().split('\n').slice(-lines).join('\n')}`,
    kill: (signal = 'SIGKILL') => {
      if (exit === undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs a command to its end (or kills it after `timeoutMs`). */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<Exit & { stdout: string; stderr: string }> {
  const started = spawnCommand('command', args, env);
  const timer = setTimeout(() => started.kill('SIGKILL'), timeoutMs);
  const exit = await started.exited;
  clearTimeout(timer);
  return { ...exit, stdout: started.stdout(), stderr: started.stderr() };
}

/** GET `url`: its status and body, or status 0 when nothing answers. */
export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}
