// What the Gateway front reads of the cluster: a subset of the `ClusterView`.
import type { V1EndpointSlice, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import type { V1IngressClassParams } from '../ingress/params.js';
import type { V1Gateway, V1GatewayClass, V1HTTPRoute, V1ReferenceGrant } from './types.js';

export interface GatewaySource {
  gatewayClass(name: string): V1GatewayClass | undefined;
  /** A Gateway by namespace and name, including one being deleted. */
  gateway(namespace: string, name: string): V1Gateway | undefined;
  /**
   * The HTTPRoutes with a `parentRefs` entry naming this Gateway (kind Gateway, the route's
   * namespace unless the entry gives one), sorted by `namespace/name`.
   */
  routesOf(namespace: string, name: string): readonly V1HTTPRoute[];
  /** The ReferenceGrants of one namespace (they live in the namespace of the referent). */
  referenceGrants(namespace: string): readonly V1ReferenceGrant[];
  /** A Namespace by name, with its labels (what `allowedRoutes.namespaces.selector` reads). */
  namespace(name: string): V1Namespace | undefined;
  /** An IngressClassParams by name: a GatewayClass's `parametersRef` and a Gateway's `infrastructure.parametersRef` name one. */
  ingressClassParams(name: string): V1IngressClassParams | undefined;
  service(namespace: string, name: string): V1Service | undefined;
  endpointSlicesFor(namespace: string, service: string): readonly V1EndpointSlice[];
  pod?(namespace: string, name: string): V1Pod | undefined;
}
