// Listener rules of a group, per listener in evaluation order: routes sorted, guard rules in
// front of each wildcard host, rules over ALB's limits split, redirects to the listener
// itself and rules matching exactly what an earlier rule matches left out (with a warning),
// and stable ids from what each rule matches.
import { OwnershipTag, ResourceId } from '../model/ids.js';
import type { ActionSpec, ConditionSpec, ListenerProtocol, ObjectKey, RuleSpec, Tags } from '../model/resources.js';
import { actionsAnnotation } from '../ingress/backend-annotations.js';
import { quote } from '../model/messages.js';
import { conditionsIdText, conditionsKey, sortConditions, splitConditions } from './conditions.js';
import type { MemberModel, Route } from './member.js';
import { HostTier, tooDeepHostPattern } from './paths.js';
import { describeRedirect, redirectLoops } from './redirects.js';
import { routeConditions, routePlace, sortRoutes } from './rule-order.js';
import { ownedTags } from './tags.js';

export interface ListenerRulesInput {
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly defaultAction: ActionSpec;
  /** `false` when the listener only redirects (ssl-redirect): it keeps no rules. */
  readonly withRules: boolean;
}

export interface RulesInput {
  readonly clusterName: string;
  readonly group: string;
  readonly userTags: Tags;
  /** Accepted members, in group order. */
  readonly members: readonly MemberModel[];
  /** Sorted by port. */
  readonly listeners: readonly ListenerRulesInput[];
}

export interface RulesOutcome {
  /** Per listener (by port), each in evaluation order. */
  readonly rules: readonly RuleSpec[];
  /** Members whose rules cannot be built within ALB's limits. */
  readonly problems: ReadonlyMap<ObjectKey, readonly string[]>;
  /** Paths left out of a listener (a redirect loop, a duplicate), by Ingress; each message once. */
  readonly warnings: ReadonlyMap<ObjectKey, readonly string[]>;
}

/** One rule before splitting: a route, a guard copy of a route, or the final guard. */
interface DraftRule {
  readonly conditions: ConditionSpec[];
  readonly action: ActionSpec;
  readonly route: Route | null;
  /** What the rule is, for messages. */
  readonly what: string;
}

export function buildRules(input: RulesInput): RulesOutcome {
  const rules: RuleSpec[] = [];
  const problems = new Map<ObjectKey, string[]>();
  const warnings = new Map<ObjectKey, string[]>();
  // The same path on several listeners may fail the same way: report it once.
  const report = (to: Map<ObjectKey, string[]>, ingress: ObjectKey, message: string): void => {
    const list = to.get(ingress) ?? [];
    if (!list.includes(message)) list.push(message);
    to.set(ingress, list);
  };
  for (const listener of input.listeners) {
    if (!listener.withRules) continue;
    const routes = sortRoutes(
      input.members.filter((m) => m.listenPorts.some((p) => p.port === listener.port)).flatMap((m) => m.routes),
    );
    const seen = new Map<string, DraftRule>();
    const ids = new Set<string>();
    for (const draft of withGuards(routes, listener.defaultAction)) {
      if (draft.route !== null && redirectLoops(draft.action, listener, draft.conditions)) {
        // Left out: requests fall through to the next rule that matches them.
        report(warnings, draft.route.ingress, redirectLoopWarning(draft.route, listener));
        continue;
      }
      const split = splitConditions(draft.conditions);
      if (!split.ok) {
        if (draft.route !== null) report(problems, draft.route.ingress, `${draft.route.where}: ${draft.what} ${split.error}`);
        continue;
      }
      for (const chunk of split.value) {
        const conditions = sortConditions(chunk);
        const canonical = conditionsIdText(conditions);
        const earlier = seen.get(canonical);
        if (earlier !== undefined) {
          // Only the first rule for the same requests is ever served. Identical actions lose nothing.
          if (draft.route !== null && stableJson(earlier.action) !== stableJson(draft.action))
            report(warnings, draft.route.ingress, duplicateWarning(draft.route, earlier, listener.port));
          continue;
        }
        seen.set(canonical, draft);
        let key = conditionsKey(conditions);
        for (let attempt = 1; ids.has(key); attempt++) key = conditionsKey(conditions, attempt);
        ids.add(key);
        const id = ResourceId.rule(listener.port, key);
        const ingress = draft.route?.ingress ?? null;
        rules.push({
          id,
          listenerPort: listener.port,
          conditions,
          action: draft.action,
          ingress,
          tags: {
            ...ownedTags(input.userTags, input.clusterName, input.group, id),
            ...(ingress === null ? {} : { [OwnershipTag.ingress]: ingress }),
          },
        });
      }
    }
  }
  return { rules, problems, warnings };
}

function describePath(route: Route): string {
  const host = route.host.host === null ? 'no host' : `host ${quote(route.host.host)}`;
  return `${route.where} (${host}, ${route.path.kind} ${quote(route.path.path)})`;
}

function redirectLoopWarning(route: Route, listener: ListenerRulesInput): string {
  const redirect = describeRedirect(route.action);
  return `${route.where}: annotation ${actionsAnnotation(route.backend)} redirects to ${redirect}, which on listener ${listener.protocol} ${listener.port} is the same URL the request came with: every request would be redirected to itself forever. The redirect is left out of that listener, so requests there go to the next matching path (or the default action)`;
}

function duplicateWarning(route: Route, earlier: DraftRule, port: number): string {
  const first =
    earlier.route === null
      ? 'a guard rule for a wildcard host'
      : earlier.route.ingress === route.ingress
        ? `${earlier.route.where} of the same Ingress`
        : `${earlier.route.where} of Ingress ${earlier.route.ingress}`;
  return `${describePath(route)} is not served on listener port ${port}: ${first} matches exactly the same requests and comes first in rule order. Give one of them another path, host or conditions`;
}

/** JSON with object keys sorted, so equal actions built in different ways compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Routes in order, with guards in front of each wildcard host `*.foo.com`: ALB's `*` spans
 * dots, Kubernetes' matches one label, so a deeper name (`a.b.foo.com`) must not reach the
 * wildcard's rules. It gets what it would get in Kubernetes: the host-less rules (copied,
 * restricted to `*.*.foo.com`), then the listener's default action.
 */
function* withGuards(routes: readonly Route[], defaultAction: ActionSpec): Generator<DraftRule> {
  const hostless = routes.filter((r) => routePlace(r).tier === HostTier.none);
  const guarded = new Set<string>();
  for (const route of routes) {
    const place = routePlace(route);
    if (place.tier === HostTier.wildcard && !guarded.has(place.host)) {
      guarded.add(place.host);
      const deep = tooDeepHostPattern(place.host);
      for (const r of hostless)
        yield {
          conditions: routeConditions(r, deep),
          action: r.action,
          route: r,
          what: `the copy of this path's rule for host ${quote(deep)} (names too deep for wildcard host ${quote(place.host)})`,
        };
      yield { conditions: [{ field: 'host-header', values: [deep] }], action: defaultAction, route: null, what: 'guard' };
    }
    yield { conditions: routeConditions(route), action: route.action, route, what: "this path's ALB rule" };
  }
}
