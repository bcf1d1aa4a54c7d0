// Path precedence: a request is served by the most specific path that matches it. Paths that
// match one request path only (Exact, or a pattern without `*`/`?`) come first, then the
// longest Prefix or pattern, a pattern counting only its literal part (the text before its
// first `*` or `?`); Prefix before pattern at equal length; then group order and position.
// Checked by routing requests through the ALB model.
import type { V1Ingress } from '@kubernetes/client-node';
import type { DesiredStack } from '../../../src/model/resources.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot, type PathType } from '../factories.js';
import { describeAction, routeOnStack } from './alb-router.js';
import { mostSpecific, prng, type RefPath } from './reference-precedence.js';

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

describe('an Exact path beats a pattern that also matches it', () => {
  // given: the portal of the field report
  const stack = stackOf(
    [
      ingress({
        name: 'portal',
        host: 'portal.example.com',
        annotations: { 'actions.root-redirect': '{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301", "Path": "/auth"}}' },
        paths: [
          { path: '/', pathType: 'Exact', service: 'root-redirect', port: 'use-annotation' },
          { path: '/*', pathType: 'ImplementationSpecific', service: 'portal' },
        ],
      }),
    ],
    ['portal'],
  );
  const get = (path: string): string => {
    const action = routeOnStack(stack, 80, { host: 'portal.example.com', path });
    return action.type === 'redirect' ? `redirect to ${action.path}` : describeAction(action);
  };

  test.each([
    ['/', 'redirect to /auth'],
    ['/home', 'portal:80'],
    ['/auth', 'portal:80'],
  ])('%s -> %s', (path, expected) => {
    expect(get(path)).toBe(expected);
  });
});

describe('patterns rank by their literal part', () => {
  const stack = stackOf(
    [
      ingress({
        name: 'p',
        paths: [
          { path: '/*', pathType: 'ImplementationSpecific', service: 'any' },
          { path: '/api', service: 'api' },
          { path: '/api/v*', pathType: 'ImplementationSpecific', service: 'versioned' },
          { path: '/api*', pathType: 'ImplementationSpecific', service: 'api-like' },
          { path: '/api/health', pathType: 'ImplementationSpecific', service: 'health' },
        ],
      }),
    ],
    ['any', 'api', 'versioned', 'api-like', 'health'],
  );
  test.each([
    ['/', 'any:80'],
    ['/x', 'any:80'],
    ['/api', 'api:80'],
    ['/api/x', 'api:80'],
    ['/apix', 'api-like:80'],
    ['/api/v2/users', 'versioned:80'],
    ['/api/health', 'health:80'],
    ['/api/healthz', 'api:80'],
  ])('%s -> %s', (path, expected) => {
    expect(describeAction(routeOnStack(stack, 80, { host: 'x.com', path }))).toBe(expected);
  });
});

// --- The precedence as a reference model, against the ALB model on random groups.

interface HostPath extends RefPath {
  readonly host: string | null;
}

/** 0 exact host, 1 wildcard host (one label), 2 no host; `null` when the host does not match. */
function hostTier(pattern: string | null, host: string): number | null {
  if (pattern === null) return 2;
  if (!pattern.startsWith('*.')) return pattern === host ? 0 : null;
  const suffix = pattern.slice(1);
  const first = host.slice(0, host.length - suffix.length);
  return host.endsWith(suffix) && first !== '' && !first.includes('.') ? 1 : null;
}

function referenceRoute(paths: readonly HostPath[], host: string, path: string): string {
  for (const tier of [0, 1, 2]) {
    const best = mostSpecific(paths.filter((p) => hostTier(p.host, host) === tier), path);
    if (best !== undefined) return `${best.service}:80`;
  }
  return 'fixed:404';
}

const pathChoices: readonly [PathType, string][] = [
  ['Exact', '/'],
  ['Exact', '/foo'],
  ['Exact', '/foo/'],
  ['Exact', '/foo/bar'],
  ['Prefix', '/'],
  ['Prefix', '/foo'],
  ['Prefix', '/foo/'],
  ['Prefix', '/foo/bar'],
  ['Prefix', '/a'],
  ['ImplementationSpecific', '/*'],
  ['ImplementationSpecific', '/foo*'],
  ['ImplementationSpecific', '/foo/*'],
  ['ImplementationSpecific', '/fo?'],
  ['ImplementationSpecific', '/foo'],
  ['ImplementationSpecific', '/a/*/c'],
  ['ImplementationSpecific', '/*bar'],
];
const requestPaths = ['/', '/foo', '/foo/', '/foo/bar', '/foo/bar/baz', '/foobar', '/fox', '/fo', '/a', '/a/b/c', '/a/bc', '/bar', '/x'];

/** A random group: `hosts` to pick from, 1 to `members` Ingresses of 1 to 4 paths each. */
function randomGroup(seed: number, hosts: readonly (string | null)[], members: number): { ingresses: V1Ingress[]; ref: HostPath[]; services: string[] } {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const ingresses: V1Ingress[] = [];
  const ref: HostPath[] = [];
  const services: string[] = [];
  const count = 1 + Math.floor(rand() * members);
  for (let m = 0; m < count; m++) {
    const host = pick(hosts);
    const paths = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, position) => {
      const [pathType, path] = pick(pathChoices);
      const svc = `s${m}-${position}`;
      services.push(svc);
      ref.push({ host, path, type: pathType, service: svc, member: m, position });
      return { path, pathType, service: svc };
    });
    ingresses.push(ingress({ name: `m${m}`, annotations: { 'group.name': 'g' }, ...(host === null ? {} : { host }), paths }));
  }
  return { ingresses, ref, services };
}

describe('random paths agree with the precedence', () => {
  test.each(Array.from({ length: 30 }, (_, i) => i + 1))('on one host, seed %i', (seed) => {
    const { ingresses, ref, services } = randomGroup(seed, ['shop.example.com'], 1);
    const stack = stackOf(ingresses, services);
    for (const path of requestPaths)
      expect(`${path} -> ${describeAction(routeOnStack(stack, 80, { host: 'shop.example.com', path }))}`).toBe(
        `${path} -> ${referenceRoute(ref, 'shop.example.com', path)}`,
      );
  });

  test.each(Array.from({ length: 30 }, (_, i) => i + 100))('across a group, seed %i', (seed) => {
    const { ingresses, ref, services } = randomGroup(seed, [null, 'shop.example.com', '*.example.com'], 4);
    const stack = stackOf(ingresses, services);
    for (const host of ['shop.example.com', 'a.example.com', 'a.b.example.com', 'other.org'])
      for (const path of requestPaths)
        expect(`${host}${path} -> ${describeAction(routeOnStack(stack, 80, { host, path }))}`).toBe(
          `${host}${path} -> ${referenceRoute(ref, host, path)}`,
        );
  });
});
