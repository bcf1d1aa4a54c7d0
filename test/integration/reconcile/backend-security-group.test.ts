// The backend security group on stock EKS networking, against the emulator: pods behind the
// node security group, reached through the rules Albatross adds from the cluster's one backend
// group. Addresses are found through the Node's instance (secondary addresses, where the VPC
// CNI puts pod IPs), or by address (an interface whose primary address is the pod IP).
import {
  AssignPrivateIpAddressesCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RunInstancesCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { V1Node } from '@kubernetes/client-node';
import { defined } from '../../defined.js';
import { endpointSlice, ingress, pod, service, snapshot, type EndpointOptions } from '../../unit/factories.js';
import { awsClientConfig } from '../emulator/emulator.js';
import { readAlb, testCluster, type TestCluster } from './harness.js';

const managed = { backendSecurityGroup: { kind: 'managed' } } as const;

let cluster: TestCluster;
let ec2: EC2Client;

beforeEach(async () => {
  cluster = await testCluster('backend-sg');
  ec2 = new EC2Client(awsClientConfig());
});

afterEach(() => {
  cluster.close();
  ec2.destroy();
});

/** A security group in the cluster's VPC, with tags. */
async function securityGroup(name: string, tags: Record<string, string> = {}): Promise<string> {
  const entries = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  const res = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${name}-${cluster.clusterName}`,
      Description: name,
      VpcId: cluster.vpcId,
      ...(entries.length === 0 ? {} : { TagSpecifications: [{ ResourceType: 'security-group', Tags: entries }] }),
    }),
  );
  return defined(res.GroupId, 'security group id');
}

/** The node security group as EKS tags it. */
const nodeGroup = (): Promise<string> => securityGroup('nodes', { [`kubernetes.io/cluster/${cluster.clusterName}`]: 'owned' });

async function subnetInVpc(): Promise<string> {
  const { DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [cluster.vpcId] }] }))).Subnets ?? [];
  return defined(subnets.find((s) => s.CidrBlock === '10.0.64.0/18')?.SubnetId, 'the first private subnet (10.0.64.0/18)');
}

/** An EC2 instance in the first private subnet whose primary interface carries `podIps` as secondary addresses. */
async function instanceWithPods(groups: string[], podIps: string[]): Promise<string> {
  const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: await subnetInVpc(), Groups: groups }] }));
  const instance = defined(run.Instances?.[0], 'instance');
  const eni = defined(instance.NetworkInterfaces?.[0]?.NetworkInterfaceId, 'primary interface');
  await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, PrivateIpAddresses: podIps }));
  return defined(instance.InstanceId, 'instance id');
}

/** An interface whose primary address is `ip` (a Fargate pod, or a branch interface). */
async function interfaceWithPrimary(ip: string, groups: string[]): Promise<void> {
  await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: await subnetInVpc(), PrivateIpAddress: ip, Groups: groups }));
}

function node(name: string, instanceId: string): V1Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { providerID: `aws:///us-east-1a/${instanceId}` } };
}

async function rulesOf(groupId: string): Promise<SecurityGroupRule[]> {
  const res = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return (res.SecurityGroupRules ?? []).filter((r) => r.IsEgress !== true).sort((a, b) => (a.FromPort ?? 0) - (b.FromPort ?? 0));
}

/** `from-to<-source` of each ingress rule, with `(ours)` for rules carrying our cluster tag. */
async function rulesText(groupId: string): Promise<string[]> {
  return (await rulesOf(groupId)).map(
    (r) =>
      `${r.IpProtocol} ${r.FromPort}-${r.ToPort} <- ${r.ReferencedGroupInfo?.GroupId ?? r.CidrIpv4 ?? '?'}${(r.Tags ?? []).some((t) => t.Key === 'albatross.dev/cluster' && t.Value === cluster.clusterName) ? ' (ours)' : ''}`,
  );
}

async function backendGroups(): Promise<{ id: string; tags: Record<string, string> }[]> {
  const res = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster.clusterName] }, { Name: 'tag:albatross.dev/resource', Values: ['backend-sg'] }] }));
  return (res.SecurityGroups ?? []).map((g) => ({ id: g.GroupId ?? '', tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) }));
}

