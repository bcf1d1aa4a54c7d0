// spec.tls: Secrets become imported certificates on the HTTPS listener; a broken Secret
// degrades only its entry and keeps what served before; uncovered hosts go to discovery.
import { expect } from '@jest/globals';
import type { V1Ingress } from '@kubernetes/client-node';
import type { DesiredStack, DesiredState, ListenerSpec, TlsResolver } from '../../../src/model/resources.js';
import { err, ok } from '../../../src/model/result.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';
import { defined } from '../../defined.js';

const secrets: Record<string, { fingerprint: string; names: string[] }> = {
  'shop/shop-tls': { fingerprint: 'fp-shop', names: ['shop.example.com', '*.shop.example.com'] },
  'shop/shop-tls-copy': { fingerprint: 'fp-shop', names: ['shop.example.com', '*.shop.example.com'] },
  'shop/api-tls': { fingerprint: 'fp-api', names: ['api.example.com'] },
};
const asked: string[] = [];
const resolver: TlsResolver = (secret, hosts) => {
  asked.push(`${secret} ${hosts.join(',')}`);
  const found = secrets[secret];
  if (found !== undefined) return ok(found);
  return err({ message: `Secret ${secret} not found`, retainedArns: secret === 'shop/renewing' ? ['arn:aws:acm:us-east-1:1:certificate/old'] : [] });
};

function withTls(base: V1Ingress, entries: { secretName: string; hosts: string[] }[]): V1Ingress {
  return { ...base, spec: { ...base.spec, tls: entries } };
}

function run(ingresses: V1Ingress[]): DesiredState {
  return translate(snapshot({ ingresses, services: [service({ namespace: 'shop' })], endpointSlices: [endpointSlice({ namespace: 'shop' })] }), { clusterName: 'prod', tls: resolver });
}

function onlyStack(state: DesiredState): DesiredStack {
  expect(state.stacks).toHaveLength(1);
  return defined(state.stacks[0], 'a stack');
}

function listener(stack: DesiredStack, port: number): ListenerSpec {
  return defined(stack.listeners.find((l) => l.port === port), `a listener on port ${port}`);
}

const shop = (name = 'shop', more: Record<string, string> = {}) =>
  ingress({ name, namespace: 'shop', host: 'shop.example.com', annotations: { 'group.name': 'shop', ...more }, paths: [{ path: `/${name}` }] });

