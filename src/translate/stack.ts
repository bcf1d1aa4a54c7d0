// One group -> its DesiredStack. Members are read one by one, then merged in group order;
// members whose rules cannot be built are left out and the rest merged again, until every
// remaining member fits. A group over ALB's per-load-balancer limits is not built at all.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { DesiredStack, IngressError, ObjectKey, TlsResolver } from '../model/resources.js';
import { Annotation, annotationKey } from '../ingress/annotations.js';
import { degraded, excluded } from '../ingress/errors.js';
import type { IngressGroup } from '../ingress/group.js';
import { compareStrings } from '../model/compare.js';
import { notFound404 } from './backends.js';
import { buildListeners } from './listeners.js';
import { buildLoadBalancer } from './load-balancer.js';
import { buildMember, type MemberModel } from './member.js';
import { mergeMembers, type Merged } from './merge.js';
import { buildRules } from './rules.js';
import { buildSecurityGroup, defaultInboundCidrs } from './security-group.js';
import { buildTargetGroup, referencedTargetGroups } from './target-groups.js';

/** ALB quotas per load balancer (defaults). */
export const LoadBalancerLimits = { rules: 100, targetGroups: 100 } as const;

export interface StackContext {
  readonly clusterName: string;
  /** Services by `namespace/name`. */
  readonly services: Pick<ReadonlyMap<string, V1Service>, 'get'>;
  /** The EndpointSlices of one Service. */
  readonly endpointSlicesFor: (namespace: string, service: string) => readonly V1EndpointSlice[];
  readonly tls?: TlsResolver | undefined;
}

export interface GroupOutcome {
  /** `null` when the group is frozen: no member can be applied, or the group is over a limit. */
  readonly stack: DesiredStack | null;
  readonly errors: readonly IngressError[];
}

export function buildGroupStack(group: IngressGroup, ctx: StackContext): GroupOutcome {
  const errors: IngressError[] = [...group.rejected];
  const left = new Set<ObjectKey>(group.rejected.map((e) => e.ingress));
  const leaveOut = (key: ObjectKey, problems: readonly string[]): void => {
    left.add(key);
    for (const p of problems) errors.push(excluded(key, group.name, p));
  };

  let candidates: MemberModel[] = [];
  for (const [index, member] of group.members.entries()) {
    const outcome = buildMember(member, index, { services: ctx.services, tls: ctx.tls });
    if (outcome.ok) candidates.push(outcome.model);
    else leaveOut(member.key, outcome.problems);
  }

  for (;;) {
    const { merged, conflicts } = mergeMembers(group.name, candidates);
    const hard = new Map<ObjectKey, string[]>();
    const add = (key: ObjectKey, problem: string): void => void hard.set(key, [...(hard.get(key) ?? []), problem]);
    for (const [key, problem] of listenerProblems(merged)) add(key, problem);
    const userTags = merged.tags;
    const sslRedirectPort = merged.exclusive[Annotation.sslRedirect]?.value;
    const listeners = buildListeners({
      clusterName: ctx.clusterName,
      group: group.name,
      userTags,
      members: merged.members,
      protocols: merged.listenerProtocols,
      defaultAction: merged.defaultBackend?.action ?? notFound404,
      sslPolicy: merged.exclusive[Annotation.sslPolicy]?.value,
      sslRedirectPort,
    });
    const rules = buildRules({
      clusterName: ctx.clusterName,
      group: group.name,
      userTags,
      members: merged.members,
      listeners: listeners.map((l) => ({
        port: l.port,
        defaultAction: l.defaultAction,
        withRules: !(l.protocol === 'HTTP' && sslRedirectPort !== undefined),
      })),
    });
    for (const [key, problems] of rules.problems) for (const p of problems) add(key, p);
    if (hard.size > 0) {
      // Leave these out and merge again: dropping a member can settle others' conflicts.
      for (const [key, problems] of hard) leaveOut(key, problems);
      candidates = candidates.filter((c) => !hard.has(c.key));
      continue;
    }

    for (const [key, problems] of conflicts) leaveOut(key, problems);
    const frozenIngresses = [...left].sort(compareStrings);
    if (merged.members.length === 0) return { stack: null, errors };

    const used = referencedTargetGroups([...listeners.map((l) => l.defaultAction), ...rules.rules.map((r) => r.action)]);
    const overLimit = limitProblem(group.name, rules.rules.length, used.ids.length + used.arns.length);
    if (overLimit !== null) {
      for (const m of merged.members) errors.push(excluded(m.key, group.name, overLimit));
      return { stack: null, errors };
    }
    for (const m of merged.members) for (const p of m.degraded) errors.push(degraded(m.key, group.name, p));

    const loadBalancer = buildLoadBalancer(ctx.clusterName, group.name, merged.exclusive, userTags);
    const securityGroup =
      loadBalancer.securityGroups.length > 0
        ? null
        : buildSecurityGroup(
            ctx.clusterName,
            group.name,
            listeners.map((l) => l.port),
            merged.exclusive[Annotation.inboundCidrs]?.value ?? defaultInboundCidrs(loadBalancer.ipAddressType),
            userTags,
          );
    const targetGroups = used.ids
      .sort(compareStrings)
      .flatMap((id) => {
        const draft = merged.targetGroups.get(id);
        return draft === undefined ? [] : [buildTargetGroup(ctx.clusterName, group.name, draft, ctx.endpointSlicesFor(draft.namespace, draft.serviceName), userTags)];
      });
    return {
      stack: {
        group: group.name,
        ingresses: merged.members.map((m) => m.key),
        loadBalancer,
        securityGroup,
        listeners,
        rules: rules.rules,
        targetGroups,
        frozenIngresses,
      },
      errors,
    };
  }
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
        `annotation ${annotationKey(Annotation.listenPorts)}: HTTPS port ${port} needs a certificate and no member of the group gives one; add spec.tls with a Secret, or set annotation ${annotationKey(Annotation.certificateArn)}`,
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
