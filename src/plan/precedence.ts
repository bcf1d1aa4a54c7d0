// Where a rule belongs in evaluation order, read from its conditions alone, so that rules
// already in AWS (a frozen Ingress's) can be placed among the desired ones. It follows the
// order translate gives routes: exact hosts, wildcard hosts (more labels first), no host;
// then paths that match one request path, then longer literal parts, Prefix before pattern.
import { compareStrings } from '../model/compare.js';
import type { ConditionSpec } from '../model/resources.js';

export interface RulePrecedence {
  /** 0 exact host, 1 wildcard host, 2 no host. */
  readonly tier: number;
  /** DNS labels of a wildcard host; 0 otherwise. */
  readonly labels: number;
  /** The first host value, lower case; '' for none. */
  readonly host: string;
  /** The path condition matches one request path only. */
  readonly exact: boolean;
  /** Length of the path's literal part (a Prefix pair `/foo`, `/foo/*` counts 4). */
  readonly length: number;
  /** 0 one path, 1 Prefix (or no path condition), 2 pattern. */
  readonly kind: number;
}

const literalPart = (pattern: string): string => {
  const i = pattern.search(/[*?]/);
  return i === -1 ? pattern : pattern.slice(0, i);
};

/** The precedence of a rule with these conditions; extra values ORed in are not weighed. */
export function rulePrecedence(conditions: readonly ConditionSpec[]): RulePrecedence {
  const hosts = conditions.find((c) => c.field === 'host-header')?.values ?? [];
  const paths = conditions.find((c) => c.field === 'path-pattern')?.values ?? [];
  const host = (hosts[0] ?? '').toLowerCase();
  const tier = host === '' ? 2 : host.startsWith('*.') ? 1 : 0;
  const labels = tier === 1 ? host.split('.').length : 0;
  const [first, second] = paths;
  if (first === undefined) return { tier, labels, host, exact: false, length: 0, kind: 1 };
  if (second === `${first}/*`) return { tier, labels, host, exact: false, length: first.length, kind: 1 };
  const literal = literalPart(first);
  const exact = literal === first;
  return { tier, labels, host, exact, length: literal.length, kind: exact ? 0 : 2 };
}

/** Negative when a rule of precedence `a` must be evaluated before one of `b`; 0 on a tie. */
export function comparePrecedence(a: RulePrecedence, b: RulePrecedence): number {
  return (
    a.tier - b.tier ||
    (a.tier === 1 ? b.labels - a.labels : 0) ||
    compareStrings(a.host, b.host) ||
    Number(b.exact) - Number(a.exact) ||
    b.length - a.length ||
    a.kind - b.kind
  );
}