async function loadBalancerGroups(group: string): Promise<string[]> {
  const alb = defined(await readAlb(cluster, group), `load balancer of ${group}`);
  const res = await cluster.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [alb.arn] }));
  return [...(res.LoadBalancers?.[0]?.SecurityGroups ?? [])].sort();
}

const shop = ingress({ name: 'web', namespace: 'shop', host: 'shop.example.com' });

/** The shop Ingress, its Service and one EndpointSlice with these endpoints. */
const shopWith = (endpoints: EndpointOptions[]) =>
  snapshot({ ingresses: [shop], services: [service({ namespace: 'shop' })], endpointSlices: [endpointSlice({ namespace: 'shop', endpoints })] });

it('opens the node security group to the shared backend group for pods on a Node, and a second apply changes nothing', async () => {
  const nodes = await nodeGroup();
  const instance = await instanceWithPods([nodes], ['10.0.64.10', '10.0.64.11']);
  const view = snapshot({
    ingresses: [shop],
    services: [service({ namespace: 'shop' })],
    endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.10'], nodeName: 'ip-10-0-64-5' }, { addresses: ['10.0.64.11'], nodeName: 'ip-10-0-64-5' }] })],
    nodes: [node('ip-10-0-64-5', instance)],
  });

  const applied = await cluster.run(view, 'apply', managed);
  expect(applied.errors).toEqual([]);
  expect(applied.warnings).toEqual([]);
  expect(applied.groups.every((g) => g.failure === null)).toBe(true);

  const [backend, ...more] = await backendGroups();
  expect(more).toEqual([]);
  const backendId = defined(backend, 'the backend security group').id;
  expect(backend?.tags).toMatchObject({ 'albatross.dev/cluster': cluster.clusterName, 'albatross.dev/resource': 'backend-sg' });
  // The load balancer has its own frontend group and the shared backend group.
  const lbGroups = await loadBalancerGroups('shop/web');
  expect(lbGroups).toHaveLength(2);
  expect(lbGroups).toContain(backendId);
  // One rule for both pods: the target port, from the backend group, tagged as ours.
  expect(await rulesText(nodes)).toEqual([`tcp 8080-8080 <- ${backendId} (ours)`]);

  const again = await cluster.run(view, 'apply', managed);
  expect(cluster.aws.calls.changingOperations()).toEqual([]);
  expect(again.groups.flatMap((g) => g.changes)).toEqual([]);
});

it('puts the rule on the cluster-tagged group of an interface with two, covers the health check port, and says which address is on no interface', async () => {
  const podGroup = await securityGroup('pods', { [`kubernetes.io/cluster/${cluster.clusterName}`]: 'shared' });
  const extra = await securityGroup('extra');
  await interfaceWithPrimary('10.0.64.20', [extra, podGroup]);
  const view = snapshot({
    ingresses: [{ ...shop, metadata: { ...shop.metadata, annotations: { 'alb.ingress.kubernetes.io/healthcheck-port': '9090' } } }],
    services: [service({ namespace: 'shop' })],
    endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.20'] }, { addresses: ['10.0.64.99'] }] })],
  });

  const applied = await cluster.run(view, 'apply', managed);
  expect(applied.warnings.map((w) => w.message)).toEqual([
    `Ingress shop/web: Service shop/web port 80: endpoint address "10.0.64.99" is on no network interface in ${cluster.vpcId}, so no security group rule lets the load balancer reach it; the Service's other endpoints are served`,
  ]);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  // Target port 8080 and health check port 9090: one rule over the range.
  expect(await rulesText(podGroup)).toEqual([`tcp 8080-9090 <- ${backendId} (ours)`]);
  expect(await rulesText(extra)).toEqual([]);
});

