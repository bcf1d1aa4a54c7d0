// Bad input is contained: a broken Ingress never changes what already serves, never takes
// its group down, and a missing Service answers 503 on its own path only.
import { expect } from '@jest/globals';
import { ingress, service, endpointSlice, snapshot } from '../../unit/factories.js';
import { listenerOf, readAlb, requireAlb, route, testCluster, type TestCluster } from './harness.js';

const services = [service({ name: 'web', namespace: 'shop' }), service({ name: 'api', namespace: 'shop' })];
const slices = [
  endpointSlice({ service: 'web', namespace: 'shop', endpoints: [{ addresses: ['10.0.1.10'] }] }),
  endpointSlice({ service: 'api', namespace: 'shop', endpoints: [{ addresses: ['10.0.1.11'] }] }),
];
const web = (annotations: Record<string, string> = {}) =>
  ingress({ name: 'web', namespace: 'shop', host: 'shop.example.com', annotations: { 'group.name': 'shop', ...annotations }, paths: [{ path: '/', service: 'web' }] });
const api = (annotations: Record<string, string> = {}, paths = [{ path: '/api', service: 'api' }]) =>
  ingress({ name: 'api', namespace: 'shop', host: 'shop.example.com', annotations: { 'group.name': 'shop', 'group.order': '5', ...annotations }, paths });

