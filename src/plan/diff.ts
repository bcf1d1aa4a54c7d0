// Compares one group's desired stack with what AWS has and lists the operations that make
// AWS match. Pure. Updates in place wherever AWS allows it; replaces only the load
// balancer on a scheme change, the one thing AWS cannot modify.
import type { ActualListener, ActualRule, ActualStack, ActualTargetGroup } from '../model/actual.js';
import type { CertificateRef, DesiredStack, ListenerSpec, RuleSpec, TargetGroupRef } from '../model/resources.js';
import {
  attributeDifferences,
  canonicalAction,
  conditionsEqual,
  healthCheckDifferences,
  missingFrom,
  sameSet,
  securityGroupRuleKey,
  tagChanges,
  targetKey,
} from './equality.js';
import { phaseOf, type Operation, type SecurityGroupRef } from './operations.js';
import { assignPriorities } from './priorities.js';

/** What `observe` resolved for one desired stack. */
export interface StackContext {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** Security groups named by annotation, as ids; empty when the managed group is used. */
  readonly securityGroupIds: readonly string[];
  /** ARNs of certificates imported from Secrets, by fingerprint. */
  readonly importedCertificateArns?: ReadonlyMap<string, string>;
}

export function diffStack(desired: DesiredStack | null, actual: ActualStack | null, context: StackContext | null): Operation[] {
  const ops = desired === null || context === null ? deletionOps(actual) : convergeOps(desired, actual, context);
  // Stable sort: within a phase the order above (desired rule order) is kept.
  return ops.map((op, i) => ({ op, i })).sort((a, b) => phaseOf[a.op.op] - phaseOf[b.op.op] || a.i - b.i).map((x) => x.op);
}

function deletionOps(actual: ActualStack | null): Operation[] {
  if (actual === null) return [];
  const ops: Operation[] = [];
  const lb = actual.loadBalancer;
  // Deleting the load balancer takes its listeners and rules with it.
  if (lb !== null) ops.push({ op: 'deleteLoadBalancer', id: lb.id ?? 'loadbalancer', arn: lb.arn, name: lb.name, reason: 'group has no Ingresses' });
  for (const tg of actual.targetGroups) ops.push({ op: 'deleteTargetGroup', id: tg.id ?? tg.name, arn: tg.arn, name: tg.name });
  const sg = actual.securityGroup;
  if (sg !== null) ops.push({ op: 'deleteSecurityGroup', id: sg.id ?? sg.name, groupId: sg.groupId, name: sg.name });
  return ops;
}

