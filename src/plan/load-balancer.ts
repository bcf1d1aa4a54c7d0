// The load balancer: one per group, so it needs no matching. Subnets, security groups, IP
// address type, attributes and tags change in place; the scheme cannot.
import type { ActualLoadBalancer } from '../model/actual.js';
import type { LoadBalancerSpec } from '../model/resources.js';
import { attributeDifferences, sameSet } from './equality.js';
import type { Operation, SecurityGroupRef } from './operations.js';
import { pushTagOps } from './tags.js';

/** AWS cannot change a load balancer's scheme: a new scheme means a new load balancer. */
export function loadBalancerNeedsReplacement(spec: LoadBalancerSpec, actual: ActualLoadBalancer): string | null {
  return actual.scheme === spec.scheme ? null : `scheme changes from ${actual.scheme} to ${spec.scheme}`;
}

export interface LoadBalancerInput {
  readonly subnetIds: readonly string[];
  readonly securityGroups: readonly SecurityGroupRef[];
  /** The managed security group's id in AWS, when it exists already. */
  readonly managedGroupId: string | undefined;
}

/** `actual` is `null` when there is none, or when it is being replaced. */
export function diffLoadBalancer(spec: LoadBalancerSpec, actual: ActualLoadBalancer | null, input: LoadBalancerInput): Operation[] {
  const ops: Operation[] = [];
  if (actual === null) {
    ops.push({ op: 'createLoadBalancer', spec, subnetIds: input.subnetIds, securityGroups: input.securityGroups });
    if (Object.keys(spec.attributes).length > 0) ops.push({ op: 'modifyLoadBalancerAttributes', id: spec.id, arn: null, attributes: spec.attributes });
    return ops;
  }
  if (!sameSet(actual.subnetIds, input.subnetIds)) ops.push({ op: 'setSubnets', id: spec.id, arn: actual.arn, subnetIds: input.subnetIds, from: actual.subnetIds });
  const groupIds = input.securityGroups.map((r) => (r.kind === 'groupId' ? r.groupId : r.kind === 'backend' ? 'new:backend-sg' : (input.managedGroupId ?? `new:${r.id}`)));
  if (!sameSet(actual.securityGroupIds, groupIds))
    ops.push({ op: 'setSecurityGroups', id: spec.id, arn: actual.arn, securityGroups: input.securityGroups, from: actual.securityGroupIds });
  if (actual.ipAddressType !== spec.ipAddressType)
    ops.push({ op: 'setIpAddressType', id: spec.id, arn: actual.arn, ipAddressType: spec.ipAddressType, from: actual.ipAddressType });
  const attributes = attributeDifferences(spec.attributes, actual.attributes);
  if (Object.keys(attributes).length > 0) ops.push({ op: 'modifyLoadBalancerAttributes', id: spec.id, arn: actual.arn, attributes });
  pushTagOps(ops, spec.id, 'elbv2', actual.arn, spec.tags, actual.tags);
  return ops;
}
