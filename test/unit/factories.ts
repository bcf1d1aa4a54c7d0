// Object factories for tests: small calls with overrides instead of pages of YAML.
import type {
  V1EndpointSlice,
  V1Ingress,
  V1IngressBackend,
  V1IngressClass,
  V1IngressRule,
  V1Namespace,
  V1Node,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { clusterViewFromObjects } from '../../src/cluster/files.js';
import type { ClusterStore } from '../../src/cluster/view.js';
import type { V1IngressClassParams, V1IngressClassParamsSpec } from '../../src/ingress/params.js';
import {
  GatewayControllerName,
  type AllowedRoutes,
  type GatewayListener,
  type HTTPBackendRef,
  type HTTPRouteRule,
  type ParentReference,
  type V1Gateway,
  type V1GatewayClass,
  type V1HTTPRoute,
  type V1ReferenceGrant,
} from '../../src/gateway/types.js';

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

export interface PathOptions {
  readonly path?: string;
  /** @default 'Prefix' */
  readonly pathType?: PathType;
  /** @default 'web' */
  readonly service?: string;
  /** A number or a port name. @default 80 */
  readonly port?: number | string;
}

export interface RuleOptions {
  readonly host?: string;
  readonly paths: readonly PathOptions[];
}

export interface IngressOptions {
  /** @default 'web' */
  readonly name?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** Host of the single rule built from `paths`. */
  readonly host?: string;
  /** Paths of a single rule; ignored when `rules` is given. @default [{ path: '/' }] */
  readonly paths?: readonly PathOptions[];
  readonly rules?: readonly RuleOptions[];
  /** Annotations; keys without a `/` get the `alb.ingress.kubernetes.io/` prefix. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `spec.ingressClassName`; `null` leaves it unset. @default 'alb' */
  readonly className?: string | null;
  readonly defaultBackend?: { readonly service: string; readonly port: number | string };
  /** `metadata.finalizers`. @default none */
  readonly finalizers?: readonly string[];
  /** Sets `metadata.deletionTimestamp`: the Ingress is being deleted. @default false */
  readonly deleting?: boolean;
}

export function backend(service: string, port: number | string): V1IngressBackend {
  return { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

function expandAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [k.includes('/') ? k : `alb.ingress.kubernetes.io/${k}`, v]),
  );
}

export function ingress(options: IngressOptions = {}): V1Ingress {
  const rules: readonly RuleOptions[] = options.rules ?? [
    { ...(options.host === undefined ? {} : { host: options.host }), paths: options.paths ?? [{ path: '/' }] },
  ];
  const annotations = expandAnnotations(options.annotations);
  const className = options.className === undefined ? 'alb' : options.className;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: options.name ?? 'web',
      namespace: options.namespace ?? 'default',
      ...(annotations === undefined ? {} : { annotations }),
      ...(options.finalizers === undefined ? {} : { finalizers: [...options.finalizers] }),
      ...(options.deleting === true ? { deletionTimestamp: new Date('2026-01-01T00:00:00Z') } : {}),
    },
    spec: {
      ...(className === null ? {} : { ingressClassName: className }),
      ...(options.defaultBackend === undefined
        ? {}
        : { defaultBackend: backend(options.defaultBackend.service, options.defaultBackend.port) }),
      rules: rules.map(
        (r): V1IngressRule => ({
          ...(r.host === undefined ? {} : { host: r.host }),
          http: {
            paths: r.paths.map((p) => ({
              path: p.path ?? '/',
              pathType: p.pathType ?? 'Prefix',
              backend: backend(p.service ?? 'web', p.port ?? 80),
            })),
          },
        }),
      ),
    },
  };
}

export interface ServicePortOptions {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
}

