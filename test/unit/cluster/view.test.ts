// The ClusterStore's lookups and reverse indexes: which groups a change to a Service, an
// EndpointSlice, a Secret or an IngressClass touches, kept current as objects come and go.
import type { V1Ingress } from '@kubernetes/client-node';
import { ClusterStore } from '../../../src/cluster/view.js';
import { groupIngresses, type Grouping } from '../../../src/ingress/group.js';
import { paramsOfIngress } from '../../../src/ingress/params.js';
import { prng } from '../translate/reference-precedence.js';
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
    ['alb:shop', ['shop/cart', 'shop/web']],
    ['blog/posts', ['blog/posts']],
  ]);
  expect(s.groupOf('shop/web')).toBe('alb:shop');
  expect(s.groupOf('shop/theirs')).toBeUndefined();
});

test('a Service, its EndpointSlices and a Secret lead to the groups that use them, namespace by namespace', () => {
  const s = store();
  expect([...s.groupsUsingService('shop', 'cart')]).toEqual(['alb:shop']);
  expect([...s.groupsUsingService('blog', 'cart')]).toEqual(['blog/posts']);
  // through a forward action's serviceName
  expect([...s.groupsUsingService('shop', 'web-next')]).toEqual(['alb:shop']);
  expect([...s.groupsUsingEndpointSlice(endpointSlice({ namespace: 'shop', service: 'cart' }))]).toEqual(['alb:shop']);
  expect([...s.groupsUsingSecret('shop', 'shop-tls')]).toEqual(['alb:shop']);
  expect([...s.groupsUsingService('shop', 'nothing')]).toEqual([]);
});

test('a class change reports the groups of the Ingresses naming it; another class\'s change reports none', () => {
  const s = store();
  expect([...s.upsert({ kind: 'IngressClass', object: ingressClass({ name: 'alb' }) }).groups].sort()).toEqual(['alb:shop', 'blog/posts']);
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
  expect([...s.groupsUsingService('blog', 'cart')]).toEqual(['alb:shop']);
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
    expect(s.groupOf('shop/cart')).toBe('alb:shared');
    expect([...moved.groups].sort()).toEqual(['alb:shared', 'shop/cart']);
    const removed = s.remove('IngressClassParams', 'shop');
    expect([...removed.groups].sort()).toEqual(['alb:shared', 'shop/cart']);
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

describe('incremental grouping', () => {
  // The store places Ingresses again only when they, their class, params or namespace change;
  // after any sequence of changes its grouping must equal grouping everything from scratch.
  const classNames = ['alb', 'other', 'params', 'gone'];
  const namespaces = ['a', 'b'];

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('random changes, seed %i: the store groups as groupIngresses does from scratch', (seed) => {
    const rand = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const s = new ClusterStore();
    const ingresses = new Map<string, V1Ingress>();
    for (let step = 0; step < 300; step++) {
      const what = rand();
      if (what < 0.5) {
        const name = `i${Math.floor(rand() * 12)}`;
        const ns = pick(namespaces);
        const annotations: Record<string, string> = {};
        if (rand() < 0.6) annotations['group.name'] = pick(['g1', 'g2', 'Bad_Name']);
        if (rand() < 0.2) annotations['group.order'] = pick(['1', 'x']);
        const finalizers = rand() < 0.4 ? [pick(['alb.group.albatross.dev/g1', 'other.group.albatross.dev/g2', 'gone.group.albatross.dev/g1', 'albatross.dev/resources', 'albatross.dev/aws-resources'])] : undefined;
        const object = ingress({
          namespace: ns,
          name,
          className: rand() < 0.2 ? null : pick(classNames),
          annotations,
          ...(finalizers === undefined ? {} : { finalizers }),
          deleting: rand() < 0.1,
          ...(rand() < 0.3 ? { paths: [{ path: '/', service: pick(['web', 'api']) }] } : {}),
        });
        ingresses.set(`${ns}/${name}`, object);
        s.upsert({ kind: 'Ingress', object });
      } else if (what < 0.6) {
        const key = `${pick(namespaces)}/i${Math.floor(rand() * 12)}`;
        ingresses.delete(key);
        s.remove('Ingress', key);
      } else if (what < 0.8) {
        const name = pick(classNames.slice(0, 3));
        if (rand() < 0.25) s.remove('IngressClass', name);
        else
          s.upsert({
            kind: 'IngressClass',
            object: ingressClass({
              name,
              ...(name === 'other' && rand() < 0.5 ? { controller: 'example.com/other' } : {}),
              ...(name === 'params' ? { params: 'p' } : {}),
              ...(rand() < 0.3 ? { isDefault: true } : {}),
            }),
          });
      } else if (what < 0.9) {
        if (rand() < 0.3) s.remove('IngressClassParams', 'p');
        else s.upsert({ kind: 'IngressClassParams', object: ingressClassParams('p', rand() < 0.5 ? { group: { name: 'pg' } } : { namespaceSelector: { matchLabels: { team: 'a' } } }) });
      } else {
        s.upsert({ kind: 'Namespace', object: namespace(pick(namespaces), rand() < 0.5 ? { team: 'a' } : {}) });
      }
    }
    const scratch = new ClusterStore();
    for (const c of s.ingressClasses()) scratch.upsert({ kind: 'IngressClass', object: c });
    const params = s.ingressClassParams('p');
    if (params !== undefined) scratch.upsert({ kind: 'IngressClassParams', object: params });
    for (const ns of namespaces) {
      const kept = s.namespace(ns);
      if (kept !== undefined) scratch.upsert({ kind: 'Namespace', object: kept });
    }
    const paramsSource = { ingressClasses: s.ingressClasses(), ingressClassParams: (name: string) => s.ingressClassParams(name), namespaceLabels: (name: string) => s.namespace(name)?.metadata?.labels ?? {} };
    const expected = groupIngresses([...ingresses.values()], { ingressClasses: s.ingressClasses(), paramsOf: (i) => paramsOfIngress(i, paramsSource) });
    const shape = (g: Grouping): unknown => g.groups.map((x) => [x.name, x.members.map((m) => [m.key, m.order]), x.rejected.map((r) => r.message)]);
    expect(shape(s.grouping())).toEqual(shape(expected));
    expect(s.counts()).toEqual({ groups: expected.groups.length, members: expected.groups.reduce((n, g) => n + g.members.length, 0) });
  });
});
