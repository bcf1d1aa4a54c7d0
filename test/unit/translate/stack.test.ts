// A group's stack as a whole: members agreeing on group settings, broken members left out,
// missing backends degraded, and the load balancer, security group, listeners and target
// groups built from the annotations.
import { expect } from '@jest/globals';
import type { V1EndpointSlice, V1Ingress, V1Service } from '@kubernetes/client-node';
import type { DesiredStack, DesiredState } from '../../../src/model/resources.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';
import { describeAction, routeOnStack } from './alb-router.js';
import { defined } from '../../defined.js';

function run(
  ingresses: readonly V1Ingress[],
  services: readonly V1Service[] = [service()],
  endpointSlices: readonly V1EndpointSlice[] = [endpointSlice()],
): DesiredState {
  return translate(snapshot({ ingresses, services, endpointSlices }), { clusterName: 'prod' });
}

function onlyStack(state: DesiredState): DesiredStack {
  expect(state.stacks).toHaveLength(1);
  return state.stacks[0] as DesiredStack;
}

const g = (more: Record<string, string> = {}): Record<string, string> => ({ 'group.name': 'shop', ...more });

describe('group settings must agree', () => {
  test('a later member setting a different value is left out; the message names both and both values', () => {
    const state = run([
      ingress({ namespace: 'shop', name: 'a', annotations: g({ scheme: 'internet-facing' }) }),
      ingress({ namespace: 'shop', name: 'b', annotations: g(), paths: [{ path: '/b' }] }),
      ingress({ namespace: 'shop', name: 'c', annotations: g({ scheme: 'internal' }), paths: [{ path: '/c' }] }),
    ], [service({ namespace: 'shop' })]);
    const stack = onlyStack(state);
    expect(stack.loadBalancer.scheme).toBe('internet-facing');
    expect(stack.ingresses).toEqual(['shop/a', 'shop/b']);
    expect(stack.frozenIngresses).toEqual(['shop/c']);
    expect(state.errors).toEqual([
      {
        ingress: 'shop/c',
        group: 'alb:shop',
        severity: 'excluded',
        message:
          'Ingress shop/c: annotation alb.ingress.kubernetes.io/scheme: "internal" conflicts with "internet-facing" set by Ingress shop/a, an earlier member of group alb:shop; members of a group must agree on it (set the same value or leave it unset)',
      },
    ]);
  });

  test('the same value written differently is no conflict (lists compare as sets)', () => {
    const state = run([
      ingress({ name: 'a', annotations: g({ subnets: 'subnet-1,subnet-2' }) }),
      ingress({ name: 'b', annotations: g({ subnets: 'subnet-2, subnet-1' }), paths: [{ path: '/b' }] }),
    ]);
    expect(state.errors).toEqual([]);
    expect(onlyStack(state).loadBalancer.subnets).toEqual({ kind: 'ids', ids: ['subnet-1', 'subnet-2'] });
  });

  test.each([
    ['ip-address-type', 'ipv4', 'dualstack'],
    ['subnets', 'subnet-1', 'subnet-2'],
    ['security-groups', 'sg-1', 'sg-2'],
    ['inbound-cidrs', '10.0.0.0/8', '0.0.0.0/0'],
    ['load-balancer-name', 'shop', 'shop-2'],
    ['load-balancer-attributes', 'idle_timeout.timeout_seconds=60', 'idle_timeout.timeout_seconds=120'],
    ['manage-backend-security-group-rules', 'true', 'false'],
  ])('%s conflicts', (name, first, second) => {
    const state = run([
      ingress({ name: 'a', annotations: g({ [name]: first }) }),
      ingress({ name: 'b', annotations: g({ [name]: second }), paths: [{ path: '/b' }] }),
    ]);
    expect(onlyStack(state).ingresses).toEqual(['default/a']);
    expect(state.errors.map((e) => e.message)).toEqual([
      `Ingress default/b: annotation alb.ingress.kubernetes.io/${name}: "${second}" conflicts with "${first}" set by Ingress default/a, an earlier member of group alb:shop; members of a group must agree on it (set the same value or leave it unset)`,
    ]);
  });

  test('tags merge across members; the same key with another value conflicts', () => {
    const state = run([
      ingress({ name: 'a', annotations: g({ tags: 'team=shop,env=prod' }) }),
      ingress({ name: 'b', annotations: g({ tags: 'cost=42,env=prod' }), paths: [{ path: '/b' }] }),
      ingress({ name: 'c', annotations: g({ tags: 'team=blog' }), paths: [{ path: '/c' }] }),
    ]);
    const stack = onlyStack(state);
    expect(stack.loadBalancer.tags).toEqual({
      team: 'shop',
      env: 'prod',
      cost: '42',
      'albatross.dev/cluster': 'prod',
      'albatross.dev/group': 'shop',
      'albatross.dev/ingress-class': 'alb',
      'albatross.dev/resource': 'loadbalancer',
    });
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/c: annotation alb.ingress.kubernetes.io/tags: tag "team" is "blog", which conflicts with "shop" set by Ingress default/a, an earlier member of group alb:shop',
    ]);
  });

  test('two default backends: the later member is left out', () => {
    const state = run(
      [
        ingress({ name: 'a', annotations: g(), defaultBackend: { service: 'web', port: 80 } }),
        ingress({ name: 'b', annotations: g(), paths: [{ path: '/b' }], defaultBackend: { service: 'web', port: 80 } }),
      ],
    );
    expect(onlyStack(state).ingresses).toEqual(['default/a']);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/b: spec.defaultBackend conflicts with the default backend of Ingress default/a, an earlier member of group alb:shop; a group has one default backend',
    ]);
  });

  test('a port HTTP in one member and HTTPS in another conflicts', () => {
    const state = run([
      ingress({ name: 'a', annotations: g({ 'listen-ports': '[{"HTTP": 8443}]' }) }),
      ingress({ name: 'b', annotations: g({ 'listen-ports': '[{"HTTPS": 8443}]', 'certificate-arn': 'arn:c' }), paths: [{ path: '/b' }] }),
    ]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/b: annotation alb.ingress.kubernetes.io/listen-ports: port 8443 is HTTPS here, which conflicts with HTTP set by Ingress default/a, an earlier member of group alb:shop',
    ]);
  });

  test('one Service port, two members with different health checks: a target group each, the first keeps the plain id', () => {
    const state = run([
      ingress({ name: 'a', annotations: g({ 'healthcheck-path': '/healthz' }) }),
      ingress({ name: 'b', annotations: g({ 'healthcheck-path': '/ready' }), paths: [{ path: '/b' }] }),
    ]);
    expect(state.errors).toEqual([]);
    const stack = onlyStack(state);
    expect(stack.targetGroups.map((t) => [t.id.replace(/[0-9a-f]{8}$/, 'HASH'), t.healthCheck.path])).toEqual([
      ['tg/default/web:80/http-http1-ip', '/healthz'],
      ['tg/default/web:80/http-http1-ip/HASH', '/ready'],
    ]);
    const forwardTo = (path: string): string | undefined => {
      const action = stack.rules.find((r) => JSON.stringify(r.conditions).includes(`"${path}"`))?.action;
      return action?.type === 'forward' && action.targetGroups[0]?.targetGroup.kind === 'id' ? action.targetGroups[0].targetGroup.id : undefined;
    };
    expect(forwardTo('/b')).toBe(defined(stack.targetGroups[1], 'stack.targetGroups[1]').id);
    expect(forwardTo('/*')).toBe(defined(stack.targetGroups[0], 'stack.targetGroups[0]').id);
  });

  test('dropping a member that could not be built settles the conflicts it caused', () => {
    // a sets the scheme but its rule cannot be built; b then agrees with nobody and stays.
    const state = run([
      ingress({ name: 'a', annotations: g({ scheme: 'internet-facing' }), paths: [{ path: '/a*b*c*d*e*f*', pathType: 'ImplementationSpecific' }] }),
      ingress({ name: 'b', annotations: g({ scheme: 'internal' }), paths: [{ path: '/b' }] }),
    ]);
    const stack = onlyStack(state);
    expect(stack.ingresses).toEqual(['default/b']);
    expect(stack.loadBalancer.scheme).toBe('internal');
    expect(state.errors).toHaveLength(1);
    expect(state.errors[0]?.ingress).toBe('default/a');
  });
});