export interface ServiceOptions {
  /** @default 'web' */
  readonly name?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** @default [{ name: 'http', port: 80, targetPort: 8080 }] */
  readonly ports?: readonly ServicePortOptions[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** `spec.type`; unset when absent. */
  readonly type?: string;
  /** `spec.externalName`, for `type: ExternalName`. */
  readonly externalName?: string;
}

export function service(options: ServiceOptions = {}): V1Service {
  const annotations = expandAnnotations(options.annotations);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: options.name ?? 'web',
      namespace: options.namespace ?? 'default',
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: {
      ...(options.type === undefined ? {} : { type: options.type }),
      ...(options.externalName === undefined ? {} : { externalName: options.externalName }),
      ports: (options.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }]).map((p) => ({
        ...(p.name === undefined ? {} : { name: p.name }),
        port: p.port,
        ...(p.targetPort === undefined ? {} : { targetPort: p.targetPort }),
        protocol: 'TCP',
      })),
    },
  };
}

export interface EndpointOptions {
  readonly addresses: readonly string[];
  readonly ready?: boolean;
  /** The Node the endpoint's pod runs on. */
  readonly nodeName?: string;
  readonly terminating?: boolean;
  /** The Pod behind the endpoint (`targetRef`), in the slice's namespace. */
  readonly pod?: string;
  /** That Pod's uid in the `targetRef`, as the EndpointSlice controller writes it. */
  readonly podUid?: string;
}

export interface EndpointSliceOptions {
  /** The Service the slice belongs to. @default 'web' */
  readonly service?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** @default `${service}-abc12` */
  readonly name?: string;
  /** @default [{ name: 'http', port: 8080 }] */
  readonly ports?: readonly { readonly name?: string; readonly port: number }[];
  /** @default [{ addresses: ['10.0.1.10'] }] */
  readonly endpoints?: readonly EndpointOptions[];
  /** @default 'IPv4' */
  readonly addressType?: string;
}

export function endpointSlice(options: EndpointSliceOptions = {}): V1EndpointSlice {
  const svc = options.service ?? 'web';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: options.name ?? `${svc}-abc12`,
      namespace: options.namespace ?? 'default',
      labels: { 'kubernetes.io/service-name': svc },
    },
    addressType: options.addressType ?? 'IPv4',
    ports: (options.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({
      ...(p.name === undefined ? {} : { name: p.name }),
      port: p.port,
      protocol: 'TCP',
    })),
    endpoints: (options.endpoints ?? [{ addresses: ['10.0.1.10'] }]).map((e) => ({
      addresses: [...e.addresses],
      ...(e.nodeName === undefined ? {} : { nodeName: e.nodeName }),
      ...(e.ready === undefined && e.terminating === undefined
        ? {}
        : { conditions: { ...(e.ready === undefined ? {} : { ready: e.ready }), ...(e.terminating === undefined ? {} : { terminating: e.terminating }) } }),
      ...(e.pod === undefined ? {} : { targetRef: { kind: 'Pod', name: e.pod, namespace: options.namespace ?? 'default', ...(e.podUid === undefined ? {} : { uid: e.podUid }) } }),
    })),
  };
}

export interface IngressClassOptions {
  /** @default 'alb' */
  readonly name?: string;
  /** @default 'albatross.dev/alb' */
  readonly controller?: string;
  readonly isDefault?: boolean;
  /** Name of the IngressClassParams `spec.parameters` refers to. */
  readonly params?: string;
}

export function ingressClass(options: IngressClassOptions = {}): V1IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name: options.name ?? 'alb',
      ...(options.isDefault === undefined
        ? {}
        : { annotations: { 'ingressclass.kubernetes.io/is-default-class': String(options.isDefault) } }),
    },
    spec: {
      controller: options.controller ?? 'albatross.dev/alb',
      ...(options.params === undefined ? {} : { parameters: { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: options.params } }),
    },
  };
}

export function ingressClassParams(name: string, spec: V1IngressClassParamsSpec | Record<string, unknown> = {}): V1IngressClassParams {
  return { apiVersion: 'albatross.dev/v1', kind: 'IngressClassParams', metadata: { name }, spec: spec };
}

export function namespace(name: string, labels: Readonly<Record<string, string>> = {}): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } };
}

