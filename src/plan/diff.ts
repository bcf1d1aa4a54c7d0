// Compares one group's desired stack with what AWS has and lists the operations that make
// AWS match. Pure. Each resource kind has its own diff (security-group.ts, target-groups.ts,
// load-balancer.ts, listeners.ts, rules.ts), each matching desired to actual and naming
// what it cannot change in place; this file runs them in order and adds the deletions.
import { ResourceId } from '../model/ids.js';
import type { ActualStack } from '../model/actual.js';
import type { CertificateRef, DesiredStack, Tags, TargetGroupRef } from '../model/resources.js';
import { diffListeners } from './listeners.js';
import { diffLoadBalancer, loadBalancerNeedsReplacement } from './load-balancer.js';
import { phaseOf, type Operation, type SecurityGroupRef } from './operations.js';
import { diffRules, isFrozenRule } from './rules.js';
import { diffSecurityGroup } from './security-group.js';
import { diffTargetGroups } from './target-groups.js';

/** What `observe` resolved for one desired stack. */
export interface DiffContext {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** Security groups named by annotation, as ids; empty when the managed group is used. */
  readonly securityGroupIds: readonly string[];
  /** ARNs of certificates imported from Secrets, by fingerprint. */
  readonly importedCertificateArns?: ReadonlyMap<string, string>;
  /**
   * The cluster's shared backend security group, attached beside the frontend groups: its id,
   * or `null` when it is still to be created (a plan only).
   * @default absent: not attached
   */
  readonly backendSecurityGroupId?: string | null;
}

/**
 * The operations that turn `actual` into `desired`, ordered by phase (creates forward,
 * deletes backward and last). `desired` or `context` `null`: delete everything of the group.
 */
export function diffStack(desired: DesiredStack | null, actual: ActualStack | null, context: DiffContext | null): Operation[] {
  const ops = desired === null || context === null ? deletionOps(actual) : convergeOps(desired, actual, context);
  // Stable sort: within a phase the order above (desired rule order) is kept.
  return ops.map((op, i) => ({ op, i })).sort((a, b) => phaseOf[a.op.op] - phaseOf[b.op.op] || a.i - b.i).map((x) => x.op);
}

function deletionOps(actual: ActualStack | null): Operation[] {
  if (actual === null) return [];
  const ops: Operation[] = [];
  const lb = actual.loadBalancer;
  // Deleting the load balancer takes its listeners and rules with it.
  if (lb !== null) ops.push({ op: 'deleteLoadBalancer', id: lb.id ?? ResourceId.loadBalancer, arn: lb.arn, name: lb.name, reason: 'group has no Ingresses' });
  for (const tg of actual.targetGroups) ops.push({ op: 'deleteTargetGroup', id: tg.id ?? tg.name, arn: tg.arn, name: tg.name });
  const sg = actual.securityGroup;
  if (sg !== null) ops.push({ op: 'deleteSecurityGroup', id: sg.id ?? sg.name, groupId: sg.groupId, name: sg.name });
  return ops;
}

