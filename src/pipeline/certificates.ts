// The certificate part of a reconcile, cluster-wide: Secrets are validated for translate,
// content is imported into ACM once per cluster (renewals into the same ARN), hosts without
// a certificate are matched to ISSUED ACM certificates, and certificates nothing uses any
// more are deleted once every group has detached them.
import type { V1Secret } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Aws } from '../aws/clients.js';
import {
  certificateResourceId,
  certificateTags,
  deleteCertificate,
  importCertificate,
  listIssuedCertificates,
  parseTlsSecret,
  pickDiscoveredCertificate,
  planCertificateImports,
  reimportCertificate,
  secretTagValue,
  type CertificateImportPlan,
  type DiscoveryCandidate,
  type ImportedCertificate,
  type TlsBundle,
} from '../certificates/index.js';
import type { DesiredStack, IngressError, ObjectKey, TlsResolver } from '../model/resources.js';
import type { Change } from '../plan/describe.js';
import { objectKey, type Snapshot } from '../snapshot/snapshot.js';

/** Secrets as translate sees them: validated, fingerprinted, remembered for import. */
export class TlsSecrets {
  /** Valid bundles by `secret|fingerprint`: what the cluster wants in ACM. */
  private readonly bundles = new Map<string, TlsBundle>();
  /** Secrets that failed validation, as their ACM tag values. */
  readonly broken = new Set<string>();
  private readonly secrets: ReadonlyMap<ObjectKey, V1Secret>;

  constructor(
    snapshot: Snapshot,
    private readonly observed: readonly ImportedCertificate[],
    private readonly now: Date,
  ) {
    this.secrets = new Map(snapshot.secrets.map((s) => [objectKey(s), s]));
  }

  readonly resolve: TlsResolver = (secret, hosts) => {
    const result = parseTlsSecret(this.secrets.get(secret), hosts, this.now, secret);
    if (result.ok) {
      this.bundles.set(`${secret}|${result.bundle.fingerprint}`, result.bundle);
      return { ok: true, fingerprint: result.bundle.fingerprint, names: result.bundle.names };
    }
    const tag = secretTagValue(secret);
    this.broken.add(tag);
    // What this Secret served before keeps serving its hosts until the Secret is fixed.
    return { ok: false, message: result.message, retainedArns: this.observed.filter((c) => c.secret === tag).map((c) => c.arn) };
  };

  wanted(): TlsBundle[] {
    return [...this.bundles.values()];
  }
}

export interface CertificateWork {
  readonly plan: CertificateImportPlan;
  /** Unused certificates that may go: not from a broken Secret, not on a listener left untouched. */
  readonly deletable: readonly ImportedCertificate[];
}

/**
 * @param referenced fingerprints some listener uses: Secrets of Ingresses left out of their
 *   group are validated but not imported, so nothing is created for an invalid Ingress
 * @param untouchedArns certificates on listeners that keep what they have (frozen groups
 *   and groups with a frozen Ingress): never deleted
 */
export function planCertificates(
  secrets: TlsSecrets,
  observed: readonly ImportedCertificate[],
  referenced: ReadonlySet<string>,
  untouchedArns: ReadonlySet<string>,
): CertificateWork {
  const plan = planCertificateImports(
    secrets.wanted().filter((b) => referenced.has(b.fingerprint)),
    observed,
  );
  const deletable = plan.unused.filter((c) => !(c.secret !== null && secrets.broken.has(c.secret)) && !untouchedArns.has(c.arn));
  return { plan, deletable };
}

/** Imports and renewals; returns fingerprint -> ARN for everything wanted. */
export async function importCertificates(aws: Aws, clusterName: string, plan: CertificateImportPlan, logger: Logger): Promise<Map<string, string>> {
  const arns = new Map(plan.arns);
  const limit = pLimit(2);
  await Promise.all([
    ...plan.toImport.map((bundle) =>
      limit(async () => {
        const arn = await importCertificate(aws, bundle, certificateTags(clusterName, bundle));
        arns.set(bundle.fingerprint, arn);
        logger.info({ resource: certificateResourceId(bundle.fingerprint), secret: bundle.secret, arn }, 'imported certificate');
      }),
    ),
    ...plan.toReimport.map(({ arn, bundle }) =>
      limit(async () => {
        await reimportCertificate(aws, arn, bundle, certificateTags(clusterName, bundle));
        logger.info({ resource: certificateResourceId(bundle.fingerprint), secret: bundle.secret, arn }, 're-imported certificate');
      }),
    ),
  ]);
  return arns;
}

