// A Gateway and its HTTPRoutes translated to a desired stack, checked the way a user meets it:
// requests routed through the ALB model, and the status conditions each object would get.
import type { DesiredStack } from '../../../src/model/resources.js';
import { translateGateway, type GatewayTranslation } from '../../../src/gateway/translate.js';
import type { ConditionDraft } from '../../../src/gateway/status.js';
import type { TlsResolver } from '../../../src/model/resources.js';
import { TlsSecrets } from '../../../src/pipeline/certificates.js';
import { Pki, tlsSecret } from '../certificates/pki.js';
import { namespace } from '../factories.js';
import { describeAction, routeOnStack, type AlbRequest } from '../translate/alb-router.js';
import { backendObjects, gateway, gatewaySource, http, route, to, type Objects } from './source.js';

function translated(objects: Objects, tls?: TlsResolver, key = 'gateway:infra/gw'): GatewayTranslation {
  return translateGateway(gatewaySource(objects), key, { clusterName: 'test', ...(tls === undefined ? {} : { tls }) });
}

function stackOf(t: GatewayTranslation): DesiredStack {
  if (t.stack === null) throw new Error(`no stack: ${JSON.stringify(t.errors)}`);
  return t.stack;
}

function served(stack: DesiredStack, request: Partial<AlbRequest> & { host: string }, port = 80): string {
  const action = routeOnStack(stack, port, { path: '/', ...request });
  if (action.type === 'redirect') return `redirect ${action.protocol}://${action.host}:${action.port}${action.path} ${action.statusCode}`;
  return describeAction(action).replaceAll(':8080', '');
}

function parentCondition(t: GatewayTranslation, routeName: string, type: string): ConditionDraft | undefined {
  return t.status?.routes.find((r) => r.route.name === routeName)?.conditions.find((c) => c.type === type);
}

function listenerCondition(t: GatewayTranslation, listener: string, type: string): ConditionDraft | undefined {
  return t.status?.listeners.find((l) => l.name === listener)?.conditions.find((c) => c.type === type);
}

const infra = backendObjects(['infra-v1', 'infra-v2']);
const apps = backendObjects(['app-v1'], 'apps', 20);
const everywhere = http('http', 80, { allowedRoutes: { namespaces: { from: 'All' } } });

