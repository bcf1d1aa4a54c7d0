// The Gateway API's precedence, checked as a property: random HTTPRoutes on one Gateway, random
// requests, and for each request the backend the Gateway API says must serve it (computed here
// from the spec's rules: the listener's and routes' hostnames, then the most specific hostname,
// Exact before PathPrefix, the longest prefix, method, header count, query count, the oldest
// route, then name, rule and match order) against the one the ALB rules give, evaluated first
// match wins through the ALB model. Header and query values are lower case: ALB compares them
// without case, a difference docs/gateway-api.md states.
import type { HTTPRouteMatch, HTTPRouteRule, V1HTTPRoute } from '../../../src/gateway/types.js';
import { translateGateway } from '../../../src/gateway/translate.js';
import { describeAction, routeOnStack, type AlbRequest } from '../translate/alb-router.js';
import { prng } from '../translate/reference-precedence.js';
import { backendObjects, gateway, gatewaySource, http, route } from './source.js';

interface RefMatch {
  readonly exact: boolean;
  readonly path: string;
  readonly method?: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly query: readonly (readonly [string, string])[];
}
interface RefRoute {
  readonly name: string;
  /** The listener it names by `sectionName`; `undefined` for every listener. */
  readonly section: string | undefined;
  readonly created: number;
  readonly hostnames: readonly string[];
  readonly rules: readonly { readonly matches: readonly RefMatch[]; readonly backend: string }[];
}

const hostPool = ['a.example.com', 'b.example.com', '*.example.com', '*.b.example.com'];
const listenerPool: readonly (string | null)[] = [null, '*.example.com', 'a.example.com', '*.b.example.com'];
const pathPool: readonly { exact: boolean; path: string }[] = [
  { exact: false, path: '/' },
  { exact: false, path: '/a' },
  { exact: false, path: '/a/b' },
  { exact: false, path: '/ab' },
  { exact: true, path: '/a' },
  { exact: true, path: '/a/b' },
];
const requestHosts = ['a.example.com', 'b.example.com', 'x.b.example.com', 'c.example.com', 'other.org'];
const requestPaths = ['/', '/a', '/a/', '/a/b', '/ab', '/a/b/c', '/abc'];

function wildcardMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : pattern === host;
}

/** Spec hostname intersection of a listener hostname and a route's hostnames; `null` = any host. */
function effectiveHosts(listener: string | null, hostnames: readonly string[]): readonly string[] | null {
  if (listener === null) return hostnames.length === 0 ? null : hostnames;
  if (hostnames.length === 0) return [listener];
  const inner = (outer: string, h: string): boolean => {
    if (outer === h) return true;
    if (!outer.startsWith('*.')) return false;
    const name = h.startsWith('*.') ? h.slice(1) : h;
    return name.endsWith(outer.slice(1)) && name.length > outer.length - 1;
  };
  return hostnames.flatMap((h) => (inner(listener, h) ? [h] : inner(h, listener) ? [listener] : []));
}

