import {
  DeleteSubnetCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { bootstrapNetwork, BOOTSTRAP_TAG, type BootstrappedNetwork } from '../../../localstack/bootstrap.js';
import { awsClientConfig, endpoint, region } from './emulator.js';

// Other test files share the emulator: every cluster name here is unique to this run, and all
// counts are taken by tag, never over the whole region.
const runId = `${process.pid}-${Date.now()}`;

let client: EC2Client;
/** Names of the commands the client sent, in order. */
let sent: string[] = [];

beforeAll(() => {
  client = new EC2Client(awsClientConfig());
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? 'unknown');
      return await next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
});

afterAll(() => {
  client.destroy();
});

function tagFilter(key: string, value: string): Filter {
  return { Name: `tag:${key}`, Values: [value] };
}

async function subnetIds(filters: Filter[]): Promise<string[]> {
  const response = await client.send(new DescribeSubnetsCommand({ Filters: filters }));
  return (response.Subnets ?? []).map((subnet) => subnet.SubnetId ?? '').sort();
}

/** How many resources of each kind carry the cluster's bootstrap tag (subnets: in its VPC). */
async function inventory(clusterName: string, vpcId: string): Promise<Record<string, number>> {
  const owned = [tagFilter(BOOTSTRAP_TAG, clusterName)];
  const [vpcs, subnets, gateways, tables] = await Promise.all([
    client.send(new DescribeVpcsCommand({ Filters: owned })),
    client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
    client.send(new DescribeInternetGatewaysCommand({ Filters: owned })),
    client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
  ]);
  return {
    vpcs: vpcs.Vpcs?.length ?? 0,
    subnets: subnets.Subnets?.length ?? 0,
    internetGateways: gateways.InternetGateways?.length ?? 0,
    routeTables: tables.RouteTables?.length ?? 0,
  };
}

describe('bootstrapNetwork', () => {
  const clusterName = `bootstrap-${runId}`;
  let first: BootstrappedNetwork;

  beforeAll(async () => {
    first = await bootstrapNetwork({ region: region(), clusterName, client });
  });

  test('creates a VPC with public and private subnets in three zones', () => {
    expect(first.availabilityZones).toHaveLength(3);
    expect(new Set(first.availabilityZones).size).toBe(3);
    expect(first.availabilityZones.every((zone) => zone.startsWith(region()))).toBe(true);
    expect(first.publicSubnetIds).toHaveLength(3);
    expect(first.privateSubnetIds).toHaveLength(3);
    // VPC, internet gateway, six subnets, public route table.
    expect(first.created).toHaveLength(9);
  });

  test('a second run finds everything and creates nothing', async () => {
    const before = await inventory(clusterName, first.vpcId);
    sent = [];

    const second = await bootstrapNetwork({ region: region(), clusterName, client });

    const { created, ...ids } = second;
    const { created: _firstCreated, ...firstIds } = first;
    expect(ids).toEqual(firstIds);
    expect(created).toEqual([]);
    // Reads only: no create, attach, associate, modify or tag call.
    expect(sent.filter((name) => !name.startsWith('Describe'))).toEqual([]);
    expect(await inventory(clusterName, first.vpcId)).toEqual(before);
    // The VPC's main route table plus ours.
    expect(before).toEqual({ vpcs: 1, subnets: 6, internetGateways: 1, routeTables: 2 });
  });

  test('subnet tag filters find the public and the private subnets', async () => {
    const cluster = { Name: 'tag-key', Values: [`kubernetes.io/cluster/${clusterName}`] };
    const publicIds = await subnetIds([{ Name: 'tag:kubernetes.io/role/elb', Values: ['', '1'] }, cluster]);
    const privateIds = await subnetIds([{ Name: 'tag:kubernetes.io/role/internal-elb', Values: ['', '1'] }, cluster]);

    expect(publicIds).toEqual([...first.publicSubnetIds].sort());
    expect(privateIds).toEqual([...first.privateSubnetIds].sort());
    expect(await subnetIds([tagFilter(`kubernetes.io/cluster/${clusterName}`, 'shared')])).toHaveLength(6);
  });

  test('the VPC has the expected CIDR, an attached gateway and public routes', async () => {
    const vpcs = await client.send(new DescribeVpcsCommand({ VpcIds: [first.vpcId] }));
    expect(vpcs.Vpcs?.[0]?.CidrBlock).toBe('10.0.0.0/16');

    const gateways = await client.send(
      new DescribeInternetGatewaysCommand({ InternetGatewayIds: [first.internetGatewayId] }),
    );
    expect(gateways.InternetGateways?.[0]?.Attachments?.map((attachment) => attachment.VpcId)).toEqual([first.vpcId]);

    const tables = await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [first.publicRouteTableId] }));
    const table = tables.RouteTables?.[0];
    expect(table?.Routes).toContainEqual(
      expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: first.internetGatewayId }),
    );
    const associated = (table?.Associations ?? []).map((association) => association.SubnetId ?? '').sort();
    expect(associated).toEqual([...first.publicSubnetIds].sort());

    const subnets = await client.send(new DescribeSubnetsCommand({ SubnetIds: first.publicSubnetIds }));
    for (const subnet of subnets.Subnets ?? []) {
      expect(subnet.MapPublicIpOnLaunch).toBe(true);
      expect(subnet.Tags).toContainEqual({ Key: 'Name', Value: `${clusterName}-public-${subnet.AvailabilityZone}` });
    }
  });
});

test('bootstrapNetwork recreates only what is missing', async () => {
  const clusterName = `repair-${runId}`;
  const first = await bootstrapNetwork({ region: region(), clusterName, client });
  const lost = first.privateSubnetIds[1] ?? '';
  await client.send(new DeleteSubnetCommand({ SubnetId: lost }));

  const second = await bootstrapNetwork({ region: region(), clusterName, client });

  expect(second.created).toHaveLength(1);
  const replacement = second.created[0];
  expect(second.privateSubnetIds).toEqual([first.privateSubnetIds[0], replacement, first.privateSubnetIds[2]]);
  expect(second.publicSubnetIds).toEqual(first.publicSubnetIds);
  expect(second.vpcId).toBe(first.vpcId);
});

test('bootstrapNetwork builds its own client from endpoint and region', async () => {
  const clusterName = `own-client-${runId}`;
  const { credentials } = awsClientConfig();
  const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName, credentials });
  expect(network.created).toHaveLength(9);
});
