// The load balancer of a group, from the group-wide annotations its members agreed on.
import { ResourceId } from '../model/ids.js';
import type { LoadBalancerSpec, Tags } from '../model/resources.js';
import { Annotation } from '../ingress/annotations.js';
import type { ExclusiveSettings } from './member.js';
import { loadBalancerName } from './names.js';
import { ownedTags } from './tags.js';

export function buildLoadBalancer(
  clusterName: string,
  group: string,
  settings: ExclusiveSettings,
  userTags: Tags,
): LoadBalancerSpec {
  const scheme = settings[Annotation.scheme]?.value ?? 'internal';
  return {
    id: ResourceId.loadBalancer,
    name: settings[Annotation.loadBalancerName]?.value ?? loadBalancerName(clusterName, group, scheme),
    scheme,
    ipAddressType: settings[Annotation.ipAddressType]?.value ?? 'ipv4',
    subnets: settings[Annotation.subnets]?.value ?? { kind: 'discover' },
    securityGroups: settings[Annotation.securityGroups]?.value ?? [],
    attributes: settings[Annotation.loadBalancerAttributes]?.value ?? {},
    tags: ownedTags(userTags, clusterName, group, ResourceId.loadBalancer),
  };
}
