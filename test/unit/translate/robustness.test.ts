// Manifests read from files can hold anything. The loader refuses what the API server would
// refuse, with an input error naming the object; whatever it lets through, translate returns
// a DesiredState, never throws, and what it returns holds: ids unique, errors about
// Ingresses of the input, nothing of an excluded Ingress in a stack, rules within ALB's limits.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConditionSpec, DesiredState, RuleSpec } from '../../../src/model/resources.js';
import { clusterViewFromObjects } from '../../../src/cluster/files.js';
import type { ClusterStore } from '../../../src/cluster/view.js';
import { AlbatrossError } from '../../../src/model/errors.js';
import { translate } from '../../../src/translate/index.js';
import { prng } from './reference-precedence.js';

const dir = join(process.cwd(), 'test/unit/translate/golden');
const inputs = readdirSync(dir)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { items: unknown[] }).items);

const junk: unknown[] = [null, 0, -1, 1.5, '', 'x', '*', '/', true, [], {}, [null], [1, 'a'], { a: null }, '[{"HTTP": 80}]', '{"type":"forward"}'];

/** A deep copy of `value` with some nodes replaced by junk. */
function mutate(value: unknown, rand: () => number, rate: number): unknown {
  if (rand() < rate) return junk[Math.floor(rand() * junk.length)];
  if (Array.isArray(value)) return value.map((v) => mutate(v, rand, rate));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mutate(v, rand, rate)]));
  return value;
}

/** Plain objects by kind, as a test builds them. */
interface World {
  readonly ingresses: readonly unknown[];
  readonly ingressClasses: readonly unknown[];
  readonly services: readonly unknown[];
  readonly endpointSlices: readonly unknown[];
}

/** The view of `items`, or `null` when the loader refuses them (with an input error naming the object). */
function load(items: readonly unknown[]): ClusterStore | null {
  try {
    return clusterViewFromObjects(items);
  } catch (err) {
    expect(err).toBeInstanceOf(AlbatrossError);
    expect((err as AlbatrossError).code).toBe('input');
    expect((err as AlbatrossError).message).toMatch(/^input: object \d+/);
    return null;
  }
}

function viewOf(world: World): ClusterStore {
  return clusterViewFromObjects([...world.ingresses, ...world.ingressClasses, ...world.services, ...world.endpointSlices]);
}

/**
 * ALB's limits, from shared/notes/alb-semantics.md (defaults): per load balancer 100 rules
 * besides the listener defaults and 100 target groups; per rule 5 condition values and 5
 * wildcards, at most one host-header, http-request-method, path-pattern and source-ip
 * condition; per condition 1 to 3 values; 128 characters per path pattern; 25 certificates
 * per listener; 5 target groups per forward action; 32 characters per load balancer and
 * target group name.
 */
const alb = {
  rulesPerLoadBalancer: 100,
  targetGroupsPerLoadBalancer: 100,
  valuesPerRule: 5,
  wildcardsPerRule: 5,
  valuesPerCondition: 3,
  patternLength: 128,
  certificatesPerListener: 25,
  targetGroupsPerForward: 5,
  nameLength: 32,
} as const;
const oncePerRule: readonly ConditionSpec['field'][] = ['host-header', 'http-request-method', 'path-pattern', 'source-ip'];

