// Parses `albatross controller` arguments. Flag names follow controller-runtime's
// (`--metrics-bind-address`, `--health-probe-bind-address`, `--leader-elect`, ...) so that
// platform teams find what they know.
import { parseArgs } from 'node:util';
import { parseDuration } from '../controller/durations.js';
import type { RateLimits } from '../aws/rate-limit.js';
import { AlbatrossError } from '../model/errors.js';
import { parseRateLimits, rateLimitUsage } from './rate-limit-flag.js';
import { backendFlagOptions, backendFlagUsage, parseBackendFlags } from './backend-flags.js';
import type { BackendSecurityGroupSetting } from '../pipeline/backend-security-group.js';

export interface ControllerCliOptions {
  readonly clusterName: string;
  /** @default KUBECONFIG, else in-cluster, else ~/.kube/config */
  readonly kubeconfig: string | undefined;
  readonly region: string;
  readonly vpcId: string | undefined;
  readonly endpoint: string | undefined;
  /** `null` watches every namespace. */
  readonly watchNamespaces: readonly string[] | null;
  /** @default 10 minutes */
  readonly syncPeriodMs: number;
  /** @default 3 */
  readonly maxConcurrentReconciles: number;
  /** `HOST:PORT`, or `null` when turned off with `0`. @default ":8080" */
  readonly metricsBindAddress: string | null;
  /** @default ":8081" */
  readonly healthProbeBindAddress: string | null;
  /** @default true */
  readonly leaderElect: boolean;
  /** @default the pod's namespace, else "default" */
  readonly leaderElectionNamespace: string | undefined;
  /** @default "albatross-leader" */
  readonly leaderElectionId: string;
  /** @default 30 s */
  readonly leaseDurationMs: number;
  /** @default 20 s */
  readonly renewDeadlineMs: number;
  /** @default 10 s */
  readonly retryPeriodMs: number;
  /** @default defaultRateLimits */
  readonly rateLimits: RateLimits;
  /** @default managed */
  readonly backendSecurityGroup: BackendSecurityGroupSetting;
}

export const controllerUsage = `Usage: albatross controller --cluster-name NAME [options]

Runs in the cluster and keeps every Ingress group converged.

Options:
  --cluster-name NAME                     cluster whose AWS resources these are (required)
  --kubeconfig PATH                       default: KUBECONFIG, else in-cluster, else ~/.kube/config
  --region REGION                         AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)
  --vpc-id ID                             VPC of the load balancers (default: the VPC of the tagged subnets)
  --endpoint URL                          AWS endpoint, e.g. an emulator (default: AWS_ENDPOINT_URL)
  --watch-namespace NS[,NS...]            namespaces to watch (default: all)
  --sync-period DURATION                  full drift check of every group (default: 10m, with up to 10% jitter)
  --max-concurrent-reconciles N           groups reconciled at once (default: 3)
  --metrics-bind-address HOST:PORT|0      Prometheus metrics (default: :8080; 0 turns it off)
  --health-probe-bind-address HOST:PORT|0 /healthz and /readyz (default: :8081; 0 turns it off)
  --leader-elect true|false               one active replica through a Lease (default: true)
  --leader-election-namespace NS          default: the pod's namespace, else "default"
  --leader-election-id NAME               the Lease's name (default: albatross-leader)
  --leader-election-lease-duration D      default: 30s
  --leader-election-renew-deadline D      default: 20s
  --leader-election-retry-period D        default: 10s
  --aws-rate-limit ${rateLimitUsage}
${backendFlagUsage(42)}
  -h, --help                              show this help

Durations are written like 30s, 10m or 1h. Logs are JSON lines on stderr (level from LOG_LEVEL).`;

/** A bad flag or value: the message names the flag. Exit code 2. */
function bad(flag: string, problem: string): AlbatrossError {
  return new AlbatrossError('usage', `--${flag}: ${problem}`);
}

function duration(flag: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw bad(flag, `"${value}" must be longer than 0`);
    return ms;
  } catch (err) {
    if (err instanceof AlbatrossError && err.message.startsWith(`--${flag}`)) throw err;
    throw bad(flag, `"${value}" is not a duration; write it like 30s, 10m or 1h`);
  }
}

