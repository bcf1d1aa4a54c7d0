// The whole reconcile pipeline for one cluster: translate the snapshot, observe AWS,
// diff per group, and (for apply) execute. The CLI and the controller both call this.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { applyOperations } from '../apply/execute.js';
import { ApplyState } from '../apply/state.js';
import type { Aws } from '../aws/clients.js';
import type { ActualStack } from '../model/actual.js';
import type { DesiredStack, IngressError } from '../model/resources.js';
import { observeCluster } from '../observe/cluster.js';
import { discoverNetwork, resolveSecurityGroups, selectSubnets, type Network } from '../observe/network.js';
import { describeOperation, type Change } from '../plan/describe.js';
import { diffStack, type StackContext } from '../plan/diff.js';
import type { Operation } from '../plan/operations.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { translate } from '../translate/index.js';
import { observeCertificates } from '../certificates/acm.js';
import {
  certificateChanges,
  deleteUnusedCertificates,
  discoverCertificates,
  importCertificates,
  planCertificates,
  TlsSecrets,
} from './certificates.js';

/** Groups reconciled at once; each runs up to 4 AWS calls at a time itself. */
const groupConcurrency = 3;

export interface ReconcileOptions {
  readonly clusterName: string;
  /** @default the one VPC holding subnets tagged for load balancers */
  readonly vpcId?: string | undefined;
  /** `plan` reads only; `apply` makes AWS match. */
  readonly mode: 'plan' | 'apply';
  readonly logger: Logger;
  /** The clock certificates are checked against. @default now */
  readonly now?: Date;
}

export interface GroupResult {
  readonly name: string;
  readonly ingresses: readonly string[];
  readonly loadBalancer: { readonly arn: string; readonly dnsName: string } | null;
  /** Planned changes (plan) or changes made (apply). */
  readonly changes: readonly Change[];
  /** For apply: the change that failed, if any; the group stopped there. */
  readonly failure: string | null;
  /** The group is left as it is in AWS because none of its Ingresses is valid. */
  readonly frozen: boolean;
}

export interface ReconcileResult {
  readonly groups: readonly GroupResult[];
  readonly errors: readonly IngressError[];
}

export async function reconcile(snapshot: Snapshot, aws: Aws, options: ReconcileOptions): Promise<ReconcileResult> {
  const { logger, clusterName } = options;
  // Certificates first: a Secret that fails validation must keep what it served before.
  const observedCertificates = await observeCertificates(aws, clusterName);
  const secrets = new TlsSecrets(snapshot, observedCertificates, options.now ?? new Date());
  const desired = translate(snapshot, { clusterName, tls: secrets.resolve });
  const errors: IngressError[] = [...desired.errors];
  const observed = await observeCluster(aws, clusterName, {
    loadBalancers: new Set(desired.stacks.filter((s) => Object.keys(s.loadBalancer.attributes).length > 0).map((s) => s.group)),
    targetGroups: new Set(
      desired.stacks.flatMap((s) => s.targetGroups.filter((t) => Object.keys(t.attributes).length > 0).map((t) => `${s.group}\n${t.id}`)),
    ),
  });
  const discovered = await discoverCertificates(aws, desired.stacks);
  errors.push(...discovered.errors);
  const network = discovered.stacks.length > 0 ? await discoverNetwork(aws, { vpcId: options.vpcId }) : null;

  const desiredByGroup = new Map(discovered.stacks.map((s) => [s.group, s]));
  const frozenGroups = new Set(desired.frozenGroups);
  const groupNames = [...new Set([...desiredByGroup.keys(), ...observed.stacks.keys(), ...frozenGroups])].sort();

  // Certificates on listeners that keep what they have (groups left as they are, groups
  // with a frozen Ingress) must stay; Secrets only listeners refer to are imported.
  const keepsListeners = (g: string): boolean =>
    (frozenGroups.has(g) && !desiredByGroup.has(g)) || (desiredByGroup.get(g)?.frozenIngresses.length ?? 0) > 0;
  const untouchedArns = new Set(groupNames.filter(keepsListeners).flatMap((g) => observed.stacks.get(g)?.listeners.flatMap((l) => l.certificateArns) ?? []));
  const referenced = new Set(
    discovered.stacks.flatMap((s) => s.listeners.flatMap((l) => l.certificates.flatMap((c) => (c.kind === 'imported' ? [c.fingerprint] : [])))),
  );
  const certificates = planCertificates(secrets, observedCertificates, referenced, untouchedArns);
  const certificateArns = options.mode === 'apply' ? await importCertificates(aws, clusterName, certificates.plan, logger) : certificates.plan.arns;

  // Groups are independent: a few at a time, each one's steps in order.
  const limit = pLimit(groupConcurrency);
  const groups = await Promise.all(groupNames.map((name) => limit(() => aws.calls.forGroup(name, () => reconcileGroup(name)))));
  const settled = groups.every((g) => g.failure === null);
  if (options.mode === 'apply' && settled) await deleteUnusedCertificates(aws, clusterName, certificates.deletable, logger);
  return { groups: withCertificateChanges(groups, certificateChanges(certificates), observed.stacks, settled || options.mode === 'plan'), errors };

  async function reconcileGroup(name: string): Promise<GroupResult> {
    const stack = desiredByGroup.get(name) ?? null;
    const actual = observed.stacks.get(name) ?? null;
    const ingresses = stack?.ingresses ?? [];
    const lbOf = (a: ActualStack | null): GroupResult['loadBalancer'] =>
      a?.loadBalancer == null ? null : { arn: a.loadBalancer.arn, dnsName: a.loadBalancer.dnsName };
    if (frozenGroups.has(name) && stack === null) {
      // Every member is invalid: leave AWS exactly as it is until one is fixed or deleted.
      const members = [...new Set(desired.errors.filter((e) => e.group === name).map((e) => e.ingress))];
      return { name, ingresses: members, loadBalancer: lbOf(actual), changes: [], failure: null, frozen: true };
    }
    const log = logger.child({ group: name });
    let context: StackContext | null = null;
    if (stack !== null) {
      const resolved = await resolveContext(aws, stack, network!, clusterName);
      if (!resolved.ok) {
        errors.push(...stack.ingresses.map((ingress) => ({ ingress, group: name, message: `Ingress ${ingress}: ${resolved.message}`, severity: 'excluded' as const })));
        return { name, ingresses, loadBalancer: lbOf(actual), changes: [], failure: resolved.message, frozen: true };
      }
      context = { ...resolved.value, importedCertificateArns: certificateArns };
      const bare = stack.listeners.find((l) => l.protocol === 'HTTPS' && l.certificates.length === 0);
      if (bare !== undefined) {
        // Every host's certificate failed: AWS needs one to serve HTTPS at all.
        const message = `HTTPS listener on port ${bare.port} has no certificate to serve; the group is left as it is`;
        return { name, ingresses, loadBalancer: lbOf(actual), changes: [], failure: message, frozen: true };
      }
    }
    const operations: Operation[] = diffStack(stack, actual, context);
    if (options.mode === 'plan' || operations.length === 0) {
      return { name, ingresses, loadBalancer: lbOf(actual), changes: operations.map(describeOperation), failure: null, frozen: false };
    }
    const state = new ApplyState(actual, certificateArns);
    const outcome = await applyOperations(aws, state, operations, { logger: log });
    const failed = outcome.failure === null ? null : describeOperation(outcome.failure.operation);
    const failure =
      outcome.failure === null || failed === null ? null : `${failed.action} ${failed.kind} ${failed.id}: ${(outcome.failure.error as Error).message}`;
    if (failure !== null) log.error({ error: failure }, 'apply stopped');
    return {
      name,
      ingresses,
      loadBalancer: state.loadBalancerArn === null ? null : { arn: state.loadBalancerArn, dnsName: state.loadBalancerDnsName ?? '' },
      changes: outcome.done.map(describeOperation),
      failure,
      frozen: false,
    };
  }
}

