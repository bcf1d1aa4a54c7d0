// Requests routed through the translated rules by an ALB model must reach the backend that
// Kubernetes Ingress semantics choose.
import type { V1Ingress } from '@kubernetes/client-node';
import type { DesiredStack } from '../../../src/model/resources.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';
import { describeAction, glob, routeOnStack } from './alb-router.js';

function stackOf(ingresses: readonly V1Ingress[], services: readonly string[]): DesiredStack {
  const state = translate(
    snapshot({
      ingresses,
      services: services.map((name) => service({ name })),
      endpointSlices: services.map((name) => endpointSlice({ service: name })),
    }),
    { clusterName: 'test' },
  );
  expect(state.errors).toEqual([]);
  expect(state.stacks).toHaveLength(1);
  return state.stacks[0] as DesiredStack;
}

const route = (stack: DesiredStack, host: string, path: string): string =>
  describeAction(routeOnStack(stack, 80, { host, path }));

describe('routing through the ALB rules', () => {
  // given: one group with no-host paths, an exact host and a wildcard host
  const stack = stackOf(
    [
      ingress({
        name: 'a',
        annotations: { 'group.name': 'shop' },
        paths: [
          { path: '/foo', service: 'foo' },
          { path: '/foo/exact', pathType: 'Exact', service: 'exact' },
          { path: '/', service: 'root' },
        ],
      }),
      ingress({
        name: 'b',
        annotations: { 'group.name': 'shop' },
        host: 'a.foo.com',
        paths: [
          { path: '/api/', service: 'api' },
          { path: '/api', pathType: 'Exact', service: 'api-exact' },
        ],
      }),
      ingress({
        name: 'c',
        annotations: { 'group.name': 'shop' },
        host: '*.foo.com',
        paths: [{ path: '/wild', service: 'wild' }],
      }),
    ],
    ['foo', 'exact', 'root', 'api', 'api-exact', 'wild'],
  );

  test.each([
    ['x.com', '/foo', 'foo:80'],
    ['x.com', '/foo/', 'foo:80'],
    ['x.com', '/foo/bar', 'foo:80'],
    ['x.com', '/foobar', 'root:80'],
    ['x.com', '/FOO', 'root:80'],
    ['x.com', '/foo/exact', 'exact:80'],
    ['x.com', '/foo/exact/', 'foo:80'],
    ['x.com', '/foo/exactly', 'foo:80'],
    ['a.foo.com', '/api', 'api-exact:80'],
    ['a.foo.com', '/api/', 'api:80'],
    ['a.foo.com', '/api/x', 'api:80'],
    ['A.Foo.COM', '/api/x', 'api:80'],
    ['a.foo.com', '/apix', 'root:80'],
    ['a.foo.com', '/wild', 'wild:80'],
    ['b.foo.com', '/wild/1', 'wild:80'],
    ['b.foo.com', '/wild', 'wild:80'],
    ['b.foo.com', '/wildcat', 'root:80'],
    ['b.foo.com', '/x', 'root:80'],
    ['b.foo.com', '/foo/exact', 'exact:80'],
    ['c.b.foo.com', '/wild', 'root:80'],
    ['c.b.foo.com', '/foo/exact', 'exact:80'],
    ['c.b.foo.com', '/foo/x', 'foo:80'],
    ['foo.com', '/wild', 'root:80'],
  ])('%s%s -> %s', (host, path, expected) => {
    expect(route(stack, host, path)).toBe(expected);
  });
});

