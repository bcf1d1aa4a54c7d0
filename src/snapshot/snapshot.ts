// The Kubernetes objects the pipeline reads, as plain objects. Built from YAML files by the
// CLI or kept current by the controller's watches; nothing downstream knows which.
import type { V1EndpointSlice, V1Ingress, V1IngressClass, V1Secret, V1Service } from '@kubernetes/client-node';

export interface Snapshot {
  readonly ingresses: readonly V1Ingress[];
  readonly ingressClasses: readonly V1IngressClass[];
  readonly services: readonly V1Service[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly secrets: readonly V1Secret[];
}

export const emptySnapshot: Snapshot = {
  ingresses: [],
  ingressClasses: [],
  services: [],
  endpointSlices: [],
  secrets: [],
};

/** `namespace/name` of an object; a missing namespace is `default`, as kubectl assumes. */
export function objectKey(obj: { readonly metadata?: { readonly namespace?: string; readonly name?: string } }): string {
  return `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}
