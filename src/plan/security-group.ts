// The managed security group: ingress rules authorised and revoked in place.
import type { ActualSecurityGroup } from '../model/actual.js';
import type { SecurityGroupSpec } from '../model/resources.js';
import { missingFrom, securityGroupRuleKey } from './equality.js';
import type { Operation } from './operations.js';
import { pushTagOps } from './tags.js';

/**
 * Name and VPC of a security group cannot change, but both derive from the group and the
 * network, which stay; everything we set (ingress rules, tags) changes in place.
 */
export function securityGroupNeedsReplacement(_spec: SecurityGroupSpec, _actual: ActualSecurityGroup): string | null {
  return null;
}

/**
 * `keptPorts`: ports of listeners kept only for a frozen Ingress; their ingress rules are
 * not revoked. A managed group no longer wanted is deleted with the other deletions.
 */
export function diffSecurityGroup(
  spec: SecurityGroupSpec | null,
  actual: ActualSecurityGroup | null,
  vpcId: string,
  keptPorts: ReadonlySet<number>,
): Operation[] {
  if (spec === null) return [];
  if (actual === null || securityGroupNeedsReplacement(spec, actual) !== null) return [{ op: 'createSecurityGroup', spec, vpcId }];
  const ops: Operation[] = [];
  const authorize = missingFrom(spec.ingress, actual.ingress, securityGroupRuleKey);
  const revoke = missingFrom(actual.ingress, spec.ingress, securityGroupRuleKey).filter((r) => !keptPorts.has(r.port));
  if (authorize.length > 0 || revoke.length > 0) ops.push({ op: 'updateSecurityGroupRules', id: spec.id, groupId: actual.groupId, authorize, revoke });
  pushTagOps(ops, spec.id, 'ec2', actual.groupId, spec.tags, actual.tags);
  return ops;
}
