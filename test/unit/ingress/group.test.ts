import { isOurIngress } from '../../../src/ingress/class.js';
import { groupIngresses, placeIngress } from '../../../src/ingress/group.js';
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
});

describe('grouping', () => {
  const classes = { ingressClasses: [ingressClass({ name: 'alb' }), ingressClass({ name: 'nginx', controller: 'k8s.io/ingress-nginx' })] };

  test('explicit groups by name, implicit groups by namespace/name, groups sorted by name', () => {
    const result = groupIngresses(
      [
        ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'shop' } }),
        ingress({ namespace: 'blog', name: 'posts' }),
        ingress({ namespace: 'shop', name: 'api', annotations: { 'group.name': 'shop' } }),
        ingress({ namespace: 'shop', name: 'theirs', className: 'nginx' }),
      ],
      classes,
    );
    expect(result.groups.map((g) => [g.name, g.members.map((m) => m.key)])).toEqual([
      ['alb:shop', ['shop/api', 'shop/cart']],
      ['blog/posts', ['blog/posts']],
    ]);
  });

  test('the same group.name in two classes of ours makes two groups: a group belongs to one class', () => {
    const result = groupIngresses(
      [
        ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'shop' } }),
        ingress({ namespace: 'evil', name: 'takeover', className: 'open', annotations: { 'group.name': 'shop', 'group.order': '-1000' } }),
      ],
      { ingressClasses: [...classes.ingressClasses, ingressClass({ name: 'open' })] },
    );
    expect(result.groups.map((g) => [g.name, g.members.map((m) => m.key)])).toEqual([
      ['alb:shop', ['shop/cart']],
      ['open:shop', ['evil/takeover']],
    ]);
  });

  test('members ordered by group.order, then namespace/name', () => {
    const result = groupIngresses(
      [
        ingress({ namespace: 'a', name: 'x', annotations: { 'group.name': 'g' } }),
        ingress({ namespace: 'b', name: 'first', annotations: { 'group.name': 'g', 'group.order': '-10' } }),
        ingress({ namespace: 'a', name: 'late', annotations: { 'group.name': 'g', 'group.order': '10' } }),
        ingress({ namespace: 'a', name: 'w', annotations: { 'group.name': 'g', 'group.order': '0' } }),
      ],
      classes,
    );
    expect(result.groups[0]?.members.map((m) => [m.key, m.order])).toEqual([
      ['b/first', -10],
      ['a/w', 0],
      ['a/x', 0],
      ['a/late', 10],
    ]);
  });

  test('an invalid group.name on an Ingress never applied holds it in its own group, with the annotation and value named', () => {
    const result = groupIngresses([ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'Shop_Typo' } })], classes);
    expect(result.groups.map((g) => [g.name, g.members.length, g.rejected.map((r) => r.ingress)])).toEqual([['shop/cart', 0, ['shop/cart']]]);
    expect(result.groups[0]?.rejected[0]?.message).toBe(
      'Ingress shop/cart: annotation alb.ingress.kubernetes.io/group.name: "Shop_Typo" is not a valid group name; use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    );
  });

  test('an invalid group.name on an applied Ingress holds it in the group its finalizer records, beside the other members', () => {
    const result = groupIngresses(
      [
        ingress({ namespace: 'shop', name: 'cart', annotations: { 'group.name': 'Shop_Typo' }, finalizers: ['alb.group.albatross.dev/shop'] }),
        ingress({ namespace: 'shop', name: 'api', annotations: { 'group.name': 'shop' }, finalizers: ['alb.group.albatross.dev/shop'] }),
      ],
      classes,
    );
    expect(result.groups.map((g) => [g.name, g.members.map((m) => m.key), g.rejected.map((r) => r.ingress)])).toEqual([['alb:shop', ['shop/api'], ['shop/cart']]]);
  });

  test('an invalid group.order holds an applied member in its group', () => {
    const result = groupIngresses(
      [
        ingress({ name: 'a', annotations: { 'group.name': 'g', 'group.order': 'x' }, finalizers: ['alb.group.albatross.dev/g'] }),
        ingress({ name: 'b', annotations: { 'group.name': 'g' } }),
      ],
      classes,
    );
    expect(result.groups[0]?.members.map((m) => m.key)).toEqual(['default/b']);
    expect(result.groups[0]?.rejected).toEqual([
      {
        ingress: 'default/a',
        group: 'alb:g',
        severity: 'excluded',
        message:
          'Ingress default/a: annotation alb.ingress.kubernetes.io/group.order: "x" is not a whole number; use a whole number from -1000 to 1000',
      },
    ]);
  });
});

