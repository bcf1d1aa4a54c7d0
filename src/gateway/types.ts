// The Gateway API objects Albatross reads (standard channel, `gateway.networking.k8s.io/v1`
// and `v1beta1` for ReferenceGrant): only the fields it uses, as the API server or a file hands
// them over. Shapes follow the Gateway API reference (gateway-api.sigs.k8s.io/reference/spec);
// nothing here is trusted: translate checks every field it reads.
import type { V1LabelSelector, V1ObjectMeta } from '@kubernetes/client-node';

/**
 * A status condition (`metav1.Condition`); `lastTransitionTime` is a string when written and
 * may come back as a `Date` from the client.
 */
export interface StatusCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string | Date;
}

export const GatewayApiGroup = 'gateway.networking.k8s.io';
/** `spec.controllerName` of the GatewayClasses Albatross serves. */
export const GatewayControllerName = 'albatross.dev/gateway';
/** The finalizer on a Gateway whose load balancer Albatross made (or is about to make). */
export const GatewayFinalizer = 'gateway.albatross.dev/load-balancer';

export interface SecretObjectReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface GatewayClassParametersReference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface V1GatewayClass {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    controllerName?: string;
    parametersRef?: GatewayClassParametersReference;
    description?: string;
  };
  status?: { conditions?: StatusCondition[] };
}

export interface GatewayListenerTls {
  /** `Terminate` (default) or `Passthrough`. */
  readonly mode?: string;
  readonly certificateRefs?: readonly SecretObjectReference[];
  readonly options?: Readonly<Record<string, string>>;
}

export interface RouteGroupKind {
  readonly group?: string;
  readonly kind: string;
}

export interface AllowedRoutes {
  /** `from`: `Same` (default), `All` or `Selector`. */
  readonly namespaces?: { readonly from?: string; readonly selector?: V1LabelSelector };
  readonly kinds?: readonly RouteGroupKind[];
}

export interface GatewayListener {
  readonly name: string;
  readonly hostname?: string;
  readonly port: number;
  readonly protocol: string;
  readonly tls?: GatewayListenerTls;
  readonly allowedRoutes?: AllowedRoutes;
}

export interface V1Gateway {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    gatewayClassName?: string;
    listeners?: GatewayListener[];
    addresses?: { type?: string; value: string }[];
    infrastructure?: {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      parametersRef?: { group: string; kind: string; name: string };
    };
  };
  status?: GatewayStatus;
}

export interface ParentReference {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface HTTPPathMatch {
  /** `PathPrefix` (default), `Exact` or `RegularExpression`. */
  readonly type?: string;
  readonly value?: string;
}

export interface HTTPHeaderMatch {
  /** `Exact` (default) or `RegularExpression`. */
  readonly type?: string;
  readonly name: string;
  readonly value: string;
}

export interface HTTPRouteMatch {
  readonly path?: HTTPPathMatch;
  readonly headers?: readonly HTTPHeaderMatch[];
  readonly queryParams?: readonly HTTPHeaderMatch[];
  readonly method?: string;
}

export interface HTTPPathModifier {
  /** `ReplaceFullPath` or `ReplacePrefixMatch`. */
  readonly type: string;
  readonly replaceFullPath?: string;
  readonly replacePrefixMatch?: string;
}

export interface HTTPRequestRedirectFilter {
  readonly scheme?: string;
  readonly hostname?: string;
  readonly path?: HTTPPathModifier;
  readonly port?: number;
  readonly statusCode?: number;
}

export interface HTTPRouteFilter {
  readonly type: string;
  readonly requestRedirect?: HTTPRequestRedirectFilter;
  readonly [other: string]: unknown;
}

export interface HTTPBackendRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
  /** @default 1 */
  readonly weight?: number;
  readonly filters?: readonly HTTPRouteFilter[];
}

export interface HTTPRouteRule {
  readonly name?: string;
  readonly matches?: readonly HTTPRouteMatch[];
  readonly filters?: readonly HTTPRouteFilter[];
  readonly backendRefs?: readonly HTTPBackendRef[];
  readonly timeouts?: unknown;
  readonly retry?: unknown;
  readonly sessionPersistence?: unknown;
}

export interface V1HTTPRoute {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: HTTPRouteRule[];
  };
  status?: { parents?: RouteParentStatus[] };
}

export interface V1ReferenceGrant {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    from?: { group: string; kind: string; namespace: string }[];
    to?: { group: string; kind: string; name?: string }[];
  };
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: StatusCondition[];
}

export interface GatewayStatus {
  addresses?: { type?: string; value: string }[];
  conditions?: StatusCondition[];
  listeners?: ListenerStatus[];
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: StatusCondition[];
}
