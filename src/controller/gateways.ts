// What the controller writes for the Gateway front: the finalizer on a Gateway before its load
// balancer is made (and off once the Gateway is deleted and its load balancer gone), the status
// of Gateways, HTTPRoutes (our `status.parents` entries only) and GatewayClasses, and Events.
// Decided from the objects and the reconcile's result only; writes happen in the leader's
// workers, and a status is written only when it differs from what the object shows.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ClusterView } from '../cluster/view.js';
import { GatewayKey, RouteKey, type NamespacedName } from '../gateway/keys.js';
import { gatewayStatusOf, routeParentsOf, writtenConditions, type RouteParentDraft } from '../gateway/status.js';
import { gatewayClassAccepted } from '../gateway/translate.js';
import { GatewayApiGroup, GatewayFinalizer, type V1Gateway, type V1GatewayClass, type V1HTTPRoute } from '../gateway/types.js';
import { isDeleting, isOurGatewayClass } from '../gateway/references.js';
import type { GroupResult } from '../pipeline/reconcile.js';
import { kubernetesApiError } from '../pipeline/failure.js';
import { EventReason, isStatus, type ClusterWrites } from './writes.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const version = 'v1';
const gatewayKind = { apiVersion: `${GatewayApiGroup}/v1`, kind: 'Gateway' } as const;
const routeKind = { apiVersion: `${GatewayApiGroup}/v1`, kind: 'HTTPRoute' } as const;

/** The queue key of a GatewayClass whose `Accepted` condition is to be written. */
export const GatewayClassKey = {
  of: (name: string): string => `gatewayclass:${name}`,
  parse: (key: string): string | undefined => (key.startsWith('gatewayclass:') ? key.slice('gatewayclass:'.length) : undefined),
} as const;

export class GatewayLifecycle {
  private readonly custom: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly view: ClusterView,
    private readonly writes: ClusterWrites,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /**
   * Before the first change in AWS for a Gateway's group: the finalizer goes on the Gateway, so
   * its load balancer is never left behind by a delete this process did not see.
   * @throws KubernetesApiError naming the operation, retryable for 409, 429 and 5xx
   */
  async record(group: string): Promise<void> {
    const id = GatewayKey.parse(group);
    const gateway = id === undefined ? undefined : this.view.gateway(id.namespace, id.name);
    if (id === undefined || gateway === undefined || isDeleting(gateway)) return;
    await this.editFinalizer(id, gateway, 'add');
  }

  /** After a reconcile of a Gateway's group: status, Events, and the finalizer of a Gateway whose load balancer is gone. */
  async report(group: string, result: GroupResult): Promise<void> {
    const id = GatewayKey.parse(group);
    if (id === undefined) return;
    const gateway = this.view.gateway(id.namespace, id.name);
    if (gateway === undefined) return;
    const gatewayClass = this.view.gatewayClass(gateway.spec?.gatewayClassName ?? '');
    if (!isDeleting(gateway) && gatewayClass === undefined) {
      // Its class is gone: held as it is in AWS, and told why.
      await this.recordEvents(id, gateway, result);
      return;
    }
    if (isDeleting(gateway) || !isOurGatewayClass(gatewayClass)) {
      // Deleted, or handed to another class: once AWS holds nothing more, our marks go.
      if (result.failure === null && result.released && result.loadBalancer === null) {
        await this.clearRoutes(id, new Set());
        await this.editFinalizer(id, gateway, 'remove');
      }
      return;
    }
    const draft = result.gatewayStatus;
    if (draft === null) return;
    const problem = result.failure?.message ?? result.leftAsIs;
    const status = gatewayStatusOf(draft, { dnsName: result.loadBalancer?.dnsName ?? null, problem }, gateway.status, this.clock());
    await this.writeStatus('gateways', id, gateway, status, `Gateway ${id.namespace}/${id.name}`);

    const byRoute = new Map<string, RouteParentDraft[]>();
    for (const d of draft.routes) {
      const key = RouteKey.of(d.route.namespace, d.route.name);
      byRoute.set(key, [...(byRoute.get(key) ?? []), d]);
    }
    for (const route of this.view.routesOf(id.namespace, id.name)) {
      const ns = route.metadata?.namespace ?? 'default';
      const key = RouteKey.of(ns, route.metadata?.name ?? '');
      const parents = routeParentsOf(route.status?.parents, ns, id, byRoute.get(key) ?? [], this.clock());
      await this.writeStatus('httproutes', { namespace: ns, name: route.metadata?.name ?? '' }, route, { parents }, `HTTPRoute ${ns}/${route.metadata?.name ?? ''}`);
    }
    await this.recordEvents(id, gateway, result);
  }

