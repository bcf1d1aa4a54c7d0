// Reads what one group owns in AWS into an ActualStack, and lists the cluster's groups.
// Resources are found by their ownership tags only, never by name, and never by listing the account.
import { DescribeSecurityGroupsCommand, type IpPermission } from '@aws-sdk/client-ec2';
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type Listener,
  type LoadBalancer,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import pLimit from 'p-limit';
import { AwsCallError, type Aws } from '../aws/clients.js';
import { actionFromSdk, conditionsFromSdk, tagsFromSdk } from '../aws/elbv2-shapes.js';
import { chunks, collectPages } from '../aws/pagination.js';
import type {
  ActualListener,
  ActualLoadBalancer,
  ActualRule,
  ActualSecurityGroup,
  ActualStack,
  ActualTargetGroup,
} from '../model/actual.js';
import { compareStrings } from '../model/compare.js';
import { GroupKey, OwnershipTag } from '../model/ids.js';
import type { ProtocolVersion, SecurityGroupRuleSpec, TargetProtocol, TargetType } from '../model/resources.js';
import { describeElbv2Tags } from './tags.js';

/** How many AWS reads of one group run at once. */
const readConcurrency = 4;

/** Tagging API resource types for what a group owns in ELBv2. */
const elbv2ResourceTypes = ['elasticloadbalancing:loadbalancer', 'elasticloadbalancing:targetgroup'];

/**
 * Which attributes are worth reading. Only attributes we set are ever compared, so a load
 * balancer or target group with none set needs no Describe*Attributes call.
 */
export interface AttributeInterest {
  /** Whether the group's load balancer sets attributes. @default true */
  readonly loadBalancer: boolean;
  /** Ids of the group's target groups that set attributes. @default every target group */
  readonly targetGroups?: ReadonlySet<string>;
}

/** An ARN with its tags, as the Resource Groups Tagging API lists it. */
interface TaggedArn {
  readonly arn: string;
  readonly tags: Record<string, string>;
}

/**
 * Everything in AWS that belongs to one group: found by the tags `albatross.dev/cluster` and
 * `albatross.dev/group` through the Resource Groups Tagging API (`GetResources`) and, for the
 * security group, `DescribeSecurityGroups` with `tag:` filters; then listeners, rules and
 * target health of those only. Its cost depends on the group, never on the account: one
 * Tagging API page, DescribeLoadBalancers, DescribeListeners, one DescribeRules per listener,
 * one DescribeListenerCertificates per HTTPS listener, ceil((listeners + rules) / 20)
 * DescribeTags, DescribeTargetGroups, one DescribeTargetHealth per target group, one
 * DescribeSecurityGroups, and attribute reads only where `interest` says we set some.
 * @returns `null` when the group has nothing in AWS
 */
