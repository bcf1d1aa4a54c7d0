// A GatewaySource over plain lists, for unit tests of the Gateway front's logic.
import type { V1EndpointSlice, V1Namespace, V1Service } from '@kubernetes/client-node';
import type { GatewaySource } from '../../../src/gateway/source.js';
import type { HTTPBackendRef, HTTPRouteRule, ParentReference, V1Gateway, V1GatewayClass, V1HTTPRoute, V1ReferenceGrant, GatewayListener } from '../../../src/gateway/types.js';
import type { V1IngressClassParams } from '../../../src/ingress/params.js';
import { endpointSlice, service } from '../factories.js';

export interface Objects {
  readonly gatewayClasses?: readonly V1GatewayClass[];
  readonly gateways?: readonly V1Gateway[];
  readonly routes?: readonly V1HTTPRoute[];
  readonly grants?: readonly V1ReferenceGrant[];
  readonly namespaces?: readonly V1Namespace[];
  readonly services?: readonly V1Service[];
  readonly slices?: readonly V1EndpointSlice[];
  readonly params?: readonly V1IngressClassParams[];
}

const ns = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? 'default';

export function gatewaySource(objects: Objects): GatewaySource {
  return {
    gatewayClass: (name) => objects.gatewayClasses?.find((c) => c.metadata?.name === name) ?? (name === 'albatross' ? albatrossClass : undefined),
    gateway: (namespace, name) => objects.gateways?.find((g) => ns(g) === namespace && g.metadata?.name === name),
    routesOf: (namespace, name) =>
      (objects.routes ?? []).filter((r) => (r.spec?.parentRefs ?? []).some((p) => (p.kind ?? 'Gateway') === 'Gateway' && (p.namespace ?? ns(r)) === namespace && p.name === name)),
    referenceGrants: (namespace) => (objects.grants ?? []).filter((g) => ns(g) === namespace),
    namespace: (name) => objects.namespaces?.find((n) => n.metadata?.name === name),
    ingressClassParams: (name) => objects.params?.find((p) => p.metadata?.name === name),
    service: (namespace, name) => objects.services?.find((s) => ns(s) === namespace && s.metadata?.name === name),
    endpointSlicesFor: (namespace, name) => (objects.slices ?? []).filter((s) => ns(s) === namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === name),
  };
}

export const albatrossClass: V1GatewayClass = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'albatross' },
  spec: { controllerName: 'albatross.dev/gateway' },
};

export function gateway(name: string, listeners: readonly GatewayListener[], options: { namespace?: string; annotations?: Record<string, string>; className?: string } = {}): V1Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: options.namespace ?? 'infra', generation: 1, ...(options.annotations === undefined ? {} : { annotations: options.annotations }) },
    spec: { gatewayClassName: options.className ?? 'albatross', listeners: [...listeners] },
  };
}

export const http = (name = 'http', port = 80, extra: Partial<GatewayListener> = {}): GatewayListener => ({ name, port, protocol: 'HTTP', ...extra });

export function route(
  name: string,
  rules: readonly HTTPRouteRule[],
  options: { namespace?: string; hostnames?: readonly string[]; parents?: readonly ParentReference[]; created?: string } = {},
): V1HTTPRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: options.namespace ?? 'infra', generation: 3, ...(options.created === undefined ? {} : { creationTimestamp: options.created as unknown as Date }) },
    spec: {
      parentRefs: [...(options.parents ?? [{ name: 'gw', namespace: 'infra' }])],
      ...(options.hostnames === undefined ? {} : { hostnames: [...options.hostnames] }),
      rules: [...rules],
    },
  };
}

/** A Service with port 8080 and one ready endpoint, in `namespace`. */
export function backendObjects(names: readonly string[], namespace = 'infra', firstAddress = 10): { services: V1Service[]; slices: V1EndpointSlice[] } {
  return {
    services: names.map((n) => service({ name: n, namespace, ports: [{ name: 'http', port: 8080, targetPort: 3000 }] })),
    slices: names.map((n, i) => endpointSlice({ service: n, namespace, ports: [{ name: 'http', port: 3000 }], endpoints: [{ addresses: [`10.0.1.${firstAddress + i}`] }] })),
  };
}

export const to = (name: string, extra: Partial<HTTPBackendRef> = {}): HTTPBackendRef[] => [{ name, port: 8080, ...extra }];
