// The backend security group in controller mode: a Node in the API server names the instance
// whose interface holds the pods' addresses; the controller opens the node security group to
// the cluster's backend group, follows pods onto another security group from an EndpointSlice
// change alone, and releases everything once the Ingress is gone.
import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { defined } from '../defined.js';
import { awsClientConfig } from '../integration/emulator/emulator.js';
import { readAlb } from '../integration/reconcile/harness.js';
import { endpointSlice, ingress, ingressClass, service } from '../unit/factories.js';
import { apis, applyEndpointSlice, applyIngress, applyService, awsCluster, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { envtestPerFile } from './suite.js';

const ns = 'shop';
const env = envtestPerFile();
let at: AwsCluster;
let running: RunningController;
let ec2: EC2Client;
let nodeGroup: string;
let otherGroup: string;
let instanceId: string;

async function securityGroup(name: string): Promise<string> {
  const res = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${name}-${at.clusterName}`,
      Description: name,
      VpcId: at.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: `kubernetes.io/cluster/${at.clusterName}`, Value: 'owned' }] }],
    }),
  );
  return defined(res.GroupId, 'security group id');
}

/** `from-to <- source (ours)` of each ingress rule of a group. */
async function rulesOf(groupId: string): Promise<string[]> {
  const res = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return (res.SecurityGroupRules ?? [])
    .filter((r) => r.IsEgress !== true)
    .map((r) => `${r.FromPort}-${r.ToPort} <- ${r.ReferencedGroupInfo?.GroupId ?? '?'}${(r.Tags ?? []).some((t) => t.Key === 'albatross.dev/cluster') ? ' (ours)' : ''}`);
}

async function backendGroupId(): Promise<string | undefined> {
  const res = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [at.clusterName] }, { Name: 'tag:albatross.dev/resource', Values: ['backend-sg'] }] }));
  return res.SecurityGroups?.[0]?.GroupId;
}

/** A count once it has stayed the same for two seconds. */
async function settled(count: () => number): Promise<number> {
  for (;;) {
    const before = count();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    if (count() === before) return before;
  }
}

beforeAll(async () => {
  at = await awsCluster('backend-sg');
  ec2 = new EC2Client(awsClientConfig());
  nodeGroup = await securityGroup('nodes');
  otherGroup = await securityGroup('other-nodes');
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [at.vpcId] }] }))).Subnets ?? [];
  const subnet = defined(subnets.find((s) => s.CidrBlock === '10.0.64.0/18')?.SubnetId, 'the first private subnet');
  // A node whose interface carries two pod IPs as secondary addresses, as the VPC CNI does.
  const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet, Groups: [nodeGroup] }] }));
  instanceId = defined(run.Instances?.[0]?.InstanceId, 'instance id');
  const eni = defined(run.Instances?.[0]?.NetworkInterfaces?.[0]?.NetworkInterfaceId, 'primary interface');
  await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, PrivateIpAddresses: ['10.0.64.10', '10.0.64.11'] }));
  // Another pod, on an interface of its own behind another security group.
  await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, PrivateIpAddress: '10.0.64.20', Groups: [otherGroup] }));

  const kc = env().kubeConfig;
  await namespace(kc, ns);
  await apis(kc).networking.createIngressClass({ body: ingressClass() });
  await apis(kc).core.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'ip-10-0-64-5' }, spec: { providerID: `aws:///us-east-1a/${instanceId}` } } });
  await applyService(kc, service({ namespace: ns }));
  await applyEndpointSlice(kc, endpointSlice({ namespace: ns, name: 'web-1', endpoints: [{ addresses: ['10.0.64.10'], nodeName: 'ip-10-0-64-5' }] }));
  running = startController(kc, at, { backendSecurityGroup: { kind: 'managed' } });
}, 120_000);

afterAll(async () => {
  await running.stop();
  ec2.destroy();
}, 60_000);

test('an Ingress gets the backend group on its load balancer and a rule from it on the node security group', async () => {
  await applyIngress(env().kubeConfig, ingress({ namespace: ns, name: 'web', host: 'shop.example.com' }));
  const backend = await eventually('the backend security group', backendGroupId);
  await eventually('the rule on the node security group', async () => ((await rulesOf(nodeGroup)).length > 0 ? true : undefined));
  expect(await rulesOf(nodeGroup)).toEqual([`8080-8080 <- ${backend} (ours)`]);
}, 60_000);

test('pods that move behind another security group get a rule there from the EndpointSlice change alone', async () => {
  const backend = defined(await backendGroupId(), 'the backend security group');
  // The Ingress's own reconciles (its finalizer and status writes bring it back once or twice) are over first.
  const fullReconciles = await settled(() => running.aws.calls.count('DescribeLoadBalancers'));
  await applyEndpointSlice(env().kubeConfig, endpointSlice({ namespace: ns, name: 'web-1', endpoints: [{ addresses: ['10.0.64.10'], nodeName: 'ip-10-0-64-5' }, { addresses: ['10.0.64.20'] }] }));
  await eventually('the rule on the other security group', async () => ((await rulesOf(otherGroup)).length > 0 ? true : undefined));
  expect(await rulesOf(otherGroup)).toEqual([`8080-8080 <- ${backend} (ours)`]);
  // The endpoint-only path did it: no load balancer was read.
  expect(running.aws.calls.count('DescribeLoadBalancers')).toBe(fullReconciles);
}, 60_000);

test('the sweep that follows a group leaving the backend group narrows to the targets as they are now, keeping both rules', async () => {
  const kc = env().kubeConfig;
  const backend = defined(await backendGroupId(), 'the backend security group');
  // A second group, first with the backend group, then with a frontend group of its own: that
  // it stops using the backend group makes the controller sweep every rule right away.
  const frontend = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `frontend-${at.clusterName}`, Description: 'frontend', VpcId: at.vpcId }));
  await applyIngress(kc, ingress({ namespace: ns, name: 'blog', host: 'blog.example.com' }));
  await eventually('the blog load balancer', async () => ((await readAlb(running.cluster, 'shop/blog')) === null ? undefined : true));
  const sweeps = running.aws.calls.count('DescribeSecurityGroupRules');
  await applyIngress(kc, ingress({ namespace: ns, name: 'blog', host: 'blog.example.com', annotations: { 'security-groups': defined(frontend.GroupId, 'frontend group') } }));
  // The sweep reads our rules by tag; after it, both of web's rules are still there.
  await eventually('a sweep', () => Promise.resolve(running.aws.calls.count('DescribeSecurityGroupRules') > sweeps + 1 ? true : undefined));
  await eventually('the sweep done', async () => ((await rulesOf(otherGroup)).length === 1 ? true : undefined));
  expect(await rulesOf(otherGroup)).toEqual([`8080-8080 <- ${backend} (ours)`]);
  expect(await rulesOf(nodeGroup)).toEqual([`8080-8080 <- ${backend} (ours)`]);
  await apis(kc).networking.deleteNamespacedIngress({ name: 'blog', namespace: ns });
}, 60_000);

test('once the Ingress is gone, the rules are revoked and the backend group deleted', async () => {
  await apis(env().kubeConfig).networking.deleteNamespacedIngress({ name: 'web', namespace: ns });
  await eventually('the backend security group deleted', async () => ((await backendGroupId()) === undefined ? true : undefined), 45_000);
  expect(await rulesOf(nodeGroup)).toEqual([]);
  expect(await rulesOf(otherGroup)).toEqual([]);
}, 60_000);
