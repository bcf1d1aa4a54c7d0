// Listener rules of a group, per listener in evaluation order: routes sorted, guard rules in
// front of each wildcard host, rules over ALB's limits split, rules matching exactly what an
// earlier rule matches dropped, and stable ids from what each rule matches.
import { OwnershipTag, ResourceId } from '../model/ids.js';
import type { ActionSpec, ConditionSpec, ObjectKey, RuleSpec, Tags } from '../model/resources.js';
import { quote } from '../ingress/result.js';
import { canonicalConditions, conditionsKey, sortConditions, splitConditions } from './conditions.js';
import type { MemberModel, Route } from './member.js';
import { HostTier, tooDeepHostPattern } from './paths.js';
import { routeConditions, routePlace, sortRoutes } from './rule-order.js';
import { ownedTags } from './tags.js';

export interface ListenerRulesInput {
  readonly port: number;
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
  for (const listener of input.listeners) {
    if (!listener.withRules) continue;
    const routes = sortRoutes(
      input.members.filter((m) => m.listenPorts.some((p) => p.port === listener.port)).flatMap((m) => m.routes),
    );
    const seen = new Set<string>();
    const ids = new Set<string>();
    for (const draft of withGuards(routes, listener.defaultAction)) {
      const split = splitConditions(draft.conditions);
      if (!split.ok) {
        if (draft.route !== null) {
          // The same path on several listeners fails the same way: report it once.
          const list = problems.get(draft.route.ingress) ?? [];
          const problem = `${draft.route.where}: ${draft.what} ${split.error}`;
          if (!list.includes(problem)) list.push(problem);
          problems.set(draft.route.ingress, list);
        }
        continue;
      }
      for (const chunk of split.value) {
        const conditions = sortConditions(chunk);
        const canonical = canonicalConditions(conditions);
        if (seen.has(canonical)) continue;
        seen.add(canonical);
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
  return { rules, problems };
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
