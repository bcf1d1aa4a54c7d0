// ACM side of TLS from Secrets: finds the certificates we imported (by tag), imports and
// re-imports bundles with their ownership tags, deletes only our own, and lists issued
// certificates for discovery.
import {
  AddTagsToCertificateCommand,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ImportCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RemoveTagsFromCertificateCommand,
  type CertificateStatus,
  type CertificateSummary,
} from '@aws-sdk/client-acm';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import pLimit from 'p-limit';
import { AwsCallError, type Aws } from '../aws/clients.js';
import { tagsFromSdk, tagsToSdk } from '../aws/elbv2-shapes.js';
import { collectPages } from '../aws/pagination.js';
import { compareStrings } from '../model/compare.js';
import { AlbatrossError } from '../model/errors.js';
import { OwnershipTag } from '../model/ids.js';
import type { Tags } from '../model/resources.js';
import type { DiscoveryCandidate } from './discovery.js';
import { CertificateTag, type ImportedCertificate } from './imports.js';
import { KeyAlgorithm, type TlsBundle } from './secret.js';

/** Per-certificate reads (tags, descriptions) in flight at once. */
const defaultConcurrency = 4;

/** ListCertificates' largest page. */
const listPageSize = 1000;

/**
 * Lists every certificate of the account and region, of every key type: without `Includes`,
 * ListCertificates returns only RSA_1024 and RSA_2048 ones, and an EC certificate from a
 * Secret would never be found again.
 */
