// The certificate steps of a reconcile. Per group: the group's TLS Secrets are validated for
// translate, their content imported into ACM (renewals into the same ARN), hosts without a
// certificate matched to ISSUED ACM certificates. Cluster-wide, with a complete view only:
// imported certificates nothing uses any more are deleted.
import type { V1Secret } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallError, type Aws } from '../aws/clients.js';
import { tagsFromSdk } from '../aws/elbv2-shapes.js';
import { failureOf } from './failure.js';
import {
  certificateResourceId,
  certificateTags,
  certificateUsers,
  deleteCertificate,
  describeCertificates,
  importCertificate,
  observeCertificates,
  parseTlsSecret,
  pickDiscoveredCertificate,
  planCertificateImports,
  reimportCertificate,
  secretTagValue,
  type DiscoveryCandidate,
  type ImportedCertificate,
  type TlsBundle,
} from '../certificates/index.js';
import type { Failure } from '../model/errors.js';
import { OwnershipTag } from '../model/ids.js';
import type { DesiredStack, IngressError, ObjectKey, TlsResolver } from '../model/resources.js';
import { err, ok } from '../model/result.js';
import type { Change } from '../plan/describe.js';

/** What the certificate steps read of the cluster. */
export interface SecretSource {
  secret(namespace: string, name: string): V1Secret | undefined;
}

/** Secrets as translate sees them: validated, fingerprinted, remembered for import. */
export class TlsSecrets {
  /** Valid bundles by `secret|fingerprint`: what the group wants in ACM. */
  private readonly bundles = new Map<string, TlsBundle>();
  /** Secrets that failed validation, as their ACM tag values. */
  readonly broken = new Set<string>();

  constructor(
    private readonly source: SecretSource,
    private readonly observed: readonly ImportedCertificate[],
    private readonly now: Date,
  ) {}

  readonly resolve: TlsResolver = (secret, hosts) => {
    const slash = secret.indexOf('/');
    const result = parseTlsSecret(this.source.secret(secret.slice(0, slash), secret.slice(slash + 1)), hosts, this.now, secret);
    if (result.ok) {
      this.bundles.set(`${secret}|${result.value.fingerprint}`, result.value);
      return ok({ fingerprint: result.value.fingerprint, names: result.value.names });
    }
    const tag = secretTagValue(secret);
    this.broken.add(tag);
    // What this Secret served before keeps serving its hosts until the Secret is fixed.
    return err({ message: result.error, retainedArns: this.observed.filter((c) => c.secret === tag).map((c) => c.arn) });
  };

  wanted(): TlsBundle[] {
    return [...this.bundles.values()];
  }
}

/** A certificate change with what ties it to a group: its fingerprint or ARN. */
export interface CertificateChange {
  readonly fingerprint: string | null;
  readonly arn: string | null;
  readonly change: Change;
}

/**
 * What one run knows of our imported certificates, shared by the groups it reconciles: read
 * once (Tagging API), then kept current with every import, so that content two groups share
 * is imported once. Imports run one at a time, so two groups never import the same content
 * together. Create one per run (the CLI) or per reconcile (the controller): it is not a cache
 * to keep.
 */
export class CertificateRegistry {
  private known: Promise<ImportedCertificate[]> | null = null;
  private readonly imports = pLimit(1);
  /** Secrets (ACM tag values) that failed validation in some group this run. */
  readonly brokenSecrets = new Set<string>();

  constructor(
    private readonly aws: Aws,
    private readonly clusterName: string,
    private readonly logger: Logger,
  ) {}

  /** Our imported certificates, read on first use. */
  async observed(): Promise<readonly ImportedCertificate[]> {
    this.known ??= observeCertificates(this.aws, this.clusterName);
    return await this.known;
  }