it('leaves a custom frontend group alone unless manage-backend-security-group-rules is "true"', async () => {
  const nodes = await nodeGroup();
  await interfaceWithPrimary('10.0.64.30', [nodes]);
  const frontend = await securityGroup('frontend');
  const custom = (manage: boolean) =>
    snapshot({
      ingresses: [
        {
          ...shop,
          metadata: {
            ...shop.metadata,
            annotations: { 'alb.ingress.kubernetes.io/security-groups': frontend, ...(manage ? { 'alb.ingress.kubernetes.io/manage-backend-security-group-rules': 'true' } : {}) },
          },
        },
      ],
      services: [service({ namespace: 'shop' })],
      endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.30'] }] })],
    });

  expect((await cluster.run(custom(false), 'apply', managed)).errors).toEqual([]);
  expect(await loadBalancerGroups('shop/web')).toEqual([frontend]);
  expect(await backendGroups()).toEqual([]);
  expect(await rulesText(nodes)).toEqual([]);

  expect((await cluster.run(custom(true), 'apply', managed)).errors).toEqual([]);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  expect(await loadBalancerGroups('shop/web')).toEqual([backendId, frontend].sort());
  expect(await rulesText(nodes)).toEqual([`tcp 8080-8080 <- ${backendId} (ours)`]);
});