export async function observeGroup(aws: Aws, clusterName: string, group: string, interest?: AttributeInterest, options: ObserveOptions = {}): Promise<ActualStack | null> {
  const limit = pLimit(readConcurrency);
  const { group: name } = GroupKey.tags(group);
  const ours = belongsTo(group, options.adoptLegacy === true);
  const [tagged, securityGroupsTagged] = await Promise.all([
    taggedResources(aws, elbv2ResourceTypes, [
      { Key: OwnershipTag.cluster, Values: [clusterName] },
      { Key: OwnershipTag.group, Values: [name] },
    ]),
    ownedSecurityGroups(aws, clusterName, name),
  ]);
  const owned = tagged.filter((r) => ours(r.tags));
  const securityGroups = securityGroupsTagged.filter((g) => ours(g.tags));
  const lbTagged = owned.filter((r) => r.arn.includes(':loadbalancer/app/'));
  const tgTagged = owned.filter((r) => r.arn.includes(':targetgroup/'));
  const [loadBalancers, targetGroups] = await Promise.all([describeLoadBalancers(aws, lbTagged), describeTargetGroups(aws, tgTagged)]);

  // Two load balancers for one group only happen when a create was repeated by hand; the
  // first found (lowest ARN) is managed, the rest are left for the operator to look at.
  const first = loadBalancers[0];
  const lbDetail = first === undefined ? null : await loadBalancerDetails(aws, first, interest?.loadBalancer ?? true);
  const tags = lbDetail === null ? new Map<string, Record<string, string>>() : await describeElbv2Tags(aws, [...lbDetail.listeners.map((l) => l.ListenerArn ?? ''), ...lbDetail.rules.map((r) => r.rule.RuleArn ?? '')], readConcurrency);
  const tgDetails = await Promise.all(
    targetGroups.map((tg) => limit(() => targetGroupDetails(aws, tg, interest?.targetGroups?.has(tg.tags[OwnershipTag.resource] ?? '') ?? true))),
  );
  const securityGroup = securityGroups[0] ?? null;
  if (lbDetail === null && tgDetails.length === 0 && securityGroup === null) return null;
  return {
    group,
    loadBalancer: lbDetail?.loadBalancer ?? null,
    securityGroup,
    listeners: (lbDetail?.listeners ?? []).map((l) => toListener(l, tags.get(l.ListenerArn ?? '') ?? {})),
    rules: (lbDetail?.rules ?? []).flatMap(({ rule, listener }) => {
      const r = toRule(rule, listener, tags.get(rule.RuleArn ?? '') ?? {});
      return r === null ? [] : [r];
    }),
    targetGroups: tgDetails,
  };
}

/** How `observeGroup` reads a group. */
export interface ObserveOptions {
  /**
   * For an explicit group (`<class>:<name>`): also take the resources of that `group.name`
   * that carry no class tag (made before groups were keyed by class), so that the reconcile
   * adds the class tag to them and the load balancer is kept, not made again.
   * @default false
   */
  readonly adoptLegacy?: boolean;
}

/**
 * Whether a resource tagged for this group's name belongs to the group: the same class tag
 * (none for an Ingress's own group or a legacy key), or none at all when adopting.
 */
export function belongsTo(group: string, adoptLegacy: boolean): (tags: Readonly<Record<string, string>>) => boolean {
  const { ingressClass } = GroupKey.tags(group);
  return (tags) => {
    const found = tags[OwnershipTag.ingressClass];
    return found === ingressClass || (adoptLegacy && found === undefined);
  };
}

/**
 * The keys (`GroupKey`) of every group that has a load balancer, target group or security group of this
 * cluster in AWS: one paginated `GetResources` and one `DescribeSecurityGroups` on the cluster
 * tag, whatever else the account holds.
 */
export async function listGroups(aws: Aws, clusterName: string): Promise<string[]> {
  const [owned, securityGroups] = await Promise.all([
    taggedResources(aws, elbv2ResourceTypes, [{ Key: OwnershipTag.cluster, Values: [clusterName] }]),
    ownedSecurityGroups(aws, clusterName),
  ]);
  const names = new Set<string>();
  for (const { tags } of [...owned, ...securityGroups]) {
    const key = GroupKey.ofTags(tags);
    if (key !== undefined) names.add(key);
  }
  return [...names].sort(compareStrings);
}

/**
 * Resources of `resourceTypes` carrying every tag in `tagFilters` (each filter's values are
 * alternatives), through `GetResources`, every page.
 */
export async function taggedResources(
  aws: Aws,
  resourceTypes: readonly string[],
  tagFilters: readonly { Key: string; Values: string[] }[],
): Promise<TaggedArn[]> {
  const found = await collectPages(
    (PaginationToken) =>
      aws.send(
        aws.tagging,
        new GetResourcesCommand({
          ResourceTypeFilters: [...resourceTypes],
          TagFilters: tagFilters.map((f) => ({ Key: f.Key, Values: [...f.Values] })),
          ...(PaginationToken === undefined ? {} : { PaginationToken }),
        }),
      ),
    (p) => p.ResourceTagMappingList,
    (p) => p.PaginationToken,
  );
  return found
    .filter((m): m is typeof m & { ResourceARN: string } => m.ResourceARN !== undefined)
    .map((m) => ({ arn: m.ResourceARN, tags: tagsFromSdk(m.Tags) }))
    .sort((a, b) => compareStrings(a.arn, b.arn));
}

