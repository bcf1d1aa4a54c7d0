// The group an Ingress is in, recorded on the Ingress itself as a finalizer, so that any
// process can tell from the object alone which group still holds AWS resources for it: after a
// restart, a failover, a deletion, a move to another group or class, or a typo in its
// annotations. The scheme follows the AWS Load Balancer Controller's (one finalizer per
// explicit group, one for an Ingress that is a group of its own).
import type { V1Ingress } from '@kubernetes/client-node';
import { compareStrings } from '../model/compare.js';
import { objectKey } from '../model/ids.js';
import { checkGroupName, parseGroupName, annotationsOf } from './annotations.js';

/** Prefix of the finalizer of an explicit group: `group.albatross.dev/<group.name>`. */
export const GroupFinalizerPrefix = 'group.albatross.dev/';

/** The finalizer of an Ingress that is a group of its own (no `group.name`). */
export const OwnGroupFinalizer = 'albatross.dev/resources';

/**
 * The finalizer of Albatross before groups were recorded. It says only that some group holds
 * resources for the Ingress; `recordedGroups` reads it as the group the Ingress's own
 * `group.name` annotation names (or its own group without one), and the first reconcile of
 * that group replaces it with the group's finalizer (docs/operations.md, "Upgrading").
 */
export const LegacyFinalizer = 'albatross.dev/aws-resources';

/**
 * The finalizer recording that `group` holds AWS resources for an Ingress.
 * @param group a group name: `namespace/name` for an Ingress that is a group of its own, else
 *   a `group.name` (at most 63 characters of `[a-z0-9.-]`, so it fits a finalizer's name part)
 */
export function groupFinalizer(group: string): string {
  return group.includes('/') ? OwnGroupFinalizer : `${GroupFinalizerPrefix}${group}`;
}

/** Whether a finalizer is one of ours (any group's, or the legacy one). */
export function isOurFinalizer(finalizer: string): boolean {
  return finalizer === OwnGroupFinalizer || finalizer === LegacyFinalizer || finalizer.startsWith(GroupFinalizerPrefix);
}

/**
 * The groups whose finalizer an Ingress carries: the groups that may hold AWS resources for it
 * and must let it go before it may. Sorted, without repeats.
 * @param legacyGroup the group the legacy finalizer stands for
 *   @default the `group.name` annotation when valid, else the Ingress's own group
 */
export function recordedGroups(ingress: V1Ingress, legacyGroup?: string): readonly string[] {
  const key = objectKey(ingress);
  const groups = new Set<string>();
  for (const finalizer of ingress.metadata?.finalizers ?? []) {
    if (finalizer === OwnGroupFinalizer) groups.add(key);
    else if (finalizer === LegacyFinalizer) groups.add(legacyGroup ?? annotatedGroup(ingress));
    else if (finalizer.startsWith(GroupFinalizerPrefix)) {
      const name = finalizer.slice(GroupFinalizerPrefix.length);
      if (checkGroupName(name).ok) groups.add(name);
    }
  }
  return [...groups].sort(compareStrings);
}

/** The group the Ingress's own annotation names, when valid; else its own group. */
export function annotatedGroup(ingress: V1Ingress): string {
  const name = parseGroupName(annotationsOf(ingress));
  return name.ok && name.value !== undefined ? name.value : objectKey(ingress);
}
