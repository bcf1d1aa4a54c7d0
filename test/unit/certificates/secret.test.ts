import { expect } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { parseTlsSecret, type TlsBundle } from '../../../src/certificates/secret.js';
import type { Result } from '../../../src/model/result.js';
import { chain, Pki, tlsSecret, type Issued } from './pki.js';

let pki: Pki;
let root: Issued;
let intermediate: Issued;
/** Signed by `intermediate`, for a.example.com and *.b.example.com. */
let leaf: Issued;
/** Self-signed, RSA 2048, for shop.example.com. */
let selfSigned: Issued;
const now = (): Date => new Date();

beforeAll(() => {
  pki = new Pki();
  ({ root, intermediate, leaf } = chain(pki, ['a.example.com', '*.b.example.com']));
  selfSigned = pki.issue({ sans: ['shop.example.com'], key: 'rsa2048' });
});

afterAll(() => pki.close());

function ok(result: Result<TlsBundle>): TlsBundle {
  if (!result.ok) throw new Error(`expected a bundle, got: ${result.error}`);
  return result.value;
}

function problem(result: Result<TlsBundle>): string {
  if (result.ok) throw new Error('expected a problem, got a bundle');
  return result.error;
}

const fullChain = (): string => leaf.certPem + intermediate.certPem;