/** `namespace/name` as kubectl reads it from a manifest: no namespace is `default`. */
function keyOf(item: unknown): string {
  const metadata = (item as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  // Junk may put any YAML value here; printed as the key in src/model/ids.ts prints it.
  const namespace: unknown = metadata?.namespace ?? 'default';
  const name: unknown = metadata?.name ?? '';
  return `${String(namespace)}/${String(name)}`;
}

function conditionValues(condition: ConditionSpec): string[] {
  return condition.field === 'query-string' ? condition.values.map((v) => `${v.key ?? ''}=${v.value}`) : [...condition.values];
}

const wildcards = (text: string): number => [...text].filter((c) => c === '*' || c === '?').length;

/** What is wrong with one rule by ALB's limits; empty when nothing is. */
function ruleProblems(rule: RuleSpec): string[] {
  const problems: string[] = [];
  const values = rule.conditions.flatMap(conditionValues);
  if (values.length > alb.valuesPerRule) problems.push(`${values.length} condition values`);
  const stars = rule.conditions.filter((c) => c.field !== 'source-ip' && c.field !== 'http-request-method').flatMap(conditionValues).reduce((n, v) => n + wildcards(v), 0);
  if (stars > alb.wildcardsPerRule) problems.push(`${stars} wildcards`);
  for (const field of oncePerRule) {
    const count = rule.conditions.filter((c) => c.field === field).length;
    if (count > 1) problems.push(`${count} ${field} conditions`);
  }
  for (const condition of rule.conditions) {
    const n = conditionValues(condition).length;
    if (n < 1 || n > alb.valuesPerCondition) problems.push(`${n} values in ${condition.field}`);
    if (condition.field === 'path-pattern') {
      const long = condition.values.find((v) => v.length > alb.patternLength);
      if (long !== undefined) problems.push(`path pattern of ${long.length} characters`);
    }
  }
  if (rule.action.type === 'forward' && rule.action.targetGroups.length > alb.targetGroupsPerForward)
    problems.push(`${rule.action.targetGroups.length} target groups in one forward`);
  return problems.map((p) => `rule ${rule.id}: ${p}`);
}

/**
 * Every invariant of a DesiredState translated from `ingresses`, as a list of violations:
 * an empty list is a pass, and a failure says what broke.
 */
function violations(state: DesiredState, ingresses: readonly unknown[]): string[] {
  const found: string[] = [];
  const keys = ingresses.map(keyOf);
  const inputKeys = new Set(keys);
  // Two Ingresses of one name (junk can make them) cannot be told apart by key.
  const unique = new Set(keys.filter((k) => keys.indexOf(k) === keys.lastIndexOf(k)));
  for (const error of state.errors) {
    if (!inputKeys.has(error.ingress)) found.push(`error about ${error.ingress}, which is not an Ingress of the input: ${error.message}`);
  }
  const excluded = new Set(state.errors.filter((e) => e.severity === 'excluded' && unique.has(e.ingress)).map((e) => e.ingress));

  for (const stack of state.stacks) {
    const ids = [stack.loadBalancer.id, ...(stack.securityGroup === null ? [] : [stack.securityGroup.id]), ...stack.listeners.map((l) => l.id), ...stack.rules.map((r) => r.id), ...stack.targetGroups.map((t) => t.id)];
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (twice.length > 0) found.push(`group ${stack.group}: ids used twice: ${twice.join(', ')}`);

    const names = [stack.loadBalancer.name, ...stack.targetGroups.map((t) => t.name)];
    for (const name of names) if (name.length > alb.nameLength) found.push(`group ${stack.group}: name ${name} is over ${alb.nameLength} characters`);
    const tgNames = stack.targetGroups.map((t) => t.name);
    if (new Set(tgNames).size !== tgNames.length) found.push(`group ${stack.group}: target group names used twice`);

    for (const key of [...stack.ingresses, ...stack.rules.map((r) => r.ingress)]) {
      if (key !== null && excluded.has(key)) found.push(`group ${stack.group}: excluded Ingress ${key} is in the stack`);
    }
    if (stack.rules.length > alb.rulesPerLoadBalancer) found.push(`group ${stack.group}: ${stack.rules.length} rules`);
    if (stack.targetGroups.length > alb.targetGroupsPerLoadBalancer) found.push(`group ${stack.group}: ${stack.targetGroups.length} target groups`);
    for (const listener of stack.listeners) {
      if (listener.certificates.length > alb.certificatesPerListener) found.push(`group ${stack.group}: listener ${listener.id} has ${listener.certificates.length} certificates`);
    }
    const ports = new Set(stack.listeners.map((l) => l.port));
    for (const rule of stack.rules) {
      if (!ports.has(rule.listenerPort)) found.push(`group ${stack.group}: rule ${rule.id} is on port ${rule.listenerPort}, which has no listener`);
      found.push(...ruleProblems(rule).map((p) => `group ${stack.group}: ${p}`));
    }
  }
  return found;
}

/** A well-formed group built to press on ALB's limits: many paths, long patterns, wildcards, conditions with many values. */
function crowdedGroup(rand: () => number): World {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const count = (max: number): number => 1 + Math.floor(rand() * max);
  const segment = (): string => pick(['a', 'api', 'v1', 'static', 'x'.repeat(count(60)), '*', 'img?', 'q*r']);
  const path = (type: string): string => {
    const p = `/${Array.from({ length: count(5) }, segment).join('/')}`;
    return type === 'ImplementationSpecific' ? p : p.replace(/[*?]/g, 'w');
  };
  const conditions = (): string =>
    JSON.stringify([
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Team', values: Array.from({ length: count(5) }, (_, i) => `t${i}*`) } },
      ...(rand() < 0.5 ? [{ field: 'source-ip', sourceIpConfig: { values: Array.from({ length: count(5) }, (_, i) => `10.${i}.0.0/16`) } }] : []),
      ...(rand() < 0.5 ? [{ field: 'query-string', queryStringConfig: { values: Array.from({ length: count(4) }, (_, i) => ({ key: `k${i}`, value: '*' })) } }] : []),
    ]);
  const ingresses = Array.from({ length: count(4) }, (_, i) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      namespace: 'shop',
      name: `team-${i}`,
      annotations: {
        'alb.ingress.kubernetes.io/group.name': 'crowded',
        'alb.ingress.kubernetes.io/group.order': String(i),
        ...(rand() < 0.6 ? { 'alb.ingress.kubernetes.io/conditions.web': conditions() } : {}),
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: Array.from({ length: count(3) }, () => ({
        ...(rand() < 0.8 ? { host: pick(['shop.example.com', '*.example.com', 'a.b.example.com', `${'h'.repeat(count(40))}.example.com`]) } : {}),
        http: {
          paths: Array.from({ length: count(25) }, () => {
            const pathType = pick(['Exact', 'Prefix', 'ImplementationSpecific']);
            return { path: path(pathType), pathType, backend: { service: { name: pick(['web', 'web', 'missing']), port: { number: 80 } } } };
          }),
        },
      })),
    },
  }));
  return {
    ingresses,
    ingressClasses: [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'alb' }, spec: { controller: 'albatross.dev/alb' } }],
    services: [{ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: 'web' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }],
    endpointSlices: [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace: 'shop', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080 }],
        endpoints: [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.2'] }],
      },
    ],
  };
}

