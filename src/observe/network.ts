// Finds the VPC and subnets a cluster's load balancers live in, and resolves the subnets
// and security groups named in annotations. Subnet choice follows the AWS Load Balancer
// Controller's discovery: role tags, cluster tags, one subnet per zone.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type Subnet } from '@aws-sdk/client-ec2';
import type { Aws } from '../aws/clients.js';
import { collectPages } from '../aws/pagination.js';
import { tagsFromSdk } from '../aws/elbv2-shapes.js';
import { AlbatrossError } from '../model/errors.js';
import { compareStrings } from '../model/compare.js';
import type { Scheme, SubnetSelection } from '../model/resources.js';
import { err, ok, type Result } from '../model/result.js';

export const SubnetRoleTag = {
  'internet-facing': 'kubernetes.io/role/elb',
  internal: 'kubernetes.io/role/internal-elb',
} as const satisfies Record<Scheme, string>;

/** `kubernetes.io/cluster/<name>`: the tag EKS puts on a cluster's subnets and security groups. */
export const clusterTagPrefix = 'kubernetes.io/cluster/';

export interface SubnetInfo {
  readonly id: string;
  readonly vpcId: string;
  readonly zone: string;
  readonly name: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly availableIps: number;
  /**
   * The subnet's IPv4 CIDR block and its associated IPv6 ones: where ALB takes IP targets from
   * besides the private ranges (see `PrivateTargetRanges`).
   * @default none
   */
  readonly cidrBlocks?: readonly string[];
}

export interface Network {
  readonly vpcId: string;
  readonly subnets: readonly SubnetInfo[];
}

export interface DiscoverNetworkOptions {
  /** The VPC to use; when absent it is found by the subnets' role tags. */
  readonly vpcId?: string | undefined;
  /**
   * The cluster's name. Where tagged subnets sit in several VPCs, the VPC whose subnets carry
   * `kubernetes.io/cluster/<name>` is chosen.
   */
  readonly clusterName: string;
}

/**
 * Finds the cluster's VPC and reads all its subnets. Without `vpcId`, the VPC is the one whose
 * subnets carry a load balancer role tag (`kubernetes.io/role/elb` or
 * `kubernetes.io/role/internal-elb`); where those sit in several VPCs, the one whose tagged
 * subnets also carry `kubernetes.io/cluster/<clusterName>` (the tag EKS and the AWS Load
 * Balancer Controller's docs put on a cluster's subnets, value `owned` or `shared`).
 *
 * @throws AlbatrossError `aws-state` when no subnet is tagged, or when the tagged subnets sit
 *   in several VPCs and not exactly one of them is the cluster's; the message names the VPCs.
 */
export async function discoverNetwork(aws: Aws, options: DiscoverNetworkOptions): Promise<Network> {
  const describe = (filters: { Name: string; Values: string[] }[]): Promise<Subnet[]> =>
    collectPages(
      (NextToken) => aws.send(aws.ec2, new DescribeSubnetsCommand({ Filters: filters, ...(NextToken === undefined ? {} : { NextToken }) })),
      (p) => p.Subnets,
      (p) => p.NextToken,
    );
  let vpcId = options.vpcId;
  if (vpcId === undefined) {
    // One value per filter and call: the emulator answers a filter with two values with
    // nothing, where AWS would OR them.
    const tagged: Subnet[] = [];
    for (const tag of Object.values(SubnetRoleTag)) tagged.push(...(await describe([{ Name: 'tag-key', Values: [tag] }])));
    vpcId = chooseVpc(tagged, options.clusterName);
  }
  const subnets = await describe([{ Name: 'vpc-id', Values: [vpcId] }]);
  return {
    vpcId,
    subnets: subnets.map((s) => {
      const tags = tagsFromSdk(s.Tags);
      return {
        id: s.SubnetId ?? '',
        vpcId: s.VpcId ?? '',
        zone: s.AvailabilityZone ?? '',
        name: tags.Name ?? null,
        tags,
        availableIps: s.AvailableIpAddressCount ?? 0,
        cidrBlocks: [
          ...(s.CidrBlock === undefined ? [] : [s.CidrBlock]),
          ...(s.Ipv6CidrBlockAssociationSet ?? []).flatMap((a) => (a.Ipv6CidrBlock === undefined || a.Ipv6CidrBlockState?.State !== 'associated' ? [] : [a.Ipv6CidrBlock])),
        ],
      };
    }),
  };
}

/**
 * The VPC of the subnets tagged for load balancers: the only one, else the only one whose
 * tagged subnets carry the cluster's tag (`owned` or `shared`).
 *
 * @throws AlbatrossError `aws-state` naming the VPCs when there is no such single VPC.
 */
export function chooseVpc(tagged: readonly Subnet[], clusterName: string | undefined): string {
  const vpcs = [...new Set(tagged.map((s) => s.VpcId ?? ''))].filter((v) => v !== '').sort();
  const only = vpcs.length === 1 ? vpcs[0] : undefined;
  if (only !== undefined) return only;
  if (vpcs.length === 0) {
    throw new AlbatrossError(
      'aws-state',
      `no subnet carries the tag ${SubnetRoleTag['internet-facing']} or ${SubnetRoleTag.internal}, so the VPC cannot be found; pass --vpc-id or tag the cluster's subnets`,
    );
  }
  if (clusterName === undefined) {
    throw new AlbatrossError('aws-state', `subnets tagged for load balancers are in several VPCs (${vpcs.join(', ')}); pass --vpc-id to choose one`);
  }
  const clusterTag = `${clusterTagPrefix}${clusterName}`;
  const ours = [
    ...new Set(
      tagged.filter((s) => (s.Tags ?? []).some((t) => t.Key === clusterTag && (t.Value === 'owned' || t.Value === 'shared'))).map((s) => s.VpcId ?? ''),
    ),
  ]
    .filter((v) => v !== '')
    .sort();
  const ourOnly = ours.length === 1 ? ours[0] : undefined;
  if (ourOnly !== undefined) return ourOnly;
  throw new AlbatrossError(
    'aws-state',
    ours.length === 0
      ? `subnets tagged for load balancers are in several VPCs (${vpcs.join(', ')}) and none of them carries ${clusterTag}=owned or shared; pass --vpc-id to choose one, or tag the cluster's subnets with ${clusterTag}`
      : `subnets tagged for load balancers and ${clusterTag} are in several VPCs (${ours.join(', ')}); pass --vpc-id to choose one`,
  );
}

