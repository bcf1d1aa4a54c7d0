// Pod endpoints of one Service port, from its EndpointSlices: the slice port named like the
// Service port carries the resolved target port; endpoints that are not targets (not ready and
// not held by our readiness gate, or terminating) are left out (readiness.ts).
import type { DiscoveryV1EndpointPort, V1Endpoint, V1EndpointSlice, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { objectsIn, stringsIn } from '../ingress/input.js';
import { compareStrings } from '../model/compare.js';
import type { TargetSpec } from '../model/resources.js';
import { isIPv4 } from 'node:net';
import { isTargetEndpoint } from './readiness.js';

export const ServiceNameLabel = 'kubernetes.io/service-name';

/**
 * The targets of one Service port.
 * @param pod looks up a Pod by namespace and name, for endpoints that are not ready; without
 *   it, such endpoints are never targets
 */
export function serviceTargets(
  service: V1Service,
  servicePort: V1ServicePort,
  slices: readonly V1EndpointSlice[],
  pod: (namespace: string, name: string) => V1Pod | undefined = () => undefined,
): TargetSpec[] {
  const namespace = service.metadata?.namespace ?? 'default';
  const name = service.metadata?.name;
  const portName = servicePort.name ?? '';
  const seen = new Map<string, TargetSpec>();
  for (const slice of slices) {
    if ((slice.metadata?.namespace ?? 'default') !== namespace) continue;
    if (slice.metadata?.labels?.[ServiceNameLabel] !== name) continue;
    if (slice.addressType === 'FQDN') continue;
    const port = objectsIn<DiscoveryV1EndpointPort>(slice.ports).find((p) => (p.name ?? '') === portName)?.port;
    if (typeof port !== 'number') continue;
    for (const endpoint of objectsIn<V1Endpoint>(slice.endpoints)) {
      if (!isTargetEndpoint(endpoint, (podName) => pod(namespace, podName))) continue;
      for (const ip of stringsIn(endpoint.addresses)) seen.set(`${ip} ${port}`, { ip, port });
    }
  }
  return [...seen.values()].sort((a, b) => compareIps(a.ip, b.ip) || a.port - b.port);
}

/** IPv4 before IPv6, IPv4 by number, the rest as text. */
function compareIps(a: string, b: string): number {
  const key = (ip: string): string =>
    isIPv4(ip) ? `4${ip.split('.').map((o) => o.padStart(3, '0')).join('.')}` : `6${ip.toLowerCase()}`;
  return compareStrings(key(a), key(b));
}

/** The target group's nominal port: the first target's, else the numeric targetPort, else the Service port. */
export function targetGroupPort(servicePort: V1ServicePort, targets: readonly TargetSpec[]): number {
  const first = targets[0];
  if (first !== undefined) return first.port;
  const target: unknown = servicePort.targetPort;
  if (typeof target === 'number' && Number.isInteger(target)) return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  return servicePort.port;
}
