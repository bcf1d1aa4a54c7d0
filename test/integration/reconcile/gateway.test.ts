// A Gateway reconciled as one more group by the same pipeline: its load balancer made from its
// listeners and HTTPRoutes, found again by its group tag, a broken route kept out without taking
// the Gateway down, and its load balancer deleted once the Gateway is gone from a complete view.
import { expect } from '@jest/globals';
import { DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { endpointSlice, gateway, gatewayClass, httpRoute, ingress, service, snapshot } from '../../unit/factories.js';
import { listenerOf, readAlb, requireAlb, route, testCluster, type TestCluster } from './harness.js';

const edge = gateway({ namespace: 'infra', name: 'edge', listeners: [{ allowedRoutes: { namespaces: { from: 'All' } } }] });
const cart = httpRoute({ namespace: 'shop', name: 'cart', parents: ['infra/edge'], hostnames: ['shop.example.com'], backends: ['cart'] });
const posts = httpRoute({ namespace: 'blog', name: 'posts', parents: ['infra/edge'], hostnames: ['blog.example.com'], backends: ['posts'] });
const backends = {
  services: [service({ namespace: 'shop', name: 'cart' }), service({ namespace: 'blog', name: 'posts' }), service({ namespace: 'shop', name: 'web' })],
  endpointSlices: [
    endpointSlice({ namespace: 'shop', service: 'cart', endpoints: [{ addresses: ['10.0.1.20'] }] }),
    endpointSlice({ namespace: 'blog', service: 'posts', endpoints: [{ addresses: ['10.0.1.21'] }] }),
    endpointSlice({ namespace: 'shop', service: 'web', endpoints: [{ addresses: ['10.0.1.22'] }] }),
  ],
};
const shopIngress = ingress({ namespace: 'shop', name: 'web', host: 'www.example.com' });

describe('a Gateway as a group', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('gw');
  });
  afterEach(() => cluster.close());

  it('becomes a load balancer tagged with its key, its routes rules tagged with theirs, beside an Ingress group; gone from the view, it is deleted', async () => {
    const view = snapshot({ ingresses: [shopIngress], gatewayClasses: [gatewayClass()], gateways: [edge], httpRoutes: [cart, posts], ...backends });
    const applied = await cluster.run(view);
    expect(applied.errors).toEqual([]);
    expect(applied.groups.map((g) => [g.name, g.ingresses, g.failure])).toEqual([
      ['gateway:infra/edge', ['gateway:infra/edge', 'httproute:blog/posts', 'httproute:shop/cart'], null],
      ['shop/web', ['shop/web'], null],
    ]);
    const group = applied.groups[0];
    expect(group?.gatewayStatus?.listeners.map((l) => [l.name, l.attachedRoutes, l.conditions.find((c) => c.type === 'Accepted')?.status])).toEqual([['http', 2, 'True']]);
    expect(group?.gatewayStatus?.routes.map((r) => [r.route.name, r.conditions.map((c) => `${c.type}=${c.status}`)])).toEqual([
      ['posts', ['Accepted=True', 'ResolvedRefs=True']],
      ['cart', ['Accepted=True', 'ResolvedRefs=True']],
    ]);
    expect(applied.groups[1]?.gatewayStatus).toBeNull();

    const alb = await requireAlb(cluster, 'gateway:infra/edge');
    expect(group?.loadBalancer?.arn).toBe(alb.arn);
    expect(route(alb, 80, 'shop.example.com', '/')).toMatch(/^forward /);
    expect(alb.targetGroupServices.get(route(alb, 80, 'shop.example.com', '/').slice('forward '.length))).toBe('shop/cart');
    expect(alb.targetGroupServices.get(route(alb, 80, 'blog.example.com', '/x').slice('forward '.length))).toBe('blog/posts');
    expect(route(alb, 80, 'www.example.com', '/')).toBe('fixed-response 404');
    const ruleArns = listenerOf(alb, 80).rules.filter((r) => r.IsDefault !== true).map((r) => r.RuleArn ?? '');
    const tags = (await cluster.elbv2.send(new DescribeTagsCommand({ ResourceArns: ruleArns }))).TagDescriptions ?? [];
    expect(tags.map((t) => t.Tags?.find((x) => x.Key === 'albatross.dev/ingress')?.Value).sort()).toEqual(['httproute:blog/posts', 'httproute:shop/cart']);
    expect(new Set(tags.map((t) => t.Tags?.find((x) => x.Key === 'albatross.dev/group')?.Value))).toEqual(new Set(['gateway:infra/edge']));

    // Converged: nothing to change.
    const again = await cluster.run(view, 'plan');
    expect(again.groups.flatMap((g) => g.changes)).toEqual([]);

    // The Gateway leaves the (complete) view: found in AWS by its group tag alone, and deleted.
    const without = snapshot({ ingresses: [shopIngress], gatewayClasses: [gatewayClass()], httpRoutes: [cart, posts], ...backends });
    const planned = await cluster.run(without, 'plan');
    const gone = planned.groups.find((g) => g.name === 'gateway:infra/edge');
    expect(gone?.changes.filter((c) => c.kind === 'load-balancer').map((c) => c.action)).toEqual(['delete']);
    expect(gone?.gatewayStatus).toBeNull();
    await cluster.run(without);
    expect(await readAlb(cluster, 'gateway:infra/edge')).toBeNull();
    expect(await readAlb(cluster, 'shop/web')).not.toBeNull();
  });

  it('keeps a broken route out, named as an HTTPRoute, while the Gateway\'s other route is served', async () => {
    const broken = httpRoute({
      namespace: 'blog',
      name: 'posts',
      parents: ['infra/edge'],
      hostnames: ['blog.example.com'],
      rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/p/[0-9]+' } }], backendRefs: [{ name: 'posts', port: 80 }] }],
    });
    const result = await cluster.run(snapshot({ gatewayClasses: [gatewayClass()], gateways: [edge], httpRoutes: [cart, broken], ...backends }));
    expect(result.groups.map((g) => [g.name, g.failure])).toEqual([['gateway:infra/edge', null]]);
    expect(result.errors.map((e) => [e.ingress, e.message.split(':')[0]])).toEqual([['httproute:blog/posts', 'HTTPRoute blog/posts']]);
    const alb = await requireAlb(cluster, 'gateway:infra/edge');
    expect(alb.targetGroupServices.get(route(alb, 80, 'shop.example.com', '/').slice('forward '.length))).toBe('shop/cart');
    expect(route(alb, 80, 'blog.example.com', '/p/1')).toBe('fixed-response 404');
  });
});
