// Listener rules of one listener: matched by id; a rule of the same Ingress that keeps its
// place and only changes what it matches is modified in place; a frozen Ingress's rules stay
// as they are and the others take their places around them in precedence order.
import { OwnershipTag } from '../model/ids.js';
import type { ActualRule } from '../model/actual.js';
import type { ObjectKey, RuleSpec, TargetGroupRef } from '../model/resources.js';
import { canonicalAction, conditionsEqual } from './equality.js';
import { matchById } from './match.js';
import type { Operation } from './operations.js';
import { comparePrecedence, rulePrecedence } from './precedence.js';
import { assignPriorities } from './priorities.js';
import { pushTagOps } from './tags.js';

export interface RulesContext {
  /** Ingresses whose rules in AWS stay exactly as they are. */
  readonly frozen: ReadonlySet<ObjectKey>;
  /** Every member in group order, for ties in precedence between frozen and other rules. */
  readonly groupOrder: readonly ObjectKey[];
  readonly arnOf: (ref: TargetGroupRef) => string | undefined;
}

/** The Ingress a rule in AWS serves (`albatross.dev/ingress`), if any. */
export function ruleIngress(rule: ActualRule): ObjectKey | undefined {
  return rule.tags[OwnershipTag.ingress];
}

/**
 * A rule kept exactly as it is: one serving a frozen Ingress, or, while any member is frozen,
 * one of ours guarding a wildcard host (host `*.*.x`: it keeps names too deep for `*.x` away
 * from that wildcard's rules), since the wildcard may be a frozen member's.
 */
export function isFrozenRule(rule: ActualRule, frozen: ReadonlySet<ObjectKey>): boolean {
  const owner = ruleIngress(rule);
  if (owner !== undefined && frozen.has(owner)) return true;
  return frozen.size > 0 && rule.id !== null && isWildcardGuard(rule);
}

function isWildcardGuard(rule: ActualRule): boolean {
  const hosts = rule.conditions.filter((c) => c.field === 'host-header').flatMap((c) => ('values' in c ? c.values : []));
  return hosts.length > 0 && hosts.every((h) => h.startsWith('*.*.'));
}

/**
 * AWS modifies a rule's conditions and actions in place; only its listener is fixed. Ids
 * carry the port, so a match never crosses listeners; this names the check all the same.
 */
export function ruleNeedsReplacement(spec: RuleSpec, rule: ActualRule): string | null {
  return spec.listenerPort === rule.listenerPort ? null : `listener port changes from ${rule.listenerPort} to ${spec.listenerPort}`;
}

/** A place in the listener's evaluation order: a desired rule, or a frozen rule kept as it is. */
type Slot =
  | { readonly kind: 'desired'; readonly spec: RuleSpec; current: ActualRule | undefined }
  | { readonly kind: 'frozen'; readonly rule: ActualRule };

/**
 * Operations for the rules of one listener. `desired` is in evaluation order; `actual` is
 * every rule on the listener now, ours or not.
 */
