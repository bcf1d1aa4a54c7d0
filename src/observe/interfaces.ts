// Where target addresses live: the network interface (ENI) holding each pod IP, and the security
// group on it that the backend rules go on. Looked up by the interfaces, instances and
// addresses in question only, never by listing the VPC.
import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type Filter,
  type NetworkInterface,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { Aws } from '../aws/clients.js';
import { chunks, collectPages } from '../aws/pagination.js';
import { tagsFromSdk } from '../aws/elbv2-shapes.js';
import { compareStrings } from '../model/compare.js';

/** Values given to one EC2 filter in one call; larger sets are split. */
const filterValuesPerCall = 100;

/** Where one target address was asked to be looked for first. */
export interface AddressQuery {
  readonly ip: string;
  /** From the pod's `vpc.amazonaws.com/pod-eni` annotation (security groups for pods). */
  readonly eniId?: string;
  /** From the endpoint's Node: `spec.providerID` is `aws:///<zone>/<instance id>`. */
  readonly instanceId?: string;
}

/** The network interface holding an address, with its security groups. */
export interface AddressLocation {
  readonly ip: string;
  readonly eniId: string;
  /** Sorted. */
  readonly securityGroupIds: readonly string[];
}

/**
 * Finds the network interface of each address, in three steps, each only for what the one
 * before did not find: the interfaces named by pods' `pod-eni` annotations; every interface
 * attached to the named instances (with all their secondary addresses, where the VPC CNI puts
 * pod IPs); then `DescribeNetworkInterfaces` by address in the VPC (Fargate, branch ENIs).
 *
 * @returns by address; an address on no interface is absent
 */
export async function locateAddresses(aws: Aws, vpcId: string, queries: readonly AddressQuery[]): Promise<Map<string, AddressLocation>> {
  const found = new Map<string, AddressLocation>();
  const record = (enis: readonly NetworkInterface[], wanted: ReadonlySet<string>): void => {
    for (const eni of enis) {
      const groups = (eni.Groups ?? []).map((g) => g.GroupId ?? '').filter((g) => g !== '').sort(compareStrings);
      for (const a of eni.PrivateIpAddresses ?? []) {
        const ip = a.PrivateIpAddress;
        if (ip !== undefined && wanted.has(ip) && !found.has(ip)) found.set(ip, { ip, eniId: eni.NetworkInterfaceId ?? '', securityGroupIds: groups });
      }
      for (const a of eni.Ipv6Addresses ?? []) {
        const ip = a.Ipv6Address;
        if (ip !== undefined && wanted.has(ip) && !found.has(ip)) found.set(ip, { ip, eniId: eni.NetworkInterfaceId ?? '', securityGroupIds: groups });
      }
    }
  };
  const missing = (qs: readonly AddressQuery[]): AddressQuery[] => qs.filter((q) => !found.has(q.ip));

  const byEni = queries.filter((q) => q.eniId !== undefined);
  if (byEni.length > 0) record(await interfaces(aws, [{ Name: 'vpc-id', Values: [vpcId] }], 'network-interface-id', unique(byEni.map((q) => q.eniId ?? ''))), new Set(byEni.map((q) => q.ip)));
  const byInstance = missing(queries).filter((q) => q.instanceId !== undefined);
  if (byInstance.length > 0) record(await interfaces(aws, [], 'attachment.instance-id', unique(byInstance.map((q) => q.instanceId ?? ''))), new Set(byInstance.map((q) => q.ip)));
  const rest = missing(queries);
  // The address filter: on AWS it matches secondary addresses too; the emulator matches only
  // primary ones, which is why instances come first.
  if (rest.length > 0) record(await interfaces(aws, [{ Name: 'vpc-id', Values: [vpcId] }], 'addresses.private-ip-address', unique(rest.map((q) => q.ip))), new Set(rest.map((q) => q.ip)));
  return found;
}

async function interfaces(aws: Aws, fixed: readonly Filter[], name: string, values: readonly string[]): Promise<NetworkInterface[]> {
  const out: NetworkInterface[] = [];
  for (const part of chunks(values, filterValuesPerCall)) {
    out.push(
      ...(await collectPages(
        (NextToken) =>
          aws.send(aws.ec2, new DescribeNetworkInterfacesCommand({ Filters: [...fixed, { Name: name, Values: [...part] }], ...(NextToken === undefined ? {} : { NextToken }) })),
        (p) => p.NetworkInterfaces,
        (p) => p.NextToken,
      )),
    );
  }
  return out;
}

/** Tags of the given security groups, by id. */
export async function securityGroupTags(aws: Aws, groupIds: readonly string[]): Promise<Map<string, Readonly<Record<string, string>>>> {
  const out = new Map<string, Readonly<Record<string, string>>>();
  for (const part of chunks(unique(groupIds), filterValuesPerCall)) {
    const groups = await collectPages(
      (NextToken) => aws.send(aws.ec2, new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [...part] }], ...(NextToken === undefined ? {} : { NextToken }) })),
      (p) => p.SecurityGroups,
      (p) => p.NextToken,
    );
    for (const g of groups) out.set(g.GroupId ?? '', tagsFromSdk(g.Tags));
  }
  return out;
}

/** One ingress rule of a security group, as the backend rules step reads it. */
export interface ActualIngressRule {
  readonly ruleId: string;
  readonly groupId: string;
  /** `tcp`, or `-1` for every protocol. */
  readonly protocol: string;
  /** -1 with protocol `-1`. */
  readonly fromPort: number;
  readonly toPort: number;
  /** The security group the rule admits traffic from, when it names one. */
  readonly sourceGroupId: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The ingress rules of the given security groups, and every rule carrying `tag` wherever it is:
 * one read for the tag and one per hundred groups, whatever else the account holds.
 */
export async function ingressRules(aws: Aws, groupIds: readonly string[], tag: { readonly key: string; readonly value: string } | null): Promise<ActualIngressRule[]> {
  const read = (filters: Filter[]): Promise<SecurityGroupRule[]> =>
    collectPages(
      (NextToken) => aws.send(aws.ec2, new DescribeSecurityGroupRulesCommand({ Filters: filters, ...(NextToken === undefined ? {} : { NextToken }) })),
      (p) => p.SecurityGroupRules,
      (p) => p.NextToken,
    );
  const rules = new Map<string, SecurityGroupRule>();
  if (tag !== null) for (const r of await read([{ Name: `tag:${tag.key}`, Values: [tag.value] }])) rules.set(r.SecurityGroupRuleId ?? '', r);
  const others = unique(groupIds);
  for (const part of chunks(others, filterValuesPerCall)) for (const r of await read([{ Name: 'group-id', Values: [...part] }])) rules.set(r.SecurityGroupRuleId ?? '', r);
  return [...rules.values()]
    .filter((r) => r.IsEgress !== true)
    .map((r) => ({
      ruleId: r.SecurityGroupRuleId ?? '',
      groupId: r.GroupId ?? '',
      protocol: r.IpProtocol ?? '',
      fromPort: r.FromPort ?? -1,
      toPort: r.ToPort ?? -1,
      sourceGroupId: r.ReferencedGroupInfo?.GroupId ?? null,
      tags: tagsFromSdk(r.Tags),
    }))
    .sort((a, b) => compareStrings(a.ruleId, b.ruleId));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareStrings);
}
