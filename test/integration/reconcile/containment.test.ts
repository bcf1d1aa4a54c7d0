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
    expect(frozen.groups).toEqual([expect.objectContaining({ name: 'shop', ingresses: ['shop/api'], changes: [], leftAsIs: 'no member Ingress is valid', loadBalancer: expect.objectContaining({ arn: alb.arn }) })]);
    expect((await requireAlb(cluster, 'shop')).arn).toBe(alb.arn);
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
});
