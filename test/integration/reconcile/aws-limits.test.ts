// Input AWS would refuse part-way through an apply is caught before any AWS call: the group
// concerned changes nothing in AWS, its members are told, and the other groups are applied.
// Endpoint addresses ALB must not be sent traffic to are left out of the targets.
import { expect } from '@jest/globals';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { silentLogger } from '../../../src/observability/logger.js';
import { reconcileDeps } from '../../../src/pipeline/reconcile.js';
import { reconcileTargets } from '../../../src/pipeline/targets.js';
import { endpointSlice, ingress, service, snapshot } from '../../unit/factories.js';
import { awsClientConfig } from '../emulator/emulator.js';
import { readAlb, requireAlb, testCluster, type TestCluster } from './harness.js';

const services = [service({ namespace: 'shop', name: 'web' })];
const slices = (addresses: string[]): V1EndpointSlice[] => [endpointSlice({ namespace: 'shop', service: 'web', endpoints: [{ addresses }] })];
const member = (name: string, group: string, annotations: Record<string, string> = {}, path = `/${name}`) =>
  ingress({ namespace: 'shop', name, annotations: { 'group.name': group, ...annotations }, paths: [{ path, service: 'web' }] });
const tags = (n: number): string => Array.from({ length: n }, (_, i) => `t${i}=v`).join(',');
const ports = (n: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ HTTP: 8000 + i })));

describe('AWS limits checked before any AWS call', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('limits');
  });
  afterEach(() => cluster.close());

  it('groups over a quota or with refused values change nothing in AWS; the valid group is applied', async () => {
    const view = snapshot({
      ingresses: [
        member('ok', 'good'),
        member('tagged', 'tagged', { tags: tags(48) }),
        member('ports', 'ports', { 'listen-ports': ports(60) }),
        member('one', 'one', { 'load-balancer-name': `dup-${process.pid}` }),
        member('two', 'two', { 'load-balancer-name': `dup-${process.pid}` }),
        member('attrs', 'attrs', { 'target-group-attributes': 'foo.bar=1' }),
        ingress({ namespace: 'shop', name: 'regex', annotations: { 'group.name': 'regex' }, paths: [{ path: '/(.*)', pathType: 'ImplementationSpecific', service: 'web' }] }),
      ],
      services,
      endpointSlices: slices(['10.0.1.10']),
    });

    // plan says so first, without a change
    const planned = await cluster.run(view, 'plan');
    expect(cluster.aws.calls.changing).toBe(0);
    const expected: [string, string][] = [
      ['shop/attrs', 'has key "foo.bar", which is not an attribute'],
      ['shop/one', `load balancer name "dup-${process.pid}" is also asked for by group alb:two (Ingress shop/two)`],
      ['shop/ports', 'group alb:ports needs 60 listeners'],
      ['shop/regex', 'path "/(.*)" has the character "("'],
      ['shop/tagged', 'group alb:tagged needs 52 tags on the load balancer'],
      ['shop/two', `load balancer name "dup-${process.pid}" is also asked for by group alb:one (Ingress shop/one)`],
    ];
    const shown = (errors: readonly { ingress: string; message: string }[]) => [...errors].sort((a, b) => a.ingress.localeCompare(b.ingress));
    expect(shown(planned.errors)).toEqual(expected.map(([ingress, text]) => expect.objectContaining({ ingress, message: expect.stringContaining(text) })));

    const applied = await cluster.run(view);
    expect(shown(applied.errors)).toEqual(shown(planned.errors));
    // Only the valid group's resources were made: one security group, one target group, one load balancer.
    const ops = cluster.aws.calls.changingOperations();
    expect(ops.filter((o) => o === 'CreateSecurityGroup')).toHaveLength(1);
    expect(ops.filter((o) => o === 'CreateTargetGroup')).toHaveLength(1);
    expect(ops.filter((o) => o === 'CreateLoadBalancer')).toHaveLength(1);
    await requireAlb(cluster, 'good');
    for (const group of ['tagged', 'ports', 'one', 'two', 'attrs', 'regex']) expect([group, await readAlb(cluster, group)]).toEqual([group, null]);
  });

  it('a load balancer name held by a load balancer that is not ours is an error naming the name, before any change', async () => {
    const ec2 = new EC2Client(awsClientConfig());
    try {
      const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [cluster.vpcId] }] }))).Subnets ?? [];
      const name = `taken-${process.pid}-${Date.now().toString(36)}`.slice(0, 32);
      await cluster.elbv2.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets.slice(0, 2).map((s) => s.SubnetId ?? ''), Scheme: 'internal', Type: 'application' }));

      const view = snapshot({ ingresses: [member('mine', 'mine', { 'load-balancer-name': name }), member('ok', 'good')], services, endpointSlices: slices(['10.0.1.10']) });
      const result = await cluster.run(view);
      expect(result.errors).toEqual([expect.objectContaining({ ingress: 'shop/mine', message: expect.stringContaining(`load balancer name "${name}" is taken by arn:aws:elasticloadbalancing:`) })]);
      expect(result.groups.find((g) => g.name === 'alb:mine')?.failure).toEqual(expect.objectContaining({ code: 'aws-state' }));
      expect(cluster.aws.calls.changingOperations().filter((o) => o === 'CreateLoadBalancer')).toHaveLength(1);
      expect(await readAlb(cluster, 'mine')).toBeNull();
      await requireAlb(cluster, 'good');
    } finally {
      ec2.destroy();
    }
  });
});

