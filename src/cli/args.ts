// Parses `albatross plan|apply` arguments. Node's own parseArgs is enough for two verbs.
import { parseArgs } from 'node:util';
import type { RateLimits } from '../aws/rate-limit.js';
import { AlbatrossError } from '../model/errors.js';
import { parseRateLimits, rateLimitUsage } from './rate-limit-flag.js';
import { backendFlagOptions, backendFlagUsage, parseBackendFlags } from './backend-flags.js';
import type { BackendSecurityGroupSetting } from '../pipeline/backend-security-group.js';

export const Command = ['plan', 'apply'] as const;
export type Command = (typeof Command)[number];

export const OutputFormat = ['text', 'json'] as const;
export type OutputFormat = (typeof OutputFormat)[number];

export interface CliOptions {
  readonly command: Command;
  readonly files: readonly string[];
  /** @default "default" */
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string | undefined;
  readonly endpoint: string | undefined;
  /** @default "text" */
  readonly output: OutputFormat;
  /** @default defaultRateLimits */
  readonly rateLimits: RateLimits;
  /** @default managed */
  readonly backendSecurityGroup: BackendSecurityGroupSetting;
}

export const usage = `Usage: albatross <plan|apply> -f PATH... [options]
       albatross controller --cluster-name NAME [options]   (see albatross controller --help)

  plan        show the changes that would make AWS match the manifests; changes nothing
  apply       make AWS match the manifests, and print what was done
  controller  run in the cluster and keep every Ingress group converged

Options:
  -f, --filename PATH   manifest file or directory (repeatable; directories are read recursively)
  --cluster-name NAME   cluster whose resources these manifests describe (default: "default")
  --region REGION       AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)
  --vpc-id ID           VPC of the load balancers (default: the VPC of the tagged subnets)
  --endpoint URL        AWS endpoint, e.g. an emulator (default: AWS_ENDPOINT_URL)
  -o, --output FORMAT   text or json (default: text)
  --aws-rate-limit ${rateLimitUsage}
${backendFlagUsage(24)}
  -h, --help            show this help

Exit codes: plan 0 = nothing to do, 2 = changes to make, 1 = error (an invalid Ingress included);
            apply 0 = converged without errors, 1 = otherwise (valid groups are still applied).`;

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        'cluster-name': { type: 'string' },
        region: { type: 'string' },
        'vpc-id': { type: 'string' },
        endpoint: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'aws-rate-limit': { type: 'string' },
        ...backendFlagOptions,
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new AlbatrossError('usage', (err as Error).message, { cause: err });
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  const [command, ...extra] = positionals;
  if (command === undefined) throw new AlbatrossError('usage', 'missing command: plan or apply');
  if (!(Command as readonly string[]).includes(command)) throw new AlbatrossError('usage', `unknown command "${command}": use plan or apply`);
  // Like kubectl, -f may be followed by several paths: `-f a.yaml b.yaml`.
  const files = [...(values.filename ?? []).flatMap((f) => f.split(',')), ...extra].filter((f) => f !== '');
  if (files.length === 0) throw new AlbatrossError('usage', 'no manifests: pass -f PATH (a file or a directory)');
  const output = values.output ?? 'text';
  if (!(OutputFormat as readonly string[]).includes(output)) throw new AlbatrossError('usage', `--output "${output}" is not supported: use text or json`);
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new AlbatrossError('usage', 'no AWS region: pass --region or set AWS_REGION');
  const clusterName = values['cluster-name'] ?? 'default';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/.test(clusterName)) {
    throw new AlbatrossError('usage', `--cluster-name "${clusterName}" must be 1-63 letters, digits, ".", "_" or "-"`);
  }
  const endpoint = values.endpoint ?? (env.AWS_ENDPOINT_URL === '' ? undefined : env.AWS_ENDPOINT_URL);
  return {
    command: command as Command,
    files,
    clusterName,
    region,
    vpcId: values['vpc-id'],
    endpoint,
    output: output as OutputFormat,
    rateLimits: parseRateLimits(values['aws-rate-limit']),
    backendSecurityGroup: parseBackendFlags(values['enable-backend-security-group'], values['backend-security-group']),
  };
}