describe('parseTlsSecret: valid bundles', () => {
  it('reads a leaf with its intermediate from base64 data', () => {
    const bundle = ok(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem), ['a.example.com', 'x.b.example.com'], now()));

    expect(bundle.secret).toBe('shop/cart-tls');
    expect(bundle.names).toEqual(['a.example.com', '*.b.example.com']);
    expect(bundle.subject).toBe('CN=a.example.com');
    expect(bundle.keyAlgorithm).toBe('EC_prime256v1');
    expect(bundle.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.certificatePem.replace(/\s/g, '')).toBe(leaf.certPem.replace(/\s/g, ''));
    expect(bundle.chainPem.replace(/\s/g, '')).toBe(intermediate.certPem.replace(/\s/g, ''));
    expect(bundle.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(bundle.notAfter.getTime()).toBeGreaterThan(bundle.notBefore.getTime());
  });

  it('reads a hand-written Secret from stringData, and a self-signed RSA certificate with an empty chain', () => {
    const bundle = ok(parseTlsSecret(tlsSecret(selfSigned.certPem, selfSigned.keyPem, { plain: true }), ['SHOP.example.com'], now()));
    expect(bundle.chainPem).toBe('');
    expect(bundle.keyAlgorithm).toBe('RSA_2048');
  });

  it('accepts the chain up to the root, and text around the PEM blocks', () => {
    const crt = `subject=CN=a.example.com\n${leaf.certPem}\r\n# intermediate\n${intermediate.certPem}${root.certPem}`;
    const bundle = ok(parseTlsSecret(tlsSecret(crt, leaf.keyPem), [], now()));
    expect(bundle.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('accepts an EC key in SEC1 form with its parameters block, and a P-384 key', () => {
    const sec1 = createPrivateKey(leaf.keyPem).export({ type: 'sec1', format: 'pem' }).toString();
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    ok(parseTlsSecret(tlsSecret(fullChain(), params + sec1), [], now()));

    const p384 = pki.issue({ sans: ['p384.example.com'], key: 'ec384' });
    expect(ok(parseTlsSecret(tlsSecret(p384.certPem, p384.keyPem), [], now())).keyAlgorithm).toBe('EC_secp384r1');
  });

  it('uses the CN as the only name when the certificate has no subjectAltName', () => {
    const cnOnly = pki.issue({ subject: '/CN=legacy.example.com/O=Acme' });
    const bundle = ok(parseTlsSecret(tlsSecret(cnOnly.certPem, cnOnly.keyPem), ['legacy.example.com'], now()));
    expect(bundle.names).toEqual(['legacy.example.com']);
    expect(bundle.subject).toBe('CN=legacy.example.com, O=Acme');
  });

  it('ignores the CN when there are SAN DNS names, and reads certificates without a CN', () => {
    const noCn = pki.issue({ subject: '/O=Acme', sans: ['only-san.example.com'] });
    const bundle = ok(parseTlsSecret(tlsSecret(noCn.certPem, noCn.keyPem), ['only-san.example.com'], now()));
    expect(bundle.names).toEqual(['only-san.example.com']);

    const other = pki.issue({ subject: '/CN=cn.example.com', sans: ['san.example.com'] });
    expect(problem(parseTlsSecret(tlsSecret(other.certPem, other.keyPem), ['cn.example.com'], now()))).toBe(
      'Secret shop/cart-tls: certificate names (san.example.com) do not cover host cn.example.com',
    );
  });
  it('takes names from the DNS entries of the subjectAltName only, and shows escaped subject attributes as they are', () => {
    const mixed = pki.issue({ subject: '/CN=odd.example.com/O=Acme, Inc', sans: ['IP:10.0.0.1', 'odd.example.com', 'email:ops@example.com', '*.odd.example.com'] });
    const bundle = ok(parseTlsSecret(tlsSecret(mixed.certPem, mixed.keyPem), ['odd.example.com'], now()));
    expect(bundle.names).toEqual(['odd.example.com', '*.odd.example.com']);
    expect(bundle.subject).toBe('CN=odd.example.com, O=Acme\\, Inc');
  });

  it('accepts PEM with blanks at the ends of its lines', () => {
    const bundle = ok(parseTlsSecret(tlsSecret(fullChain().replace(/\n/g, '  \n'), leaf.keyPem.replace(/\n/g, '\t\n')), ['a.example.com'], now()));
    expect(bundle.names).toEqual(['a.example.com', '*.b.example.com']);
    expect(bundle.toJSON().chainLength).toBe(1);
  });

  it("covers exactly the hosts OpenSSL's own host check accepts", () => {
    const cnOnly = pki.issue({ subject: '/CN=legacy.example.com' });
    const hosts = ['a.example.com', 'A.Example.com', 'x.b.example.com', '*.b.example.com', 'b.example.com', 'y.x.b.example.com', 'legacy.example.com', 'other.example.com'];
    for (const issued of [leaf, cnOnly]) {
      const cert = new X509Certificate(issued.certPem);
      const key = issued === leaf ? fullChain() : issued.certPem;
      for (const host of hosts) {
        const openssl = cert.checkHost(host, { partialWildcards: false }) !== undefined;
        expect([host, parseTlsSecret(tlsSecret(key, issued.keyPem), [host], now()).ok]).toEqual([host, openssl]);
      }
    }
  });
});

describe('parseTlsSecret: fingerprint', () => {
  const fingerprint = (crt: string, key: string): string => ok(parseTlsSecret(tlsSecret(crt, key), [], now())).fingerprint;

  it('is the same for the same content, whatever the formatting and the Secret', () => {
    const pkcs1 = createPrivateKey(selfSigned.keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    const base = fingerprint(selfSigned.certPem, selfSigned.keyPem);
    expect(fingerprint(selfSigned.certPem.replace(/\n/g, '\r\n'), pkcs1)).toBe(base);
    expect(ok(parseTlsSecret(tlsSecret(selfSigned.certPem, selfSigned.keyPem, { name: 'other' }), [], now())).fingerprint).toBe(base);
  });

  it('changes with the key alone, with the chain alone and with the certificate', () => {
    const base = fingerprint(fullChain(), leaf.keyPem);
    // Same certificate and key, chain left out.
    expect(fingerprint(leaf.certPem, leaf.keyPem)).not.toBe(base);
    // A new certificate for the same names.
    const renewed = pki.issue({ sans: ['a.example.com', '*.b.example.com'], issuer: intermediate });
    expect(fingerprint(renewed.certPem + intermediate.certPem, renewed.keyPem)).not.toBe(base);
  });

  it('changes when only the key changes (same subject and names, new key pair)', () => {
    const first = pki.issue({ sans: ['k.example.com'], issuer: intermediate });
    const second = pki.issue({ sans: ['k.example.com'], issuer: intermediate });
    expect(fingerprint(first.certPem, first.keyPem)).not.toBe(fingerprint(second.certPem, second.keyPem));
  });
});

describe('parseTlsSecret: problems', () => {
  it('reports a missing Secret by the reference given', () => {
    expect(problem(parseTlsSecret(undefined, [], now(), 'shop/cart-tls'))).toBe('Secret shop/cart-tls: not found');
  });

  it('reports a Secret of another type', () => {
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem, { type: 'Opaque' }), [], now()))).toBe(
      'Secret shop/cart-tls: has type Opaque; a TLS Secret needs type kubernetes.io/tls',
    );
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem, { type: undefined }), [], now()))).toMatch(/has type Opaque \(none given\)/);
  });

  it('reports missing keys', () => {
    expect(problem(parseTlsSecret(tlsSecret(undefined, leaf.keyPem), [], now()))).toBe('Secret shop/cart-tls: has no tls.crt (data["tls.crt"])');
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), undefined), [], now()))).toBe('Secret shop/cart-tls: has no tls.key (data["tls.key"])');
  });

  it('reports bad base64 and empty values', () => {
    const secret = tlsSecret(fullChain(), leaf.keyPem);
    secret.data = { ...secret.data, 'tls.key': 'not base64!' };
    expect(problem(parseTlsSecret(secret, [], now()))).toBe('Secret shop/cart-tls: data["tls.key"] is not valid base64');
    secret.data = { ...secret.data, 'tls.key': '' };
    expect(problem(parseTlsSecret(secret, [], now()))).toBe('Secret shop/cart-tls: data["tls.key"] is empty');
  });

  it('reports text that is not PEM, and a PEM block that is not a certificate', () => {
    expect(problem(parseTlsSecret(tlsSecret('hello', leaf.keyPem), [], now()))).toBe('Secret shop/cart-tls: tls.crt holds no PEM certificate');
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), 'hello'), [], now()))).toBe('Secret shop/cart-tls: tls.key holds no PEM private key');
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
    expect(problem(parseTlsSecret(tlsSecret(leaf.certPem + csr, leaf.keyPem), [], now()))).toBe(
      'Secret shop/cart-tls: tls.crt PEM block 2 is a CERTIFICATE REQUEST, not a CERTIFICATE',
    );
  });

  it('reports a PEM block that does not parse', () => {
    const broken = leaf.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect(problem(parseTlsSecret(tlsSecret(broken, leaf.keyPem), [], now()))).toBe(
      'Secret shop/cart-tls: tls.crt certificate 1 is not a valid X.509 certificate',
    );
    const brokenKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), brokenKey), [], now()))).toBe(
      'Secret shop/cart-tls: tls.key is not a valid private key (PEM: PKCS#1, PKCS#8 or SEC1)',
    );
  });

  it('reports a key that does not match the certificate', () => {
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), selfSigned.keyPem), ['a.example.com'], now()))).toBe(
      'Secret shop/cart-tls: tls.key does not match the certificate in tls.crt',
    );
  });

  it('reports a chain out of order', () => {
    expect(problem(parseTlsSecret(tlsSecret(leaf.certPem + root.certPem, leaf.keyPem), [], now()))).toBe(
      'Secret shop/cart-tls: tls.crt is out of order: certificate 1 (CN=a.example.com) was not issued by certificate 2 (CN=Albatross Test Root); ' +
        'put the server certificate first, then each issuer in turn',
    );
    expect(problem(parseTlsSecret(tlsSecret(leaf.certPem + root.certPem + intermediate.certPem, leaf.keyPem), [], now()))).toMatch(
      /out of order: certificate 1 \(CN=a\.example\.com\) was not issued by certificate 2/,
    );
  });

  it('says where the server certificate is when it is not first', () => {
    expect(problem(parseTlsSecret(tlsSecret(intermediate.certPem + leaf.certPem, leaf.keyPem), [], now()))).toBe(
      'Secret shop/cart-tls: tls.crt is out of order: tls.key belongs to certificate 2 (CN=a.example.com); the server certificate must come first, then each issuer',
    );
  });

  it('reports a certificate signed by another key than its named issuer', () => {
    // An intermediate with the same name as the real one, but another key.
    const impostor = pki.issue({ subject: '/CN=Albatross Test Intermediate', ca: true, issuer: root });
    expect(problem(parseTlsSecret(tlsSecret(leaf.certPem + impostor.certPem, leaf.keyPem), [], now()))).toMatch(/tls\.crt is out of order/);
  });

  it('reports an expired certificate, and one not valid yet, against the clock given', () => {
    const bundle = ok(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem), [], now()));
    const after = new Date(bundle.notAfter.getTime() + 1000);
    const before = new Date(bundle.notBefore.getTime() - 1000);
    const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

    expect(problem(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem), [], after))).toBe(
      `Secret shop/cart-tls: certificate for CN=a.example.com expired on ${iso(bundle.notAfter)}`,
    );
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem), [], before))).toBe(
      `Secret shop/cart-tls: certificate for CN=a.example.com is not valid before ${iso(bundle.notBefore)}`,
    );
    expect(iso(bundle.notAfter)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('reports hosts the names do not cover, with the one-label wildcard rule', () => {
    const secret = tlsSecret(fullChain(), leaf.keyPem);
    expect(problem(parseTlsSecret(secret, ['c.example.com'], now()))).toBe(
      'Secret shop/cart-tls: certificate names (a.example.com, *.b.example.com) do not cover host c.example.com',
    );
    // The wildcard covers one label only: not the bare domain, not two labels.
    expect(problem(parseTlsSecret(secret, ['x.b.example.com', 'b.example.com', 'y.x.b.example.com'], now()))).toBe(
      'Secret shop/cart-tls: certificate names (a.example.com, *.b.example.com) do not cover hosts b.example.com, y.x.b.example.com',
    );
    ok(parseTlsSecret(secret, ['X.B.Example.COM', '*.b.example.com'], now()));
  });

  it('reports keys ACM cannot import, and encrypted keys', () => {
    const ed = pki.issue({ sans: ['ed.example.com'], key: 'ed25519' });
    expect(problem(parseTlsSecret(tlsSecret(ed.certPem, ed.keyPem), [], now()))).toBe(
      'Secret shop/cart-tls: tls.key holds a key of type ed25519; ACM imports RSA keys of 1024, 2048, 3072 or 4096 bits and EC keys on P-256, P-384 or P-521',
    );
    const encrypted = createPrivateKey(leaf.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), encrypted), [], now()))).toBe(
      'Secret shop/cart-tls: tls.key is encrypted; ACM needs the private key unencrypted',
    );
  });

  it('reports a key encrypted in the older OpenSSL form, with a Proc-Type header', () => {
    const encrypted = createPrivateKey(leaf.keyPem).export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    expect(encrypted).toContain('Proc-Type: 4,ENCRYPTED');
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), encrypted), [], now()))).toBe(
      'Secret shop/cart-tls: tls.key is encrypted; ACM needs the private key unencrypted',
    );
  });

  it('reports a private key in a PEM form ACM does not read', () => {
    const openssh = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), openssh), [], now()))).toBe(
      'Secret shop/cart-tls: tls.key is not a valid private key (PEM: PKCS#1, PKCS#8 or SEC1)',
    );
  });

  it('reports a key pasted into tls.crt without repeating it', () => {
    const message = problem(parseTlsSecret(tlsSecret(leaf.certPem + leaf.keyPem, leaf.keyPem), [], now()));
    expect(message).toBe('Secret shop/cart-tls: tls.crt holds a private key (PEM block 2); only certificates belong there');
  });

  it('reports a certificate with no DNS name at all', () => {
    const nameless = pki.issue({ subject: '/O=Acme' });
    expect(problem(parseTlsSecret(tlsSecret(nameless.certPem, nameless.keyPem), [], now()))).toBe(
      'Secret shop/cart-tls: the certificate in tls.crt names no DNS host (no subjectAltName DNS entry and no CN)',
    );
  });
});

