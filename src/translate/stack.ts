// One group -> its DesiredStack, in two steps: settle which members are applied (the others
// are left out, frozen in AWS), then assemble the stack from them. A group over ALB's
// per-load-balancer limits is not built at all.
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import type { DesiredStack, IngressError, IngressWarning, ListenerSpec, ObjectKey, TlsResolver } from '../model/resources.js';
import { Annotation, annotationKey } from '../ingress/annotations.js';
import { degraded, excluded, warning } from '../ingress/errors.js';
import { show } from '../model/messages.js';
import type { IngressGroup } from '../ingress/group.js';
import { compareStrings } from '../model/compare.js';
import { notFound404 } from './backends.js';
import { buildListeners } from './listeners.js';
import { buildLoadBalancer } from './load-balancer.js';
import { buildMember, type MemberModel } from './member.js';
import { mergeMembers, type Merged } from './merge.js';
import { describeRedirect, redirectLoops } from './redirects.js';
import { buildRules, type RulesOutcome } from './rules.js';
import { buildSecurityGroup, defaultInboundCidrs } from './security-group.js';
import { buildTargetGroup, referencedTargetGroups } from './target-groups.js';
import { maxInboundRulesPerSecurityGroup, maxListenersPerLoadBalancer, maxTagsPerResource } from '../model/aws-limits.js';
import { OwnershipTag } from '../model/ids.js';
import type { SecurityGroupSpec, Tags } from '../model/resources.js';

/** ALB quotas per load balancer (defaults). */
export const LoadBalancerLimits = { rules: 100, targetGroups: 100 } as const;

/** What translating a group reads besides its Ingresses: the cluster's Services, endpoints and TLS. */
export interface TranslateContext {
  readonly clusterName: string;
  /** Services by `namespace/name`. */
  readonly services: Pick<ReadonlyMap<string, V1Service>, 'get'>;
  /** The EndpointSlices of one Service. */
  readonly endpointSlicesFor: (namespace: string, service: string) => readonly V1EndpointSlice[];
  /** Pods by namespace and name, for endpoints held by the readiness gate. @default none known */
  readonly pod?: ((namespace: string, name: string) => V1Pod | undefined) | undefined;
  readonly tls?: TlsResolver | undefined;
  /**
   * The other groups whose members ask for this load balancer name (annotation
   * `load-balancer-name` or IngressClassParams `loadBalancerName`), each with one Ingress that
   * asks. A load balancer name is unique per region and account.
   * @default no other group asks for any name
   */
  readonly loadBalancerNameAskedBy?: ((name: string) => readonly { readonly group: string; readonly ingress: ObjectKey }[]) | undefined;
}

export interface GroupOutcome {
  /** `null` when the group is frozen: no member can be applied, or the group is over a limit. */
  readonly stack: DesiredStack | null;
  readonly errors: readonly IngressError[];
  /** Warnings about the members applied; none when the group is frozen. */
  readonly warnings: readonly IngressWarning[];
}

/** The members of a group that can be applied together, and what they build. */
interface Settled {
  readonly merged: Merged;
  readonly listeners: readonly ListenerSpec[];
  readonly rules: RulesOutcome;
  /** Members left out, by key: invalid alone, or in conflict with an earlier member. */
  readonly left: ReadonlySet<ObjectKey>;
  /** Why each member was left out. */
  readonly errors: readonly IngressError[];
  /** Listeners whose default action was a redirect to itself, replaced by a 404. */
  readonly defaultLoops: readonly IngressWarning[];
  /** Every member, applied or left out, in group order. */
  readonly order: readonly ObjectKey[];
}

/**
 * One group -> its desired stack, with per-Ingress errors and warnings as values; never
 * throws. `stack` is `null` when no member can be applied or the group is over a limit.
 */
