// Rule conditions: canonical order (so equal rules compare and hash equal), ALB's limits on
// values and wildcards, and splitting a rule that exceeds them into several rules with the
// same action whose conditions together match exactly what the original matched.
import { createHash } from 'node:crypto';
import { compareStrings } from '../model/compare.js';
import type { ConditionSpec } from '../model/resources.js';
import { err, ok, type Result } from '../model/result.js';

/** ALB limits per rule (defaults). */
export const RuleLimits = {
  valuesPerCondition: 3,
  valuesPerRule: 5,
  wildcardsPerRule: 5,
} as const;

const fieldOrder: Record<ConditionSpec['field'], number> = {
  'host-header': 0,
  'path-pattern': 1,
  'http-request-method': 2,
  'source-ip': 3,
  'http-header': 4,
  'query-string': 5,
};

/** Sorts conditions: host-header, path-pattern, http-request-method, source-ip, http-header (by name), query-string. */
export function sortConditions(conditions: readonly ConditionSpec[]): ConditionSpec[] {
  return [...conditions].sort(
    (a, b) =>
      (fieldOrder[a.field] - fieldOrder[b.field]) ||
      compareStrings(a.field === 'http-header' ? a.name : '', b.field === 'http-header' ? b.name : '') ||
      compareStrings(JSON.stringify(a.values), JSON.stringify(b.values)),
  );
}

/** Exact text of sorted conditions with a fixed key order: what rule ids and duplicate checks are keyed on. */
export function conditionsIdText(conditions: readonly ConditionSpec[]): string {
  return JSON.stringify(
    sortConditions(conditions).map((c) =>
      c.field === 'http-header'
        ? { field: c.field, name: c.name, values: c.values }
        : c.field === 'query-string'
          ? { field: c.field, values: c.values.map((v) => (v.key === undefined ? { value: v.value } : { key: v.key, value: v.value })) }
          : { field: c.field, values: c.values },
    ),
  );
}

/**
 * First 12 hex characters of the SHA-256 of `conditionsIdText`: the rule's id key.
 * `attempt` > 0 only on the (astronomically rare) clash of two keys on one listener.
 */
export function conditionsKey(conditions: readonly ConditionSpec[], attempt = 0): string {
  const text = conditionsIdText(conditions) + (attempt === 0 ? '' : `#${attempt}`);
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

function wildcards(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '*' || ch === '?') n++;
  return n;
}

function valueWildcards(condition: ConditionSpec): number[] {
  switch (condition.field) {
    case 'host-header':
    case 'path-pattern':
    case 'http-header':
      return condition.values.map(wildcards);
    case 'query-string':
      return condition.values.map((v) => wildcards(v.key ?? '') + wildcards(v.value));
    case 'http-request-method':
    case 'source-ip':
      return condition.values.map(() => 0);
  }
}

export interface RuleCost {
  readonly values: number;
  readonly wildcards: number;
  readonly largestCondition: number;
}

export function ruleCost(conditions: readonly ConditionSpec[]): RuleCost {
  let values = 0;
  let wild = 0;
  let largest = 0;
  for (const c of conditions) {
    values += c.values.length;
    largest = Math.max(largest, c.values.length);
    wild += valueWildcards(c).reduce((sum, n) => sum + n, 0);
  }
  return { values, wildcards: wild, largestCondition: largest };
}

function withinLimits(cost: RuleCost): boolean {
  return (
    cost.largestCondition <= RuleLimits.valuesPerCondition &&
    cost.values <= RuleLimits.valuesPerRule &&
    cost.wildcards <= RuleLimits.wildcardsPerRule
  );
}

function withValues(condition: ConditionSpec, values: readonly unknown[]): ConditionSpec {
  return { ...condition, values } as ConditionSpec;
}

/**
 * Splits a rule over ALB's limits into consecutive rules over chunks of one condition's
 * values at a time (a cartesian product in the end). Each chunk rule ANDs the same other
 * conditions, so their union matches what the original matched. Fails when a rule is over a
 * limit that splitting cannot fix (one value with too many wildcards, too many conditions).
 */
export function splitConditions(conditions: readonly ConditionSpec[]): Result<ConditionSpec[][]> {
  const cost = ruleCost(conditions);
  if (withinLimits(cost)) return ok([[...conditions]]);
  // Split the condition that helps most: over the per-condition limit first, then the one
  // carrying the most wildcards, then the one with most values.
  let best = -1;
  let bestScore = -1;
  for (const [i, c] of conditions.entries()) {
    if (c.values.length < 2) continue;
    const w = valueWildcards(c).reduce((s, n) => s + n, 0);
    const score =
      (c.values.length > RuleLimits.valuesPerCondition ? 1_000_000 : 0) +
      (cost.wildcards > RuleLimits.wildcardsPerRule ? w * 1000 : 0) +
      c.values.length;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  const target = conditions[best];
  if (target === undefined) {
    const reasons: string[] = [];
    if (cost.values > RuleLimits.valuesPerRule)
      reasons.push(`${cost.values} condition values (ALB allows ${RuleLimits.valuesPerRule} per rule)`);
    if (cost.wildcards > RuleLimits.wildcardsPerRule)
      reasons.push(`${cost.wildcards} wildcards (ALB allows ${RuleLimits.wildcardsPerRule} per rule)`);
    return err(`needs ${reasons.join(' and ')}, and cannot be split into smaller rules`);
  }
  const values = target.values as readonly unknown[];
  const cut = values.length > RuleLimits.valuesPerCondition ? RuleLimits.valuesPerCondition : Math.ceil(values.length / 2);
  const out: ConditionSpec[][] = [];
  for (const part of [values.slice(0, cut), values.slice(cut)]) {
    const split = splitConditions(conditions.map((c, i) => (i === best ? withValues(c, part) : c)));
    if (!split.ok) return split;
    out.push(...split.value);
  }
  return ok(out);
}
