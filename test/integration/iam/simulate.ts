// Evaluates recorded authorizations against the policies of iam/ with @cloud-copilot/iam-simulate.
import { readFileSync } from 'node:fs';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Authorization } from './recorder.js';
import { emulatorAccount } from './recorder.js';

/** The ownership tag every scoped statement conditions on. */
export const clusterTag = 'albatross.dev/cluster';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: PolicyStatement[];
}

const iamDir = new URL('../../../iam/', import.meta.url);

/** The policy files of iam/: the base every install attaches, and the opt-in one for TLS from Secrets. */
export const policyFiles = { base: 'policy.json', tls: 'policy-tls-from-secrets.json' } as const;
export type PolicyFile = keyof typeof policyFiles;

/** A policy file of iam/ as written, with the `CLUSTER_NAME` placeholder. */
export function policyTemplate(file: PolicyFile = 'base'): string {
  return readFileSync(new URL(policyFiles[file], iamDir), 'utf8');
}

/** A policy for one cluster: the README's substitution, done the same way (every occurrence). */
export function policyFor(clusterName: string, file: PolicyFile = 'base'): PolicyDocument {
  return JSON.parse(policyTemplate(file).replaceAll('CLUSTER_NAME', clusterName)) as PolicyDocument;
}

/** Both policies for one cluster, as a role with TLS from Secrets has them attached. */
export function policiesFor(clusterName: string): PolicyDocument[] {
  return [policyFor(clusterName, 'base'), policyFor(clusterName, 'tls')];
}

/** iam/unscoped.json: mutating actions AWS offers no tag condition for, with why they are needed. */
export function unscopedActions(): { readonly action: string; readonly why: string }[] {
  return JSON.parse(readFileSync(new URL('unscoped.json', iamDir), 'utf8')) as { action: string; why: string }[];
}

export function actionsOf(statement: PolicyStatement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

function accountOf(resource: string): string {
  return /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(resource)?.[1] ?? emulatorAccount;
}

/** The request context IAM builds for an authorization: tags, tag keys, create action. */
export function contextOf(auth: Authorization): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(auth.resourceTags)) context[`aws:ResourceTag/${key}`] = value;
  for (const [key, value] of Object.entries(auth.requestTags)) context[`aws:RequestTag/${key}`] = value;
  const tagKeys = auth.tagKeys ?? Object.keys(auth.requestTags);
  if (tagKeys.length > 0) context['aws:TagKeys'] = [...tagKeys];
  if (auth.createAction !== undefined) context[`${auth.action.split(':')[0] ?? ''}:CreateAction`] = auth.createAction;
  return context;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * Evaluates one authorization. iam-data files ELBv2's AddTags/RemoveTags under the Classic Load
 * Balancer's resource type only, so the checked simulation rejects ALB, listener, rule and
 * target group ARNs for those two ("no.resource.types"); they are evaluated without that
 * resource-type check. Any other simulator error fails the test.
 */
export async function evaluate(policies: PolicyDocument | readonly PolicyDocument[], auth: Authorization): Promise<Decision> {
  const attached: readonly PolicyDocument[] = 'Statement' in policies ? [policies] : policies;
  const simulation: Simulation = {
    identityPolicies: attached.map((policy, i) => ({ name: `albatross-${String(i)}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: undefined,
    request: {
      action: auth.action,
      principal: `arn:aws:iam::${emulatorAccount}:role/albatross`,
      resource: { resource: auth.resource, accountId: accountOf(auth.resource) },
      contextVariables: contextOf(auth),
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    const elbTagging = auth.action === 'elasticloadbalancing:AddTags' || auth.action === 'elasticloadbalancing:RemoveTags';
    if (elbTagging && result.errors.message === 'no.resource.types') return runUnsafeSimulation(simulation, {});
    throw new Error(`iam-simulate could not evaluate ${auth.action} on ${auth.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}
