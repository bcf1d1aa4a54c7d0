// Load balancer operations: create with tags, and the in-place changes AWS allows.
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { OperationOf } from '../plan/operations.js';
import { AlbatrossError } from '../model/errors.js';
import { OwnershipTag } from '../model/ids.js';
import type { Tags } from '../model/resources.js';
import { describeElbv2Tags } from '../observe/tags.js';
import { alreadyDone, findLoadBalancer, hasAwsCode } from './recover.js';
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
  // AWS answers a create whose name is taken, with every other parameter equal, with the
  // load balancer that has the name; only its tags tell whether it is ours. Nothing of this
  // group may be put on someone else's load balancer.
  if (lb?.LoadBalancerArn !== undefined) {
    const tags = (await describeElbv2Tags(aws, [lb.LoadBalancerArn])).get(lb.LoadBalancerArn) ?? {};
    const problem = notOurs(spec.name, lb.LoadBalancerArn, tags, spec.tags);
    if (problem !== null) throw new AlbatrossError('aws-state', problem);
  }
  state.loadBalancerArn = lb?.LoadBalancerArn ?? null;
  state.loadBalancerDnsName = lb?.DNSName ?? null;
  // A new load balancer has no listeners, whatever the old one had.
  state.listenerArns.clear();
}

/**
 * Why the load balancer named `name` at `arn` is not this group's, from its tags; `null`
 * when it carries our cluster and group tags.
 */
function notOurs(name: string, arn: string, found: Readonly<Record<string, string>>, wanted: Tags): string | null {
  const keys = [OwnershipTag.cluster, OwnershipTag.group] as const;
  if (keys.every((k) => found[k] === wanted[k])) return null;
  const owner = keys.map((k) => `${k}=${found[k] === undefined ? '(none)' : JSON.stringify(found[k])}`).join(', ');
  return `load balancer name ${JSON.stringify(name)} is taken by ${arn}, which is not this group's (its tags: ${owner}; this group's: ${keys.map((k) => `${k}=${JSON.stringify(wanted[k] ?? '')}`).join(', ')}); set another name with annotation alb.ingress.kubernetes.io/load-balancer-name`;
}

/**
 * Before a group creates its load balancer: why the name it asks for cannot be its own,
 * because a load balancer that is not the group's (by its cluster and group tags) has that
 * name already; `null` when the name is free or held by the group's own (a create whose
 * answer was lost). One DescribeLoadBalancers by name, and its tags.
 */
export async function loadBalancerNameProblem(aws: Aws, name: string, tags: Tags): Promise<string | null> {
  let found: { LoadBalancerArn?: string | undefined }[];
  try {
    found = (await aws.send(aws.elbv2, new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers ?? [];
  } catch (err) {
    if (hasAwsCode(err, ['LoadBalancerNotFound'])) return null;
    throw err;
  }
  const arns = found.flatMap((lb) => (lb.LoadBalancerArn === undefined ? [] : [lb.LoadBalancerArn]));
  if (arns.length === 0) return null;
  const owned = await describeElbv2Tags(aws, arns);
  const problems = arns.map((arn) => notOurs(name, arn, owned.get(arn) ?? {}, tags));
  // The emulator keeps several load balancers of one name; ours among them is no conflict
  // only when there is no other.
  return problems.find((p) => p !== null) ?? null;
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
