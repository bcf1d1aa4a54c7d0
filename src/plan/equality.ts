// When a desired resource and what AWS has count as the same, per kind. Only fields we
// set are compared, in a canonical form, so AWS's defaults and orderings never cause churn.
import { compareStrings } from '../model/compare.js';
import type { ActionSpec, ConditionSpec, HealthCheckSpec, SecurityGroupRuleSpec, TargetGroupRef, TargetSpec } from '../model/resources.js';

/** Text equal for conditions AWS treats as equal: host and header names lower-cased, values and fields in any order. */
export function conditionsEqualityKey(conditions: readonly ConditionSpec[]): string {
  const normalised = conditions.map((c) => {
    if (c.field === 'query-string') {
      return { field: c.field, values: c.values.map((v) => `${v.key ?? ''}=${v.value}`).sort() };
    }
    const values = c.field === 'host-header' ? c.values.map((v) => v.toLowerCase()) : [...c.values];
    return { field: c.field, name: c.field === 'http-header' ? c.name.toLowerCase() : '', values: values.sort() };
  });
  normalised.sort((a, b) => compareStrings(a.field + ('name' in a ? a.name : ''), b.field + ('name' in b ? b.name : '')));
  return JSON.stringify(normalised);
}

export function conditionsEqual(a: readonly ConditionSpec[], b: readonly ConditionSpec[]): boolean {
  return conditionsEqualityKey(a) === conditionsEqualityKey(b);
}

/** A desired action with target groups resolved to ARNs, comparable with an actual one. */
export function canonicalAction(action: ActionSpec | null, arnOf: (ref: TargetGroupRef) => string | undefined): string {
  if (action === null) return 'null';
  if (action.type === 'forward') {
    const groups = action.targetGroups.map((t) => `${arnOf(t.targetGroup) ?? `new:${JSON.stringify(t.targetGroup)}`}@${t.weight}`).sort();
    return JSON.stringify({ type: 'forward', groups, stickiness: action.stickinessSeconds ?? null });
  }
  if (action.type === 'fixed-response') {
    return JSON.stringify({
      type: action.type,
      statusCode: action.statusCode,
      contentType: action.contentType ?? null,
      messageBody: action.messageBody ?? null,
    });
  }
  return JSON.stringify({ ...action });
}

export function healthCheckDifferences(desired: HealthCheckSpec, actual: HealthCheckSpec): string[] {
  return (Object.keys(desired) as (keyof HealthCheckSpec)[]).filter((k) => String(desired[k]) !== String(actual[k]));
}

/** Keys whose desired value differs from AWS's; keys we do not set are not compared. */
export function attributeDifferences(desired: Readonly<Record<string, string>>, actual: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(desired).filter(([k, v]) => actual[k] !== v));
}

export const targetKey = (t: TargetSpec): string => `${t.ip}:${t.port}`;
export const securityGroupRuleKey = (r: SecurityGroupRuleSpec): string => `${r.protocol}/${r.port}/${r.cidr}`;

/** Items of `a` whose key is not in `b`. */
export function missingFrom<T>(a: readonly T[], b: readonly T[], key: (t: T) => string): T[] {
  const present = new Set(b.map(key));
  return a.filter((t) => !present.has(key(t)));
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** Tags to add or change, and keys to remove (AWS's own `aws:` tags are never touched). */
export function tagChanges(
  desired: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>>,
): { add: Record<string, string>; remove: string[] } {
  const add = Object.fromEntries(Object.entries(desired).filter(([k, v]) => actual[k] !== v));
  const remove = Object.keys(actual).filter((k) => !(k in desired) && !k.startsWith('aws:'));
  return { add, remove };
}
