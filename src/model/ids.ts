// Stable resource ids: each names one AWS resource of a group and becomes its
// `albatross.dev/resource` tag, so a resource is found again by id, never by name.

/** Tag keys carried by every AWS resource Albatross creates. */
export const OwnershipTag = {
  cluster: 'albatross.dev/cluster',
  group: 'albatross.dev/group',
  resource: 'albatross.dev/resource',
  /** On listener rules only: the Ingress (`namespace/name`) whose path the rule serves. */
  ingress: 'albatross.dev/ingress',
} as const;

export const ResourceId = {
  loadBalancer: 'loadbalancer',
  securityGroup: 'securitygroup',
  listener: (port: number): string => `listener/${port}`,
  /** `key` is a short hash of what the rule matches, so a changed action keeps the id. */
  rule: (port: number, key: string): string => `rule/${port}/${key}`,
  targetGroup: (namespace: string, service: string, port: string | number, variant: string): string =>
    `tg/${namespace}/${service}:${port}/${variant}`,
} as const;

/** `namespace/name` of a Kubernetes object; a missing namespace is `default`, as kubectl assumes. */
export function objectKey(obj: { readonly metadata?: { readonly namespace?: string | undefined; readonly name?: string | undefined } | undefined }): string {
  return `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}