export function buildGroupStack(group: IngressGroup, ctx: TranslateContext): GroupOutcome {
  const settled = settleMembers(group, ctx);
  if (settled.merged.members.length === 0) return { stack: null, errors: settled.errors, warnings: [] };
  return assembleStack(group.name, settled, ctx);
}

/**
 * Decides which members are applied. Members are read one by one, then merged in group
 * order; members whose listeners or rules cannot be built are left out and the rest merged
 * again (dropping a member can settle others' conflicts), until every remaining member fits.
 */
function settleMembers(group: IngressGroup, ctx: TranslateContext): Settled {
  const errors: IngressError[] = [...group.rejected];
  const left = new Set<ObjectKey>(group.rejected.map((e) => e.ingress));
  /** Why a built member's Secrets failed: said with whatever leaves it out (a Secret that is its only certificate, say). */
  const certificateProblems = new Map<ObjectKey, readonly string[]>();
  const leaveOut = (key: ObjectKey, problems: readonly string[]): void => {
    left.add(key);
    for (const p of [...problems, ...(certificateProblems.get(key) ?? [])]) errors.push(excluded(key, group.name, p));
    certificateProblems.delete(key);
  };

  let candidates: MemberModel[] = [];
  for (const [index, member] of group.members.entries()) {
    const outcome = buildMember(member, index, { services: ctx.services, tls: ctx.tls });
    if (outcome.ok) {
      candidates.push(outcome.value);
      certificateProblems.set(member.key, outcome.value.certificateProblems);
    } else leaveOut(member.key, outcome.error);
  }

  for (;;) {
    const { merged, conflicts } = mergeMembers(group.name, candidates);
    const hard = new Map<ObjectKey, string[]>();
    const add = (key: ObjectKey, problem: string): void => void hard.set(key, [...(hard.get(key) ?? []), problem]);
    for (const [key, problem] of listenerProblems(merged)) add(key, problem);
    const sslRedirectPort = merged.exclusive[Annotation.sslRedirect]?.value;
    const built = buildListeners({
      clusterName: ctx.clusterName,
      group: group.name,
      userTags: merged.tags,
      members: merged.members,
      protocols: merged.listenerProtocols,
      defaultAction: merged.defaultBackend?.action ?? notFound404,
      sslPolicy: merged.exclusive[Annotation.sslPolicy]?.value,
      sslRedirectPort,
    });
    const { listeners, defaultLoops } = withoutLoopingDefaults(group.name, built, merged);
    const rules = buildRules({
      clusterName: ctx.clusterName,
      group: group.name,
      userTags: merged.tags,
      members: merged.members,
      listeners: listeners.map((l) => ({
        port: l.port,
        protocol: l.protocol,
        defaultAction: l.defaultAction,
        withRules: !(l.protocol === 'HTTP' && sslRedirectPort !== undefined),
      })),
    });
    for (const [key, problems] of rules.problems) for (const p of problems) add(key, p);
    if (hard.size > 0) {
      for (const [key, problems] of hard) leaveOut(key, problems);
      candidates = candidates.filter((c) => !hard.has(c.key));
      continue;
    }
    for (const [key, problems] of conflicts) leaveOut(key, problems);
    const order = [...group.members.map((m) => m.key), ...group.rejected.map((e) => e.ingress)];
    return { merged, listeners, rules, left, errors, defaultLoops, order };
  }
}

/**
 * The stack of the settled members, unless it is over ALB's per-load-balancer limits (then
 * the group is frozen and every member told).
 */
