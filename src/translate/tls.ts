// `spec.tls` of one Ingress: each entry's Secret, validated by the pipeline's TLS resolver,
// becomes an imported certificate; hosts that nothing covers are left for ACM discovery.
import type { V1IngressTLS } from '@kubernetes/client-node';
import type { CertificateRef, ObjectKey, TlsResolver } from '../model/resources.js';
import { objectsIn, stringsIn } from '../ingress/index.js';

export interface MemberTls {
  /** Certificates from the Ingress's Secrets (or, for a broken Secret, those it had before). */
  readonly certificates: readonly CertificateRef[];
  /** Names covered by the valid Secrets' certificates. */
  readonly coveredNames: readonly string[];
  /** Secrets that failed validation: the entry serves no new certificate. */
  readonly degraded: readonly string[];
  /** Hosts of `spec.tls` entries without a Secret: left for ACM discovery. */
  readonly hostsWithoutSecret: readonly string[];
  /** Whether the Ingress has any `spec.tls` entry. */
  readonly present: boolean;
}

export function memberTls(tls: unknown, namespace: string, resolve: TlsResolver | undefined): MemberTls {
  const entries = objectsIn<V1IngressTLS>(tls);
  const certificates: CertificateRef[] = [];
  const coveredNames: string[] = [];
  const degraded: string[] = [];
  const hostsWithoutSecret: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const hosts = stringsIn(entry.hosts).map((h) => h.toLowerCase());
    if (typeof entry.secretName !== 'string' || entry.secretName === '') {
      hostsWithoutSecret.push(...hosts);
      continue;
    }
    const secret: ObjectKey = `${namespace}/${entry.secretName}`;
    if (resolve === undefined) {
      degraded.push(`spec.tls[${i}]: Secret ${secret} cannot be read here`);
      continue;
    }
    const result = resolve(secret, hosts);
    if (result.ok) {
      certificates.push({ kind: 'imported', fingerprint: result.value.fingerprint });
      coveredNames.push(...result.value.names);
    } else {
      degraded.push(`spec.tls[${i}]: ${result.error.message}`);
      certificates.push(...result.error.retainedArns.map((arn): CertificateRef => ({ kind: 'arn', arn })));
    }
  }
  return { certificates, coveredNames, degraded, hostsWithoutSecret, present: entries.length > 0 };
}

export function certificateKey(ref: CertificateRef): string {
  return ref.kind === 'arn' ? `arn:${ref.arn}` : `imported:${ref.fingerprint}`;
}
