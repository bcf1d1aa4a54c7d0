// One HTTPRoute match -> ALB rule conditions (without the host, which comes from the listener
// and route hostnames), with what the Gateway API orders matches by. Only what ALB expresses
// exactly is taken; the rest is refused with the reason, never approximated:
// - path `Exact` -> path-pattern `/p`; `PathPrefix` matches by path element, trailing `/`
//   ignored -> `/p` and `/p/*`; `/` needs no path condition. `*` and `?` are wildcards to ALB,
//   so a path holding them cannot match literally; `RegularExpression` is refused;
// - header and query parameter `Exact` -> http-header / query-string with the value as
//   written (a `*` or `?` in it would be a wildcard); `RegularExpression` is refused. Only the
//   first of several entries with the same name counts, as the spec says;
// - `method` -> http-request-method.
import type { ConditionSpec } from '../model/resources.js';
import { conditionValueProblem, maxConditionValueLength } from '../model/aws-limits.js';
import { quote, show } from '../model/messages.js';
import type { HTTPHeaderMatch, HTTPRouteMatch } from './types.js';

export interface MatchModel {
  /** Conditions besides the host; empty when the match takes every request. */
  readonly conditions: readonly ConditionSpec[];
  /** `Exact` paths come before any prefix. */
  readonly exactPath: boolean;
  /** Characters of the path (a prefix without its trailing `/`). */
  readonly pathLength: number;
  readonly hasMethod: boolean;
  readonly headers: number;
  readonly queryParams: number;
}

/** The HTTP methods of the Gateway API's `HTTPMethod`; ALB matches any of them by name. */
export const HttpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

const wildcard = /[*?]/;

/**
 * The conditions of one match; `problems` (each naming the field, the value and why) when ALB
 * cannot express it exactly.
 * @param where names the match in messages, `spec.rules[0].matches[1]`
 */
export function matchModel(match: HTTPRouteMatch | undefined, where: string): { ok: true; value: MatchModel } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const conditions: ConditionSpec[] = [];
  let exactPath = false;
  let pathLength = 1;
  const path = match?.path ?? { type: 'PathPrefix', value: '/' };
  const type = path.type ?? 'PathPrefix';
  const value = path.value ?? '/';
  if (type !== 'Exact' && type !== 'PathPrefix') {
    problems.push(
      type === 'RegularExpression'
        ? `${where}.path: type RegularExpression (${show(value)}) is not supported: ALB path patterns have only the wildcards * and ?, so a regular expression cannot be matched exactly; use Exact or PathPrefix`
        : `${where}.path.type ${show(type)} is not supported; use Exact or PathPrefix`,
    );
  } else if (typeof value !== 'string' || !value.startsWith('/')) {
    problems.push(`${where}.path.value ${show(value)} must start with "/"`);
  } else if (wildcard.test(value)) {
    problems.push(`${where}.path.value ${quote(value)} holds "*" or "?", which ALB path patterns always treat as wildcards, so it cannot be matched literally`);
  } else if (type === 'Exact') {
    const problem = conditionValueProblem('path', value);
    if (problem !== null) problems.push(`${where}.path.value ${quote(value)} ${problem}`);
    conditions.push({ field: 'path-pattern', values: [value] });
    exactPath = true;
    pathLength = value.length;
  } else {
    const trimmed = value.replace(/\/+$/, '');
    pathLength = trimmed.length;
    if (trimmed !== '') {
      const problem = trimmed.length + 2 > maxConditionValueLength ? `is too long: its pattern ${quote(`${trimmed}/*`)} is over ${maxConditionValueLength} characters, the ALB limit` : conditionValueProblem('path', trimmed);
      if (problem !== null) problems.push(`${where}.path.value ${quote(value)} ${problem}`);
      conditions.push({ field: 'path-pattern', values: [trimmed, `${trimmed}/*`] });
    }
  }

  const method = match?.method;
  if (method !== undefined) {
    if (typeof method !== 'string' || !(HttpMethods as readonly string[]).includes(method)) problems.push(`${where}.method ${show(method)} is not an HTTP method the Gateway API names (${HttpMethods.join(', ')})`);
    else conditions.push({ field: 'http-request-method', values: [method] });
  }

  const headers = firstByName(match?.headers ?? [], (n) => n.toLowerCase());
  for (const [i, header] of headers.entries()) {
    const at = `${where}.headers[${i}]`;
    const problem = exactValueProblem(header, at, 'header', 'http-header-value');
    if (problem !== null) problems.push(problem);
    else conditions.push({ field: 'http-header', name: header.name, values: [header.value] });
  }
  const queries = firstByName(match?.queryParams ?? [], (n) => n);
  for (const [i, query] of queries.entries()) {
    const at = `${where}.queryParams[${i}]`;
    const problem = exactValueProblem(query, at, 'query parameter', 'query-string') ?? keyProblem(query.name, at);
    if (problem !== null) problems.push(problem);
    else conditions.push({ field: 'query-string', values: [{ key: query.name, value: query.value }] });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { conditions, exactPath, pathLength, hasMethod: method !== undefined, headers: headers.length, queryParams: queries.length } };
}

/** Entries after the first with an equivalent name are ignored (HTTPHeaderMatch, HTTPQueryParamMatch). */
function firstByName(entries: readonly HTTPHeaderMatch[], canonical: (name: string) => string): HTTPHeaderMatch[] {
  const seen = new Set<string>();
  const out: HTTPHeaderMatch[] = [];
  for (const entry of entries) {
    const name = typeof entry.name === 'string' ? canonical(entry.name) : '';
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(entry);
  }
  return out;
}

function exactValueProblem(match: HTTPHeaderMatch, at: string, what: string, kind: 'http-header-value' | 'query-string'): string | null {
  const type = match.type ?? 'Exact';
  if (type === 'RegularExpression')
    return `${at}: type RegularExpression (${show(match.value)}) is not supported: ALB compares ${what} values with the wildcards * and ? only, so a regular expression cannot be matched exactly; use Exact`;
  if (type !== 'Exact') return `${at}.type ${show(type)} is not supported; use Exact`;
  if (typeof match.name !== 'string' || match.name === '') return `${at}.name ${show(match.name)} must be a non-empty string`;
  if (typeof match.value !== 'string') return `${at}.value ${show(match.value)} is not a string`;
  if (wildcard.test(match.value)) return `${at}.value ${quote(match.value)} holds "*" or "?", which ALB always treats as wildcards in ${what} values, so it cannot be matched exactly`;
  if (match.value === '') return `${at}.value is empty; ALB cannot match an empty ${what} value`;
  const problem = conditionValueProblem(kind, match.value);
  return problem === null ? null : `${at}.value ${quote(match.value)} ${problem}`;
}

function keyProblem(name: string, at: string): string | null {
  if (wildcard.test(name)) return `${at}.name ${quote(name)} holds "*" or "?", which ALB treats as wildcards in query parameter names`;
  const problem = conditionValueProblem('query-string', name);
  return problem === null ? null : `${at}.name ${quote(name)} ${problem}`;
}