export interface SnapshotOptions {
  readonly ingresses?: readonly V1Ingress[];
  /** @default [ingressClass()] */
  readonly ingressClasses?: readonly V1IngressClass[];
  /** @default [service()] */
  readonly services?: readonly V1Service[];
  /** @default [endpointSlice()] */
  readonly endpointSlices?: readonly V1EndpointSlice[];
  /** @default [] */
  readonly secrets?: readonly V1Secret[];
  /** @default [] */
  readonly ingressClassParams?: readonly V1IngressClassParams[];
  /** @default [] */
  readonly namespaces?: readonly V1Namespace[];
  readonly nodes?: readonly V1Node[];
  /** @default [] */
  readonly pods?: readonly V1Pod[];
  /** @default [] */
  readonly gatewayClasses?: readonly V1GatewayClass[];
  /** @default [] */
  readonly gateways?: readonly V1Gateway[];
  /** @default [] */
  readonly httpRoutes?: readonly V1HTTPRoute[];
  /** @default [] */
  readonly referenceGrants?: readonly V1ReferenceGrant[];
}

/** A cluster view holding the given objects, checked as the file loader checks them. */
export function snapshot(options: SnapshotOptions = {}): ClusterStore {
  return clusterViewFromObjects(
    [
      ...(options.ingresses ?? []),
      ...(options.ingressClasses ?? [ingressClass()]),
      ...(options.services ?? [service()]),
      ...(options.endpointSlices ?? [endpointSlice()]),
      ...(options.secrets ?? []),
      ...(options.ingressClassParams ?? []),
      ...(options.namespaces ?? []),
      ...(options.nodes ?? []),
      ...(options.pods ?? []),
      ...(options.gatewayClasses ?? []),
      ...(options.gateways ?? []),
      ...(options.httpRoutes ?? []),
      ...(options.referenceGrants ?? []),
    ],
    'test objects',
  );
}

export interface PodOptions {
  /** @default 'web-1' */
  readonly name?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** With the `albatross.dev/target-health` readiness gate. @default false */
  readonly gated?: boolean;
  /** `status.conditions` as `type: status`, such as `{ ContainersReady: 'True' }`. @default none */
  readonly conditions?: Readonly<Record<string, string>>;
  /** @default 'node-1' */
  readonly nodeName?: string;
}

/** A Pod as the readiness gate reads it: its gate and its conditions. */
export function pod(options: PodOptions = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: options.name ?? 'web-1', namespace: options.namespace ?? 'default' },
    spec: {
      nodeName: options.nodeName ?? 'node-1',
      containers: [{ name: 'app', image: 'example.com/app:1' }],
      ...(options.gated === true ? { readinessGates: [{ conditionType: 'albatross.dev/target-health' }] } : {}),
    },
    ...(options.conditions === undefined ? {} : { status: { conditions: Object.entries(options.conditions).map(([type, status]) => ({ type, status })) } }),
  };
}

export interface GatewayClassOptions {
  /** @default 'albatross' */
  readonly name?: string;
  /** @default 'albatross.dev/gateway' */
  readonly controllerName?: string;
  /** Name of the IngressClassParams `spec.parametersRef` refers to. */
  readonly params?: string;
}

export function gatewayClass(options: GatewayClassOptions = {}): V1GatewayClass {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: options.name ?? 'albatross', generation: 1 },
    spec: {
      controllerName: options.controllerName ?? GatewayControllerName,
      ...(options.params === undefined ? {} : { parametersRef: { group: 'albatross.dev', kind: 'IngressClassParams', name: options.params } }),
    },
  };
}

export interface ListenerOptions {
  /** @default 'http', or 'https' with certificates */
  readonly name?: string;
  /** @default 80, or 443 with certificates */
  readonly port?: number;
  /** @default 'HTTP', or 'HTTPS' with certificates */
  readonly protocol?: string;
  readonly hostname?: string;
  /** `tls.certificateRefs`: a Secret's name, or `namespace/name` for one in another namespace. */
  readonly certificates?: readonly string[];
  readonly allowedRoutes?: AllowedRoutes;
}

