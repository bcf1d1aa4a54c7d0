// Command line for bootstrap.ts: creates (or finds) a cluster's network and prints its ids as JSON.
//
//   node localstack/bootstrap-cli.ts --cluster-name demo [--region us-east-1] [--endpoint URL]
//
// Needs Node 22.18+ / 24 (it runs the TypeScript directly): `node_modules/.bin/node` or
// `npx node` in this repository. The endpoint defaults to AWS_ENDPOINT_URL, the region to
// AWS_REGION, then us-east-1. Against a loopback endpoint (moto, LocalStack) without
// credentials in the environment it signs with test/test.
import { parseArgs } from 'node:util';
import { bootstrapNetwork } from './bootstrap.ts';

const usage = 'usage: node localstack/bootstrap-cli.ts --cluster-name NAME [--region REGION] [--endpoint URL]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'cluster-name': { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const clusterName = values['cluster-name'];
  if (clusterName === undefined) {
    throw new Error(`--cluster-name is required\n${usage}`);
  }
  const endpoint = values.endpoint || process.env['AWS_ENDPOINT_URL'] || undefined;
  const region = values.region || process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || 'us-east-1';
  const useTestCredentials =
    endpoint !== undefined && isLoopback(endpoint) && !process.env['AWS_ACCESS_KEY_ID'] && !process.env['AWS_PROFILE'];

  const network = await bootstrapNetwork({
    endpoint,
    region,
    clusterName,
    ...(useTestCredentials ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
  });
  console.log(JSON.stringify(network, null, 2));
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

main().catch((error: unknown) => {
  console.error(`bootstrap: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
