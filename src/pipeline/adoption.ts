// Which class group takes over an explicit group made before groups were keyed by IngressClass
// (its resources carry no `albatross.dev/ingress-class` tag): the class whose Ingresses own most
// of its rules now, so that an upgrade keeps each load balancer, and its DNS name, with the
// Ingresses that were using it; not the class that happens to sort first.
import type { ClusterView } from '../cluster/view.js';
import type { ActualStack } from '../model/actual.js';
import { compareStrings } from '../model/compare.js';
import { GroupKey, OwnershipTag } from '../model/ids.js';
import { ruleIngress } from '../plan/rules.js';

/** Whether what was observed for a group includes resources without the class tag. */
export function holdsLegacy(actual: ActualStack): boolean {
  const untagged = (tags: Readonly<Record<string, string>>): boolean => tags[OwnershipTag.ingressClass] === undefined;
  return (
    (actual.loadBalancer !== null && untagged(actual.loadBalancer.tags)) ||
    actual.targetGroups.some((t) => untagged(t.tags)) ||
    (actual.securityGroup !== null && untagged(actual.securityGroup.tags))
  );
}

/**
 * The group key (`<class>:<name>`) that adopts the legacy group `name` seen in `actual`: of the
 * class groups of that name in the view, the one whose Ingresses own the most rules on it (by
 * the rules' `albatross.dev/ingress` tags); ties, and a group whose rules no Ingress of the view
 * owns, go to the class that sorts first. `undefined` when no class group has that name.
 */
export function legacyAdopter(view: ClusterView, name: string, actual: ActualStack): string | undefined {
  const counts = new Map<string, number>();
  for (const rule of actual.rules) {
    if (rule.tags[OwnershipTag.ingressClass] !== undefined) continue;
    const owner = ruleIngress(rule);
    if (owner === undefined) continue;
    const placement = view.placement(owner);
    const groups = placement.kind === 'member' ? [placement.group] : placement.kind === 'held' ? placement.groups : [];
    for (const group of groups) {
      const tags = GroupKey.tags(group);
      if (tags.ingressClass !== undefined && tags.group === name) counts.set(group, (counts.get(group) ?? 0) + 1);
    }
  }
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || compareStrings(a, b));
  return ranked[0]?.[0] ?? view.adopterOf(name);
}
