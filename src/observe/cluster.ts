// Reads everything in AWS that carries our cluster tag, grouped by the group tag, into
// ActualStacks. Resources are found by tag only, never by name.
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
import pLimit from 'p-limit';
import type { Aws } from '../aws/clients.js';
import { actionFromSdk, conditionsFromSdk, tagsFromSdk } from '../aws/elbv2-shapes.js';
import { collectPages } from '../aws/pagination.js';
import type {
  ActualListener,
  ActualLoadBalancer,
  ActualRule,
  ActualSecurityGroup,
  ActualStack,
  ActualTargetGroup,
} from '../model/actual.js';
import { OwnershipTag } from '../model/ids.js';
import type { IpAddressType, ProtocolVersion, SecurityGroupRuleSpec, TargetProtocol, TargetType } from '../model/resources.js';
import { describeElbv2Tags } from './tags.js';

export interface ClusterObservation {
  /** Every group that has at least one resource in AWS, by group name. */
  readonly stacks: ReadonlyMap<string, ActualStack>;
}

/** How many AWS reads run at once. Emulators and AWS rate limits both like small numbers. */
const readConcurrency = 4;

/**
 * Which attributes are worth reading. Only attributes we set are ever compared, so a load
 * balancer or target group with none set needs no Describe*Attributes call.
 * @default every attribute of every resource is read
 */
export interface AttributeInterest {
  /** Groups whose load balancer sets attributes. */
  readonly loadBalancers: ReadonlySet<string>;
  /** `group` + `\n` + target group id, for target groups that set attributes. */
  readonly targetGroups: ReadonlySet<string>;
}

export async function observeCluster(aws: Aws, clusterName: string, interest?: AttributeInterest): Promise<ClusterObservation> {
  const limit = pLimit(readConcurrency);
  const [loadBalancers, targetGroups, securityGroups] = await Promise.all([
    ownedLoadBalancers(aws, clusterName),
    ownedTargetGroups(aws, clusterName),
    ownedSecurityGroups(aws, clusterName),
  ]);

  const lbDetails = await Promise.all(
    loadBalancers.map((lb) => limit(() => loadBalancerDetails(aws, lb, interest?.loadBalancers.has(lb.tags[OwnershipTag.group] ?? '') ?? true))),
  );
  const listenerAndRuleArns = lbDetails.flatMap((d) => [
    ...d.listeners.map((l) => l.ListenerArn ?? ''),
    ...d.rules.map((r) => r.rule.RuleArn ?? ''),
  ]);
  const tags = await describeElbv2Tags(aws, listenerAndRuleArns, readConcurrency);
  const tgDetails = await Promise.all(
    targetGroups.map((tg) =>
      limit(() => targetGroupDetails(aws, tg, interest?.targetGroups.has(`${tg.tags[OwnershipTag.group] ?? ''}\n${tg.tags[OwnershipTag.resource] ?? ''}`) ?? true)),
    ),
  );

  const stacks = new Map<string, MutableStack>();
  const stackFor = (group: string): MutableStack => {
    let s = stacks.get(group);
    if (s === undefined) {
      s = { group, loadBalancer: null, securityGroup: null, listeners: [], rules: [], targetGroups: [] };
      stacks.set(group, s);
    }
    return s;
  };

  for (const detail of lbDetails) {
    const stack = stackFor(detail.tags[OwnershipTag.group] ?? '');
    // Two load balancers for one group only happen when a create was repeated by hand;
    // the first found is managed, the rest are left for the operator to look at.
    if (stack.loadBalancer !== null) continue;
    stack.loadBalancer = detail.loadBalancer;
    for (const l of detail.listeners) stack.listeners.push(toListener(l, tags.get(l.ListenerArn ?? '') ?? {}));
    for (const { rule, listener } of detail.rules) {
      const r = toRule(rule, listener, tags.get(rule.RuleArn ?? '') ?? {});
      if (r !== null) stack.rules.push(r);
    }
  }
  for (const tg of tgDetails) stackFor(tg.tags[OwnershipTag.group] ?? '').targetGroups.push(tg);
  for (const sg of securityGroups) {
    const stack = stackFor(sg.tags[OwnershipTag.group] ?? '');
    if (stack.securityGroup === null) stack.securityGroup = sg;
  }
  return { stacks };
}

interface MutableStack {
  group: string;
  loadBalancer: ActualLoadBalancer | null;
  securityGroup: ActualSecurityGroup | null;
  listeners: ActualListener[];
  rules: ActualRule[];
  targetGroups: ActualTargetGroup[];
}

interface TaggedLoadBalancer {
  readonly lb: LoadBalancer;
  readonly tags: Record<string, string>;
}

async function ownedLoadBalancers(aws: Aws, clusterName: string): Promise<TaggedLoadBalancer[]> {
  const all = await collectPages(
    (Marker) => aws.send(aws.elbv2, new DescribeLoadBalancersCommand({ PageSize: 400, ...(Marker === undefined ? {} : { Marker }) })),
    (p) => p.LoadBalancers,
    (p) => p.NextMarker,
  );
  const albs = all.filter((lb) => lb.Type === 'application' && lb.LoadBalancerArn !== undefined);
  const tags = await describeElbv2Tags(aws, albs.map((lb) => lb.LoadBalancerArn!), readConcurrency);
  return albs
    .map((lb) => ({ lb, tags: tags.get(lb.LoadBalancerArn!) ?? {} }))
    .filter((t) => t.tags[OwnershipTag.cluster] === clusterName);
}

async function ownedTargetGroups(aws: Aws, clusterName: string): Promise<{ tg: TargetGroup; tags: Record<string, string> }[]> {
  const all = await collectPages(
    (Marker) => aws.send(aws.elbv2, new DescribeTargetGroupsCommand({ PageSize: 400, ...(Marker === undefined ? {} : { Marker }) })),
    (p) => p.TargetGroups,
    (p) => p.NextMarker,
  );
  const tags = await describeElbv2Tags(aws, all.map((tg) => tg.TargetGroupArn ?? ''), readConcurrency);
  return all
    .map((tg) => ({ tg, tags: tags.get(tg.TargetGroupArn ?? '') ?? {} }))
    .filter((t) => t.tags[OwnershipTag.cluster] === clusterName);
}

async function ownedSecurityGroups(aws: Aws, clusterName: string): Promise<ActualSecurityGroup[]> {
  const groups = await collectPages(
    (NextToken) =>
      aws.send(
        aws.ec2,
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: `tag:${OwnershipTag.cluster}`, Values: [clusterName] }],
          ...(NextToken === undefined ? {} : { NextToken }),
        }),
      ),
    (p) => p.SecurityGroups,
    (p) => p.NextToken,
  );
  return groups.map((g) => {
    const tags = tagsFromSdk(g.Tags);
    return {
      groupId: g.GroupId ?? '',
      id: tags[OwnershipTag.resource] ?? null,
      name: g.GroupName ?? '',
      ingress: (g.IpPermissions ?? []).flatMap(ingressRulesFromSdk),
      tags,
    };
  });
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
  const arn = lb.LoadBalancerArn!;
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
      ipAddressType: (lb.IpAddressType ?? 'ipv4') as IpAddressType,
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
      .sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port),
    loadBalancerArns: [...new Set(tg.LoadBalancerArns ?? [])],
  };
}
