// Listener rule operations. Rules are changed in place (ModifyRule) and moved only to free
// priorities, so unchanged rules keep their ARN and priority.
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  ModifyRuleCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { actionToSdk, conditionsToSdk, tagsToSdk } from '../aws/elbv2-shapes.js';
import type { OperationOf } from '../plan/operations.js';
import { alreadyDone, findRule, hasAwsCode, movesLeft, type PriorityMove } from './recover.js';
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

/**
 * ModifyRule sets conditions and actions whole, so a retry after a lost answer sets the same.
 */
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

/**
 * Moves rules to new priorities. When AWS answers PriorityInUse (AWS API reference,
 * SetRulePriorities), the rules are read back: the refusal may be a retry meeting its own
 * earlier success (the emulator refuses even a rule's own priority). Done when every rule is
 * at its wanted priority; the moves still missing are sent once more.
 *
 * @throws AwsCallError PriorityInUse when another rule holds a wanted priority.
 */
export async function setRulePriorities(aws: Aws, op: OperationOf<'setRulePriorities'>): Promise<void> {
  const send = (moves: readonly PriorityMove[]) =>
    aws.send(aws.elbv2, new SetRulePrioritiesCommand({ RulePriorities: moves.map((m) => ({ RuleArn: m.arn, Priority: m.priority })) }));
  try {
    await send(op.moves);
  } catch (err) {
    if (!hasAwsCode(err, ['PriorityInUse'])) throw err;
    const left = movesLeft(op.moves, await rulePriorities(aws, op.moves.map((m) => m.arn)));
    if (left.length === op.moves.length) throw err;
    if (left.length > 0) await send(left);
  }
}

/** The current priority of each rule, by ARN; the default rule and missing rules have none. */
async function rulePriorities(aws: Aws, ruleArns: readonly string[]): Promise<Map<string, number | undefined>> {
  const res = await aws.send(aws.elbv2, new DescribeRulesCommand({ RuleArns: [...ruleArns] }));
  const out = new Map<string, number | undefined>();
  for (const r of res.Rules ?? []) {
    if (r.RuleArn === undefined) continue;
    const priority = Number(r.Priority);
    out.set(r.RuleArn, Number.isInteger(priority) ? priority : undefined);
  }
  return out;
}

/** Deletes a rule; RuleNotFound (AWS API reference, DeleteRule) means an earlier attempt did. */
export async function deleteRule(aws: Aws, op: OperationOf<'deleteRule'>): Promise<void> {
  await alreadyDone(() => aws.send(aws.elbv2, new DeleteRuleCommand({ RuleArn: op.arn })), ['RuleNotFound']);
}