/**
 * Every load balancer of the cluster (by the cluster tag) with its security groups: one
 * paginated `GetResources`, then `DescribeLoadBalancers` by ARN.
 */
export async function clusterLoadBalancers(aws: Aws, clusterName: string): Promise<{ readonly arn: string; readonly securityGroupIds: readonly string[] }[]> {
  const tagged = await taggedResources(aws, ['elasticloadbalancing:loadbalancer'], [{ Key: OwnershipTag.cluster, Values: [clusterName] }]);
  return (await describeLoadBalancers(aws, tagged)).map(({ lb }) => ({ arn: lb.LoadBalancerArn ?? '', securityGroupIds: [...(lb.SecurityGroups ?? [])].sort() }));
}

interface TaggedLoadBalancer {
  readonly lb: LoadBalancer;
  readonly tags: Record<string, string>;
}

/** DescribeLoadBalancers for the given ARNs only (AWS takes 20 names or ARNs a call). */
async function describeLoadBalancers(aws: Aws, tagged: readonly TaggedArn[]): Promise<TaggedLoadBalancer[]> {
  const found = await describeByArn(tagged, async (arns) => (await aws.send(aws.elbv2, new DescribeLoadBalancersCommand({ LoadBalancerArns: arns }))).LoadBalancers);
  return found
    .filter(({ item }) => item.Type === 'application')
    .map(({ item, tags }) => ({ lb: item, tags }))
    .sort((a, b) => compareStrings(a.lb.LoadBalancerArn ?? '', b.lb.LoadBalancerArn ?? ''));
}

/** DescribeTargetGroups for the given ARNs only. */
async function describeTargetGroups(aws: Aws, tagged: readonly TaggedArn[]): Promise<{ tg: TargetGroup; tags: Record<string, string> }[]> {
  const found = await describeByArn(tagged, async (arns) => (await aws.send(aws.elbv2, new DescribeTargetGroupsCommand({ TargetGroupArns: arns }))).TargetGroups);
  return found.map(({ item, tags }) => ({ tg: item, tags }));
}

/**
 * Describes resources by ARN, 20 a call, pairing each with its tags. The Tagging API can list
 * a resource for a while after it was deleted, and AWS then refuses the whole batch as not
 * found: that batch is asked again one ARN at a time, and a missing resource is none.
 */
async function describeByArn<T extends { LoadBalancerArn?: string | undefined } | { TargetGroupArn?: string | undefined }>(
  tagged: readonly TaggedArn[],
  describe: (arns: string[]) => Promise<T[] | undefined>,
): Promise<{ item: T; tags: Record<string, string> }[]> {
  const arnOf = (item: T): string => ('LoadBalancerArn' in item ? item.LoadBalancerArn : 'TargetGroupArn' in item ? item.TargetGroupArn : undefined) ?? '';
  const tagsOf = new Map(tagged.map((t) => [t.arn, t.tags]));
  const attempt = async (arns: string[]): Promise<T[] | null> => {
    try {
      return (await describe(arns)) ?? [];
    } catch (err) {
      if (err instanceof AwsCallError && /NotFound$/.test(err.awsCode)) return null;
      throw err;
    }
  };
  const out: { item: T; tags: Record<string, string> }[] = [];
  for (const batch of chunks(tagged.map((t) => t.arn), 20)) {
    let items = await attempt(batch);
    if (items === null) {
      items = [];
      for (const arn of batch) items.push(...((await attempt([arn])) ?? []));
    }
    for (const item of items) out.push({ item, tags: tagsOf.get(arnOf(item)) ?? {} });
  }
  return out;
}

