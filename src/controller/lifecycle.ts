// The Ingress side of a group reconcile: what the leader writes on Ingresses before and after
// it. Every decision is taken from the objects (their finalizers, the view's placement) and
// the reconcile's result, never from remembered events, so a process started a minute ago
// decides as one that saw everything:
// - before the group's first AWS change, each member applied gets the group's finalizer;
// - after a reconcile that removed what AWS held for Ingresses outside the group, each
//   Ingress whose finalizer records the group, and that was outside it for the whole
//   reconcile, loses that finalizer (and, once it is in no group of ours, the status we wrote);
// - members get the load balancer's DNS name as status, and every Ingress concerned gets
//   Events for its errors, warnings and the group's failure.
import type { V1Ingress } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ClusterView } from '../cluster/view.js';
import { defaultClassOfOurs } from '../ingress/class.js';
import { annotatedGroup, groupFinalizer, LegacyFinalizer } from '../ingress/finalizers.js';
import type { IngressError, ObjectKey } from '../model/resources.js';
import type { GroupResult } from '../pipeline/reconcile.js';
import { EventReason, type ClusterWrites } from './writes.js';

export class IngressLifecycle {
  constructor(
    private readonly view: ClusterView,
    private readonly writes: ClusterWrites,
    private readonly logger: Logger,
  ) {}

  /**
   * Every Ingress of the group now: members and held ones. Taken before a reconcile reads the
   * view, it is what that reconcile may keep resources for.
   */
  keptBy(group: string): ReadonlySet<ObjectKey> {
    const g = this.view.group(group);
    return new Set(g === undefined ? [] : [...g.members.map((m) => m.key), ...g.rejected.map((r) => r.ingress)]);
  }

  /**
   * Records the group on the members about to be applied: its finalizer goes on before the
   * group's first change in AWS. The legacy finalizer is replaced in the same write.
   * @throws the API server's error; the reconcile then stops before any AWS change
   */
  async record(group: string, members: readonly ObjectKey[]): Promise<void> {
    const finalizer = groupFinalizer(group);
    for (const key of members) {
      const ingress = this.view.ingress(key);
      if (ingress === undefined) continue;
      // The legacy finalizer said only "some group"; the group the Ingress is in now says which.
      const legacy = (ingress.metadata?.finalizers ?? []).includes(LegacyFinalizer);
      await this.writes.editFinalizers(ingress, { add: [finalizer], ...(legacy ? { remove: [LegacyFinalizer] } : {}) });
    }
  }

  /**
   * Writes what a reconcile means for the Ingresses: Events, status, and the release of
   * Ingresses that left the group.
   * @param kept `keptBy(group)` taken before the reconcile
   * @throws the API server's error for a status or finalizer write; the group is retried
   */
  async report(group: string, result: GroupResult, kept: ReadonlySet<ObjectKey>): Promise<void> {
    const leaving = this.leaving(group, kept);
    await this.recordEvents(result);
    if (result.failure !== null) {
      // Every member, and every Ingress waiting for this group to let it go, is told what blocks it.
      for (const key of new Set([...result.ingresses, ...leaving])) {
        const ingress = this.view.ingress(key);
        if (ingress !== undefined) await this.writes.event(ingress, 'Warning', EventReason.deployModel, result.failure.message);
      }
      return;
    }
    // Lower case: DNS names are case-insensitive, and the API server takes only a lower-case
    // hostname in status (a load-balancer-name with capitals gives a DNS name with capitals).
    const hostname = result.loadBalancer?.dnsName.toLowerCase() ?? null;
    if (result.leftAsIs === null) {
      for (const key of result.ingresses) {
        const ingress = this.view.ingress(key);
        if (ingress === undefined || isDeleting(ingress)) continue;
        const wrote = await this.writes.setHostname(ingress, hostname);
        if (wrote || result.changes.length > 0) {
          await this.writes.event(ingress, 'Normal', EventReason.reconciled, `group ${group} converged${hostname === null ? '' : `; load balancer ${hostname}`}`);
        }
      }
    }
    if (!result.released) return;
    const ours = new Set([result.previousDnsName?.toLowerCase() ?? null, hostname].filter((n): n is string => n !== null));
    for (const key of leaving) await this.release(group, key, ours);
  }

  /** Ingresses whose finalizers record the group, outside it before the reconcile and now. */
  private leaving(group: string, kept: ReadonlySet<ObjectKey>): ObjectKey[] {
    const now = this.keptBy(group);
    return [...this.view.holders(group)].filter((key) => !kept.has(key) && !now.has(key));
  }

  /** The group let the Ingress go: its finalizer goes, and our status once no group of ours has it. */
  private async release(group: string, key: ObjectKey, ours: ReadonlySet<string>): Promise<void> {
    const ingress = this.view.ingress(key);
    if (ingress === undefined) return;
    if (!isDeleting(ingress) && this.view.placement(key).kind === 'none') await this.writes.clearHostname(ingress, ours);
    const legacy = (ingress.metadata?.finalizers ?? []).includes(LegacyFinalizer) && annotatedGroup(ingress, defaultClassOfOurs(this.view.ingressClasses())) === group;
    await this.writes.editFinalizers(ingress, { remove: [groupFinalizer(group), ...(legacy ? [LegacyFinalizer] : [])] });
    this.logger.info({ group, ingress: key }, 'removed finalizer: the group holds nothing more for this Ingress');
  }

  private async recordEvents(result: GroupResult): Promise<void> {
    const errorsBy = new Map<ObjectKey, IngressError[]>();
    for (const e of result.errors) errorsBy.set(e.ingress, [...(errorsBy.get(e.ingress) ?? []), e]);
    for (const [key, errors] of errorsBy) {
      const ingress = this.view.ingress(key);
      if (ingress === undefined) continue;
      for (const e of errors) {
        const tls = /\bSecret\b|certificate/.test(e.message) && e.severity === 'degraded';
        await this.writes.event(ingress, 'Warning', tls ? EventReason.certificate : EventReason.buildModel, e.message);
      }
    }
    for (const w of result.warnings) {
      const ingress = this.view.ingress(w.ingress);
      if (ingress !== undefined) await this.writes.event(ingress, 'Warning', EventReason.configurationIgnored, w.message);
    }
  }
}

function isDeleting(ingress: V1Ingress): boolean {
  return ingress.metadata?.deletionTimestamp !== undefined && ingress.metadata.deletionTimestamp !== null;
}