export function diffRules(port: number, desired: readonly RuleSpec[], actual: readonly ActualRule[], ctx: RulesContext): Operation[] {
  const ops: Operation[] = [];
  const pinned = actual.filter((r) => isFrozenRule(r, ctx.frozen)).sort((a, b) => a.priority - b.priority);
  // A desired rule identical to a frozen one (same id) is already served by it.
  const pinnedIds = new Set(pinned.map((r) => r.id));
  const wanted = desired.filter((r) => !pinnedIds.has(r.id));
  const { matched, toDelete } = matchById(
    wanted,
    actual.filter((r) => !isFrozenRule(r, ctx.frozen)),
  );
  const current = new Map(matched.filter(([spec, rule]) => ruleNeedsReplacement(spec, rule) === null).map(([spec, rule]) => [spec.id, rule]));
  const deletions = [...toDelete, ...matched.filter(([spec]) => !current.has(spec.id)).map(([, rule]) => rule)];

  const slots = withFrozen(
    wanted.map((spec): Slot => ({ kind: 'desired', spec, current: current.get(spec.id) })),
    pinned,
    ctx.groupOrder,
  );
  const modifiedInPlace = pairInPlace(slots, deletions);

  const occupied = new Set(actual.map((r) => r.priority));
  const pinnedIndexes = new Set(slots.flatMap((s, i) => (s.kind === 'frozen' ? [i] : [])));
  const { priorities } = assignPriorities(
    slots.map((s) => (s.kind === 'frozen' ? s.rule.priority : s.current?.priority)),
    occupied,
    pinnedIndexes,
  );
  const moves: { id: string; arn: string; from: number; priority: number }[] = [];
  slots.forEach((slot, i) => {
    const priority = priorities[i] ?? 0;
    if (slot.kind === 'frozen') {
      if (slot.rule.priority !== priority) moves.push({ id: slot.rule.id ?? slot.rule.arn, arn: slot.rule.arn, from: slot.rule.priority, priority });
      return;
    }
    const { spec, current: rule } = slot;
    if (rule === undefined) {
      ops.push({ op: 'createRule', spec, priority });
      return;
    }
    if (rule.priority !== priority) moves.push({ id: spec.id, arn: rule.arn, from: rule.priority, priority });
    const fields: string[] = [];
    if (!conditionsEqual(spec.conditions, rule.conditions)) fields.push('conditions');
    if (canonicalAction(spec.action, ctx.arnOf) !== canonicalAction(rule.action, ctx.arnOf)) fields.push('action');
    if (fields.length > 0) ops.push({ op: 'modifyRule', id: spec.id, arn: rule.arn, spec, fields });
    pushTagOps(ops, spec.id, 'elbv2', rule.arn, spec.tags, rule.tags);
  });
  if (moves.length > 0) ops.push({ op: 'setRulePriorities', listenerPort: port, moves });
  for (const rule of deletions) {
    if (modifiedInPlace.has(rule)) continue;
    ops.push({
      op: 'deleteRule',
      id: rule.id,
      arn: rule.arn,
      listenerPort: port,
      priority: rule.priority,
      conditions: rule.conditions,
      action: rule.action,
    });
  }
  return ops;
}

/**
 * The desired rules with the frozen ones placed among them: each frozen rule goes before the
 * first desired rule it precedes, by precedence and then group order; frozen rules keep
 * their order among themselves.
 */
function withFrozen(slots: readonly Slot[], frozen: readonly ActualRule[], groupOrder: readonly ObjectKey[]): Slot[] {
  const out = [...slots];
  const rank = (ingress: ObjectKey | null | undefined): number => {
    const i = ingress === null || ingress === undefined ? -1 : groupOrder.indexOf(ingress);
    return i === -1 ? groupOrder.length : i;
  };
  let from = 0;
  for (const rule of frozen) {
    const mine = rulePrecedence(rule.conditions);
    let at = from;
    while (at < out.length) {
      const slot = out[at];
      if (slot !== undefined && slot.kind === 'desired') {
        const order = comparePrecedence(mine, rulePrecedence(slot.spec.conditions)) || rank(ruleIngress(rule)) - rank(slot.spec.ingress);
        if (order < 0) break;
      }
      at++;
    }
    out.splice(at, 0, { kind: 'frozen', rule });
    from = at + 1;
  }
  return out;
}

/**
 * Pairs new desired rules with rules about to be deleted that belong to the same Ingress
 * and sit in the same gap of the order (between the same kept neighbours): the old rule is
 * modified into the new one, keeping its ARN and priority, instead of a create and a delete
 * (for a moment both routes would exist). Returns the actual rules so reused.
 */
function pairInPlace(slots: readonly Slot[], deletions: readonly ActualRule[]): Set<ActualRule> {
  const used = new Set<ActualRule>();
  const candidates = deletions.filter((r) => r.id !== null && ruleIngress(r) !== undefined);
  if (candidates.length === 0) return used;
  let lower = 0;
  let gap: Extract<Slot, { kind: 'desired' }>[] = [];
  const settle = (upper: number): void => {
    let last = lower;
    for (const slot of gap) {
      const reuse = candidates.find(
        (r) => !used.has(r) && ruleIngress(r) === slot.spec.ingress && r.priority > last && r.priority < upper,
      );
      if (reuse === undefined) continue;
      used.add(reuse);
      slot.current = reuse;
      last = reuse.priority;
    }
    gap = [];
  };
  for (const slot of slots) {
    const anchor = slot.kind === 'frozen' ? slot.rule.priority : slot.current?.priority;
    if (slot.kind === 'desired' && anchor === undefined) {
      gap.push(slot);
      continue;
    }
    settle(anchor ?? Number.POSITIVE_INFINITY);
    lower = Math.max(lower, anchor ?? lower);
  }
  settle(Number.POSITIVE_INFINITY);
  return used;
}