async function ownedSecurityGroups(aws: Aws, clusterName: string, group?: string): Promise<ActualSecurityGroup[]> {
  const groups = await collectPages(
    (NextToken) =>
      aws.send(
        aws.ec2,
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: `tag:${OwnershipTag.cluster}`, Values: [clusterName] },
            ...(group === undefined ? [] : [{ Name: `tag:${OwnershipTag.group}`, Values: [group] }]),
          ],
          ...(NextToken === undefined ? {} : { NextToken }),
        }),
      ),
    (p) => p.SecurityGroups,
    (p) => p.NextToken,
  );
  return groups
    .map((g) => {
      const tags = tagsFromSdk(g.Tags);
      return {
        groupId: g.GroupId ?? '',
        id: tags[OwnershipTag.resource] ?? null,
        name: g.GroupName ?? '',
        ingress: (g.IpPermissions ?? []).flatMap(ingressRulesFromSdk),
        tags,
      };
    })
    .sort((a, b) => compareStrings(a.groupId, b.groupId));
}

/** Flattens AWS's permission sets into one rule per (port, CIDR), the shape we desire. */
export function ingressRulesFromSdk(p: IpPermission): SecurityGroupRuleSpec[] {
  if (p.IpProtocol !== 'tcp' || p.FromPort === undefined || p.FromPort !== p.ToPort) {
    // A rule we would never write; keep it visible so plan revokes it.
    return [
      ...(p.IpRanges ?? []).map((r) => ({ protocol: 'tcp' as const, port: -1, cidr: `${p.IpProtocol}:${p.FromPort}-${p.ToPort}:${r.CidrIp}` })),
    ];
  }
  const port = p.FromPort;
  return [
    ...(p.IpRanges ?? []).map((r) => ({ protocol: 'tcp' as const, port, cidr: r.CidrIp ?? '' })),
    ...(p.Ipv6Ranges ?? []).map((r) => ({ protocol: 'tcp' as const, port, cidr: r.CidrIpv6 ?? '' })),
  ];
}

interface LoadBalancerDetail {
  readonly tags: Record<string, string>;
  readonly loadBalancer: ActualLoadBalancer;
  readonly listeners: Listener[];
  readonly rules: { rule: Rule; listener: Listener }[];
}

async function loadBalancerDetails(aws: Aws, { lb, tags }: TaggedLoadBalancer, withAttributes: boolean): Promise<LoadBalancerDetail> {
  const arn = lb.LoadBalancerArn ?? '';
  const [listeners, attributes] = await Promise.all([
    collectPages(
      (Marker) => aws.send(aws.elbv2, new DescribeListenersCommand({ LoadBalancerArn: arn, ...(Marker === undefined ? {} : { Marker }) })),
      (p) => p.Listeners,
      (p) => p.NextMarker,
    ),
    withAttributes ? aws.send(aws.elbv2, new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })) : { Attributes: [] },
  ]);
  const rules: { rule: Rule; listener: Listener }[] = [];
  const certificates = new Map<string, string[]>();
  for (const listener of listeners) {
    if (listener.Protocol === 'HTTPS') certificates.set(listener.ListenerArn ?? '', await listenerCertificates(aws, listener));
    const listenerRules = await collectPages(
      (Marker) =>
        aws.send(aws.elbv2, new DescribeRulesCommand({ ListenerArn: listener.ListenerArn, ...(Marker === undefined ? {} : { Marker }) })),
      (p) => p.Rules,
      (p) => p.NextMarker,
    );
    for (const rule of listenerRules) if (rule.IsDefault !== true) rules.push({ rule, listener });
  }
  return {
    tags,
    listeners: listeners.map((l) => ({ ...l, Certificates: (certificates.get(l.ListenerArn ?? '') ?? []).map((CertificateArn) => ({ CertificateArn })) })),
    rules,
    loadBalancer: {
      arn,
      id: tags[OwnershipTag.resource] ?? null,
      tags,
      name: lb.LoadBalancerName ?? '',
      dnsName: lb.DNSName ?? '',
      scheme: lb.Scheme === 'internet-facing' ? 'internet-facing' : 'internal',
      ipAddressType: lb.IpAddressType ?? 'ipv4',
      vpcId: lb.VpcId ?? '',
      subnetIds: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '').sort(),
      securityGroupIds: [...(lb.SecurityGroups ?? [])].sort(),
      attributes: Object.fromEntries((attributes.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? ''])),
    },
  };
}