describe('placement', () => {
  test('an Ingress never applied that its class\'s params exclude is held in its own group, not in the group it asks for', () => {
    const placement = placeIngress(ingress({ namespace: 'evil', name: 'intruder', annotations: { 'group.name': 'shop' } }), {
      ingressClasses: [ingressClass({ name: 'alb' })],
      paramsOf: () => ({ kind: 'excluded', problem: 'namespace evil is not selected' }),
    });
    expect(placement).toEqual({ kind: 'held', groups: ['evil/intruder'], problem: 'namespace evil is not selected' });
  });

  const alb = ingressClass({ name: 'alb' });
  const nginx = ingressClass({ name: 'nginx', controller: 'k8s.io/ingress-nginx' });
  const applied = { annotations: { 'group.name': 'shop' }, finalizers: ['alb.group.albatross.dev/shop'] };

  test.each([
    ['its class is gone (a class being replaced)', ingress({ ...applied, className: 'alb' }), [nginx], 'spec.ingressClassName names IngressClass "alb", which does not exist'],
    ['it names no class and no class is the default', ingress({ ...applied, className: null }), [alb, nginx], 'it names no IngressClass and no IngressClass is marked'],
    ['its legacy class annotation names a class that is gone', ingress({ ...applied, className: null, annotations: { 'group.name': 'shop', 'kubernetes.io/ingress.class': 'alb' } }), [nginx], 'annotation kubernetes.io/ingress.class names IngressClass "alb", which does not exist'],
  ])('an applied Ingress is held in its recorded group when %s', (_, ing, ingressClasses, reason) => {
    const placement = placeIngress(ing, { ingressClasses });
    expect(placement).toEqual({ kind: 'held', groups: ['alb:shop'], problem: expect.stringContaining(reason) as string });
  });

  test.each([
    ['names another controller\'s class', ingress({ ...applied, className: 'nginx' }), [alb, nginx]],
    ['names no class while another controller\'s class is the default', ingress({ ...applied, className: null }), [alb, ingressClass({ name: 'nginx', controller: 'k8s.io/ingress-nginx', isDefault: true })]],
    ['is being deleted', ingress({ ...applied, deleting: true }), [alb]],
  ])('an applied Ingress is in no group when it %s', (_, ing, ingressClasses) => {
    expect(placeIngress(ing, { ingressClasses })).toEqual({ kind: 'none' });
  });

  test('an Ingress never applied whose class does not exist is in no group', () => {
    expect(placeIngress(ingress({ className: 'alb' }), { ingressClasses: [nginx] })).toEqual({ kind: 'none' });
  });

  test('the finalizer of an Ingress that is its own group, and the legacy finalizer, record groups too', () => {
    const own = ingress({ namespace: 'shop', name: 'cart', className: 'gone', finalizers: ['albatross.dev/resources'] });
    expect(placeIngress(own, { ingressClasses: [alb] })).toMatchObject({ kind: 'held', groups: ['shop/cart'] });
    const legacy = ingress({ namespace: 'shop', name: 'cart', className: 'gone', annotations: { 'group.name': 'shop' }, finalizers: ['albatross.dev/aws-resources'] });
    // The legacy finalizer stands for the group.name in the class the Ingress names.
    expect(placeIngress(legacy, { ingressClasses: [alb] })).toMatchObject({ kind: 'held', groups: ['gone:shop'] });
  });
});
