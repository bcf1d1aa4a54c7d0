// Which Secret bundles to import into ACM, which to re-import into an existing ARN (a
// renewal) and which are already there. Pure: acm.ts reads and writes ACM.
import { createHash } from 'node:crypto';
import { compareStrings } from '../model/compare.js';
import { OwnershipTag } from '../model/ids.js';
import type { ObjectKey, Tags } from '../model/resources.js';
import type { TlsBundle } from './secret.js';

/** Tags on imported certificates besides `albatross.dev/cluster` and `albatross.dev/resource`. */
export const CertificateTag = {
  /** `TlsBundle.fingerprint` of the content in ACM: how a bundle finds its certificate. */
  fingerprint: 'albatross.dev/fingerprint',
  /** `namespace/name` of the Secret the content came from: how a renewal finds the ARN to reuse. */
  secret: 'albatross.dev/secret',
} as const;

/** The `albatross.dev/resource` id of an imported certificate. */
export function certificateResourceId(fingerprint: string): string {
  return `certificate/${fingerprint.slice(0, 16)}`;
}

/** ACM tag values hold at most 256 characters. */
const maxTagValue = 256;

/**
 * The `albatross.dev/secret` tag value: `namespace/name` as is (tag values allow `/`). A key
 * longer than a tag value allows (names reach 253 characters) keeps its start and ends in
 * `=` and 16 hex characters of its SHA-256, so distinct Secrets keep distinct values.
 */
export function secretTagValue(secret: ObjectKey): string {
  if (secret.length <= maxTagValue) return secret;
  const hash = createHash('sha256').update(secret).digest('hex').slice(0, 16);
  return `${secret.slice(0, maxTagValue - hash.length - 1)}=${hash}`;
}

/**
 * Every tag an imported certificate carries. Certificates are shared by all groups of a
 * cluster (one import per content), so there is no `albatross.dev/group` tag. `extra` tags
 * (user tags) never override ours.
 */
export function certificateTags(clusterName: string, bundle: Pick<TlsBundle, 'fingerprint' | 'secret'>, extra: Tags = {}): Record<string, string> {
  return {
    ...extra,
    [OwnershipTag.cluster]: clusterName,
    [OwnershipTag.resource]: certificateResourceId(bundle.fingerprint),
    [CertificateTag.fingerprint]: bundle.fingerprint,
    [CertificateTag.secret]: secretTagValue(bundle.secret),
  };
}

/** A certificate in ACM carrying our cluster tag, as `observeCertificates` reads it. */
export interface ImportedCertificate {
  readonly arn: string;
  /** The `albatross.dev/fingerprint` tag; `null` when missing. */
  readonly fingerprint: string | null;
  /** The `albatross.dev/secret` tag; `null` when missing. */
  readonly secret: string | null;
  /** ACM's `KeyAlgorithm` (`RSA_2048`, `EC_prime256v1`, ...); `null` when ACM did not say. */
  readonly keyAlgorithm: string | null;
  /** ACM's status (`ISSUED`, `EXPIRED`, ...); `null` when ACM did not say. */
  readonly status: string | null;
  readonly notAfter: Date | null;
  readonly tags: Tags;
}

export interface CertificateImportPlan {
  /** Content not in ACM and with no certificate of its Secret to renew: ImportCertificate with tags. One bundle per fingerprint. */
  readonly toImport: readonly TlsBundle[];
  /** Renewals: the Secret's new content goes into the ARN that held its old content, so listeners keep their ARN. */
  readonly toReimport: readonly { readonly arn: string; readonly bundle: TlsBundle; readonly previous: ImportedCertificate }[];
  /** Content already in ACM: nothing to do. */
  readonly unchanged: readonly { readonly arn: string; readonly bundle: TlsBundle }[];
  /**
   * Ours but wanted by no bundle and not reused: delete once no listener uses them. Only
   * safe when `bundles` are the wanted certificates of the whole cluster; a caller that
   * keeps serving an old certificate (its Secret is invalid for now) filters by `secret`.
   */
  readonly unused: readonly ImportedCertificate[];
  /** Fingerprint to ARN for `unchanged` and `toReimport`; imports add theirs once ACM answers. */
  readonly arns: ReadonlyMap<string, string>;
}