  /** Writes the `Accepted` condition of one of our GatewayClasses. */
  async reportClass(name: string): Promise<void> {
    const gatewayClass = this.view.gatewayClass(name);
    if (gatewayClass === undefined || !isOurGatewayClass(gatewayClass)) return;
    const accepted = gatewayClassAccepted(gatewayClass, this.view);
    const conditions = writtenConditions([accepted], gatewayClass.metadata?.generation ?? 0, gatewayClass.status?.conditions, this.clock());
    // Conditions of other types (set by the API server's defaults or other tools) stay.
    const others = (gatewayClass.status?.conditions ?? []).filter((c) => c.type !== accepted.type);
    await this.writeStatus('gatewayclasses', { namespace: null, name }, gatewayClass, { conditions: [...others, ...conditions] }, `GatewayClass ${name}`);
  }

  private async recordEvents(id: NamespacedName, gateway: V1Gateway, result: GroupResult): Promise<void> {
    const gatewayKey = GatewayKey.of(id.namespace, id.name);
    if (result.failure !== null) await this.writes.event(gateway, 'Warning', EventReason.deployModel, result.failure.message, gatewayKind);
    else if (result.changes.length > 0) await this.writes.event(gateway, 'Normal', EventReason.reconciled, `Successfully reconciled: ${result.changes.length} change(s) to load balancer ${result.loadBalancer?.dnsName ?? ''}`.trim(), gatewayKind);
    for (const e of result.errors) {
      if (e.ingress === gatewayKey) {
        await this.writes.event(gateway, 'Warning', EventReason.buildModel, e.message, gatewayKind);
        continue;
      }
      const route = RouteKey.parse(e.ingress);
      const object = route === undefined ? undefined : this.view.routesOf(id.namespace, id.name).find((r) => r.metadata?.namespace === route.namespace && r.metadata.name === route.name);
      if (object !== undefined) await this.writes.event(object, 'Warning', EventReason.buildModel, e.message, routeKind);
    }
  }

  /** Our `status.parents` entries for this Gateway leave every route (the Gateway is gone). */
  private async clearRoutes(id: NamespacedName, keep: ReadonlySet<string>): Promise<void> {
    for (const route of this.view.routesOf(id.namespace, id.name)) {
      const ns = route.metadata?.namespace ?? 'default';
      if (keep.has(RouteKey.of(ns, route.metadata?.name ?? ''))) continue;
      const parents = routeParentsOf(route.status?.parents, ns, id, [], this.clock());
      await this.writeStatus('httproutes', { namespace: ns, name: route.metadata?.name ?? '' }, route, { parents }, `HTTPRoute ${ns}/${route.metadata?.name ?? ''}`);
    }
  }

  /**
   * One merge patch guarded by the resourceVersion seen: a conflict (the Gateway changed since)
   * fails the reconcile, which is retried with the Gateway as the watch then has it.
   */
  private async editFinalizer(id: NamespacedName, gateway: V1Gateway, edit: 'add' | 'remove'): Promise<void> {
    const list = gateway.metadata?.finalizers ?? [];
    if (list.includes(GatewayFinalizer) === (edit === 'add')) return;
    const finalizers = edit === 'add' ? [...list, GatewayFinalizer] : list.filter((f) => f !== GatewayFinalizer);
    try {
      await this.custom.patchNamespacedCustomObject(
        { group: GatewayApiGroup, version, namespace: id.namespace, plural: 'gateways', name: id.name, body: { metadata: { resourceVersion: gateway.metadata?.resourceVersion, finalizers } } },
        mergePatch,
      );
      this.logger.info({ gateway: `${id.namespace}/${id.name}` }, edit === 'add' ? 'added finalizer' : 'removed finalizer: the Gateway holds nothing more in AWS');
    } catch (err) {
      if (isStatus(err, 404)) return;
      throw kubernetesApiError(`${edit} finalizer ${GatewayFinalizer} on Gateway ${id.namespace}/${id.name}`, err);
    }
  }

  /**
   * Writes `status` through the status subresource when it differs from what the object shows,
   * guarded by the resourceVersion seen: a conflict fails the reconcile, which is retried on the
   * object as it is then.
   */
  private async writeStatus(
    plural: 'gateways' | 'httproutes' | 'gatewayclasses',
    id: { readonly namespace: string | null; readonly name: string },
    object: V1Gateway | V1HTTPRoute | V1GatewayClass,
    status: object,
    what: string,
  ): Promise<void> {
    if (sameJson(object.status ?? {}, status)) return;
    const body = { metadata: { resourceVersion: object.metadata?.resourceVersion }, status };
    try {
      if (id.namespace === null) await this.custom.patchClusterCustomObjectStatus({ group: GatewayApiGroup, version, plural, name: id.name, body }, mergePatch);
      else await this.custom.patchNamespacedCustomObjectStatus({ group: GatewayApiGroup, version, namespace: id.namespace, plural, name: id.name, body }, mergePatch);
    } catch (err) {
      if (isStatus(err, 404)) return;
      throw kubernetesApiError(`write the status of ${what}`, err);
    }
  }
}

/** Equal as JSON, with Dates as the API server writes them (RFC 3339, whole seconds) and object keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  const normal = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(x)) return x.replace(/\.\d+Z$/, 'Z');
      if (x !== null && typeof x === 'object' && !Array.isArray(x))
        return Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([, y]) => y !== undefined).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));
      return x;
    });
  return normal(a) === normal(b);
}
