// The create of a load balancer trusts what AWS hands back only when it carries the group's
// cluster and group tags: AWS answers a create whose name is taken (with the same parameters)
// with the load balancer that has the name.
import { expect } from '@jest/globals';
import { createLoadBalancer, loadBalancerNameProblem } from '../../../src/apply/load-balancers.js';
import { ApplyState } from '../../../src/apply/state.js';
import type { OperationOf } from '../../../src/plan/operations.js';
import { awsError, fakeAws, type Handler } from '../fake-aws.js';

const arn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-prod/1';
const ours = { 'albatross.dev/cluster': 'prod', 'albatross.dev/group': 'shop', 'albatross.dev/resource': 'loadbalancer' };
const op: OperationOf<'createLoadBalancer'> = {
  op: 'createLoadBalancer',
  spec: {
    id: 'loadbalancer',
    name: 'shop-prod',
    scheme: 'internal',
    ipAddressType: 'ipv4',
    subnets: { kind: 'discover' },
    securityGroups: ['sg-1'],
    attributes: {},
    tags: ours,
  },
  subnetIds: ['subnet-a', 'subnet-b'],
  securityGroups: [],
};

const answering = (tags: Record<string, string>): Handler => (operation) => {
  if (operation === 'CreateLoadBalancer' || operation === 'DescribeLoadBalancers') return { LoadBalancers: [{ LoadBalancerArn: arn, DNSName: 'shop-prod-1.elb' }] };
  if (operation === 'DescribeTags') return { TagDescriptions: [{ ResourceArn: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] };
  throw new Error(`unexpected ${operation}`);
};

test('a load balancer handed back without our tags is refused, naming the name, and nothing is put on it', async () => {
  const fake = fakeAws(answering({ team: 'other' }));
  const state = new ApplyState(null);
  await expect(createLoadBalancer(fake.aws, state, op)).rejects.toMatchObject({
    code: 'aws-state',
    message: `load balancer name "shop-prod" is taken by ${arn}, which is not this group's (its tags: albatross.dev/cluster=(none), albatross.dev/group=(none); this group's: albatross.dev/cluster="prod", albatross.dev/group="shop"); set another name with annotation alb.ingress.kubernetes.io/load-balancer-name`,
  });
  expect(state.loadBalancerArn).toBeNull();
});

test("another group's load balancer of the same cluster is not ours either", async () => {
  const fake = fakeAws(answering({ ...ours, 'albatross.dev/group': 'blog' }));
  await expect(createLoadBalancer(fake.aws, new ApplyState(null), op)).rejects.toThrow('albatross.dev/group="blog"');
});

test('ours is taken', async () => {
  const fake = fakeAws(answering(ours));
  const state = new ApplyState(null);
  await createLoadBalancer(fake.aws, state, op);
  expect(state.loadBalancerArn).toBe(arn);
});

test('before the create: a name held by a load balancer that is not ours is a problem; a free name or our own is not', async () => {
  expect(await loadBalancerNameProblem(fakeAws(answering({})).aws, 'shop-prod', ours)).toContain('load balancer name "shop-prod" is taken by');
  expect(await loadBalancerNameProblem(fakeAws(answering(ours)).aws, 'shop-prod', ours)).toBeNull();
  const free = fakeAws(() => {
    throw awsError('LoadBalancerNotFoundException');
  });
  expect(await loadBalancerNameProblem(free.aws, 'shop-prod', ours)).toBeNull();
});