/**
 * Matches the bundles every Ingress of the cluster wants against the certificates we
 * imported before:
 *
 * - a fingerprint already in ACM is `unchanged` (identical content from several Secrets,
 *   Ingresses or groups is imported once; should a lost response have made two, the one
 *   tagged with a wanting Secret, else the lowest ARN, is used and the other is `unused`);
 * - otherwise, a certificate tagged with the bundle's Secret whose fingerprint no bundle
 *   wants any more is the renewed Secret's old content: re-import into that ARN (the lowest
 *   ARN when several; never across key algorithms, which ACM refuses on re-import);
 * - otherwise, import.
 */
export function planCertificateImports(bundles: readonly TlsBundle[], observed: readonly ImportedCertificate[]): CertificateImportPlan {
  const byArn = (a: { arn: string }, b: { arn: string }): number => compareStrings(a.arn, b.arn);
  const wanted = new Map<string, TlsBundle[]>();
  for (const bundle of [...bundles].sort((a, b) => compareStrings(a.fingerprint, b.fingerprint) || compareStrings(a.secret, b.secret))) {
    const list = wanted.get(bundle.fingerprint) ?? [];
    if (!list.some((b) => b.secret === bundle.secret)) list.push(bundle);
    wanted.set(bundle.fingerprint, list);
  }

  const sorted = [...observed].sort(byArn);
  const unchanged: { arn: string; bundle: TlsBundle }[] = [];
  const used = new Set<string>();
  for (const [fingerprint, list] of wanted) {
    const secrets = new Set(list.map((b) => secretTagValue(b.secret)));
    const holders = sorted.filter((c) => c.fingerprint === fingerprint);
    const holder = holders.find((c) => c.secret !== null && secrets.has(c.secret)) ?? holders[0];
    const bundle = list.find((b) => holder?.secret === secretTagValue(b.secret)) ?? list[0];
    if (holder === undefined || bundle === undefined) continue;
    unchanged.push({ arn: holder.arn, bundle });
    used.add(holder.arn);
  }

  // Certificates whose content nobody wants any more: candidates to renew into.
  const reusable = sorted.filter((c) => !used.has(c.arn) && (c.fingerprint === null || !wanted.has(c.fingerprint)));
  const toImport: TlsBundle[] = [];
  const toReimport: { arn: string; bundle: TlsBundle; previous: ImportedCertificate }[] = [];
  for (const [fingerprint, list] of wanted) {
    if (unchanged.some((u) => u.bundle.fingerprint === fingerprint)) continue;
    let renewal: { arn: string; bundle: TlsBundle; previous: ImportedCertificate } | undefined;
    for (const bundle of list) {
      const previous = reusable.find(
        (c) => !used.has(c.arn) && c.secret === secretTagValue(bundle.secret) && (c.keyAlgorithm === null || c.keyAlgorithm === bundle.keyAlgorithm),
      );
      if (previous !== undefined) {
        renewal = { arn: previous.arn, bundle, previous };
        break;
      }
    }
    if (renewal === undefined) {
      const first = list[0];
      if (first !== undefined) toImport.push(first);
    } else {
      toReimport.push(renewal);
      used.add(renewal.arn);
    }
  }

  const arns = new Map<string, string>();
  for (const u of unchanged) arns.set(u.bundle.fingerprint, u.arn);
  for (const r of toReimport) arns.set(r.bundle.fingerprint, r.arn);
  return {
    toImport,
    toReimport: toReimport.sort(byArn),
    unchanged: unchanged.sort(byArn),
    unused: sorted.filter((c) => !used.has(c.arn)),
    arns,
  };
}
