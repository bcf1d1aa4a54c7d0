// Runs a group's plan against AWS, phase by phase: creates forward, deletes backward and
// last. Operations within a phase run a few at a time. A failed phase stops the group, so
// nothing is deleted while what should replace it is missing.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Aws } from '../aws/clients.js';
import { describeOperation } from '../plan/describe.js';
import { phaseOf, type Operation } from '../plan/operations.js';
import { addListenerCertificates, createListener, deleteListener, modifyListener, removeListenerCertificates } from './listeners.js';
import {
  createLoadBalancer,
  deleteLoadBalancer,
  modifyLoadBalancerAttributes,
  setIpAddressType,
  setSecurityGroups,
  setSubnets,
} from './load-balancers.js';
import { createRule, deleteRule, modifyRule, setRulePriorities } from './rules.js';
import { createSecurityGroup, deleteSecurityGroup, updateSecurityGroupRules } from './security-groups.js';
import type { ApplyState } from './state.js';
import { updateTags } from './tags.js';
import {
  createTargetGroup,
  deleteTargetGroup,
  deregisterTargets,
  modifyTargetGroupAttributes,
  modifyTargetGroupHealthCheck,
  registerTargets,
} from './target-groups.js';

export interface ApplyOutcome {
  readonly done: readonly Operation[];
  readonly failure: { readonly operation: Operation; readonly error: unknown } | null;
}

export interface ApplyOptions {
  readonly logger: Logger;
  /** @default 4 */
  readonly concurrency?: number;
}

export async function applyOperations(aws: Aws, state: ApplyState, operations: readonly Operation[], options: ApplyOptions): Promise<ApplyOutcome> {
  const limit = pLimit(options.concurrency ?? 4);
  const done: Operation[] = [];
  const phases = new Map<number, Operation[]>();
  for (const op of operations) {
    const phase = phases.get(phaseOf[op.op]) ?? [];
    phase.push(op);
    phases.set(phaseOf[op.op], phase);
  }
  for (const phase of [...phases.keys()].sort((a, b) => a - b)) {
    const batch = phases.get(phase) ?? [];
    const results = await Promise.allSettled(
      batch.map((op) =>
        limit(async () => {
          await execute(aws, state, op);
          const change = describeOperation(op);
          options.logger.info({ resource: change.id, kind: change.kind, change: change.summary }, `${pastTense[change.action]} ${change.kind}`);
          done.push(op);
        }),
      ),
    );
    for (const [i, operation] of batch.entries()) {
      const result = results[i];
      if (result?.status === 'rejected') return { done, failure: { operation, error: result.reason } };
    }
  }
  return { done, failure: null };
}

const pastTense = { create: 'created', update: 'updated', delete: 'deleted' } as const;

async function execute(aws: Aws, state: ApplyState, op: Operation): Promise<void> {
  switch (op.op) {
    case 'createSecurityGroup':
      return await createSecurityGroup(aws, state, op);
    case 'updateSecurityGroupRules':
      return await updateSecurityGroupRules(aws, op);
    case 'deleteSecurityGroup':
      return await deleteSecurityGroup(aws, op);
    case 'createTargetGroup':
      return await createTargetGroup(aws, state, op);
    case 'modifyTargetGroupHealthCheck':
      return await modifyTargetGroupHealthCheck(aws, op);
    case 'modifyTargetGroupAttributes':
      return await modifyTargetGroupAttributes(aws, state, op);
    case 'registerTargets':
      return await registerTargets(aws, state, op);
    case 'deregisterTargets':
      return await deregisterTargets(aws, op);
    case 'deleteTargetGroup':
      return await deleteTargetGroup(aws, op);
    case 'createLoadBalancer':
      return await createLoadBalancer(aws, state, op);
    case 'setSubnets':
      return await setSubnets(aws, op);
    case 'setSecurityGroups':
      return await setSecurityGroups(aws, state, op);
    case 'setIpAddressType':
      return await setIpAddressType(aws, op);
    case 'modifyLoadBalancerAttributes':
      return await modifyLoadBalancerAttributes(aws, state, op);
    case 'deleteLoadBalancer':
      return await deleteLoadBalancer(aws, state, op);
    case 'createListener':
      return await createListener(aws, state, op);
    case 'modifyListener':
      return await modifyListener(aws, state, op);
    case 'deleteListener':
      return await deleteListener(aws, op);
    case 'addListenerCertificates':
      return await addListenerCertificates(aws, state, op);
    case 'removeListenerCertificates':
      return await removeListenerCertificates(aws, op);
    case 'createRule':
      return await createRule(aws, state, op);
    case 'modifyRule':
      return await modifyRule(aws, state, op);
    case 'setRulePriorities':
      return await setRulePriorities(aws, op);
    case 'deleteRule':
      return await deleteRule(aws, op);
    case 'updateTags':
      return await updateTags(aws, op);
  }
}
