import type { ActualIngressRule } from '../../../src/observe/interfaces.js';
import { aggregatePorts, describeBackendRules, planBackendRules, type BackendRulesInput } from '../../../src/plan/backend-rules.js';

const backend = 'sg-backend';
const ours = (ruleId: string, groupId: string, fromPort: number, toPort: number, source = backend): ActualIngressRule => ({
  ruleId,
  groupId,
  protocol: 'tcp',
  fromPort,
  toPort,
  sourceGroupId: source,
  tags: { 'albatross.dev/cluster': 'c1', 'albatross.dev/resource': 'backend-sg-rule' },
});
const foreign = (ruleId: string, groupId: string, protocol: string, fromPort: number, toPort: number, source: string | null): ActualIngressRule => ({
  ruleId,
  groupId,
  protocol,
  fromPort,
  toPort,
  sourceGroupId: source,
  tags: {},
});
const isOurs = (r: ActualIngressRule): boolean => r.tags['albatross.dev/resource'] === 'backend-sg-rule';
const plan = (input: Omit<BackendRulesInput, 'backendGroupId' | 'isOurs'>) => {
  const p = planBackendRules({ ...input, backendGroupId: backend, isOurs });
  return { authorize: p.authorize.map((r) => `${r.groupId} ${r.fromPort}-${r.toPort}`), revoke: p.revoke.map((r) => r.ruleId) };
};

describe('aggregatePorts', () => {
  it('makes one range per security group, from its lowest to its highest port', () => {
    expect(
      aggregatePorts([
        { groupId: 'sg-b', port: 9000 },
        { groupId: 'sg-a', port: 8080 },
        { groupId: 'sg-a', port: 80 },
        { groupId: 'sg-a', port: 8080 },
      ]),
    ).toEqual([
      { groupId: 'sg-a', fromPort: 80, toPort: 8080 },
      { groupId: 'sg-b', fromPort: 9000, toPort: 9000 },
    ]);
  });
});

describe('planBackendRules, complete', () => {
  it('authorizes what is missing and nothing that is there', () => {
    expect(plan({ wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }], actual: [], scope: 'complete' })).toEqual({ authorize: ['sg-a 8080-8080'], revoke: [] });
    expect(plan({ wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }], actual: [ours('r1', 'sg-a', 8080, 8080)], scope: 'complete' })).toEqual({ authorize: [], revoke: [] });
  });

  it('narrows a wider rule of ours, authorizing the new range before the old one goes', () => {
    expect(plan({ wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }], actual: [ours('r1', 'sg-a', 80, 9000)], scope: 'complete' })).toEqual({
      authorize: ['sg-a 8080-8080'],
      revoke: ['r1'],
    });
  });

  it('revokes our rules on groups no target needs, and rules of ours from another backend group', () => {
    expect(
      plan({
        wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }],
        actual: [ours('r1', 'sg-a', 8080, 8080), ours('r2', 'sg-gone', 8080, 8080), ours('r3', 'sg-a', 8080, 8080, 'sg-old-backend')],
        scope: 'complete',
      }),
    ).toEqual({ authorize: [], revoke: ['r2', 'r3'] });
  });

  it('never revokes a rule it did not add, and needs none where such a rule already admits the backend group', () => {
    expect(
      plan({
        wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }],
        actual: [foreign('f1', 'sg-a', '-1', -1, -1, backend), foreign('f2', 'sg-b', 'tcp', 22, 22, null), ours('r1', 'sg-a', 8080, 8080)],
        scope: 'complete',
      }),
    ).toEqual({ authorize: [], revoke: ['r1'] });
  });

  it('does not count a rule from another source as admitting the backend group', () => {
    expect(plan({ wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }], actual: [foreign('f1', 'sg-a', 'tcp', 0, 65535, 'sg-someone')], scope: 'complete' })).toEqual({
      authorize: ['sg-a 8080-8080'],
      revoke: [],
    });
  });
});

describe('planBackendRules, additive', () => {
  it('changes nothing where a rule already covers the range', () => {
    expect(plan({ wanted: [{ groupId: 'sg-a', fromPort: 8080, toPort: 8080 }], actual: [ours('r1', 'sg-a', 80, 9000)], scope: 'additive' })).toEqual({ authorize: [], revoke: [] });
  });

  it('widens our rule to cover a new port, replacing it, and leaves other groups alone', () => {
    expect(
      plan({ wanted: [{ groupId: 'sg-a', fromPort: 9000, toPort: 9000 }], actual: [ours('r1', 'sg-a', 8080, 8080), ours('r2', 'sg-b', 8080, 8080)], scope: 'additive' }),
    ).toEqual({ authorize: ['sg-a 8080-9000'], revoke: ['r1'] });
  });
});

describe('describeBackendRules', () => {
  it('names the group, the ports and the backend group of each change', () => {
    const p = planBackendRules({ wanted: [{ groupId: 'sg-a', fromPort: 80, toPort: 8080 }], actual: [ours('r1', 'sg-z', 80, 80)], backendGroupId: backend, isOurs, scope: 'complete' });
    expect(describeBackendRules(p, backend)).toEqual([
      { action: 'create', kind: 'security-group-rule', id: 'sg-a/tcp/80-8080', summary: 'allow TCP 80-8080 from sg-backend (the backend security group) into sg-a' },
      { action: 'delete', kind: 'security-group-rule', id: 'sg-z/tcp/80', summary: 'r1 from sg-backend into sg-z' },
    ]);
  });
});
