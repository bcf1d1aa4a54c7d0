import {
  loadBalancerName,
  sanitize,
  securityGroupDescription,
  securityGroupName,
  shortHash,
  targetGroupName,
} from '../../../src/translate/names.js';

const valid = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

describe('AWS names', () => {
  test.each(['shop', 'default/web', 'a-very-long-group-name.with.dots.and-more-words', '---', 'Ünïcødé/grüp', 'x'.repeat(63)])(
    'for group %p: at most 32 characters, letters, digits and inner hyphens',
    (group) => {
      for (const name of [
        loadBalancerName('prod', group, 'internal'),
        securityGroupName('prod', group),
        targetGroupName('prod', group, 'tg/ns/svc:80/http-http1-ip', 'very-long-namespace', 'very-long-service'),
      ]) {
        expect(name.length).toBeLessThanOrEqual(32);
        expect(name).toMatch(valid);
        expect(name.startsWith('k8s-')).toBe(true);
      }
    },
  );

  test('readable prefix plus a hash that changes with what AWS cannot change', () => {
    expect(loadBalancerName('prod', 'shop/cart', 'internal')).toBe(`k8s-shop-cart-${shortHash(['prod', 'shop/cart', 'internal'])}`);
    expect(loadBalancerName('prod', 'shop/cart', 'internet-facing')).not.toBe(loadBalancerName('prod', 'shop/cart', 'internal'));
    expect(loadBalancerName('staging', 'shop/cart', 'internal')).not.toBe(loadBalancerName('prod', 'shop/cart', 'internal'));
    expect(targetGroupName('prod', 'g', 'tg/shop/cart-service:80/http-http1-ip', 'shop', 'cart-service')).toBe(
      `k8s-shop-cartserv-${shortHash(['prod', 'g', 'tg/shop/cart-service:80/http-http1-ip'])}`,
    );
  });

  test('sanitize', () => {
    expect(sanitize('a/b.c--d', 32)).toBe('a-b-c-d');
    expect(sanitize('abc-def', 4)).toBe('abc');
    expect(sanitize('//x', 5)).toBe('x');
  });

  test('security group description is ASCII EC2 accepts', () => {
    expect(securityGroupDescription('prod', 'shop')).toBe('Managed by Albatross for Ingress group shop in cluster prod');
    expect(securityGroupDescription('prød', 'shop')).toBe('Managed by Albatross for Ingress group shop in cluster prd');
  });
});
