// What a Gateway or an HTTPRoute refers to, for the ClusterView's reverse indexes and the
// pipeline's certificate steps: the class, the Secrets of `certificateRefs`, the Gateways of
// `parentRefs`, the Services of `backendRefs`, and the namespaces a ReferenceGrant must open.
// Pure, and defensive: objects from the API server are read as untrusted as those from files.
import { ParamsApiGroup, ParamsKind } from '../ingress/params.js';
import type { ObjectKey } from '../model/resources.js';
import { referenceAllowed } from './grants.js';
import { GatewayApiGroup, GatewayControllerName, type V1Gateway, type V1GatewayClass, type V1HTTPRoute, type V1ReferenceGrant } from './types.js';

export interface GatewayReferences {
  /** `spec.gatewayClassName`; `undefined` when unset. */
  readonly gatewayClass: string | undefined;
  /**
   * `namespace/name` of each listener's `tls.certificateRefs` Secret (namespace defaulting to
   * the Gateway's) that the Gateway may use: in its own namespace, or one a ReferenceGrant
   * opens to it. Only these have their key material read.
   */
  readonly secrets: ReadonlySet<ObjectKey>;
  /** Namespaces other than the Gateway's that a `certificateRefs` entry points into, allowed or not: a ReferenceGrant there matters. */
  readonly namespaces: ReadonlySet<string>;
  /** Whether a listener admits routes by `allowedRoutes.namespaces.from: Selector`, so Namespace labels matter. */
  readonly selectsNamespaces: boolean;
  /** The IngressClassParams `spec.infrastructure.parametersRef` names, if it names one. */
  readonly params: string | undefined;
}

export interface RouteReferences {
  /**
   * `namespace/name` of each Gateway a `parentRefs` entry names (namespace defaulting to the
   * route's), and of each Gateway our `status.parents` entries still name.
   */
  readonly parents: ReadonlySet<ObjectKey>;
  /** `namespace/name` of each Service a rule's `backendRefs` names (namespace defaulting to the route's). */
  readonly services: ReadonlySet<ObjectKey>;
  /** Namespaces other than the route's that a `backendRefs` entry points into: a ReferenceGrant there matters. */
  readonly namespaces: ReadonlySet<string>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const asList = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const asRecord = (value: unknown): Readonly<Record<string, unknown>> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** Whether a reference names `kind` in `group`, with the Gateway API's defaults for what it leaves out. */
function names(ref: Readonly<Record<string, unknown>>, group: string, kind: string, defaults: { readonly group: string; readonly kind: string }): boolean {
  const g = typeof ref.group === 'string' ? ref.group : defaults.group;
  const k = typeof ref.kind === 'string' ? ref.kind : defaults.kind;
  return g === group && k === kind;
}

/** @param grantsIn the ReferenceGrants of a namespace, which decide whether a Secret in another namespace may be used */
export function gatewayReferences(gateway: V1Gateway, grantsIn: (namespace: string) => readonly V1ReferenceGrant[]): GatewayReferences {
  const namespace = gateway.metadata?.namespace ?? 'default';
  const secrets = new Set<ObjectKey>();
  const namespaces = new Set<string>();
  let selectsNamespaces = false;
  for (const listener of asList(gateway.spec?.listeners).map(asRecord)) {
    if (asRecord(asRecord(listener.allowedRoutes).namespaces).from === 'Selector') selectsNamespaces = true;
    for (const ref of asList(asRecord(listener.tls).certificateRefs).map(asRecord)) {
      const name = text(ref.name);
      if (name === undefined || !names(ref, '', 'Secret', { group: '', kind: 'Secret' })) continue;
      const ns = text(ref.namespace) ?? namespace;
      if (ns !== namespace) namespaces.add(ns);
      if (referenceAllowed({ group: GatewayApiGroup, kind: 'Gateway', namespace }, { group: '', kind: 'Secret', namespace: ns, name }, grantsIn)) secrets.add(`${ns}/${name}`);
    }
  }
  const paramsRef = asRecord(asRecord(gateway.spec?.infrastructure).parametersRef);
  const params = names(paramsRef, ParamsApiGroup, ParamsKind, { group: '', kind: '' }) ? text(paramsRef.name) : undefined;
  return { gatewayClass: text(gateway.spec?.gatewayClassName), secrets, namespaces, selectsNamespaces, params };
}

export function routeReferences(route: V1HTTPRoute): RouteReferences {
  const namespace = route.metadata?.namespace ?? 'default';
  const parents = new Set<ObjectKey>();
  for (const ref of asList(route.spec?.parentRefs).map(asRecord)) {
    const name = text(ref.name);
    if (name !== undefined && names(ref, GatewayApiGroup, 'Gateway', { group: GatewayApiGroup, kind: 'Gateway' })) parents.add(`${text(ref.namespace) ?? namespace}/${name}`);
  }
  // A Gateway our status entry still names, though parentRefs no longer do: its reconcile takes
  // the stale entry off.
  for (const entry of asList(route.status?.parents).map(asRecord)) {
    if (entry.controllerName !== GatewayControllerName) continue;
    const ref = asRecord(entry.parentRef);
    const name = text(ref.name);
    if (name !== undefined && names(ref, GatewayApiGroup, 'Gateway', { group: GatewayApiGroup, kind: 'Gateway' })) parents.add(`${text(ref.namespace) ?? namespace}/${name}`);
  }
  const services = new Set<ObjectKey>();
  const namespaces = new Set<string>();
  for (const rule of asList(route.spec?.rules).map(asRecord)) {
    for (const ref of asList(rule.backendRefs).map(asRecord)) {
      const name = text(ref.name);
      if (name === undefined || !names(ref, '', 'Service', { group: '', kind: 'Service' })) continue;
      const ns = text(ref.namespace) ?? namespace;
      services.add(`${ns}/${name}`);
      if (ns !== namespace) namespaces.add(ns);
    }
  }
  return { parents, services, namespaces };
}

/** Whether Albatross serves this class: `spec.controllerName` is `albatross.dev/gateway`. */
export function isOurGatewayClass(gatewayClass: V1GatewayClass | undefined): boolean {
  return gatewayClass?.spec?.controllerName === GatewayControllerName;
}

/** The IngressClassParams a GatewayClass's `spec.parametersRef` names, if it names one. */
export function gatewayClassParams(gatewayClass: V1GatewayClass | undefined): string | undefined {
  const ref = asRecord(gatewayClass?.spec?.parametersRef);
  return names(ref, ParamsApiGroup, ParamsKind, { group: '', kind: '' }) ? text(ref.name) : undefined;
}

/** Whether the Gateway is being deleted (`metadata.deletionTimestamp` set). */
export function isDeleting(gateway: V1Gateway): boolean {
  return gateway.metadata?.deletionTimestamp != null;
}

/**
 * Whether a Gateway is a group Albatross reconciles into a load balancer: its class is ours and
 * it is not being deleted. One that is not (any more) has its load balancer deleted.
 */
export function isServedGateway(gateway: V1Gateway | undefined, gatewayClass: (name: string) => V1GatewayClass | undefined): boolean {
  if (gateway === undefined || isDeleting(gateway)) return false;
  const className = text(gateway.spec?.gatewayClassName);
  return className !== undefined && isOurGatewayClass(gatewayClass(className));
}
