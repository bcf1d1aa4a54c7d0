// Rules around a frozen Ingress keep the precedence (its rules stay as they are; the others
// take their right places around them), and a changed path is modified in place. Stacks
// come from translate; AWS is simulated by applying the plan's rule operations to a list of
// rules by priority, then requests are routed through the ALB model.
import type { V1Ingress } from '@kubernetes/client-node';
import type { ActualRule, ActualStack } from '../../../src/model/actual.js';
import type { ActionSpec, DesiredStack } from '../../../src/model/resources.js';
import { matchById } from '../../../src/plan/match.js';
import { diffStack, type DiffContext } from '../../../src/plan/diff.js';
import type { Operation } from '../../../src/plan/operations.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot, type PathType } from '../factories.js';
import { routeRequest } from '../translate/alb-router.js';
import { mostSpecific, prng, type RefPath } from '../translate/reference-precedence.js';

const context: DiffContext = { vpcId: 'vpc-1', subnetIds: ['subnet-a'], securityGroupIds: [] };
const arn = (id: string): string => `arn:${id}`;

function translateGroup(ingresses: readonly V1Ingress[], services: readonly { name: string; namespace: string }[]): DesiredStack {
  const state = translate(
    snapshot({
      ingresses,
      services: services.map((s) => service(s)),
      endpointSlices: services.map((s) => endpointSlice({ service: s.name, namespace: s.namespace })),
    }),
    { clusterName: 'test' },
  );
  const [stack] = state.stacks;
  if (stack === undefined || state.stacks.length !== 1) throw new Error(`expected one stack, got ${state.stacks.length}`);
  return stack;
}

const toArns = (a: ActionSpec): ActionSpec =>
  a.type === 'forward'
    ? { ...a, targetGroups: a.targetGroups.map((t) => ({ ...t, targetGroup: { kind: 'arn', arn: t.targetGroup.kind === 'id' ? arn(t.targetGroup.id) : t.targetGroup.arn } })) }
    : a;

/** What AWS holds after `desired` was applied on a fresh load balancer (rules at 100, 200, ...). */
function applied(desired: DesiredStack): ActualStack {
  const plan = diffStack(desired, null, context);
  const rules = plan.flatMap((op): ActualRule[] =>
    op.op === 'createRule'
      ? [{ arn: arn(`${op.spec.id}@${op.priority}`), id: op.spec.id, tags: op.spec.tags, listenerArn: arn(`listener/${op.spec.listenerPort}`), listenerPort: op.spec.listenerPort, priority: op.priority, conditions: op.spec.conditions, action: toArns(op.spec.action) }]
      : [],
  );
  return {
    group: desired.group,
    loadBalancer: { ...desired.loadBalancer, arn: arn('lb'), dnsName: 'lb', vpcId: 'vpc-1', subnetIds: context.subnetIds, securityGroupIds: ['sg-1'] },
    securityGroup: desired.securityGroup && { groupId: 'sg-1', id: desired.securityGroup.id, name: desired.securityGroup.name, ingress: desired.securityGroup.ingress, tags: desired.securityGroup.tags },
    listeners: desired.listeners.map((l) => ({ arn: arn(l.id), id: l.id, tags: l.tags, port: l.port, protocol: l.protocol, defaultAction: toArns(l.defaultAction), certificateArns: [], sslPolicy: null })),
    rules,
    targetGroups: desired.targetGroups.map((t) => ({ ...t, arn: arn(t.id), vpcId: 'vpc-1', loadBalancerArns: [arn('lb')] })),
  };
}

/** The rules of port 80 after the plan's rule operations, by priority; a clash is an error as on AWS. */
function afterPlan(actual: ActualStack, plan: readonly Operation[]): ActualRule[] {
  let rules = actual.rules.filter((r) => r.listenerPort === 80).map((r) => ({ ...r }));
  for (const op of plan) {
    if (op.op === 'setRulePriorities') for (const m of op.moves) rules = rules.map((r) => (r.arn === m.arn ? { ...r, priority: m.priority } : r));
    if (op.op === 'createRule') rules.push({ arn: arn(`${op.spec.id}@new`), id: op.spec.id, tags: op.spec.tags, listenerArn: arn('listener/80'), listenerPort: 80, priority: op.priority, conditions: op.spec.conditions, action: toArns(op.spec.action) });
    if (op.op === 'modifyRule') rules = rules.map((r) => (r.arn === op.arn ? { ...r, conditions: op.spec.conditions, action: toArns(op.spec.action) } : r));
    if (op.op === 'deleteRule') rules = rules.filter((r) => r.arn !== op.arn);
    const priorities = rules.map((r) => r.priority);
    if (new Set(priorities).size !== priorities.length) throw new Error(`two rules at one priority after ${op.op}`);
  }
  return rules.sort((a, b) => a.priority - b.priority);
}

