// The target-health readiness gate: which of our target groups a waiting Pod's addresses go
// into, their health as DescribeTargetHealth reports it, and the condition that follows.
// Deciding is pure (`podTargetGroups`, `gateCondition`); reading AWS is `readTargetHealth`.
import { compareStrings } from '../model/compare.js';
import { hasAwsCode } from '../apply/recover.js';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import type { ClusterView } from '../cluster/view.js';
import { GroupKey, OwnershipTag } from '../model/ids.js';
import type { DesiredStack, ObjectKey, TlsResolver } from '../model/resources.js';
import { belongsTo, taggedResources } from '../observe/group.js';
import { translateGroupKey } from './translate.js';

/** Where one of a Pod's addresses goes: a target group of ours, by group, id and AWS name. */
export interface PodTargetGroup {
  readonly group: string;
  readonly id: string;
  readonly name: string;
  /** The Pod's targets in it, as `ip port`. */
  readonly targets: readonly string[];
}

/** What `podTargetGroups` found for one Pod. */
export interface PodPlacement {
  /** Whether an Ingress group of ours uses one of the Pod's Services at all. */
  readonly used: boolean;
  /** The target groups that hold (or are to hold) the Pod's addresses. */
  readonly targetGroups: readonly PodTargetGroup[];
  /**
   * Groups that use one of the Pod's Services but apply nothing now (every member invalid): the
   * Pod cannot be registered there until one is fixed.
   * @default none
   */
  readonly frozenGroups?: readonly string[];
}

/** Targets are all that is read here, so TLS Secrets are taken as covering their hosts. */
const unreadTls: TlsResolver = (_secret, hosts) => ({ ok: true, value: { fingerprint: 'not-read', names: [...hosts] } });

/**
 * Translates groups for `podTargetGroups`, each at most once per `StackCache`: one cache per
 * pass over the waiting Pods.
 */
export class StackCache {
  private readonly stacks = new Map<string, DesiredStack | null>();

  constructor(
    private readonly view: ClusterView,
    private readonly clusterName: string,
  ) {}

  stack(group: string): DesiredStack | null {
    let stack = this.stacks.get(group);
    if (stack === undefined) {
      stack = translateGroupKey(this.view, group, { clusterName: this.clusterName, tls: unreadTls }).stack;
      this.stacks.set(group, stack);
    }
    return stack;
  }
}

/**
 * The target groups of ours that serve one of `services` (`namespace/name`) and list one of
 * `addresses` among their targets, as translate decides it (readiness.ts of translate: a gated
 * Pod is a target once its containers are ready). A group that uses the Service but has no
 * stack (every member invalid) counts as using it, with no target group.
 */
export function podTargetGroups(view: ClusterView, stacks: StackCache, services: Iterable<ObjectKey>, addresses: ReadonlySet<string>): PodPlacement {
  let used = false;
  const found: PodTargetGroup[] = [];
  const frozen = new Set<string>();
  for (const service of new Set(services)) {
    const slash = service.indexOf('/');
    const groups = view.groupsUsingService(service.slice(0, slash), service.slice(slash + 1));
    for (const group of groups) {
      used = true;
      const stack = stacks.stack(group);
      if (stack === null) frozen.add(group);
      for (const spec of stack?.targetGroups ?? []) {
        if (spec.service.key !== service) continue;
        const targets = spec.targets.filter((t) => addresses.has(t.ip)).map((t) => `${t.ip} ${t.port}`);
        if (targets.length > 0) found.push({ group, id: spec.id, name: spec.name, targets });
      }
    }
  }
  // Sorted, so that the message a condition names does not depend on the order slices came in.
  found.sort((a, b) => compareStrings(`${a.group} ${a.id}`, `${b.group} ${b.id}`));
  return { used, targetGroups: found, ...(frozen.size === 0 ? {} : { frozenGroups: [...frozen].sort(compareStrings) }) };
}

/** One target's health as DescribeTargetHealth reports it. */
export interface TargetHealth {
  /** `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`, ... */
  readonly state: string;
  /** ALB's reason code, such as `Elb.RegistrationInProgress` or `Target.ResponseCodeMismatch`. */
  readonly reason?: string | undefined;
  readonly description?: string | undefined;
}

/** Target group id -> `ip port` -> health; a target group missing here is not in AWS yet. */
export type GroupHealth = ReadonlyMap<string, ReadonlyMap<string, TargetHealth>>;

/**
 * Reads the health of the group's target groups `ids`: one Tagging API page for their ARNs
 * (unless `arns` already knows every id) and one DescribeTargetHealth per target group found.
 * @param arns target group id -> ARN, remembered between calls; ids found are added
 * @throws AlbatrossError from the AWS calls (coded as `aws/retry.ts` decides)
 */
