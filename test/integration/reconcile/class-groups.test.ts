// A group belongs to one IngressClass: an Ingress of another class of ours that names the same
// group.name gets a load balancer of its own, so a class's IngressClassParams and their
// namespaceSelector really bound who may join its groups. Groups made before groups were keyed
// by class are taken over in place, not made again.
import { DescribeListenersCommand, DescribeRulesCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { DeleteTagsCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { expect } from '@jest/globals';
import { listGroups } from '../../../src/observe/group.js';
import { endpointSlice, ingress, ingressClass, ingressClassParams, namespace, service, snapshot } from '../../unit/factories.js';
import { awsClientConfig } from '../emulator/emulator.js';
import { readAlb, requireAlb, route, testCluster, type TestCluster } from './harness.js';

const classes = [ingressClass({ name: 'team', params: 'shop-only' }), ingressClass({ name: 'open' })];
const params = [ingressClassParams('shop-only', { namespaceSelector: { matchLabels: { team: 'shop' } } })];
const namespaces = [namespace('shop', { team: 'shop' }), namespace('evil', {})];
const services = [service({ namespace: 'shop', name: 'web' }), service({ namespace: 'evil', name: 'steal' })];
const slices = [
  endpointSlice({ namespace: 'shop', service: 'web', endpoints: [{ addresses: ['10.0.1.10'] }] }),
  endpointSlice({ namespace: 'evil', service: 'steal', endpoints: [{ addresses: ['10.0.9.9'] }] }),
];
const shop = ingress({ namespace: 'shop', name: 'web', className: 'team', host: 'shop.example.com', annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'web' }] });
const takeover = ingress({
  namespace: 'evil',
  name: 'takeover',
  className: 'open',
  host: 'shop.example.com',
  annotations: { 'group.name': 'shop', 'group.order': '-1000', 'load-balancer-attributes': 'access_logs.s3.enabled=true,access_logs.s3.bucket=attacker-logs' },
  paths: [{ path: '/', service: 'steal' }],
});

/** Removes the class tag from every resource of the cluster, as an earlier version made them. */
async function stripClassTags(cluster: TestCluster): Promise<void> {
  const tagging = new ResourceGroupsTaggingAPIClient(awsClientConfig());
  const ec2 = new EC2Client(awsClientConfig());
  try {
    const owned = (await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['elasticloadbalancing'], TagFilters: [{ Key: 'albatross.dev/cluster', Values: [cluster.clusterName] }] }))).ResourceTagMappingList ?? [];
    const loadBalancers = owned.map((r) => r.ResourceARN ?? '').filter((arn) => arn.includes(':loadbalancer/'));
    const children: string[] = [];
    for (const arn of loadBalancers) {
      for (const listener of (await cluster.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? []) {
        children.push(listener.ListenerArn ?? '');
        const rules = (await cluster.elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? [];
        children.push(...rules.filter((r) => r.IsDefault !== true).map((r) => r.RuleArn ?? ''));
      }
    }
    for (const arn of [...owned.map((r) => r.ResourceARN ?? ''), ...children]) await cluster.elbv2.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: ['albatross.dev/ingress-class'] }));
    const sgs = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster.clusterName] }] }))).SecurityGroups ?? [];
    for (const sg of sgs) await ec2.send(new DeleteTagsCommand({ Resources: [sg.GroupId ?? ''], Tags: [{ Key: 'albatross.dev/ingress-class' }] }));
  } finally {
    tagging.destroy();
    ec2.destroy();
  }
}

