// A group's reconcile reads what the group owns, never the account: a no-op reconcile makes
// exactly the same reads in an account full of other load balancers, target groups and
// certificates (including some tagged for another cluster with the same group name) as in an
// empty one. Calls are counted, never timed. Runs in a region of its own, so the crowd does
// not slow other tests that list their region.
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import {
  AssignPrivateIpAddressesCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import pLimit from 'p-limit';
import { bootstrapNetwork, createNodeSecurityGroup } from '../../../localstack/bootstrap.js';
import { Aws } from '../../../src/aws/clients.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { reconcileCluster } from '../../../src/pipeline/cluster.js';
import { reconcileDeps, reconcileGroup } from '../../../src/pipeline/reconcile.js';
import { Pki, tlsSecret } from '../../unit/certificates/pki.js';
import { endpointSlice, ingress, service, snapshot } from '../../unit/factories.js';
import { awsClientConfig, emulatorRateLimits, endpoint } from '../emulator/emulator.js';

const region = 'ap-southeast-2';
const clusterName = `account-size-${process.pid}-${Date.now().toString(36)}`;
const group = 'shop';
const foreign = { loadBalancers: 200, targetGroups: 200, certificates: 50, securityGroups: 50, interfaces: 100, instances: 20 };

let pki: Pki;
let aws: Aws;
let elbv2: ElasticLoadBalancingV2Client;
let acm: ACMClient;
let ec2: EC2Client;

beforeAll(() => {
  pki = new Pki();
  aws = new Aws({ region, endpoint: endpoint(), rateLimits: emulatorRateLimits });
  elbv2 = new ElasticLoadBalancingV2Client({ ...awsClientConfig(), region });
  acm = new ACMClient({ ...awsClientConfig(), region });
  ec2 = new EC2Client({ ...awsClientConfig(), region });
});

afterAll(() => {
  pki.close();
  aws.destroy();
  elbv2.destroy();
  acm.destroy();
  ec2.destroy();
});

it('a no-op reconcile of a group makes the same reads with 200 foreign load balancers and target groups, 50 foreign certificates and security groups, 100 foreign interfaces and 20 foreign instances', async () => {
  const network = await bootstrapNetwork({ endpoint: endpoint(), region, clusterName, credentials: awsClientConfig().credentials });
  const subnet = network.publicSubnetIds[0] ?? '';
  // The pods' node: its interface carries the pod IP as a secondary address, behind the node
  // security group, so that the backend security group rules are read on every run.
  const nodes = await createNodeSecurityGroup(ec2, network.vpcId, clusterName);
  const node = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet, Groups: [nodes] }] }))).Instances?.[0];
  await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: node?.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? '', PrivateIpAddresses: ['10.0.1.10'] }));
  const cert = pki.issue({ sans: ['shop.example.com'] });
  const view = snapshot({
    ingresses: [
      {
        ...ingress({ name: 'web', namespace: 'shop', host: 'shop.example.com', annotations: { 'group.name': group }, paths: [{ path: '/' }, { path: '/api', service: 'api' }] }),
      },
    ].map((i) => ({ ...i, spec: { ...i.spec, tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] } })),
    services: [service({ namespace: 'shop' }), service({ namespace: 'shop', name: 'api' })],
    endpointSlices: [
      endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.1.10'], nodeName: 'node-1' }] }),
      endpointSlice({ namespace: 'shop', service: 'api', endpoints: [{ addresses: ['10.0.1.10'], nodeName: 'node-1' }] }),
    ],
    secrets: [tlsSecret(cert.certPem, cert.keyPem, { namespace: 'shop', name: 'shop-tls' })],
    nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { providerID: `aws:///${region}a/${node?.InstanceId ?? ''}` } }],
  });
  const deps = () => reconcileDeps(aws, { clusterName, vpcId: network.vpcId, mode: 'apply', logger: silentLogger() });

  const created = await reconcileCluster(view, deps());
  expect(created.errors).toEqual([]);
  expect(created.warnings).toEqual([]);
  expect(created.groups.map((g) => [g.name, g.failure])).toEqual([
    [`alb:${group}`, null],
    ['(backend security group)', null],
  ]);

  const noOp = async (): Promise<{ group: string[]; cluster: string[] }> => {
    const one = await aws.calls.measure(() => reconcileGroup(view, `alb:${group}`, deps(), { deleteIfEmpty: true }));
    expect(one.result.changes).toEqual([]);
    expect(one.calls.changing).toBe(0);
    const all = await aws.calls.measure(() => reconcileCluster(view, deps()));
    expect(all.calls.changing).toBe(0);
    return { group: one.calls.readOperations(), cluster: all.calls.readOperations() };
  };
  const empty = await noOp();

  // The crowd: other teams' load balancers and target groups, some tagged for another cluster
  // with the same group name, and certificates imported by hand.
  const limit = pLimit(8);
  const other = { Key: 'albatross.dev/cluster', Value: 'someone-else' };
  await Promise.all([
    ...Array.from({ length: foreign.loadBalancers }, (_, i) =>
      limit(() =>
        elbv2.send(
          new CreateLoadBalancerCommand({
            Name: `foreign-${i}`,
            Subnets: network.publicSubnetIds,
            Scheme: 'internal',
            ...(i % 10 === 0 ? { Tags: [other, { Key: 'albatross.dev/group', Value: group }] } : {}),
          }),
        ),
      ),
    ),
    ...Array.from({ length: foreign.targetGroups }, (_, i) =>
      limit(() =>
        elbv2.send(
          new CreateTargetGroupCommand({
            Name: `foreign-tg-${i}`,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: network.vpcId,
            TargetType: 'ip',
            ...(i % 10 === 0 ? { Tags: [other, { Key: 'albatross.dev/group', Value: group }] } : {}),
          }),
        ),
      ),
    ),
    ...Array.from({ length: foreign.certificates }, () =>
      limit(() => acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(cert.certPem), PrivateKey: Buffer.from(cert.keyPem) }))),
    ),
    // Other teams' security groups with rules, interfaces and instances in the same VPC.
    ...Array.from({ length: foreign.securityGroups }, (_, i) =>
      limit(async () => {
        const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `foreign-${i}-${clusterName}`, Description: 'foreign', VpcId: network.vpcId }));
        await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId ?? '', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
      }),
    ),
    ...Array.from({ length: foreign.interfaces }, (_, i) =>
      limit(() => ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: network.privateSubnetIds[0] ?? '', PrivateIpAddress: `10.0.70.${i + 10}` }))),
    ),
    limit(() => ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: foreign.instances, MaxCount: foreign.instances, SubnetId: subnet }))),
  ]);

  const crowded = await noOp();
  expect(crowded).toEqual(empty);
  // The cluster run adds: the groups in AWS (a Tagging API page and our security groups), the
  // certificate cleanup (a Tagging API page), and the backend step: the node's interfaces by
  // instance, then the rules of the node security group and ours by tag.
  const groupReads = [...empty.group];
  const backendReads = empty.cluster.filter((op) => {
    const i = groupReads.indexOf(op);
    if (i < 0) return true;
    groupReads.splice(i, 1);
    return false;
  });
  expect(backendReads).toEqual(['DescribeNetworkInterfaces', 'DescribeSecurityGroupRules', 'DescribeSecurityGroupRules', 'DescribeSecurityGroups', 'GetResources', 'GetResources']);
  // What the group's no-op reconcile reads: a Tagging API page each for its ELBv2 resources and
  // our certificates, then only the group's own resources, and the backend security group by
  // its tags (the second DescribeSecurityGroups).
  expect(empty.group).toEqual([
    'DescribeListenerCertificates',
    'DescribeListeners',
    'DescribeLoadBalancers',
    'DescribeRules',
    'DescribeRules',
    'DescribeSecurityGroups',
    'DescribeSecurityGroups',
    'DescribeSubnets',
    'DescribeTags',
    'DescribeTargetGroups',
    'DescribeTargetHealth',
    'DescribeTargetHealth',
    'GetResources',
    'GetResources',
  ]);
}, 180_000);