export async function deleteUnusedCertificates(aws: Aws, clusterName: string, deletable: readonly ImportedCertificate[], logger: Logger): Promise<void> {
  for (const cert of deletable) {
    const outcome = await deleteCertificate(aws, cert.arn, clusterName);
    logger.info({ arn: cert.arn, secret: cert.secret, outcome }, 'deleted unused certificate');
  }
}

/** The changes certificates make, for plan output; never any key material. */
export function certificateChanges(work: CertificateWork): { fingerprint: string | null; arn: string | null; change: Change }[] {
  const day = (d: Date | null): string => (d === null ? 'unknown' : d.toISOString().slice(0, 10));
  return [
    ...work.plan.toImport.map((b) => ({
      fingerprint: b.fingerprint,
      arn: null,
      change: {
        action: 'create' as const,
        kind: 'certificate',
        id: certificateResourceId(b.fingerprint),
        summary: `import from Secret ${b.secret} (fingerprint ${b.fingerprint.slice(0, 16)}, names ${b.names.join(', ')}, expires ${day(b.notAfter)})`,
      },
    })),
    ...work.plan.toReimport.map((r) => ({
      fingerprint: r.bundle.fingerprint,
      arn: r.arn,
      change: {
        action: 'update' as const,
        kind: 'certificate',
        id: certificateResourceId(r.bundle.fingerprint),
        summary: `re-import renewed Secret ${r.bundle.secret} into ${r.arn} (fingerprint ${r.bundle.fingerprint.slice(0, 16)}, names ${r.bundle.names.join(', ')}, expiry ${day(r.previous.notAfter)} -> ${day(r.bundle.notAfter)})`,
      },
    })),
    ...work.deletable.map((c) => ({
      fingerprint: null,
      arn: c.arn,
      change: {
        action: 'delete' as const,
        kind: 'certificate',
        id: c.tags['albatross.dev/resource'] ?? c.arn,
        summary: `${c.arn}${c.secret === null ? '' : ` (was Secret ${c.secret})`}: no listener needs it`,
      },
    })),
  ];
}

/**
 * Adds ISSUED ACM certificates for HTTPS hosts that nothing else covers. Reads ACM only when
 * some listener needs it. Hosts still uncovered are reported against their Ingress.
 */
export async function discoverCertificates(
  aws: Aws,
  stacks: readonly DesiredStack[],
): Promise<{ stacks: DesiredStack[]; errors: IngressError[] }> {
  if (!stacks.some((s) => s.listeners.some((l) => (l.discoverHosts ?? []).length > 0))) return { stacks: [...stacks], errors: [] };
  const candidates: DiscoveryCandidate[] = await listIssuedCertificates(aws);
  const errors: IngressError[] = [];
  const out = stacks.map((stack) => ({
    ...stack,
    listeners: stack.listeners.map((listener) => {
      const hosts = listener.discoverHosts ?? [];
      if (hosts.length === 0) return listener;
      const found = new Set(listener.certificates.map((c) => (c.kind === 'arn' ? c.arn : '')));
      const added: string[] = [];
      for (const { host, ingress } of hosts) {
        const pick = pickDiscoveredCertificate(host, candidates);
        if (pick === null) {
          errors.push({
            ingress,
            group: stack.group,
            severity: 'degraded',
            message: `Ingress ${ingress}: host ${host} on HTTPS port ${listener.port} has no certificate: no spec.tls Secret and no alb.ingress.kubernetes.io/certificate-arn covers it, and no ISSUED ACM certificate names it`,
          });
        } else if (!found.has(pick.arn)) {
          found.add(pick.arn);
          added.push(pick.arn);
        }
      }
      return { ...listener, certificates: [...listener.certificates, ...added.map((arn) => ({ kind: 'arn' as const, arn }))] };
    }),
  }));
  return { stacks: out, errors };
}