/**
 * Picks the subnets for one load balancer. Discovery takes subnets with the scheme's role
 * tag, skips those tagged for another cluster only, and keeps one per zone (ours-tagged
 * first, then the most free addresses, then by id, so the choice is stable).
 */
export function selectSubnets(selection: SubnetSelection, scheme: Scheme, network: Network, clusterName: string): Result<string[]> {
  if (selection.kind === 'ids' || selection.kind === 'named') {
    const refs = selection.kind === 'ids' ? selection.ids : selection.refs;
    const ids: string[] = [];
    for (const ref of refs) {
      const found = network.subnets.filter((s) => s.id === ref || s.name === ref);
      const only = found.length === 1 ? found[0] : undefined;
      if (only === undefined) {
        return err(
          found.length === 0
            ? `annotation alb.ingress.kubernetes.io/subnets: subnet "${ref}" not found in ${network.vpcId}`
            : `annotation alb.ingress.kubernetes.io/subnets: "${ref}" names ${found.length} subnets in ${network.vpcId}; use subnet ids`,
        );
      }
      ids.push(only.id);
    }
    return checkZones([...new Set(ids)], network, 'alb.ingress.kubernetes.io/subnets');
  }
  const role = SubnetRoleTag[scheme];
  const ourTag = `${clusterTagPrefix}${clusterName}`;
  const candidates = network.subnets.filter((s) => {
    const value = s.tags[role];
    if (value === undefined || (value !== '' && value !== '1')) return false;
    const clusterTags = Object.keys(s.tags).filter((k) => k.startsWith(clusterTagPrefix));
    return clusterTags.length === 0 || clusterTags.includes(ourTag);
  });
  const byZone = new Map<string, SubnetInfo>();
  for (const s of [...candidates].sort((a, b) => rank(b, ourTag) - rank(a, ourTag) || b.availableIps - a.availableIps || compareStrings(a.id, b.id))) {
    if (!byZone.has(s.zone)) byZone.set(s.zone, s);
  }
  const ids = [...byZone.values()].map((s) => s.id).sort();
  if (ids.length === 0) {
    return err(
      `no subnet in ${network.vpcId} is tagged ${role}=1 for a ${scheme} load balancer; tag subnets in at least two zones or set alb.ingress.kubernetes.io/subnets`,
    );
  }
  return checkZones(ids, network, `subnets tagged ${role}`);
}

function rank(s: SubnetInfo, ourTag: string): number {
  return s.tags[ourTag] === undefined ? 0 : 1;
}

function checkZones(ids: string[], network: Network, source: string): Result<string[]> {
  const zones = new Set(ids.map((id) => network.subnets.find((s) => s.id === id)?.zone));
  if (zones.size < 2) {
    return err(`${source}: an Application Load Balancer needs subnets in at least two zones; found ${[...zones].join(', ')}`);
  }
  return ok([...ids].sort());
}

/**
 * Resolves security groups named by id (`sg-...`) or by name within the VPC. A name is the
 * group's `Name` tag, as with AWS's controller, or else its GroupName.
 */
export async function resolveSecurityGroups(aws: Aws, refs: readonly string[], vpcId: string): Promise<Result<string[]>> {
  const ids = refs.filter((r) => /^sg-[0-9a-f]+$/.test(r));
  const names = refs.filter((r) => !ids.includes(r));
  if (names.length === 0) return ok([...ids].sort());
  const lookup = async (filter: string): Promise<{ id: string; key: string }[]> => {
    const found = await collectPages(
      (NextToken) =>
        aws.send(
          aws.ec2,
          new DescribeSecurityGroupsCommand({
            Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: filter, Values: names }],
            ...(NextToken === undefined ? {} : { NextToken }),
          }),
        ),
      (p) => p.SecurityGroups,
      (p) => p.NextToken,
    );
    return found.map((g) => ({ id: g.GroupId ?? '', key: filter === 'tag:Name' ? (tagsFromSdk(g.Tags).Name ?? '') : (g.GroupName ?? '') }));
  };
  const byTag = await lookup('tag:Name');
  const untagged = names.filter((n) => !byTag.some((g) => g.key === n));
  const byName = untagged.length > 0 ? await lookup('group-name') : [];
  for (const name of names) {
    const match = byTag.filter((g) => g.key === name);
    const found = match.length > 0 ? match : byName.filter((g) => g.key === name);
    const only = found.length === 1 ? found[0] : undefined;
    if (only === undefined) {
      return err(
        found.length === 0
          ? `annotation alb.ingress.kubernetes.io/security-groups: no security group named "${name}" (Name tag or group name) in ${vpcId}`
          : `annotation alb.ingress.kubernetes.io/security-groups: "${name}" names ${found.length} security groups in ${vpcId}; use their ids`,
      );
    }
    ids.push(only.id);
  }
  return ok([...new Set(ids)].sort());
}