describe('broken members', () => {
  test('a broken member is left out and the others stay in the stack', () => {
    const state = run([
      ingress({ name: 'a', annotations: g(), paths: [{ path: '/a' }] }),
      ingress({ name: 'b', annotations: g({ 'target-type': 'instance' }), paths: [{ path: '/b' }] }),
    ]);
    const stack = onlyStack(state);
    expect(stack.ingresses).toEqual(['default/a']);
    expect(stack.frozenIngresses).toEqual(['default/b']);
    expect(stack.rules.every((r) => r.ingress === 'default/a')).toBe(true);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/b: annotation alb.ingress.kubernetes.io/target-type: "instance" is not supported; only "ip" is supported: Albatross registers pod IPs',
    ]);
    expect(state.frozenGroups).toEqual([]);
  });

  test('a group whose members are all broken is frozen: no stack', () => {
    const state = run([
      ingress({ name: 'a', annotations: g({ scheme: 'x' }) }),
      ingress({ name: 'b', annotations: g({ 'group.order': 'x' }) }),
    ]);
    expect(state.stacks).toEqual([]);
    // b was never applied: held in its own group, it keeps nothing of shop's alive.
    expect(state.frozenGroups).toEqual(['alb:shop', 'default/b']);
    expect(state.errors.map((e) => [e.ingress, e.group, e.severity])).toEqual([
      ['default/a', 'alb:shop', 'excluded'],
      ['default/b', 'default/b', 'excluded'],
    ]);
  });

  test('Ingresses that are not ours produce nothing, not even errors', () => {
    const state = run([ingress({ className: 'nginx', annotations: { scheme: 'bogus' } })]);
    expect(state).toEqual({ stacks: [], frozenGroups: [], errors: [], warnings: [] });
  });

  test('an HTTPS listen port without a certificate excludes the Ingress', () => {
    const state = run([ingress({ namespace: 'shop', name: 'cart', annotations: { 'listen-ports': '[{"HTTPS": 443}]' } })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress shop/cart: annotation alb.ingress.kubernetes.io/listen-ports: HTTPS port 443 needs a certificate and no member of the group gives one; add spec.tls with a Secret, or set annotation alb.ingress.kubernetes.io/certificate-arn',
    ]);
  });

  test('a resource backend is refused', () => {
    const bad = ingress({ namespace: 'shop', name: 'cart' });
    const path = bad.spec?.rules?.[0]?.http?.paths[0];
    if (path !== undefined) path.backend = { resource: { kind: 'Bucket', name: 'b' } };
    const state = run([bad]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress shop/cart: rules[0].http.paths[0]: only Service backends are supported (backend.resource is not)',
    ]);
  });

  test('garbage from a file is refused where it is read, naming each object and field', () => {
    const junk = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'j', namespace: 'x' }, spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ pathType: 'Prefix' }] } }, {}, { host: 'ok.com' }] } };
    const nameless = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', spec: { ingressClassName: 'alb', rules: 'nope' } };
    expect(() => run([junk as V1Ingress, nameless as unknown as V1Ingress])).toThrow(
      'test objects: object 1 (Ingress x/j): spec.rules[0].http.paths[0].backend is required\n' +
        'test objects: object 2 (Ingress): metadata is required\n' +
        'test objects: object 2 (Ingress): spec.rules must be a list, not "nope"',
    );
  });
});

