import type { ActualStack } from '../../../src/model/actual.js';
import type { ActionSpec, DesiredStack, RuleSpec, TargetGroupSpec } from '../../../src/model/resources.js';
import { diffStack, type DiffContext } from '../../../src/plan/diff.js';
import type { Operation } from '../../../src/plan/operations.js';
import { defined } from '../../defined.js';

const context: DiffContext = { vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: [] };
const ownTags = (id: string): Record<string, string> => ({ 'albatross.dev/cluster': 'c', 'albatross.dev/group': 'g', 'albatross.dev/resource': id });

function targetGroup(name: string, targets = [{ ip: '10.0.0.1', port: 8080 }]): TargetGroupSpec {
  const id = `tg/shop/${name}:80/http-http1-ip`;
  return {
    id,
    name: `k8s-shop-${name}`,
    targetType: 'ip',
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    port: 8080,
    healthCheck: { protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 15, timeoutSeconds: 5, healthyThresholdCount: 2, unhealthyThresholdCount: 2, successCodes: '200' },
    attributes: {},
    targets,
    tags: ownTags(id),
    service: { key: `shop/${name}`, port: '80' },
  };
}

const forward = (tg: string): ActionSpec => ({ type: 'forward', targetGroups: [{ targetGroup: { kind: 'id', id: `tg/shop/${tg}:80/http-http1-ip` }, weight: 1 }] });

function rule(key: string, path: string, action: ActionSpec, ingress = 'shop/web'): RuleSpec {
  const id = `rule/80/${key}`;
  return { id, listenerPort: 80, conditions: [{ field: 'path-pattern', values: [path] }], action, ingress, tags: { ...ownTags(id), 'albatross.dev/ingress': ingress } };
}