describe('containment of bad input', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('bad');
  });
  afterEach(() => cluster.close());

  it('keeps the rules of an Ingress that turned invalid exactly as they were, and still applies its group', async () => {
    await cluster.run(snapshot({ ingresses: [web(), api()], services, endpointSlices: slices }));
    const before = await requireAlb(cluster, 'shop');
    const apiRoute = route(before, 80, 'shop.example.com', '/api/v1');
    expect(apiRoute).toMatch(/^forward k8s-shop-api-/);

    // api gets an invalid annotation; web gains a path at the same time
    const broken = api({ 'healthcheck-interval-seconds': 'often' });
    const webMore = ingress({
      name: 'web',
      namespace: 'shop',
      host: 'shop.example.com',
      annotations: { 'group.name': 'shop' },
      paths: [{ path: '/', service: 'web' }, { path: '/about', pathType: 'Exact', service: 'web' }],
    });
    const result = await cluster.run(snapshot({ ingresses: [webMore, broken], services, endpointSlices: slices }));
    expect(result.errors).toEqual([
      expect.objectContaining({ ingress: 'shop/api', message: expect.stringMatching(/Ingress shop\/api.*healthcheck-interval-seconds.*often/) }),
    ]);
    expect(cluster.aws.calls.changingOperations()).toEqual(['CreateRule']);
    const after = await requireAlb(cluster, 'shop');
    expect(route(after, 80, 'shop.example.com', '/api/v1')).toBe(apiRoute);
    const apiRulesBefore = listenerOf(before, 80).rules.filter((r) => JSON.stringify(r.Conditions).includes('/api'));
    const apiRulesAfter = listenerOf(after, 80).rules.filter((r) => JSON.stringify(r.Conditions).includes('/api'));
    expect(apiRulesAfter).toEqual(apiRulesBefore);
  });

  it('creates nothing for a new invalid Ingress, and the group stays as it is while all members are invalid', async () => {
    const result = await cluster.run(snapshot({ ingresses: [api({ scheme: 'public' })], services, endpointSlices: slices }));
    expect(result.errors).toEqual([
      expect.objectContaining({ ingress: 'shop/api', message: expect.stringContaining('"public"') }),
    ]);
    expect(cluster.aws.calls.changing).toBe(0);
    expect(await readAlb(cluster, 'shop')).toBeNull();

    await cluster.run(snapshot({ ingresses: [api()], services, endpointSlices: slices }));
    const alb = await requireAlb(cluster, 'shop');
    // The only member breaks: nothing is deleted.
    const frozen = await cluster.run(snapshot({ ingresses: [api({ scheme: 'public' })], services, endpointSlices: slices }));
    expect(cluster.aws.calls.changing).toBe(0);
    expect(frozen.groups).toEqual([expect.objectContaining({ name: 'alb:shop', ingresses: ['shop/api'], changes: [], leftAsIs: 'no member Ingress is valid', loadBalancer: expect.objectContaining({ arn: alb.arn }) })]);
    expect((await requireAlb(cluster, 'shop')).arn).toBe(alb.arn);
  });

  it('a typo in group.name keeps the rules and the load balancer, even for the only member, with an error naming the value', async () => {
    await cluster.run(snapshot({ ingresses: [web(), api()], services, endpointSlices: slices }));
    const before = await requireAlb(cluster, 'shop');
    const apiRoute = route(before, 80, 'shop.example.com', '/api/v1');

    // Beside a valid member: the group is applied, the typo'd member's rules stay.
    const typo = await cluster.run(snapshot({ ingresses: [web(), api({ 'group.name': 'Shop_Typo' })], services, endpointSlices: slices }));
    expect(typo.errors).toEqual([expect.objectContaining({ ingress: 'shop/api', message: expect.stringContaining('group.name: "Shop_Typo"') })]);
    expect(cluster.aws.calls.changing).toBe(0);
    expect(route(await requireAlb(cluster, 'shop'), 80, 'shop.example.com', '/api/v1')).toBe(apiRoute);

    // The only member: the load balancer stays.
    await cluster.run(snapshot({ ingresses: [api({ 'group.name': 'Shop_Typo' })], services, endpointSlices: slices }));
    const after = await requireAlb(cluster, 'shop');
    expect(after.arn).toBe(before.arn);
    expect(route(after, 80, 'shop.example.com', '/api/v1')).toBe(apiRoute);
    // The web member is gone for good, so its rule went; the frozen one's stayed.
    expect(route(after, 80, 'shop.example.com', '/')).not.toMatch(/k8s-shop-web-/);
  });

  it('removes the rules of a deleted member while every other member is frozen', async () => {
    await cluster.run(snapshot({ ingresses: [web(), api()], services, endpointSlices: slices }));
    const before = await requireAlb(cluster, 'shop');
    const apiRoute = route(before, 80, 'shop.example.com', '/api/v1');
    expect(route(before, 80, 'shop.example.com', '/')).toMatch(/^forward k8s-shop-web-/);

    const result = await cluster.run(snapshot({ ingresses: [api({ scheme: 'public' })], services, endpointSlices: slices }));
    expect(result.groups).toEqual([expect.objectContaining({ name: 'alb:shop', leftAsIs: 'no member Ingress is valid', released: true })]);
    const after = await requireAlb(cluster, 'shop');
    expect(after.arn).toBe(before.arn);
    expect(route(after, 80, 'shop.example.com', '/api/v1')).toBe(apiRoute);
    expect(route(after, 80, 'shop.example.com', '/')).not.toMatch(/k8s-shop-web-/);
  });

  it('reports the later member of a group that asks for a different scheme, and applies the rest', async () => {
    const result = await cluster.run(
      snapshot({ ingresses: [web({ scheme: 'internet-facing' }), api({ scheme: 'internal', 'group.order': '9' })], services, endpointSlices: slices }),
    );
    expect(result.errors.map((e) => e.ingress)).toEqual(['shop/api']);
    expect(result.errors[0]?.message).toContain('scheme');
    const alb = await requireAlb(cluster, 'shop');
    expect(route(alb, 80, 'shop.example.com', '/')).toMatch(/^forward k8s-shop-web-/);
    expect(route(alb, 80, 'shop.example.com', '/api')).toMatch(/^forward k8s-shop-web-/);
  });

  it('answers 503 on a path whose Service does not exist and routes the rest of the Ingress', async () => {
    const result = await cluster.run(
      snapshot({ ingresses: [api({}, [{ path: '/api', service: 'api' }, { path: '/gone', service: 'missing' }])], services, endpointSlices: slices }),
    );
    expect(result.errors).toEqual([expect.objectContaining({ ingress: 'shop/api', message: expect.stringContaining('shop/missing') })]);
    const alb = await requireAlb(cluster, 'shop');
    expect(route(alb, 80, 'shop.example.com', '/gone/x')).toBe('fixed-response 503');
    expect(route(alb, 80, 'shop.example.com', '/api')).toMatch(/^forward k8s-shop-api-/);
  });

  it('a frozen member holds what only it gave the group: the load balancer stays, with its scheme, tags and default backend', async () => {
    // given: web alone sets the scheme, tags and default backend of group shop
    const owner = (annotations: Record<string, string> = {}) =>
      ingress({
        name: 'web',
        namespace: 'shop',
        host: 'shop.example.com',
        annotations: { 'group.name': 'shop', scheme: 'internet-facing', tags: 'team=shop', ...annotations },
        paths: [{ path: '/', service: 'web' }],
        defaultBackend: { service: 'web', port: 80 },
      });
    await cluster.run(snapshot({ ingresses: [owner(), api()], services, endpointSlices: slices }));
    const before = await requireAlb(cluster, 'shop');
    expect(route(before, 80, 'elsewhere.example.com', '/')).toMatch(/^forward k8s-shop-web-/);

    // when: web turns invalid and api changes at the same time
    const result = await cluster.run(
      snapshot({ ingresses: [owner({ 'success-codes': 'abc' }), api({}, [{ path: '/api', service: 'api' }, { path: '/v2', service: 'api' }])], services, endpointSlices: slices }),
    );

    // then: the same load balancer, still internet-facing, still routing web and its default backend
    expect(result.groups[0]?.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['create rule']);
    const after = await requireAlb(cluster, 'shop');
    expect(after.arn).toBe(before.arn);
    expect(route(after, 80, 'shop.example.com', '/anything')).toMatch(/^forward k8s-shop-web-/);
    expect(route(after, 80, 'elsewhere.example.com', '/')).toMatch(/^forward k8s-shop-web-/);
    expect(route(after, 80, 'shop.example.com', '/v2/x')).toMatch(/^forward k8s-shop-api-/);
  });

  it('a frozen member keeps its wildcard host one label deep: the guard rule stays', async () => {
    const tenant = (annotations: Record<string, string> = {}) =>
      ingress({ name: 'tenant', namespace: 'shop', host: '*.shop.example.com', annotations: { 'group.name': 'shop', ...annotations }, paths: [{ path: '/cart', service: 'api' }] });
    const fallback = ingress({ name: 'web', namespace: 'shop', annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'web' }] });
    await cluster.run(snapshot({ ingresses: [tenant(), fallback], services, endpointSlices: slices }));
    const before = await requireAlb(cluster, 'shop');
    // *.shop.example.com is one label: a.b.shop.example.com is not it
    expect(route(before, 80, 'a.shop.example.com', '/cart')).toMatch(/^forward k8s-shop-api-/);
    expect(route(before, 80, 'a.b.shop.example.com', '/cart')).toMatch(/^forward k8s-shop-web-/);

    const second = await cluster.run(snapshot({ ingresses: [tenant({ 'healthcheck-interval-seconds': '3' }), fallback], services, endpointSlices: slices }));
    expect(second.groups[0]?.changes).toEqual([]);
    const after = await requireAlb(cluster, 'shop');
    expect(route(after, 80, 'a.shop.example.com', '/cart')).toMatch(/^forward k8s-shop-api-/);
    expect(route(after, 80, 'a.b.shop.example.com', '/cart')).toMatch(/^forward k8s-shop-web-/);
  });
});