it('revokes its rules and deletes the backend group once no load balancer uses it, keeping rules it did not add', async () => {
  const nodes = await nodeGroup();
  await interfaceWithPrimary('10.0.64.40', [nodes]);
  const view = shopWith([{ addresses: ['10.0.64.40'] }]);
  await cluster.run(view, 'apply', managed);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  // Someone else's rule on the node group: SSH from the VPC.
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nodes, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
  expect(await rulesText(nodes)).toEqual([`tcp 22-22 <- 10.0.0.0/16`, `tcp 8080-8080 <- ${backendId} (ours)`]);

  const empty = snapshot({ ingresses: [], services: [], endpointSlices: [] });
  // plan says so before: the rule and the backend group go with the load balancer.
  const planned = await cluster.run(empty, 'plan', managed);
  expect(planned.groups.flatMap((g) => g.changes).map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(
    expect.arrayContaining([`delete security-group-rule ${nodes}/tcp/8080`, 'delete security-group backend-sg']),
  );
  const removed = await cluster.run(empty, 'apply', managed);
  expect(removed.groups.every((g) => g.failure === null)).toBe(true);
  expect(await readAlb(cluster, 'shop/web')).toBeNull();
  expect(await backendGroups()).toEqual([]);
  expect(await rulesText(nodes)).toEqual([`tcp 22-22 <- 10.0.0.0/16`]);
});

it('with --enable-backend-security-group=false creates no backend group and adds no rule', async () => {
  const nodes = await nodeGroup();
  await interfaceWithPrimary('10.0.64.50', [nodes]);
  const view = shopWith([{ addresses: ['10.0.64.50'] }]);
  const applied = await cluster.run(view, 'apply', { backendSecurityGroup: { kind: 'off' } });
  expect(applied.errors).toEqual([]);
  expect(await backendGroups()).toEqual([]);
  expect(await loadBalancerGroups('shop/web')).toHaveLength(1);
  expect(await rulesText(nodes)).toEqual([]);
});

it('narrows a rule when a Service port goes, and moves it when the pods move to another security group', async () => {
  const nodes = await nodeGroup();
  const other = await securityGroup('other-nodes', { [`kubernetes.io/cluster/${cluster.clusterName}`]: 'owned' });
  await interfaceWithPrimary('10.0.64.60', [nodes]);
  await interfaceWithPrimary('10.0.64.61', [other]);
  const twoPorts = snapshot({
    ingresses: [ingress({ name: 'web', namespace: 'shop', host: 'shop.example.com', paths: [{ path: '/' }, { path: '/admin', service: 'admin' }] })],
    services: [service({ namespace: 'shop' }), service({ namespace: 'shop', name: 'admin', ports: [{ name: 'http', port: 80, targetPort: 9000 }] })],
    endpointSlices: [
      endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.60'] }] }),
      endpointSlice({ namespace: 'shop', service: 'admin', ports: [{ name: 'http', port: 9000 }], endpoints: [{ addresses: ['10.0.64.60'] }] }),
    ],
  });
  await cluster.run(twoPorts, 'apply', managed);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  expect(await rulesText(nodes)).toEqual([`tcp 8080-9000 <- ${backendId} (ours)`]);

  const moved = shopWith([{ addresses: ['10.0.64.61'] }]);
  await cluster.run(moved, 'apply', managed);
  expect(await rulesText(nodes)).toEqual([]);
  expect(await rulesText(other)).toEqual([`tcp 8080-8080 <- ${backendId} (ours)`]);
});

it('plan shows the backend group and its rules before they exist, and changes nothing', async () => {
  const nodes = await nodeGroup();
  await interfaceWithPrimary('10.0.64.70', [nodes]);
  const view = shopWith([{ addresses: ['10.0.64.70'] }]);
  const planned = await cluster.run(view, 'plan', managed);
  const changes = planned.groups.flatMap((g) => g.changes).map((c) => `${c.action} ${c.kind} ${c.id}`);
  expect(changes).toContain('create security-group backend-sg');
  expect(changes).toContain(`create security-group-rule ${nodes}/tcp/8080`);
  expect(cluster.aws.calls.changingOperations()).toEqual([]);
  expect(await backendGroups()).toEqual([]);
});

it('with a frozen member, still opens the security groups of the other members\' new pods, and narrows nothing the frozen one may use', async () => {
  const nodes = await nodeGroup();
  const other = await securityGroup('other-nodes', { [`kubernetes.io/cluster/${cluster.clusterName}`]: 'owned' });
  await interfaceWithPrimary('10.0.64.80', [nodes]);
  await interfaceWithPrimary('10.0.64.81', [nodes]);
  await interfaceWithPrimary('10.0.64.82', [other]);
  const web = ingress({ name: 'web', namespace: 'shop', host: 'shop.example.com', annotations: { 'group.name': 'shop' } });
  const admin = (annotations: Record<string, string>) => ingress({ name: 'admin', namespace: 'shop', host: 'admin.example.com', annotations: { 'group.name': 'shop', ...annotations }, paths: [{ path: '/', service: 'admin' }] });
  const services = [service({ namespace: 'shop' }), service({ namespace: 'shop', name: 'admin', ports: [{ name: 'http', port: 80, targetPort: 9000 }] })];
  const adminSlice = endpointSlice({ namespace: 'shop', service: 'admin', ports: [{ name: 'http', port: 9000 }], endpoints: [{ addresses: ['10.0.64.81'] }] });
  await cluster.run(snapshot({ ingresses: [web, admin({})], services, endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.80'] }] }), adminSlice] }), 'apply', managed);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  expect(await rulesText(nodes)).toEqual([`tcp 8080-9000 <- ${backendId} (ours)`]);

  // admin breaks (its rules stay frozen in AWS); web's pods move behind the other group.
  const broken = await cluster.run(
    snapshot({ ingresses: [web, admin({ 'healthcheck-interval-seconds': 'often' })], services, endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.82'] }] }), adminSlice] }),
    'apply',
    managed,
  );
  expect(broken.errors.map((e) => e.ingress)).toEqual(['shop/admin']);
  expect(await rulesText(other)).toEqual([`tcp 8080-8080 <- ${backendId} (ours)`]);
  // Not narrowed to admin's port: what the frozen member serves is not known to this run.
  expect(await rulesText(nodes)).toEqual([`tcp 8080-9000 <- ${backendId} (ours)`]);
});

it('with security groups for pods, finds the branch interface from the Pod\'s pod-eni annotation', async () => {
  const podGroup = await securityGroup('branch', { [`kubernetes.io/cluster/${cluster.clusterName}`]: 'owned' });
  // The pod IP as a secondary address: only the annotation leads to this interface here (the
  // address lookup matches primary addresses on the emulator).
  const branch = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: await subnetInVpc(), PrivateIpAddress: '10.0.64.90', Groups: [podGroup] }));
  const eniId = defined(branch.NetworkInterface?.NetworkInterfaceId, 'branch interface');
  await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, PrivateIpAddresses: ['10.0.64.91'] }));
  const annotated = pod({ name: 'web-1', namespace: 'shop' });
  const view = snapshot({
    ingresses: [shop],
    services: [service({ namespace: 'shop' })],
    endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.64.91'], pod: 'web-1' }] })],
    pods: [{ ...annotated, metadata: { ...annotated.metadata, annotations: { 'vpc.amazonaws.com/pod-eni': JSON.stringify([{ eniId, ifAddress: '02:00:00:00:00:01', privateIp: '10.0.64.91', vlanID: 1, subnetCidr: '10.0.64.0/18' }]) } } }],
  });
  const applied = await cluster.run(view, 'apply', managed);
  expect(applied.warnings).toEqual([]);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  expect(await rulesText(podGroup)).toEqual([`tcp 8080-8080 <- ${backendId} (ours)`]);
});

