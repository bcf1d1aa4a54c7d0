// The `albatross` command: plan or apply manifests against AWS. Started by main.ts.
import { Aws } from '../aws/clients.js';
import { AlbatrossError } from '../model/errors.js';
import { createLogger } from '../observability/logger.js';
import { clusterViewFromFiles } from '../cluster/files.js';
import { isClean, reconcileCluster } from '../pipeline/cluster.js';
import { reconcileDeps } from '../pipeline/reconcile.js';
import { BackendSecurityGroup } from '../pipeline/backend-security-group.js';
import { parseCli, usage } from './args.js';
import { toJson, toText } from './render.js';

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === 'controller') {
    const { runController } = await import('./controller.js');
    return await runController(argv.slice(1), env);
  }
  const logger = createLogger(env.LOG_LEVEL);
  let options;
  try {
    options = parseCli(argv, env);
  } catch (err) {
    process.stderr.write(`albatross: ${(err as Error).message}\n\n${usage}\n`);
    return 1;
  }
  if (options === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const aws = new Aws({ region: options.region, endpoint: options.endpoint, logger, rateLimits: options.rateLimits });
  try {
    const view = await clusterViewFromFiles(options.files);
    const result = await reconcileCluster(
      view,
      reconcileDeps(aws, {
        clusterName: options.clusterName,
        vpcId: options.vpcId,
        mode: options.command,
        logger,
        backendSecurityGroup: new BackendSecurityGroup(options.backendSecurityGroup, options.clusterName),
      }),
    );
    process.stdout.write(options.output === 'json' ? `${JSON.stringify(toJson(result), null, 2)}\n` : `${toText(result, options.command)}\n`);
    if (!isClean(result)) return 1;
    if (options.command === 'plan') return result.groups.some((g) => g.changes.length > 0) ? 2 : 0;
    return 0;
  } catch (err) {
    const message = err instanceof AlbatrossError ? err.message : `unexpected failure: ${(err as Error).stack ?? String(err)}`;
    // Bad input is the user's to fix and is said once, plainly; anything else is logged too.
    const plain = err instanceof AlbatrossError && (err.code === 'input' || err.code === 'usage');
    if (!plain) logger.error({ code: err instanceof AlbatrossError ? err.code : 'internal' }, message);
    process.stderr.write(`albatross: ${message}\n`);
    return 1;
  } finally {
    aws.destroy();
  }
}
