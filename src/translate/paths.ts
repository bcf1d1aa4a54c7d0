// Kubernetes hosts and paths as ALB patterns. `Prefix /foo` matches by path element, so it
// becomes `/foo` and `/foo/*`; `Exact` is the path itself; `ImplementationSpecific` is an ALB
// pattern as written. The specificity computed here (exact or not, literal length) drives
// the order rules are evaluated in.
import { err, ok, type Result } from '../model/result.js';
import { quote, show } from '../model/messages.js';
import { conditionValueProblem } from '../model/aws-limits.js';

export const PathKind = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;
export type PathKind = (typeof PathKind)[number];

/** ALB's limit on the length of one path-pattern or host-header value. */
export const maxPatternLength = 128;

export interface PathMatch {
  readonly kind: PathKind;
  /** As written in the Ingress. */
  readonly path: string;
  /** ALB path patterns (ORed); `null` when the path matches every request path. */
  readonly patterns: readonly string[] | null;
  /**
   * Matches one request path only: Exact, or an ImplementationSpecific pattern without `*`
   * or `?`. Such paths are tried before any Prefix or pattern of their host.
   */
  readonly exact: boolean;
  /**
   * The length longest-match ordering compares: Prefix without trailing slashes; a pattern
   * by its literal part, the text before its first `*` or `?` (`/api/*` counts 5).
   */
  readonly length: number;
}

/** The literal part of an ALB pattern: the text before its first `*` or `?`. */
export function literalPart(pattern: string): string {
  const wildcard = pattern.search(/[*?]/);
  return wildcard === -1 ? pattern : pattern.slice(0, wildcard);
}

export function pathMatch(pathType: unknown, path: unknown): Result<PathMatch> {
  if (pathType !== undefined && pathType !== null && typeof pathType !== 'string')
    return err(`pathType ${show(pathType)} is not allowed; use "Exact", "Prefix" or "ImplementationSpecific"`);
  if (path !== undefined && path !== null && typeof path !== 'string') return err(`path ${show(path)} is not a string`);
  const typeName = pathType ?? 'ImplementationSpecific';
  if (!(PathKind as readonly string[]).includes(typeName))
    return err(`pathType ${quote(typeName)} is not allowed; use "Exact", "Prefix" or "ImplementationSpecific"`);
  const kind = typeName as PathKind;
  const written = path ?? '';
  if (kind === 'ImplementationSpecific') {
    // An empty path: no path condition of its own (conditions.NAME may still add patterns).
    if (written === '') return ok({ kind, path: written, patterns: [], exact: false, length: 0 });
    if (written.length > maxPatternLength)
      return err(`path ${quote(written)} is longer than ${maxPatternLength} characters, the ALB limit for a path pattern`);
    const refused = pathCharacters(written);
    if (refused !== null) return err(refused);
    const literal = literalPart(written);
    return ok({ kind, path: written, patterns: [written], exact: literal === written, length: literal.length });
  }
  if (!written.startsWith('/')) return err(`path ${quote(written)} must start with "/" for pathType ${kind}`);
  if (/[*?]/.test(written))
    return err(
      `path ${quote(written)} contains "*" or "?", which would be a wildcard on ALB; pathType ${kind} matches literally. Use pathType ImplementationSpecific for an ALB pattern`,
    );
  if (kind === 'Exact') {
    if (written.length > maxPatternLength)
      return err(`path ${quote(written)} is longer than ${maxPatternLength} characters, the ALB limit for a path pattern`);
    const refused = pathCharacters(written);
    if (refused !== null) return err(refused);
    return ok({ kind, path: written, patterns: [written], exact: true, length: written.length });
  }
  const trimmed = written.replace(/\/+$/, '');
  if (trimmed === '') return ok({ kind, path: written, patterns: null, exact: false, length: 0 });
  if (trimmed.length + 2 > maxPatternLength)
    return err(`path ${quote(written)} is too long: its pattern ${quote(`${trimmed}/*`)} is over ${maxPatternLength} characters, the ALB limit`);
  const refused = pathCharacters(trimmed);
  if (refused !== null) return err(refused);
  return ok({ kind, path: written, patterns: [trimmed, `${trimmed}/*`], exact: false, length: trimmed.length });
}

/**
 * Why ALB's path-pattern condition would refuse a path's characters (a space, `(`, `%`,
 * anything outside ASCII), or `null`. The path goes to ALB as written, whatever its type.
 */
function pathCharacters(path: string): string | null {
  const problem = conditionValueProblem('path', path);
  return problem === null ? null : `path ${quote(path)} ${problem}`;
}

/** Where a host puts a rule in evaluation order: exact hosts, then wildcards, then no host. */
export const HostTier = { exact: 0, wildcard: 1, none: 2 } as const;
export type HostTier = (typeof HostTier)[keyof typeof HostTier];

export interface HostMatch {
  /** Lower case; `null` for a rule without host. */
  readonly host: string | null;
  readonly tier: HostTier;
  /** DNS labels, `*` counting as one: `*.a.foo.com` has 4. */
  readonly labels: number;
}

const dnsLabel = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const hostPattern = new RegExp(`^(\\*\\.)?${dnsLabel}(\\.${dnsLabel})*$`);

export function hostMatch(host: unknown): Result<HostMatch> {
  if (host !== undefined && host !== null && typeof host !== 'string') return err(`host ${show(host)} is not a string`);
  if (host === undefined || host === null || host === '') return ok({ host: null, tier: HostTier.none, labels: 0 });
  const lower = host.toLowerCase();
  if (lower.length > 253 || !hostPattern.test(lower) || lower === '*')
    return err(
      `host ${quote(host)} is not allowed; use a DNS name such as "shop.example.com", or "*.example.com" for one extra label`,
    );
  // A wildcard host also needs its too-deep guard pattern (two characters longer) to fit.
  const limit = lower.startsWith('*.') ? maxPatternLength - 2 : maxPatternLength;
  if (lower.length > limit)
    return err(`host ${quote(host)} is longer than ${limit} characters; ALB allows ${maxPatternLength} per host-header value`);
  const labels = lower.split('.').length;
  return ok({ host: lower, tier: lower.startsWith('*.') ? HostTier.wildcard : HostTier.exact, labels });
}

/**
 * The ALB host pattern that catches names too deep for a Kubernetes wildcard: `*.foo.com`
 * matches one label only, but ALB's `*` also spans dots, so `*.*.foo.com` is answered first.
 */
export function tooDeepHostPattern(wildcardHost: string): string {
  return `*.${wildcardHost}`;
}
