import { expect } from '@jest/globals';
import { discoverNetwork, selectSubnets, type Network, type SubnetInfo } from '../../../src/observe/network.js';
import { fakeAws } from '../fake-aws.js';

const subnet = (id: string, zone: string, tags: Record<string, string>, availableIps = 100): SubnetInfo => ({
  id,
  vpcId: 'vpc-1',
  zone,
  name: tags.Name ?? null,
  tags,
  availableIps,
});
const pub = { 'kubernetes.io/role/elb': '1' };
const priv = { 'kubernetes.io/role/internal-elb': '1' };

const network = (subnets: SubnetInfo[]): Network => ({ vpcId: 'vpc-1', subnets });

describe('selectSubnets', () => {
  it('discovers one subnet per zone by the scheme role tag', () => {
    const net = network([
      subnet('subnet-a1', 'us-east-1a', pub),
      subnet('subnet-b1', 'us-east-1b', pub),
      subnet('subnet-a2', 'us-east-1a', priv),
      subnet('subnet-b2', 'us-east-1b', priv),
    ]);
    expect(selectSubnets({ kind: 'discover' }, 'internet-facing', net, 'prod')).toEqual({ ok: true, value: ['subnet-a1', 'subnet-b1'] });
    expect(selectSubnets({ kind: 'discover' }, 'internal', net, 'prod')).toEqual({ ok: true, value: ['subnet-a2', 'subnet-b2'] });
  });

  it('skips subnets tagged for another cluster only, and prefers ours, then the most free addresses', () => {
    const net = network([
      subnet('subnet-a1', 'us-east-1a', { ...pub, 'kubernetes.io/cluster/other': 'owned' }),
      subnet('subnet-a2', 'us-east-1a', { ...pub }, 500),
      subnet('subnet-a3', 'us-east-1a', { ...pub, 'kubernetes.io/cluster/prod': 'shared' }, 10),
      subnet('subnet-b1', 'us-east-1b', { ...pub }, 50),
      subnet('subnet-b2', 'us-east-1b', { ...pub }, 60),
    ]);
    expect(selectSubnets({ kind: 'discover' }, 'internet-facing', net, 'prod')).toEqual({ ok: true, value: ['subnet-a3', 'subnet-b2'] });
  });

  it('needs two zones, and says which tag to set when none is found', () => {
    const one = selectSubnets({ kind: 'discover' }, 'internet-facing', network([subnet('subnet-a1', 'us-east-1a', pub)]), 'prod');
    expect(one).toEqual({ ok: false, error: expect.stringContaining('at least two zones') });
    const none = selectSubnets({ kind: 'discover' }, 'internal', network([subnet('subnet-a1', 'us-east-1a', pub)]), 'prod');
    expect(none).toEqual({ ok: false, error: expect.stringContaining('kubernetes.io/role/internal-elb=1') });
  });

  it('resolves subnets named in the annotation by id or Name tag, and names the one it cannot find', () => {
    const net = network([subnet('subnet-a1', 'us-east-1a', { Name: 'public-a' }), subnet('subnet-b1', 'us-east-1b', {})]);
    expect(selectSubnets({ kind: 'named', refs: ['public-a', 'subnet-b1'] }, 'internal', net, 'prod')).toEqual({ ok: true, value: ['subnet-a1', 'subnet-b1'] });
    expect(selectSubnets({ kind: 'named', refs: ['public-z'] }, 'internal', net, 'prod')).toEqual({
      ok: false,
      error: 'annotation alb.ingress.kubernetes.io/subnets: subnet "public-z" not found in vpc-1',
    });
  });
});

