// The whole cluster in one pass, as the CLI runs it: every group in the view (Ingress groups and
// the Gateways of our classes) or in AWS is reconciled on its own (a few at once), then, once
// every group converged, the cluster-wide step deletes imported certificates nothing uses. The files are the cluster's complete state,
// so a group with no member left is deleted.
import pLimit from 'p-limit';
import type { ClusterView } from '../cluster/view.js';
import type { IngressError, IngressWarning } from '../model/resources.js';
import { listGroups } from '../observe/group.js';
import { compareStrings } from '../model/compare.js';
import type { Change } from '../plan/describe.js';
import { deleteUnusedCertificates } from './certificates.js';
import { reconcileGroup, type GroupResult, type ReconcileDeps } from './reconcile.js';
import { reconcileBackendRules, releaseBackendSecurityGroup } from './backend-security-group.js';
import { failureOf } from './failure.js';
import { hasStatusProblem } from '../gateway/summary.js';

/** Groups reconciled at once; each runs up to 4 AWS calls at a time itself. */
const groupConcurrency = 3;

export interface ReconcileResult {
  /** By group name; certificate deletions no group used before come last, under `(certificates)`. */
  readonly groups: readonly GroupResult[];
  /** Every Ingress problem, group by group. */
  readonly errors: readonly IngressError[];
  /** Every group's warnings, in group order. A warning never changes the exit code. */
  readonly warnings: readonly IngressWarning[];
}

/**
 * Reconciles every group of the view and every group of the cluster in AWS (found by the
 * cluster tag). One group's failure never stops the others. The certificate cleanup runs
 * only when every group converged.
 */
export async function reconcileCluster(view: ClusterView, deps: ReconcileDeps): Promise<ReconcileResult> {
  const grouping = view.grouping();
  const inAws = await listGroups(deps.aws, deps.clusterName);
  const names = [...new Set([...grouping.groups.map((g) => g.name), ...view.gatewayGroups(), ...inAws])].sort(compareStrings);
  const limit = pLimit(groupConcurrency);
  const groups = await Promise.all(names.map((name) => limit(() => reconcileGroup(view, name, deps, { deleteIfEmpty: true }))));
  const errors = groups.flatMap((g) => g.errors);
  const backend = await reconcileBackend(groups, deps);
  if (backend !== null) groups.push(backend.result);
  const warnings = [...groups.flatMap((g) => g.warnings)];
  if (!groups.every((g) => g.failure === null)) return { groups, errors, warnings };

  const inUse = new Set(groups.flatMap((g) => g.certificates.inUse));
  const deletions = await deleteUnusedCertificates(deps.aws, deps.clusterName, inUse, deps.certificates.brokenSecrets, deps.mode, deps.logger);
  if (deletions.length === 0) return { groups, errors, warnings };
  // A deletion shows with the group whose listeners used the certificate.
  const extra = new Map<string, Change[]>();
  const orphans: Change[] = [];
  for (const { arn, change } of deletions) {
    const owner = groups.find((g) => arn !== null && g.certificates.before.includes(arn));
    if (owner === undefined) orphans.push(change);
    else extra.set(owner.name, [...(extra.get(owner.name) ?? []), change]);
  }
  const withDeletions = groups.map((g) => (extra.has(g.name) ? { ...g, changes: [...(extra.get(g.name) ?? []), ...g.changes] } : g));
  if (orphans.length > 0) withDeletions.push(clusterStep('(certificates)', deps, orphans, [], null));
  return { groups: withDeletions, errors, warnings };
}

/** A cluster-wide step's outcome, shown like a group's: its changes, warnings and failure. */
function clusterStep(name: string, deps: ReconcileDeps, changes: readonly Change[], warnings: readonly IngressWarning[], failure: GroupResult['failure']): GroupResult {
  return {
    name,
    ingresses: [],
    loadBalancer: null,
    changes,
    failure,
    leftAsIs: null,
    released: deps.mode === 'apply',
    previousDnsName: null,
    errors: [],
    warnings,
    certificates: { inUse: [], before: [] },
    backend: { uses: false, vpcId: null, targets: [], complete: true },
    gatewayStatus: null,
  };
}

/**
 * The cluster-wide backend step, after every group: the rules on the targets' security groups
 * for every load balancer that uses the backend group. When every group could say what its
 * targets are, rules are also narrowed and revoked, and once no load balancer uses the backend
 * group it is released. `null` when there is nothing to do.
 */
async function reconcileBackend(groups: readonly GroupResult[], deps: ReconcileDeps): Promise<{ readonly result: GroupResult } | null> {
  const backend = deps.backendSecurityGroup;
  const known = groups.every((g) => g.failure === null && g.backend !== null && g.backend.complete);
  const users = groups.filter((g) => g.backend?.uses === true);
  const result = (changes: readonly Change[], warnings: readonly IngressWarning[], failure: GroupResult['failure']): { result: GroupResult } => ({
    result: clusterStep('(backend security group)', deps, changes, warnings, failure),
  });
  try {
    const vpcId = users.map((g) => g.backend?.vpcId).find((v) => v != null);
    if (vpcId != null) {
      const rules = await reconcileBackendRules(deps.aws, {
        clusterName: deps.clusterName,
        vpcId,
        backendGroupId: await backend.lookup(deps.aws, vpcId),
        targets: users.flatMap((g) => g.backend?.targets ?? []),
        scope: known ? 'complete' : 'additive',
        mode: deps.mode,
        logger: deps.logger,
      });
      // A managed group left from before --backend-security-group (or the feature turned off).
      const left = known && backend.setting.kind !== 'managed' ? await releaseBackendSecurityGroup(deps.aws, backend, deps.clusterName, deps.mode, 'managed-group') : [];
      const changes = [...rules.changes, ...left];
      return changes.length === 0 && rules.warnings.length === 0 ? null : result(changes, rules.warnings, null);
    }
    if (!known) return null;
    const released = await releaseBackendSecurityGroup(deps.aws, backend, deps.clusterName, deps.mode, 'everything');
    return released.length === 0 ? null : result(released, [], null);
  } catch (err) {
    const failure = failureOf(err);
    deps.logger.error({ code: failure.code }, `backend security group rules: ${failure.message}`);
    return result([], [], failure);
  }
}

/**
 * True when the run found nothing wrong: no Ingress error, no group failure, and no Gateway,
 * listener or HTTPRoute with a condition that is not as it should be (a refused or degraded
 * route counts as an Ingress error does).
 */
export function isClean(result: ReconcileResult): boolean {
  return result.errors.length === 0 && result.groups.every((g) => g.failure === null && (g.gatewayStatus === null || !hasStatusProblem(g.gatewayStatus)));
}