describe('missing backends degrade the path to a fixed 503', () => {
  test('a Service that does not exist', () => {
    const state = run([
      ingress({ namespace: 'shop', name: 'cart', paths: [{ path: '/ok', service: 'web' }, { path: '/gone', service: 'nope' }] }),
    ], [service({ namespace: 'shop' })], [endpointSlice({ namespace: 'shop' })]);
    const stack = onlyStack(state);
    expect(stack.ingresses).toEqual(['shop/cart']);
    expect(state.errors).toEqual([
      { ingress: 'shop/cart', group: 'shop/cart', severity: 'degraded', message: 'Ingress shop/cart: rules[0].http.paths[1]: Service shop/nope not found' },
    ]);
    expect(routeOnStack(stack, 80, { host: 'x', path: '/gone' })).toEqual({
      type: 'fixed-response',
      statusCode: '503',
      contentType: 'text/plain',
      messageBody: 'Backend service does not exist',
    });
    expect(describeAction(routeOnStack(stack, 80, { host: 'x', path: '/ok' }))).toBe('web:80');
  });

  test('a Service port that does not exist: the message names the port and the ports there are', () => {
    const svc = service({ ports: [{ name: 'http', port: 80 }, { port: 9090 }] });
    const state = run([ingress({ paths: [{ path: '/', port: 8080 }] })], [svc]);
    expect(state.errors.map((e) => [e.severity, e.message])).toEqual([
      ['degraded', 'Ingress default/web: rules[0].http.paths[0]: Service default/web has no port "8080"; its ports are 80 (http), 9090'],
    ]);
    expect(onlyStack(state).targetGroups).toEqual([]);
  });

  test('a missing default backend Service', () => {
    const state = run([ingress({ defaultBackend: { service: 'nope', port: 80 } })]);
    expect(state.errors.map((e) => e.message)).toEqual(['Ingress default/web: spec.defaultBackend: Service default/nope not found']);
    expect(onlyStack(state).listeners[0]?.defaultAction).toMatchObject({ type: 'fixed-response', statusCode: '503' });
  });

  test('use-annotation without its actions annotation', () => {
    const state = run([ingress({ paths: [{ path: '/', service: 'shiny', port: 'use-annotation' }] })]);
    expect(state.errors.map((e) => [e.severity, e.message])).toEqual([
      [
        'degraded',
        'Ingress default/web: rules[0].http.paths[0]: backend port "use-annotation" needs annotation alb.ingress.kubernetes.io/actions.shiny, which is not set',
      ],
    ]);
  });
});