describe('targets only where a load balancer may send traffic', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('targets');
  });
  afterEach(() => cluster.close());

  const registered = async (): Promise<string[]> => {
    const tgs = (await cluster.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const alb = await requireAlb(cluster, 'shop');
    const mine = tgs.filter((t) => alb.targetGroupNames.has(t.TargetGroupArn ?? ''));
    const out: string[] = [];
    for (const tg of mine) out.push(...((await cluster.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? []).map((d) => d.Target?.Id ?? ''));
    return out.sort();
  };

  it('registers only VPC and private addresses, warning of each other one by Service, in the full and the endpoint-only reconcile', async () => {
    const view = snapshot({ ingresses: [member('web', 'shop')], services, endpointSlices: slices(['10.0.1.10', '127.0.0.1', '169.254.169.254', '8.8.8.8']) });
    const result = await cluster.run(view);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toEqual(
      ['8.8.8.8', '127.0.0.1', '169.254.169.254'].map((ip) => expect.stringMatching(new RegExp(`^Ingress shop/web: Service shop/web port 80: endpoint address "${ip.replace(/\./g, '\\.')}" is not registered as a target: ALB takes IP targets only from the subnets of ${cluster.vpcId} \\(`))),
    );
    expect(await registered()).toEqual(['10.0.1.10']);

    // Only the endpoints change: the endpoint-only path filters the same way.
    const moved = snapshot({ ingresses: [member('web', 'shop')], services, endpointSlices: slices(['10.0.1.10', '10.0.1.11', '169.254.169.254']) });
    cluster.aws.calls.reset();
    const deps = reconcileDeps(cluster.aws, { clusterName: cluster.clusterName, vpcId: cluster.vpcId, mode: 'apply', logger: silentLogger() });
    const targets = await reconcileTargets(moved, 'alb:shop', new Set(['shop/web']), deps);
    expect(targets).toEqual(
      expect.objectContaining({
        kind: 'done',
        failure: null,
        warnings: [expect.objectContaining({ ingress: 'shop/web', message: expect.stringContaining('endpoint address "169.254.169.254" is not registered') })],
      }),
    );
    expect(cluster.aws.calls.changingOperations()).toEqual(['RegisterTargets']);
    expect(await registered()).toEqual(['10.0.1.10', '10.0.1.11']);
  });
});