function convergeOps(desiredAsTranslated: DesiredStack, actualOrNull: ActualStack | null, context: DiffContext): Operation[] {
  const ops: Operation[] = [];
  // While a member is frozen, the group-wide settings it may have given stay as AWS has them.
  const desired = desiredAsTranslated.frozenIngresses.length > 0 && actualOrNull !== null ? heldForFrozen(desiredAsTranslated, actualOrNull) : desiredAsTranslated;
  let actual: ActualStack = actualOrNull ?? {
    group: desired.group,
    loadBalancer: null,
    securityGroup: null,
    listeners: [],
    rules: [],
    targetGroups: [],
  };

  // A replaced load balancer takes its listeners and rules with it.
  const lb = actual.loadBalancer;
  const replaced = lb === null ? null : loadBalancerNeedsReplacement(desired.loadBalancer, lb);
  if (lb !== null && replaced !== null) {
    ops.push({ op: 'deleteLoadBalancer', id: desired.loadBalancer.id, arn: lb.arn, name: lb.name, reason: replaced });
    actual = { ...actual, loadBalancer: null, listeners: [], rules: [] };
  }

  // Listeners that only a frozen Ingress still uses keep serving it, and stay reachable.
  const frozen = new Set(desired.frozenIngresses);
  const wantedPorts = new Set(desired.listeners.map((l) => l.port));
  const keptPorts = new Set(
    actual.listeners
      .filter((l) => !wantedPorts.has(l.port) && actual.rules.some((r) => r.listenerArn === l.arn && isFrozenRule(r, frozen)))
      .map((l) => l.port),
  );

  ops.push(...diffSecurityGroup(desired.securityGroup, actual.securityGroup, context.vpcId, keptPorts));
  const backend = context.backendSecurityGroupId;
  const securityGroups: SecurityGroupRef[] = [
    ...(desired.securityGroup !== null
      ? [{ kind: 'managed' as const, id: desired.securityGroup.id }]
      : context.securityGroupIds.map((groupId) => ({ kind: 'groupId' as const, groupId }))),
    ...(backend === undefined ? [] : [backend === null ? { kind: 'backend' as const } : { kind: 'groupId' as const, groupId: backend }]),
  ];

  const targetGroups = diffTargetGroups(desired.targetGroups, actual.targetGroups, context.vpcId);
  ops.push(...targetGroups.ops);
  const arnOf = (ref: TargetGroupRef): string | undefined => (ref.kind === 'arn' ? ref.arn : targetGroups.kept.get(ref.id)?.arn);

  ops.push(
    ...diffLoadBalancer(desired.loadBalancer, actual.loadBalancer, {
      // A frozen member may be what chose these subnets: they stay until it is fixed or gone.
      subnetIds: desired.frozenIngresses.length > 0 && actual.loadBalancer !== null ? actual.loadBalancer.subnetIds : context.subnetIds,
      securityGroups,
      managedGroupId: actual.securityGroup?.groupId,
    }),
  );

  const certificateArn = (ref: CertificateRef): string =>
    ref.kind === 'arn' ? ref.arn : (context.importedCertificateArns?.get(ref.fingerprint) ?? `new:${ref.fingerprint}`);
  const listeners = diffListeners(desired.listeners, actual.listeners, {
    arnOf,
    certificateArn,
    detachCertificates: desired.frozenIngresses.length === 0,
  });
  ops.push(...listeners.ops);

  const rulesContext = { frozen, groupOrder: desired.groupOrder ?? [...desired.ingresses, ...desired.frozenIngresses], arnOf };
  for (const spec of desired.listeners) {
    const listener = listeners.kept.get(spec.port);
    ops.push(
      ...diffRules(
        spec.port,
        desired.rules.filter((r) => r.listenerPort === spec.port),
        listener === undefined ? [] : actual.rules.filter((r) => r.listenerArn === listener.arn),
        rulesContext,
      ),
    );
  }
  // Listeners no longer wanted (their rules go with them), unless a frozen Ingress uses them.
  for (const listener of listeners.unused)
    if (!keptPorts.has(listener.port))
      ops.push({ op: 'deleteListener', id: listener.id ?? ResourceId.listener(listener.port), arn: listener.arn, port: listener.port });

  // Target groups no longer wanted, except those still serving a frozen Ingress's rules or a
  // listener default held for one.
  const frozenArns = new Set(
    actual.loadBalancer === null
      ? []
      : [...actual.rules.filter((r) => isFrozenRule(r, frozen)).map((r) => r.action), ...(frozen.size > 0 ? desired.listeners.map((l) => l.defaultAction) : [])]
          .flatMap((a) => (a?.type === 'forward' ? a.targetGroups : []))
          .flatMap((t) => (t.targetGroup.kind === 'arn' ? [t.targetGroup.arn] : [])),
  );
  for (const tg of targetGroups.unused)
    if (!frozenArns.has(tg.arn)) ops.push({ op: 'deleteTargetGroup', id: tg.id ?? tg.name, arn: tg.arn, name: tg.name });
  const sg = actual.securityGroup;
  if (desired.securityGroup === null && sg !== null) ops.push({ op: 'deleteSecurityGroup', id: sg.id ?? sg.name, groupId: sg.groupId, name: sg.name });
  return ops;
}

/**
 * What a group with a frozen member may change. The frozen member's group-wide values (its
 * scheme, IP address type, tags, default backend) no longer count in translate, but it still
 * serves from AWS, so taking them away would take it down: the load balancer is never
 * replaced and keeps its scheme and IP address type, user tags are added or changed on every
 * resource but none removed, and each existing listener keeps its default action. They change
 * once the member is fixed or deleted.
 */
function heldForFrozen(desired: DesiredStack, actual: ActualStack): DesiredStack {
  const lb = actual.loadBalancer;
  // User tags the group had (on its load balancer) that translate no longer gives.
  const held: Record<string, string> = {};
  for (const [key, value] of Object.entries(lb?.tags ?? {}))
    if (!key.startsWith('aws:') && !key.startsWith('albatross.dev/') && !(key in desired.loadBalancer.tags)) held[key] = value;
  const withHeld = (tags: Tags): Tags => ({ ...held, ...tags });
  const listenerOn = new Map(actual.listeners.map((l) => [l.port, l]));
  return {
    ...desired,
    loadBalancer:
      lb === null
        ? desired.loadBalancer
        : { ...desired.loadBalancer, scheme: lb.scheme, ipAddressType: lb.ipAddressType, tags: withHeld(desired.loadBalancer.tags) },
    securityGroup: desired.securityGroup === null ? null : { ...desired.securityGroup, tags: withHeld(desired.securityGroup.tags) },
    listeners: desired.listeners.map((l) => {
      const have = listenerOn.get(l.port);
      return { ...l, tags: withHeld(l.tags), ...(have === undefined ? {} : { defaultAction: have.defaultAction }) };
    }),
    rules: desired.rules.map((r) => ({ ...r, tags: withHeld(r.tags) })),
    targetGroups: desired.targetGroups.map((t) => ({ ...t, tags: withHeld(t.tags) })),
  };
}
