// Stable resource ids: each names one AWS resource of a group and becomes its
// `albatross.dev/resource` tag, so a resource is found again by id, never by name.

/** Tag keys carried by every AWS resource Albatross creates. */
export const OwnershipTag = {
  cluster: 'albatross.dev/cluster',
  group: 'albatross.dev/group',
  resource: 'albatross.dev/resource',
  /** On listener rules only: the Ingress (`namespace/name`) whose path the rule serves. */
  ingress: 'albatross.dev/ingress',
  /**
   * On every resource of an explicit group (`group.name`): the IngressClass of the group, since
   * a group belongs to one class. Absent on the resources of an Ingress that is a group of its
   * own, and on explicit groups made before groups were keyed by class (adopted on their next
   * reconcile; see `GroupKey`).
   */
  ingressClass: 'albatross.dev/ingress-class',
} as const;

/**
 * A group's key, what the pipeline, the queue and the CLI's output name it by:
 * - `<namespace>/<name>` for an Ingress that is a group of its own;
 * - `<IngressClass>:<group.name>` for an explicit group: the same `group.name` in two classes
 *   makes two groups, so a class's params and `namespaceSelector` bound who may join;
 * - `<group.name>` alone for an explicit group found in AWS without the class tag (made by an
 *   earlier version), until a group of that name adopts it.
 * Neither part can contain the other's separator: namespaces, names and classes are DNS names
 * and `group.name` is `[a-z0-9.-]`.
 */
export const GroupKey = {
  explicit: (ingressClass: string, name: string): string => `${ingressClass}:${name}`,
  /** The `albatross.dev/group` and `albatross.dev/ingress-class` tag values of a group key. */
  tags(key: string): { readonly group: string; readonly ingressClass?: string } {
    const colon = key.indexOf(':');
    return colon < 0 || key.includes('/') ? { group: key } : { group: key.slice(colon + 1), ingressClass: key.slice(0, colon) };
  },
  /** The group key of a resource's tags; `undefined` without a group tag. */
  ofTags(tags: Readonly<Record<string, string>>): string | undefined {
    const group = tags[OwnershipTag.group];
    if (group === undefined) return undefined;
    const ingressClass = tags[OwnershipTag.ingressClass];
    return ingressClass === undefined ? group : `${ingressClass}:${group}`;
  },
  /** Whether the key names an explicit group found without its class (made by an earlier version). */
  isLegacy: (key: string): boolean => !key.includes('/') && !key.includes(':'),
} as const;

export const ResourceId = {
  loadBalancer: 'loadbalancer',
  securityGroup: 'securitygroup',
  /**
   * The cluster's one backend security group, shared by its load balancers (no group tag), and
   * the ingress rules from it that Albatross adds to the targets' security groups.
   */
  backendSecurityGroup: 'backend-sg',
  backendSecurityGroupRule: 'backend-sg-rule',
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
