// Target groups, matched by id: health check, attributes, targets and tags in place.
import type { ActualTargetGroup } from '../model/actual.js';
import type { TargetGroupSpec } from '../model/resources.js';
import { attributeDifferences, healthCheckDifferences, missingFrom, targetKey } from './equality.js';
import { matchById } from './match.js';
import type { Operation } from './operations.js';
import { pushTagOps } from './tags.js';

/**
 * What AWS cannot modify on a target group: its VPC (and target type, protocol and protocol
 * version, which are part of the id, so a change there is a new id already).
 */
export function targetGroupNeedsReplacement(_spec: TargetGroupSpec, actual: ActualTargetGroup, vpcId: string): string | null {
  return actual.vpcId === vpcId ? null : `VPC changes from ${actual.vpcId} to ${vpcId}`;
}

export interface TargetGroupDiff {
  readonly ops: Operation[];
  /** The actual target group kept for each desired id, to resolve references to ARNs. */
  readonly kept: ReadonlyMap<string, ActualTargetGroup>;
  /** Actual target groups no desired one keeps: deleted unless a frozen rule still uses them. */
  readonly unused: readonly ActualTargetGroup[];
}

export function diffTargetGroups(desired: readonly TargetGroupSpec[], actual: readonly ActualTargetGroup[], vpcId: string): TargetGroupDiff {
  const ops: Operation[] = [];
  const { matched, toCreate, toDelete } = matchById(desired, actual);
  const kept = new Map<string, ActualTargetGroup>();
  const unused = [...toDelete];
  const create: TargetGroupSpec[] = [...toCreate];
  for (const [spec, tg] of matched) {
    if (targetGroupNeedsReplacement(spec, tg, vpcId) === null) kept.set(spec.id, tg);
    else {
      create.push(spec);
      unused.push(tg);
    }
  }
  // In desired order, so the plan lists target groups as the stack does.
  for (const spec of desired) {
    const tg = kept.get(spec.id);
    if (tg === undefined) {
      if (!create.includes(spec)) continue;
      ops.push({ op: 'createTargetGroup', spec, vpcId });
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
  return { ops, kept, unused };
}
