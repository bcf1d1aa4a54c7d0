// What `albatross plan` prints for a Gateway: the group named as the Gateway, its routes as
// HTTPRoutes, a status summary with the reason of whatever is not accepted, in text and JSON,
// and a refused route failing the run as an Ingress error does.
import { toJson, toText } from '../../../src/cli/render.js';
import type { GatewayStatusDraft } from '../../../src/gateway/status.js';
import { isClean, type ReconcileResult } from '../../../src/pipeline/cluster.js';
import type { GroupResult } from '../../../src/pipeline/reconcile.js';

const status: GatewayStatusDraft = {
  gateway: { namespace: 'infra', name: 'edge' },
  generation: 2,
  conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Accepted by albatross.dev/gateway' }],
  listeners: [
    {
      name: 'http',
      supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
      attachedRoutes: 1,
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'ok' },
        { type: 'Conflicted', status: 'False', reason: 'NoConflicts', message: 'ok' },
      ],
      inStack: true,
    },
    {
      name: 'tls',
      supportedKinds: [],
      attachedRoutes: 0,
      conditions: [{ type: 'Accepted', status: 'False', reason: 'UnsupportedProtocol', message: 'listener "tls": protocol "TLS" is not supported' }],
      inStack: false,
    },
  ],
  routes: [
    {
      route: { namespace: 'shop', name: 'cart' },
      generation: 1,
      parentRef: { name: 'edge', namespace: 'infra' },
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Accepted by Gateway infra/edge' },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' },
      ],
    },
    {
      route: { namespace: 'blog', name: 'posts' },
      generation: 4,
      parentRef: { name: 'edge', namespace: 'infra', sectionName: 'http' },
      conditions: [
        { type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'the listeners of Gateway infra/edge it names ("http") do not allow HTTPRoutes from namespace blog' },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' },
      ],
    },
  ],
};

function group(overrides: Partial<GroupResult>): GroupResult {
  return {
    name: 'gateway:infra/edge',
    ingresses: ['gateway:infra/edge', 'httproute:shop/cart'],
    loadBalancer: null,
    changes: [{ action: 'create', kind: 'load-balancer', id: 'loadbalancer', summary: 'internal' }],
    failure: null,
    leftAsIs: null,
    released: false,
    previousDnsName: null,
    errors: [],
    warnings: [],
    certificates: { inUse: [], before: [] },
    backend: null,
    gatewayStatus: status,
    ...overrides,
  };
}

const refused = {
  ingress: 'httproute:blog/posts',
  group: 'gateway:infra/edge',
  message: 'HTTPRoute blog/posts: the listeners of Gateway infra/edge it names ("http") do not allow HTTPRoutes from namespace blog',
  severity: 'excluded' as const,
};

test('text: the Gateway by name, its routes as HTTPRoutes, and a status line per listener and route with the reason of what is not accepted', () => {
  const result: ReconcileResult = { groups: [group({ errors: [refused] })], errors: [refused], warnings: [] };
  expect(toText(result, 'plan')).toBe(
    [
      'Gateway infra/edge (HTTPRoute shop/cart)',
      '  + create load-balancer loadbalancer: internal',
      '  status:',
      '    Gateway infra/edge: accepted',
      '    listener http: accepted, 1 route attached',
      '    listener tls: Accepted=False (UnsupportedProtocol): listener "tls": protocol "TLS" is not supported; 0 routes attached',
      '    HTTPRoute shop/cart: accepted',
      '    HTTPRoute blog/posts (listener http): Accepted=False (NotAllowedByListeners): the listeners of Gateway infra/edge it names ("http") do not allow HTTPRoutes from namespace blog',
      '',
      'Errors:',
      `  ${refused.message}`,
      '',
      'Plan: 1 to create, 0 to update, 0 to delete.',
    ].join('\n'),
  );
});

test('JSON: the status of a Gateway\'s group with every condition; Ingress groups keep their shape', () => {
  const ingressGroup = group({ name: 'shop/web', ingresses: ['shop/web'], gatewayStatus: null, changes: [] });
  const json = toJson({ groups: [group({}), ingressGroup], errors: [], warnings: [] });
  expect(json.groups[0]?.status).toEqual({
    gateway: 'infra/edge',
    conditions: status.conditions,
    listeners: status.listeners.map((l) => ({ name: l.name, attachedRoutes: l.attachedRoutes, conditions: l.conditions })),
    routes: [
      { route: 'shop/cart', parentRef: { name: 'edge', namespace: 'infra' }, conditions: status.routes[0]?.conditions },
      { route: 'blog/posts', parentRef: { name: 'edge', namespace: 'infra', sectionName: 'http' }, conditions: status.routes[1]?.conditions },
    ],
  });
  expect(Object.keys(json.groups[1] ?? {})).toEqual(['name', 'ingresses', 'loadBalancer', 'changes']);
  expect(toText({ groups: [ingressGroup], errors: [], warnings: [] }, 'plan').split('\n')[0]).toBe('Group shop/web (Ingress shop/web)');
});

test('a Gateway group that stopped is an error of the Gateway, even without a route', () => {
  const failure = { code: 'aws-unavailable' as const, message: 'DescribeLoadBalancers failed', retryable: true };
  const json = toJson({ groups: [group({ ingresses: [], failure, gatewayStatus: null })], errors: [], warnings: [] });
  expect(json.errors).toEqual([{ ingress: 'gateway:infra/edge', message: 'group gateway:infra/edge: DescribeLoadBalancers failed' }]);
});

test('a refused or degraded route, or a listener not accepted, fails the run; a Gateway all accepted does not', () => {
  const healthy: GatewayStatusDraft = { ...status, listeners: status.listeners.slice(0, 1), routes: status.routes.slice(0, 1) };
  expect(isClean({ groups: [group({ gatewayStatus: healthy })], errors: [], warnings: [] })).toBe(true);
  expect(isClean({ groups: [group({})], errors: [], warnings: [] })).toBe(false);
  const degraded: GatewayStatusDraft = {
    ...healthy,
    routes: [{ ...(healthy.routes[0] as GatewayStatusDraft['routes'][number]), conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }, { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'Service shop/gone does not exist' }] }],
  };
  expect(isClean({ groups: [group({ gatewayStatus: degraded })], errors: [], warnings: [] })).toBe(false);
});