/** `service` of the target group an action forwards to, `fixed:404` for the default. */
function served(rules: readonly ActualRule[], host: string, path: string): string {
  const action = routeRequest(
    rules.map((r) => ({ id: r.id ?? '', listenerPort: 80, conditions: r.conditions, action: r.action ?? { type: 'fixed-response', statusCode: '500' }, ingress: null, tags: {} })),
    { type: 'fixed-response', statusCode: '404' },
    { host, path },
  );
  if (action.type !== 'forward') return action.type === 'fixed-response' ? `fixed:${action.statusCode}` : 'redirect';
  const ref = action.targetGroups[0]?.targetGroup;
  return ref?.kind === 'arn' ? (/^arn:tg\/[^/]+\/([^:]+):/.exec(ref.arn)?.[1] ?? ref.arn) : '?';
}

describe('the shop group of issue 8: a frozen catch-all and a changed path', () => {
  // given: team-a/api (order 10, Prefix /api) and team-b/web (order 20, Prefix /) on shop.example.com
  const services = [
    { name: 'api', namespace: 'team-a' },
    { name: 'web', namespace: 'team-b' },
  ];
  const api = (path: string): V1Ingress =>
    ingress({ namespace: 'team-a', name: 'api', host: 'shop.example.com', annotations: { 'group.name': 'shop', 'group.order': '10' }, paths: [{ path, service: 'api' }] });
  const web = (annotations: Record<string, string> = {}): V1Ingress =>
    ingress({ namespace: 'team-b', name: 'web', host: 'shop.example.com', annotations: { 'group.name': 'shop', 'group.order': '20', ...annotations }, paths: [{ path: '/', service: 'web' }] });
  const before = applied(translateGroup([api('/api'), web()], services));

  test('applied first: /api at 100, the catch-all at 200', () => {
    expect(before.rules.map((r) => [r.priority, r.tags['albatross.dev/ingress']])).toEqual([
      [100, 'team-a/api'],
      [200, 'team-b/web'],
    ]);
  });

  // when: web becomes invalid (frozen) and api's path changes to /shop-api
  const after = translateGroup([api('/shop-api'), web({ 'healthcheck-interval-seconds': 'banana' })], services);
  const plan = diffStack(after, before, context);

  test('web is frozen', () => {
    expect(after.frozenIngresses).toEqual(['team-b/web']);
  });

  test('the api rule is modified in place, keeping its ARN and its place ahead of the frozen catch-all', () => {
    expect(plan.map((o) => o.op)).toEqual(['modifyRule', 'updateTags']);
    expect(plan[0]).toMatchObject({ op: 'modifyRule', arn: before.rules[0]?.arn, fields: ['conditions'] });
  });

  test.each([
    ['/shop-api/x', 'api'],
    ['/shop-api', 'api'],
    ['/api/x', 'web'],
    ['/', 'web'],
  ])('then shop.example.com%s goes to %s', (path, expected) => {
    expect(served(afterPlan(before, plan), 'shop.example.com', path)).toBe(expected);
  });

  test('a rule that is new gets a priority ahead of the frozen catch-all, which stays at 200', () => {
    const twoPaths = ingress({
      namespace: 'team-a',
      name: 'api',
      host: 'shop.example.com',
      annotations: { 'group.name': 'shop', 'group.order': '10' },
      paths: [
        { path: '/api', service: 'api' },
        { path: '/shop-api', service: 'api' },
      ],
    });
    const grown = diffStack(translateGroup([twoPaths, web({ 'healthcheck-interval-seconds': 'banana' })], services), before, context);
    expect(grown.map((o) => o.op)).toEqual(['createRule']);
    const created = grown[0] as Extract<Operation, { op: 'createRule' }>;
    // /shop-api is longer than /api, so it goes ahead of the rule at 100 too.
    expect(created.priority).toBeLessThan(100);
    expect(created.priority).toBeGreaterThan(0);
    expect(served(afterPlan(before, grown), 'shop.example.com', '/shop-api/x')).toBe('api');
  });
});

describe('a changed path is modified in place', () => {
  const services = [{ name: 'web', namespace: 'default' }];
  const one = (path: string): V1Ingress => ingress({ paths: [{ path: '/a' }, { path }, { path: '/zzzzzzzz', pathType: 'Exact' }] });

  test('one ModifyRule and a tag update, no create or delete', () => {
    const before = applied(translateGroup([one('/bbbb')], services));
    const plan = diffStack(translateGroup([one('/cccc')], services), before, context);
    expect(plan.map((o) => o.op)).toEqual(['modifyRule', 'updateTags']);
    expect(plan[0]).toMatchObject({ arn: before.rules.find((r) => r.conditions.some((c) => c.values.includes('/bbbb' as never)))?.arn });
  });

  test('a path that moves to another place in the order is created there and the old rule deleted', () => {
    const before = applied(translateGroup([one('/b')], services));
    const plan = diffStack(translateGroup([one('/bbbbbbbbbbbb')], services), before, context);
    expect(plan.map((o) => o.op).sort()).toEqual(['createRule', 'deleteRule']);
  });
});

