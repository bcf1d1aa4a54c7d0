// Target group operations: create with tags and health check, modify in place, targets.
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { HealthCheckSpec, TargetSpec } from '../model/resources.js';
import type { OperationOf } from '../plan/operations.js';
import { alreadyDone, findTargetGroup, hasAwsCode, stillRegistered } from './recover.js';
import type { ApplyState } from './state.js';

export function healthCheckToSdk(hc: HealthCheckSpec, grpc: boolean): {
  HealthCheckProtocol: HealthCheckSpec['protocol'];
  HealthCheckPort: string;
  HealthCheckPath: string;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
  Matcher: { HttpCode: string } | { GrpcCode: string };
} {
  return {
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckPath: hc.path,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    Matcher: grpc ? { GrpcCode: hc.successCodes } : { HttpCode: hc.successCodes },
  };
}

export async function createTargetGroup(aws: Aws, state: ApplyState, op: OperationOf<'createTargetGroup'>): Promise<void> {
  const { spec } = op;
  const res = await aws.send(
    aws.elbv2,
    new CreateTargetGroupCommand({
      Name: spec.name,
      Protocol: spec.protocol,
      ProtocolVersion: spec.protocolVersion,
      Port: spec.port,
      VpcId: op.vpcId,
      TargetType: spec.targetType,
      HealthCheckEnabled: true,
      ...healthCheckToSdk(spec.healthCheck, spec.protocolVersion === 'GRPC'),
      Tags: tagsToSdk(spec.tags),
    }),
    { recover: findTargetGroup(aws, spec.name, spec.tags) },
  );
  const arn = res.TargetGroups?.[0]?.TargetGroupArn;
  if (arn !== undefined) state.targetGroupArns.set(spec.id, arn);
}

/**
 * ModifyTargetGroup, ModifyTargetGroupAttributes and RegisterTargets set values, so a retry
 * after a lost answer sets the same again; registering a registered target is no error.
 */
export async function modifyTargetGroupHealthCheck(aws: Aws, op: OperationOf<'modifyTargetGroupHealthCheck'>): Promise<void> {
  await aws.send(aws.elbv2, new ModifyTargetGroupCommand({ TargetGroupArn: op.arn, HealthCheckEnabled: true, ...healthCheckToSdk(op.healthCheck, op.grpc) }));
}

export async function modifyTargetGroupAttributes(aws: Aws, state: ApplyState, op: OperationOf<'modifyTargetGroupAttributes'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: op.arn ?? state.targetGroupArn({ kind: 'id', id: op.id }),
      Attributes: Object.entries(op.attributes).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

function targetsToSdk(targets: readonly TargetSpec[]): { Id: string; Port: number }[] {
  return targets.map((t) => ({ Id: t.ip, Port: t.port }));
}

export async function registerTargets(aws: Aws, state: ApplyState, op: OperationOf<'registerTargets'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new RegisterTargetsCommand({ TargetGroupArn: op.arn ?? state.targetGroupArn({ kind: 'id', id: op.id }), Targets: targetsToSdk(op.targets) }),
  );
}

/**
 * Deregisters targets. InvalidTarget (AWS API reference, DeregisterTargets) also answers a
 * target that is no longer registered, which is what a retry meets when the first attempt's
 * answer was lost; so on InvalidTarget the targets are read back, and the change is done when
 * none of them is registered any more.
 *
 * @throws AwsCallError InvalidTarget when a target is still registered after all.
 */
export async function deregisterTargets(aws: Aws, op: OperationOf<'deregisterTargets'>): Promise<void> {
  try {
    await aws.send(aws.elbv2, new DeregisterTargetsCommand({ TargetGroupArn: op.arn, Targets: targetsToSdk(op.targets) }));
  } catch (err) {
    if (!hasAwsCode(err, ['InvalidTarget'])) throw err;
    const health = await aws.send(aws.elbv2, new DescribeTargetHealthCommand({ TargetGroupArn: op.arn }));
    const observed = (health.TargetHealthDescriptions ?? []).map((d) => ({ id: d.Target?.Id ?? '', port: d.Target?.Port, state: d.TargetHealth?.State }));
    if (stillRegistered(op.targets, observed).length > 0) throw err;
  }
}

/** Deletes a target group; TargetGroupNotFound (the emulator's answer; AWS succeeds) means an earlier attempt did. */
export async function deleteTargetGroup(aws: Aws, op: OperationOf<'deleteTargetGroup'>): Promise<void> {
  await alreadyDone(() => aws.send(aws.elbv2, new DeleteTargetGroupCommand({ TargetGroupArn: op.arn })), ['TargetGroupNotFound']);
}
