// The ClusterStore's lookups and reverse indexes: which groups a change to a Service, an
// EndpointSlice, a Secret or an IngressClass touches, kept current as objects come and go.
import type { V1Ingress } from '@kubernetes/client-node';
import { ClusterStore } from '../../../src/cluster/view.js';
import { endpointSlice, ingress, ingressClass, ingressClassParams, namespace, service } from '../factories.js';

function withTls(base: V1Ingress, secretName: string): V1Ingress {
  return { ...base, spec: { ...base.spec, tls: [{ hosts: ['shop.example.com'], secretName }] } };
}

function store(): ClusterStore {
  const s = new ClusterStore();
  s.upsert({ kind: 'IngressClass', object: ingressClass() });
  s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'other', controller: 'example.com/other' }) });
  s.upsert({ kind: 'Ingress', object: withTls(ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'shop' }, paths: [{ path: '/cart', service: 'cart' }] }), 'shop-tls') });
  s.upsert({
    kind: 'Ingress',
    object: ingress({
      namespace: 'shop',
      name: 'web',
      annotations: {
        'group.name': 'shop',
        'actions.canary': JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'web-next', servicePort: 80, weight: 10 }] } }),
      },
      paths: [{ path: '/', service: 'canary', port: 'use-annotation' }],
    }),
  });
  s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'blog', name: 'posts', paths: [{ path: '/', service: 'cart' }] }) });
  s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'shop', name: 'theirs', className: 'other', paths: [{ path: '/', service: 'cart' }] }) });
  return s;
}

test('groups our Ingresses by group name, a lone Ingress by its own key, and leaves other classes out', () => {
  const s = store();
  expect(s.grouping().groups.map((g) => [g.name, g.members.map((m) => m.key)])).toEqual([
    ['blog/posts', ['blog/posts']],
    ['shop', ['shop/cart', 'shop/web']],
  ]);
  expect(s.groupOf('shop/web')).toBe('shop');
  expect(s.groupOf('shop/theirs')).toBeUndefined();
});

test('a Service, its EndpointSlices and a Secret lead to the groups that use them, namespace by namespace', () => {
  const s = store();
  expect([...s.groupsUsingService('shop', 'cart')]).toEqual(['shop']);
  expect([...s.groupsUsingService('blog', 'cart')]).toEqual(['blog/posts']);
  // through a forward action's serviceName
  expect([...s.groupsUsingService('shop', 'web-next')]).toEqual(['shop']);
  expect([...s.groupsUsingEndpointSlice(endpointSlice({ namespace: 'shop', service: 'cart' }))]).toEqual(['shop']);
  expect([...s.groupsUsingSecret('shop', 'shop-tls')]).toEqual(['shop']);
  expect([...s.groupsUsingService('shop', 'nothing')]).toEqual([]);
});

test('a class change reports the groups of the Ingresses naming it; another class\'s change reports none', () => {
  const s = store();
  expect([...s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb' }) }).groups].sort()).toEqual(['blog/posts', 'shop']);
  expect([...s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'other', controller: 'example.com/other' }) }).groups]).toEqual([]);
});

test('the default class places the Ingresses that name no class, and its change reports their groups', () => {
  const s = new ClusterStore();
  s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb', isDefault: true }) });
  s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'ns', name: 'plain', className: null }) });
  expect(s.groupOf('ns/plain')).toBe('ns/plain');
  const change = s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb', isDefault: false }) });
  expect([...change.groups]).toEqual(['ns/plain']);
  expect(s.groupOf('ns/plain')).toBeUndefined();
});

test('a TLS Secret is reported once when some group starts using it, and once when none does any more', () => {
  const s = new ClusterStore();
  s.upsert({ kind: 'Ingress', object: withTls(ingress({ namespace: 'shop', name: 'cart' }), 'shop-tls') });
  // No class yet (GitOps order): the Secret is nobody's.
  expect(s.groupsUsingSecret('shop', 'shop-tls').size).toBe(0);
  const classAdded = s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb' }) });
  expect([...classAdded.secretsNowUsed]).toEqual(['shop/shop-tls']);
  const second = s.upsert({ kind: 'Ingress', object: withTls(ingress({ namespace: 'shop', name: 'api' }), 'shop-tls') });
  expect([...second.secretsNowUsed]).toEqual([]);
  s.remove('Ingress', 'shop/api');
  const last = s.remove('Ingress', 'shop/cart');
  expect([...last.secretsNoLongerUsed]).toEqual(['shop/shop-tls']);
});