function address(flag: string, value: string | undefined, fallback: string): string | null {
  const v = value ?? fallback;
  if (v === '0') return null;
  const match = /^(.*):(\d{1,5})$/.exec(v);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) throw bad(flag, `"${v}" is not HOST:PORT, :PORT or 0`);
  return v;
}

export function parseControllerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ControllerCliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        'cluster-name': { type: 'string' },
        kubeconfig: { type: 'string' },
        region: { type: 'string' },
        'vpc-id': { type: 'string' },
        endpoint: { type: 'string' },
        'watch-namespace': { type: 'string' },
        'sync-period': { type: 'string' },
        'max-concurrent-reconciles': { type: 'string' },
        'metrics-bind-address': { type: 'string' },
        'health-probe-bind-address': { type: 'string' },
        'leader-elect': { type: 'string' },
        'leader-election-namespace': { type: 'string' },
        'leader-election-id': { type: 'string' },
        'leader-election-lease-duration': { type: 'string' },
        'leader-election-renew-deadline': { type: 'string' },
        'leader-election-retry-period': { type: 'string' },
        'aws-rate-limit': { type: 'string' },
        ...backendFlagOptions,
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new AlbatrossError('usage', (err as Error).message, { cause: err });
  }
  const v = parsed.values;
  if (v.help === true) return 'help';
  const clusterName = v['cluster-name'];
  if (clusterName === undefined) throw bad('cluster-name', 'is required: the name whose tag marks this cluster\'s AWS resources');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/.test(clusterName)) throw bad('cluster-name', `"${clusterName}" must be 1-63 letters, digits, ".", "_" or "-"`);
  const region = v.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw bad('region', 'no AWS region: pass --region or set AWS_REGION');
  const concurrency = v['max-concurrent-reconciles'] ?? '3';
  if (!/^[1-9]\d{0,2}$/.test(concurrency)) throw bad('max-concurrent-reconciles', `"${concurrency}" must be a whole number from 1 to 999`);
  const leaderElect = v['leader-elect'] ?? 'true';
  if (leaderElect !== 'true' && leaderElect !== 'false') throw bad('leader-elect', `"${leaderElect}" must be true or false`);
  const namespaces = v['watch-namespace']?.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const ns of namespaces ?? []) if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw bad('watch-namespace', `"${ns}" is not a namespace name`);
  const leaseDurationMs = duration('leader-election-lease-duration', v['leader-election-lease-duration'], 30_000);
  const renewDeadlineMs = duration('leader-election-renew-deadline', v['leader-election-renew-deadline'], 20_000);
  const retryPeriodMs = duration('leader-election-retry-period', v['leader-election-retry-period'], 10_000);
  // client-go's rule: the leader must give up before another replica may take over.
  if (renewDeadlineMs >= leaseDurationMs) throw bad('leader-election-renew-deadline', 'must be shorter than --leader-election-lease-duration');
  if (retryPeriodMs >= renewDeadlineMs) throw bad('leader-election-retry-period', 'must be shorter than --leader-election-renew-deadline');
  const endpoint = v.endpoint ?? (env.AWS_ENDPOINT_URL === '' ? undefined : env.AWS_ENDPOINT_URL);
  return {
    clusterName,
    kubeconfig: v.kubeconfig,
    region,
    vpcId: v['vpc-id'],
    backendSecurityGroup: parseBackendFlags(v['enable-backend-security-group'], v['backend-security-group']),
    endpoint,
    watchNamespaces: namespaces === undefined || namespaces.length === 0 ? null : namespaces,
    syncPeriodMs: duration('sync-period', v['sync-period'], 10 * 60_000),
    maxConcurrentReconciles: Number(concurrency),
    metricsBindAddress: address('metrics-bind-address', v['metrics-bind-address'], ':8080'),
    healthProbeBindAddress: address('health-probe-bind-address', v['health-probe-bind-address'], ':8081'),
    leaderElect: leaderElect === 'true',
    leaderElectionNamespace: v['leader-election-namespace'],
    leaderElectionId: v['leader-election-id'] ?? 'albatross-leader',
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    rateLimits: parseRateLimits(v['aws-rate-limit']),
  };
}
