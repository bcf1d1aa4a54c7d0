// Backend rules on the targets' security groups (EC2): authorized with our tags, so they are
// recognisably ours, and revoked by rule id, so a rule we did not add is never touched.
import { AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { AwsCallError, type Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import { ec2Description } from '../model/aws-limits.js';
import { OwnershipTag, ResourceId } from '../model/ids.js';
import type { ActualIngressRule } from '../observe/interfaces.js';
import type { BackendRulesPlan } from '../plan/backend-rules.js';
import { alreadyDone } from './recover.js';

/** The tags every backend rule carries. */
export function backendRuleTags(clusterName: string): Record<string, string> {
  return { [OwnershipTag.cluster]: clusterName, [OwnershipTag.resource]: ResourceId.backendSecurityGroupRule };
}

/** Whether a rule carries the tags `backendRuleTags` gives. */
export function isOurBackendRule(clusterName: string): (rule: ActualIngressRule) => boolean {
  return (rule) => rule.tags[OwnershipTag.cluster] === clusterName && rule.tags[OwnershipTag.resource] === ResourceId.backendSecurityGroupRule;
}

/** A security group that refused a change of its backend rule, and AWS's words. */
export interface BackendRuleRefusal {
  readonly groupId: string;
  readonly action: 'authorize' | 'revoke';
  readonly message: string;
}

/**
 * Authorizes first, then revokes: a narrowed or merged range is never missing in between. A
 * repeated authorize (its first answer lost) and a revoke of a rule already gone count as done.
 * Each security group is changed on its own: one that refuses for good (not tagged for the
 * cluster, so IAM denies it; full; gone) is returned, and the others are still changed. A
 * failure worth retrying (throttling, an AWS fault) is thrown.
 *
 * @returns the groups that refused
 */
export async function applyBackendRules(aws: Aws, clusterName: string, backendGroupId: string, plan: BackendRulesPlan): Promise<BackendRuleRefusal[]> {
  const refused: BackendRuleRefusal[] = [];
  const onEach = async (groupId: string, action: BackendRuleRefusal['action'], change: () => Promise<void>): Promise<void> => {
    try {
      await change();
    } catch (err) {
      // AWS refusing the request itself; anything else (throttled, unavailable, aborted) is thrown.
      if (!(err instanceof AwsCallError) || err.code !== 'aws-validation') throw err;
      refused.push({ groupId, action, message: err.message });
    }
  };
  for (const r of plan.authorize) {
    await onEach(r.groupId, 'authorize', () =>
      alreadyDone(
        () =>
          aws.send(
            aws.ec2,
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: r.groupId,
              IpPermissions: [
                {
                  IpProtocol: 'tcp',
                  FromPort: r.fromPort,
                  ToPort: r.toPort,
                  UserIdGroupPairs: [{ GroupId: backendGroupId, Description: ec2Description(`Load balancers of cluster ${clusterName} (Albatross)`) }],
                },
              ],
              TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: tagsToSdk(backendRuleTags(clusterName)) }],
            }),
          ),
        ['InvalidPermission.Duplicate'],
      ),
    );
  }
  const byGroup = new Map<string, string[]>();
  for (const r of plan.revoke) byGroup.set(r.groupId, [...(byGroup.get(r.groupId) ?? []), r.ruleId]);
  // A group that refused the wider rule keeps the narrower one it had.
  const keep = new Set(refused.map((r) => r.groupId));
  for (const [groupId, ruleIds] of byGroup) {
    if (keep.has(groupId) && plan.authorize.some((a) => a.groupId === groupId)) continue;
    await onEach(groupId, 'revoke', () =>
      alreadyDone(
        () => aws.send(aws.ec2, new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ruleIds })),
        ['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidGroup.NotFound'],
      ),
    );
  }
  return refused;
}