test('indexes follow changes: a moved Ingress, a removed one, a slice whose Service label changed', () => {
  const s = store();
  s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'blog', name: 'posts', annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'cart' }] }) });
  expect([...s.groupsUsingService('blog', 'cart')]).toEqual(['shop']);
  s.remove('Ingress', 'blog/posts');
  expect([...s.groupsUsingService('blog', 'cart')]).toEqual([]);
  expect(s.group('blog/posts')).toBeUndefined();

  s.upsert({ kind: 'EndpointSlice', object: endpointSlice({ namespace: 'shop', service: 'cart', name: 'slice-1' }) });
  expect(s.endpointSlicesFor('shop', 'cart').map((e) => e.metadata?.name)).toEqual(['slice-1']);
  s.upsert({ kind: 'EndpointSlice', object: endpointSlice({ namespace: 'shop', service: 'web', name: 'slice-1' }) });
  expect(s.endpointSlicesFor('shop', 'cart')).toEqual([]);
  expect(s.endpointSlicesFor('shop', 'web').map((e) => e.metadata?.name)).toEqual(['slice-1']);
  s.remove('EndpointSlice', 'shop/slice-1');
  expect(s.endpointSlicesFor('shop', 'web')).toEqual([]);

  s.upsert({ kind: 'Service', object: service({ namespace: 'shop', name: 'cart' }) });
  expect(s.service('shop', 'cart')?.metadata?.name).toBe('cart');
  s.remove('Service', 'shop/cart');
  expect(s.service('shop', 'cart')).toBeUndefined();
});

describe('IngressClassParams and Namespaces', () => {
  function withParams(): ClusterStore {
    const s = new ClusterStore();
    s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb', params: 'shop' }) });
    s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'plain' }) });
    s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('shop', { scheme: 'internal' }) });
    s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'shop', name: 'cart' }) });
    s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'blog', name: 'posts', className: 'plain' }) });
    return s;
  }

  test('are looked up by name; a Namespace keeps its labels only', () => {
    const s = withParams();
    s.upsert({ kind: 'Namespace', object: { ...namespace('shop', { team: 'shop' }), metadata: { name: 'shop', labels: { team: 'shop' }, annotations: { big: 'x' } }, spec: { finalizers: ['kubernetes'] } } });
    expect(s.ingressClassParams('shop')?.spec).toEqual({ scheme: 'internal' });
    expect(s.ingressClassParams('other')).toBeUndefined();
    expect(s.namespace('shop')).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'shop' } } });
    expect(s.namespace('blog')).toBeUndefined();
    s.remove('Namespace', 'shop');
    s.remove('IngressClassParams', 'shop');
    expect(s.namespace('shop')).toBeUndefined();
    expect(s.ingressClassParams('shop')).toBeUndefined();
  });

  test('params lead to the groups of every class that names them', () => {
    const s = withParams();
    s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb-too', params: 'shop' }) });
    s.upsert({ kind: 'Ingress', object: ingress({ namespace: 'shop', name: 'api', className: 'alb-too' }) });
    expect([...s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('shop', { scheme: 'internal' }) }).groups].sort()).toEqual(['shop/api', 'shop/cart']);
    expect([...s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('other', { scheme: 'internal' }) }).groups]).toEqual([]);
  });

  test('a params change regroups: group.name moves the class, a missing params object excludes it', () => {
    const s = withParams();
    expect(s.groupOf('shop/cart')).toBe('shop/cart');
    const moved = s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('shop', { group: { name: 'shared' } }) });
    expect(s.groupOf('shop/cart')).toBe('shared');
    expect([...moved.groups].sort()).toEqual(['shared', 'shop/cart']);
    const removed = s.remove('IngressClassParams', 'shop');
    expect([...removed.groups].sort()).toEqual(['shared', 'shop/cart']);
    expect(s.group('shop/cart')?.members).toEqual([]);
    expect(s.group('shop/cart')?.rejected.map((r) => r.ingress)).toEqual(['shop/cart']);
    // the class still names the params, so the group is found again when they come back
    expect([...s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('shop', {}) }).groups]).toEqual(['shop/cart']);
  });

  test('a Namespace label change regroups Ingresses its params select', () => {
    const s = withParams();
    s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('shop', { namespaceSelector: { matchLabels: { team: 'shop' } } }) });
    expect(s.group('shop/cart')?.members.map((m) => m.key)).toEqual([]);
    s.upsert({ kind: 'Namespace', object: namespace('shop', { team: 'shop' }) });
    expect(s.group('shop/cart')?.members.map((m) => m.key)).toEqual(['shop/cart']);
    expect(s.group('shop/cart')?.members[0]?.params).toEqual({ name: 'shop', namespaceSelector: { requirements: [{ key: 'team', operator: 'In', values: ['shop'] }] } });
    s.upsert({ kind: 'Namespace', object: namespace('shop', { team: 'blog' }) });
    expect(s.group('shop/cart')?.members.map((m) => m.key)).toEqual([]);
  });

  test('while params are not served (no CRD), classes have none', () => {
    const s = withParams();
    s.remove('IngressClassParams', 'shop');
    s.setIngressClassParamsServed(false);
    expect(s.group('shop/cart')?.members.map((m) => m.key)).toEqual(['shop/cart']);
    expect(s.group('shop/cart')?.members[0]?.params).toBeUndefined();
  });
});
