import { isOurIngress, selectOurIngresses } from '../../../src/ingress/class.js';
import { groupIngresses } from '../../../src/ingress/group.js';
import { ingress, ingressClass } from '../factories.js';

describe('class selection', () => {
  const ours = ingressClass({ name: 'alb' });
  const theirs = ingressClass({ name: 'nginx', controller: 'k8s.io/ingress-nginx' });

  test.each([
    ['ingressClassName naming our class', ingress({ className: 'alb' }), [ours, theirs], true],
    ['ingressClassName naming another controller', ingress({ className: 'nginx' }), [ours, theirs], false],
    ['ingressClassName naming a missing class', ingress({ className: 'gone' }), [ours, theirs], false],
    ['no class, our class is the default', ingress({ className: null }), [ingressClass({ isDefault: true }), theirs], true],
    [
      'no class, another class is the default',
      ingress({ className: null }),
      [ours, ingressClass({ name: 'nginx', controller: 'k8s.io/ingress-nginx', isDefault: true })],
      false,
    ],
    ['no class, no default', ingress({ className: null }), [ours, theirs], false],
    ['no class, default annotation is not "true"', ingress({ className: null }), [ingressClass({ isDefault: false })], false],
    [
      'legacy annotation naming our class',
      ingress({ className: null, annotations: { 'kubernetes.io/ingress.class': 'alb' } }),
      [ours, theirs],
      true,
    ],
    [
      'legacy annotation naming another class, even with our default class',
      ingress({ className: null, annotations: { 'kubernetes.io/ingress.class': 'nginx' } }),
      [ingressClass({ isDefault: true }), theirs],
      false,
    ],
    [
      'ingressClassName wins over the legacy annotation',
      ingress({ className: 'nginx', annotations: { 'kubernetes.io/ingress.class': 'alb' } }),
      [ours, theirs],
      false,
    ],
  ])('%s', (_, ing, classes, expected) => {
    expect(isOurIngress(ing, classes)).toBe(expected);
  });

  test('others are filtered out', () => {
    const a = ingress({ name: 'a' });
    const b = ingress({ name: 'b', className: 'nginx' });
    expect(selectOurIngresses([a, b], [ours, theirs])).toEqual([a]);
  });
});

describe('grouping', () => {
  test('explicit groups by name, implicit groups by namespace/name, groups sorted by name', () => {
    const result = groupIngresses([
      ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'shop' } }),
      ingress({ namespace: 'blog', name: 'posts' }),
      ingress({ namespace: 'shop', name: 'api', annotations: { 'group.name': 'shop' } }),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.groups.map((g) => [g.name, g.members.map((m) => m.key)])).toEqual([
      ['blog/posts', ['blog/posts']],
      ['shop', ['shop/api', 'shop/cart']],
    ]);
  });

  test('members ordered by group.order, then namespace/name', () => {
    const result = groupIngresses([
      ingress({ namespace: 'a', name: 'x', annotations: { 'group.name': 'g' } }),
      ingress({ namespace: 'b', name: 'first', annotations: { 'group.name': 'g', 'group.order': '-10' } }),
      ingress({ namespace: 'a', name: 'late', annotations: { 'group.name': 'g', 'group.order': '10' } }),
      ingress({ namespace: 'a', name: 'w', annotations: { 'group.name': 'g', 'group.order': '0' } }),
    ]);
    expect(result.groups[0]?.members.map((m) => [m.key, m.order])).toEqual([
      ['b/first', -10],
      ['a/w', 0],
      ['a/x', 0],
      ['a/late', 10],
    ]);
  });

  test('an invalid group.name leaves the Ingress out with no group', () => {
    const result = groupIngresses([ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'Shop!' } })]);
    expect(result.groups).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({ ingress: 'shop/cart', group: null, severity: 'excluded' }),
    ]);
  });

  test('an invalid group.order rejects the member but keeps its group known', () => {
    const result = groupIngresses([
      ingress({ name: 'a', annotations: { 'group.name': 'g', 'group.order': 'x' } }),
      ingress({ name: 'b', annotations: { 'group.name': 'g' } }),
    ]);
    expect(result.groups[0]?.members.map((m) => m.key)).toEqual(['default/b']);
    expect(result.groups[0]?.rejected).toEqual([
      {
        ingress: 'default/a',
        group: 'g',
        severity: 'excluded',
        message:
          'Ingress default/a: annotation alb.ingress.kubernetes.io/group.order: "x" is not a whole number; use a whole number from -1000 to 1000',
      },
    ]);
  });
});
