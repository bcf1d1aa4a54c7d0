// Finding a resource that a failed create may have made after all (its answer lost on the
// way back), by the ownership tags it was created with, so a retry never makes a second one.
// Also: errors that mean "already as wanted" on a retried change.
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  type CreateListenerCommandOutput,
  type CreateLoadBalancerCommandOutput,
  type CreateRuleCommandOutput,
  type CreateTargetGroupCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CreateSecurityGroupCommandOutput } from '@aws-sdk/client-ec2';
import type { Aws } from '../aws/clients.js';
import { AwsCallError } from '../aws/clients.js';
import { OwnershipTag } from '../model/ids.js';
import type { Tags } from '../model/resources.js';
import { describeElbv2Tags } from '../observe/tags.js';

const ownershipKeys = [OwnershipTag.cluster, OwnershipTag.group, OwnershipTag.ingressClass, OwnershipTag.resource] as const;

function sameOwner(found: Readonly<Record<string, string>>, wanted: Tags): boolean {
  return ownershipKeys.every((k) => found[k] === wanted[k]);
}

/** Reads that miss answer "not found" errors; those mean there is nothing to recover. */
async function orUndefined<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof AwsCallError && /NotFound/.test(err.awsCode)) return undefined;
    throw err;
  }
}

export function findLoadBalancer(aws: Aws, name: string, tags: Tags): () => Promise<CreateLoadBalancerCommandOutput | undefined> {
  return () =>
    orUndefined(async () => {
      const found = (await aws.send(aws.elbv2, new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers ?? [];
      const owned = await describeElbv2Tags(aws, found.map((lb) => lb.LoadBalancerArn ?? ''));
      const lb = found.find((l) => sameOwner(owned.get(l.LoadBalancerArn ?? '') ?? {}, tags));
      return lb === undefined ? undefined : { LoadBalancers: [lb], $metadata: {} };
    });
}

export function findTargetGroup(aws: Aws, name: string, tags: Tags): () => Promise<CreateTargetGroupCommandOutput | undefined> {
  return () =>
    orUndefined(async () => {
      const found = (await aws.send(aws.elbv2, new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups ?? [];
      const owned = await describeElbv2Tags(aws, found.map((tg) => tg.TargetGroupArn ?? ''));
      const tg = found.find((t) => sameOwner(owned.get(t.TargetGroupArn ?? '') ?? {}, tags));
      return tg === undefined ? undefined : { TargetGroups: [tg], $metadata: {} };
    });
}

export function findSecurityGroup(aws: Aws, vpcId: string, tags: Tags): () => Promise<CreateSecurityGroupCommandOutput | undefined> {
  return async () => {
    const found = await aws.send(
      aws.ec2,
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'vpc-id', Values: [vpcId] }, ...ownershipKeys.map((k) => ({ Name: `tag:${k}`, Values: [tags[k] ?? ''] }))],
      }),
    );
    const group = found.SecurityGroups?.[0];
    return group?.GroupId === undefined ? undefined : { GroupId: group.GroupId, $metadata: {} };
  };
}

export function findListener(aws: Aws, loadBalancerArn: string, port: number): () => Promise<CreateListenerCommandOutput | undefined> {
  return () =>
    orUndefined(async () => {
      const found = (await aws.send(aws.elbv2, new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }))).Listeners ?? [];
      const listener = found.find((l) => l.Port === port);
      return listener === undefined ? undefined : { Listeners: [listener], $metadata: {} };
    });
}

export function findRule(aws: Aws, listenerArn: string, tags: Tags): () => Promise<CreateRuleCommandOutput | undefined> {
  return () =>
    orUndefined(async () => {
      const found = ((await aws.send(aws.elbv2, new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []).filter((r) => r.IsDefault !== true);
      const owned = await describeElbv2Tags(aws, found.map((r) => r.RuleArn ?? ''));
      const rule = found.find((r) => sameOwner(owned.get(r.RuleArn ?? '') ?? {}, tags));
      return rule === undefined ? undefined : { Rules: [rule], $metadata: {} };
    });
}

/**
 * Whether an AWS error carries one of `codes`. Codes are written as the AWS API reference
 * names them (`RuleNotFound`); SDK v3 reports ELBv2's as exception names with an
 * `Exception` suffix (`RuleNotFoundException`), EC2's as they are (`InvalidGroup.NotFound`).
 */
export function hasAwsCode(err: unknown, codes: readonly string[]): boolean {
  if (!(err instanceof AwsCallError)) return false;
  return codes.includes(err.awsCode) || codes.includes(err.awsCode.replace(/Exception$/, ''));
}

/**
 * Runs a change whose retry may meet its own earlier success: adding a permission that is
 * there, removing one that is gone, deleting what no longer exists. Those answers count as done.
 *
 * @param doneCodes AWS error codes (as the API reference names them) that mean "already so".
 * @throws whatever `change` throws with any other code.
 */
export async function alreadyDone(change: () => Promise<unknown>, doneCodes: readonly string[]): Promise<void> {
  try {
    await change();
  } catch (err) {
    if (hasAwsCode(err, doneCodes)) return;
    throw err;
  }
}

/** One rule's wanted priority. */
export interface PriorityMove {
  readonly arn: string;
  readonly priority: number;
}

/**
 * The moves not yet in effect, given each rule's priority as read from AWS (`undefined` for a
 * rule that was not found). Used after SetRulePriorities was refused with PriorityInUse: a
 * retry of a call whose answer was lost meets the rule already at its priority, and the
 * emulator refuses re-setting a rule's own priority.
 */
export function movesLeft(moves: readonly PriorityMove[], current: ReadonlyMap<string, number | undefined>): PriorityMove[] {
  return moves.filter((m) => current.get(m.arn) !== m.priority);
}

/** A target as DescribeTargetHealth reports it. */
export interface ObservedTarget {
  readonly id: string;
  readonly port: number | undefined;
  /** `draining` once deregistered, until the deregistration delay has passed. */
  readonly state: string | undefined;
}

/**
 * Targets of `wanted` that are still registered: listed by DescribeTargetHealth and not
 * draining (AWS lists a deregistered target as `draining` for the deregistration delay).
 * A target listed without a port matches any port.
 */
export function stillRegistered<T extends { readonly ip: string; readonly port: number }>(wanted: readonly T[], observed: readonly ObservedTarget[]): T[] {
  return wanted.filter((t) => observed.some((o) => o.id === t.ip && (o.port === undefined || o.port === t.port) && o.state !== 'draining'));
}
