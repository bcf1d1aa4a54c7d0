// Target group operations: create with tags and health check, modify in place, targets.
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { HealthCheckSpec, TargetSpec } from '../model/resources.js';
import type { OperationOf } from '../plan/operations.js';
import { alreadyDone, findTargetGroup } from './recover.js';
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

export async function deregisterTargets(aws: Aws, op: OperationOf<'deregisterTargets'>): Promise<void> {
  await aws.send(aws.elbv2, new DeregisterTargetsCommand({ TargetGroupArn: op.arn, Targets: targetsToSdk(op.targets) }));
}

export async function deleteTargetGroup(aws: Aws, op: OperationOf<'deleteTargetGroup'>): Promise<void> {
  await alreadyDone(() => aws.send(aws.elbv2, new DeleteTargetGroupCommand({ TargetGroupArn: op.arn })), ['TargetGroupNotFound']);
}
