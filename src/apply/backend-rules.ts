// Backend rules on the targets' security groups (EC2): authorized with our tags, so they are
// recognisably ours, and revoked by rule id, so a rule we did not add is never touched.
import { AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
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

/**
 * Authorizes first, then revokes: a narrowed or merged range is never missing in between. A
 * repeated authorize (its first answer lost) and a revoke of a rule already gone count as done.
 */
export async function applyBackendRules(aws: Aws, clusterName: string, backendGroupId: string, plan: BackendRulesPlan): Promise<void> {
  for (const r of plan.authorize) {
    await alreadyDone(
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
                UserIdGroupPairs: [{ GroupId: backendGroupId, Description: `Load balancers of cluster ${clusterName} (Albatross)`.replace(/[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/g, '') }],
              },
            ],
            TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: tagsToSdk(backendRuleTags(clusterName)) }],
          }),
        ),
      ['InvalidPermission.Duplicate'],
    );
  }
  const byGroup = new Map<string, string[]>();
  for (const r of plan.revoke) byGroup.set(r.groupId, [...(byGroup.get(r.groupId) ?? []), r.ruleId]);
  for (const [groupId, ruleIds] of byGroup) {
    await alreadyDone(
      () => aws.send(aws.ec2, new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ruleIds })),
      ['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidGroup.NotFound'],
    );
  }
}