export async function readTargetHealth(aws: Aws, clusterName: string, group: string, ids: ReadonlySet<string>, arns: Map<string, string>): Promise<GroupHealth> {
  if ([...ids].some((id) => !arns.has(id))) {
    const ours = belongsTo(group, false);
    const owned = (
      await taggedResources(aws, ['elasticloadbalancing:targetgroup'], [
        { Key: OwnershipTag.cluster, Values: [clusterName] },
        { Key: OwnershipTag.group, Values: [GroupKey.tags(group).group] },
      ])
    ).filter((r) => ours(r.tags));
    arns.clear();
    for (const r of owned) arns.set(r.tags[OwnershipTag.resource] ?? '', r.arn);
  }
  const health = new Map<string, Map<string, TargetHealth>>();
  for (const id of ids) {
    const arn = arns.get(id);
    if (arn === undefined) continue;
    let answer;
    try {
      answer = await aws.send(aws.elbv2, new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    } catch (err) {
      if (!hasAwsCode(err, ['TargetGroupNotFound'])) throw err;
      // Replaced under the same id (the group deleted and made again): found again next time.
      arns.delete(id);
      continue;
    }
    const targets = new Map<string, TargetHealth>();
    for (const d of answer.TargetHealthDescriptions ?? [])
      targets.set(`${d.Target?.Id ?? ''} ${d.Target?.Port ?? 0}`, { state: d.TargetHealth?.State ?? 'unknown', reason: d.TargetHealth?.Reason, description: d.TargetHealth?.Description });
    health.set(id, targets);
  }
  return health;
}

/** The reasons of the `albatross.dev/target-health` condition (docs/rollouts.md). */
export const GateReason = {
  /** True: healthy in every target group of ours that holds the Pod. */
  healthy: 'TargetHealthy',
  /** True: no Ingress of ours sends traffic to the Pod's Services, so nothing to wait for. */
  noTargetGroup: 'NoTargetGroup',
  /** False: the target is not registered yet, or its target group is not in AWS yet. */
  registering: 'Registering',
  /** False: registered; ALB runs its first health checks (`initial`). */
  initialHealthChecks: 'InitialHealthChecks',
  /** False: ALB's health checks fail (`unhealthy`); the message has ALB's reason code. */
  failingHealthChecks: 'FailingHealthChecks',
  /** False: registered, but ALB does not route to it (`unused`, `unavailable`, `draining`). */
  notInService: 'TargetNotInService',
} as const;
export type GateReason = (typeof GateReason)[keyof typeof GateReason];

/** The condition to write: `status` `True` or `False`, a reason and a message for people. */
export interface GateCondition {
  readonly status: 'True' | 'False';
  readonly reason: GateReason;
  readonly message: string;
}

/** Which problem the message names when several target groups wait: the one a user can act on first. */
const severity: Record<GateReason, number> = {
  FailingHealthChecks: 0,
  TargetNotInService: 1,
  Registering: 2,
  InitialHealthChecks: 3,
  TargetHealthy: 4,
  NoTargetGroup: 5,
};

/**
 * The condition for a Pod from where its targets go and their health (`health` by group).
 * `True` only when every target of the Pod is `healthy` in every target group listed.
 */
export function gateCondition(placement: PodPlacement, health: ReadonlyMap<string, GroupHealth>): GateCondition {
  const frozen = placement.frozenGroups ?? [];
  if (placement.targetGroups.length === 0 && frozen.length > 0) {
    // Its load balancer still serves the Service's old targets: a Pod let through now would
    // leave it with none once the old ones are gone.
    return {
      status: 'False',
      reason: GateReason.registering,
      message: `group ${frozen.join(', ')} uses a Service of this Pod but has no valid Ingress to apply; the Pod is registered once one is fixed`,
    };
  }
  if (placement.targetGroups.length === 0) {
    return {
      status: 'True',
      reason: GateReason.noTargetGroup,
      message: placement.used ? 'no target group of ours registers this Pod' : 'no Ingress of ours uses a Service of this Pod',
    };
  }
  let worst: GateCondition | null = null;
  const names: string[] = [];
  for (const tg of placement.targetGroups) {
    names.push(tg.name);
    const inAws = health.get(tg.group)?.get(tg.id);
    for (const target of tg.targets) {
      const where = `target ${target.replace(' ', ':')} in target group ${tg.name}`;
      const h = inAws?.get(target);
      const condition = ((): GateCondition | null => {
        if (inAws === undefined) return { status: 'False', reason: GateReason.registering, message: `target group ${tg.name} is being created` };
        if (h === undefined || h.reason === 'Target.NotRegistered') return { status: 'False', reason: GateReason.registering, message: `${where} is being registered` };
        switch (h.state) {
          case 'healthy':
            return null;
          case 'initial':
            return { status: 'False', reason: GateReason.initialHealthChecks, message: `${where} waits for its first health checks${h.reason === undefined ? '' : ` (${h.reason})`}` };
          case 'unhealthy':
            return {
              status: 'False',
              reason: GateReason.failingHealthChecks,
              message: `${where} fails health checks: ${h.reason ?? 'no reason given'}${h.description === undefined ? '' : ` (${h.description})`}`,
            };
          default:
            return { status: 'False', reason: GateReason.notInService, message: `${where} is ${h.state}${h.reason === undefined ? '' : `: ${h.reason}`}` };
        }
      })();
      if (condition !== null && (worst === null || severity[condition.reason] < severity[worst.reason])) worst = condition;
    }
  }
  return worst ?? { status: 'True', reason: GateReason.healthy, message: `healthy in target group${names.length > 1 ? 's' : ''} ${[...new Set(names)].join(', ')}` };
}