/**
 * Certificates are cluster-wide; their changes are shown with the first group whose
 * listeners use them (imports, renewals) or used them (deletions). A certificate no group
 * ever used is shown under a `(certificates)` entry.
 */
function withCertificateChanges(
  groups: readonly GroupResult[],
  changes: ReturnType<typeof certificateChanges>,
  observed: ReadonlyMap<string, ActualStack>,
  include: boolean,
): GroupResult[] {
  if (!include || changes.length === 0) return [...groups];
  const out = groups.map((g) => ({ ...g, changes: [...g.changes] }));
  const orphans: Change[] = [];
  for (const { fingerprint, arn, change } of changes) {
    const owner = out.find((g) =>
      change.action === 'delete'
        ? (observed.get(g.name)?.listeners ?? []).some((l) => arn !== null && l.certificateArns.includes(arn))
        : g.changes.some((c) => (fingerprint !== null && c.summary.includes(fingerprint.slice(0, 16))) || (arn !== null && c.summary.includes(arn))) ||
          (observed.get(g.name)?.listeners ?? []).some((l) => arn !== null && l.certificateArns.includes(arn)),
    );
    if (owner === undefined) orphans.push(change);
    else owner.changes.unshift(change);
  }
  if (orphans.length > 0) out.push({ name: '(certificates)', ingresses: [], loadBalancer: null, changes: orphans, failure: null, frozen: false });
  return out;
}

type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

async function resolveContext(aws: Aws, stack: DesiredStack, network: Network, clusterName: string): Promise<Resolved<StackContext>> {
  const subnets = selectSubnets(stack.loadBalancer.subnets, stack.loadBalancer.scheme, network, clusterName);
  if (!subnets.ok) return subnets;
  let securityGroupIds: string[] = [];
  if (stack.securityGroup === null) {
    const sgs = await resolveSecurityGroups(aws, stack.loadBalancer.securityGroups, network.vpcId);
    if (!sgs.ok) return sgs;
    securityGroupIds = sgs.value;
  }
  return { ok: true, value: { vpcId: network.vpcId, subnetIds: subnets.value, securityGroupIds } };
}

/** True when the run changed nothing and found nothing wrong. */
export function isClean(result: ReconcileResult): boolean {
  return result.errors.length === 0 && result.groups.every((g) => g.failure === null);
}