describe('two routes from two namespaces on one Gateway', () => {
  const grant = {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'from-apps', namespace: 'infra' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }], to: [{ group: '', kind: 'Service', name: 'infra-v2' }] },
  };
  const objects: Objects = {
    gateways: [gateway('gw', [everywhere])],
    routes: [
      route('web', [{ matches: [{ path: { type: 'PathPrefix', value: '/web' } }], backendRefs: to('infra-v1') }], { hostnames: ['shop.example.com'] }),
      route(
        'app',
        [
          { matches: [{ path: { type: 'PathPrefix', value: '/app' } }], backendRefs: to('app-v1') },
          { matches: [{ path: { type: 'Exact', value: '/shared' } }], backendRefs: to('infra-v2', { namespace: 'infra' }) },
          { matches: [{ path: { type: 'Exact', value: '/secret' } }], backendRefs: to('infra-v1', { namespace: 'infra' }) },
        ],
        { namespace: 'apps', hostnames: ['shop.example.com'] },
      ),
    ],
    grants: [grant],
    services: [...infra.services, ...apps.services],
    slices: [...infra.slices, ...apps.slices],
  };
  const t = translated(objects);
  const stack = stackOf(t);

  test.each([
    ['/web/index.html', 'infra-v1'],
    ['/app', 'app-v1'],
    ['/shared', 'infra-v2'],
    ['/secret', 'fixed:500'],
    ['/other', 'fixed:404'],
  ])('shop.example.com%s -> %s', (path, expected) => {
    expect(served(stack, { host: 'shop.example.com', path })).toBe(expected);
  });

  test('another host reaches none of the routes', () => {
    expect(served(stack, { host: 'other.example.com', path: '/web' })).toBe('fixed:404');
  });

  test('the reference no ReferenceGrant allows is RefNotPermitted, and the route is still accepted', () => {
    expect(parentCondition(t, 'app', 'Accepted')?.status).toBe('True');
    expect(parentCondition(t, 'app', 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(parentCondition(t, 'app', 'ResolvedRefs')?.message).toContain('Service infra/infra-v1');
    expect(parentCondition(t, 'web', 'ResolvedRefs')?.status).toBe('True');
  });

  test('the listener counts both routes as attached', () => {
    expect(t.status?.listeners[0]?.attachedRoutes).toBe(2);
    expect(t.status?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });

  test('rules carry the route they serve', () => {
    expect(stack.ingresses).toEqual(['gateway:infra/gw', 'httproute:apps/app', 'httproute:infra/web']);
    const owners = new Set(stack.rules.map((r) => r.tags['albatross.dev/ingress']));
    expect(owners).toEqual(new Set(['httproute:infra/web', 'httproute:apps/app']));
  });
});

describe('which listeners a route may attach to', () => {
  const objects = (listener: ReturnType<typeof http>, parents = [{ name: 'gw', namespace: 'infra' }]): Objects => ({
    gateways: [gateway('gw', [listener])],
    routes: [route('app', [{ backendRefs: to('app-v1') }], { namespace: 'apps', parents })],
    namespaces: [namespace('apps', { team: 'shop' })],
    ...apps,
  });

  test('the default (Same) refuses another namespace: NotAllowedByListeners', () => {
    const t = translated(objects(http()));
    expect(parentCondition(t, 'app', 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(stackOf(t).rules).toEqual([]);
    expect(t.status?.listeners[0]?.attachedRoutes).toBe(0);
  });

  test('a Selector admits a namespace by its labels', () => {
    const matching = translated(objects(http('http', 80, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'shop' } } } } })));
    expect(parentCondition(matching, 'app', 'Accepted')?.status).toBe('True');
    const other = translated(objects(http('http', 80, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'ops' } } } } })));
    expect(parentCondition(other, 'app', 'Accepted')?.reason).toBe('NotAllowedByListeners');
  });

  test('a sectionName naming no listener is NoMatchingParent', () => {
    const t = translated(objects(everywhere, [{ name: 'gw', namespace: 'infra', sectionName: 'https' } as never]));
    expect(parentCondition(t, 'app', 'Accepted')).toMatchObject({ status: 'False', reason: 'NoMatchingParent' });
  });

  test('a listener whose kinds leave out HTTPRoute takes none, and says InvalidRouteKinds', () => {
    const t = translated(objects(http('http', 80, { allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } })));
    expect(listenerCondition(t, 'http', 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidRouteKinds' });
    expect(parentCondition(t, 'app', 'Accepted')?.reason).toBe('NotAllowedByListeners');
  });
});

