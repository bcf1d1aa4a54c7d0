// ClusterView -> desired stacks: one group at a time (`translateGroup`, what a reconcile
// runs), or every group at once (`translate`, for whole-cluster tests and benchmarks).
// Pure: no I/O, and bad input never throws; it becomes IngressError values.
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import type { DesiredStack, DesiredState, IngressError, IngressWarning, ObjectKey, TlsResolver } from '../model/resources.js';
import type { IngressGroup } from '../ingress/group.js';
import { annotationsOf, parseLoadBalancerName } from '../ingress/annotations.js';
import { buildGroupStack } from './stack.js';

/** What translate reads of the cluster: a subset of the `ClusterView`. */
export interface TranslateSource {
  grouping(): { readonly groups: readonly IngressGroup[] };
  group(name: string): IngressGroup | undefined;
  service(namespace: string, name: string): V1Service | undefined;
  endpointSlicesFor(namespace: string, service: string): readonly V1EndpointSlice[];
  /** A Pod an endpoint that is not ready refers to (readiness gate). @default none known */
  pod?(namespace: string, name: string): V1Pod | undefined;
}

export interface TranslateOptions {
  /** Goes into the `albatross.dev/cluster` tag and the hashes of generated names. */
  readonly clusterName: string;
  /**
   * Validates the Secret of each `spec.tls` entry (the pipeline reads Secrets and ACM);
   * without it TLS entries are reported as unreadable.
   */
  readonly tls?: TlsResolver;
}

/** One group translated. */
export interface GroupTranslation {
  readonly group: string;
  /** Members of the group in the view, valid or not, in group order. */
  readonly members: readonly ObjectKey[];
  /**
   * The desired stack; `null` when the group has no member in the view (`members` is empty)
   * or when it is frozen: no member is valid, or the group is over an ALB limit.
   */
  readonly stack: DesiredStack | null;
  readonly errors: readonly IngressError[];
  /** Things left out or changed that the user should know of; they never change the outcome. */
  readonly warnings: readonly IngressWarning[];
}

export function translateGroup(source: TranslateSource, name: string, options: TranslateOptions): GroupTranslation {
  const group = source.group(name);
  if (group === undefined) return { group: name, members: [], stack: null, errors: [], warnings: [] };
  const outcome = buildGroupStack(group, {
    clusterName: options.clusterName,
    services: { get: (key: string) => serviceByKey(source, key) },
    endpointSlicesFor: (namespace, service) => source.endpointSlicesFor(namespace, service),
    pod: (namespace, name) => source.pod?.(namespace, name),
    tls: options.tls,
    loadBalancerNameAskedBy: (lbName) => namesAsked(source).get(lbName.toLowerCase()) ?? [],
  });
  const members = [...group.members.map((m) => m.key), ...group.rejected.map((r) => r.ingress)];
  return { group: name, members, stack: outcome.stack, errors: outcome.errors, warnings: outcome.warnings };
}

/** Every group of the view. */
export function translate(source: TranslateSource, options: TranslateOptions): DesiredState {
  const grouping = source.grouping();
  const stacks: DesiredStack[] = [];
  const frozenGroups: string[] = [];
  const errors: IngressError[] = [];
  const warnings: IngressWarning[] = [];
  for (const group of grouping.groups) {
    const outcome = translateGroup(source, group.name, options);
    errors.push(...outcome.errors);
    warnings.push(...outcome.warnings);
    if (outcome.stack === null) frozenGroups.push(group.name);
    else stacks.push(outcome.stack);
  }
  return { stacks, frozenGroups, errors, warnings };
}

function serviceByKey(source: TranslateSource, key: string): V1Service | undefined {
  const slash = key.indexOf('/');
  return source.service(key.slice(0, slash), key.slice(slash + 1));
}

type NameAsks = ReadonlyMap<string, readonly { readonly group: string; readonly ingress: ObjectKey }[]>;

/** Per grouping (a view caches its grouping until something changes), computed once. */
const namesByGrouping = new WeakMap<object, NameAsks>();

/**
 * Which groups' members ask for each load balancer name, from their IngressClassParams or
 * their annotation (one asking Ingress per group). Read only for a group that sets a name.
 */
function namesAsked(source: TranslateSource): NameAsks {
  const grouping = source.grouping();
  const cached = namesByGrouping.get(grouping);
  if (cached !== undefined) return cached;
  const out = new Map<string, { group: string; ingress: ObjectKey }[]>();
  for (const group of grouping.groups) {
    const seen = new Set<string>();
    for (const member of group.members) {
      const parsed = parseLoadBalancerName(annotationsOf(member.ingress));
      const asked = member.params?.loadBalancerName ?? (parsed.ok ? parsed.value : undefined);
      // Compared without case: the DNS names made from them are the same to DNS.
      const name = asked?.toLowerCase();
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      out.set(name, [...(out.get(name) ?? []), { group: group.name, ingress: member.key }]);
    }
  }
  namesByGrouping.set(grouping, out);
  return out;
}
