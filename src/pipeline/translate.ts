// Which front translates a group: a Gateway's key (`gateway:<ns>/<name>`) goes to the Gateway
// front, any other key to the Ingress grouping. Everything below translate is the same for both.
import type { ClusterView } from '../cluster/view.js';
import { GatewayKey, RouteKey } from '../gateway/keys.js';
import { gatewayReferences } from '../gateway/references.js';
import { translateGateway, type GatewayTranslation } from '../gateway/translate.js';
import type { ObjectKey } from '../model/resources.js';
import { referencesOf } from '../cluster/references.js';
import { translateGroup, type TranslateOptions } from '../translate/translate.js';

/** One group translated by its front; `status` is `null` for an Ingress group. */
export function translateGroupKey(view: ClusterView, key: string, options: TranslateOptions): GatewayTranslation {
  return GatewayKey.is(key) ? translateGateway(view, key, options) : { ...translateGroup(view, key, options), status: null };
}

/**
 * The TLS Secrets (`namespace/name`) a group's listeners may read: the `spec.tls` Secrets of an
 * Ingress group's members, the `certificateRefs` Secrets a Gateway may use.
 */
export function secretsOfGroup(view: ClusterView, key: string): ReadonlySet<ObjectKey> {
  const gateway = GatewayKey.parse(key);
  if (gateway !== undefined) {
    const object = view.gateway(gateway.namespace, gateway.name);
    return object === undefined ? new Set() : gatewayReferences(object, (namespace) => view.referenceGrants(namespace)).secrets;
  }
  return new Set((view.group(key)?.members ?? []).flatMap((m) => [...referencesOf(m.ingress).secrets]));
}

/** The members of a group in the view as translate would list them, for results of a reconcile that stopped before translating. */
export function membersInView(view: ClusterView, key: string): readonly ObjectKey[] {
  const gateway = GatewayKey.parse(key);
  if (gateway === undefined) {
    const group = view.group(key);
    return group === undefined ? [] : [...group.members.map((m) => m.key), ...group.rejected.map((r) => r.ingress)];
  }
  if (view.gateway(gateway.namespace, gateway.name) === undefined) return [];
  return [key, ...view.routesOf(gateway.namespace, gateway.name).map((r) => RouteKey.of(r.metadata?.namespace ?? 'default', r.metadata?.name ?? ''))];
}
