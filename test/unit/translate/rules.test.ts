// The rules a group gets: patterns, evaluation order, wildcard guards, splitting over ALB's
// limits, dedupe, ids, and the per-load-balancer limits.
import type { V1Ingress } from '@kubernetes/client-node';
import type { DesiredState, DesiredStack, RuleSpec } from '../../../src/model/resources.js';
import { ruleCost, RuleLimits } from '../../../src/translate/conditions.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot, type PathOptions } from '../factories.js';
import { describeAction, routeOnStack } from './alb-router.js';

function run(ingresses: readonly V1Ingress[], services: readonly string[] = ['web']): DesiredState {
  return translate(
    snapshot({
      ingresses,
      services: services.map((name) => service({ name })),
      endpointSlices: services.map((name) => endpointSlice({ service: name })),
    }),
    { clusterName: 'test' },
  );
}

function onlyStack(state: DesiredState): DesiredStack {
  expect(state.stacks).toHaveLength(1);
  return state.stacks[0] as DesiredStack;
}

/** `host path -> backend` per rule, the readable shape of a rule list. */
function table(rules: readonly RuleSpec[]): string[] {
  return rules.map((r) => {
    const parts = r.conditions.map((c) =>
      c.field === 'http-header' ? `${c.name}=${c.values.join('|')}` : c.field === 'query-string' ? `?${c.values.map((v) => `${v.key ?? ''}=${v.value}`).join('|')}` : c.values.join('|'),
    );
    return `${parts.join(' ')} -> ${describeAction(r.action)}`;
  });
}

const group = { 'group.name': 'g' };