export function listener(options: ListenerOptions = {}): GatewayListener {
  const tls = options.certificates !== undefined;
  return {
    name: options.name ?? (tls ? 'https' : 'http'),
    port: options.port ?? (tls ? 443 : 80),
    protocol: options.protocol ?? (tls ? 'HTTPS' : 'HTTP'),
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    ...(options.certificates === undefined ? {} : { tls: { mode: 'Terminate', certificateRefs: options.certificates.map((c) => ({ kind: 'Secret', group: '', ...namespacedRef(c) })) } }),
    ...(options.allowedRoutes === undefined ? {} : { allowedRoutes: options.allowedRoutes }),
  };
}

/** `name` or `namespace/name` as a reference's `name` and `namespace`. */
function namespacedRef(ref: string): { name: string; namespace?: string } {
  const slash = ref.indexOf('/');
  return slash < 0 ? { name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

export interface GatewayOptions {
  /** @default 'web' */
  readonly name?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** `spec.gatewayClassName`. @default 'albatross' */
  readonly className?: string;
  /** @default [{}]: HTTP on port 80 */
  readonly listeners?: readonly ListenerOptions[];
  /** Sets `metadata.deletionTimestamp`. @default false */
  readonly deleting?: boolean;
  /** Name of the IngressClassParams `spec.infrastructure.parametersRef` refers to. */
  readonly params?: string;
  /** @default 1 */
  readonly generation?: number;
}

export function gateway(options: GatewayOptions = {}): V1Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      name: options.name ?? 'web',
      namespace: options.namespace ?? 'default',
      generation: options.generation ?? 1,
      ...(options.deleting === true ? { deletionTimestamp: new Date('2026-01-01T00:00:00Z'), finalizers: ['gateway.albatross.dev/load-balancer'] } : {}),
    },
    spec: {
      gatewayClassName: options.className ?? 'albatross',
      listeners: (options.listeners ?? [{}]).map(listener),
      ...(options.params === undefined ? {} : { infrastructure: { parametersRef: { group: 'albatross.dev', kind: 'IngressClassParams', name: options.params } } }),
    },
  };
}

export interface HTTPRouteOptions {
  /** @default 'web' */
  readonly name?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** `parentRefs`: a Gateway's name, `namespace/name`, or a whole reference. @default ['web'] */
  readonly parents?: readonly (string | ParentReference)[];
  readonly hostnames?: readonly string[];
  /**
   * Services of one rule's `backendRefs` (port 80): a name, `namespace/name`, or a whole
   * reference; ignored when `rules` is given. @default ['web']
   */
  readonly backends?: readonly (string | HTTPBackendRef)[];
  readonly rules?: readonly HTTPRouteRule[];
  /** @default 1 */
  readonly generation?: number;
}

export function httpRoute(options: HTTPRouteOptions = {}): V1HTTPRoute {
  const backendRef = (b: string | HTTPBackendRef): HTTPBackendRef => (typeof b === 'string' ? { ...namespacedRef(b), port: 80 } : b);
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: options.name ?? 'web', namespace: options.namespace ?? 'default', generation: options.generation ?? 1 },
    spec: {
      parentRefs: (options.parents ?? ['web']).map((p) => (typeof p === 'string' ? namespacedRef(p) : p)),
      ...(options.hostnames === undefined ? {} : { hostnames: [...options.hostnames] }),
      rules: options.rules === undefined ? [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: (options.backends ?? ['web']).map(backendRef) }] : [...options.rules],
    },
  };
}

export interface ReferenceGrantOptions {
  /** @default 'grant' */
  readonly name?: string;
  /** Where the referents live. */
  readonly namespace: string;
  /** @default [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }] */
  readonly from?: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
  /** @default [{ group: '', kind: 'Service' }] */
  readonly to?: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
}

export function referenceGrant(options: ReferenceGrantOptions): V1ReferenceGrant {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: options.name ?? 'grant', namespace: options.namespace },
    spec: {
      from: (options.from ?? [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }]).map((f) => ({ ...f })),
      to: (options.to ?? [{ group: '', kind: 'Service' }]).map((t) => ({ ...t })),
    },
  };
}
