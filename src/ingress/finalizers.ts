// The group an Ingress is in (its key, `GroupKey`), recorded on the Ingress itself as a finalizer, so that any
// process can tell from the object alone which group still holds AWS resources for it: after a
// restart, a failover, a deletion, a move to another group or class, or a typo in its
// annotations. The scheme follows the AWS Load Balancer Controller's (one finalizer per
// explicit group, one for an Ingress that is a group of its own).
import type { V1Ingress } from '@kubernetes/client-node';
import { compareStrings } from '../model/compare.js';
import { GroupKey, objectKey } from '../model/ids.js';
import { checkGroupName, parseGroupName, annotationsOf } from './annotations.js';
import { referencedClassName } from './class.js';

/**
 * Domain of the finalizers of explicit groups: `<class>.group.albatross.dev/<group.name>`, the
 * class in the prefix (a DNS subdomain, like the class's name) and `group.name` (at most 63
 * characters of `[a-z0-9.-]`) as the name.
 */
export const GroupFinalizerDomain = 'group.albatross.dev';

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
 * @param group a group key (`GroupKey`): `namespace/name` for an Ingress that is a group of its
 *   own, else `<class>:<group.name>`
 */
export function groupFinalizer(group: string): string {
  if (group.includes('/')) return OwnGroupFinalizer;
  const { group: name, ingressClass } = GroupKey.tags(group);
  return `${ingressClass === undefined ? '' : `${ingressClass}.`}${GroupFinalizerDomain}/${name}`;
}

/** The group key an explicit group's finalizer records; `undefined` for any other finalizer. */
function groupOfFinalizer(finalizer: string): string | undefined {
  const slash = finalizer.indexOf('/');
  const domain = finalizer.slice(0, slash);
  const name = finalizer.slice(slash + 1);
  if (slash < 0 || !domain.endsWith(`.${GroupFinalizerDomain}`) || !checkGroupName(name).ok) return undefined;
  return GroupKey.explicit(domain.slice(0, -GroupFinalizerDomain.length - 1), name);
}

/**
 * The groups whose finalizer an Ingress carries: the groups that may hold AWS resources for it
 * and must let it go before it may. Sorted, without repeats.
 * @param defaultClass the default IngressClass of ours, for the group the legacy finalizer
 *   stands for on an Ingress that names no class (`annotatedGroup`)
 */
export function recordedGroups(ingress: V1Ingress, defaultClass?: string): readonly string[] {
  const key = objectKey(ingress);
  const groups = new Set<string>();
  for (const finalizer of ingress.metadata?.finalizers ?? []) {
    if (finalizer === OwnGroupFinalizer) groups.add(key);
    else if (finalizer === LegacyFinalizer) groups.add(annotatedGroup(ingress, defaultClass));
    else {
      const group = groupOfFinalizer(finalizer);
      if (group !== undefined) groups.add(group);
    }
  }
  return [...groups].sort(compareStrings);
}

/**
 * The group the Ingress's own annotation names, when valid, in the class the Ingress names
 * (`spec.ingressClassName` or the legacy annotation), else in `defaultClass`; with neither, the
 * `group.name` alone: the key of a group made before groups were keyed by class. Without the
 * annotation, its own group.
 */
export function annotatedGroup(ingress: V1Ingress, defaultClass?: string): string {
  const name = parseGroupName(annotationsOf(ingress));
  if (!name.ok || name.value === undefined) return objectKey(ingress);
  const className = referencedClassName(ingress) ?? defaultClass;
  return className === undefined ? name.value : GroupKey.explicit(className, name.value);
}