/** The default certificate first, then the SNI certificates (DescribeListeners shows only the default). */
async function listenerCertificates(aws: Aws, listener: Listener): Promise<string[]> {
  const all = await collectPages(
    (Marker) =>
      aws.send(aws.elbv2, new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn, ...(Marker === undefined ? {} : { Marker }) })),
    (p) => p.Certificates,
    (p) => p.NextMarker,
  );
  const fromListener = (listener.Certificates ?? []).map((c) => c.CertificateArn ?? '');
  const defaults = all.filter((c) => c.IsDefault === true).map((c) => c.CertificateArn ?? '');
  const first = defaults[0] ?? fromListener[0];
  const others = all.map((c) => c.CertificateArn ?? '').filter((arn) => arn !== first);
  return first === undefined ? [...new Set(others)].sort() : [first, ...[...new Set(others)].sort()];
}

function toListener(l: Listener, tags: Record<string, string>): ActualListener {
  return {
    arn: l.ListenerArn ?? '',
    id: tags[OwnershipTag.resource] ?? null,
    tags,
    port: l.Port ?? 0,
    protocol: l.Protocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
    defaultAction: actionFromSdk(l.DefaultActions) ?? { type: 'fixed-response', statusCode: '' },
    certificateArns: (l.Certificates ?? []).map((c) => c.CertificateArn ?? ''),
    sslPolicy: l.SslPolicy ?? null,
  };
}

function toRule(rule: Rule, listener: Listener, tags: Record<string, string>): ActualRule | null {
  const priority = Number(rule.Priority);
  if (!Number.isInteger(priority)) return null;
  return {
    arn: rule.RuleArn ?? '',
    id: tags[OwnershipTag.resource] ?? null,
    tags,
    listenerArn: listener.ListenerArn ?? '',
    listenerPort: listener.Port ?? 0,
    priority,
    conditions: conditionsFromSdk(rule.Conditions),
    action: actionFromSdk(rule.Actions),
  };
}

async function targetGroupDetails(
  aws: Aws,
  { tg, tags }: { tg: TargetGroup; tags: Record<string, string> },
  withAttributes: boolean,
): Promise<ActualTargetGroup> {
  const arn = tg.TargetGroupArn ?? '';
  const [health, attributes] = await Promise.all([
    aws.send(aws.elbv2, new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
    withAttributes ? aws.send(aws.elbv2, new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })) : { Attributes: [] },
  ]);
  return {
    arn,
    id: tags[OwnershipTag.resource] ?? null,
    tags,
    name: tg.TargetGroupName ?? '',
    targetType: (tg.TargetType ?? 'ip') as TargetType,
    protocol: (tg.Protocol ?? 'HTTP') as TargetProtocol,
    protocolVersion: (tg.ProtocolVersion ?? 'HTTP1') as ProtocolVersion,
    port: tg.Port ?? 0,
    vpcId: tg.VpcId ?? '',
    healthCheck: {
      protocol: (tg.HealthCheckProtocol ?? 'HTTP') as TargetProtocol,
      port: tg.HealthCheckPort ?? 'traffic-port',
      path: tg.HealthCheckPath ?? '',
      intervalSeconds: tg.HealthCheckIntervalSeconds ?? 0,
      timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 0,
      healthyThresholdCount: tg.HealthyThresholdCount ?? 0,
      unhealthyThresholdCount: tg.UnhealthyThresholdCount ?? 0,
      successCodes: tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode ?? '',
    },
    attributes: Object.fromEntries((attributes.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? ''])),
    targets: (health.TargetHealthDescriptions ?? [])
      // Targets already on their way out are gone as far as routing goes.
      .filter((d) => d.TargetHealth?.State !== 'draining')
      .map((d) => ({ ip: d.Target?.Id ?? '', port: d.Target?.Port ?? 0 }))
      .sort((a, b) => compareStrings(a.ip, b.ip) || a.port - b.port),
    loadBalancerArns: [...new Set(tg.LoadBalancerArns ?? [])],
  };
}
