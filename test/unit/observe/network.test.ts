import { selectSubnets, type Network, type SubnetInfo } from '../../../src/observe/network.js';

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
    expect(one).toEqual({ ok: false, message: expect.stringContaining('at least two zones') });
    const none = selectSubnets({ kind: 'discover' }, 'internal', network([subnet('subnet-a1', 'us-east-1a', pub)]), 'prod');
    expect(none).toEqual({ ok: false, message: expect.stringContaining('kubernetes.io/role/internal-elb=1') });
  });

  it('resolves subnets named in the annotation by id or Name tag, and names the one it cannot find', () => {
    const net = network([subnet('subnet-a1', 'us-east-1a', { Name: 'public-a' }), subnet('subnet-b1', 'us-east-1b', {})]);
    expect(selectSubnets({ kind: 'named', refs: ['public-a', 'subnet-b1'] }, 'internal', net, 'prod')).toEqual({ ok: true, value: ['subnet-a1', 'subnet-b1'] });
    expect(selectSubnets({ kind: 'named', refs: ['public-z'] }, 'internal', net, 'prod')).toEqual({
      ok: false,
      message: 'annotation alb.ingress.kubernetes.io/subnets: subnet "public-z" not found in vpc-1',
    });
  });
});