it('moving to --backend-security-group moves the rules and deletes the group Albatross made; a group that does not exist is named', async () => {
  const nodes = await nodeGroup();
  await interfaceWithPrimary('10.0.64.100', [nodes]);
  const view = shopWith([{ addresses: ['10.0.64.100'] }]);
  await cluster.run(view, 'apply', managed);
  const madeId = defined((await backendGroups())[0], 'the backend security group').id;
  const own = await securityGroup('own-backend');
  const given = { backendSecurityGroup: { kind: 'given', groupId: own } } as const;

  const planned = await cluster.run(view, 'plan', given);
  expect(planned.groups.flatMap((g) => g.changes).map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(
    expect.arrayContaining([`create security-group-rule ${nodes}/tcp/8080`, `delete security-group-rule ${nodes}/tcp/8080`, 'delete security-group backend-sg']),
  );
  const moved = await cluster.run(view, 'apply', given);
  expect(moved.groups.every((g) => g.failure === null)).toBe(true);
  expect(await loadBalancerGroups('shop/web')).toContain(own);
  expect(await loadBalancerGroups('shop/web')).not.toContain(madeId);
  expect(await rulesText(nodes)).toEqual([`tcp 8080-8080 <- ${own} (ours)`]);
  expect(await backendGroups()).toEqual([]);
  // The given group itself is used as it is.
  expect(await rulesText(own)).toEqual([]);
  await cluster.run(view, 'apply', given);
  expect(cluster.aws.calls.changingOperations()).toEqual([]);

  const missing = await cluster.run(view, 'apply', { backendSecurityGroup: { kind: 'given', groupId: 'sg-0123456789abcdef0' } });
  expect(missing.groups.map((g) => g.failure?.message).filter((m) => m !== undefined)).toEqual([
    expect.stringContaining('--backend-security-group: security group sg-0123456789abcdef0 does not exist'),
  ]);
});

it('a security group that refuses its rule is a warning naming it; the other groups get theirs', async () => {
  const nodes = await nodeGroup();
  const full = await securityGroup('full', { [`kubernetes.io/cluster/${cluster.clusterName}`]: 'owned' });
  // 60 inbound rules: the quota AWS (and the emulator) enforce.
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({ GroupId: full, IpPermissions: Array.from({ length: 60 }, (_, i) => ({ IpProtocol: 'tcp', FromPort: 1000 + i, ToPort: 1000 + i, IpRanges: [{ CidrIp: '10.0.0.0/16' }] })) }),
  );
  await interfaceWithPrimary('10.0.64.110', [full]);
  await interfaceWithPrimary('10.0.64.111', [nodes]);
  const view = shopWith([{ addresses: ['10.0.64.110'] }, { addresses: ['10.0.64.111'] }]);
  const applied = await cluster.run(view, 'apply', managed);
  expect(applied.groups.every((g) => g.failure === null)).toBe(true);
  expect(applied.warnings.map((w) => w.message)).toEqual([expect.stringMatching(new RegExp(`^Ingress shop/web: Service shop/web port 80: security group ${full}, on the network interface of endpoint address "10\\.0\\.64\\.110", refused the rule that lets the load balancer reach it: AuthorizeSecurityGroupIngress failed: RulesPerSecurityGroupLimitExceeded`))]);
  const backendId = defined((await backendGroups())[0], 'the backend security group').id;
  expect(await rulesText(nodes)).toEqual([`tcp 8080-8080 <- ${backendId} (ours)`]);
});