describe('falling through to the default backend', () => {
  const paths = [
    ingress({ name: 'a', annotations: { 'group.name': 'g' }, paths: [{ path: '/foo', service: 'foo' }] }),
    ingress({ name: 'b', annotations: { 'group.name': 'g' }, host: '*.foo.com', paths: [{ path: '/wild', service: 'wild' }] }),
  ];

  test.each([
    ['x.com', '/bar', 'dflt:80'],
    ['b.foo.com', '/bar', 'dflt:80'],
    ['b.foo.com', '/foo', 'foo:80'],
    ['a.b.foo.com', '/wild', 'dflt:80'],
    ['a.b.foo.com', '/foo/1', 'foo:80'],
    ['a.b.c.foo.com', '/wild', 'dflt:80'],
  ])('with spec.defaultBackend: %s%s -> %s', (host, path, expected) => {
    const withDefault = [
      ...paths,
      ingress({ name: 'c', annotations: { 'group.name': 'g' }, rules: [], defaultBackend: { service: 'dflt', port: 80 } }),
    ];
    expect(route(stackOf(withDefault, ['foo', 'wild', 'dflt']), host, path)).toBe(expected);
  });

  test.each([
    ['x.com', '/bar', 'fixed:404'],
    ['a.b.foo.com', '/wild', 'fixed:404'],
    ['a.b.foo.com', '/foo', 'foo:80'],
  ])('without one: %s%s -> %s', (host, path, expected) => {
    expect(route(stackOf(paths, ['foo', 'wild']), host, path)).toBe(expected);
  });
});

describe('longest match across members', () => {
  test('a longer path in a later member wins over a shorter one in an earlier member', () => {
    const stack = stackOf(
      [
        ingress({ name: 'a', annotations: { 'group.name': 'g' }, paths: [{ path: '/api', service: 'one' }] }),
        ingress({ name: 'b', annotations: { 'group.name': 'g' }, paths: [{ path: '/api/v2', service: 'two' }] }),
      ],
      ['one', 'two'],
    );
    expect(route(stack, 'x', '/api/v2/users')).toBe('two:80');
    expect(route(stack, 'x', '/api/v2')).toBe('two:80');
    expect(route(stack, 'x', '/api/v20')).toBe('one:80');
    expect(route(stack, 'x', '/api')).toBe('one:80');
  });

  test('at equal paths the member first in group order wins', () => {
    const stack = stackOf(
      [
        ingress({ name: 'a', annotations: { 'group.name': 'g' }, paths: [{ path: '/api', service: 'one' }] }),
        ingress({ name: 'z', annotations: { 'group.name': 'g', 'group.order': '-5' }, paths: [{ path: '/api', service: 'two' }] }),
      ],
      ['one', 'two'],
    );
    expect(route(stack, 'x', '/api')).toBe('two:80');
  });

  test('a wildcard host with more labels is tried first', () => {
    const stack = stackOf(
      [
        ingress({ name: 'a', annotations: { 'group.name': 'g' }, host: '*.foo.com', paths: [{ path: '/', service: 'one' }] }),
        ingress({ name: 'b', annotations: { 'group.name': 'g' }, host: '*.b.foo.com', paths: [{ path: '/', service: 'two' }] }),
      ],
      ['one', 'two'],
    );
    expect(route(stack, 'x.b.foo.com', '/')).toBe('two:80');
    expect(route(stack, 'b.foo.com', '/')).toBe('one:80');
    expect(route(stack, 'y.x.b.foo.com', '/')).toBe('fixed:404');
    expect(route(stack, 'y.x.foo.com', '/')).toBe('fixed:404');
  });
});

// --- A reference model of Kubernetes Ingress semantics, checked against the ALB model on
// random groups. Hosts: exact > wildcard (one label) > none, falling through tiers when no
// path of a tier matches; within a tier the longest path, Exact first, then group order.

interface RefPath {
  readonly host: string | null;
  readonly path: string;
  readonly type: 'Exact' | 'Prefix';
  readonly service: string;
  readonly member: number;
  readonly position: number;
}

function hostTier(pattern: string | null, host: string): number | null {
  const h = host.toLowerCase();
  if (pattern === null) return 2;
  if (!pattern.startsWith('*.')) return pattern === h ? 0 : null;
  const suffix = pattern.slice(1);
  const first = h.slice(0, h.length - suffix.length);
  return h.endsWith(suffix) && first !== '' && !first.includes('.') ? 1 : null;
}