function convergeOps(desired: DesiredStack, actualOrNull: ActualStack | null, context: StackContext): Operation[] {
  const ops: Operation[] = [];
  let actual: ActualStack = actualOrNull ?? {
    group: desired.group,
    loadBalancer: null,
    securityGroup: null,
    listeners: [],
    rules: [],
    targetGroups: [],
  };

  // Listeners that only a frozen Ingress still uses keep serving it, and stay reachable.
  const frozen = new Set(desired.frozenIngresses);
  const wantedPorts = new Set(desired.listeners.map((l) => l.port));
  const keptPorts = new Set(
    actual.listeners.filter((l) => !wantedPorts.has(l.port) && actual.rules.some((r) => r.listenerArn === l.arn && isFrozen(r, frozen))).map((l) => l.port),
  );

  // Security group: managed unless the annotation names the groups.
  const sgSpec = desired.securityGroup;
  const sg = actual.securityGroup;
  if (sgSpec !== null) {
    if (sg === null) {
      ops.push({ op: 'createSecurityGroup', spec: sgSpec, vpcId: context.vpcId });
    } else {
      const authorize = missingFrom(sgSpec.ingress, sg.ingress, securityGroupRuleKey);
      const revoke = missingFrom(sg.ingress, sgSpec.ingress, securityGroupRuleKey).filter((r) => !keptPorts.has(r.port));
      if (authorize.length > 0 || revoke.length > 0) {
        ops.push({ op: 'updateSecurityGroupRules', id: sgSpec.id, groupId: sg.groupId, authorize, revoke });
      }
      pushTagOps(ops, sgSpec.id, 'ec2', sg.groupId, sgSpec.tags, sg.tags);
    }
  }
  const securityGroups: SecurityGroupRef[] =
    sgSpec !== null ? [{ kind: 'managed', id: sgSpec.id }] : context.securityGroupIds.map((groupId) => ({ kind: 'groupId', groupId }));

  // Target groups, matched by id.
  const actualTgs = new Map<string, ActualTargetGroup>();
  for (const tg of actual.targetGroups) if (tg.id !== null && !actualTgs.has(tg.id)) actualTgs.set(tg.id, tg);
  for (const spec of desired.targetGroups) {
    const tg = actualTgs.get(spec.id);
    if (tg === undefined || tg.vpcId !== context.vpcId) {
      ops.push({ op: 'createTargetGroup', spec, vpcId: context.vpcId });
      if (Object.keys(spec.attributes).length > 0) ops.push({ op: 'modifyTargetGroupAttributes', id: spec.id, arn: null, attributes: spec.attributes });
      if (spec.targets.length > 0) ops.push({ op: 'registerTargets', id: spec.id, arn: null, targets: spec.targets });
      continue;
    }
    const fields = healthCheckDifferences(spec.healthCheck, tg.healthCheck);
    if (fields.length > 0) ops.push({ op: 'modifyTargetGroupHealthCheck', id: spec.id, arn: tg.arn, healthCheck: spec.healthCheck, grpc: spec.protocolVersion === 'GRPC', fields });
    const attributes = attributeDifferences(spec.attributes, tg.attributes);
    if (Object.keys(attributes).length > 0) ops.push({ op: 'modifyTargetGroupAttributes', id: spec.id, arn: tg.arn, attributes });
    const register = missingFrom(spec.targets, tg.targets, targetKey);
    if (register.length > 0) ops.push({ op: 'registerTargets', id: spec.id, arn: tg.arn, targets: register });
    const deregister = missingFrom(tg.targets, spec.targets, targetKey);
    if (deregister.length > 0) ops.push({ op: 'deregisterTargets', id: spec.id, arn: tg.arn, targets: deregister });
    pushTagOps(ops, spec.id, 'elbv2', tg.arn, spec.tags, tg.tags);
  }
  const arnOf = (ref: TargetGroupRef): string | undefined => (ref.kind === 'arn' ? ref.arn : actualTgs.get(ref.id)?.arn);

  // Load balancer: the scheme cannot change in place, so a new scheme means a new one.
  const lbSpec = desired.loadBalancer;
  const lb = actual.loadBalancer;
  if (lb !== null && lb.scheme !== lbSpec.scheme) {
    ops.push({ op: 'deleteLoadBalancer', id: lbSpec.id, arn: lb.arn, name: lb.name, reason: `scheme changes from ${lb.scheme} to ${lbSpec.scheme}` });
    actual = { ...actual, loadBalancer: null, listeners: [], rules: [] };
  }
  if (actual.loadBalancer === null) {
    ops.push({ op: 'createLoadBalancer', spec: lbSpec, subnetIds: context.subnetIds, securityGroups });
    if (Object.keys(lbSpec.attributes).length > 0) ops.push({ op: 'modifyLoadBalancerAttributes', id: lbSpec.id, arn: null, attributes: lbSpec.attributes });
  } else {
    const current = actual.loadBalancer;
    if (!sameSet(current.subnetIds, context.subnetIds)) {
      ops.push({ op: 'setSubnets', id: lbSpec.id, arn: current.arn, subnetIds: context.subnetIds, from: current.subnetIds });
    }
    const sgIds = securityGroups.map((r) => (r.kind === 'groupId' ? r.groupId : (sg?.groupId ?? `new:${r.id}`)));
    if (!sameSet(current.securityGroupIds, sgIds)) {
      ops.push({ op: 'setSecurityGroups', id: lbSpec.id, arn: current.arn, securityGroups, from: current.securityGroupIds });
    }
    if (current.ipAddressType !== lbSpec.ipAddressType) {
      ops.push({ op: 'setIpAddressType', id: lbSpec.id, arn: current.arn, ipAddressType: lbSpec.ipAddressType, from: current.ipAddressType });
    }
    const attributes = attributeDifferences(lbSpec.attributes, current.attributes);
    if (Object.keys(attributes).length > 0) ops.push({ op: 'modifyLoadBalancerAttributes', id: lbSpec.id, arn: current.arn, attributes });
    pushTagOps(ops, lbSpec.id, 'elbv2', current.arn, lbSpec.tags, current.tags);
  }

  // Listeners, matched by port: AWS allows one listener per port.
  const actualListeners = new Map<number, ActualListener>(actual.listeners.map((l) => [l.port, l]));
  const certificateArn = (ref: CertificateRef): string =>
    ref.kind === 'arn' ? ref.arn : (context.importedCertificateArns?.get(ref.fingerprint) ?? `new:${ref.fingerprint}`);
  for (const spec of desired.listeners) {
    const listener = actualListeners.get(spec.port);
    if (listener === undefined) {
      ops.push({ op: 'createListener', spec });
      continue;
    }
    const fields = listenerDifferences(spec, listener, arnOf, certificateArn);
    if (fields.length > 0) ops.push({ op: 'modifyListener', id: spec.id, arn: listener.arn, spec, fields });
    if (spec.protocol === 'HTTPS') {
      // While an Ingress is frozen its hosts may still need a certificate we no longer list:
      // attach, but detach nothing until it is fixed or deleted.
      const detach = desired.frozenIngresses.length === 0;
      ops.push(...sniCertificateOps(spec, listener, fields.includes('defaultCertificate'), certificateArn).filter((op) => detach || op.op !== 'removeListenerCertificates'));
    }
    pushTagOps(ops, spec.id, 'elbv2', listener.arn, spec.tags, listener.tags);
  }

  // Rules, per listener.
  for (const spec of desired.listeners) {
    const listener = actualListeners.get(spec.port);
    const desiredRules = desired.rules.filter((r) => r.listenerPort === spec.port);
    const actualRules = listener === undefined ? [] : actual.rules.filter((r) => r.listenerArn === listener.arn);
    ops.push(...ruleOps(spec.port, desiredRules, actualRules, frozen, arnOf));
  }
  // Listeners no longer wanted (their rules go with them).
  for (const listener of actual.listeners) {
    if (!wantedPorts.has(listener.port) && !keptPorts.has(listener.port)) {
      ops.push({ op: 'deleteListener', id: listener.id ?? `listener/${listener.port}`, arn: listener.arn, port: listener.port });
    }
  }

  // Target groups no longer wanted, except those still serving a frozen Ingress's rules.
  const wantedTgs = new Set(desired.targetGroups.map((t) => t.id));
  const frozenArns = new Set(
    actual.rules
      .filter((r) => isFrozen(r, frozen) && r.action?.type === 'forward')
      .flatMap((r) => (r.action?.type === 'forward' ? r.action.targetGroups.map((t) => (t.targetGroup.kind === 'arn' ? t.targetGroup.arn : '')) : [])),
  );
  if (actual.loadBalancer === null) frozenArns.clear();
  for (const tg of actual.targetGroups) {
    if (tg.id !== null && wantedTgs.has(tg.id) && actualTgs.get(tg.id) === tg) continue;
    if (frozenArns.has(tg.arn)) continue;
    ops.push({ op: 'deleteTargetGroup', id: tg.id ?? tg.name, arn: tg.arn, name: tg.name });
  }
  if (sgSpec === null && sg !== null) ops.push({ op: 'deleteSecurityGroup', id: sg.id ?? sg.name, groupId: sg.groupId, name: sg.name });
  return ops;
}

