// Load balancer operations: create with tags, and the in-place changes AWS allows.
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { OperationOf } from '../plan/operations.js';
import { alreadyDone, findLoadBalancer } from './recover.js';
import type { ApplyState } from './state.js';

export async function createLoadBalancer(aws: Aws, state: ApplyState, op: OperationOf<'createLoadBalancer'>): Promise<void> {
  const { spec } = op;
  const res = await aws.send(
    aws.elbv2,
    new CreateLoadBalancerCommand({
      Name: spec.name,
      Type: 'application',
      Scheme: spec.scheme,
      IpAddressType: spec.ipAddressType,
      Subnets: [...op.subnetIds],
      SecurityGroups: op.securityGroups.map((r) => state.securityGroupId(r)),
      Tags: tagsToSdk(spec.tags),
    }),
    { recover: findLoadBalancer(aws, spec.name, spec.tags) },
  );
  const lb = res.LoadBalancers?.[0];
  state.loadBalancerArn = lb?.LoadBalancerArn ?? null;
  state.loadBalancerDnsName = lb?.DNSName ?? null;
  // A new load balancer has no listeners, whatever the old one had.
  state.listenerArns.clear();
}

/**
 * SetSubnets, SetSecurityGroups, SetIpAddressType and ModifyLoadBalancerAttributes set values
 * whole, so a retry after a lost answer sets the same again (checked on the emulator too).
 */
export async function setSubnets(aws: Aws, op: OperationOf<'setSubnets'>): Promise<void> {
  await aws.send(aws.elbv2, new SetSubnetsCommand({ LoadBalancerArn: op.arn, Subnets: [...op.subnetIds] }));
}

export async function setSecurityGroups(aws: Aws, state: ApplyState, op: OperationOf<'setSecurityGroups'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new SetSecurityGroupsCommand({ LoadBalancerArn: op.arn, SecurityGroups: op.securityGroups.map((r) => state.securityGroupId(r)) }),
  );
}

export async function setIpAddressType(aws: Aws, op: OperationOf<'setIpAddressType'>): Promise<void> {
  await aws.send(aws.elbv2, new SetIpAddressTypeCommand({ LoadBalancerArn: op.arn, IpAddressType: op.ipAddressType }));
}

export async function modifyLoadBalancerAttributes(aws: Aws, state: ApplyState, op: OperationOf<'modifyLoadBalancerAttributes'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new ModifyLoadBalancerAttributesCommand({
      LoadBalancerArn: op.arn ?? state.requireLoadBalancerArn(),
      Attributes: Object.entries(op.attributes).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

/**
 * Deletes a load balancer. AWS succeeds for one already deleted (API reference,
 * DeleteLoadBalancer); LoadBalancerNotFound, which the SDK also models, counts as done.
 */
export async function deleteLoadBalancer(aws: Aws, state: ApplyState, op: OperationOf<'deleteLoadBalancer'>): Promise<void> {
  await alreadyDone(() => aws.send(aws.elbv2, new DeleteLoadBalancerCommand({ LoadBalancerArn: op.arn })), ['LoadBalancerNotFound']);
  if (state.loadBalancerArn === op.arn) {
    state.loadBalancerArn = null;
    state.loadBalancerDnsName = null;
    state.listenerArns.clear();
  }
}
