// Hostnames of the Gateway API: a listener's `hostname` and a route's `hostnames`, and the
// intersection the spec defines between them. A wildcard `*.example.com` is a suffix match: it
// matches `a.example.com` and `a.b.example.com`, never `example.com` (HTTPRoute `hostnames`,
// Listener `hostname`, gateway-api.sigs.k8s.io/reference/spec). ALB's host-header `*` spans
// dots too, so a wildcard goes to ALB as written.
import { err, ok, type Result } from '../model/result.js';
import { quote, show } from '../model/messages.js';
import { compareStrings } from '../model/compare.js';

const dnsLabel = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const hostnamePattern = new RegExp(`^(\\*\\.)?${dnsLabel}(\\.${dnsLabel})*$`);

/** ALB's limit on one host-header value. */
const maxHostLength = 128;

/** A hostname as the Gateway API allows it, lower-cased; an IP address is refused, as the spec does. */
export function parseHostname(value: unknown, field: string): Result<string> {
  if (typeof value !== 'string') return err(`${field} ${show(value)} is not a string`);
  const lower = value.toLowerCase();
  if (!hostnamePattern.test(lower) || /^[0-9.]+$/.test(lower))
    return err(`${field} ${quote(value)} is not a hostname; use a DNS name such as "shop.example.com", or "*.example.com" for its subdomains`);
  if (lower.length > maxHostLength) return err(`${field} ${quote(value)} is longer than ${maxHostLength} characters, the ALB limit for a host-header value`);
  return ok(lower);
}

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** Whether every name `inner` matches is also matched by `outer`. */
export function covers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  if (!isWildcard(outer)) return false;
  const suffix = outer.slice(1); // ".example.com"
  return inner.endsWith(suffix) && inner.length > suffix.length && (isWildcard(inner) ? inner.slice(1).endsWith(suffix) : true);
}

/**
 * The hostnames a route serves on a listener: `null` for every host (neither sets one), else
 * the non-empty list of names both allow, or `[]` when they share none.
 * - no listener hostname: the route's hostnames;
 * - no route hostnames: the listener's hostname;
 * - otherwise each route hostname the listener's covers, and the listener's hostname where a
 *   route hostname covers it (a route `*.example.com` on a listener `foo.example.com` serves
 *   `foo.example.com`).
 */
export function intersectHostnames(listener: string | null, route: readonly string[]): readonly string[] | null {
  if (listener === null) return route.length === 0 ? null : [...new Set(route)];
  if (route.length === 0) return [listener];
  const out = new Set<string>();
  for (const name of route) {
    if (covers(listener, name)) out.add(name);
    else if (covers(name, listener)) out.add(listener);
  }
  return [...out];
}

/**
 * Hostname precedence: exact names before wildcards, then more characters first (a longer
 * wildcard is the more specific); no hostname last. Negative when `a` comes first.
 */
export function compareHostnames(a: string | null, b: string | null): number {
  const tier = (h: string | null): number => (h === null ? 2 : isWildcard(h) ? 1 : 0);
  return tier(a) - tier(b) || (b?.length ?? 0) - (a?.length ?? 0) || compareStrings(a ?? '', b ?? '');
}
