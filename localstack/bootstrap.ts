// Creates the network a cluster's load balancers need, in an emulator (moto, LocalStack) or a
// real account: a VPC with an internet gateway, public subnets tagged for internet-facing load
// balancers and private subnets tagged for internal ones, one of each per availability zone.
// Idempotent: a second run finds everything by tag and creates nothing.
//
// Node runs this file directly (type stripping, see README.md): keep to erasable syntax (no
// enums, namespaces or parameter properties) and mark type-only imports with `type`.
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeInternetGateways,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  type Filter,
  type InternetGateway,
  type ResourceType,
  type RouteTable,
  type Subnet,
  type Tag,
} from '@aws-sdk/client-ec2';

/** Tag on every resource the bootstrap creates; its value is the cluster name. */
export const BOOTSTRAP_TAG = 'albatross.dev/bootstrap';
/** Subnet role tags, as the AWS Load Balancer Controller and EKS read them. */
export const PUBLIC_ELB_TAG = 'kubernetes.io/role/elb';
export const INTERNAL_ELB_TAG = 'kubernetes.io/role/internal-elb';

export const VPC_CIDR = '10.0.0.0/16';
/** Per zone index: public /20s at the start of the VPC, private /18s after them. */
const PUBLIC_CIDRS = ['10.0.0.0/20', '10.0.16.0/20', '10.0.32.0/20'] as const;
const PRIVATE_CIDRS = ['10.0.64.0/18', '10.0.128.0/18', '10.0.192.0/18'] as const;
const MAX_ZONES = 3;
/** An Application Load Balancer needs subnets in at least two zones. */
const MIN_ZONES = 2;