function pathMatches(p: RefPath, path: string): boolean {
  if (p.type === 'Exact') return p.path === path;
  const prefix = p.path.replace(/\/+$/, '');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

/** Longest match compares Prefix paths without their trailing slashes. */
function matchLength(p: RefPath): number {
  return p.type === 'Prefix' ? p.path.replace(/\/+$/, '').length : p.path.length;
}

function referenceRoute(paths: readonly RefPath[], host: string, path: string, fallback: string): string {
  for (const tier of [0, 1, 2]) {
    const candidates = paths
      .filter((p) => hostTier(p.host, host) === tier && pathMatches(p, path))
      .sort(
        (a, b) =>
          matchLength(b) - matchLength(a) ||
          (a.type === 'Exact' ? 0 : 1) - (b.type === 'Exact' ? 0 : 1) ||
          a.member - b.member ||
          a.position - b.position,
      );
    if (candidates[0] !== undefined) return `${candidates[0].service}:80`;
  }
  return fallback;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('random groups agree with the Kubernetes reference model', () => {
  const hosts = [null, 'a.foo.com', '*.foo.com', '*.b.foo.com', 'x.b.foo.com', 'other.com'];
  const pathValues = ['/', '/foo', '/foo/', '/foo/bar', '/foobar', '/a', '/a/b/'];
  const requestHosts = ['a.foo.com', 'b.foo.com', 'x.b.foo.com', 'y.x.b.foo.com', 'q.b.foo.com', 'foo.com', 'other.com', 'OTHER.com', 'z.com'];
  const requestPaths = ['/', '/foo', '/foo/', '/foo/bar', '/foo/bar/baz', '/foobar', '/fo', '/a', '/a/b', '/a/b/', '/a/bc', '/FOO'];

  test.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i', (seed) => {
    const rand = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const ingresses: V1Ingress[] = [];
    const ref: RefPath[] = [];
    const services: string[] = [];
    const memberCount = 1 + Math.floor(rand() * 3);
    const withDefault = rand() < 0.5;
    for (let m = 0; m < memberCount; m++) {
      const rules: { host?: string; paths: { path: string; pathType: 'Exact' | 'Prefix'; service: string }[] }[] = [];
      let position = 0;
      for (let r = 0; r < 1 + Math.floor(rand() * 2); r++) {
        const host = pick(hosts);
        const paths = [];
        for (let p = 0; p < 1 + Math.floor(rand() * 3); p++) {
          const service = `s${m}-${r}-${p}`;
          const pathType = rand() < 0.4 ? ('Exact' as const) : ('Prefix' as const);
          const path = pick(pathValues);
          paths.push({ path, pathType, service });
          services.push(service);
          ref.push({ host, path, type: pathType, service, member: m, position: position++ });
        }
        rules.push({ ...(host === null ? {} : { host }), paths });
      }
      ingresses.push(
        ingress({
          name: `m${m}`,
          annotations: { 'group.name': 'g' },
          rules,
          ...(withDefault && m === 0 ? { defaultBackend: { service: 'dflt', port: 80 } } : {}),
        }),
      );
    }
    services.push('dflt');
    const stack = stackOf(ingresses, services);
    const fallback = withDefault ? 'dflt:80' : 'fixed:404';
    for (const host of requestHosts)
      for (const path of requestPaths)
        expect(`${host}${path} -> ${route(stack, host, path)}`).toBe(`${host}${path} -> ${referenceRoute(ref, host, path, fallback)}`);
  });
});

describe('the ALB model itself', () => {
  test.each([
    ['*.foo.com', 'a.b.foo.com', true, true],
    ['*.foo.com', 'foo.com', true, false],
    ['a?c', 'abc', false, true],
    ['/foo/*', '/foo/', false, true],
    ['/foo', '/FOO', false, false],
    ['A.com', 'a.COM', true, true],
  ])('glob(%s, %s)', (pattern, text, ci, expected) => {
    expect(glob(pattern, text, ci)).toBe(expected);
  });
});
