// Reads a `kubernetes.io/tls` Secret into a certificate bundle ready for ACM, checking
// everything ACM or a browser would reject before any AWS call. Messages name the Secret and
// the problem, never key material.
// @peculiar/x509 registers its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded first; imports run in the order written.
import 'reflect-metadata';
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { V1Secret } from '@kubernetes/client-node';
import { PemConverter, SubjectAlternativeNameExtension, X509Certificate as CertificateStructure } from '@peculiar/x509';
import type { ObjectKey } from '../model/resources.js';
import { err, ok, type Result } from '../model/result.js';
import { objectKey } from '../model/ids.js';
import { certificateCovers } from './discovery.js';
import { TlsSecretLimits } from '../model/aws-limits.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
export const TLS_CERT_KEY = 'tls.crt';
export const TLS_PRIVATE_KEY_KEY = 'tls.key';

/** Key algorithms ACM imports, by ACM's names (the ALB accepts all of them). */
export const KeyAlgorithm = [
  'RSA_1024',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'EC_prime256v1',
  'EC_secp384r1',
  'EC_secp521r1',
] as const;
export type KeyAlgorithm = (typeof KeyAlgorithm)[number];

/** What a bundle shows of itself in JSON and logs: everything but the private key. */
export interface TlsBundleSummary {
  readonly secret: ObjectKey;
  readonly fingerprint: string;
  readonly subject: string;
  readonly names: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly chainLength: number;
}

/**
 * A certificate, its chain and its private key, checked and in the form sent to ACM.
 *
 * The private key lives in a private field: it never shows in `JSON.stringify`, object
 * spread, `Object.keys` or `util.inspect` (and so not in a plan, a log line or a test
 * snapshot); only the `privateKeyPem` getter hands it out, to the ImportCertificate call.
 */
export class TlsBundle {
  /** `namespace/name` of the Secret. */
  readonly secret: ObjectKey;
  /** The leaf (server) certificate, PEM re-encoded from its DER. */
  readonly certificatePem: string;
  /** The intermediates, leaf's issuer first, PEM; empty when the leaf stands alone. */
  readonly chainPem: string;
  /**
   * SHA-256 (hex) of leaf, chain and key as sent to ACM. Any change to any of the three,
   * including a new key alone, is a new fingerprint and so a renewal; a change of PEM
   * formatting only (line endings, PKCS#1 versus PKCS#8, text around the blocks) is not.
   */
  readonly fingerprint: string;
  /** DNS names the certificate is valid for: its SAN DNS names, or its CN when it has none. */
  readonly names: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The leaf's subject, one `KEY=value` per RDN joined with `, ` (e.g. `CN=shop.example.com`). */
  readonly subject: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly #privateKeyPem: string;

  constructor(fields: {
    readonly secret: ObjectKey;
    readonly certificatePem: string;
    readonly chainPem: string;
    readonly privateKeyPem: string;
    readonly names: readonly string[];
    readonly notBefore: Date;
    readonly notAfter: Date;
    readonly subject: string;
    readonly keyAlgorithm: KeyAlgorithm;
  }) {
    this.secret = fields.secret;
    this.certificatePem = fields.certificatePem;
    this.chainPem = fields.chainPem;
    this.#privateKeyPem = fields.privateKeyPem;
    this.names = fields.names;
    this.notBefore = fields.notBefore;
    this.notAfter = fields.notAfter;
    this.subject = fields.subject;
    this.keyAlgorithm = fields.keyAlgorithm;
    this.fingerprint = bundleFingerprint(fields.certificatePem, fields.chainPem, fields.privateKeyPem);
  }

  /** The private key, PKCS#8 PEM. Pass it to ACM and nowhere else. */
  get privateKeyPem(): string {
    return this.#privateKeyPem;
  }

  toJSON(): TlsBundleSummary {
    return {
      secret: this.secret,
      fingerprint: this.fingerprint,
      subject: this.subject,
      names: this.names,
      notBefore: isoSeconds(this.notBefore),
      notAfter: isoSeconds(this.notAfter),
      keyAlgorithm: this.keyAlgorithm,
      chainLength: PemConverter.decode(this.chainPem).length,
    };
  }

  [inspect.custom](): string {
    return `TlsBundle ${inspect(this.toJSON())}`;
  }
}