describe('actions.NAME', () => {
  test('weighted forward to Services and an ARN, with stickiness', () => {
    const action = {
      type: 'forward',
      forwardConfig: {
        targetGroups: [
          { serviceName: 'web', servicePort: 'http', weight: 80 },
          { serviceName: 'web', servicePort: 80, weight: 10 },
          { targetGroupARN: 'arn:aws:elasticloadbalancing:tg/legacy', weight: 10 },
        ],
        targetGroupStickinessConfig: { enabled: true, durationSeconds: 300 },
      },
    };
    const stack = onlyStack(run([ingress({ annotations: { 'actions.blue-green': JSON.stringify(action) }, paths: [{ path: '/', service: 'blue-green', port: 'use-annotation' }] })]));
    expect(stack.rules[0]?.action).toEqual({
      type: 'forward',
      targetGroups: [
        // `web:http` and `web:80` are the same Service port: one entry, weights added.
        { targetGroup: { kind: 'id', id: 'tg/default/web:80/http-http1-ip' }, weight: 90 },
        { targetGroup: { kind: 'arn', arn: 'arn:aws:elasticloadbalancing:tg/legacy' }, weight: 10 },
      ],
      stickinessSeconds: 300,
    });
    expect(stack.targetGroups.map((t) => t.id)).toEqual(['tg/default/web:80/http-http1-ip']);
  });

  test('redirect and fixed-response pass through', () => {
    const stack = onlyStack(
      run([
        ingress({
          annotations: {
            'actions.to-docs': '{"type":"redirect","redirectConfig":{"host":"docs.example.com","statusCode":"HTTP_302"}}',
            'actions.teapot': '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"418"}}',
          },
          paths: [
            { path: '/docs', service: 'to-docs', port: 'use-annotation' },
            { path: '/tea', service: 'teapot', port: 'use-annotation' },
          ],
        }),
      ]),
    );
    expect(stack.rules.map((r) => r.action)).toEqual([
      { type: 'redirect', protocol: '#{protocol}', port: '#{port}', host: 'docs.example.com', path: '/#{path}', query: '#{query}', statusCode: 'HTTP_302' },
      { type: 'fixed-response', statusCode: '418' },
    ]);
    expect(stack.targetGroups).toEqual([]);
  });
});

