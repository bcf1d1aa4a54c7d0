import {
  certificateResourceId,
  certificateTags,
  planCertificateImports,
  secretTagValue,
  type ImportedCertificate,
} from '../../../src/certificates/imports.js';
import { TlsBundle, type KeyAlgorithm } from '../../../src/certificates/secret.js';

/** A bundle whose content is only a label: the plan looks at fingerprints, Secrets and key algorithms. */
function bundle(secret: string, content: string, keyAlgorithm: KeyAlgorithm = 'EC_prime256v1'): TlsBundle {
  return new TlsBundle({
    secret,
    certificatePem: `cert ${content}`,
    chainPem: '',
    privateKeyPem: `key ${content}`,
    names: ['shop.example.com'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    subject: 'CN=shop.example.com',
    keyAlgorithm,
  });
}

function observed(arn: string, of: TlsBundle | { fingerprint: string | null; secret: string | null }, keyAlgorithm: string | null = 'EC_prime256v1'): ImportedCertificate {
  return { arn, fingerprint: of.fingerprint, secret: of.secret, keyAlgorithm, status: 'ISSUED', notAfter: null, tags: {} };
}

const arns = (list: readonly { arn: string }[]): string[] => list.map((x) => x.arn);

describe('planCertificateImports', () => {
  it('imports content that is new, once however many Secrets and Ingresses share it', () => {
    const a = bundle('shop/a-tls', 'one');
    const sameInB = bundle('shop/b-tls', 'one');
    const plan = planCertificateImports([a, sameInB, a], []);

    expect(plan.toImport).toEqual([a]);
    expect(plan.toReimport).toEqual([]);
    expect(plan.unchanged).toEqual([]);
    expect(plan.arns.size).toBe(0);
  });

  it('leaves content already imported alone, and reports its ARN', () => {
    const a = bundle('shop/a-tls', 'one');
    const plan = planCertificateImports([a], [observed('arn:1', a)]);
    expect(plan.toImport).toEqual([]);
    expect(plan.unchanged).toEqual([{ arn: 'arn:1', bundle: a }]);
    expect(plan.arns).toEqual(new Map([[a.fingerprint, 'arn:1']]));
  });

  it('re-imports a renewed Secret into the ARN that held its old content', () => {
    const old = bundle('shop/a-tls', 'v1');
    const renewed = bundle('shop/a-tls', 'v2');
    const plan = planCertificateImports([renewed], [observed('arn:1', old)]);

    expect(plan.toImport).toEqual([]);
    expect(plan.toReimport).toEqual([{ arn: 'arn:1', bundle: renewed, previous: observed('arn:1', old) }]);
    expect(plan.unused).toEqual([]);
    expect(plan.arns.get(renewed.fingerprint)).toBe('arn:1');
  });

  it('does not re-import into content another Secret still wants', () => {
    // given one certificate shared by two Secrets, tagged with the first
    const shared = bundle('shop/a-tls', 'v1');
    const renewedA = bundle('shop/a-tls', 'v2');
    const stillB = bundle('shop/b-tls', 'v1');
    // when only the first is renewed
    const plan = planCertificateImports([renewedA, stillB], [observed('arn:1', shared)]);
    // then the renewal is a new import and the shared certificate stays for the second
    expect(plan.toImport).toEqual([renewedA]);
    expect(plan.unchanged).toEqual([{ arn: 'arn:1', bundle: stillB }]);
  });

  it('imports instead of re-importing across key algorithms, which ACM refuses', () => {
    const old = bundle('shop/a-tls', 'v1', 'RSA_2048');
    const renewed = bundle('shop/a-tls', 'v2', 'EC_prime256v1');
    const plan = planCertificateImports([renewed], [observed('arn:1', old, 'RSA_2048')]);
    expect(plan.toImport).toEqual([renewed]);
    expect(arns(plan.unused)).toEqual(['arn:1']);
  });

  it('reports certificates nobody wants as unused, and keeps one of two duplicates', () => {
    const a = bundle('shop/a-tls', 'one');
    const gone = bundle('shop/gone-tls', 'old');
    const plan = planCertificateImports([a], [observed('arn:3', a), observed('arn:2', a), observed('arn:1', gone)]);
    expect(plan.unchanged).toEqual([{ arn: 'arn:2', bundle: a }]);
    expect(arns(plan.unused)).toEqual(['arn:1', 'arn:3']);
  });

  it('prefers the duplicate tagged with a Secret that wants the content', () => {
    const a = bundle('shop/a-tls', 'one');
    const b = bundle('shop/b-tls', 'one');
    const plan = planCertificateImports([a, b], [observed('arn:1', a), observed('arn:2', b)]);
    expect(plan.unchanged).toEqual([{ arn: 'arn:1', bundle: a }]);
    expect(arns(plan.unused)).toEqual(['arn:2']);
  });

  it('renews each Secret into its own ARN, once', () => {
    const plan = planCertificateImports(
      [bundle('shop/a-tls', 'a2'), bundle('shop/b-tls', 'b2')],
      [observed('arn:a', bundle('shop/a-tls', 'a1')), observed('arn:b', bundle('shop/b-tls', 'b1')), observed('arn:a-old', bundle('shop/a-tls', 'a0'))],
    );
    expect(plan.toReimport.map((r) => [r.arn, r.bundle.secret])).toEqual([
      ['arn:a', 'shop/a-tls'],
      ['arn:b', 'shop/b-tls'],
    ]);
    expect(arns(plan.unused)).toEqual(['arn:a-old']);
  });

  it('re-imports into our certificate that lost its fingerprint tag', () => {
    const renewed = bundle('shop/a-tls', 'v2');
    const plan = planCertificateImports([renewed], [observed('arn:1', { fingerprint: null, secret: 'shop/a-tls' }, null)]);
    expect(arns(plan.toReimport)).toEqual(['arn:1']);
  });
});

describe('certificate tags', () => {
  it('carries cluster, resource id, fingerprint and Secret, over any extra tags', () => {
    const b = bundle('shop/a-tls', 'one');
    expect(certificateTags('prod', b, { team: 'web', 'albatross.dev/cluster': 'spoofed' })).toEqual({
      team: 'web',
      'albatross.dev/cluster': 'prod',
      'albatross.dev/resource': `certificate/${b.fingerprint.slice(0, 16)}`,
      'albatross.dev/fingerprint': b.fingerprint,
      'albatross.dev/secret': 'shop/a-tls',
    });
    expect(certificateResourceId(b.fingerprint)).toHaveLength('certificate/'.length + 16);
  });

  it('keeps long Secret keys within 256 characters, distinct', () => {
    // Names that differ only past the part a tag value keeps.
    const long = (c: string): string => `${'n'.repeat(63)}/${'x'.repeat(252)}${c}`;
    expect(secretTagValue(long('a'))).toHaveLength(256);
    expect(secretTagValue(long('a'))).not.toBe(secretTagValue(long('b')));
    expect(secretTagValue(long('a'))).toMatch(/^[\w./=+\-@:]+$/);
  });
});