describe('matchById', () => {
  test('pairs by id; actual without an id or with a second copy of one is deleted', () => {
    const { matched, toCreate, toDelete } = matchById(
      [{ id: 'a' }, { id: 'b' }],
      [
        { id: 'a', n: 1 },
        { id: null, n: 2 },
        { id: 'a', n: 3 },
        { id: 'c', n: 4 },
      ],
    );
    expect(matched).toEqual([[{ id: 'a' }, { id: 'a', n: 1 }]]);
    expect(toCreate).toEqual([{ id: 'b' }]);
    expect(toDelete).toEqual([
      { id: null, n: 2 },
      { id: 'a', n: 3 },
      { id: 'c', n: 4 },
    ]);
  });
});

// --- Random groups with random frozen members, against the precedence as a reference.

function referenceRoute(paths: readonly RefPath[], path: string): string {
  return mostSpecific(paths, path)?.service ?? 'fixed:404';
}

// Every path of the pool is distinct, so no two members ask for the very same rule.
const pool: readonly [PathType, string][] = [
  ['Exact', '/'],
  ['Exact', '/foo'],
  ['Exact', '/foo/bar'],
  ['Prefix', '/'],
  ['Prefix', '/foo'],
  ['Prefix', '/foo/bar'],
  ['Prefix', '/a'],
  ['Prefix', '/bar'],
  ['ImplementationSpecific', '/*'],
  ['ImplementationSpecific', '/foo*'],
  ['ImplementationSpecific', '/foo/*'],
  ['ImplementationSpecific', '/fo?'],
  ['ImplementationSpecific', '/a/*/c'],
  ['ImplementationSpecific', '/*bar'],
  ['ImplementationSpecific', '/b*'],
];
const requests = ['/', '/foo', '/foo/', '/foo/bar', '/foo/bar/baz', '/foobar', '/fox', '/a', '/a/b/c', '/bar', '/bar/x', '/b', '/x'];

describe('random groups with frozen members keep the precedence', () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i', (seed) => {
    const rand = prng(seed);
    const take = (): [PathType, string] => {
      const i = Math.floor(rand() * available.length);
      const [picked] = available.splice(i, 1);
      if (picked === undefined) throw new Error('pool exhausted');
      return picked;
    };
    const available = [...pool];
    const members = 2 + Math.floor(rand() * 3);
    const services: { name: string; namespace: string }[] = [];
    const first: { paths: { path: string; pathType: PathType; service: string }[] }[] = [];
    for (let m = 0; m < members; m++) {
      const paths = Array.from({ length: 1 + Math.floor(rand() * 2) }, (_, p) => {
        const [pathType, path] = take();
        services.push({ name: `s${m}-${p}`, namespace: 'default' });
        return { path, pathType, service: `s${m}-${p}` };
      });
      first.push({ paths });
    }
    const build = (m: number, paths: readonly { path: string; pathType: PathType; service: string }[], broken: boolean): V1Ingress =>
      ingress({
        name: `m${m}`,
        host: 'shop.example.com',
        annotations: { 'group.name': 'g', 'group.order': String(m), ...(broken ? { 'healthcheck-interval-seconds': 'banana' } : {}) },
        paths,
      });
    const before = applied(translateGroup(first.map((f, m) => build(m, f.paths, false)), services));

    // Some members become invalid and keep their old paths; the others change theirs.
    const frozen = first.map(() => rand() < 0.4);
    if (frozen.every(Boolean)) frozen[0] = false;
    const second = first.map((f, m) => {
      if (frozen[m]) return f.paths;
      return f.paths.map((p, i) => {
        if (rand() < 0.5 || available.length === 0) return p;
        const [pathType, path] = take();
        const svc = `s${m}-${i}-new`;
        services.push({ name: svc, namespace: 'default' });
        return { path, pathType, service: svc };
      });
    });
    const desired = translateGroup(second.map((paths, m) => build(m, paths, frozen[m] === true)), services);
    const rules = afterPlan(before, diffStack(desired, before, context));

    const ref = second.flatMap((paths, m) => paths.map((p, position) => ({ path: p.path, type: p.pathType, service: p.service, member: m, position })));
    for (const path of requests) expect(`${path} -> ${served(rules, 'shop.example.com', path)}`).toBe(`${path} -> ${referenceRoute(ref, path)}`);
    // Frozen rules keep their conditions, action and priority.
    for (const rule of before.rules.filter((r) => frozen[Number(r.tags['albatross.dev/ingress']?.slice('default/m'.length))]))
      expect(rules.find((r) => r.arn === rule.arn)).toEqual(rule);
  });
});
