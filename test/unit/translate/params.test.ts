// IngressClassParams through the whole stack: what the params set wins over every Ingress of
// the class, their group.name groups the class, and an Ingress they rule out is left out
// (frozen) with a message naming the Ingress, the class, the params and why.
import type { V1Ingress, V1Namespace } from '@kubernetes/client-node';
import type { V1IngressClassParams } from '../../../src/ingress/params.js';
import type { DesiredStack, DesiredState } from '../../../src/model/resources.js';
import { translate } from '../../../src/translate/index.js';
import { ingress, ingressClass, ingressClassParams, namespace, service, snapshot } from '../factories.js';

function run(
  ingresses: readonly V1Ingress[],
  params: readonly V1IngressClassParams[],
  namespaces: readonly V1Namespace[] = [],
): DesiredState {
  return translate(
    snapshot({
      ingresses,
      ingressClasses: [ingressClass({ name: 'alb', params: 'shop' }), ingressClass({ name: 'plain' })],
      ingressClassParams: params,
      namespaces,
      services: [service({ namespace: 'shop' }), service({ namespace: 'blog' })],
    }),
    { clusterName: 'prod' },
  );
}

function stack(state: DesiredState, group: string): DesiredStack {
  const found = state.stacks.find((s) => s.group === group);
  if (found === undefined) throw new Error(`no stack ${group}`);
  return found;
}