  /**
   * Makes sure every bundle is in ACM: imports new content, re-imports a renewed Secret into
   * the ARN of its old content (only when no other Secret of the cluster still has that old
   * content and the key algorithm is unchanged, which ACM requires), and leaves what is there.
   * Each import settles on its own: one rejected import does not stop the others.
   *
   * @param stillWanted whether some Secret of the cluster other than these bundles' has
   *   content with this fingerprint (read lazily, only on a renewal)
   * @param mode `plan` only says what would be done
   * @returns fingerprint -> ARN for every bundle now in ACM, the changes made or planned, and
   *   the failures of imports AWS refused
   */
  async ensure(
    bundles: readonly TlsBundle[],
    stillWanted: (fingerprint: string, secret: ObjectKey) => boolean,
    mode: 'plan' | 'apply',
  ): Promise<{ arns: Map<string, string>; changes: CertificateChange[]; failures: Failure[] }> {
    return await this.imports(async () => {
      const observed = await this.observed();
      const plan = planCertificateImports(bundles, observed);
      const arns = new Map(plan.arns);
      const changes: CertificateChange[] = [];
      const toImport = [...plan.toImport];
      const renewals = plan.toReimport.filter((r) => {
        if (r.previous.fingerprint !== null && stillWanted(r.previous.fingerprint, r.bundle.secret)) {
          toImport.push(r.bundle);
          arns.delete(r.bundle.fingerprint);
          return false;
        }
        return true;
      });
      // The list gives no key algorithm or expiry; renewals need both.
      const described = new Map((await describeCertificates(this.aws, renewals.map((r) => r.previous))).map((c) => [c.arn, c]));
      const reimports = renewals.flatMap((r) => {
        const previous = described.get(r.arn);
        if (previous !== undefined && (previous.keyAlgorithm === null || previous.keyAlgorithm === r.bundle.keyAlgorithm)) return [{ ...r, previous }];
        toImport.push(r.bundle);
        arns.delete(r.bundle.fingerprint);
        return [];
      });

      const failures: Failure[] = [];
      const settle = async (work: () => Promise<void>, what: string): Promise<void> => {
        try {
          await work();
        } catch (err) {
          failures.push(failureOf(err, what));
        }
      };
      const limit = pLimit(2);
      await Promise.all([
        ...toImport.map((bundle) =>
          limit(() =>
            settle(async () => {
              changes.push({ fingerprint: bundle.fingerprint, arn: null, change: importChange(bundle) });
              if (mode === 'plan') return;
              const arn = await importCertificate(this.aws, bundle, certificateTags(this.clusterName, bundle));
              arns.set(bundle.fingerprint, arn);
              this.remember({ ...imported(bundle, arn, this.clusterName) });
              this.logger.info({ resource: certificateResourceId(bundle.fingerprint), secret: bundle.secret, arn }, 'imported certificate');
            }, `import certificate from Secret ${bundle.secret}`),
          ),
        ),
        ...reimports.map(({ arn, bundle, previous }) =>
          limit(() =>
            settle(async () => {
              changes.push({ fingerprint: bundle.fingerprint, arn, change: reimportChange(arn, bundle, previous) });
              if (mode === 'plan') return;
              await reimportCertificate(this.aws, arn, bundle, certificateTags(this.clusterName, bundle));
              this.forget(arn);
              this.remember(imported(bundle, arn, this.clusterName));
              this.logger.info({ resource: certificateResourceId(bundle.fingerprint), secret: bundle.secret, arn }, 're-imported certificate');
            }, `re-import Secret ${bundle.secret} into ${arn}`),
          ),
        ),
      ]);
      // In a plan, content to import has no ARN yet; what shows is what would be imported.
      if (mode === 'plan') for (const bundle of toImport) this.remember(imported(bundle, `(to import ${bundle.fingerprint.slice(0, 16)})`, this.clusterName));
      return { arns, changes, failures };
    });
  }

  private remember(certificate: ImportedCertificate): void {
    this.known = this.observed().then((list) => [...list.filter((c) => c.arn !== certificate.arn), certificate]);
  }

  private forget(arn: string): void {
    this.known = this.observed().then((list) => list.filter((c) => c.arn !== arn));
  }
}

function imported(bundle: TlsBundle, arn: string, clusterName: string): ImportedCertificate {
  return {
    arn,
    fingerprint: bundle.fingerprint,
    secret: secretTagValue(bundle.secret),
    keyAlgorithm: bundle.keyAlgorithm,
    status: 'ISSUED',
    notAfter: bundle.notAfter,
    tags: certificateTags(clusterName, bundle),
  };
}

const day = (d: Date | null): string => (d === null ? 'unknown' : d.toISOString().slice(0, 10));

function importChange(b: TlsBundle): Change {
  return {
    action: 'create',
    kind: 'certificate',
    id: certificateResourceId(b.fingerprint),
    summary: `import from Secret ${b.secret} (fingerprint ${b.fingerprint.slice(0, 16)}, names ${b.names.join(', ')}, expires ${day(b.notAfter)})`,
  };
}

function reimportChange(arn: string, b: TlsBundle, previous: ImportedCertificate): Change {
  return {
    action: 'update',
    kind: 'certificate',
    id: certificateResourceId(b.fingerprint),
    summary: `re-import renewed Secret ${b.secret} into ${arn} (fingerprint ${b.fingerprint.slice(0, 16)}, names ${b.names.join(', ')}, expiry ${day(previous.notAfter)} -> ${day(b.notAfter)})`,
  };
}