describe('target groups', () => {
  test('defaults', () => {
    const stack = onlyStack(run([ingress({ namespace: 'default', name: 'web' })]));
    expect(stack.targetGroups).toEqual([
      {
        id: 'tg/default/web:80/http-http1-ip',
        name: expect.stringMatching(/^k8s-default-web-[0-9a-f]{10}$/),
        targetType: 'ip',
        protocol: 'HTTP',
        protocolVersion: 'HTTP1',
        port: 8080,
        healthCheck: {
          protocol: 'HTTP',
          port: 'traffic-port',
          path: '/',
          intervalSeconds: 15,
          timeoutSeconds: 5,
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
          successCodes: '200',
        },
        attributes: {},
        targets: [{ ip: '10.0.1.10', port: 8080 }],
        tags: {
          'albatross.dev/cluster': 'prod',
          'albatross.dev/group': 'default/web',
          'albatross.dev/resource': 'tg/default/web:80/http-http1-ip',
        },
        service: { key: 'default/web', port: '80' },
      },
    ]);
  });

  test('gRPC: its own health check path and success codes; the protocol is part of the id', () => {
    const stack = onlyStack(run([ingress({ annotations: { 'backend-protocol': 'HTTPS', 'backend-protocol-version': 'GRPC' } })]));
    expect(stack.targetGroups[0]).toMatchObject({
      id: 'tg/default/web:80/https-grpc-ip',
      protocol: 'HTTPS',
      protocolVersion: 'GRPC',
      healthCheck: { protocol: 'HTTPS', path: '/AWS.ALB/healthcheck', successCodes: '12' },
    });
  });

  test('Service annotations win over the Ingress', () => {
    const svc = service({ annotations: { 'healthcheck-path': '/svc', 'target-group-attributes': 'slow_start.duration_seconds=30', tags: 'owner=svc' } });
    const stack = onlyStack(
      run([ingress({ annotations: { 'healthcheck-path': '/ing', 'healthcheck-interval-seconds': '30', tags: 'owner=ing,team=a' } })], [svc]),
    );
    expect(stack.targetGroups[0]?.healthCheck).toMatchObject({ path: '/svc', intervalSeconds: 30 });
    expect(stack.targetGroups[0]?.attributes).toEqual({ 'slow_start.duration_seconds': '30' });
    expect(stack.targetGroups[0]?.tags).toMatchObject({ owner: 'svc', team: 'a' });
    expect(stack.loadBalancer.tags).toMatchObject({ owner: 'ing' });
  });

  test('an invalid Service annotation excludes the Ingress, naming the Service', () => {
    const svc = service({ namespace: 'shop', name: 'api', annotations: { 'backend-protocol': 'TCP' } });
    const state = run([ingress({ namespace: 'shop', name: 'cart', paths: [{ service: 'api' }] })], [svc]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress shop/cart: rules[0].http.paths[0]: Service shop/api: annotation alb.ingress.kubernetes.io/backend-protocol: "TCP" is not allowed; use "HTTP" or "HTTPS"',
    ]);
  });

  test('health check timeout must be below the interval', () => {
    const state = run([ingress({ annotations: { 'healthcheck-interval-seconds': '10', 'healthcheck-timeout-seconds': '10' } })]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/web: rules[0].http.paths[0]: Service default/web: health check timeout 10s (alb.ingress.kubernetes.io/healthcheck-timeout-seconds) must be less than the interval 10s (alb.ingress.kubernetes.io/healthcheck-interval-seconds)',
    ]);
  });

  test('a named health check port is the numeric targetPort of that Service port', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000, targetPort: 9901 }] });
    const stack = onlyStack(run([ingress({ annotations: { 'healthcheck-port': 'admin' } })], [svc]));
    expect(stack.targetGroups[0]?.healthCheck.port).toBe('9901');
  });

  test('targets: ready endpoints of the slices labelled for the Service, slice port by Service port name, deduped and sorted', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9090 }] });
    const slices = [
      endpointSlice({
        name: 'web-a',
        ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
        endpoints: [{ addresses: ['10.0.2.1'] }, { addresses: ['10.0.10.1'], ready: false }, { addresses: ['10.0.1.5', '10.0.1.6'], ready: true }],
      }),
      endpointSlice({ name: 'web-b', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.1.5'] }, { addresses: ['10.0.0.9'] }] }),
      endpointSlice({ name: 'other', service: 'other', endpoints: [{ addresses: ['10.9.9.9'] }] }),
      endpointSlice({ name: 'elsewhere', namespace: 'blog', endpoints: [{ addresses: ['10.8.8.8'] }] }),
    ];
    const stack = onlyStack(run([ingress()], [svc], slices));
    expect(stack.targetGroups[0]?.targets).toEqual([
      { ip: '10.0.0.9', port: 8080 },
      { ip: '10.0.1.5', port: 8080 },
      { ip: '10.0.1.6', port: 8080 },
      { ip: '10.0.2.1', port: 8080 },
    ]);
  });

  test('an unnamed Service port matches the unnamed slice port', () => {
    const svc = service({ ports: [{ port: 80, targetPort: 3000 }] });
    const slices = [endpointSlice({ ports: [{ port: 3000 }], endpoints: [{ addresses: ['10.0.0.1'] }] })];
    expect(onlyStack(run([ingress()], [svc], slices)).targetGroups[0]?.targets).toEqual([{ ip: '10.0.0.1', port: 3000 }]);
  });

  test.each([
    ['numeric targetPort', { name: 'http', port: 80, targetPort: 3000 }, 3000],
    ['named targetPort falls back to the Service port', { name: 'http', port: 80, targetPort: 'web' }, 80],
    ['no targetPort', { name: 'http', port: 81 }, 81],
  ])('without targets the port is the %s', (_, port, expected) => {
    const stack = onlyStack(run([ingress({ paths: [{ path: '/', port: port.port }] })], [service({ ports: [port] })], []));
    expect(stack.targetGroups[0]?.port).toBe(expected);
    expect(stack.targetGroups[0]?.targets).toEqual([]);
  });

  test('only target groups that rules or default actions use are listed', () => {
    const stack = onlyStack(
      run(
        [
          ingress({ name: 'a', annotations: g(), host: 'x.com', paths: [{ path: '/p', service: 'one' }] }),
          ingress({ name: 'b', annotations: g(), host: 'x.com', paths: [{ path: '/p', service: 'two' }] }),
        ],
        [service({ name: 'one' }), service({ name: 'two' })],
      ),
    );
    expect(stack.targetGroups.map((t) => t.id)).toEqual(['tg/default/one:80/http-http1-ip']);
  });
});

