// What translate leaves out or cannot serve is said, never silent: redirect loops, paths
// shadowed by an identical earlier path, backends that can never have pods.
import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import type { DesiredStack, DesiredState } from '../../../src/model/resources.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';
import { describeAction, routeOnStack } from './alb-router.js';

function run(ingresses: readonly V1Ingress[], services: readonly V1Service[]): DesiredState {
  return translate(
    snapshot({
      ingresses,
      services,
      endpointSlices: services.map((s) => endpointSlice({ service: s.metadata?.name ?? '' })),
    }),
    { clusterName: 'test', tls: () => ({ ok: true, value: { fingerprint: 'f'.repeat(64), names: ['app.example.com'] } }) },
  );
}

function onlyStack(state: DesiredState): DesiredStack {
  expect(state.stacks).toHaveLength(1);
  return state.stacks[0] as DesiredStack;
}

const sslRedirect = '{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}';

describe('a redirect to the listener itself (the pre-2.2 ssl-redirect recipe)', () => {
  // given: the recipe the AWS Load Balancer Controller documented before v2.2
  const recipe = ingress({
    namespace: 'app',
    name: 'web',
    annotations: {
      'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
      'certificate-arn': 'arn:aws:acm:eu-west-1:111122223333:certificate/app',
      'actions.ssl-redirect': sslRedirect,
    },
    paths: [
      { path: '/*', pathType: 'ImplementationSpecific', service: 'ssl-redirect', port: 'use-annotation' },
      { path: '/*', pathType: 'ImplementationSpecific', service: 'web', port: 80 },
    ],
  });
  const state = run([recipe], [service({ name: 'web', namespace: 'app' })]);
  const stack = onlyStack(state);
  const get = (port: number, path: string): string => describeAction(routeOnStack(stack, port, { host: 'app.example.com', path }));

  test('HTTP redirects to HTTPS 443', () => {
    expect(get(80, '/x')).toBe('redirect:HTTPS:443');
  });

  test('HTTPS is served by web instead of redirecting to itself', () => {
    expect(get(443, '/x')).toBe('web:80');
    expect(stack.rules.filter((r) => r.listenerPort === 443).map((r) => r.action.type)).toEqual(['forward']);
  });

  test('is a warning, not an error, naming the Ingress, the action and the listener; the shadowed path on HTTP too', () => {
    expect(state.errors).toEqual([]);
    expect(state.warnings).toEqual([
      {
        ingress: 'app/web',
        group: 'app/web',
        message:
          'Ingress app/web: rules[0].http.paths[1] (no host, ImplementationSpecific "/*") is not served on listener port 80: rules[0].http.paths[0] of the same Ingress matches exactly the same requests and comes first in rule order. Give one of them another path, host or conditions',
      },
      {
        ingress: 'app/web',
        group: 'app/web',
        message:
          'Ingress app/web: rules[0].http.paths[0]: annotation alb.ingress.kubernetes.io/actions.ssl-redirect redirects to HTTPS, port 443, host #{host}, path /#{path}, query #{query}, which on listener HTTPS 443 is the same URL the request came with: every request would be redirected to itself forever. The redirect is left out of that listener, so requests there go to the next matching path (or the default action)',
      },
    ]);
  });
});

describe('which redirects loop', () => {
  const redirect = (config: string): DesiredStack =>
    onlyStack(
      run(
        [
          ingress({
            name: 'r',
            host: 'portal.example.com',
            annotations: { 'actions.go': `{"type": "redirect", "redirectConfig": {${config}, "statusCode": "HTTP_302"}}` },
            paths: [{ path: '/old', pathType: 'Exact', service: 'go', port: 'use-annotation' }],
          }),
        ],
        [service()],
      ),
    );
  test.each([
    ['"protocol": "HTTP"', 0],
    ['"port": "80"', 0],
    ['"host": "PORTAL.example.com"', 0],
    ['"path": "/old"', 0],
    ['"path": "/new"', 1],
    ['"host": "other.example.com"', 1],
    ['"protocol": "HTTPS"', 1],
    ['"port": "8080"', 1],
    ['"query": "a=1"', 1],
  ])('%s on HTTP 80 keeps %i rule', (config, rules) => {
    expect(redirect(config).rules).toHaveLength(rules);
  });

  test('a default backend redirecting to its own listener leaves that listener answering 404', () => {
    const state = run(
      [
        ingress({
          name: 'd',
          annotations: { 'actions.home': '{"type": "redirect", "redirectConfig": {"port": "80", "statusCode": "HTTP_301"}}' },
          rules: [],
          defaultBackend: { service: 'home', port: 'use-annotation' },
        }),
      ],
      [service()],
    );
    expect(onlyStack(state).listeners.map((l) => l.defaultAction)).toEqual([{ type: 'fixed-response', statusCode: '404', contentType: 'text/plain' }]);
    expect(state.warnings.map((w) => w.message)).toEqual([
      'Ingress default/d: spec.defaultBackend redirects to #{protocol}, port 80, host #{host}, path /#{path}, query #{query}, which on listener HTTP 80 is the same URL the request came with: every request would be redirected to itself forever. That listener answers requests no rule matches with a fixed 404 instead',
    ]);
  });
});