/**
 * The cluster-wide cleanup: deletes our imported certificates that no group uses. Run it only
 * with a complete view, after every group was reconciled and none failed.
 *
 * @param inUse ARNs on the listeners of every group (after its reconcile; for a group left as
 *   it is, what it has in AWS)
 * @param keepSecrets Secrets (ACM tag values) that failed validation: what they served stays
 * @returns one change per certificate deleted (or to delete, in a plan), skipping any that ACM
 *   says a load balancer still uses, whoever's it is
 */
export async function deleteUnusedCertificates(
  aws: Aws,
  clusterName: string,
  inUse: ReadonlySet<string>,
  keepSecrets: ReadonlySet<string>,
  mode: 'plan' | 'apply',
  logger: Logger,
): Promise<CertificateChange[]> {
  const ours = await observeCertificates(aws, clusterName);
  const unused = ours.filter((c) => !inUse.has(c.arn) && !(c.secret !== null && keepSecrets.has(c.secret)));
  const changes: CertificateChange[] = [];
  for (const cert of unused) {
    const users = await certificateUsers(aws, cert.arn);
    if (users === null) continue;
    // Our own load balancers are accounted for by `inUse`; ACM's word counts for the others.
    const foreign = await foreignLoadBalancers(aws, clusterName, users);
    if (foreign.length > 0) {
      logger.warn({ arn: cert.arn, secret: cert.secret, usedBy: foreign }, 'kept an unused certificate: a load balancer outside the cluster still uses it');
      continue;
    }
    changes.push({
      fingerprint: cert.fingerprint,
      arn: cert.arn,
      change: {
        action: 'delete',
        kind: 'certificate',
        id: cert.tags['albatross.dev/resource'] ?? cert.arn,
        summary: `${cert.arn}${cert.secret === null ? '' : ` (was Secret ${cert.secret})`}: no listener needs it`,
      },
    });
    if (mode === 'apply') {
      const outcome = await deleteCertificate(aws, cert.arn, clusterName);
      logger.info({ arn: cert.arn, secret: cert.secret, outcome }, 'deleted unused certificate');
    }
  }
  return changes;
}

/**
 * The load balancers among `arns` that exist and do not carry our cluster tag. ACM's
 * `InUseBy` can name a load balancer deleted moments ago (and the emulator keeps such names
 * for good), so one that is gone counts as no user.
 */
async function foreignLoadBalancers(aws: Aws, clusterName: string, arns: readonly string[]): Promise<string[]> {
  const foreign: string[] = [];
  for (const arn of arns) {
    try {
      const res = await aws.send(aws.elbv2, new DescribeTagsCommand({ ResourceArns: [arn] }));
      const tags = tagsFromSdk(res.TagDescriptions?.[0]?.Tags);
      if (tags[OwnershipTag.cluster] !== clusterName) foreign.push(arn);
    } catch (err) {
      if (err instanceof AwsCallError && /NotFound/.test(err.awsCode)) continue;
      throw err;
    }
  }
  return foreign;
}

/**
 * Adds ISSUED ACM certificates for HTTPS hosts that nothing else covers. Reads ACM (through
 * `candidates`, which a caller memoises per run) only when some listener needs it. Hosts
 * still uncovered are reported against their Ingress.
 */
export async function discoverCertificates(
  stack: DesiredStack,
  candidates: () => Promise<readonly DiscoveryCandidate[]>,
): Promise<{ stack: DesiredStack; errors: IngressError[] }> {
  if (!stack.listeners.some((l) => (l.discoverHosts ?? []).length > 0)) return { stack, errors: [] };
  const found = await candidates();
  const errors: IngressError[] = [];
  const listeners = stack.listeners.map((listener) => {
    const hosts = listener.discoverHosts ?? [];
    if (hosts.length === 0) return listener;
    const have = new Set(listener.certificates.map((c) => (c.kind === 'arn' ? c.arn : '')));
    const added: string[] = [];
    for (const { host, ingress } of hosts) {
      const pick = pickDiscoveredCertificate(host, found);
      if (pick === null) {
        errors.push({
          ingress,
          group: stack.group,
          severity: 'degraded',
          message: `Ingress ${ingress}: host ${host} on HTTPS port ${listener.port} has no certificate: no spec.tls Secret and no alb.ingress.kubernetes.io/certificate-arn covers it, and no ISSUED ACM certificate names it`,
        });
      } else if (!have.has(pick.arn)) {
        have.add(pick.arn);
        added.push(pick.arn);
      }
    }
    return { ...listener, certificates: [...listener.certificates, ...added.map((arn) => ({ kind: 'arn' as const, arn }))] };
  });
  return { stack: { ...stack, listeners }, errors };
}
