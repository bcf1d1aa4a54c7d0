// Sorts our Ingresses into groups: the `group.name` annotation names an explicit group,
// otherwise an Ingress is a group of its own named `namespace/name`. Members are ordered by
// `group.order`, then by `namespace/name`; groups by name. The IngressClassParams of an
// Ingress's class, when it has them, decide its group first and may leave it out.
import type { V1Ingress } from '@kubernetes/client-node';
import { compareStrings } from '../model/compare.js';
import type { IngressError, ObjectKey } from '../model/resources.js';
import { objectKey } from '../model/ids.js';
import { annotationsOf, parseGroupName, parseGroupOrder } from './annotations.js';
import { excluded } from './errors.js';
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
  /** Members left out because their group annotations are invalid. */
  readonly rejected: readonly IngressError[];
}

export interface Grouping {
  /** Sorted by name. */
  readonly groups: readonly IngressGroup[];
  /** Ingresses whose group cannot be told (invalid `group.name`). */
  readonly errors: readonly IngressError[];
}

/**
 * Sorts Ingresses into groups. `paramsOf` tells the IngressClassParams governing each one
 * (none without it): their `group.name` wins over the annotation, and an Ingress they exclude
 * stays in the group it would be in, as a rejected member, so what it has in AWS is kept.
 */
export function groupIngresses(ingresses: readonly V1Ingress[], paramsOf: (ingress: V1Ingress) => IngressParams = () => ({ kind: 'none' })): Grouping {
  const errors: IngressError[] = [];
  const byName = new Map<string, { members: GroupMember[]; rejected: IngressError[] }>();
  for (const ingress of ingresses) {
    const key = objectKey(ingress);
    const annotations = annotationsOf(ingress);
    const params = paramsOf(ingress);
    const fromParams = params.kind === 'params' ? params.params.groupName : params.kind === 'excluded' ? params.groupName : undefined;
    const name = fromParams === undefined ? parseGroupName(annotations) : { ok: true as const, value: fromParams };
    if (!name.ok) {
      errors.push(excluded(key, null, params.kind === 'excluded' ? params.problem : name.error));
      continue;
    }
    const groupName = name.value ?? key;
    let group = byName.get(groupName);
    if (group === undefined) {
      group = { members: [], rejected: [] };
      byName.set(groupName, group);
    }
    const order = parseGroupOrder(annotations);
    if (params.kind === 'excluded') group.rejected.push(excluded(key, groupName, params.problem));
    else if (!order.ok) group.rejected.push(excluded(key, groupName, order.error));
    else group.members.push({ key, ingress, order: order.value ?? 0, ...(params.kind === 'params' ? { params: params.params } : {}) });
  }
  return {
    groups: [...byName]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, g]) => ({
        name,
        members: g.members.sort((a, b) => a.order - b.order || compareStrings(a.key, b.key)),
        rejected: g.rejected.sort((a, b) => compareStrings(a.ingress, b.ingress)),
      })),
    errors,
  };
}