function stack(overrides: Partial<DesiredStack> = {}): DesiredStack {
  return {
    group: 'g',
    ingresses: ['shop/web'],
    loadBalancer: { id: 'loadbalancer', name: 'k8s-g-1', scheme: 'internal', ipAddressType: 'ipv4', subnets: { kind: 'discover' }, securityGroups: [], attributes: {}, tags: ownTags('loadbalancer') },
    securityGroup: { id: 'securitygroup', name: 'k8s-g-sg', description: 'd', ingress: [{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }], tags: ownTags('securitygroup') },
    listeners: [{ id: 'listener/80', port: 80, protocol: 'HTTP', defaultAction: { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' }, certificates: [], tags: ownTags('listener/80') }],
    rules: [rule('a', '/a', forward('a')), rule('b', '/b', forward('b'))],
    targetGroups: [targetGroup('a'), targetGroup('b')],
    frozenIngresses: [],
    ...overrides,
  };
}

/** What AWS holds after `desired` was applied with rules at 100, 200, ... */
function applied(desired: DesiredStack): ActualStack {
  const arn = (id: string): string => `arn:${id}`;
  const resolve = (a: ActionSpec): ActionSpec =>
    a.type === 'forward' ? { ...a, targetGroups: a.targetGroups.map((t) => ({ ...t, targetGroup: { kind: 'arn', arn: t.targetGroup.kind === 'id' ? arn(t.targetGroup.id) : t.targetGroup.arn } })) } : a;
  return {
    group: desired.group,
    loadBalancer: { ...desired.loadBalancer, arn: arn('lb'), dnsName: 'lb.example', vpcId: 'vpc-1', subnetIds: context.subnetIds, securityGroupIds: ['sg-1'] },
    securityGroup: desired.securityGroup && { groupId: 'sg-1', id: 'securitygroup', name: desired.securityGroup.name, ingress: desired.securityGroup.ingress, tags: desired.securityGroup.tags },
    listeners: desired.listeners.map((l) => ({ arn: arn(l.id), id: l.id, tags: l.tags, port: l.port, protocol: l.protocol, defaultAction: resolve(l.defaultAction), certificateArns: [], sslPolicy: null })),
    rules: desired.rules.map((r, i) => ({ arn: arn(r.id), id: r.id, tags: r.tags, listenerArn: arn('listener/80'), listenerPort: 80, priority: (i + 1) * 100, conditions: r.conditions, action: resolve(r.action) })),
    targetGroups: desired.targetGroups.map((t) => ({ ...t, arn: arn(t.id), vpcId: 'vpc-1', loadBalancerArns: [arn('lb')] })),
  };
}

const ops = (list: Operation[]): string[] => list.map((o) => o.op);

describe('diffStack', () => {
  it('creates a new stack forward: security group, target groups, load balancer, listener, rules', () => {
    const plan = diffStack(stack(), null, context);
    expect(ops(plan)).toEqual([
      'createSecurityGroup',
      'createTargetGroup',
      'createTargetGroup',
      'registerTargets',
      'registerTargets',
      'createLoadBalancer',
      'createListener',
      'createRule',
      'createRule',
    ]);
    const rules = plan.filter((o): o is Extract<Operation, { op: 'createRule' }> => o.op === 'createRule');
    expect(rules.map((r) => [r.spec.id, r.priority])).toEqual([
      ['rule/80/a', 100],
      ['rule/80/b', 200],
    ]);
  });

  it('plans nothing when AWS already matches', () => {
    expect(diffStack(stack(), applied(stack()), context)).toEqual([]);
  });

  it('modifies a rule whose backend changed, in place, keeping its priority', () => {
    const before = applied(stack());
    const after = stack({ rules: [rule('a', '/a', forward('b')), rule('b', '/b', forward('b'))], targetGroups: [targetGroup('b')] });
    const plan = diffStack(after, before, context);
    expect(ops(plan)).toEqual(['modifyRule', 'deleteTargetGroup']);
    expect(plan[0]).toMatchObject({ op: 'modifyRule', arn: 'arn:rule/80/a', fields: ['action'] });
  });

  it('puts back a rule deleted by hand, and removes a rule added by hand', () => {
    const actual = applied(stack());
    const drifted: ActualStack = {
      ...actual,
      rules: [
        defined(actual.rules[1], 'actual.rules[1]'),
        { arn: 'arn:stray', id: null, tags: {}, listenerArn: 'arn:listener/80', listenerPort: 80, priority: 5, conditions: [{ field: 'path-pattern', values: ['/x'] }], action: null },
      ],
    };
    const plan = diffStack(stack(), drifted, context);
    expect(ops(plan)).toEqual(['createRule', 'deleteRule']);
    expect(plan[0]).toMatchObject({ spec: { id: 'rule/80/a' } });
    const created = plan[0] as Extract<Operation, { op: 'createRule' }>;
    // The stray still holds 5 until it is deleted last, and /a must stay ahead of /b at 200.
    expect(created.priority).not.toBe(5);
    expect(created.priority).toBeLessThan(200);
    expect(plan[1]).toMatchObject({ op: 'deleteRule', arn: 'arn:stray' });
  });

  it('registers missing targets and deregisters strays', () => {
    const actual = applied(stack());
    const drifted: ActualStack = {
      ...actual,
      targetGroups: actual.targetGroups.map((t, i) => (i === 0 ? { ...t, targets: [{ ip: '10.9.9.9', port: 8080 }] } : t)),
    };
    const plan = diffStack(stack(), drifted, context);
    expect(plan).toEqual([
      expect.objectContaining({ op: 'registerTargets', targets: [{ ip: '10.0.0.1', port: 8080 }] }),
      expect.objectContaining({ op: 'deregisterTargets', targets: [{ ip: '10.9.9.9', port: 8080 }] }),
    ]);
  });

  it('restores a health check changed by hand', () => {
    const actual = applied(stack());
    const drifted: ActualStack = {
      ...actual,
      targetGroups: actual.targetGroups.map((t, i) => (i === 0 ? { ...t, healthCheck: { ...t.healthCheck, path: '/other', intervalSeconds: 30 } } : t)),
    };
    const plan = diffStack(stack(), drifted, context);
    expect(plan).toEqual([expect.objectContaining({ op: 'modifyTargetGroupHealthCheck', fields: ['path', 'intervalSeconds'] })]);
  });

  it('leaves the rules of a frozen Ingress and their target group exactly as they are', () => {
    const before = applied(stack({ rules: [rule('a', '/a', forward('a')), rule('b', '/b', forward('b'), 'shop/broken')] }));
    const after = stack({ rules: [rule('a', '/a', forward('a'))], targetGroups: [targetGroup('a')], frozenIngresses: ['shop/broken'] });
    expect(diffStack(after, before, context)).toEqual([]);
  });

  it('keeps a listener, and its port open, while only a frozen Ingress uses it', () => {
    const extra = { id: 'listener/8080', port: 8080, protocol: 'HTTP' as const, defaultAction: { type: 'fixed-response' as const, statusCode: '404', contentType: 'text/plain' }, certificates: [], tags: ownTags('listener/8080') };
    const before = applied(stack({ listeners: [...stack().listeners, extra], securityGroup: { ...defined(stack().securityGroup, 'stack().securityGroup'), ingress: [{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }, { protocol: 'tcp', port: 8080, cidr: '0.0.0.0/0' }] } }));
    const onAlt = { ...before, rules: [...before.rules, { ...defined(before.rules[0], 'before.rules[0]'), arn: 'arn:alt', id: 'rule/8080/x', listenerArn: 'arn:listener/8080', listenerPort: 8080, priority: 100, tags: { ...defined(before.rules[0], 'before.rules[0]').tags, 'albatross.dev/ingress': 'shop/broken' } }] };
    expect(diffStack(stack({ frozenIngresses: ['shop/broken'] }), onAlt, context)).toEqual([]);
    // Once the Ingress is gone, listener and port go too.
    expect(diffStack(stack(), onAlt, context).map((o) => o.op)).toEqual(['updateSecurityGroupRules', 'deleteListener']);
  });

  it('replaces the load balancer when the scheme changes, deleting the old one first', () => {
    const before = applied(stack());
    const after = stack({ loadBalancer: { ...stack().loadBalancer, scheme: 'internet-facing' } });
    const plan = ops(diffStack(after, before, context));
    expect(plan[0]).toBe('deleteLoadBalancer');
    expect(plan).toEqual(['deleteLoadBalancer', 'createLoadBalancer', 'createListener', 'createRule', 'createRule']);
  });

  it('deletes everything of a group without Ingresses, load balancer first, security group last', () => {
    expect(ops(diffStack(null, applied(stack()), null))).toEqual(['deleteLoadBalancer', 'deleteTargetGroup', 'deleteTargetGroup', 'deleteSecurityGroup']);
  });

  it('changes only the attributes we set', () => {
    const desired = stack({ loadBalancer: { ...stack().loadBalancer, attributes: { 'idle_timeout.timeout_seconds': '120' } } });
    const actual = applied(stack());
    const withDefaults: ActualStack = { ...actual, loadBalancer: { ...defined(actual.loadBalancer, 'actual.loadBalancer'), attributes: { 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60' } } };
    expect(diffStack(desired, withDefaults, context)).toEqual([
      expect.objectContaining({ op: 'modifyLoadBalancerAttributes', attributes: { 'idle_timeout.timeout_seconds': '120' } }),
    ]);
    const converged: ActualStack = { ...actual, loadBalancer: { ...defined(actual.loadBalancer, 'actual.loadBalancer'), attributes: { 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '120' } } };
    expect(diffStack(desired, converged, context)).toEqual([]);
  });

  describe('HTTPS listener certificates', () => {
    const https = (certificates: string[]): DesiredStack =>
      stack({
        listeners: [
          {
            id: 'listener/443',
            port: 443,
            protocol: 'HTTPS',
            defaultAction: { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' },
            certificates: certificates.map((fingerprint) => ({ kind: 'imported' as const, fingerprint })),
            sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
            tags: ownTags('listener/443'),
          },
        ],
        rules: [],
        targetGroups: [],
      });
    const arns = new Map([
      ['A', 'arn:cert/A'],
      ['B', 'arn:cert/B'],
      ['C', 'arn:cert/C'],
    ]);
    const withCerts = (current: string[]): ActualStack => {
      const actual = applied(https(current));
      return {
        ...actual,
        listeners: actual.listeners.map((l) => ({ ...l, certificateArns: current.map((c) => defined(arns.get(c), `the ARN of certificate ${c}`)), sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' })),
      };
    };
    const ctx = { ...context, importedCertificateArns: arns };

    it('attaches a new SNI certificate before it detaches the one no longer wanted', () => {
      const plan = diffStack(https(['A', 'C']), withCerts(['A', 'B']), ctx);
      expect(plan.map((o) => o.op)).toEqual(['addListenerCertificates', 'removeListenerCertificates']);
      expect(plan[0]).toMatchObject({ certificates: [{ kind: 'imported', fingerprint: 'C' }] });
      expect(plan[1]).toMatchObject({ certificateArns: ['arn:cert/B'] });
    });

    it('on a new default, keeps the old default as SNI and checks every SNI certificate again', () => {
      const plan = diffStack(https(['C', 'A']), withCerts(['A', 'B']), ctx);
      expect(plan.map((o) => o.op)).toEqual(['modifyListener', 'addListenerCertificates', 'removeListenerCertificates']);
      expect(plan[0]).toMatchObject({ fields: ['defaultCertificate'] });
      expect(plan[1]).toMatchObject({ certificates: [{ kind: 'imported', fingerprint: 'A' }] });
    });

    it('detaches nothing while an Ingress of the group is frozen', () => {
      const plan = diffStack({ ...https(['A']), frozenIngresses: ['shop/broken'] }, withCerts(['A', 'B']), ctx);
      expect(plan).toEqual([]);
    });

    it('plans nothing when the certificates are in place', () => {
      expect(diffStack(https(['A', 'B']), withCerts(['A', 'B']), ctx)).toEqual([]);
    });
  });
});