describe('path patterns', () => {
  test.each<[string, PathOptions, string | undefined, string[]]>([
    ['Prefix /foo matches by element', { path: '/foo' }, undefined, ['/foo|/foo/* -> web:80']],
    ['Prefix trailing slash is ignored', { path: '/aaa/bbb/' }, undefined, ['/aaa/bbb|/aaa/bbb/* -> web:80']],
    ['Exact is the path itself', { path: '/foo/', pathType: 'Exact' }, undefined, ['/foo/ -> web:80']],
    ['ImplementationSpecific is an ALB pattern as written', { path: '/img/*.png', pathType: 'ImplementationSpecific' }, undefined, ['/img/*.png -> web:80']],
    ['Prefix / without host needs a condition: /*', { path: '/' }, undefined, ['/* -> web:80']],
    ['Prefix / with a host has no path condition', { path: '/' }, 'shop.example.com', ['shop.example.com -> web:80']],
    ['hosts are lower-cased', { path: '/' }, 'Shop.Example.COM', ['shop.example.com -> web:80']],
  ])('%s', (_, path, host, expected) => {
    const stack = onlyStack(run([ingress({ ...(host === undefined ? {} : { host }), paths: [path] })]));
    expect(table(stack.rules)).toEqual(expected);
  });

  test.each([
    ['Exact', '/foo*'],
    ['Prefix', '/fo?'],
  ] as const)('a wildcard in a %s path excludes the Ingress, suggesting ImplementationSpecific', (pathType, path) => {
    const state = run([ingress({ namespace: 'shop', name: 'cart', paths: [{ path: '/ok' }, { path, pathType }] })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors).toEqual([
      {
        ingress: 'shop/cart',
        group: 'shop/cart',
        severity: 'excluded',
        message: `Ingress shop/cart: rules[0].http.paths[1]: path "${path}" contains "*" or "?", which would be a wildcard on ALB; pathType ${pathType} matches literally. Use pathType ImplementationSpecific for an ALB pattern`,
      },
    ]);
  });

  test('a pattern over 128 characters is refused', () => {
    const long = `/${'a'.repeat(127)}`;
    const state = run([ingress({ paths: [{ path: long }] })]);
    expect(state.errors[0]?.message).toContain('is too long');
    expect(state.errors[0]?.message).toContain('128');
  });

  test('an invalid host is refused', () => {
    const state = run([ingress({ host: 'a.*.com' })]);
    expect(state.errors[0]?.message).toBe(
      'Ingress default/web: rules[0].host "a.*.com" is not allowed; use a DNS name such as "shop.example.com", or "*.example.com" for one extra label',
    );
  });
});

describe('evaluation order', () => {
  test('exact hosts, then wildcard hosts by labels, then no host; longest path first, Exact before Prefix', () => {
    const stack = onlyStack(
      run([
        ingress({
          name: 'a',
          annotations: group,
          rules: [
            { paths: [{ path: '/' }, { path: '/api' }, { path: '/api', pathType: 'Exact' }] },
            { host: '*.foo.com', paths: [{ path: '/w' }] },
            { host: 'z.foo.com', paths: [{ path: '/z' }] },
          ],
        }),
        ingress({
          name: 'b',
          annotations: group,
          rules: [
            { host: '*.a.foo.com', paths: [{ path: '/deep' }] },
            { host: 'a.foo.com', paths: [{ path: '/longer/path' }, { path: '/' }] },
          ],
        }),
      ]),
    );
    expect(table(stack.rules)).toEqual([
      'a.foo.com /longer/path|/longer/path/* -> web:80',
      'a.foo.com -> web:80',
      'z.foo.com /z|/z/* -> web:80',
      // guards for *.a.foo.com: copies of the host-less rules, then the listener default
      '*.*.a.foo.com /api -> web:80',
      '*.*.a.foo.com /api|/api/* -> web:80',
      // the copy of the host-less Prefix / matches what the final guard would: one rule
      '*.*.a.foo.com -> web:80',
      '*.a.foo.com /deep|/deep/* -> web:80',
      '*.*.foo.com /api -> web:80',
      '*.*.foo.com /api|/api/* -> web:80',
      '*.*.foo.com -> web:80',
      '*.foo.com /w|/w/* -> web:80',
      '/api -> web:80',
      '/api|/api/* -> web:80',
      '/* -> web:80',
    ]);
  });

  test('guard copies keep the Ingress of the rule they copy; the final guard belongs to the group', () => {
    const stack = onlyStack(
      run([
        ingress({ name: 'a', annotations: group, paths: [{ path: '/x' }] }),
        ingress({ name: 'b', annotations: group, host: '*.foo.com' }),
      ]),
    );
    expect(stack.rules.map((r) => [table([r])[0], r.ingress])).toEqual([
      ['*.*.foo.com /x|/x/* -> web:80', 'default/a'],
      ['*.*.foo.com -> fixed:404', null],
      ['*.foo.com -> web:80', 'default/b'],
      ['/x|/x/* -> web:80', 'default/a'],
    ]);
    expect(stack.rules[1]?.tags).not.toHaveProperty(['albatross.dev/ingress']);
    expect(stack.rules[0]?.tags['albatross.dev/ingress']).toBe('default/a');
  });

  test('ties: group order first, then position in the Ingress', () => {
    const stack = onlyStack(
      run(
        [
          ingress({
            name: 'a',
            annotations: { ...group, 'group.order': '2', 'conditions.one': '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":["1"]}}]' },
            paths: [{ path: '/p', service: 'one' }],
          }),
          ingress({
            name: 'b',
            annotations: { ...group, 'group.order': '1', 'conditions.three': '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":["3"]}}]', 'conditions.two': '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":["2"]}}]' },
            paths: [
              { path: '/p', service: 'two' },
              { path: '/p', service: 'three' },
            ],
          }),
        ],
        ['one', 'two', 'three'],
      ),
    );
    expect(table(stack.rules)).toEqual(['/p|/p/* X=2 -> two:80', '/p|/p/* X=3 -> three:80', '/p|/p/* X=1 -> one:80']);
  });

  test('rules go on each listen port of their Ingress; the group listens on the union', () => {
    const stack = onlyStack(
      run([
        ingress({ name: 'a', annotations: { ...group, 'listen-ports': '[{"HTTP": 80}, {"HTTP": 8080}]' }, paths: [{ path: '/a' }] }),
        ingress({ name: 'b', annotations: group, paths: [{ path: '/b' }] }),
      ]),
    );
    expect(stack.listeners.map((l) => l.port)).toEqual([80, 8080]);
    expect(stack.rules.map((r) => `${r.listenerPort} ${table([r])[0]}`)).toEqual([
      '80 /a|/a/* -> web:80',
      '80 /b|/b/* -> web:80',
      '8080 /a|/a/* -> web:80',
    ]);
  });
});

describe('dedupe', () => {
  test('the same host, path and type from two members: the first in group order keeps it', () => {
    const state = run(
      [
        ingress({ name: 'a', annotations: group, host: 'x.com', paths: [{ path: '/p', service: 'one' }] }),
        ingress({ name: 'b', annotations: group, host: 'X.com', paths: [{ path: '/p/', service: 'two' }, { path: '/q', service: 'two' }] }),
      ],
      ['one', 'two'],
    );
    const stack = onlyStack(state);
    expect(state.errors).toEqual([]);
    expect(stack.rules.map((r) => [table([r])[0], r.ingress])).toEqual([
      ['x.com /p|/p/* -> one:80', 'default/a'],
      ['x.com /q|/q/* -> two:80', 'default/b'],
    ]);
  });
});

describe('conditions.NAME', () => {
  test('hosts and paths are ORed into the rule own', () => {
    const conditions = JSON.stringify([
      { field: 'path-pattern', pathPatternConfig: { values: ['/alt'] } },
      { field: 'host-header', hostHeaderConfig: { values: ['Alt.com'] } },
    ]);
    const stack = onlyStack(run([ingress({ host: 'x.com', annotations: { 'conditions.web': conditions }, paths: [{ path: '/p', pathType: 'Exact' }] })]));
    expect(stack.rules.map((r) => r.conditions)).toEqual([
      [
        { field: 'host-header', values: ['x.com', 'alt.com'] },
        { field: 'path-pattern', values: ['/p', '/alt'] },
      ],
    ]);
  });

  test('other conditions are ANDed, sorted canonically', () => {
    const conditions = JSON.stringify([
      { field: 'query-string', queryStringConfig: { values: [{ key: 'v', value: '2' }] } },
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'b-header', values: ['x'] } },
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'A-Header', values: ['y'] } },
      { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } },
    ]);
    const stack = onlyStack(run([ingress({ host: 'x.com', annotations: { 'conditions.web': conditions } })]));
    expect(stack.rules.map((r) => r.conditions)).toEqual([
      [
        { field: 'host-header', values: ['x.com'] },
        { field: 'source-ip', values: ['10.0.0.0/8'] },
        { field: 'http-header', name: 'A-Header', values: ['y'] },
        { field: 'http-header', name: 'b-header', values: ['x'] },
        { field: 'query-string', values: [{ key: 'v', value: '2' }] },
      ],
    ]);
    const request = { host: 'x.com', path: '/', sourceIp: '10.1.2.3', headers: { 'a-header': 'y', 'B-Header': 'x' }, query: { v: '2' } };
    expect(describeAction(routeOnStack(stack, 80, request))).toBe('web:80');
    expect(describeAction(routeOnStack(stack, 80, { ...request, query: { v: '3' } }))).toBe('fixed:404');
  });

  test('apply to every path whose backend service is NAME, including use-annotation actions', () => {
    const stack = onlyStack(
      run([
        ingress({
          annotations: {
            'conditions.canary': '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"canary","values":["yes"]}}]',
            'actions.canary': '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"200","messageBody":"canary"}}',
          },
          paths: [
            { path: '/', service: 'canary', port: 'use-annotation' },
            { path: '/', service: 'web' },
          ],
        }),
      ]),
    );
    expect(table(stack.rules)).toEqual(['canary=yes -> fixed:200', '/* -> web:80']);
  });
});