describe('translate never throws and keeps its invariants', () => {
  test.each(Array.from({ length: 300 }, (_, i) => i))('mutated golden input, seed %i', (seed) => {
    const rand = prng(seed);
    const items = inputs[seed % inputs.length] ?? [];
    // Keep kinds so the junk reaches translate's readers rather than being sorted away.
    const mutated = items.map((item) => {
      const m = mutate(item, rand, 0.08);
      const kindOf = (item as { kind: string }).kind;
      return typeof m === 'object' && m !== null && !Array.isArray(m) ? { ...m, kind: kindOf } : { kind: kindOf, spec: m };
    });
    const view = load(mutated);
    if (view === null) return;
    const state = translate(view, { clusterName: 'fuzz' });
    expect(violations(state, view.ingresses())).toEqual([]);
  });

  test.each(Array.from({ length: 60 }, (_, i) => i))('crowded group, seed %i', (seed) => {
    const world = crowdedGroup(prng(1000 + seed));
    const state = translate(viewOf(world), { clusterName: 'fuzz' });
    expect(violations(state, world.ingresses)).toEqual([]);
  });

  test('the invariants catch a broken state', () => {
    const world = crowdedGroup(prng(7));
    const state = translate(viewOf(world), { clusterName: 'fuzz' });
    const stack = state.stacks[0];
    const rule = stack?.rules[0];
    if (stack === undefined || rule === undefined) throw new Error('seed 7 should give a stack with rules');
    const long = `/${'p'.repeat(130)}`;
    const broken: DesiredState = {
      ...state,
      errors: [...state.errors, { ingress: 'nowhere/ghost', group: null, message: 'x', severity: 'excluded' }, { ingress: 'shop/team-0', group: 'crowded', message: 'x', severity: 'excluded' }],
      stacks: [{ ...stack, rules: [...stack.rules, { ...rule, conditions: [{ field: 'path-pattern', values: [long, '/a', '/b', '/c'] }, { field: 'path-pattern', values: ['/d', '/e'] }] }] }],
    };
    expect(violations(broken, world.ingresses)).toEqual(
      expect.arrayContaining([
        'error about nowhere/ghost, which is not an Ingress of the input: x',
        'group alb:crowded: excluded Ingress shop/team-0 is in the stack',
        `group alb:crowded: ids used twice: ${rule.id}`,
        `group alb:crowded: rule ${rule.id}: 6 condition values`,
        `group alb:crowded: rule ${rule.id}: 2 path-pattern conditions`,
        `group alb:crowded: rule ${rule.id}: 4 values in path-pattern`,
        `group alb:crowded: rule ${rule.id}: path pattern of 131 characters`,
      ]),
    );
  });

  test('documents that are not objects are refused, each named', () => {
    expect(() => clusterViewFromObjects([null, 1, 'x'])).toThrow(
      'input: object 1: a Kubernetes object must be a map with apiVersion and kind, not null\n' +
        'input: object 2: a Kubernetes object must be a map with apiVersion and kind, not 1\n' +
        'input: object 3: a Kubernetes object must be a map with apiVersion and kind, not "x"',
    );
  });
});