/** See `TlsBundle.fingerprint`. NUL separators keep the three parts apart. */
function bundleFingerprint(certificatePem: string, chainPem: string, privateKeyPem: string): string {
  return createHash('sha256').update(certificatePem).update('\0').update(chainPem).update('\0').update(privateKeyPem).digest('hex');
}

/**
 * Reads and checks the TLS Secret of one `spec.tls` entry of an Ingress: the Secret exists
 * and has type `kubernetes.io/tls`; `tls.crt` holds PEM certificates, the server's first
 * and then each issuer in turn; `tls.key` holds one unencrypted private key of a kind ACM
 * imports, matching the first certificate; that certificate is valid at `now`; and its
 * names cover every host of the entry. An error names the Secret and what is wrong with it,
 * ready for an Ingress event.
 *
 * @param secret the Secret, or `undefined` when the snapshot has none by that name
 * @param ref `namespace/name` of the Secret, for messages when it is missing
 *   @default the Secret's own namespace/name
 */
export function parseTlsSecret(secret: V1Secret | undefined, hosts: readonly string[], now: Date, ref?: ObjectKey): Result<TlsBundle> {
  const key = secret === undefined ? (ref ?? 'unknown') : objectKey(secret);
  const fail = (problem: string): Result<TlsBundle> => err(`Secret ${key}: ${problem}`);
  if (secret === undefined) return fail('not found');
  if (secret.type !== TLS_SECRET_TYPE) {
    return fail(`has type ${secret.type ?? 'Opaque (none given)'}; a TLS Secret needs type ${TLS_SECRET_TYPE}`);
  }

  // Sizes and the number of PEM blocks are checked before anything is parsed: parsing is what
  // costs, and a Secret is read again on every reconcile of every group using it.
  const certText = secretValue(secret, TLS_CERT_KEY, TlsSecretLimits.certificateBytes);
  if (!certText.ok) return fail(certText.error);
  const keyText = secretValue(secret, TLS_PRIVATE_KEY_KEY, TlsSecretLimits.privateKeyBytes);
  if (!keyText.ok) return fail(keyText.error);
  const blockCount = certText.value.match(/-----BEGIN /g)?.length ?? 0;
  if (blockCount > TlsSecretLimits.certificates) {
    return fail(
      `${TLS_CERT_KEY} holds ${blockCount} PEM blocks; Albatross takes at most ${TlsSecretLimits.certificates} certificates (the server's, then its chain)`,
    );
  }

  const certs = parseCertificates(certText.value);
  if (!certs.ok) return fail(certs.error);
  const privateKey = parsePrivateKey(keyText.value);
  if (!privateKey.ok) return fail(privateKey.error);
  const algorithm = keyAlgorithm(privateKey.value);
  if (!algorithm.ok) return fail(algorithm.error);

  const [leaf, ...chain] = certs.value;
  if (leaf === undefined) return fail(`${TLS_CERT_KEY} holds no certificate`);
  if (!leaf.checks.checkPrivateKey(privateKey.value)) {
    const matching = chain.findIndex((c) => c.checks.checkPrivateKey(privateKey.value));
    return fail(
      matching >= 0
        ? `${TLS_CERT_KEY} is out of order: ${TLS_PRIVATE_KEY_KEY} belongs to certificate ${matching + 2} (${describe(chain[matching])}); the server certificate must come first, then each issuer`
        : `${TLS_PRIVATE_KEY_KEY} does not match the certificate in ${TLS_CERT_KEY}`,
    );
  }

  const all = certs.value;
  for (let i = 0; i + 1 < all.length; i++) {
    const cert = all[i];
    const issuer = all[i + 1];
    if (cert === undefined || issuer === undefined) continue;
    if (!cert.checks.checkIssued(issuer.checks) || !cert.checks.verify(issuer.checks.publicKey)) {
      return fail(
        `${TLS_CERT_KEY} is out of order: certificate ${i + 1} (${describe(cert)}) was not issued by certificate ${i + 2} (${describe(issuer)}); ` +
          'put the server certificate first, then each issuer in turn',
      );
    }
  }

  // Only the leaf's dates are checked: chains in the wild carry expired cross-signs on purpose.
  const notBefore = leaf.checks.validFromDate;
  const notAfter = leaf.checks.validToDate;
  if (notAfter.getTime() <= now.getTime()) return fail(`certificate for ${describe(leaf)} expired on ${isoSeconds(notAfter)}`);
  if (notBefore.getTime() > now.getTime()) return fail(`certificate for ${describe(leaf)} is not valid before ${isoSeconds(notBefore)}`);

  const names = certificateNames(leaf);
  if (names.length === 0) return fail(`the certificate in ${TLS_CERT_KEY} names no DNS host (no subjectAltName DNS entry and no CN)`);
  const uncovered = hosts.filter((h) => !certificateCovers(names, h));
  if (uncovered.length > 0) {
    return fail(`certificate names (${names.join(', ')}) do not cover host${uncovered.length > 1 ? 's' : ''} ${uncovered.join(', ')}`);
  }

  // ACM's own caps on what is imported (ImportCertificate: Certificate, PrivateKey).
  const certificatePem = leaf.checks.toString();
  if (certificatePem.length > TlsSecretLimits.certificatePemLength) {
    return fail(`the certificate for ${describe(leaf)} is ${certificatePem.length} characters of PEM; ACM imports at most ${TlsSecretLimits.certificatePemLength}`);
  }
  const privateKeyPem = privateKey.value.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (privateKeyPem.length > TlsSecretLimits.privateKeyPemLength) {
    return fail(`${TLS_PRIVATE_KEY_KEY} is ${privateKeyPem.length} bytes as PKCS#8 PEM; ACM imports private keys of at most ${TlsSecretLimits.privateKeyPemLength} bytes`);
  }

  return ok(
    new TlsBundle({
      secret: key,
      certificatePem,
      chainPem: chain.map((c) => c.checks.toString()).join(''),
      privateKeyPem,
      names,
      notBefore,
      notAfter,
      subject: leaf.structure.subject,
      keyAlgorithm: algorithm.value,
    }),
  );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A value of the Secret as text: `stringData` (hand-written files) wins over base64 `data`, as
 * on the API server. A value over `maxBytes` (decoded) is refused before it is decoded.
 */
function secretValue(secret: V1Secret, name: string, maxBytes: number): Result<string> {
  const tooBig = (bytes: number): Result<string> =>
    err(`${name} is ${bytes} bytes; Albatross reads at most ${maxBytes} bytes (${maxBytes / 1024} KiB) from it`);
  const plain = secret.stringData?.[name];
  if (plain !== undefined) {
    const bytes = Buffer.byteLength(plain, 'utf8');
    if (bytes > maxBytes) return tooBig(bytes);
    return plain.trim() === '' ? err(`stringData["${name}"] is empty`) : ok(plain);
  }
  const encoded = secret.data?.[name];
  if (encoded === undefined) return err(`has no ${name} (data["${name}"])`);
  const compact = encoded.replace(/\s+/g, '');
  // Every 4 base64 characters are 3 bytes, less the padding.
  const bytes = Math.floor((compact.length * 3) / 4) - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
  if (bytes > maxBytes) return tooBig(bytes);
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return err(`data["${name}"] is not valid base64`);
  const value = Buffer.from(compact, 'base64').toString('utf8');
  return value.trim() === '' ? err(`data["${name}"] is empty`) : ok(value);
}

/** One certificate of `tls.crt`, read twice from the same DER. */
interface Certificate {
  /** Node's view, for the cryptographic checks: key match, issuer, signature, dates. */
  readonly checks: X509Certificate;
  /** The decoded ASN.1 structure, for names: subject attributes and SAN entries. */
  readonly structure: CertificateStructure;
}

interface PemBlock {
  readonly label: string;
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  readonly der: Buffer;
}

/**
 * The PEM blocks of a Secret value, in order; text around them is ignored, as OpenSSL does.
 * `null` when a block's armour is there but its headers or base64 do not decode.
 */
function pemBlocks(text: string): PemBlock[] | null {
  // Pasted PEM often carries blanks at line ends: OpenSSL skips them, the PEM grammar does not.
  const normalized = text.replace(/[ \t]+$/gm, '');
  try {
    return PemConverter.decodeWithHeaders(normalized).map((b) => ({ label: b.type, headers: b.headers, der: Buffer.from(b.rawData) }));
  } catch {
    return null;
  }
}

function parseCertificates(text: string): Result<Certificate[]> {
  const blocks = pemBlocks(text);
  if (blocks === null) return err(`${TLS_CERT_KEY} is not valid PEM`);
  if (blocks.length === 0) return err(`${TLS_CERT_KEY} holds no PEM certificate`);
  const certs: Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    if (block.label.endsWith('PRIVATE KEY')) {
      return err(`${TLS_CERT_KEY} holds a private key (PEM block ${i + 1}); only certificates belong there`);
    }
    if (block.label !== 'CERTIFICATE') {
      return err(`${TLS_CERT_KEY} PEM block ${i + 1} is a ${block.label}, not a CERTIFICATE`);
    }
    try {
      certs.push({ checks: new X509Certificate(block.der), structure: new CertificateStructure(block.der) });
    } catch {
      return err(`${TLS_CERT_KEY} certificate ${i + 1} is not a valid X.509 certificate`);
    }
  }
  return ok(certs);
}

