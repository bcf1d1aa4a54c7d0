// Observing one group reads what the Tagging API says the group owns, and nothing else: no
// listing of the account, attributes only where asked, and a resource deleted since it was
// tagged does not break the read.
import { listGroups, observeGroup } from '../../../src/observe/group.js';
import { awsError, fakeAws, type RecordedCall } from '../fake-aws.js';

const lbArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-shop-1/aaa';
const tgArn = (n: number): string => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/k8s-shop-${n}/bbb${n}`;
const listenerArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/k8s-shop-1/aaa/l80';
const ruleArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/k8s-shop-1/aaa/l80/r1';
const tags = (resource: string): { Key: string; Value: string }[] => [
  { Key: 'albatross.dev/cluster', Value: 'prod' },
  { Key: 'albatross.dev/group', Value: 'shop' },
  { Key: 'albatross.dev/resource', Value: resource },
];

/** AWS holding one group: a load balancer with one listener and one rule, and target groups. */
function group(targetGroups: readonly string[], gone: ReadonlySet<string> = new Set()) {
  return (operation: string, input: Record<string, unknown>): unknown => {
    switch (operation) {
      case 'GetResources':
        return {
          ResourceTagMappingList: [
            { ResourceARN: lbArn, Tags: tags('loadbalancer') },
            ...targetGroups.map((arn, i) => ({ ResourceARN: arn, Tags: tags(`tg/shop/web:${80 + i}/HTTP-HTTP1-ip`) })),
          ],
        };
      case 'DescribeSecurityGroups':
        return { SecurityGroups: [] };
      case 'DescribeLoadBalancers':
        return { LoadBalancers: [{ LoadBalancerArn: lbArn, Type: 'application', DNSName: 'k8s-shop-1.elb.example', Scheme: 'internet-facing' }] };
      case 'DescribeListeners':
        return { Listeners: [{ ListenerArn: listenerArn, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }] };
      case 'DescribeRules':
        return {
          Rules: [
            { RuleArn: ruleArn, Priority: '100', Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api'] } }], Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] },
            { RuleArn: `${ruleArn}-default`, Priority: 'default', IsDefault: true, Actions: [] },
          ],
        };
      case 'DescribeTags':
        return { TagDescriptions: (input['ResourceArns'] as string[]).map((arn) => ({ ResourceArn: arn, Tags: tags(arn === ruleArn ? 'rule/80/x' : 'listener/80') })) };
      case 'DescribeTargetGroups': {
        const arns = input['TargetGroupArns'] as string[];
        if (arns.some((a) => gone.has(a))) throw awsError('TargetGroupNotFound');
        return { TargetGroups: arns.map((arn) => ({ TargetGroupArn: arn, TargetType: 'ip', Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1' })) };
      }
      case 'DescribeTargetHealth':
        return { TargetHealthDescriptions: [{ Target: { Id: '10.0.0.1', Port: 8080 }, TargetHealth: { State: 'healthy' } }] };
      case 'DescribeTargetGroupAttributes':
      case 'DescribeLoadBalancerAttributes':
        return { Attributes: [] };
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
}

const ops = (calls: readonly RecordedCall[]): string[] => calls.map((c) => c.operation).sort();

test('reads the group found by its two ownership tags, and only the group', async () => {
  const fake = fakeAws(group([tgArn(1), tgArn(2)]));
  const stack = await observeGroup(fake.aws, 'prod', 'shop', { loadBalancer: false, targetGroups: new Set() });

  expect(fake.calls[0]).toEqual({
    service: 'tagging',
    operation: 'GetResources',
    input: {
      ResourceTypeFilters: ['elasticloadbalancing:loadbalancer', 'elasticloadbalancing:targetgroup'],
      TagFilters: [
        { Key: 'albatross.dev/cluster', Values: ['prod'] },
        { Key: 'albatross.dev/group', Values: ['shop'] },
      ],
    },
  });
  expect(fake.calls.find((c) => c.operation === 'DescribeSecurityGroups')?.input).toEqual({
    Filters: [
      { Name: 'tag:albatross.dev/cluster', Values: ['prod'] },
      { Name: 'tag:albatross.dev/group', Values: ['shop'] },
    ],
  });
  expect(fake.calls.find((c) => c.operation === 'DescribeLoadBalancers')?.input).toEqual({ LoadBalancerArns: [lbArn] });
  expect(ops(fake.calls)).toEqual([
    'DescribeListeners',
    'DescribeLoadBalancers',
    'DescribeRules',
    'DescribeSecurityGroups',
    'DescribeTags',
    'DescribeTargetGroups',
    'DescribeTargetHealth',
    'DescribeTargetHealth',
    'GetResources',
  ]);
  expect(stack?.loadBalancer?.arn).toBe(lbArn);
  expect(stack?.rules.map((r) => [r.id, r.priority])).toEqual([['rule/80/x', 100]]);
  expect(stack?.targetGroups.map((t) => t.arn)).toEqual([tgArn(1), tgArn(2)]);
});

test('reads attributes only where the group sets some', async () => {
  const fake = fakeAws(group([tgArn(1), tgArn(2)]));
  await observeGroup(fake.aws, 'prod', 'shop', { loadBalancer: true, targetGroups: new Set(['tg/shop/web:81/HTTP-HTTP1-ip']) });
  expect(fake.calls.filter((c) => c.operation.endsWith('Attributes')).map((c) => [c.operation, c.input])).toEqual([
    ['DescribeLoadBalancerAttributes', { LoadBalancerArn: lbArn }],
    ['DescribeTargetGroupAttributes', { TargetGroupArn: tgArn(2) }],
  ]);
});

test('a target group deleted since the Tagging API listed it is left out, the rest read one by one', async () => {
  const fake = fakeAws(group([tgArn(1), tgArn(2)], new Set([tgArn(1)])));
  const stack = await observeGroup(fake.aws, 'prod', 'shop', { loadBalancer: false, targetGroups: new Set() });
  expect(stack?.targetGroups.map((t) => t.arn)).toEqual([tgArn(2)]);
  expect(fake.calls.filter((c) => c.operation === 'DescribeTargetGroups').map((c) => c.input['TargetGroupArns'])).toEqual([[tgArn(1), tgArn(2)], [tgArn(1)], [tgArn(2)]]);
});

test('a group with nothing in AWS is null after the two lookups', async () => {
  const fake = fakeAws((operation) => (operation === 'GetResources' ? { ResourceTagMappingList: [] } : { SecurityGroups: [] }));
  expect(await observeGroup(fake.aws, 'prod', 'shop')).toBeNull();
  expect(ops(fake.calls)).toEqual(['DescribeSecurityGroups', 'GetResources']);
});

test("the cluster's groups come from the cluster tag, every page, security groups included", async () => {
  const fake = fakeAws((operation, input) => {
    if (operation === 'GetResources') {
      return input['PaginationToken'] === undefined
        ? { ResourceTagMappingList: [{ ResourceARN: lbArn, Tags: tags('loadbalancer') }], PaginationToken: 'p2' }
        : { ResourceTagMappingList: [{ ResourceARN: tgArn(9), Tags: [{ Key: 'albatross.dev/cluster', Value: 'prod' }, { Key: 'albatross.dev/group', Value: 'blog' }] }], PaginationToken: '' };
    }
    return { SecurityGroups: [{ GroupId: 'sg-1', Tags: [{ Key: 'albatross.dev/cluster', Value: 'prod' }, { Key: 'albatross.dev/group', Value: 'ns/lone' }] }] };
  });
  expect(await listGroups(fake.aws, 'prod')).toEqual(['blog', 'ns/lone', 'shop']);
  expect(fake.calls.filter((c) => c.operation === 'GetResources').map((c) => c.input['TagFilters'])).toEqual([
    [{ Key: 'albatross.dev/cluster', Values: ['prod'] }],
    [{ Key: 'albatross.dev/cluster', Values: ['prod'] }],
  ]);
});