describe('hostnames', () => {
  const objects = (hostnames: readonly string[]): Objects => ({
    gateways: [gateway('gw', [http('wild', 80, { hostname: '*.example.com' })])],
    routes: [route('web', [{ backendRefs: to('infra-v1') }], { hostnames })],
    ...infra,
  });

  test('a route hostname inside the listener wildcard is served; one outside is not', () => {
    const stack = stackOf(translated(objects(['foo.example.com', 'other.org'])));
    expect(served(stack, { host: 'foo.example.com' })).toBe('infra-v1');
    expect(served(stack, { host: 'bar.example.com' })).toBe('fixed:404');
    expect(served(stack, { host: 'other.org' })).toBe('fixed:404');
  });

  test('a route without hostnames takes the listener wildcard, which matches deeper names too', () => {
    const stack = stackOf(translated(objects([])));
    expect(served(stack, { host: 'a.b.example.com' })).toBe('infra-v1');
    expect(served(stack, { host: 'example.com' })).toBe('fixed:404');
  });

  test('no shared hostname: NoMatchingListenerHostname', () => {
    const t = translated(objects(['other.org']));
    expect(parentCondition(t, 'web', 'Accepted')).toMatchObject({ status: 'False', reason: 'NoMatchingListenerHostname' });
  });

  test('a request goes to the most specific listener only', () => {
    const t = translated({
      gateways: [gateway('gw', [http('exact', 80, { hostname: 'foo.bar.com' }), http('wild', 80, { hostname: '*.bar.com' })])],
      routes: [
        route('exact', [{ matches: [{ path: { type: 'PathPrefix', value: '/x' } }], backendRefs: to('infra-v1') }], { parents: [{ name: 'gw', sectionName: 'exact' }] }),
        route('wild', [{ backendRefs: to('infra-v2') }], { parents: [{ name: 'gw', sectionName: 'wild' }] }),
      ],
      ...infra,
    });
    const stack = stackOf(t);
    expect(served(stack, { host: 'foo.bar.com', path: '/x' })).toBe('infra-v1');
    expect(served(stack, { host: 'foo.bar.com', path: '/y' })).toBe('fixed:404');
    expect(served(stack, { host: 'baz.bar.com', path: '/y' })).toBe('infra-v2');
  });
});

describe('what ALB cannot express is refused, and the route frozen', () => {
  test.each([
    ['a RegularExpression path', { matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+' } }], backendRefs: to('infra-v1') }, 'RegularExpression'],
    ['a RegularExpression header', { matches: [{ headers: [{ type: 'RegularExpression', name: 'x', value: 'a.*' }] }], backendRefs: to('infra-v1') }, 'RegularExpression'],
    ['a RequestMirror filter', { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'infra-v2', port: 8080 } } }], backendRefs: to('infra-v1') }, 'RequestMirror'],
    ['a URLRewrite filter', { filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'x.example.com' } }], backendRefs: to('infra-v1') }, 'URLRewrite'],
    ['timeouts', { timeouts: { request: '10s' }, backendRefs: to('infra-v1') }, 'timeouts'],
    ['a 307 redirect', { filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 307 } }] }, '307'],
    ['a prefix replacement in a redirect', { filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] }, 'ReplacePrefixMatch'],
    ['a path with a wildcard character', { matches: [{ path: { type: 'Exact', value: '/a*b' } }], backendRefs: to('infra-v1') }, '"/a*b"'],
    [
      'a match needing more than 5 ALB condition values',
      { matches: [{ path: { type: 'PathPrefix', value: '/a' }, method: 'GET', headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }, { name: 'c', value: '3' }], queryParams: [{ name: 'q', value: '1' }] }], backendRefs: to('infra-v1') },
      'needs 6 ALB condition values',
    ],
  ])('%s', (_what, rule, named) => {
    const t = translated({ gateways: [gateway('gw', [http()])], routes: [route('web', [rule])], ...infra });
    const accepted = parentCondition(t, 'web', 'Accepted');
    expect(accepted).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(accepted?.message).toContain(named);
    const stack = stackOf(t);
    expect(stack.frozenIngresses).toEqual(['httproute:infra/web']);
    expect(stack.rules).toEqual([]);
    expect(t.errors.some((e) => e.ingress === 'httproute:infra/web' && e.severity === 'excluded')).toBe(true);
  });

  test('a broken route leaves the other routes of its Gateway served', () => {
    const t = translated({
      gateways: [gateway('gw', [http()])],
      routes: [
        route('broken', [{ matches: [{ path: { type: 'RegularExpression', value: '.*' } }], backendRefs: to('infra-v2') }]),
        route('fine', [{ backendRefs: to('infra-v1') }]),
      ],
      ...infra,
    });
    expect(served(stackOf(t), { host: 'a.example.com', path: '/x' })).toBe('infra-v1');
    expect(t.status?.conditions[0]?.status).toBe('True');
  });
});

