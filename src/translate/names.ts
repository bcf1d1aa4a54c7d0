// AWS names, derived deterministically: a readable prefix and a short hash, within 32
// characters of letters, digits and hyphens. Names only help people; tags are the truth.
import { createHash } from 'node:crypto';
import { ec2Description } from '../model/aws-limits.js';
import { GroupKey } from '../model/ids.js';

const maxNameLength = 32;

/** The first `length` hex characters of the SHA-256 of the parts (NUL-separated, so parts cannot run together). */
export function shortHash(parts: readonly string[], length = 10): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, length);
}

/** Letters and digits kept, every other run of characters made one hyphen, cut to `max`, no edge hyphens. */
export function sanitize(text: string, max: number): string {
  return text
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

function withHash(prefix: string, readable: string, hash: string): string {
  const room = maxNameLength - prefix.length - hash.length - 1;
  const middle = sanitize(readable, room);
  return middle === '' ? `${prefix}${hash}` : `${prefix}${middle}-${hash}`;
}

/**
 * `albatross-<cluster>-backend-<hash>` for the cluster's shared backend security group; the VPC
 * is in the hash, so the name stays one per cluster and VPC. A second process creating it at
 * the same time gets AWS's duplicate-name refusal instead of a second group.
 */
export function backendSecurityGroupName(clusterName: string, vpcId: string): string {
  return withHash('albatross-', `${clusterName}-backend`, shortHash([clusterName, vpcId]));
}

/**
 * `k8s-<group name>-<hash>`; the group's key (with its class) and the scheme are in the hash:
 * the same `group.name` in two classes is two load balancers, and AWS cannot change a load
 * balancer's scheme.
 */
export function loadBalancerName(clusterName: string, group: string, scheme: string): string {
  return withHash('k8s-', GroupKey.tags(group).group, shortHash([clusterName, group, scheme]));
}

/** `k8s-<namespace:8>-<service:8>-<hash>`. */
export function targetGroupName(clusterName: string, group: string, targetGroupId: string, namespace: string, service: string): string {
  const strip = (s: string): string => s.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8);
  return `k8s-${strip(namespace)}-${strip(service)}-${shortHash([clusterName, group, targetGroupId])}`;
}

export function securityGroupName(clusterName: string, group: string): string {
  return withHash('k8s-', GroupKey.tags(group).group, shortHash([clusterName, group]));
}

/** The managed security group's description, made fit for EC2 (`ec2Description`). */
export function securityGroupDescription(clusterName: string, group: string): string {
  const { group: name, ingressClass } = GroupKey.tags(group);
  return ec2Description(`Managed by Albatross for Ingress group ${name}${ingressClass === undefined ? '' : ` of IngressClass ${ingressClass}`} in cluster ${clusterName}`);
}
