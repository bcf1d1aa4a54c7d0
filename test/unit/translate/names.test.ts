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
  // Literal names: a change here renames resources in every cluster, so it must show in review.
  test.each([
    ['shop', 'k8s-shop-d77113f709', 'k8s-shop-bd2a89b839', 'k8s-verylong-verylong-0ad7a8c004'],
    ['default/web', 'k8s-default-web-9526b6636c', 'k8s-default-web-92b37754c3', 'k8s-verylong-verylong-d95b823983'],
    ['a-very-long-group-name.with.dots.and-more-words', 'k8s-a-very-long-group-fe65de1980', 'k8s-a-very-long-group-546473b1a0', 'k8s-verylong-verylong-0f3ffd724c'],
    ['---', 'k8s-866f4be625', 'k8s-48411a7574', 'k8s-verylong-verylong-2c37013faf'],
    ['Ünïcødé/grüp', 'k8s-n-c-d-gr-p-dc227677b1', 'k8s-n-c-d-gr-p-6e6c6271a1', 'k8s-verylong-verylong-ccfb9cda92'],
    ['x'.repeat(63), 'k8s-xxxxxxxxxxxxxxxxx-2ad729560f', 'k8s-xxxxxxxxxxxxxxxxx-2a19a2393a', 'k8s-verylong-verylong-2463f1c4b9'],
  ])('for group %p: load balancer %s, security group %s, target group %s', (group, lb, sg, tg) => {
    const names = [
      loadBalancerName('prod', group, 'internal'),
      securityGroupName('prod', group),
      targetGroupName('prod', group, 'tg/ns/svc:80/http-http1-ip', 'very-long-namespace', 'very-long-service'),
    ];
    expect(names).toEqual([lb, sg, tg]);
    // What AWS accepts: at most 32 characters, letters, digits and inner hyphens.
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(32);
      expect(name).toMatch(valid);
    }
  });

  test('readable prefix plus a hash that changes with what AWS cannot change', () => {
    expect(loadBalancerName('prod', 'shop/cart', 'internal')).toBe('k8s-shop-cart-05fd31921a');
    expect(loadBalancerName('prod', 'shop/cart', 'internet-facing')).toBe('k8s-shop-cart-98cdaee73e');
    expect(loadBalancerName('staging', 'shop/cart', 'internal')).toBe('k8s-shop-cart-5290921d5a');
    expect(targetGroupName('prod', 'g', 'tg/shop/cart-service:80/http-http1-ip', 'shop', 'cart-service')).toBe('k8s-shop-cartserv-41d40ab807');
    expect(targetGroupName('prod', 'g', 'tg/shop/cart-service:8080/http-http1-ip', 'shop', 'cart-service')).toBe('k8s-shop-cartserv-3fd43562aa');
  });

  test('the hash is the start of the SHA-256 of the parts joined by NUL', () => {
    // Same as: printf 'prod\0shop/cart\0internal' | sha256sum
    expect(shortHash(['prod', 'shop/cart', 'internal'])).toBe('05fd31921a');
    expect(shortHash(['prod', 'g'], 16)).toBe('b9fee0ce12c4cb79');
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