/** The DER encodings Node reads for each PEM label of an unencrypted private key. */
const privateKeyTypes: Readonly<Record<string, 'pkcs8' | 'pkcs1' | 'sec1'>> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};

function parsePrivateKey(text: string): Result<KeyObject> {
  // Error texts from the parser are not passed on: they are generic, and nothing read from
  // tls.key may reach a message.
  const blocks = (pemBlocks(text) ?? []).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (blocks.length === 0) return err(`${TLS_PRIVATE_KEY_KEY} holds no PEM private key`);
  if (blocks.length > 1) return err(`${TLS_PRIVATE_KEY_KEY} holds ${blocks.length} private keys; it must hold exactly one`);
  const block = blocks[0];
  if (block === undefined) return err(`${TLS_PRIVATE_KEY_KEY} holds no PEM private key`);
  // PKCS#8 says so in its label; the older OpenSSL forms say so in a Proc-Type header.
  if (block.label.startsWith('ENCRYPTED') || block.headers.some((h) => h.key === 'Proc-Type' && h.value.includes('ENCRYPTED'))) {
    return err(`${TLS_PRIVATE_KEY_KEY} is encrypted; ACM needs the private key unencrypted`);
  }
  const invalid = err(`${TLS_PRIVATE_KEY_KEY} is not a valid private key (PEM: PKCS#1, PKCS#8 or SEC1)`);
  const type = privateKeyTypes[block.label];
  if (type === undefined) return invalid;
  try {
    return ok(createPrivateKey({ key: block.der, format: 'der', type }));
  } catch {
    return invalid;
  }
}