function isFrozen(rule: ActualRule, frozen: ReadonlySet<string>): boolean {
  const owner = rule.tags['albatross.dev/ingress'];
  return owner !== undefined && frozen.has(owner);
}

function listenerDifferences(
  spec: ListenerSpec,
  listener: ActualListener,
  arnOf: (ref: TargetGroupRef) => string | undefined,
  certificateArn: (ref: CertificateRef) => string,
): string[] {
  const fields: string[] = [];
  if (spec.protocol !== listener.protocol) fields.push('protocol');
  if (canonicalAction(spec.defaultAction, arnOf) !== canonicalAction(listener.defaultAction, arnOf)) fields.push('defaultAction');
  if (spec.protocol === 'HTTPS') {
    const wanted = spec.certificates.map(certificateArn);
    if (wanted[0] !== listener.certificateArns[0]) fields.push('defaultCertificate');
    if (spec.sslPolicy !== undefined && spec.sslPolicy !== listener.sslPolicy) fields.push('sslPolicy');
  }
  return fields;
}

/**
 * SNI certificates: everything but the default. New ones are attached (and, after a default
 * change, all are checked again, since some endpoints drop them then); unwanted ones are
 * detached in a later phase, so no host is ever without a certificate.
 */
function sniCertificateOps(
  spec: ListenerSpec,
  listener: ActualListener,
  defaultChanged: boolean,
  certificateArn: (ref: CertificateRef) => string,
): Operation[] {
  const wanted = spec.certificates.map(certificateArn);
  const wantedSni = spec.certificates.slice(1);
  const current = new Set(listener.certificateArns.slice(1));
  const ops: Operation[] = [];
  const missing = wantedSni.filter((ref) => !current.has(certificateArn(ref)));
  if (missing.length > 0 || (defaultChanged && wantedSni.length > 0)) {
    ops.push({ op: 'addListenerCertificates', id: spec.id, arn: listener.arn, certificates: defaultChanged ? wantedSni : missing });
  }
  const unwanted = [...current].filter((arn) => !wanted.includes(arn));
  if (unwanted.length > 0) ops.push({ op: 'removeListenerCertificates', id: spec.id, arn: listener.arn, certificateArns: unwanted });
  return ops;
}