describe('params win over annotations', () => {
  test('group-wide settings of the params replace the annotations of every member', () => {
    const state = run(
      [
        ingress({
          namespace: 'shop',
          name: 'cart',
          annotations: { scheme: 'internal', 'ip-address-type': 'ipv4', 'inbound-cidrs': '192.168.0.0/16', subnets: 'subnet-9', 'load-balancer-name': 'annotated', 'load-balancer-attributes': 'idle_timeout.timeout_seconds=30' },
        }),
      ],
      [
        ingressClassParams('shop', {
          scheme: 'internet-facing',
          ipAddressType: 'dualstack',
          inboundCIDRs: ['10.0.0.0/8'],
          subnets: { ids: ['subnet-0a', 'subnet-0b'] },
          loadBalancerName: 'shop-prod',
          loadBalancerAttributes: [{ key: 'idle_timeout.timeout_seconds', value: '120' }],
        }),
      ],
    );
    expect(state.errors).toEqual([]);
    const s = stack(state, 'shop/cart');
    expect(s.loadBalancer).toMatchObject({
      name: 'shop-prod',
      scheme: 'internet-facing',
      ipAddressType: 'dualstack',
      subnets: { kind: 'ids', ids: ['subnet-0a', 'subnet-0b'] },
      attributes: { 'idle_timeout.timeout_seconds': '120' },
    });
    expect(s.securityGroup?.ingress).toEqual([{ protocol: 'tcp', port: 80, cidr: '10.0.0.0/8' }]);
  });

  test('an annotation the params override is not read, even when it is invalid', () => {
    const state = run([ingress({ namespace: 'shop', name: 'cart', annotations: { scheme: 'public' } })], [ingressClassParams('shop', { scheme: 'internal' })]);
    expect(state.errors).toEqual([]);
    expect(stack(state, 'shop/cart').loadBalancer.scheme).toBe('internal');
  });

  test('what the params leave unset still comes from the annotations', () => {
    const state = run([ingress({ namespace: 'shop', name: 'cart', annotations: { 'ip-address-type': 'dualstack' } })], [ingressClassParams('shop', { scheme: 'internet-facing' })]);
    expect(stack(state, 'shop/cart').loadBalancer).toMatchObject({ scheme: 'internet-facing', ipAddressType: 'dualstack' });
  });

  test('tags merge with the annotation tags; the params win per key', () => {
    const state = run(
      [ingress({ namespace: 'shop', name: 'cart', annotations: { tags: 'team=blog,cost=42' } })],
      [ingressClassParams('shop', { tags: [{ key: 'team', value: 'shop' }, { key: 'env', value: 'prod' }] })],
    );
    const tags = stack(state, 'shop/cart').loadBalancer.tags;
    expect(tags).toMatchObject({ team: 'shop', env: 'prod', cost: '42' });
  });

  test('sslPolicy and certificateArn replace the annotations on the HTTPS listener', () => {
    const state = run(
      [
        ingress({
          namespace: 'shop',
          name: 'cart',
          annotations: { 'listen-ports': '[{"HTTPS": 443}]', 'ssl-policy': 'ELBSecurityPolicy-2016-08', 'certificate-arn': 'arn:aws:acm:eu-west-1:1:certificate/annotated' },
        }),
      ],
      [ingressClassParams('shop', { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', certificateArn: ['arn:aws:acm:eu-west-1:1:certificate/params'] })],
    );
    expect(state.errors).toEqual([]);
    const [listener] = stack(state, 'shop/cart').listeners;
    expect(listener).toMatchObject({ port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    expect(JSON.stringify(listener)).toContain('certificate/params');
    expect(JSON.stringify(listener)).not.toContain('certificate/annotated');
  });

  test('Ingresses of a class without params keep their annotations', () => {
    const state = run([ingress({ namespace: 'blog', name: 'posts', className: 'plain', annotations: { scheme: 'internet-facing' } })], [ingressClassParams('shop', { scheme: 'internal' })]);
    expect(stack(state, 'blog/posts').loadBalancer.scheme).toBe('internet-facing');
  });
});

describe('group.name of the params', () => {
  test('puts every Ingress of the class in that group, whatever their annotation says', () => {
    const state = run(
      [
        ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'elsewhere' }, paths: [{ path: '/cart' }] }),
        ingress({ namespace: 'blog', name: 'posts', paths: [{ path: '/posts' }] }),
      ],
      [ingressClassParams('shop', { group: { name: 'shared' } })],
    );
    expect(state.errors).toEqual([]);
    expect(state.stacks.map((s) => [s.group, s.ingresses])).toEqual([['alb:shared', ['blog/posts', 'shop/cart']]]);
  });

  test('members of two classes with the same group.name are two groups, each with its own class\'s params', () => {
    const view = snapshot({
      ingresses: [
        ingress({ namespace: 'shop', name: 'a', className: 'alb', annotations: { 'group.name': 'shared' }, paths: [{ path: '/a' }] }),
        ingress({ namespace: 'shop', name: 'b', className: 'other', annotations: { 'group.name': 'shared' }, paths: [{ path: '/b' }] }),
      ],
      ingressClasses: [ingressClass({ name: 'alb', params: 'shop' }), ingressClass({ name: 'other', params: 'other' })],
      ingressClassParams: [ingressClassParams('shop', { scheme: 'internet-facing' }), ingressClassParams('other', { scheme: 'internal' })],
      services: [service({ namespace: 'shop' })],
    });
    const state = translate(view, { clusterName: 'prod' });
    expect(state.errors).toEqual([]);
    expect(state.stacks.map((s) => [s.group, s.ingresses, s.loadBalancer.scheme])).toEqual([
      ['alb:shared', ['shop/a'], 'internet-facing'],
      ['other:shared', ['shop/b'], 'internal'],
    ]);
  });
});

describe('Ingresses the params rule out are left out, frozen', () => {
  test('invalid params: every Ingress of the class, with the params, field and value', () => {
    const state = run(
      [ingress({ namespace: 'shop', name: 'cart' }), ingress({ namespace: 'blog', name: 'posts', className: 'plain' })],
      [ingressClassParams('shop', { scheme: 'public' })],
    );
    expect(state.errors).toEqual([
      {
        ingress: 'shop/cart',
        group: 'shop/cart',
        severity: 'excluded',
        message: 'Ingress shop/cart: IngressClass alb: IngressClassParams shop: spec.scheme: "public" is not allowed; use "internal" or "internet-facing"',
      },
    ]);
    expect(state.stacks.map((s) => s.group)).toEqual(['blog/posts']);
    expect(state.frozenGroups).toEqual(['shop/cart']);
  });

  test('invalid params hold an applied Ingress in the group its finalizer records, one never applied in its own', () => {
    const params = [ingressClassParams('shop', { group: { name: 'shared' }, ipAddressType: 'ipv6' })];
    const applied = run([ingress({ namespace: 'shop', name: 'cart', finalizers: ['alb.group.albatross.dev/shared'] })], params);
    expect(applied.errors.map((e) => [e.ingress, e.group])).toEqual([['shop/cart', 'alb:shared']]);
    expect(applied.frozenGroups).toEqual(['alb:shared']);
    const fresh = run([ingress({ namespace: 'shop', name: 'cart' })], params);
    expect(fresh.errors.map((e) => [e.ingress, e.group])).toEqual([['shop/cart', 'shop/cart']]);
    expect(fresh.frozenGroups).toEqual(['shop/cart']);
  });

  test('params that do not exist', () => {
    const state = run([ingress({ namespace: 'shop', name: 'cart' })], []);
    expect(state.errors.map((e) => e.message)).toEqual([
      'Ingress shop/cart: IngressClass alb: spec.parameters names IngressClassParams shop, which does not exist; the Ingress is left out until it does (create it, or remove spec.parameters from the class)',
    ]);
    expect(state.stacks).toEqual([]);
  });

  test('a namespace the selector does not match, named with the class, params, selector and labels', () => {
    const selector = { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] };
    const state = run(
      [
        ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'g' }, paths: [{ path: '/cart' }] }),
        ingress({ namespace: 'blog', name: 'posts', annotations: { 'group.name': 'g' }, paths: [{ path: '/posts' }] }),
      ],
      [ingressClassParams('shop', { namespaceSelector: selector })],
      [namespace('shop', { team: 'shop', env: 'prod' }), namespace('blog', { team: 'blog', env: 'prod' })],
    );
    expect(state.errors).toEqual([
      {
        ingress: 'blog/posts',
        group: 'blog/posts',
        severity: 'excluded',
        message:
          'Ingress blog/posts: IngressClass alb may be used only from namespaces selected by spec.namespaceSelector of IngressClassParams shop (team=shop,env notin (dev)); namespace blog has labels env=prod,team=blog, so the Ingress is left out',
      },
    ]);
    const g = stack(state, 'alb:g');
    expect(g.ingresses).toEqual(['shop/cart']);
    // Never applied, the outsider is held in its own group: it keeps nothing of g alive.
    expect(g.frozenIngresses).toEqual([]);
  });

  test('a namespace not in the view has no labels', () => {
    const state = run(
      [ingress({ namespace: 'shop', name: 'cart' })],
      [ingressClassParams('shop', { namespaceSelector: { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] } }), ingressClassParams('other', {})],
    );
    expect(state.errors).toEqual([]);
    const strict = run([ingress({ namespace: 'shop', name: 'cart' })], [ingressClassParams('shop', { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } })]);
    expect(strict.errors.map((e) => e.message)).toEqual([
      'Ingress shop/cart: IngressClass alb may be used only from namespaces selected by spec.namespaceSelector of IngressClassParams shop (team); namespace shop has no labels, so the Ingress is left out',
    ]);
  });
});
