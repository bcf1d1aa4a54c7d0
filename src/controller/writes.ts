// What the controller writes to the cluster: its group finalizers on the Ingresses it manages,
// their status (the load balancer's DNS name), and Events on the Ingress they concern, repeats
// aggregated into one Event's count as client-go's event recorder does. Only the leader writes.
import { ApiException, CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Ingress, type V1IngressLoadBalancerIngress } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubernetesApiError } from '../pipeline/failure.js';

/** The Event reasons, documented for users in docs/operations.md. */
export const EventReason = {
  /** Normal: the group converged with changes for this Ingress, or its status was first set. */
  reconciled: 'SuccessfullyReconciled',
  /** Warning: the Ingress is invalid or conflicts with its group; the message is the CLI's. */
  buildModel: 'FailedBuildModel',
  /** Warning: AWS refused or failed a change of the group. */
  deployModel: 'FailedDeployModel',
  /** Warning: a TLS Secret or certificate problem. */
  certificate: 'FailedCertificate',
  /** Warning: part of the Ingress was left out or changed, as the message says (a redirect loop, a shadowed path). */
  configurationIgnored: 'ConfigurationIgnored',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Repeats of the same Event within this window raise its count instead of making a new one. */
const aggregationWindowMs = 10 * 60_000;

export class ClusterWrites {
  private readonly networking: NetworkingV1Api;
  private readonly core: CoreV1Api;
  /** `uid|type|reason|message` -> the Event written for it. */
  private readonly events = new Map<string, { name: string; count: number; first: Date; last: number }>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly identity: string,
    private readonly logger: Logger,
  ) {
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /**
   * Edits `metadata.finalizers`: adds `add` and removes `remove`, in one merge patch guarded by
   * the resourceVersion seen; on a conflict the Ingress is read again and the edit tried once
   * more. Nothing is written when the list already is as asked, or the Ingress is gone (404).
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async editFinalizers(ingress: V1Ingress, edit: { readonly add?: readonly string[]; readonly remove?: readonly string[] }): Promise<void> {
    const name = ingress.metadata?.name ?? '';
    const namespace = ingress.metadata?.namespace ?? 'default';
    const add = edit.add ?? [];
    const remove = edit.remove ?? [];
    const what = [...(add.length > 0 ? [`add finalizer ${add.join(', ')}`] : []), ...(remove.length > 0 ? [`remove finalizer ${remove.join(', ')}`] : [])].join(' and ');
    try {
      await this.patchFinalizers(name, namespace, ingress, add, new Set(remove));
    } catch (err) {
      throw kubernetesApiError(`${what} on Ingress ${namespace}/${name}`, err);
    }
  }

  private async patchFinalizers(name: string, namespace: string, ingress: V1Ingress, add: readonly string[], remove: ReadonlySet<string>): Promise<void> {
    let current: V1Ingress = ingress;
    for (let attempt = 1; ; attempt++) {
      const list = current.metadata?.finalizers ?? [];
      const next = [...list.filter((f) => !remove.has(f)), ...add.filter((f) => !list.includes(f))];
      if (next.length === list.length && next.every((f, i) => f === list[i])) return;
      try {
        await this.networking.patchNamespacedIngress(
          { name, namespace, body: { metadata: { resourceVersion: current.metadata?.resourceVersion, finalizers: next } } },
          mergePatch,
        );
        return;
      } catch (err) {
        if (isStatus(err, 404)) return;
        if (!isStatus(err, 409) || attempt >= 3) throw err;
        current = await this.networking.readNamespacedIngress({ name, namespace });
      }
    }
  }

  /**
   * Sets `status.loadBalancer.ingress` to the DNS name; writes only when it differs from what
   * the Ingress shows.
   * @returns whether a write was made
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async setHostname(ingress: V1Ingress, hostname: string | null): Promise<boolean> {
    const shown = ingress.status?.loadBalancer?.ingress ?? [];
    const same = hostname === null ? shown.length === 0 : shown.length === 1 && shown[0]?.hostname === hostname && shown[0].ip === undefined;
    if (same) return false;
    return await this.writeStatus(ingress, hostname === null ? [] : [{ hostname }]);
  }

  /**
   * Removes from `status.loadBalancer.ingress` the entries naming one of `ours` (our load
   * balancers' DNS names, in lower case) and keeps every other entry: another controller's status is never
   * touched. Writes nothing when no entry is ours.
   * @returns whether a write was made
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async clearHostname(ingress: V1Ingress, ours: ReadonlySet<string>): Promise<boolean> {
    const shown = ingress.status?.loadBalancer?.ingress ?? [];
    const kept = shown.filter((e) => e.hostname === undefined || !ours.has(e.hostname.toLowerCase()));
    if (kept.length === shown.length) return false;
    return await this.writeStatus(ingress, kept);
  }

  private async writeStatus(ingress: V1Ingress, entries: readonly V1IngressLoadBalancerIngress[]): Promise<boolean> {
    try {
      await this.networking.patchNamespacedIngressStatus(
        {
          name: ingress.metadata?.name ?? '',
          namespace: ingress.metadata?.namespace ?? 'default',
          body: { status: { loadBalancer: { ingress: [...entries] } } },
        },
        mergePatch,
      );
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw kubernetesApiError(`set the load balancer in the status of Ingress ${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name ?? ''}`, err);
    }
  }

  /**
   * Records an Event on the Ingress; a repeat within ten minutes raises the first one's count.
   * When that Event is gone (the API server deletes Events after its `--event-ttl`, 1 h by
   * default), it is created again with the count so far, and later repeats raise the new one's.
   * @param ingress the object the Event is about: an Ingress, or (with `kind`) a Gateway or HTTPRoute
   * @param kind its API version and kind @default Ingress, `networking.k8s.io/v1`
   */
  async event(
    ingress: Pick<V1Ingress, 'metadata'>,
    type: 'Normal' | 'Warning',
    reason: EventReason,
    message: string,
    kind: { readonly apiVersion: string; readonly kind: string } = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  ): Promise<void> {
    const namespace = ingress.metadata?.namespace ?? 'default';
    const uid = ingress.metadata?.uid ?? `${namespace}/${ingress.metadata?.name ?? ''}`;
    // The API server caps an Event's message at 1 KiB.
    const text = message.length > 1024 ? `${message.slice(0, 1021)}...` : message;
    const key = `${uid}|${type}|${reason}|${text}`;
    const now = Date.now();
    let seen = this.events.get(key);
    try {
      if (seen !== undefined && now - seen.last < aggregationWindowMs) {
        seen.count++;
        seen.last = now;
        try {
          await this.core.patchNamespacedEvent({ name: seen.name, namespace, body: { count: seen.count, lastTimestamp: new Date(now) } }, mergePatch);
          return;
        } catch (err) {
          // Deleted by the event TTL: created again below, as client-go's recorder does.
          if (!isStatus(err, 404)) throw err;
        }
      } else {
        seen = undefined;
      }
      const count = seen?.count ?? 1;
      const first = seen?.first ?? new Date(now);
      const created = await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${ingress.metadata?.name ?? 'ingress'}.`, namespace },
          involvedObject: {
            apiVersion: kind.apiVersion,
            kind: kind.kind,
            name: ingress.metadata?.name ?? '',
            namespace,
            ...(ingress.metadata?.uid === undefined ? {} : { uid: ingress.metadata.uid }),
          },
          type,
          reason,
          message: text,
          count,
          firstTimestamp: first,
          lastTimestamp: new Date(now),
          source: { component: 'albatross' },
          reportingComponent: 'albatross.dev/alb',
          reportingInstance: this.identity,
        },
      });
      this.events.set(key, { name: created.metadata?.name ?? '', count, first, last: now });
      this.forgetOld(now);
    } catch (err) {
      // An Event is a courtesy: failing to write one never fails the reconcile.
      this.logger.warn({ reason, [kind.kind.toLowerCase()]: `${namespace}/${ingress.metadata?.name ?? ''}`, error: (err as Error).message }, 'could not record an Event');
    }
  }

  /** Keeps the aggregation map to what can still be aggregated. */
  private forgetOld(now: number): void {
    if (this.events.size < 1000) return;
    for (const [key, e] of this.events) if (now - e.last >= aggregationWindowMs) this.events.delete(key);
  }
}

/** Whether a client-node call failed with this HTTP status. */
export function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}
