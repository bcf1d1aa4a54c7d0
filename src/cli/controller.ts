// `albatross controller`: builds the Kubernetes and AWS clients, the metrics and probe
// servers, and runs the Controller until SIGTERM or SIGINT, then shuts down within 30 s:
// no new work, the AWS call in flight finished or abandoned, the lease released.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Aws } from '../aws/clients.js';
import { Controller } from '../controller/controller.js';
import { AlbatrossError } from '../model/errors.js';
import { createLogger } from '../observability/logger.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { startHealthServer, startMetricsServer } from '../observability/http.js';
import { controllerUsage, parseControllerArgs, type ControllerCliOptions } from './controller-args.js';

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How long a shutdown may take before the process exits anyway, in ms (Kubernetes' default grace period is 30 s). */
const shutdownLimitMs = 25_000;

/** KUBECONFIG, else in-cluster, else ~/.kube/config; `--kubeconfig` wins over all. */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined) kc.loadFromFile(path);
  else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') kc.loadFromDefault();
  else if (env.KUBERNETES_SERVICE_HOST !== undefined && existsSync(join(serviceAccount, 'token'))) kc.loadFromCluster();
  else {
    const file = join(homedir(), '.kube', 'config');
    if (!existsSync(file)) throw new AlbatrossError('usage', `--kubeconfig: no kubeconfig: KUBECONFIG is unset, this is not a pod, and ${file} does not exist`);
    kc.loadFromFile(file);
  }
  return kc;
}

/** The pod's namespace (from its service account or POD_NAMESPACE), else `default`. */
function podNamespace(env: NodeJS.ProcessEnv): string {
  if (env.POD_NAMESPACE !== undefined && env.POD_NAMESPACE !== '') return env.POD_NAMESPACE;
  try {
    return readFileSync(join(serviceAccount, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

export async function runController(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: ControllerCliOptions | 'help';
  try {
    options = parseControllerArgs(argv, env);
  } catch (err) {
    process.stderr.write(`albatross controller: ${(err as Error).message}\n\n${controllerUsage}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${controllerUsage}\n`);
    return 0;
  }
  const logger = createLogger(env.LOG_LEVEL);
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = loadKubeConfig(options.kubeconfig, env);
  } catch (err) {
    process.stderr.write(`albatross controller: ${(err as Error).message}\n`);
    return 2;
  }

  const aws = new Aws({ region: options.region, endpoint: options.endpoint, logger, rateLimits: options.rateLimits });
  const metrics = new ControllerMetrics();
  const controller = new Controller(
    kubeConfig,
    aws,
    {
      clusterName: options.clusterName,
      vpcId: options.vpcId,
      backendSecurityGroup: options.backendSecurityGroup,
      watchNamespaces: options.watchNamespaces,
      syncPeriodMs: options.syncPeriodMs,
      maxConcurrentReconciles: options.maxConcurrentReconciles,
      leaderElection: options.leaderElect
        ? {
            namespace: options.leaderElectionNamespace ?? podNamespace(env),
            name: options.leaderElectionId,
            leaseDurationMs: options.leaseDurationMs,
            renewDeadlineMs: options.renewDeadlineMs,
            retryPeriodMs: options.retryPeriodMs,
          }
        : null,
    },
    metrics,
    logger,
  );

  const servers = [];
  // Named in the message: an address in use, or not of this host, is a bad value of that flag.
  let flag = '--metrics-bind-address';
  try {
    if (options.metricsBindAddress !== null) servers.push(await startMetricsServer(options.metricsBindAddress, metrics));
    flag = '--health-probe-bind-address';
    if (options.healthProbeBindAddress !== null) {
      servers.push(
        await startHealthServer(options.healthProbeBindAddress, {
          healthy: () => true,
          // Ready once the caches synced, on the leader and on a standby alike.
          ready: () => (controller.synced ? true : 'caches not synced yet'),
        }),
      );
    }
  } catch (err) {
    process.stderr.write(`albatross controller: ${flag}: ${(err as Error).message}\n`);
    for (const s of servers) await s.close();
    return 2;
  }
  for (const s of servers) logger.info({ address: s.address }, 'serving');

  const stop = new AbortController();
  const onSignal = (name: string): void => {
    if (stop.signal.aborted) return;
    logger.info({ signal: name }, 'shutting down');
    stop.abort(new Error(`${name} received`));
    // Whatever still runs after the limit is cut short: Kubernetes would kill it anyway.
    setTimeout(() => process.exit(0), shutdownLimitMs).unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    await controller.run(stop.signal);
    return 0;
  } catch (err) {
    logger.error({ error: (err as Error).stack ?? String(err) }, 'controller failed');
    return 1;
  } finally {
    for (const s of servers) await s.close();
    aws.destroy();
    logger.info('stopped');
  }
}