const curveAlgorithms: Readonly<Record<string, KeyAlgorithm>> = {
  prime256v1: 'EC_prime256v1',
  secp384r1: 'EC_secp384r1',
  secp521r1: 'EC_secp521r1',
};

function keyAlgorithm(key: KeyObject): Result<KeyAlgorithm> {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const name = `RSA_${details?.modulusLength ?? 0}`;
    const found = KeyAlgorithm.find((a) => a === name);
    if (found !== undefined) return ok(found);
  } else if (key.asymmetricKeyType === 'ec') {
    const found = curveAlgorithms[details?.namedCurve ?? ''];
    if (found !== undefined) return ok(found);
  }
  const detail = details?.modulusLength !== undefined ? ` (${details.modulusLength} bits)` : details?.namedCurve !== undefined ? ` (${details.namedCurve})` : '';
  return err(
    `${TLS_PRIVATE_KEY_KEY} holds a key of type ${key.asymmetricKeyType ?? 'unknown'}${detail}; ACM imports RSA keys of 1024, 2048, 3072 or 4096 bits and EC keys on P-256, P-384 or P-521`,
  );
}

/** SAN DNS names when there are any; otherwise the CN, as the only name (RFC 6125). */
function certificateNames(cert: Certificate): string[] {
  const dns = (cert.structure.getExtension(SubjectAlternativeNameExtension)?.names.items ?? []).filter((n) => n.type === 'dns').map((n) => n.value);
  if (dns.length > 0) return dns;
  const cn = commonName(cert);
  return cn === undefined || cn === '' ? [] : [cn];
}

function commonName(cert: Certificate): string | undefined {
  return cert.structure.subjectName.getField('CN')[0];
}

/** How messages name a certificate: its CN, else its first DNS name, else its serial number. */
function describe(cert: Certificate | undefined): string {
  if (cert === undefined) return 'unknown';
  const cn = commonName(cert);
  if (cn !== undefined) return `CN=${cn}`;
  const first = certificateNames(cert)[0];
  return first !== undefined ? first : `serial ${cert.checks.serialNumber}`;
}

/** `2026-01-01T00:00:00Z`: certificate times have whole seconds. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