function ruleOps(
  port: number,
  desired: readonly RuleSpec[],
  actual: readonly ActualRule[],
  frozen: ReadonlySet<string>,
  arnOf: (ref: TargetGroupRef) => string | undefined,
): Operation[] {
  const ops: Operation[] = [];
  const byId = new Map<string, ActualRule>();
  const toDelete: ActualRule[] = [];
  const pinned: ActualRule[] = [];
  for (const rule of actual) {
    if (isFrozen(rule, frozen)) pinned.push(rule);
    else if (rule.id !== null && !byId.has(rule.id)) byId.set(rule.id, rule);
    else toDelete.push(rule);
  }
  const pinnedIds = new Set(pinned.map((r) => r.id));
  const wanted = desired.filter((r) => !pinnedIds.has(r.id));
  const wantedIds = new Set(wanted.map((r) => r.id));
  for (const [id, rule] of byId) if (!wantedIds.has(id)) toDelete.push(rule);

  const occupied = new Set(actual.map((r) => r.priority));
  const { priorities } = assignPriorities(
    wanted.map((r) => byId.get(r.id)?.priority),
    occupied,
  );
  const moves: { id: string; arn: string; from: number; priority: number }[] = [];
  wanted.forEach((spec, i) => {
    const priority = priorities[i]!;
    const rule = byId.get(spec.id);
    if (rule === undefined) {
      ops.push({ op: 'createRule', spec, priority });
      return;
    }
    if (rule.priority !== priority) moves.push({ id: spec.id, arn: rule.arn, from: rule.priority, priority });
    const fields: string[] = [];
    if (!conditionsEqual(spec.conditions, rule.conditions)) fields.push('conditions');
    if (canonicalAction(spec.action, arnOf) !== canonicalAction(rule.action, arnOf)) fields.push('action');
    if (fields.length > 0) ops.push({ op: 'modifyRule', id: spec.id, arn: rule.arn, spec, fields });
    pushTagOps(ops, spec.id, 'elbv2', rule.arn, spec.tags, rule.tags);
  });
  if (moves.length > 0) ops.push({ op: 'setRulePriorities', listenerPort: port, moves });
  for (const rule of toDelete) {
    ops.push({
      op: 'deleteRule',
      id: rule.id,
      arn: rule.arn,
      listenerPort: port,
      priority: rule.priority,
      conditions: rule.conditions,
      action: rule.action,
    });
  }
  return ops;
}

function pushTagOps(
  ops: Operation[],
  id: string,
  service: 'elbv2' | 'ec2',
  arn: string,
  desired: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>>,
): void {
  const { add, remove } = tagChanges(desired, actual);
  if (Object.keys(add).length > 0 || remove.length > 0) ops.push({ op: 'updateTags', id, service, arn, add, remove });
}
