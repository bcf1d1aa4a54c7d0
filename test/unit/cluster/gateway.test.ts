// The ClusterStore's Gateway API side: which Gateways are groups, the routes of each, and which
// gateway groups a change to a Service, Secret, ReferenceGrant, Namespace or class touches, kept
// current as objects come and go.
import { ClusterStore, type ClusterObject } from '../../../src/cluster/view.js';
import type { V1Gateway, V1HTTPRoute } from '../../../src/gateway/types.js';
import { prng } from '../translate/reference-precedence.js';
import { endpointSlice, gateway, gatewayClass, httpRoute, ingress, ingressClass, ingressClassParams, namespace, referenceGrant } from '../factories.js';

const sorted = (set: ReadonlySet<string>): string[] => [...set].sort();

function store(...objects: ClusterObject[]): ClusterStore {
  const s = new ClusterStore();
  for (const o of objects) s.upsert(o);
  return s;
}

const gc = (options?: Parameters<typeof gatewayClass>[0]): ClusterObject => ({ kind: 'GatewayClass', object: gatewayClass(options) });
const gw = (options?: Parameters<typeof gateway>[0]): ClusterObject => ({ kind: 'Gateway', object: gateway(options) });
const route = (options?: Parameters<typeof httpRoute>[0]): ClusterObject => ({ kind: 'HTTPRoute', object: httpRoute(options) });

describe('gateway groups', () => {
  test('are the Gateways of a class of ours that are not being deleted, sorted', () => {
    const s = store(
      gc(),
      gc({ name: 'theirs', controllerName: 'example.com/gateway' }),
      gw({ namespace: 'shop', name: 'web' }),
      gw({ namespace: 'blog', name: 'web' }),
      gw({ namespace: 'shop', name: 'other', className: 'theirs' }),
      gw({ namespace: 'shop', name: 'old', deleting: true }),
      gw({ namespace: 'shop', name: 'orphan', className: 'missing' }),
    );
    expect(s.gatewayGroups()).toEqual(['gateway:blog/web', 'gateway:shop/web']);
    // Every Gateway stays readable, a deleted one too (its load balancer must go).
    expect(s.gateways().map((g) => `${g.metadata?.namespace}/${g.metadata?.name}`)).toEqual(['blog/web', 'shop/old', 'shop/orphan', 'shop/other', 'shop/web']);
    expect(s.gateway('shop', 'old')?.metadata?.deletionTimestamp).toBeDefined();
    expect(s.gatewayClasses().map((c) => c.metadata?.name)).toEqual(['albatross', 'theirs']);
    expect(s.gatewayClass('theirs')?.spec?.controllerName).toBe('example.com/gateway');
  });

  test('follow their class: one arriving after its Gateways (GitOps order), handed over, removed', () => {
    const s = store(gw({ namespace: 'shop', name: 'web' }), gw({ namespace: 'blog', name: 'web' }), gw({ namespace: 'shop', name: 'x', className: 'other' }));
    expect(s.gatewayGroups()).toEqual([]);
    const arrived = s.upsert(gc());
    expect(sorted(arrived.groups)).toEqual(['gateway:blog/web', 'gateway:shop/web']);
    expect(s.gatewayGroups()).toEqual(['gateway:blog/web', 'gateway:shop/web']);
    // Handed to another controller: both Gateways are reconciled once more, to delete their load balancers.
    const handedOver = s.upsert(gc({ controllerName: 'example.com/gateway' }));
    expect(sorted(handedOver.groups)).toEqual(['gateway:blog/web', 'gateway:shop/web']);
    expect(s.gatewayGroups()).toEqual([]);
    // Not ours before nor after: nothing to reconcile.
    expect(s.upsert(gc({ controllerName: 'example.com/gateway' })).groups.size).toBe(0);
    s.upsert(gc());
    expect(sorted(s.remove('GatewayClass', 'albatross').groups)).toEqual(['gateway:blog/web', 'gateway:shop/web']);
    expect(s.gatewayGroups()).toEqual([]);
  });

  test('a Gateway change names its own group while its class is ours, being deleted or removed included', () => {
    const s = store(gc(), gc({ name: 'theirs', controllerName: 'example.com/gateway' }));
    expect([...s.upsert(gw({ namespace: 'shop' })).groups]).toEqual(['gateway:shop/web']);
    expect([...s.upsert(gw({ namespace: 'shop', deleting: true })).groups]).toEqual(['gateway:shop/web']);
    expect(s.gatewayGroups()).toEqual([]);
    expect([...s.remove('Gateway', 'shop/web').groups]).toEqual(['gateway:shop/web']);
    expect(s.gateway('shop', 'web')).toBeUndefined();
    expect(s.upsert(gw({ namespace: 'shop', name: 'x', className: 'theirs' })).groups.size).toBe(0);
    // Moved to our class and back away: reconciled both times.
    expect([...s.upsert(gw({ namespace: 'shop', name: 'x' })).groups]).toEqual(['gateway:shop/x']);
    expect([...s.upsert(gw({ namespace: 'shop', name: 'x', className: 'theirs' })).groups]).toEqual(['gateway:shop/x']);
    expect(s.remove('Gateway', 'shop/nothing').groups.size).toBe(0);
  });
});