describe('matches, filters and backends', () => {
  const t = translated({
    gateways: [gateway('gw', [http()])],
    routes: [
      route('web', [
        { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST', headers: [{ name: 'version', value: 'two' }] }], backendRefs: to('infra-v2') },
        { matches: [{ path: { type: 'PathPrefix', value: '/api' }, queryParams: [{ name: 'beta', value: 'yes' }] }, { path: { type: 'Exact', value: '/beta' } }], backendRefs: to('infra-v2') },
        { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'infra-v1', port: 8080, weight: 3 }, { name: 'infra-v2', port: 8080, weight: 1 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'new.example.com', statusCode: 301 } }] },
        { matches: [{ path: { type: 'Exact', value: '/moved' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/here' } } }] },
      ]),
    ],
    ...infra,
  });
  const stack = stackOf(t);

  test.each([
    [{ path: '/api/x', method: 'POST', headers: { version: 'two' } }, 'infra-v2'],
    [{ path: '/api/x', method: 'GET', headers: { version: 'two' } }, 'weighted(infra-v1,infra-v2)'],
    [{ path: '/api', query: { beta: 'yes' } }, 'infra-v2'],
    [{ path: '/beta' }, 'infra-v2'],
    [{ path: '/apix' }, 'fixed:404'],
    [{ path: '/old/page' }, 'redirect HTTPS://new.example.com:443/#{path} HTTP_301'],
    [{ path: '/moved' }, 'redirect #{protocol}://#{host}:#{port}/here HTTP_302'],
  ])('%j -> %s', (request, expected) => {
    expect(served(stack, { host: 'a.example.com', ...request })).toBe(expected);
  });

  test('weights are kept', () => {
    const action = routeOnStack(stack, 80, { host: 'a', path: '/api' });
    expect(action.type === 'forward' ? action.targetGroups.map((g) => g.weight) : []).toEqual([3, 1]);
  });

  test('weights beyond ALB range are brought down in proportion, or refused when they cannot be', () => {
    const weighted = (w1: number, w2: number): GatewayTranslation =>
      translated({ gateways: [gateway('gw', [http()])], routes: [route('web', [{ backendRefs: [{ name: 'infra-v1', port: 8080, weight: w1 }, { name: 'infra-v2', port: 8080, weight: w2 }] }])], ...infra });
    const scaled = routeOnStack(stackOf(weighted(2000, 1000)), 80, { host: 'a', path: '/' });
    expect(scaled.type === 'forward' ? scaled.targetGroups.map((g) => g.weight) : []).toEqual([2, 1]);
    expect(parentCondition(weighted(1001, 1000), 'web', 'Accepted')?.reason).toBe('UnsupportedValue');
  });

  test('a missing Service answers 500 and is BackendNotFound; a non-Service kind is InvalidKind', () => {
    const missing = translated({ gateways: [gateway('gw', [http()])], routes: [route('web', [{ backendRefs: to('nope') }])], ...infra });
    expect(served(stackOf(missing), { host: 'a' })).toBe('fixed:500');
    expect(parentCondition(missing, 'web', 'ResolvedRefs')?.reason).toBe('BackendNotFound');
    const kind = translated({ gateways: [gateway('gw', [http()])], routes: [route('web', [{ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'b' }] }])], ...infra });
    expect(parentCondition(kind, 'web', 'ResolvedRefs')?.reason).toBe('InvalidKind');
  });
});