describe('paths shadowed by an identical earlier path', () => {
  test('across two Ingresses: the later one is named with the earlier one and the path', () => {
    const state = run(
      [
        ingress({ name: 'a', annotations: { 'group.name': 'g' }, host: 'x.com', paths: [{ path: '/api', service: 'one' }] }),
        ingress({ name: 'b', annotations: { 'group.name': 'g' }, host: 'x.com', paths: [{ path: '/api', service: 'two' }] }),
      ],
      [service({ name: 'one' }), service({ name: 'two' })],
    );
    expect(describeAction(routeOnStack(onlyStack(state), 80, { host: 'x.com', path: '/api' }))).toBe('one:80');
    expect(state.warnings).toEqual([
      {
        ingress: 'default/b',
        group: 'alb:g',
        message:
          'Ingress default/b: rules[0].http.paths[0] (host "x.com", Prefix "/api") is not served on listener port 80: rules[0].http.paths[0] of Ingress default/a matches exactly the same requests and comes first in rule order. Give one of them another path, host or conditions',
      },
    ]);
  });

  test('the same path to the same backend loses nothing and says nothing', () => {
    const state = run(
      [
        ingress({ name: 'a', annotations: { 'group.name': 'g' }, paths: [{ path: '/api' }] }),
        ingress({ name: 'b', annotations: { 'group.name': 'g' }, paths: [{ path: '/api' }] }),
      ],
      [service()],
    );
    expect(onlyStack(state).rules).toHaveLength(1);
    expect(state.warnings).toEqual([]);
  });

  test('conditions.NAME paths on a path that matches everything are reported as having no effect', () => {
    const state = run(
      [
        ingress({
          name: 'c',
          annotations: { 'conditions.web': '[{"field": "path-pattern", "pathPatternConfig": {"values": ["/only"]}}]' },
          paths: [{ path: '/' }],
        }),
      ],
      [service()],
    );
    expect(state.warnings.map((w) => w.message)).toEqual([
      'Ingress default/c: rules[0].http.paths[0]: annotation alb.ingress.kubernetes.io/conditions.web: path-pattern "/only" has no effect on path "/" (Prefix), which matches every path already',
    ]);
  });
});

describe('a backend that can never have pods', () => {
  test('an ExternalName Service answers a fixed 503 and is reported, and no target group is made', () => {
    const state = run(
      [ingress({ name: 'ext', paths: [{ path: '/legacy', service: 'legacy' }, { path: '/', service: 'web' }] })],
      [service({ name: 'legacy', type: 'ExternalName', externalName: 'legacy.example.com' }), service()],
    );
    const stack = onlyStack(state);
    expect(describeAction(routeOnStack(stack, 80, { host: 'x', path: '/legacy/a' }))).toBe('fixed:503');
    expect(routeOnStack(stack, 80, { host: 'x', path: '/legacy' })).toEqual({
      type: 'fixed-response',
      statusCode: '503',
      contentType: 'text/plain',
      messageBody: 'Backend service has no pods',
    });
    expect(describeAction(routeOnStack(stack, 80, { host: 'x', path: '/other' }))).toBe('web:80');
    expect(stack.targetGroups.map((t) => t.service.key)).toEqual(['default/web']);
    expect(state.errors).toEqual([
      {
        ingress: 'default/ext',
        group: 'default/ext',
        severity: 'degraded',
        message:
          'Ingress default/ext: rules[0].http.paths[0]: Service default/legacy is of type ExternalName ("legacy.example.com"), which has no pods for the load balancer to send requests to; the path answers a fixed 503. Use a Service with a selector',
      },
    ]);
  });
});

describe('group-wide annotations that change nothing', () => {
  test('inbound-cidrs with security-groups is reported; manage-backend-security-group-rules "true" is not, since it takes effect', () => {
    const state = run(
      [
        ingress({
          name: 'sg',
          annotations: { 'security-groups': 'sg-0123456789abcdef0', 'inbound-cidrs': '10.0.0.0/8', 'manage-backend-security-group-rules': 'true' },
        }),
      ],
      [service()],
    );
    expect(state.errors).toEqual([]);
    expect(state.warnings.map((w) => w.message)).toEqual([
      'Ingress default/sg: annotation alb.ingress.kubernetes.io/inbound-cidrs: "10.0.0.0/8" has no effect because alb.ingress.kubernetes.io/security-groups names the load balancer\'s security groups; allow those CIDRs in them instead',
    ]);
  });
});

describe('ssl-redirect and a member on HTTP only', () => {
  test('its paths, served on no listener, are said', () => {
    const secure = ingress({
      namespace: 'app',
      name: 'secure',
      annotations: {
        'group.name': 'g1',
        'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
        'certificate-arn': 'arn:aws:acm:eu-west-1:111122223333:certificate/app',
        'ssl-redirect': '443',
      },
      paths: [{ path: '/', service: 'web' }],
    });
    const plain = ingress({ namespace: 'app', name: 'plain', annotations: { 'group.name': 'g1' }, paths: [{ path: '/api/v2', service: 'web' }] });
    const state = run([secure, plain], [service({ namespace: 'app', name: 'web' })]);
    expect(state.errors).toEqual([]);
    expect(state.warnings).toEqual([
      {
        ingress: 'app/plain',
        group: 'alb:g1',
        message:
          'Ingress app/plain: its paths are served on no listener: annotation alb.ingress.kubernetes.io/ssl-redirect "443" of the group makes every HTTP port redirect to HTTPS port 443, and this Ingress listens on HTTP only; add spec.tls, or alb.ingress.kubernetes.io/listen-ports with {"HTTPS": 443}',
      },
    ]);
  });
});