describe('routes of a Gateway', () => {
  test('are the HTTPRoutes whose parentRefs name it, the namespace defaulting to the route\'s, sorted', () => {
    const s = store(
      gc(),
      gw({ namespace: 'infra', name: 'edge' }),
      route({ namespace: 'shop', name: 'cart', parents: ['infra/edge'] }),
      route({ namespace: 'blog', name: 'posts', parents: [{ name: 'edge', namespace: 'infra', sectionName: 'http' }, { name: 'edge', namespace: 'infra', sectionName: 'https' }] }),
      route({ namespace: 'infra', name: 'admin', parents: ['edge'] }),
      // Same name, but in the route's own namespace, or not a Gateway at all.
      route({ namespace: 'shop', name: 'local', parents: ['edge'] }),
      route({ namespace: 'shop', name: 'svc', parents: [{ group: '', kind: 'Service', name: 'edge', namespace: 'infra' }] }),
    );
    const keys = (routes: readonly V1HTTPRoute[]): string[] => routes.map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`);
    expect(keys(s.routesOf('infra', 'edge'))).toEqual(['blog/posts', 'infra/admin', 'shop/cart']);
    expect(keys(s.routesOf('shop', 'edge'))).toEqual(['shop/local']);
    expect(s.routesOf('infra', 'nothing')).toEqual([]);
  });

  test('follow edits: a route moved to another Gateway names both, a removed route leaves', () => {
    const s = store(gc(), gw({ namespace: 'infra', name: 'a' }), gw({ namespace: 'infra', name: 'b' }), route({ namespace: 'shop', name: 'cart', parents: ['infra/a'] }));
    const moved = s.upsert(route({ namespace: 'shop', name: 'cart', parents: ['infra/b'] }));
    expect(sorted(moved.groups)).toEqual(['gateway:infra/a', 'gateway:infra/b']);
    expect(s.routesOf('infra', 'a')).toEqual([]);
    expect(s.routesOf('infra', 'b').map((r) => r.metadata?.name)).toEqual(['cart']);
    expect([...s.remove('HTTPRoute', 'shop/cart').groups]).toEqual(['gateway:infra/b']);
    expect(s.routesOf('infra', 'b')).toEqual([]);
  });

  test('a route naming Gateways that are not groups (not ours, being deleted, not there yet) names no group, and is found once they are', () => {
    const s = store(gc({ name: 'theirs', controllerName: 'example.com/gateway' }), gw({ namespace: 'infra', name: 'theirs', className: 'theirs' }), gw({ namespace: 'infra', name: 'old', deleting: true }));
    expect(s.upsert(route({ namespace: 'shop', name: 'cart', parents: ['infra/theirs', 'infra/old', 'infra/later'], backends: ['cart'] })).groups.size).toBe(0);
    expect(s.groupsUsingService('shop', 'cart').size).toBe(0);
    // The Gateway arrives after its route: its routes and their Services are found.
    s.upsert(gc());
    expect([...s.upsert(gw({ namespace: 'infra', name: 'later' })).groups]).toEqual(['gateway:infra/later']);
    expect(s.routesOf('infra', 'later').map((r) => r.metadata?.name)).toEqual(['cart']);
    expect([...s.groupsUsingService('shop', 'cart')]).toEqual(['gateway:infra/later']);
  });
});

describe('reverse indexes', () => {
  function shop(): ClusterStore {
    return store(
      gc(),
      { kind: 'IngressClass', object: ingressClass() },
      gw({ namespace: 'infra', name: 'edge', listeners: [{}, { certificates: ['edge-tls', 'certs/wildcard'] }] }),
      route({ namespace: 'shop', name: 'cart', parents: ['infra/edge'], backends: ['cart', 'payments/api', { kind: 'Bucket', group: 'example.com', name: 'images' }] }),
      { kind: 'Ingress', object: ingress({ namespace: 'shop', name: 'legacy', paths: [{ path: '/', service: 'cart' }] }) },
    );
  }

  test('a Service in an HTTPRoute\'s backendRefs, and its EndpointSlices, lead to the Gateway, besides the Ingress groups using it', () => {
    const s = shop();
    expect(sorted(s.groupsUsingService('shop', 'cart'))).toEqual(['gateway:infra/edge', 'shop/legacy']);
    expect([...s.groupsUsingService('payments', 'api')]).toEqual(['gateway:infra/edge']);
    expect(s.groupsUsingService('shop', 'images').size).toBe(0);
    expect(s.groupsUsingService('infra', 'cart').size).toBe(0);
    expect([...s.groupsUsingEndpointSlice(endpointSlice({ namespace: 'payments', service: 'api' }))]).toEqual(['gateway:infra/edge']);
    // The Gateway going away (deleted, or its class handed over) takes its routes' Services with it.
    s.upsert(gw({ namespace: 'infra', name: 'edge', deleting: true, listeners: [{}, { certificates: ['edge-tls', 'certs/wildcard'] }] }));
    expect([...s.groupsUsingService('shop', 'cart')]).toEqual(['shop/legacy']);
    expect(s.groupsUsingService('payments', 'api').size).toBe(0);
  });

  test('a listener\'s certificateRefs Secret leads to the Gateway, the namespace defaulting to the Gateway\'s', () => {
    const s = shop();
    expect([...s.groupsUsingSecret('infra', 'edge-tls')]).toEqual(['gateway:infra/edge']);
    expect(s.groupsUsingSecret('shop', 'edge-tls').size).toBe(0);
  });

  test('a Secret in another namespace is the Gateway\'s only while a ReferenceGrant there lets it refer to it, so its key is read only then', () => {
    const s = shop();
    expect(s.groupsUsingSecret('certs', 'wildcard').size).toBe(0);
    const secretsOnly = { name: 'secrets', namespace: 'certs', from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], to: [{ group: '', kind: 'Secret' }] };
    // A grant for routes, or for another namespace's Gateways, opens nothing to this one.
    expect(s.upsert({ kind: 'ReferenceGrant', object: referenceGrant({ ...secretsOnly, from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }] }) }).secretsNowUsed.size).toBe(0);
    expect(s.upsert({ kind: 'ReferenceGrant', object: referenceGrant({ ...secretsOnly, from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'shop' }] }) }).secretsNowUsed.size).toBe(0);
    const granted = s.upsert({ kind: 'ReferenceGrant', object: referenceGrant(secretsOnly) });
    expect([...granted.groups]).toEqual(['gateway:infra/edge']);
    expect([...granted.secretsNowUsed]).toEqual(['certs/wildcard']);
    expect([...s.groupsUsingSecret('certs', 'wildcard')]).toEqual(['gateway:infra/edge']);
    // Narrowed to another Secret by name: this one is no longer open to the Gateway.
    const narrowed = s.upsert({ kind: 'ReferenceGrant', object: referenceGrant({ ...secretsOnly, to: [{ group: '', kind: 'Secret', name: 'other' }] }) });
    expect([...narrowed.secretsNoLongerUsed]).toEqual(['certs/wildcard']);
    s.upsert({ kind: 'ReferenceGrant', object: referenceGrant(secretsOnly) });
    expect([...s.remove('ReferenceGrant', 'certs/secrets').secretsNoLongerUsed]).toEqual(['certs/wildcard']);
    expect(s.groupsUsingSecret('certs', 'wildcard').size).toBe(0);
  });

  test('certificateRefs Secrets are reported once as they come into use and once as they go out of it, Ingress TLS included', () => {
    const s = store({ kind: 'IngressClass', object: ingressClass() });
    // No class yet: the Gateway is nobody's and so are its Secrets (their data is not kept).
    const first = s.upsert(gw({ namespace: 'infra', name: 'edge', listeners: [{ certificates: ['edge-tls'] }] }));
    expect(first.secretsNowUsed.size).toBe(0);
    expect([...s.upsert(gc()).secretsNowUsed]).toEqual(['infra/edge-tls']);
    // An Ingress using the same Secret: already in use.
    const base = ingress({ namespace: 'infra', name: 'old' });
    expect(s.upsert({ kind: 'Ingress', object: { ...base, spec: { ...base.spec, tls: [{ secretName: 'edge-tls' }] } } }).secretsNowUsed.size).toBe(0);
    expect(sorted(s.groupsUsingSecret('infra', 'edge-tls'))).toEqual(['gateway:infra/edge', 'infra/old']);
    // The listener changes Secret: the old one is still used by the Ingress.
    const swapped = s.upsert(gw({ namespace: 'infra', name: 'edge', listeners: [{ certificates: ['edge-tls-2'] }] }));
    expect([...swapped.secretsNowUsed]).toEqual(['infra/edge-tls-2']);
    expect(swapped.secretsNoLongerUsed.size).toBe(0);
    expect([...s.remove('Ingress', 'infra/old').secretsNoLongerUsed]).toEqual(['infra/edge-tls']);
    // Being deleted: its Secrets are no longer needed.
    expect([...s.upsert(gw({ namespace: 'infra', name: 'edge', deleting: true, listeners: [{ certificates: ['edge-tls-2'] }] })).secretsNoLongerUsed]).toEqual(['infra/edge-tls-2']);
  });

  test('a status-only Gateway update moves nothing and names the Gateway only', () => {
    const s = shop();
    const object = gateway({ namespace: 'infra', name: 'edge', listeners: [{}, { certificates: ['edge-tls', 'certs/wildcard'] }] });
    const withStatus: V1Gateway = { ...object, status: { conditions: [] } };
    const change = s.upsert({ kind: 'Gateway', object: withStatus });
    expect([...change.groups]).toEqual(['gateway:infra/edge']);
    expect(change.secretsNowUsed.size + change.secretsNoLongerUsed.size).toBe(0);
    expect(sorted(s.groupsUsingService('shop', 'cart'))).toEqual(['gateway:infra/edge', 'shop/legacy']);
  });
});

describe('what else enqueues a Gateway', () => {
  test('a ReferenceGrant names the Gateways with a route or certificateRef pointing into its namespace', () => {
    const s = store(
      gc(),
      gw({ namespace: 'infra', name: 'edge', listeners: [{ certificates: ['certs/wildcard'] }] }),
      gw({ namespace: 'infra', name: 'api' }),
      gw({ namespace: 'infra', name: 'plain' }),
      route({ namespace: 'shop', name: 'cart', parents: ['infra/api'], backends: ['payments/api'] }),
      route({ namespace: 'shop', name: 'local', parents: ['infra/plain'], backends: ['web'] }),
    );
    const grant = (ns: string, name = 'grant'): ClusterObject => ({ kind: 'ReferenceGrant', object: referenceGrant({ namespace: ns, name }) });
    expect([...s.upsert(grant('certs')).groups]).toEqual(['gateway:infra/edge']);
    expect([...s.upsert(grant('payments')).groups]).toEqual(['gateway:infra/api']);
    expect(s.upsert(grant('shop')).groups.size).toBe(0);
    s.upsert(grant('payments', 'another'));
    expect(s.referenceGrants('payments').map((g) => g.metadata?.name)).toEqual(['another', 'grant']);
    expect(s.referenceGrants('elsewhere')).toEqual([]);
    expect([...s.remove('ReferenceGrant', 'payments/grant').groups]).toEqual(['gateway:infra/api']);
    expect(s.referenceGrants('payments').map((g) => g.metadata?.name)).toEqual(['another']);
    expect(s.remove('ReferenceGrant', 'payments/grant').groups.size).toBe(0);
    // The route stops pointing there: a grant there concerns nobody now.
    s.upsert(route({ namespace: 'shop', name: 'cart', parents: ['infra/api'], backends: ['api'] }));
    expect(s.upsert(grant('payments')).groups.size).toBe(0);
  });

  test('a Namespace label change names the Gateways admitting routes by namespace selector, and the Ingresses\' groups', () => {
    const s = store(
      gc(),
      { kind: 'IngressClass', object: ingressClass() },
      gw({ namespace: 'infra', name: 'selecting', listeners: [{ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'shop' } } } } }] }),
      gw({ namespace: 'infra', name: 'all', listeners: [{ allowedRoutes: { namespaces: { from: 'All' } } }] }),
      { kind: 'Ingress', object: ingress({ namespace: 'shop', name: 'web' }) },
    );
    expect(sorted(s.upsert({ kind: 'Namespace', object: namespace('shop', { team: 'shop' }) }).groups)).toEqual(['gateway:infra/selecting', 'shop/web']);
    expect(s.upsert({ kind: 'Namespace', object: namespace('shop', { team: 'shop' }) }).groups.size).toBe(0);
    expect([...s.remove('Namespace', 'shop').groups].sort()).toEqual(['gateway:infra/selecting', 'shop/web']);
    // No longer selecting: a label change names it no more.
    s.upsert(gw({ namespace: 'infra', name: 'selecting' }));
    expect([...s.upsert({ kind: 'Namespace', object: namespace('blog', { team: 'blog' }) }).groups]).toEqual([]);
  });

  test('IngressClassParams name the Gateways whose class or infrastructure refers to them', () => {
    const s = store(
      gc({ name: 'with-params', params: 'shared' }),
      gc(),
      gw({ namespace: 'infra', name: 'by-class', className: 'with-params' }),
      gw({ namespace: 'infra', name: 'by-infrastructure', params: 'shared' }),
      gw({ namespace: 'infra', name: 'plain' }),
    );
    expect(sorted(s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('shared', { scheme: 'internal' }) }).groups)).toEqual([
      'gateway:infra/by-class',
      'gateway:infra/by-infrastructure',
    ]);
    expect(s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('other') }).groups.size).toBe(0);
    expect(sorted(s.remove('IngressClassParams', 'shared').groups)).toEqual(['gateway:infra/by-class', 'gateway:infra/by-infrastructure']);
  });
});

describe('incremental gateway indexes', () => {
  // The store moves a Gateway's or route's shares only when it, its class or its routes
  // change; after any sequence of changes its answers must equal a store filled from scratch.
  test.each([1, 2, 3, 4, 5, 6])('random changes, seed %i: the store answers as one filled from scratch', (seed) => {
    const rand = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const namespaces = ['a', 'b'];
    const gatewayNames = ['g1', 'g2', 'g3'];
    const s = new ClusterStore();
    const live = new Map<string, ClusterObject>();
    const put = (id: string, o: ClusterObject): void => {
      live.set(id, o);
      s.upsert(o);
    };
    for (let step = 0; step < 300; step++) {
      const what = rand();
      if (what < 0.05) {
        const ns = pick(namespaces);
        if (rand() < 0.4) {
          live.delete(`ReferenceGrant ${ns}/grant`);
          s.remove('ReferenceGrant', `${ns}/grant`);
        } else put(`ReferenceGrant ${ns}/grant`, { kind: 'ReferenceGrant', object: referenceGrant({ namespace: ns, from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: pick(namespaces) }], to: [{ group: '', kind: 'Secret' }] }) });
      } else if (what < 0.15) {
        const name = pick(['albatross', 'other']);
        if (rand() < 0.25) {
          live.delete(`GatewayClass ${name}`);
          s.remove('GatewayClass', name);
        } else put(`GatewayClass ${name}`, gc({ name, controllerName: rand() < 0.7 ? 'albatross.dev/gateway' : 'example.com/gateway' }));
      } else if (what < 0.45) {
        const ns = pick(namespaces);
        const name = pick(gatewayNames);
        if (rand() < 0.2) {
          live.delete(`Gateway ${ns}/${name}`);
          s.remove('Gateway', `${ns}/${name}`);
        } else {
          const certificates = rand() < 0.5 ? [pick(['tls-1', 'tls-2', 'b/tls-3', 'a/tls-3'])] : undefined;
          put(`Gateway ${ns}/${name}`, gw({ namespace: ns, name, className: pick(['albatross', 'albatross', 'other', 'missing']), deleting: rand() < 0.15, listeners: [{ ...(certificates === undefined ? {} : { certificates }) }] }));
        }
      } else {
        const ns = pick(namespaces);
        const name = `r${Math.floor(rand() * 6)}`;
        if (rand() < 0.2) {
          live.delete(`HTTPRoute ${ns}/${name}`);
          s.remove('HTTPRoute', `${ns}/${name}`);
        } else {
          const parents = [pick(gatewayNames), `${pick(namespaces)}/${pick(gatewayNames)}`].slice(0, rand() < 0.5 ? 1 : 2);
          put(`HTTPRoute ${ns}/${name}`, route({ namespace: ns, name, parents, backends: [pick(['web', 'api', 'a/web', 'b/api'])] }));
        }
      }
    }
    // Grants first, as a fresh store would be told them by a list in any order.
    const scratch = store(...[...live.values()].sort((a, b) => Number(b.kind === 'ReferenceGrant') - Number(a.kind === 'ReferenceGrant')));
    const reversed = store(...[...live.values()].reverse());
    expect(reversed.gatewayGroups()).toEqual(scratch.gatewayGroups());
    expect(s.gatewayGroups()).toEqual(scratch.gatewayGroups());
    for (const ns of namespaces) {
      for (const name of ['web', 'api']) expect([ns, name, sorted(s.groupsUsingService(ns, name))]).toEqual([ns, name, sorted(scratch.groupsUsingService(ns, name))]);
      for (const name of ['tls-1', 'tls-2', 'tls-3']) {
        expect([ns, name, sorted(s.groupsUsingSecret(ns, name))]).toEqual([ns, name, sorted(scratch.groupsUsingSecret(ns, name))]);
        expect([ns, name, sorted(reversed.groupsUsingSecret(ns, name))]).toEqual([ns, name, sorted(scratch.groupsUsingSecret(ns, name))]);
      }
      for (const name of gatewayNames) expect(s.routesOf(ns, name)).toEqual(scratch.routesOf(ns, name));
      const grant: ClusterObject = { kind: 'ReferenceGrant', object: referenceGrant({ namespace: ns, name: 'probe' }) };
      expect(sorted(s.upsert(grant).groups)).toEqual(sorted(scratch.upsert(grant).groups));
    }
  });
});
