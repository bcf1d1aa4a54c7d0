// Sorts our Ingresses into groups: the `group.name` annotation names an explicit group of the
// Ingress's class (`<class>:<group.name>`), otherwise an Ingress is a group of its own named
// `namespace/name`. Members are ordered by
// `group.order`, then by `namespace/name`; groups by name. The IngressClassParams of an
// Ingress's class, when it has them, decide its group first and may leave it out.
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import { compareStrings } from '../model/compare.js';
import type { IngressError, ObjectKey } from '../model/resources.js';
import { GroupKey, objectKey } from '../model/ids.js';
import { annotationsOf, parseGroupName, parseGroupOrder } from './annotations.js';
import { classOwnership, defaultClassOfOurs } from './class.js';
import { excluded } from './errors.js';
import { recordedGroups } from './finalizers.js';
import type { ClassParams, IngressParams } from './params.js';

export interface GroupMember {
  readonly key: ObjectKey;
  readonly ingress: V1Ingress;
  /** `group.order`, default 0. */
  readonly order: number;
  /** The validated IngressClassParams of the member's class; absent when the class has none. */
  readonly params?: ClassParams | undefined;
}

export interface IngressGroup {
  readonly name: string;
  /** In group order. */
  readonly members: readonly GroupMember[];
  /** Members held as they are: invalid group or class settings, or a class that does not exist. */
  readonly rejected: readonly IngressError[];
}

export interface Grouping {
  /** Sorted by name. */
  readonly groups: readonly IngressGroup[];
}

/** What placing an Ingress reads besides the Ingress. */
export interface PlacementSource {
  /** Every IngressClass of the cluster, sorted by name. */
  readonly ingressClasses: readonly V1IngressClass[];
  /**
   * The IngressClassParams governing an Ingress of ours.
   * @default none for every Ingress
   */
  readonly paramsOf?: ((ingress: V1Ingress) => IngressParams) | undefined;
}

/**
 * Where one Ingress stands:
 * - `none`: in no group: not ours, being deleted, or never applied while its class is unknown;
 * - `member`: a member of `group`, valid as far as grouping can tell;
 * - `held`: left out, with its rules kept exactly as they are in each of `groups` (invalid
 *   group or class settings, or a class that does not exist right now).
 * An Ingress that still carries another group's finalizer is let go by that group (see
 * `recordedGroups`); placement does not say so.
 */
export type Placement =
  | { readonly kind: 'none' }
  | { readonly kind: 'member'; readonly group: string; readonly member: GroupMember }
  | {
      readonly kind: 'held';
      /** Sorted; never empty. */
      readonly groups: readonly string[];
      /** Worded to follow `Ingress ns/name: `. */
      readonly problem: string;
    };

/**
 * Places one Ingress. A deleted Ingress is in no group (its rules go, then its finalizer). An
 * Ingress of another controller's class is in no group. An Ingress whose class does not exist is
 * held in the groups its finalizers record; one whose group annotations or class settings are
 * invalid, or whose namespace its class's params do not admit, is held there too (or, never
 * applied, in its own group), so a typo freezes it in place instead of deleting what it has in
 * AWS. (Read from files, without finalizers, what it has in AWS is kept all the same: every
 * group keeps the rules of an Ingress held anywhere.)
 */
export function placeIngress(ingress: V1Ingress, source: PlacementSource): Placement {
  if (ingress.metadata?.deletionTimestamp !== undefined && ingress.metadata.deletionTimestamp !== null) return none;
  const key = objectKey(ingress);
  const ownership = classOwnership(ingress, source.ingressClasses);
  if (ownership.kind === 'theirs') return none;
  if (ownership.kind === 'unknown') {
    const recorded = recordedGroups(ingress, defaultClassOfOurs(source.ingressClasses));
    if (recorded.length === 0) return none;
    return { kind: 'held', groups: recorded, problem: `${ownership.reason}; its rules stay as they are in AWS, and its finalizer stays, until the class exists again or the Ingress names another class` };
  }
  const params = source.paramsOf?.(ingress) ?? ({ kind: 'none' } as const);
  const fromParams = params.kind === 'params' ? params.params.groupName : params.kind === 'excluded' ? params.groupName : undefined;
  const annotations = annotationsOf(ingress);
  const name = fromParams === undefined ? parseGroupName(annotations) : { ok: true as const, value: fromParams };
  // Held where it has resources (the groups its finalizers record), else in its own group: an
  // Ingress never applied holds nothing, and must not keep another group's load balancer alive.
  const heldWhereRecorded = (problem: string): Placement => {
    const recorded = recordedGroups(ingress, defaultClassOfOurs(source.ingressClasses));
    return { kind: 'held', groups: recorded.length > 0 ? recorded : [key], problem };
  };
  if (!name.ok) return heldWhereRecorded(params.kind === 'excluded' ? params.problem : name.error);
  if (params.kind === 'excluded') return heldWhereRecorded(params.problem);
  const order = parseGroupOrder(annotations);
  if (!order.ok) return heldWhereRecorded(order.error);
  // A group belongs to one class: the same group.name in another class is another group.
  const group = name.value === undefined ? key : GroupKey.explicit(ownership.ingressClass.metadata?.name ?? '', name.value);
  return { kind: 'member', group, member: { key, ingress, order: order.value ?? 0, ...(params.kind === 'params' ? { params: params.params } : {}) } };
}

const none: Placement = { kind: 'none' };

/**
 * Members and held Ingresses of one group, in group order: `group.order`, then
 * `namespace/name`.
 */
export function assembleGroup(name: string, members: readonly GroupMember[], held: readonly IngressError[]): IngressGroup {
  return {
    name,
    members: [...members].sort((a, b) => a.order - b.order || compareStrings(a.key, b.key)),
    rejected: [...held].sort((a, b) => compareStrings(a.ingress, b.ingress)),
  };
}

/** Sorts Ingresses into groups as `placeIngress` places each; groups sorted by name. */
export function groupIngresses(ingresses: readonly V1Ingress[], source: PlacementSource): Grouping {
  const byName = new Map<string, { members: GroupMember[]; held: IngressError[] }>();
  const at = (name: string): { members: GroupMember[]; held: IngressError[] } => {
    let group = byName.get(name);
    if (group === undefined) {
      group = { members: [], held: [] };
      byName.set(name, group);
    }
    return group;
  };
  for (const ingress of ingresses) {
    const placement = placeIngress(ingress, source);
    if (placement.kind === 'member') at(placement.group).members.push(placement.member);
    else if (placement.kind === 'held') for (const g of placement.groups) at(g).held.push(excluded(objectKey(ingress), g, placement.problem));
  }
  return {
    groups: [...byName]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, g]) => assembleGroup(name, g.members, g.held)),
  };
}