export interface BootstrapNetworkOptions {
  /** Emulator URL; without it the SDK's defaults apply (AWS_ENDPOINT_URL, then AWS itself). */
  readonly endpoint?: string | undefined;
  readonly region: string;
  readonly clusterName: string;
  /** Credentials for the EC2 client; without them the SDK's default chain applies. */
  readonly credentials?:
    | { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
    | undefined;
  /** A client to use instead; endpoint, region and credentials then come from it. The caller owns it. */
  readonly client?: EC2Client | undefined;
}

export interface BootstrappedNetwork {
  vpcId: string;
  /** One per zone, in the order of `availabilityZones`. */
  publicSubnetIds: string[];
  /** One per zone, in the order of `availabilityZones`. */
  privateSubnetIds: string[];
  internetGatewayId: string;
  /** The route table of the public subnets (default route to the internet gateway). */
  publicRouteTableId: string;
  availabilityZones: string[];
  /** Ids of the resources this call created; empty when everything existed already. */
  created: string[];
}

/**
 * Creates a node security group as EKS tags its cluster security group
 * (`kubernetes.io/cluster/<clusterName>=owned`), named `<name>-<clusterName>`: where the
 * backend security group rules go when pods sit behind it.
 * @returns the group's id
 */
export async function createNodeSecurityGroup(ec2: EC2Client, vpcId: string, clusterName: string, name = 'nodes'): Promise<string> {
  const created = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${name}-${clusterName}`,
      Description: `${name} of ${clusterName}`,
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: `kubernetes.io/cluster/${clusterName}`, Value: 'owned' }] }],
    }),
  );
  if (created.GroupId === undefined) throw new Error(`CreateSecurityGroup for ${name}-${clusterName} returned no GroupId`);
  return created.GroupId;
}

/**
 * Finds or creates the network of `clusterName`: the VPC tagged `albatross.dev/bootstrap=<name>`
 * (10.0.0.0/16) with an attached internet gateway, and in each of the region's first three
 * availability zones a public subnet (`kubernetes.io/role/elb=1`, routed to the gateway) and a
 * private one (`kubernetes.io/role/internal-elb=1`), both tagged
 * `kubernetes.io/cluster/<name>=shared`. Whatever is missing is created, tags included; nothing
 * is deleted. Not safe to run twice at the same time for the same cluster.
 */
export async function bootstrapNetwork(options: BootstrapNetworkOptions): Promise<BootstrappedNetwork> {
  const { clusterName, region } = options;
  validateClusterName(clusterName);
  if (options.client !== undefined) {
    return await new Bootstrap(options.client, clusterName).run();
  }
  const client = new EC2Client({
    region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
  try {
    return await new Bootstrap(client, clusterName).run();
  } finally {
    client.destroy();
  }
}

class Bootstrap {
  private readonly client: EC2Client;
  private readonly clusterName: string;
  private readonly created: string[] = [];

  constructor(client: EC2Client, clusterName: string) {
    this.client = client;
    this.clusterName = clusterName;
  }

  async run(): Promise<BootstrappedNetwork> {
    const zones = await this.availabilityZones();
    const vpcId = await this.vpc();
    const internetGatewayId = await this.internetGateway(vpcId);
    const existing = await collect(
      paginateDescribeSubnets({ client: this.client }, { Filters: [filter('vpc-id', vpcId)] }),
      (page) => page.Subnets,
    );

    const publicSubnetIds: string[] = [];
    const privateSubnetIds: string[] = [];
    for (const [index, zone] of zones.entries()) {
      publicSubnetIds.push(await this.subnet(vpcId, existing, 'public', zone, at(PUBLIC_CIDRS, index)));
      privateSubnetIds.push(await this.subnet(vpcId, existing, 'private', zone, at(PRIVATE_CIDRS, index)));
    }
    const publicRouteTableId = await this.publicRouteTable(vpcId, internetGatewayId, publicSubnetIds);

    return {
      vpcId,
      publicSubnetIds,
      privateSubnetIds,
      internetGatewayId,
      publicRouteTableId,
      availabilityZones: zones,
      created: this.created,
    };
  }

  /** The region's first zones by name (us-east-1a, -1b, -1c), local and wavelength zones excluded. */
  private async availabilityZones(): Promise<string[]> {
    const response = await this.client.send(
      new DescribeAvailabilityZonesCommand({ Filters: [filter('state', 'available')] }),
    );
    const names = (response.AvailabilityZones ?? [])
      .filter((zone) => zone.ZoneType === undefined || zone.ZoneType === 'availability-zone')
      .map((zone) => zone.ZoneName)
      .filter((name): name is string => name !== undefined)
      .sort();
    if (names.length < MIN_ZONES) {
      throw new Error(`the region has ${names.length} available zones; a load balancer needs ${MIN_ZONES}`);
    }
    return names.slice(0, MAX_ZONES);
  }

  private async vpc(): Promise<string> {
    const vpcs = await collect(
      paginateDescribeVpcs({ client: this.client }, { Filters: [this.ownedFilter()] }),
      (page) => page.Vpcs,
    );
    if (vpcs.length > 1) {
      const ids = vpcs.map((vpc) => vpc.VpcId).join(', ');
      throw new Error(`several VPCs are tagged ${BOOTSTRAP_TAG}=${this.clusterName} (${ids}); delete all but one`);
    }
    const found = vpcs[0];
    if (found?.VpcId !== undefined) {
      await this.ensureTags(found.VpcId, found.Tags, this.tags(this.clusterName));
      return found.VpcId;
    }
    const response = await this.client.send(
      new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: this.tagSpec('vpc', this.tags(this.clusterName)) }),
    );
    const vpcId = required(response.Vpc?.VpcId, 'CreateVpc returned no VpcId');
    this.created.push(vpcId);
    // Load balancers and nodes want DNS names; one attribute per call.
    await this.client.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
    await this.client.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    return vpcId;
  }

  private async internetGateway(vpcId: string): Promise<string> {
    const tags = this.tags(`${this.clusterName}-igw`);
    const attached = await this.internetGateways([filter('attachment.vpc-id', vpcId)]);
    const gateway: InternetGateway | undefined =
      attached[0] ??
      // One created by an earlier run that stopped before attaching it.
      (await this.internetGateways([this.ownedFilter()])).find((igw) => (igw.Attachments ?? []).length === 0);
    let gatewayId = gateway?.InternetGatewayId;
    if (gateway !== undefined && gatewayId !== undefined) {
      await this.ensureTags(gatewayId, gateway.Tags, tags);
    } else {
      const response = await this.client.send(
        new CreateInternetGatewayCommand({ TagSpecifications: this.tagSpec('internet-gateway', tags) }),
      );
      gatewayId = required(response.InternetGateway?.InternetGatewayId, 'CreateInternetGateway returned no id');
      this.created.push(gatewayId);
    }
    if (!(gateway?.Attachments ?? []).some((attachment) => attachment.VpcId === vpcId)) {
      await this.client.send(new AttachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpcId }));
    }
    return gatewayId;
  }

  private async internetGateways(filters: Filter[]): Promise<InternetGateway[]> {
    return await collect(
      paginateDescribeInternetGateways({ client: this.client }, { Filters: filters }),
      (page) => page.InternetGateways,
    );
  }

  /** The subnet with this CIDR in the VPC, created when missing; tags made complete either way. */
  private async subnet(
    vpcId: string,
    existing: readonly Subnet[],
    kind: 'public' | 'private',
    zone: string,
    cidr: string,
  ): Promise<string> {
    const found = existing.find((subnet) => subnet.CidrBlock === cidr);
    // An existing subnet keeps its zone (it cannot move); name it after that zone.
    const tags = [
      ...this.tags(`${this.clusterName}-${kind}-${found?.AvailabilityZone ?? zone}`),
      { Key: `kubernetes.io/cluster/${this.clusterName}`, Value: 'shared' },
      { Key: kind === 'public' ? PUBLIC_ELB_TAG : INTERNAL_ELB_TAG, Value: '1' },
    ];
    let subnetId = found?.SubnetId;
    if (found !== undefined && subnetId !== undefined) {
      await this.ensureTags(subnetId, found.Tags, tags);
    } else {
      const response = await this.client.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: cidr,
          AvailabilityZone: zone,
          TagSpecifications: this.tagSpec('subnet', tags),
        }),
      );
      subnetId = required(response.Subnet?.SubnetId, 'CreateSubnet returned no SubnetId');
      this.created.push(subnetId);
    }
    if (kind === 'public' && found?.MapPublicIpOnLaunch !== true) {
      await this.client.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }));
    }
    return subnetId;
  }

  /** A route table with the default route to the gateway, associated with every public subnet. */
  private async publicRouteTable(vpcId: string, gatewayId: string, subnetIds: readonly string[]): Promise<string> {
    const tags = this.tags(`${this.clusterName}-public`);
    const tables = await collect(
      paginateDescribeRouteTables(
        { client: this.client },
        { Filters: [filter('vpc-id', vpcId), this.ownedFilter()] },
      ),
      (page) => page.RouteTables,
    );
    let table: RouteTable | undefined = tables[0];
    let tableId = table?.RouteTableId;
    if (table !== undefined && tableId !== undefined) {
      await this.ensureTags(tableId, table.Tags, tags);
    } else {
      const response = await this.client.send(
        new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: this.tagSpec('route-table', tags) }),
      );
      table = response.RouteTable;
      tableId = required(table?.RouteTableId, 'CreateRouteTable returned no RouteTableId');
      this.created.push(tableId);
    }
    const hasDefaultRoute = (table?.Routes ?? []).some(
      (route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.GatewayId === gatewayId,
    );
    if (!hasDefaultRoute) {
      await this.client.send(
        new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: gatewayId }),
      );
    }
    const associated = new Set((table?.Associations ?? []).map((association) => association.SubnetId));
    for (const subnetId of subnetIds) {
      if (!associated.has(subnetId)) {
        await this.client.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: subnetId }));
      }
    }
    return tableId;
  }

  private tags(name: string): Tag[] {
    return [
      { Key: 'Name', Value: name },
      { Key: BOOTSTRAP_TAG, Value: this.clusterName },
    ];
  }

  private tagSpec(resourceType: ResourceType, tags: Tag[]): [{ ResourceType: ResourceType; Tags: Tag[] }] {
    return [{ ResourceType: resourceType, Tags: tags }];
  }

  private ownedFilter(): Filter {
    return filter(`tag:${BOOTSTRAP_TAG}`, this.clusterName);
  }

  /** Adds the tags that are missing or differ; leaves other tags alone. */
  private async ensureTags(resourceId: string, current: readonly Tag[] | undefined, desired: readonly Tag[]): Promise<void> {
    const have = new Map((current ?? []).map((tag) => [tag.Key, tag.Value]));
    const missing = desired.filter((tag) => have.get(tag.Key) !== tag.Value);
    if (missing.length > 0) {
      await this.client.send(new CreateTagsCommand({ Resources: [resourceId], Tags: missing }));
    }
  }
}

function validateClusterName(name: string): void {
  // Cluster names end up in tag keys (kubernetes.io/cluster/<name>): at most 128 characters.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name)) {
    throw new Error(`invalid cluster name ${JSON.stringify(name)}: use letters, digits, '-', '_' or '.', at most 100`);
  }
}

function filter(name: string, value: string): Filter {
  return { Name: name, Values: [value] };
}

async function collect<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => Item[] | undefined): Promise<Item[]> {
  const all: Item[] = [];
  for await (const page of pages) {
    all.push(...(items(page) ?? []));
  }
  return all;
}

function at<T>(list: readonly T[], index: number): T {
  return required(list[index], `no entry ${index}`);
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) {
    throw new Error(message);
  }
  return value;
}