describe('the private key stays out of sight', () => {
  /** Base64 lines of the key's PEM body: any of them appearing would be a leak. */
  function keyLines(pem: string): string[] {
    return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
  }

  it('is absent from JSON, spread copies, Object.keys and util.inspect', () => {
    const bundle = ok(parseTlsSecret(tlsSecret(fullChain(), leaf.keyPem), [], now()));
    const json = JSON.stringify({ plan: [bundle] });
    const shown = [json, JSON.stringify({ ...bundle }), inspect(bundle, { depth: 5, showHidden: true }), Object.keys(bundle).join(' ')];

    for (const text of shown) {
      expect(text).not.toContain('PRIVATE KEY');
      for (const line of [...keyLines(bundle.privateKeyPem), ...keyLines(leaf.keyPem)]) expect(text).not.toContain(line);
    }
    expect(JSON.parse(json)).toEqual({
      plan: [
        {
          secret: 'shop/cart-tls',
          fingerprint: bundle.fingerprint,
          subject: 'CN=a.example.com',
          names: ['a.example.com', '*.b.example.com'],
          notBefore: expect.stringMatching(/Z$/),
          notAfter: expect.stringMatching(/Z$/),
          keyAlgorithm: 'EC_prime256v1',
          chainLength: 1,
        },
      ],
    });
  });

  it('never appears in a message, whatever is wrong', () => {
    const other = pki.issue({ sans: ['other.example.com'] });
    const broken = [
      tlsSecret(fullChain(), other.keyPem),
      tlsSecret(leaf.certPem + leaf.keyPem, leaf.keyPem),
      tlsSecret(leaf.keyPem, leaf.keyPem),
      tlsSecret(fullChain(), leaf.keyPem + other.keyPem),
      tlsSecret(fullChain(), leaf.keyPem.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!'), { plain: true }),
      tlsSecret(fullChain(), leaf.keyPem, { type: 'Opaque' }),
      tlsSecret(intermediate.certPem + leaf.certPem, leaf.keyPem),
    ];
    for (const secret of broken) {
      const message = problem(parseTlsSecret(secret, ['c.example.com'], now()));
      expect(message).toMatch(/^Secret shop\/cart-tls: /);
      expect(message).not.toContain('PRIVATE KEY');
      for (const line of [...keyLines(leaf.keyPem), ...keyLines(other.keyPem)]) expect(message).not.toContain(line);
    }
  });
});

describe('parseTlsSecret: sizes capped before anything is parsed', () => {
  it('refuses a tls.crt of 500 certificates (1 MiB) by its size, in well under the time one parse takes', () => {
    const huge = fullChain().repeat(250);
    const started = process.hrtime.bigint();
    const message = problem(parseTlsSecret(tlsSecret(huge, leaf.keyPem), ['a.example.com'], now()));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(message).toMatch(/^Secret shop\/cart-tls: tls\.crt is \d+ bytes; Albatross reads at most 65536 bytes \(64 KiB\) from it$/);
    expect(ms).toBeLessThan(100);
  });

  it('refuses more than 10 certificates in tls.crt, counted before they are parsed', () => {
    const eleven = leaf.certPem + intermediate.certPem.repeat(10);
    expect(problem(parseTlsSecret(tlsSecret(eleven, leaf.keyPem), ['a.example.com'], now()))).toBe(
      'Secret shop/cart-tls: tls.crt holds 11 PEM blocks; Albatross takes at most 10 certificates (the server\'s, then its chain)',
    );
  });

  it('refuses a tls.key over 16 KiB, in data or stringData', () => {
    const padded = `${'#'.repeat(17 * 1024)}\n${leaf.keyPem}`;
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), padded), ['a.example.com'], now()))).toContain('tls.key is 17');
    expect(problem(parseTlsSecret(tlsSecret(fullChain(), padded, { plain: true }), ['a.example.com'], now()))).toContain(
      'Albatross reads at most 16384 bytes (16 KiB) from it',
    );
  });
});