describe('discoverNetwork without a VPC id', () => {
  const tagged = (id: string, vpc: string, tags: Record<string, string>) => ({
    SubnetId: id,
    VpcId: vpc,
    AvailabilityZone: 'us-east-1a',
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  });
  /** Answers DescribeSubnets by its one tag-key value, or by vpc-id. */
  const ec2With = (subnets: ReturnType<typeof tagged>[]) =>
    fakeAws((_operation, input) => {
      const [filter] = input['Filters'] as { Name: string; Values: string[] }[];
      if (filter?.Name === 'vpc-id') return { Subnets: subnets.filter((s) => filter.Values.includes(s.VpcId)) };
      // As the emulator does: a tag-key filter with two values finds nothing.
      if (filter?.Values.length !== 1) return { Subnets: [] };
      return { Subnets: subnets.filter((s) => s.Tags.some((t) => t.Key === filter.Values[0])) };
    });

  it('asks for each role tag in a call of its own and takes the one VPC they are in', async () => {
    const fake = ec2With([tagged('subnet-1', 'vpc-a', pub), tagged('subnet-2', 'vpc-a', priv), tagged('subnet-3', 'vpc-b', {})]);
    const network = await discoverNetwork(fake.aws, { clusterName: 'prod' });
    expect(network.vpcId).toBe('vpc-a');
    expect(network.subnets.map((s) => s.id)).toEqual(['subnet-1', 'subnet-2']);
    expect(fake.calls.map((c) => c.input['Filters'])).toEqual([
      [{ Name: 'tag-key', Values: ['kubernetes.io/role/elb'] }],
      [{ Name: 'tag-key', Values: ['kubernetes.io/role/internal-elb'] }],
      [{ Name: 'vpc-id', Values: ['vpc-a'] }],
    ]);
  });

  it('prefers the VPC whose tagged subnets carry the cluster tag', async () => {
    const fake = ec2With([
      tagged('subnet-1', 'vpc-a', { ...pub, 'kubernetes.io/cluster/other': 'owned' }),
      tagged('subnet-2', 'vpc-b', { ...priv, 'kubernetes.io/cluster/prod': 'shared' }),
      tagged('subnet-3', 'vpc-c', pub),
    ]);
    expect((await discoverNetwork(fake.aws, { clusterName: 'prod' })).vpcId).toBe('vpc-b');
  });

  it('names the VPCs and says how to choose when none, or more than one, is the cluster\'s', async () => {
    const none = ec2With([tagged('subnet-1', 'vpc-b', pub), tagged('subnet-2', 'vpc-a', { ...priv, 'kubernetes.io/cluster/other': 'owned' })]);
    await expect(discoverNetwork(none.aws, { clusterName: 'prod' })).rejects.toThrow(
      'subnets tagged for load balancers are in several VPCs (vpc-a, vpc-b) and none of them carries kubernetes.io/cluster/prod=owned or shared; pass --vpc-id to choose one, or tag the cluster\'s subnets with kubernetes.io/cluster/prod',
    );
    const both = ec2With([
      tagged('subnet-1', 'vpc-b', { ...pub, 'kubernetes.io/cluster/prod': 'owned' }),
      tagged('subnet-2', 'vpc-a', { ...pub, 'kubernetes.io/cluster/prod': 'shared' }),
      tagged('subnet-3', 'vpc-c', pub),
    ]);
    await expect(discoverNetwork(both.aws, { clusterName: 'prod' })).rejects.toThrow(
      'subnets tagged for load balancers and kubernetes.io/cluster/prod are in several VPCs (vpc-a, vpc-b); pass --vpc-id to choose one',
    );
  });

  it('says which tags to set when no subnet is tagged', async () => {
    await expect(discoverNetwork(ec2With([tagged('subnet-1', 'vpc-a', {})]).aws, { clusterName: 'prod' })).rejects.toThrow(
      "no subnet carries the tag kubernetes.io/role/elb or kubernetes.io/role/internal-elb, so the VPC cannot be found; pass --vpc-id or tag the cluster's subnets",
    );
  });

  it('uses the VPC it is given without looking for tags', async () => {
    const fake = ec2With([tagged('subnet-3', 'vpc-b', {})]);
    expect((await discoverNetwork(fake.aws, { vpcId: 'vpc-b', clusterName: 'prod' })).subnets.map((s) => s.id)).toEqual(['subnet-3']);
    expect(fake.operations()).toEqual(['DescribeSubnets']);
  });
});