describe('splitting over ALB limits', () => {
  const hosts = ['a.com', 'b.com', 'c.com', 'd.com', 'e.com'];
  const state = run([
    ingress({
      host: 'x.com',
      annotations: { 'conditions.web': JSON.stringify([{ field: 'host-header', hostHeaderConfig: { values: hosts } }]) },
      paths: [{ path: '/p' }],
    }),
  ]);
  const stack = onlyStack(state);

  test('every rule fits: at most 3 values per condition, 5 per rule, 5 wildcards', () => {
    expect(stack.rules.length).toBeGreaterThan(1);
    for (const rule of stack.rules) {
      const cost = ruleCost(rule.conditions);
      expect(cost.largestCondition).toBeLessThanOrEqual(RuleLimits.valuesPerCondition);
      expect(cost.values).toBeLessThanOrEqual(RuleLimits.valuesPerRule);
      expect(cost.wildcards).toBeLessThanOrEqual(RuleLimits.wildcardsPerRule);
    }
    expect(new Set(stack.rules.map((r) => r.id)).size).toBe(stack.rules.length);
  });

  test('the split rules together match exactly what the one rule meant', () => {
    for (const host of ['x.com', ...hosts])
      for (const path of ['/p', '/p/q'])
        expect(describeAction(routeOnStack(stack, 80, { host, path }))).toBe('web:80');
    expect(describeAction(routeOnStack(stack, 80, { host: 'f.com', path: '/p' }))).toBe('fixed:404');
    expect(describeAction(routeOnStack(stack, 80, { host: 'a.com', path: '/px' }))).toBe('fixed:404');
  });

  test('a rule over the wildcard limit is split when its values can be separated', () => {
    // *.foo.com (1) + /a*b* (2) + /c*d*e* (3) = 6 wildcards: one rule per path pattern.
    const s = onlyStack(
      run([
        ingress({
          host: '*.foo.com',
          annotations: { 'conditions.web': '[{"field":"path-pattern","pathPatternConfig":{"values":["/c*d*e*"]}}]' },
          paths: [{ path: '/a*b*', pathType: 'ImplementationSpecific' }],
        }),
      ]),
    );
    expect(table(s.rules)).toEqual(['*.*.foo.com -> fixed:404', '*.foo.com /a*b* -> web:80', '*.foo.com /c*d*e* -> web:80']);
    expect(describeAction(routeOnStack(s, 80, { host: 'q.foo.com', path: '/c1d2e3' }))).toBe('web:80');
  });

  test('a rule that cannot be split excludes its Ingress', () => {
    const result = run([ingress({ namespace: 'shop', name: 'cart', paths: [{ path: '/a*b*c*d*e*f*', pathType: 'ImplementationSpecific' }] })]);
    expect(result.stacks).toEqual([]);
    expect(result.errors).toEqual([
      {
        ingress: 'shop/cart',
        group: 'shop/cart',
        severity: 'excluded',
        message:
          "Ingress shop/cart: rules[0].http.paths[0]: this path's ALB rule needs 6 wildcards (ALB allows 5 per rule), and cannot be split into smaller rules",
      },
    ]);
  });

  test('a host-less rule whose guard copy cannot fit excludes its Ingress, and the others stay', () => {
    const result = run([
      ingress({ name: 'a', annotations: group, paths: [{ path: '/a*b*c*d*', pathType: 'ImplementationSpecific' }] }),
      ingress({ name: 'b', annotations: group, host: '*.foo.com' }),
    ]);
    const s = onlyStack(result);
    expect(s.ingresses).toEqual(['default/b']);
    expect(s.frozenIngresses).toEqual(['default/a']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain('the copy of this path\'s rule for host "*.*.foo.com"');
    expect(result.errors[0]?.message).toContain('needs 6 wildcards');
  });
});

describe('rule ids', () => {
  test('derive from what the rule matches, not from its action or position', () => {
    const one = onlyStack(run([ingress({ host: 'x.com', paths: [{ path: '/a' }, { path: '/b' }] })]));
    const other = onlyStack(run([ingress({ host: 'x.com', paths: [{ path: '/b', service: 'other' }] })], ['other']));
    expect(one.rules.map((r) => r.id)).toEqual([expect.stringMatching(/^rule\/80\/[0-9a-f]{12}$/), expect.stringMatching(/^rule\/80\/[0-9a-f]{12}$/)]);
    expect(other.rules[0]?.id).toBe(one.rules[1]?.id);
    expect(one.rules[0]?.tags).toEqual({
      'albatross.dev/cluster': 'test',
      'albatross.dev/group': 'default/web',
      'albatross.dev/resource': one.rules[0]?.id,
      'albatross.dev/ingress': 'default/web',
    });
  });
});

describe('load balancer limits', () => {
  test('over 100 rules: the group is not built and every member is told why', () => {
    const paths = (prefix: string, n: number): PathOptions[] => Array.from({ length: n }, (_, i) => ({ path: `/${prefix}${i}` }));
    const state = run([
      ingress({ name: 'a', annotations: group, paths: paths('a', 60) }),
      ingress({ name: 'b', annotations: group, paths: paths('b', 41) }),
    ]);
    expect(state.stacks).toEqual([]);
    expect(state.frozenGroups).toEqual(['alb:g']);
    const message = 'group alb:g needs 101 listener rules; an ALB allows at most 100 (not counting listener defaults), so the group is not changed. Split it into several groups';
    expect(state.errors).toEqual([
      { ingress: 'default/a', group: 'alb:g', severity: 'excluded', message: `Ingress default/a: ${message}` },
      { ingress: 'default/b', group: 'alb:g', severity: 'excluded', message: `Ingress default/b: ${message}` },
    ]);
  });

  test('exactly 100 rules is fine', () => {
    const state = run([ingress({ paths: Array.from({ length: 100 }, (_, i) => ({ path: `/p${i}` })) })]);
    expect(onlyStack(state).rules).toHaveLength(100);
  });

  test('over 100 target groups: the group is not built', () => {
    // 21 paths, each a weighted forward to 5 Services: 21 rules, 105 target groups.
    const names = Array.from({ length: 105 }, (_, i) => `s${i}`);
    const annotations: Record<string, string> = { ...group };
    const paths: PathOptions[] = [];
    for (let a = 0; a < 21; a++) {
      const targetGroups = names.slice(a * 5, a * 5 + 5).map((n) => ({ serviceName: n, servicePort: 80, weight: 1 }));
      annotations[`actions.split${a}`] = JSON.stringify({ type: 'forward', forwardConfig: { targetGroups } });
      paths.push({ path: `/p${a}`, service: `split${a}`, port: 'use-annotation' });
    }
    const state = run([ingress({ annotations, paths })], names);
    expect(state.stacks).toEqual([]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/web: group alb:g needs 105 target groups; an ALB allows at most 100, so the group is not changed. Split it into several groups',
    ]);
  });
});