function assembleStack(groupName: string, settled: Settled, ctx: TranslateContext): GroupOutcome {
  const { merged, listeners, rules } = settled;
  const errors = [...settled.errors];
  const used = referencedTargetGroups([...listeners.map((l) => l.defaultAction), ...rules.rules.map((r) => r.action)]);
  const overLimit = limitProblem(groupName, rules.rules.length, used.ids.length + used.arns.length);
  if (overLimit !== null) {
    for (const m of merged.members) errors.push(excluded(m.key, groupName, overLimit));
    return { stack: null, errors, warnings: [] };
  }
  for (const m of merged.members) for (const p of m.degraded) errors.push(degraded(m.key, groupName, p));
  const warnings: IngressWarning[] = [...settled.defaultLoops];
  for (const m of merged.members) {
    for (const p of m.warnings) warnings.push(warning(m.key, groupName, p));
    for (const p of rules.warnings.get(m.key) ?? []) warnings.push(warning(m.key, groupName, p));
  }

  const userTags = merged.tags;
  const loadBalancer = buildLoadBalancer(ctx.clusterName, groupName, merged.exclusive, userTags);
  const securityGroup =
    loadBalancer.securityGroups.length > 0
      ? null
      : buildSecurityGroup(
          ctx.clusterName,
          groupName,
          listeners.map((l) => l.port),
          merged.exclusive[Annotation.inboundCidrs]?.value ?? defaultInboundCidrs(loadBalancer.ipAddressType),
          userTags,
        );
  for (const m of merged.members) for (const p of ignoredSettings(m, loadBalancer.securityGroups.length > 0)) warnings.push(warning(m.key, groupName, p));
  const manageBackendRules = merged.exclusive[Annotation.manageBackendSecurityGroupRules]?.value;
  // ssl-redirect turns the group's HTTP listeners into redirects: a member that listens on no
  // HTTPS port has its paths served nowhere.
  const redirect = merged.exclusive[Annotation.sslRedirect];
  if (redirect !== undefined) {
    for (const m of merged.members) {
      if (m.routes.length === 0 || m.listenPorts.some((p) => p.protocol === 'HTTPS')) continue;
      warnings.push(
        warning(
          m.key,
          groupName,
          `its paths are served on no listener: annotation ${annotationKey(Annotation.sslRedirect)} "${redirect.written}" of the group makes every HTTP port redirect to HTTPS port ${redirect.value}, and this Ingress listens on HTTP only; add spec.tls, or ${annotationKey(Annotation.listenPorts)} with {"HTTPS": ${redirect.value}}`,
        ),
      );
    }
  }
  const targetGroups = used.ids.sort(compareStrings).flatMap((id) => {
    const draft = merged.targetGroups.get(id);
    return draft === undefined ? [] : [buildTargetGroup(ctx.clusterName, groupName, draft, ctx.endpointSlicesFor(draft.namespace, draft.serviceName), userTags, ctx.pod)];
  });
  const overQuota =
    nameProblem(groupName, merged, ctx) ??
    listenerLimitProblem(groupName, listeners) ??
    (securityGroup === null ? null : securityGroupRuleProblem(groupName, securityGroup, merged)) ??
    tagLimitProblem(groupName, [
      { what: 'the load balancer', tags: loadBalancer.tags },
      ...(securityGroup === null ? [] : [{ what: 'the security group', tags: securityGroup.tags }]),
      ...listeners.map((l) => ({ what: `listener ${l.protocol} ${l.port}`, tags: l.tags })),
      ...rules.rules.map((r) => ({ what: `rule ${r.id}`, tags: r.tags })),
      ...targetGroups.map((t) => ({ what: `the target group of Service ${t.service.key} port ${t.service.port}`, tags: t.tags })),
    ]);
  if (overQuota !== null) {
    // Like the rule limit: AWS would refuse part-way through an apply, so nothing is changed.
    const stopped = [...settled.errors];
    for (const m of merged.members) stopped.push(excluded(m.key, groupName, overQuota));
    return { stack: null, errors: stopped, warnings: [] };
  }
  return {
    stack: {
      group: groupName,
      ingresses: merged.members.map((m) => m.key),
      loadBalancer,
      securityGroup,
      listeners,
      rules: rules.rules,
      targetGroups,
      frozenIngresses: [...settled.left].sort(compareStrings),
      groupOrder: settled.order,
      ...(manageBackendRules === undefined ? {} : { manageBackendSecurityGroupRules: manageBackendRules }),
    },
    errors,
    warnings,
  };
}

