// The order ALB must evaluate one listener's rules in (first match wins) so that the result
// is what Kubernetes means: exact hosts, then wildcard hosts (more labels first), then rules
// without host. Within a host the most specific path first: paths that match one request
// path (Exact, patterns without wildcards), then Prefix paths and patterns longest first,
// patterns measured by their literal part, Prefix before pattern at equal length; remaining
// ties by group order, then by position in the Ingress.
import { compareStrings } from '../model/compare.js';
import type { ConditionSpec } from '../model/resources.js';
import type { Route } from './member.js';
import { HostTier } from './paths.js';

const kindRank = { Exact: 0, Prefix: 1, ImplementationSpecific: 2 } as const;

export interface RoutePlace {
  readonly tier: HostTier;
  readonly labels: number;
  /** The host the rule is grouped under; '' for no host. */
  readonly host: string;
}

/**
 * A route's host tier. Hosts added only by `conditions.NAME` are ALB patterns like any exact
 * host: the route is ordered with exact hosts under its first such host.
 */
export function routePlace(route: Route): RoutePlace {
  if (route.host.host !== null) return { tier: route.host.tier, labels: route.host.labels, host: route.host.host };
  const first = route.extra.hosts[0];
  if (first !== undefined) return { tier: HostTier.exact, labels: 0, host: first };
  return { tier: HostTier.none, labels: 0, host: '' };
}

/** Negative when `a` must be evaluated before `b`. */
export function compareRoutes(a: Route, b: Route): number {
  const pa = routePlace(a);
  const pb = routePlace(b);
  return (
    pa.tier - pb.tier ||
    (pa.tier === HostTier.wildcard ? pb.labels - pa.labels : 0) ||
    compareStrings(pa.host, pb.host) ||
    Number(b.path.exact) - Number(a.path.exact) ||
    b.path.length - a.path.length ||
    kindRank[a.path.kind] - kindRank[b.path.kind] ||
    a.member - b.member ||
    a.position - b.position
  );
}

/** Routes in evaluation order (a new array). */
export function sortRoutes(routes: readonly Route[]): Route[] {
  return [...routes].sort(compareRoutes);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/**
 * The conditions of a route's rule. As in the AWS Load Balancer Controller, hosts and paths
 * from `conditions.NAME` are ORed into the rule's own host and path conditions. A path that
 * matches everything needs no path condition, but a rule needs at least one condition, so a
 * rule matching everything gets path-pattern `/*`. `host` replaces the host condition (used
 * for the copies of host-less rules that guard a wildcard host).
 */
export function routeConditions(route: Route, host?: string): ConditionSpec[] {
  const hosts = host !== undefined ? [host] : unique([...(route.host.host === null ? [] : [route.host.host]), ...route.extra.hosts]);
  const paths = route.path.patterns === null ? [] : unique([...route.path.patterns, ...route.extra.paths]);
  const conditions: ConditionSpec[] = [];
  if (hosts.length > 0) conditions.push({ field: 'host-header', values: hosts });
  if (paths.length > 0) conditions.push({ field: 'path-pattern', values: paths });
  conditions.push(...route.extra.others);
  if (conditions.length === 0) conditions.push({ field: 'path-pattern', values: ['/*'] });
  return conditions;
}
