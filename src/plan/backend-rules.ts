// The ingress rules that let the cluster's backend security group reach the targets: one rule
// per target security group and protocol, its port range covering every port the load
// balancers use on that group (target ports and health check ports), as the AWS Load Balancer
// Controller aggregates them. Pure: what to authorize and revoke, from what is needed and what
// the groups hold.
import type { ActualIngressRule } from '../observe/interfaces.js';
import { compareStrings } from '../model/compare.js';
import type { Change } from './describe.js';

/** A port range of one security group, TCP. */
export interface PortRange {
  readonly groupId: string;
  readonly fromPort: number;
  readonly toPort: number;
}

/** A port a load balancer connects to on a security group. */
export interface PortNeed {
  readonly groupId: string;
  readonly port: number;
}

/** One range per security group, from its lowest to its highest port, sorted by group. */
export function aggregatePorts(needs: readonly PortNeed[]): PortRange[] {
  const byGroup = new Map<string, { min: number; max: number }>();
  for (const { groupId, port } of needs) {
    const range = byGroup.get(groupId);
    if (range === undefined) byGroup.set(groupId, { min: port, max: port });
    else byGroup.set(groupId, { min: Math.min(range.min, port), max: Math.max(range.max, port) });
  }
  return [...byGroup.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([groupId, r]) => ({ groupId, fromPort: r.min, toPort: r.max }));
}

export interface BackendRulesPlan {
  readonly authorize: readonly PortRange[];
  /** Only rules `isOurs` accepted. */
  readonly revoke: readonly ActualIngressRule[];
}

export interface BackendRulesInput {
  /** What the targets need, aggregated (`aggregatePorts`). */
  readonly wanted: readonly PortRange[];
  /** The rules of the wanted groups, and every rule of ours wherever it is. */
  readonly actual: readonly ActualIngressRule[];
  readonly backendGroupId: string;
  /** Whether a rule is one Albatross added (by its tags). */
  readonly isOurs: (rule: ActualIngressRule) => boolean;
  /**
   * `complete`: `wanted` is everything the cluster's targets need, so our rules beyond it are
   * revoked and ranges are narrowed. `additive`: `wanted` is part of it (one group, some
   * Services), so nothing is narrowed or revoked unless a wider rule of ours replaces it.
   */
  readonly scope: 'complete' | 'additive';
}

/**
 * What to change so that every wanted range is admitted from the backend group. A wanted range
 * some rule already admits (ours or not: a rule a user wrote for all traffic from the backend
 * group counts) needs nothing. In `additive` scope a missing range is merged with our rule on
 * that group into one wider rule, which replaces it.
 */
export function planBackendRules(input: BackendRulesInput): BackendRulesPlan {
  const fromBackend = input.actual.filter((r) => r.sourceGroupId === input.backendGroupId);
  const ours = fromBackend.filter(input.isOurs);
  const authorize: PortRange[] = [];
  const revoke = new Map<string, ActualIngressRule>();
  const wantedGroups = new Set(input.wanted.map((w) => w.groupId));
  for (const want of input.wanted) {
    const oursHere = ours.filter((r) => r.groupId === want.groupId);
    if (input.scope === 'complete') {
      const exact = oursHere.find((r) => r.protocol === 'tcp' && r.fromPort === want.fromPort && r.toPort === want.toPort);
      const coveredByOthers = fromBackend.some((r) => !input.isOurs(r) && r.groupId === want.groupId && admits(r, want));
      if (exact === undefined && !coveredByOthers) authorize.push(want);
      for (const r of oursHere) if (r !== exact || coveredByOthers) revoke.set(r.ruleId, r);
      continue;
    }
    if (fromBackend.some((r) => r.groupId === want.groupId && admits(r, want))) continue;
    const tcp = oursHere.filter((r) => r.protocol === 'tcp');
    authorize.push({
      groupId: want.groupId,
      fromPort: Math.min(want.fromPort, ...tcp.map((r) => r.fromPort)),
      toPort: Math.max(want.toPort, ...tcp.map((r) => r.toPort)),
    });
    for (const r of tcp) revoke.set(r.ruleId, r);
  }
  if (input.scope === 'complete') {
    // Ours on a group no target needs any more, or from another backend group (one given by
    // flag in place of the managed one, or the other way round).
    for (const r of input.actual.filter(input.isOurs)) if (!wantedGroups.has(r.groupId) || r.sourceGroupId !== input.backendGroupId) revoke.set(r.ruleId, r);
  }
  return { authorize, revoke: [...revoke.values()].sort((a, b) => compareStrings(a.ruleId, b.ruleId)) };
}

/** Whether a rule lets TCP traffic through to every port of the range. */
function admits(rule: ActualIngressRule, range: PortRange): boolean {
  if (rule.protocol === '-1') return true;
  return rule.protocol === 'tcp' && rule.fromPort <= range.fromPort && rule.toPort >= range.toPort;
}

/** The plan as the changes `plan` and `apply` print. */
export function describeBackendRules(plan: BackendRulesPlan, backendGroupId: string): Change[] {
  return [
    ...plan.authorize.map((r) => ({
      action: 'create' as const,
      kind: 'security-group-rule',
      id: `${r.groupId}/tcp/${portText(r.fromPort, r.toPort)}`,
      summary: `allow TCP ${portText(r.fromPort, r.toPort)} from ${backendGroupId} (the backend security group) into ${r.groupId}`,
    })),
    ...plan.revoke.map((r) => ({
      action: 'delete' as const,
      kind: 'security-group-rule',
      id: `${r.groupId}/${r.protocol === '-1' ? 'all' : r.protocol}/${portText(r.fromPort, r.toPort)}`,
      summary: `${r.ruleId} from ${r.sourceGroupId ?? '?'} into ${r.groupId}`,
    })),
  ];
}

const portText = (from: number, to: number): string => (from === to ? String(from) : `${from}-${to}`);