describe('a group belongs to one IngressClass', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('classes');
  });
  afterEach(() => cluster.close());

  it('an Ingress of another class naming the same group.name gets its own load balancer and takes nothing of the group', async () => {
    const result = await cluster.run(snapshot({ ingresses: [shop, takeover], ingressClasses: classes, ingressClassParams: params, namespaces, services, endpointSlices: slices }));
    expect(result.errors).toEqual([]);
    expect(result.groups.map((g) => [g.name, g.ingresses])).toEqual([
      ['open:shop', ['evil/takeover']],
      ['team:shop', ['shop/web']],
    ]);
    const team = await requireAlb(cluster, 'team:shop');
    const open = await requireAlb(cluster, 'open:shop');
    expect(team.arn).not.toBe(open.arn);
    // The shop team's load balancer still serves its own Service, with none of the other's attributes.
    expect(route(team, 80, 'shop.example.com', '/')).toMatch(/^forward k8s-shop-web-/);
    expect(await listGroups(cluster.aws, cluster.clusterName)).toEqual(['open:shop', 'team:shop']);
  });

  it('a group made before groups were keyed by class is taken over in place: same load balancer, class tag added, nothing created or deleted', async () => {
    const only = { ingresses: [shop], ingressClasses: classes, ingressClassParams: params, namespaces, services, endpointSlices: slices };
    await cluster.run(snapshot(only));
    const before = await requireAlb(cluster, 'team:shop');
    // As an earlier version left it: the same resources without the class tag.
    await stripClassTags(cluster);
    expect(await listGroups(cluster.aws, cluster.clusterName)).toEqual(['shop']);

    // The group of that name, keyed by class now, takes it over; the class-less key is left alone.
    const result = await cluster.run(snapshot(only));
    expect(result.groups.map((g) => [g.name, g.leftAsIs])).toEqual([
      ['shop', 'taken over by group team:shop'],
      ['team:shop', null],
    ]);
    const changing = cluster.aws.calls.changingOperations();
    expect(changing.filter((op) => /^(Create|Delete)/.test(op) && op !== 'CreateTags')).toEqual([]);
    const after = await requireAlb(cluster, 'team:shop');
    expect(after.arn).toBe(before.arn);
    expect(await listGroups(cluster.aws, cluster.clusterName)).toEqual(['team:shop']);
    // A second run changes nothing.
    await cluster.run(snapshot(only));
    expect(cluster.aws.calls.changing).toBe(0);
    expect(await readAlb(cluster, 'shop')).not.toBeNull();
  });
});

describe('a group made before groups were keyed by class, with members of two classes', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('adopt');
  });
  afterEach(() => cluster.close());

  it('stays with the class whose Ingresses own most of its rules, even when another class sorts first', async () => {
    const zeta = ingressClass({ name: 'zeta' });
    const alpha = ingressClass({ name: 'alpha' });
    const member = (ns: string, name: string, className: string, host: string) =>
      ingress({ namespace: ns, name, className, host, annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'web' }] });
    const world = (ingresses: ReturnType<typeof member>[]) =>
      snapshot({
        ingresses,
        ingressClasses: [zeta, alpha],
        services: [service({ namespace: 'prod', name: 'web' }), service({ namespace: 'sandbox', name: 'web' })],
        endpointSlices: [endpointSlice({ namespace: 'prod', service: 'web', endpoints: [{ addresses: ['10.0.1.10'] }] }), endpointSlice({ namespace: 'sandbox', service: 'web', endpoints: [{ addresses: ['10.0.1.20'] }] })],
      });
    // Before: one load balancer for group.name shop, with the rules of all three Ingresses.
    await cluster.run(world([member('prod', 'main', 'zeta', 'prod.example.com'), member('prod', 'api', 'zeta', 'api.example.com'), member('sandbox', 'try', 'zeta', 'try.example.com')]));
    const before = await requireAlb(cluster, 'shop');
    await stripClassTags(cluster);

    // After the upgrade the sandbox Ingress is of class alpha, which sorts before zeta.
    const result = await cluster.run(world([member('prod', 'main', 'zeta', 'prod.example.com'), member('prod', 'api', 'zeta', 'api.example.com'), member('sandbox', 'try', 'alpha', 'try.example.com')]));
    expect(result.errors).toEqual([]);
    const kept = await requireAlb(cluster, 'zeta:shop');
    expect(kept.arn).toBe(before.arn);
    expect(route(kept, 80, 'prod.example.com', '/')).toMatch(/^forward k8s-prod-web-/);
    expect(route(kept, 80, 'api.example.com', '/')).toMatch(/^forward k8s-prod-web-/);
    const own = await requireAlb(cluster, 'alpha:shop');
    expect(own.arn).not.toBe(before.arn);
    expect(route(own, 80, 'try.example.com', '/')).toMatch(/^forward k8s-sandbox-web-/);
    expect(cluster.aws.calls.changingOperations().filter((op) => op === 'DeleteLoadBalancer')).toEqual([]);
  });
});
