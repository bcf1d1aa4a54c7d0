// What the controller writes to the cluster: its finalizer on the Ingresses it manages, their
// status (the load balancer's DNS name), and Events on the Ingress they concern, repeats
// aggregated into one Event's count as client-go's event recorder does.
import { ApiException, CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Ingress } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubernetesApiError } from '../pipeline/failure.js';

/** The finalizer that holds an Ingress until its rules (and, for the last member, its load balancer) are gone from AWS. */
export const Finalizer = 'albatross.dev/aws-resources';

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
   * Adds our finalizer, guarded by the resourceVersion seen; on a conflict the Ingress is read
   * again and the patch tried twice more.
   *
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async addFinalizer(ingress: V1Ingress): Promise<void> {
    await this.editFinalizers(ingress, 'add', (list) => (list.includes(Finalizer) ? null : [...list, Finalizer]));
  }

  /**
   * Removes our finalizer (a missing Ingress or finalizer is fine).
   *
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async removeFinalizer(ingress: V1Ingress): Promise<void> {
    await this.editFinalizers(ingress, 'remove', (list) => (list.includes(Finalizer) ? list.filter((f) => f !== Finalizer) : null));
  }

  private async editFinalizers(ingress: V1Ingress, verb: 'add' | 'remove', edit: (list: readonly string[]) => string[] | null): Promise<void> {
    const name = ingress.metadata?.name ?? '';
    const namespace = ingress.metadata?.namespace ?? 'default';
    try {
      await this.patchFinalizers(name, namespace, ingress, edit);
    } catch (err) {
      throw kubernetesApiError(`${verb} finalizer ${Finalizer} ${verb === 'add' ? 'to' : 'from'} Ingress ${namespace}/${name}`, err);
    }
  }

  private async patchFinalizers(name: string, namespace: string, ingress: V1Ingress, edit: (list: readonly string[]) => string[] | null): Promise<void> {
    let current: V1Ingress = ingress;
    for (let attempt = 1; ; attempt++) {
      const next = edit(current.metadata?.finalizers ?? []);
      if (next === null) return;
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
   * Sets `status.loadBalancer.ingress` to the DNS name, or clears it for `null`; writes only
   * when it differs from what the Ingress shows.
   * @returns whether a write was made
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async setHostname(ingress: V1Ingress, hostname: string | null): Promise<boolean> {
    const shown = ingress.status?.loadBalancer?.ingress ?? [];
    const same = hostname === null ? shown.length === 0 : shown.length === 1 && shown[0]?.hostname === hostname && shown[0].ip === undefined;
    if (same) return false;
    try {
      await this.networking.patchNamespacedIngressStatus(
        {
          name: ingress.metadata?.name ?? '',
          namespace: ingress.metadata?.namespace ?? 'default',
          body: { status: { loadBalancer: { ingress: hostname === null ? [] : [{ hostname }] } } },
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
   */
  async event(ingress: V1Ingress, type: 'Normal' | 'Warning', reason: EventReason, message: string): Promise<void> {
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
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
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
      this.logger.warn({ reason, ingress: `${namespace}/${ingress.metadata?.name ?? ''}`, error: (err as Error).message }, 'could not record an Event');
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