describe('spec.tls', () => {
  beforeEach(() => (asked.length = 0));

  test('a Secret becomes the HTTPS listener certificate, on 443 beside HTTP on 80 by default, with the TLS 1.3/1.2 policy', () => {
    const stack = onlyStack(run([withTls(shop(), [{ secretName: 'shop-tls', hosts: ['shop.example.com'] }])]));
    expect(stack.listeners).toEqual([
      expect.objectContaining({ port: 80, protocol: 'HTTP', certificates: [] }),
      expect.objectContaining({
        port: 443,
        protocol: 'HTTPS',
        certificates: [{ kind: 'imported', fingerprint: 'fp-shop' }],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      }),
    ]);
    expect(listener(stack, 443).discoverHosts).toBeUndefined();
    expect(new Set(stack.rules.map((r) => r.listenerPort))).toEqual(new Set([80, 443]));
    expect(asked).toEqual(['shop/shop-tls shop.example.com']);
  });

  test('identical content from two Secrets of two members is one certificate; others are SNI certificates in group order', () => {
    const stack = onlyStack(
      run([
        withTls(shop('a'), [{ secretName: 'shop-tls', hosts: ['shop.example.com'] }]),
        withTls(shop('b'), [{ secretName: 'shop-tls-copy', hosts: ['shop.example.com'] }, { secretName: 'api-tls', hosts: ['api.example.com'] }]),
      ]),
    );
    expect(listener(stack, 443).certificates).toEqual([
      { kind: 'imported', fingerprint: 'fp-shop' },
      { kind: 'imported', fingerprint: 'fp-api' },
    ]);
  });

  test('a broken Secret fails only its entry, names Ingress and Secret, and keeps the certificate it served before', () => {
    const state = run([
      withTls(shop('a'), [{ secretName: 'shop-tls', hosts: ['shop.example.com'] }]),
      withTls(shop('b'), [{ secretName: 'renewing', hosts: ['shop.example.com'] }]),
    ]);
    expect(state.errors).toEqual([
      expect.objectContaining({ ingress: 'shop/b', severity: 'degraded', message: expect.stringMatching(/^Ingress shop\/b: .*Secret shop\/renewing not found/) }),
    ]);
    const stack = onlyStack(state);
    expect(stack.ingresses).toEqual(['shop/a', 'shop/b']);
    expect(listener(stack, 443).certificates).toEqual([
      { kind: 'imported', fingerprint: 'fp-shop' },
      { kind: 'arn', arn: 'arn:aws:acm:us-east-1:1:certificate/old' },
    ]);
    expect(stack.rules.some((r) => JSON.stringify(r.conditions).includes('/b'))).toBe(true);
  });

  test('a broken Secret that was the HTTPS listener\'s only certificate is reported with its own reason, beside the missing certificate', () => {
    const state = run([withTls(shop('a'), [{ secretName: 'gone', hosts: ['shop.example.com'] }])]);
    expect(state.stacks).toEqual([]);
    expect(state.errors.map((e) => [e.ingress, e.severity, e.message])).toEqual([
      // No listen-ports annotation is set: the message points at spec.tls, not at an annotation.
      ['shop/a', 'excluded', 'Ingress shop/a: HTTPS port 443, which spec.tls asks for, has no certificate: no Secret of spec.tls can be used (the reason is given for each) and no member of the group gives another; fix the Secret, or set annotation alb.ingress.kubernetes.io/certificate-arn'],
      ['shop/a', 'excluded', 'Ingress shop/a: spec.tls[0]: Secret shop/gone not found'],
    ]);
  });

  test('a member left out for an invalid annotation still reports its broken Secret', () => {
    const state = run([withTls(shop('a', { scheme: 'public' }), [{ secretName: 'gone', hosts: ['shop.example.com'] }])]);
    expect(state.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Ingress shop\/a: annotation .*scheme: "public"/),
      'Ingress shop/a: spec.tls[0]: Secret shop/gone not found',
    ]);
  });

  test('hosts no certificate covers are left for ACM discovery; certificate-arn turns discovery off', () => {
    const https = { 'listen-ports': '[{"HTTPS": 443}]' };
    const discover = onlyStack(run([shop('a', https)]));
    expect(listener(discover, 443).certificates).toEqual([]);
    expect(listener(discover, 443).discoverHosts).toEqual([{ host: 'shop.example.com', ingress: 'shop/a' }]);

    const explicit = onlyStack(run([shop('a', { ...https, 'certificate-arn': 'arn:aws:acm:us-east-1:1:certificate/given' })]));
    expect(listener(explicit, 443).discoverHosts).toBeUndefined();
    expect(listener(explicit, 443).certificates).toEqual([{ kind: 'arn', arn: 'arn:aws:acm:us-east-1:1:certificate/given' }]);
  });

  test('with spec.tls, only its hosts want a certificate: an entry without Secret is discovered, other hosts stay plain HTTP', () => {
    const base = ingress({
      name: 'a',
      namespace: 'shop',
      annotations: { 'group.name': 'shop' },
      rules: [
        { host: 'shop.example.com', paths: [{ path: '/' }] },
        { host: 'api.example.com', paths: [{ path: '/' }] },
        { host: 'plain.example.com', paths: [{ path: '/' }] },
      ],
    });
    const withEntries = { ...base, spec: { ...base.spec, tls: [{ secretName: 'shop-tls', hosts: ['shop.example.com'] }, { hosts: ['api.example.com'] }] } };
    const stack = onlyStack(run([withEntries]));
    const https = listener(stack, 443);
    expect(https.certificates).toEqual([{ kind: 'imported', fingerprint: 'fp-shop' }]);
    expect(https.discoverHosts).toEqual([{ host: 'api.example.com', ingress: 'shop/a' }]);
  });

  test('ssl-redirect answers 301 on HTTP and keeps the rules on HTTPS', () => {
    const stack = onlyStack(
      run([withTls(shop('a', { 'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]', 'ssl-redirect': '443' }), [{ secretName: 'shop-tls', hosts: ['shop.example.com'] }])]),
    );
    const http = listener(stack, 80);
    expect(http.defaultAction).toMatchObject({ type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' });
    expect(stack.rules.every((r) => r.listenerPort === 443)).toBe(true);
  });
});