function pathMatches(m: RefMatch, path: string): boolean {
  if (m.exact) return path === m.path;
  const prefix = m.path.replace(/\/+$/, '');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

interface RefListener {
  readonly name: string;
  readonly hostname: string | null;
}

/** The listener a request goes to: the most specific one whose hostname matches it (listener isolation). */
function listenerFor(listeners: readonly RefListener[], host: string): RefListener | undefined {
  const tier = (h: string | null): number => (h === null ? 2 : h.startsWith('*') ? 1 : 0);
  return listeners
    .filter((l) => l.hostname === null || wildcardMatches(l.hostname, host))
    .sort((a, b) => tier(a.hostname) - tier(b.hostname) || (b.hostname?.length ?? 0) - (a.hostname?.length ?? 0))[0];
}

function expected(listeners: readonly RefListener[], routes: readonly RefRoute[], req: Required<Pick<AlbRequest, 'host' | 'path' | 'method'>> & { headers: Record<string, string>; query: Record<string, string> }): string {
  const chosen = listenerFor(listeners, req.host);
  if (chosen === undefined) return 'fixed:404';
  const listener = chosen.hostname;
  type Candidate = { host: string | null; m: RefMatch; route: RefRoute; rule: number; match: number; backend: string };
  const candidates: Candidate[] = [];
  for (const r of routes) {
    if (r.section !== undefined && r.section !== chosen.name) continue;
    const hosts = effectiveHosts(listener, r.hostnames);
    let host: string | null = null;
    if (hosts !== null) {
      const matching = hosts.filter((h) => wildcardMatches(h, req.host)).sort((a, b) => Number(a.startsWith('*')) - Number(b.startsWith('*')) || b.length - a.length);
      if (matching.length === 0) continue;
      host = matching[0] ?? null;
    }
    r.rules.forEach((rule, i) =>
      rule.matches.forEach((m, j) => {
        if (!pathMatches(m, req.path)) return;
        if (m.method !== undefined && m.method !== req.method) return;
        if (!m.headers.every(([k, v]) => req.headers[k] === v)) return;
        if (!m.query.every(([k, v]) => req.query[k] === v)) return;
        candidates.push({ host, m, route: r, rule: i, match: j, backend: rule.backend });
      }),
    );
  }
  const tier = (h: string | null): number => (h === null ? 2 : h.startsWith('*') ? 1 : 0);
  candidates.sort(
    (a, b) =>
      tier(a.host) - tier(b.host) ||
      (b.host?.length ?? 0) - (a.host?.length ?? 0) ||
      Number(b.m.exact) - Number(a.m.exact) ||
      b.m.path.replace(/\/+$/, '').length - a.m.path.replace(/\/+$/, '').length ||
      Number(b.m.method !== undefined) - Number(a.m.method !== undefined) ||
      b.m.headers.length - a.m.headers.length ||
      b.m.query.length - a.m.query.length ||
      a.route.created - b.route.created ||
      (a.route.name < b.route.name ? -1 : a.route.name > b.route.name ? 1 : 0) ||
      a.rule - b.rule ||
      a.match - b.match,
  );
  return candidates[0]?.backend ?? 'fixed:404';
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function subset<T>(random: () => number, items: readonly T[], p: number): T[] {
  return items.filter(() => random() < p);
}

/** A match ALB can hold in one rule (5 condition values: host, path, and 3 of method, headers and query). */
function randomMatch(random: () => number): RefMatch {
  const path = pick(random, pathPool);
  const method = random() < 0.3 ? { method: pick(random, ['GET', 'POST']) } : {};
  const headers = subset(random, [['x-team', 'blue'] as const, ['x-env', 'prod'] as const], 0.25);
  const query = headers.length + ('method' in method ? 1 : 0) < 3 ? subset(random, [['q', 'one'] as const], 0.2) : [];
  return { ...path, ...method, headers, query };
}

function toRoute(r: RefRoute): V1HTTPRoute {
  const rules: HTTPRouteRule[] = r.rules.map((rule) => ({
    matches: rule.matches.map(
      (m): HTTPRouteMatch => ({
        path: { type: m.exact ? 'Exact' : 'PathPrefix', value: m.path },
        ...(m.method === undefined ? {} : { method: m.method }),
        ...(m.headers.length === 0 ? {} : { headers: m.headers.map(([name, value]) => ({ name, value })) }),
        ...(m.query.length === 0 ? {} : { queryParams: m.query.map(([name, value]) => ({ name, value })) }),
      }),
    ),
    backendRefs: [{ name: rule.backend, port: 8080 }],
  }));
  return route(r.name, rules, {
    hostnames: r.hostnames,
    created: new Date(Date.UTC(2026, 0, 1, 0, r.created)).toISOString(),
    parents: [{ name: 'gw', namespace: 'infra', ...(r.section === undefined ? {} : { sectionName: r.section }) }],
  });
}

describe('HTTPRoute precedence through the ALB model', () => {
  const seeds = Array.from({ length: 150 }, (_, i) => i + 1);
  test.each(seeds)('seed %i', (seed) => {
    const random = prng(seed * 7919);
    // One to three listeners on port 80 with distinct hostnames.
    const hostnames = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, listenerPool)))];
    const listeners: RefListener[] = hostnames.map((hostname, i) => ({ name: `l${i}`, hostname }));
    const count = 1 + Math.floor(random() * 4);
    const names = ['alpha', 'bravo', 'charlie', 'delta'].slice(0, count);
    const createdOrder = names.map(() => Math.floor(random() * 3));
    const routes: RefRoute[] = names.map((name, i) => ({
      name,
      section: random() < 0.5 ? undefined : pick(random, listeners).name,
      created: createdOrder[i] ?? 0,
      hostnames: subset(random, hostPool, 0.3),
      rules: Array.from({ length: 1 + Math.floor(random() * 2) }, (_, j) => ({
        matches: Array.from({ length: 1 + Math.floor(random() * 2) }, () => randomMatch(random)),
        backend: `${name}-${j}`,
      })),
    }));
    const backends = backendObjects(routes.flatMap((r) => r.rules.map((rule) => rule.backend)));
    const translation = translateGateway(
      gatewaySource({ gateways: [gateway('gw', listeners.map((l) => http(l.name, 80, l.hostname === null ? {} : { hostname: l.hostname })))], routes: routes.map(toRoute), ...backends }),
      'gateway:infra/gw',
      { clusterName: 'test' },
    );
    const stack = translation.stack;
    if (stack === null) throw new Error(JSON.stringify(translation.errors));
    const mismatches: string[] = [];
    for (let n = 0; n < 40; n++) {
      const req = {
        host: pick(random, requestHosts),
        path: pick(random, requestPaths),
        method: pick(random, ['GET', 'POST']),
        headers: Object.fromEntries(subset(random, [['x-team', 'blue'], ['x-env', 'prod']], 0.5)) as Record<string, string>,
        query: Object.fromEntries(subset(random, [['q', 'one']], 0.5)) as Record<string, string>,
      };
      const want = expected(listeners, routes, req);
      const got = describeAction(routeOnStack(stack, 80, req)).replace(/:8080$/, '');
      if (want !== got) mismatches.push(`${JSON.stringify(req)}: spec ${want}, ALB ${got}`);
    }
    expect(mismatches).toEqual([]);
  });
});