describe('listeners', () => {
  const resolver: TlsResolver = (secret) => (secret === 'infra/good' ? { ok: true, value: { fingerprint: 'f'.repeat(64), names: ['*.example.com'] } } : { ok: false, error: { message: `Secret ${secret} not found`, retainedArns: [] } });
  const https = (refs: readonly { name: string; namespace?: string }[]) => ({ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: refs } });

  test('an HTTPS listener serves the certificate of its Secret', () => {
    const t = translated({ gateways: [gateway('gw', [https([{ name: 'good' }])])], routes: [route('web', [{ backendRefs: to('infra-v1') }])], ...infra }, resolver);
    const listener = stackOf(t).listeners[0];
    expect(listener).toMatchObject({ port: 443, protocol: 'HTTPS', certificates: [{ kind: 'imported', fingerprint: 'f'.repeat(64) }] });
    expect(served(stackOf(t), { host: 'a.example.com' }, 443)).toBe('infra-v1');
  });

  test('a valid Secret whose certificate does not name the listener hostname still resolves, and is served', () => {
    const pki = new Pki();
    try {
      const issued = pki.issue({ sans: ['*.example.org'] });
      const secrets = new TlsSecrets({ secret: (ns, name) => (ns === 'infra' && name === 'cert' ? tlsSecret(issued.certPem, issued.keyPem, { namespace: ns, name }) : undefined) }, [], new Date());
      const t = translated({ gateways: [gateway('gw', [{ ...https([{ name: 'cert' }]), hostname: 'secure.test.com' }])], routes: [route('web', [{ backendRefs: to('infra-v1') }])], ...infra }, secrets.resolve);
      expect(listenerCondition(t, 'https', 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
      expect(stackOf(t).listeners[0]?.certificates).toEqual([{ kind: 'imported', fingerprint: secrets.wanted()[0]?.fingerprint }]);
      expect(served(stackOf(t), { host: 'secure.test.com' }, 443)).toBe('infra-v1');
    } finally {
      pki.close();
    }
  });

  test('a Secret in another namespace without a ReferenceGrant is RefNotPermitted, and the listener is not programmed', () => {
    const t = translated({ gateways: [gateway('gw', [http(), https([{ name: 'good', namespace: 'certs' }])])], routes: [route('web', [{ backendRefs: to('infra-v1') }])], ...infra }, resolver);
    expect(listenerCondition(t, 'https', 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(stackOf(t).listeners.map((l) => l.port)).toEqual([80]);
    expect(t.status?.listeners.find((l) => l.name === 'https')?.inStack).toBe(false);
  });

  test('certificate ARNs from the annotation serve HTTPS listeners too, but never one whose own reference was refused', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123';
    const annotations = { 'albatross.dev/certificate-arns': arn };
    const t = translated({ gateways: [gateway('gw', [https([{ name: 'good' }]), { ...https([]), name: 'by-arn', port: 8443 }], { annotations })], ...infra }, resolver);
    expect(stackOf(t).listeners.map((l) => [l.port, l.certificates])).toEqual([
      [443, [{ kind: 'imported', fingerprint: 'f'.repeat(64) }, { kind: 'arn', arn }]],
      [8443, [{ kind: 'arn', arn }]],
    ]);
    const refused = translated({ gateways: [gateway('gw', [http(), https([{ name: 'missing' }])], { annotations })], ...infra }, resolver);
    expect(stackOf(refused).listeners.map((l) => l.port)).toEqual([80]);
    expect(listenerCondition(refused, 'https', 'ResolvedRefs')?.reason).toBe('InvalidCertificateRef');
  });

  test('HTTP and HTTPS on one port conflict', () => {
    const t = translated({ gateways: [gateway('gw', [http('a', 8080), { ...https([{ name: 'good' }]), name: 'b', port: 8080 }])], ...infra }, resolver);
    expect(listenerCondition(t, 'a', 'Conflicted')).toMatchObject({ status: 'True', reason: 'ProtocolConflict' });
    expect(listenerCondition(t, 'b', 'Conflicted')).toMatchObject({ status: 'True', reason: 'ProtocolConflict' });
  });

  test('a TCP listener is UnsupportedProtocol; with no listener left the Gateway is not accepted and nothing changes', () => {
    const t = translated({ gateways: [gateway('gw', [{ name: 'tcp', port: 9000, protocol: 'TCP' }])] });
    expect(listenerCondition(t, 'tcp', 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(t.status?.conditions[0]).toMatchObject({ status: 'False', reason: 'ListenersNotValid' });
    expect(t.stack).toBeNull();
    expect(t.members).toEqual(['gateway:infra/gw']);
  });

  test('a listener of a protocol we do not serve supports no route kind', () => {
    const t = translated({ gateways: [gateway('gw', [http(), { name: 'invalid', port: 1111, protocol: 'INVALID' }])] });
    expect(t.status?.listeners.map((l) => [l.name, l.supportedKinds.map((k) => k.kind)])).toEqual([
      ['http', ['HTTPRoute']],
      ['invalid', []],
    ]);
  });

  test('a Gateway with an invalid listener beside a valid one is accepted with reason ListenersNotValid, and the valid one is served', () => {
    const t = translated({ gateways: [gateway('gw', [http(), { name: 'invalid', port: 1111, protocol: 'INVALID' }])], routes: [route('web', [{ backendRefs: to('infra-v1') }])], ...infra });
    expect(t.status?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True', reason: 'ListenersNotValid' });
    expect(t.status?.conditions[0]?.message).toContain('"invalid"');
    expect(served(stackOf(t), { host: 'a.example.com' })).toBe('infra-v1');
    expect(translated({ gateways: [gateway('gw', [http()])] }).status?.conditions[0]).toMatchObject({ status: 'True', reason: 'Accepted' });
  });
});

describe('the Gateway and its class', () => {
  test('a Gateway of another controller’s class is not ours', () => {
    const t = translated({ gatewayClasses: [{ metadata: { name: 'other' }, spec: { controllerName: 'example.com/gateway' } }], gateways: [gateway('gw', [http()], { className: 'other' })] });
    expect(t).toMatchObject({ members: [], stack: null, status: null });
  });

  test('a Gateway of ours whose class is gone is held with every route, so nothing of it in AWS counts as departed', () => {
    const gw = gateway('gw', [http()], { className: 'deleted' });
    const held = { ...gw, metadata: { ...gw.metadata, finalizers: ['gateway.albatross.dev/load-balancer'] } };
    const t = translated({ gateways: [held], routes: [route('web', [{ backendRefs: to('infra-v1') }])], ...infra });
    expect(t.stack).toBeNull();
    expect(t.members).toEqual(['gateway:infra/gw', 'httproute:infra/web']);
    expect(t.errors[0]?.message).toContain('GatewayClass "deleted" does not exist');
  });

  test('params that do not exist leave the Gateway unaccepted (InvalidParameters) and its load balancer as it is', () => {
    const gw = gateway('gw', [http()]);
    const withParams = { ...gw, spec: { ...gw.spec, infrastructure: { parametersRef: { group: 'albatross.dev', kind: 'IngressClassParams', name: 'missing' } } } };
    const t = translated({ gateways: [withParams] });
    expect(t.status?.conditions[0]).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
    expect(t.status?.conditions[0]?.message).toContain('missing');
    expect(t.stack).toBeNull();
  });

  test('params set the scheme and tags of the load balancer', () => {
    const gw = gateway('gw', [http()]);
    const withParams = { ...gw, spec: { ...gw.spec, infrastructure: { labels: { team: 'shop' }, parametersRef: { group: 'albatross.dev', kind: 'IngressClassParams', name: 'public' } } } };
    const params = { apiVersion: 'albatross.dev/v1', kind: 'IngressClassParams', metadata: { name: 'public' }, spec: { scheme: 'internet-facing', tags: [{ key: 'cost', value: 'web' }] } };
    const stack = stackOf(translated({ gateways: [withParams], params: [params] }));
    expect(stack.loadBalancer.scheme).toBe('internet-facing');
    expect(stack.loadBalancer.tags).toMatchObject({ team: 'shop', cost: 'web', 'albatross.dev/group': 'gateway:infra/gw' });
  });
});