describe('load balancer, security group, listeners', () => {
  test('defaults: internal, ipv4, discovered subnets, managed security group open on the listen ports', () => {
    const stack = onlyStack(run([ingress({ namespace: 'shop', name: 'cart' })]));
    expect(stack.loadBalancer).toEqual({
      id: 'loadbalancer',
      name: expect.stringMatching(/^k8s-shop-cart-[0-9a-f]{10}$/),
      scheme: 'internal',
      ipAddressType: 'ipv4',
      subnets: { kind: 'discover' },
      securityGroups: [],
      attributes: {},
      tags: { 'albatross.dev/cluster': 'prod', 'albatross.dev/group': 'shop/cart', 'albatross.dev/resource': 'loadbalancer' },
    });
    expect(stack.securityGroup).toEqual({
      id: 'securitygroup',
      name: expect.stringMatching(/^k8s-shop-cart-[0-9a-f]{10}$/),
      description: 'Managed by Albatross for Ingress group shop/cart in cluster prod',
      ingress: [{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }],
      tags: { 'albatross.dev/cluster': 'prod', 'albatross.dev/group': 'shop/cart', 'albatross.dev/resource': 'securitygroup' },
    });
    expect(stack.listeners).toEqual([
      {
        id: 'listener/80',
        port: 80,
        protocol: 'HTTP',
        defaultAction: { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' },
        certificates: [],
        tags: { 'albatross.dev/cluster': 'prod', 'albatross.dev/group': 'shop/cart', 'albatross.dev/resource': 'listener/80' },
      },
    ]);
  });

  test('dualstack opens ::/0 too; inbound-cidrs replace the defaults on every port', () => {
    const dual = onlyStack(run([ingress({ annotations: { 'ip-address-type': 'dualstack', 'listen-ports': '[{"HTTP": 80}, {"HTTP": 8080}]' } })]));
    expect(dual.securityGroup?.ingress).toEqual([
      { protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' },
      { protocol: 'tcp', port: 80, cidr: '::/0' },
      { protocol: 'tcp', port: 8080, cidr: '0.0.0.0/0' },
      { protocol: 'tcp', port: 8080, cidr: '::/0' },
    ]);
    const narrow = onlyStack(run([ingress({ annotations: { 'inbound-cidrs': '10.0.0.0/8,192.168.0.0/16' } })]));
    expect(narrow.securityGroup?.ingress).toEqual([
      { protocol: 'tcp', port: 80, cidr: '10.0.0.0/8' },
      { protocol: 'tcp', port: 80, cidr: '192.168.0.0/16' },
    ]);
  });

  test('security-groups annotation: those groups, no managed one', () => {
    const stack = onlyStack(run([ingress({ annotations: { 'security-groups': 'sg-123, web-lb' } })]));
    expect(stack.loadBalancer.securityGroups).toEqual(['sg-123', 'web-lb']);
    expect(stack.securityGroup).toBeNull();
  });

  test('annotated load balancer settings', () => {
    const stack = onlyStack(
      run([
        ingress({
          annotations: {
            'load-balancer-name': 'shop-prod',
            scheme: 'internet-facing',
            subnets: 'public-a,public-b',
            'load-balancer-attributes': 'idle_timeout.timeout_seconds=120',
          },
        }),
      ]),
    );
    expect(stack.loadBalancer).toMatchObject({
      name: 'shop-prod',
      scheme: 'internet-facing',
      subnets: { kind: 'named', refs: ['public-a', 'public-b'] },
      attributes: { 'idle_timeout.timeout_seconds': '120' },
    });
  });

  test('HTTPS: certificates of the members on the port, first is default; certificate-arn alone means HTTPS 443', () => {
    const stack = onlyStack(
      run([
        ingress({ name: 'a', annotations: g({ 'certificate-arn': 'arn:one,arn:two', 'ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06' }) }),
        ingress({ name: 'b', annotations: g({ 'certificate-arn': 'arn:two,arn:three' }), paths: [{ path: '/b' }] }),
      ]),
    );
    expect(stack.listeners).toEqual([
      expect.objectContaining({
        port: 443,
        protocol: 'HTTPS',
        certificates: [
          { kind: 'arn', arn: 'arn:one' },
          { kind: 'arn', arn: 'arn:two' },
          { kind: 'arn', arn: 'arn:three' },
        ],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      }),
    ]);
  });

  test('ssl-redirect: HTTP listeners redirect everything and keep no rules', () => {
    const stack = onlyStack(
      run([ingress({ annotations: { 'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]', 'certificate-arn': 'arn:c', 'ssl-redirect': '443' } })]),
    );
    expect(stack.listeners.map((l) => [l.port, l.defaultAction.type])).toEqual([
      [80, 'redirect'],
      [443, 'fixed-response'],
    ]);
    expect(stack.listeners[0]?.defaultAction).toEqual({
      type: 'redirect',
      protocol: 'HTTPS',
      port: '443',
      host: '#{host}',
      path: '/#{path}',
      query: '#{query}',
      statusCode: 'HTTP_301',
    });
    expect(stack.rules.map((r) => r.listenerPort)).toEqual([443]);
  });

  test('ssl-redirect to a port that is not HTTPS in the group excludes the Ingress that sets it', () => {
    const state = run([ingress({ annotations: { 'ssl-redirect': '443' } })]);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress default/web: annotation alb.ingress.kubernetes.io/ssl-redirect: "443" names port 443, which is not an HTTPS listen port of the group; add {"HTTPS": 443} to alb.ingress.kubernetes.io/listen-ports',
    ]);
  });

  test('the default backend answers on every listener', () => {
    const stack = onlyStack(
      run([ingress({ annotations: { 'listen-ports': '[{"HTTP": 80}, {"HTTP": 8080}]' }, defaultBackend: { service: 'web', port: 'http' } })]),
    );
    for (const l of stack.listeners)
      expect(l.defaultAction).toEqual({ type: 'forward', targetGroups: [{ targetGroup: { kind: 'id', id: 'tg/default/web:80/http-http1-ip' }, weight: 1 }] });
  });
});

describe('stacks', () => {
  test('one per group with a valid member, sorted by group name', () => {
    const state = run([
      ingress({ namespace: 'z', name: 'a' }),
      ingress({ namespace: 'a', name: 'b', annotations: { 'group.name': 'm-group' } }),
      ingress({ namespace: 'a', name: 'a' }),
    ], [service({ namespace: 'z' }), service({ namespace: 'a' })]);
    expect(state.stacks.map((s) => s.group)).toEqual(['a/a', 'alb:m-group', 'z/a']);
  });

  test('translation is deterministic', () => {
    const make = (): DesiredState =>
      run([ingress({ host: '*.foo.com', paths: [{ path: '/a' }, { path: '/b', pathType: 'Exact' }] }), ingress({ name: 'x', annotations: { 'group.name': 'x' } })]);
    expect(JSON.stringify(make())).toBe(JSON.stringify(make()));
  });
});
