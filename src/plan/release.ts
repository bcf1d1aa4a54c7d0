// A group whose members are all frozen is left as it is, except for what it still holds for
// Ingresses that left it (deleted, moved, no longer ours): their rules go, and the target
// groups only those rules used. Without this, a deleted member of a frozen group would keep
// serving, and its finalizer could never go.
import type { ActualStack } from '../model/actual.js';
import type { ActionSpec, ObjectKey } from '../model/resources.js';
import type { Operation } from './operations.js';
import { ruleIngress } from './rules.js';

/**
 * The operations that remove what AWS holds for Ingresses outside `kept`: their rules (by the
 * `albatross.dev/ingress` tag), then the target groups nothing else forwards to. Rules of no
 * Ingress (hand-made, wildcard guards) and everything else stay.
 * @param kept every Ingress of the group now, members and frozen alike
 */
export function releaseDeparted(actual: ActualStack, kept: ReadonlySet<ObjectKey>): Operation[] {
  const departed = actual.rules.filter((r) => {
    const owner = ruleIngress(r);
    return owner !== undefined && !kept.has(owner);
  });
  if (departed.length === 0) return [];
  const gone = new Set(departed.map((r) => r.arn));
  const stillUsed = new Set([...actual.rules.filter((r) => !gone.has(r.arn)).map((r) => r.action), ...actual.listeners.map((l) => l.defaultAction)].flatMap(targetGroupArns));
  const freed = new Set(departed.map((r) => r.action).flatMap(targetGroupArns).filter((arn) => !stillUsed.has(arn)));
  return [
    ...departed.map(
      (rule): Operation => ({
        op: 'deleteRule',
        id: rule.id,
        arn: rule.arn,
        listenerPort: rule.listenerPort,
        priority: rule.priority,
        conditions: rule.conditions,
        action: rule.action,
      }),
    ),
    ...actual.targetGroups.filter((tg) => freed.has(tg.arn)).map((tg): Operation => ({ op: 'deleteTargetGroup', id: tg.id ?? tg.name, arn: tg.arn, name: tg.name })),
  ];
}

function targetGroupArns(action: ActionSpec | null): string[] {
  if (action?.type !== 'forward') return [];
  return action.targetGroups.flatMap((t) => (t.targetGroup.kind === 'arn' ? [t.targetGroup.arn] : []));
}
