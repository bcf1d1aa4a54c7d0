// Listener rule operations. Rules are changed in place (ModifyRule) and moved only to free
// priorities, so unchanged rules keep their ARN and priority.
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  ModifyRuleCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { actionToSdk, conditionsToSdk, tagsToSdk } from '../aws/elbv2-shapes.js';
import type { OperationOf } from '../plan/operations.js';
import { findRule } from './recover.js';
import type { ApplyState } from './state.js';

export async function createRule(aws: Aws, state: ApplyState, op: OperationOf<'createRule'>): Promise<void> {
  const { spec } = op;
  const listenerArn = state.listenerArn(spec.listenerPort);
  await aws.send(
    aws.elbv2,
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: op.priority,
      Conditions: conditionsToSdk(spec.conditions),
      Actions: [actionToSdk(spec.action, state.targetGroupArn)],
      Tags: tagsToSdk(spec.tags),
    }),
    { recover: findRule(aws, listenerArn, spec.tags) },
  );
}

export async function modifyRule(aws: Aws, state: ApplyState, op: OperationOf<'modifyRule'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new ModifyRuleCommand({
      RuleArn: op.arn,
      Conditions: conditionsToSdk(op.spec.conditions),
      Actions: [actionToSdk(op.spec.action, state.targetGroupArn)],
    }),
  );
}

export async function setRulePriorities(aws: Aws, op: OperationOf<'setRulePriorities'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new SetRulePrioritiesCommand({ RulePriorities: op.moves.map((m) => ({ RuleArn: m.arn, Priority: m.priority })) }),
  );
}

export async function deleteRule(aws: Aws, op: OperationOf<'deleteRule'>): Promise<void> {
  await aws.send(aws.elbv2, new DeleteRuleCommand({ RuleArn: op.arn }));
}