/** Group-wide annotations a member sets that change nothing, said rather than ignored. */
function ignoredSettings(member: MemberModel, namedSecurityGroups: boolean): string[] {
  const out: string[] = [];
  const cidrs = member.exclusive[Annotation.inboundCidrs];
  if (cidrs !== undefined && namedSecurityGroups)
    out.push(
      `${cidrs.source}: ${show(cidrs.written)} has no effect because ${annotationKey(Annotation.securityGroups)} names the load balancer's security groups; allow those CIDRs in them instead`,
    );
  return out;
}

/**
 * A default backend that redirects to the listener it is the default of would loop on every
 * request no rule matches: that listener answers 404 instead, and its owner is told.
 */
function withoutLoopingDefaults(
  group: string,
  listeners: readonly ListenerSpec[],
  merged: Merged,
): { listeners: ListenerSpec[]; defaultLoops: IngressWarning[] } {
  const owner = merged.members.find((m) => m.defaultBackend !== null)?.key;
  const defaultLoops: IngressWarning[] = [];
  const out = listeners.map((l) => {
    if (owner === undefined || !redirectLoops(l.defaultAction, l, [])) return l;
    defaultLoops.push(
      warning(
        owner,
        group,
        `spec.defaultBackend redirects to ${describeRedirect(l.defaultAction)}, which on listener ${l.protocol} ${l.port} is the same URL the request came with: every request would be redirected to itself forever. That listener answers requests no rule matches with a fixed 404 instead`,
      ),
    );
    return { ...l, defaultAction: notFound404 };
  });
  return { listeners: out, defaultLoops };
}

/**
 * Problems that depend on the group as merged: an HTTPS listener no member gives a
 * certificate, and an ssl-redirect to a port that is not an HTTPS listener of the group.
 */
function listenerProblems(merged: Merged): [ObjectKey, string][] {
  const out: [ObjectKey, string][] = [];
  for (const [port, protocol] of merged.listenerProtocols) {
    if (protocol !== 'HTTPS') continue;
    const on = merged.members.filter((m) => m.listenPorts.some((p) => p.port === port));
    if (on.some((m) => m.certificates.length > 0 || m.uncoveredHosts.length > 0)) continue;
    for (const m of on)
      out.push([
        m.key,
        m.listenPortsFrom === 'spec.tls'
          ? `HTTPS port ${port}, which spec.tls asks for, has no certificate: no Secret of spec.tls can be used (the reason is given for each) and no member of the group gives another; fix the Secret, or set annotation ${annotationKey(Annotation.certificateArn)}`
          : `annotation ${annotationKey(Annotation.listenPorts)}: HTTPS port ${port} needs a certificate and no member of the group gives one; add spec.tls with a Secret, or set annotation ${annotationKey(Annotation.certificateArn)}`,
      ]);
  }
  const redirect = merged.exclusive[Annotation.sslRedirect];
  if (redirect !== undefined && merged.listenerProtocols.get(redirect.value) !== 'HTTPS') {
    for (const m of merged.members)
      if (m.exclusive[Annotation.sslRedirect] !== undefined)
        out.push([
          m.key,
          `annotation ${annotationKey(Annotation.sslRedirect)}: "${redirect.written}" names port ${redirect.value}, which is not an HTTPS listen port of the group; add {"HTTPS": ${redirect.value}} to ${annotationKey(Annotation.listenPorts)}`,
        ]);
  }
  return out;
}

function limitProblem(group: string, rules: number, targetGroups: number): string | null {
  if (rules > LoadBalancerLimits.rules)
    return `group ${group} needs ${rules} listener rules; an ALB allows at most ${LoadBalancerLimits.rules} (not counting listener defaults), so the group is not changed. Split it into several groups`;
  if (targetGroups > LoadBalancerLimits.targetGroups)
    return `group ${group} needs ${targetGroups} target groups; an ALB allows at most ${LoadBalancerLimits.targetGroups}, so the group is not changed. Split it into several groups`;
  return null;
}

