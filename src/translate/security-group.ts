// The managed security group: open the listen ports to the inbound CIDRs. None when the
// `security-groups` annotation names the groups to use.
import { ResourceId } from '../model/ids.js';
import type { IpAddressType, SecurityGroupRuleSpec, SecurityGroupSpec, Tags } from '../model/resources.js';
import { securityGroupDescription, securityGroupName } from './names.js';
import { ownedTags } from './tags.js';

/** 0.0.0.0/0, and ::/0 as well when the load balancer has IPv6 addresses. */
export function defaultInboundCidrs(ipAddressType: IpAddressType): string[] {
  return ipAddressType === 'ipv4' ? ['0.0.0.0/0'] : ['0.0.0.0/0', '::/0'];
}

export function buildSecurityGroup(
  clusterName: string,
  group: string,
  ports: readonly number[],
  inboundCidrs: readonly string[],
  userTags: Tags,
): SecurityGroupSpec {
  const ingress: SecurityGroupRuleSpec[] = [];
  for (const port of [...new Set(ports)].sort((a, b) => a - b))
    for (const cidr of new Set(inboundCidrs)) ingress.push({ protocol: 'tcp', port, cidr });
  return {
    id: ResourceId.securityGroup,
    name: securityGroupName(clusterName, group),
    description: securityGroupDescription(clusterName, group),
    ingress,
    tags: ownedTags(userTags, clusterName, group, ResourceId.securityGroup),
  };
}
