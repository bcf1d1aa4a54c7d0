// Security group operations (EC2). Deletion waits out the minutes AWS needs to release a
// deleted load balancer's network interfaces.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { SecurityGroupRuleSpec } from '../model/resources.js';
import type { OperationOf } from '../plan/operations.js';
import { alreadyDone, findSecurityGroup } from './recover.js';
import type { ApplyState } from './state.js';

/** Groups rules by port into AWS's permission shape; IPv6 CIDRs go in their own list. */
export function ipPermissions(rules: readonly SecurityGroupRuleSpec[]): IpPermission[] {
  const byPort = new Map<number, SecurityGroupRuleSpec[]>();
  for (const r of rules) byPort.set(r.port, [...(byPort.get(r.port) ?? []), r]);
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, rs]) => ({
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      IpRanges: rs.filter((r) => !r.cidr.includes(':')).map((r) => ({ CidrIp: r.cidr })),
      Ipv6Ranges: rs.filter((r) => r.cidr.includes(':')).map((r) => ({ CidrIpv6: r.cidr })),
    }));
}

export async function createSecurityGroup(aws: Aws, state: ApplyState, op: OperationOf<'createSecurityGroup'>): Promise<void> {
  const res = await aws.send(
    aws.ec2,
    new CreateSecurityGroupCommand({
      GroupName: op.spec.name,
      Description: op.spec.description,
      VpcId: op.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tagsToSdk(op.spec.tags) }],
    }),
    { recover: findSecurityGroup(aws, op.vpcId, op.spec.tags) },
  );
  state.managedSecurityGroupId = res.GroupId ?? null;
  if (op.spec.ingress.length > 0) {
    await authorize(aws, res.GroupId ?? '', op.spec.ingress);
  }
}

// A retried call may find its own earlier success: the permission there, or already gone.
async function authorize(aws: Aws, groupId: string, rules: readonly SecurityGroupRuleSpec[]): Promise<void> {
  await alreadyDone(
    () => aws.send(aws.ec2, new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: ipPermissions(rules) })),
    ['InvalidPermission.Duplicate'],
  );
}

export async function updateSecurityGroupRules(aws: Aws, op: OperationOf<'updateSecurityGroupRules'>): Promise<void> {
  if (op.authorize.length > 0) await authorize(aws, op.groupId, op.authorize);
  if (op.revoke.length > 0) {
    await alreadyDone(
      () => aws.send(aws.ec2, new RevokeSecurityGroupIngressCommand({ GroupId: op.groupId, IpPermissions: ipPermissions(op.revoke) })),
      ['InvalidPermission.NotFound'],
    );
  }
}

/** How long to keep trying while AWS still holds the group's network interfaces. */
const dependencyRetry = { retries: 12, minDelayMs: 2_000, maxDelayMs: 30_000 };

export async function deleteSecurityGroup(aws: Aws, op: OperationOf<'deleteSecurityGroup'>): Promise<void> {
  await alreadyDone(() => deleteWhenReleased(aws, op.groupId), ['InvalidGroup.NotFound']);
}

/**
 * Deletes a security group, retrying `DependencyViolation` while AWS still holds a deleted load
 * balancer's network interfaces (minutes, `dependencyRetry`).
 */
export async function deleteWhenReleased(aws: Aws, groupId: string): Promise<void> {
  await aws.send(aws.ec2, new DeleteSecurityGroupCommand({ GroupId: groupId }), { retryAlso: { codes: ['DependencyViolation'], policy: dependencyRetry } });
}