/**
 * A load balancer name this group sets that another group asks for too. Names are unique per
 * region and account: AWS would hand one group the other's load balancer, or refuse the
 * create. Every group asking is stopped (a later one cannot take the name from an earlier
 * one), each told which other group asks.
 */
function nameProblem(group: string, merged: Merged, ctx: TranslateContext): string | null {
  const asked = merged.exclusive[Annotation.loadBalancerName];
  if (asked === undefined || ctx.loadBalancerNameAskedBy === undefined) return null;
  const others = ctx.loadBalancerNameAskedBy(asked.value).filter((o) => o.group !== group);
  if (others.length === 0) return null;
  const named = others.map((o) => `group ${o.group} (Ingress ${o.ingress})`).join(', ');
  return `${asked.source}: load balancer name ${JSON.stringify(asked.value)} is also asked for by ${named}; a load balancer name is unique per region and account, so neither group is changed. Give each group its own name`;
}

/** One listener per port: over ALB's quota the create of the 51st listener would fail. */
function listenerLimitProblem(group: string, listeners: readonly ListenerSpec[]): string | null {
  if (listeners.length <= maxListenersPerLoadBalancer) return null;
  const ports = listeners.map((l) => l.port);
  const shown = ports.length > 10 ? `${ports.slice(0, 10).join(', ')}, ...` : ports.join(', ');
  return `group ${group} needs ${listeners.length} listeners (one per listen port: ${shown}); an ALB allows at most ${maxListenersPerLoadBalancer}, so the group is not changed. Use fewer ports in annotation ${annotationKey(Annotation.listenPorts)}, or split the group`;
}

/**
 * The managed security group has one inbound rule per listen port and CIDR, counted apart for
 * IPv4 and IPv6 sources as AWS counts them.
 */
function securityGroupRuleProblem(group: string, securityGroup: SecurityGroupSpec, merged: Merged): string | null {
  const ports = new Set(securityGroup.ingress.map((r) => r.port)).size;
  for (const family of ['IPv4', 'IPv6'] as const) {
    const rules = securityGroup.ingress.filter((r) => r.cidr.includes(':') === (family === 'IPv6'));
    if (rules.length <= maxInboundRulesPerSecurityGroup) continue;
    const cidrs = new Set(rules.map((r) => r.cidr)).size;
    const source = merged.exclusive[Annotation.inboundCidrs]?.source ?? `the default of annotation ${annotationKey(Annotation.inboundCidrs)}`;
    return `group ${group} needs ${rules.length} ${family} inbound rules in its security group (${ports} listen ports × ${cidrs} ${family} CIDRs from ${source}); a security group allows at most ${maxInboundRulesPerSecurityGroup}, so the group is not changed. Use fewer listen ports or CIDRs, or name security groups in annotation ${annotationKey(Annotation.securityGroups)}`;
  }
  return null;
}

/** Tags per resource: the user's (group and Service `tags`) plus the ones Albatross adds. */
function tagLimitProblem(group: string, resources: readonly { readonly what: string; readonly tags: Tags }[]): string | null {
  const own = new Set<string>(Object.values(OwnershipTag));
  for (const { what, tags } of resources) {
    const keys = Object.keys(tags);
    if (keys.length <= maxTagsPerResource) continue;
    const ours = keys.filter((k) => own.has(k)).length;
    return `group ${group} needs ${keys.length} tags on ${what} (${keys.length - ours} from annotation ${annotationKey(Annotation.tags)} and IngressClassParams, ${ours} that Albatross adds); AWS allows at most ${maxTagsPerResource} tags per resource, so the group is not changed. Remove ${keys.length - maxTagsPerResource} of the tags`;
  }
  return null;
}
