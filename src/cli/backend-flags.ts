// `--enable-backend-security-group` and `--backend-security-group`, shared by `plan`, `apply`
// and `controller`; the AWS Load Balancer Controller's names, so that its users know them.
import { AlbatrossError } from '../model/errors.js';
import type { BackendSecurityGroupSetting } from '../pipeline/backend-security-group.js';

export const backendFlagOptions = {
  'enable-backend-security-group': { type: 'string' },
  'backend-security-group': { type: 'string' },
} as const;

/** The flags' lines of a usage text whose descriptions start at column `column`. */
export function backendFlagUsage(column: number): string {
  const line = (flag: string, text: string): string => `  ${flag}`.padEnd(column) + text;
  return [
    line('--enable-backend-security-group true|false', ''),
    line('', "one security group shared by the cluster's load balancers, and rules from it"),
    line('', "on the targets' security groups (default: true)"),
    line('--backend-security-group ID', ''),
    line('', 'use this security group as the backend group instead of creating one'),
  ]
    .map((l) => l.trimEnd())
    .join('\n');
}

/**
 * The backend security group setting from the two flags.
 * @throws AlbatrossError `usage` naming the flag and the value: not true/false, not a
 *   security group id, or a group given while the feature is turned off.
 */
export function parseBackendFlags(enable: string | undefined, group: string | undefined): BackendSecurityGroupSetting {
  const on = enable ?? 'true';
  if (on !== 'true' && on !== 'false') throw new AlbatrossError('usage', `--enable-backend-security-group: "${on}" must be true or false`);
  if (group !== undefined && !/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/.test(group)) {
    throw new AlbatrossError('usage', `--backend-security-group: "${group}" is not a security group id (sg- and 8 or 17 hex digits)`);
  }
  if (on === 'false') {
    if (group !== undefined) throw new AlbatrossError('usage', `--backend-security-group: "${group}" has no effect with --enable-backend-security-group=false; drop one of them`);
    return { kind: 'off' };
  }
  return group === undefined ? { kind: 'managed' } : { kind: 'given', groupId: group };
}