async function listCertificates(aws: Aws, statuses?: readonly CertificateStatus[]): Promise<CertificateSummary[]> {
  return await collectPages(
    async (token) =>
      await aws.send(
        aws.acm,
        new ListCertificatesCommand({
          Includes: { keyTypes: [...KeyAlgorithm] },
          MaxItems: listPageSize,
          ...(statuses === undefined ? {} : { CertificateStatuses: [...statuses] }),
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    (page) => page.CertificateSummaryList,
    (page) => page.NextToken,
  );
}

/** The certificate's tags, or `null` when it no longer exists. */
async function readTags(aws: Aws, arn: string): Promise<Record<string, string> | null> {
  try {
    const res = await aws.send(aws.acm, new ListTagsForCertificateCommand({ CertificateArn: arn }));
    return tagsFromSdk(res.Tags);
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

/**
 * The certificates our cluster imported, found by the tag `albatross.dev/cluster` through the
 * Resource Groups Tagging API: one `GetResources` page per 100 of ours, whatever else the
 * account holds. The Tagging API gives ARNs and tags only, so key algorithm, status and
 * expiry are `null` here; `describeCertificates` fills them in where a decision needs them.
 * (On the moto emulator the resource type filter must be `acm`: `acm:certificate` finds nothing.)
 */
export async function observeCertificates(aws: Aws, clusterName: string): Promise<ImportedCertificate[]> {
  const found = await collectPages(
    (PaginationToken) =>
      aws.send(
        aws.tagging,
        new GetResourcesCommand({
          ResourceTypeFilters: ['acm'],
          TagFilters: [{ Key: OwnershipTag.cluster, Values: [clusterName] }],
          ...(PaginationToken === undefined ? {} : { PaginationToken }),
        }),
      ),
    (p) => p.ResourceTagMappingList,
    (p) => p.PaginationToken,
  );
  return found
    .flatMap((m): ImportedCertificate[] => {
      const tags = tagsFromSdk(m.Tags);
      if (m.ResourceARN === undefined || tags[OwnershipTag.cluster] !== clusterName) return [];
      return [
        {
          arn: m.ResourceARN,
          fingerprint: tags[CertificateTag.fingerprint] ?? null,
          secret: tags[CertificateTag.secret] ?? null,
          keyAlgorithm: null,
          status: null,
          notAfter: null,
          tags,
        },
      ];
    })
    .sort((a, b) => compareStrings(a.arn, b.arn));
}

/**
 * The same certificates with ACM's key algorithm, status and expiry, from DescribeCertificate
 * (a few at a time). A certificate deleted since it was listed is left out.
 */
export async function describeCertificates(aws: Aws, certificates: readonly ImportedCertificate[], concurrency = defaultConcurrency): Promise<ImportedCertificate[]> {
  const limit = pLimit(concurrency);
  const described = await Promise.all(
    certificates.map((c) =>
      limit(async (): Promise<ImportedCertificate | null> => {
        try {
          const detail = (await aws.send(aws.acm, new DescribeCertificateCommand({ CertificateArn: c.arn }))).Certificate;
          return { ...c, keyAlgorithm: detail?.KeyAlgorithm ?? null, status: detail?.Status ?? null, notAfter: detail?.NotAfter ?? null };
        } catch (err) {
          if (isAwsError(err, 'ResourceNotFoundException')) return null;
          throw err;
        }
      }),
    ),
  );
  return described.filter((c): c is ImportedCertificate => c !== null);
}

/**
 * What uses a certificate, by ACM's `InUseBy` (load balancer ARNs). AWS refuses to delete a
 * certificate in use; asking first avoids minutes of ResourceInUseException retries.
 * @returns `null` when the certificate no longer exists
 */
export async function certificateUsers(aws: Aws, arn: string): Promise<string[] | null> {
  try {
    const detail = (await aws.send(aws.acm, new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
    return [...(detail?.InUseBy ?? [])];
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

/**
 * ISSUED certificates of every key type with their DNS names, for discovery by host. The
 * names come from the list's summaries when complete; DescribeCertificate is called (a few
 * at a time) only for certificates whose summary lacks the names or says there are more.
 * Call it only when some TLS host needs discovery.
 */
export async function listIssuedCertificates(aws: Aws, concurrency = defaultConcurrency): Promise<DiscoveryCandidate[]> {
  const summaries = await listCertificates(aws, ['ISSUED']);
  const limit = pLimit(concurrency);
  const candidates = await Promise.all(
    summaries.map((summary) =>
      limit(async (): Promise<DiscoveryCandidate | null> => {
        const arn = summary.CertificateArn;
        if (arn === undefined) return null;
        if (summary.SubjectAlternativeNameSummaries !== undefined && summary.HasAdditionalSubjectAlternativeNames !== true) {
          return candidate(arn, summary.DomainName, summary.SubjectAlternativeNameSummaries, summary.Status, summary.NotAfter);
        }
        try {
          const detail = (await aws.send(aws.acm, new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
          return candidate(arn, detail?.DomainName, detail?.SubjectAlternativeNames, detail?.Status ?? summary.Status, detail?.NotAfter ?? summary.NotAfter);
        } catch (err) {
          // Deleted since the list: not a candidate.
          if (isAwsError(err, 'ResourceNotFoundException')) return null;
          throw err;
        }
      }),
    ),
  );
  return candidates.filter((c): c is DiscoveryCandidate => c !== null);
}

function candidate(arn: string, domainName: string | undefined, sans: readonly string[] | undefined, status: string | undefined, notAfter: Date | undefined): DiscoveryCandidate {
  // As for Secrets: the SANs are the names; the domain name (the CN) counts only without them.
  const names = sans !== undefined && sans.length > 0 ? [...sans] : domainName !== undefined && domainName !== '' ? [domainName] : [];
  return { arn, names, status: status ?? 'UNKNOWN', notAfter: notAfter ?? null };
}

/** The PEM fields of an ImportCertificate request; no chain field when the chain is empty. */
function importBody(bundle: TlsBundle): { Certificate: Uint8Array; PrivateKey: Uint8Array; CertificateChain?: Uint8Array } {
  const encoder = new TextEncoder();
  return {
    Certificate: encoder.encode(bundle.certificatePem),
    PrivateKey: encoder.encode(bundle.privateKeyPem),
    ...(bundle.chainPem === '' ? {} : { CertificateChain: encoder.encode(bundle.chainPem) }),
  };
}

/**
 * Imports a bundle as a new ACM certificate carrying `tags` (see `certificateTags`), in the
 * same call, so a certificate is never without its ownership tags. Returns its ARN.
 */
export async function importCertificate(aws: Aws, bundle: TlsBundle, tags: Tags): Promise<string> {
  ownershipOf(bundle, tags);
  const res = await aws.send(aws.acm, new ImportCertificateCommand({ ...importBody(bundle), Tags: tagsToSdk(tags) }));
  if (res.CertificateArn === undefined) {
    throw new AlbatrossError('aws-state', `ImportCertificate for Secret ${bundle.secret} answered without a certificate ARN`);
  }
  return res.CertificateArn;
}

/**
 * Replaces the content of one of our certificates with a renewed bundle, keeping its ARN
 * (and so every listener using it). AWS rejects tags on a re-import and keeps the old ones;
 * the emulator drops them all. Either way the certificate ends with exactly `tags` for our
 * `albatross.dev/*` keys (the fingerprint tag moves to the new content) and with any other
 * tag it had before. Refuses an ARN that is not tagged with the cluster of `tags`.
 */
export async function reimportCertificate(aws: Aws, arn: string, bundle: TlsBundle, tags: Tags): Promise<void> {
  const clusterName = ownershipOf(bundle, tags);
  const before = await readTags(aws, arn);
  if (before === null) throw new AlbatrossError('aws-state', `certificate ${arn} no longer exists; cannot re-import Secret ${bundle.secret} into it`);
  if (before[OwnershipTag.cluster] !== clusterName) {
    throw new AlbatrossError('aws-state', `certificate ${arn} is not tagged ${OwnershipTag.cluster}=${clusterName}; not re-importing Secret ${bundle.secret} into it`);
  }
  await aws.send(aws.acm, new ImportCertificateCommand({ ...importBody(bundle), CertificateArn: arn }));
  const after = (await readTags(aws, arn)) ?? {};

  const wanted: Record<string, string> = {};
  for (const [key, value] of Object.entries(before)) if (!isOurTagKey(key)) wanted[key] = value;
  Object.assign(wanted, tags);

  // A changed value is removed (by key and old value) before the new one is added.
  const remove = Object.entries(after).filter(([key, value]) => wanted[key] !== value);
  const add = Object.entries(wanted).filter(([key, value]) => after[key] !== value);
  if (remove.length > 0) {
    await aws.send(aws.acm, new RemoveTagsFromCertificateCommand({ CertificateArn: arn, Tags: tagsToSdk(Object.fromEntries(remove)) }));
  }
  if (add.length > 0) {
    await aws.send(aws.acm, new AddTagsToCertificateCommand({ CertificateArn: arn, Tags: tagsToSdk(Object.fromEntries(add)) }));
  }
}

export interface DeleteCertificateOptions {
  /** Delete attempts while ACM answers ResourceInUseException. @default 6 */
  readonly attempts?: number;
  /** Wait before the second attempt; doubles each time. @default 2000 */
  readonly firstDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type DeleteCertificateOutcome = 'deleted' | 'not-found' | 'not-ours';

/**
 * Deletes a certificate, but only if it carries `albatross.dev/cluster=<clusterName>` (read
 * again here, whatever the caller observed); anything else is left alone (`not-ours`). Detach
 * it from every listener first: AWS answers ResourceInUseException while a listener still
 * uses it (and takes a while to notice a detach), so that answer is retried with backoff. A
 * certificate already gone is `not-found`, not a failure.
 */
export async function deleteCertificate(aws: Aws, arn: string, clusterName: string, options: DeleteCertificateOptions = {}): Promise<DeleteCertificateOutcome> {
  const attempts = options.attempts ?? 6;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const tags = await readTags(aws, arn);
  if (tags === null) return 'not-found';
  if (tags[OwnershipTag.cluster] !== clusterName) return 'not-ours';

  let delayMs = options.firstDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    try {
      await aws.send(aws.acm, new DeleteCertificateCommand({ CertificateArn: arn }));
      return 'deleted';
    } catch (err) {
      if (isAwsError(err, 'ResourceNotFoundException')) return 'not-found';
      if (!isAwsError(err, 'ResourceInUseException')) throw err;
      if (attempt >= attempts) {
        throw new AlbatrossError('aws-state', `certificate ${arn} is still in use after ${attempts} delete attempts; detach it from every listener first`, {
          cause: err,
        });
      }
      await sleep(delayMs);
      delayMs *= 2;
    }
  }
}

/** The cluster named by `tags`, which must be the bundle's full ownership tags (see `certificateTags`). */
function ownershipOf(bundle: TlsBundle, tags: Tags): string {
  const clusterName = tags[OwnershipTag.cluster];
  if (clusterName === undefined || tags[CertificateTag.fingerprint] !== bundle.fingerprint) {
    throw new AlbatrossError('internal', `the certificate of Secret ${bundle.secret} needs its ownership and fingerprint tags (certificateTags)`);
  }
  return clusterName;
}

function isOurTagKey(key: string): boolean {
  return key.startsWith('albatross.dev/');
}

function isAwsError(err: unknown, awsCode: string): boolean {
  return err instanceof AwsCallError && err.awsCode === awsCode;
}

