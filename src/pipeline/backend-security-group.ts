// The cluster's backend security group: one per cluster, attached to every load balancer beside
// its frontend group, and the source of the rules that let load balancers reach their targets
// on stock EKS networking, where pods sit behind the node security group. The same model as the
// AWS Load Balancer Controller's shared backend security group
// (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/security_groups/).
import { memberName } from '../gateway/names.js';
import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { applyBackendRules, isOurBackendRule } from '../apply/backend-rules.js';
import { deleteWhenReleased } from '../apply/security-groups.js';
import { alreadyDone, hasAwsCode } from '../apply/recover.js';
import type { Aws } from '../aws/clients.js';
import { collectPages } from '../aws/pagination.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { ClusterView } from '../cluster/view.js';
import { compareStrings } from '../model/compare.js';
import { ec2Description } from '../model/aws-limits.js';
import { AlbatrossError } from '../model/errors.js';
import { OwnershipTag, ResourceId } from '../model/ids.js';
import type { DesiredStack, IngressWarning, ObjectKey } from '../model/resources.js';
import { clusterLoadBalancers } from '../observe/group.js';
import { clusterTagPrefix } from '../observe/network.js';
import { ingressRules, locateAddresses, securityGroupTags, type AddressLocation, type AddressQuery } from '../observe/interfaces.js';
import { aggregatePorts, describeBackendRules, planBackendRules, type PortNeed } from '../plan/backend-rules.js';
import type { Change } from '../plan/describe.js';
import { backendSecurityGroupName } from '../translate/names.js';
import { usersOf } from './target-addresses.js';

/**
 * What `--enable-backend-security-group` and `--backend-security-group` chose.
 * - `managed`: Albatross creates the group when the first load balancer needs it and deletes it
 *   once none uses it (the default);
 * - `given`: the user's group, by id; used as it is, never created, changed or deleted;
 * - `off`: no backend group; the user opens the targets' security groups.
 */
export type BackendSecurityGroupSetting = { readonly kind: 'managed' } | { readonly kind: 'given'; readonly groupId: string } | { readonly kind: 'off' };

/**
 * Whether a group's load balancer gets the backend security group and rules for its targets:
 * always with the managed frontend group; with groups named by the `security-groups`
 * annotation, only when `manage-backend-security-group-rules` is `"true"` (the AWS Load
 * Balancer Controller's semantics).
 */
export function usesBackendSecurityGroup(setting: BackendSecurityGroupSetting, stack: DesiredStack): boolean {
  if (setting.kind === 'off') return false;
  return stack.securityGroup !== null || stack.manageBackendSecurityGroupRules === true;
}


/**
 * The Pod annotation the VPC resource controller writes with security groups for pods: a JSON
 * list of the Pod's branch interfaces, `[{"eniId": "eni-...", "privateIp": "10.0.1.5", ...}]`
 * (https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html).
 */
export const PodEniAnnotation = 'vpc.amazonaws.com/pod-eni';

/** The interface holding `ip` according to a Pod's `pod-eni` annotation; `undefined` when it names none or cannot be read. */
export function podEniOf(annotation: string | undefined, ip: string): string | undefined {
  if (annotation === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const entries = parsed.filter((e): e is { eniId?: unknown; privateIp?: unknown } => typeof e === 'object' && e !== null);
  // An entry for another address is not this one's; a lone entry without an address is.
  const only = entries.length === 1 && entries[0]?.privateIp === undefined ? entries[0] : undefined;
  const match = entries.find((e) => e.privateIp === ip) ?? only;
  return typeof match?.eniId === 'string' && /^eni-[0-9a-f]+$/.test(match.eniId) ? match.eniId : undefined;
}

/** The EC2 instance a Node runs on, from `spec.providerID` (`aws:///<zone>/<instance id>`). */
export function instanceIdOf(providerId: string | undefined): string | undefined {
  return /^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/.exec(providerId ?? '')?.[1];
}

/** One target address of a load balancer that uses the backend group, and the ports it is reached on. */
export interface BackendTarget {
  readonly ip: string;
  /** The target port, and the health check port when it is another. */
  readonly ports: readonly number[];
  /** `namespace/name` and port of the Service, for warnings. */
  readonly service: { readonly key: ObjectKey; readonly port: string };
  /** The Ingress and group told when the address cannot be placed. */
  readonly ingress: ObjectKey;
  readonly group: string;
  /** Where to look for the address first. */
  readonly query: AddressQuery;
}

/**
 * Every target of the stack's target groups, with where to look for its interface: the Pod's
 * `pod-eni` annotation (when the view has the Pod: from files, or a gated Pod in the
 * controller), and the instance of the Node its endpoint names.
 */
export function backendTargetsOf(view: ClusterView, stack: DesiredStack): BackendTarget[] {
  const out: BackendTarget[] = [];
  for (const tg of stack.targetGroups) {
    if (tg.targets.length === 0) continue;
    const [namespace = '', name = ''] = tg.service.key.split('/');
    const nodeOf = new Map<string, string>();
    const podOf = new Map<string, string>();
    for (const slice of view.endpointSlicesFor(namespace, name))
      for (const e of slice.endpoints ?? []) {
        for (const a of e.addresses) {
          if (e.nodeName !== undefined) nodeOf.set(a, e.nodeName);
          if (e.targetRef?.kind === 'Pod' && e.targetRef.name !== undefined) podOf.set(a, e.targetRef.name);
        }
      }
    const healthPort = /^\d+$/.test(tg.healthCheck.port) ? Number(tg.healthCheck.port) : null;
    const ingress = usersOf(stack, tg.id)[0] ?? stack.ingresses[0] ?? '';
    for (const t of tg.targets) {
      const node = nodeOf.get(t.ip);
      const instanceId = node === undefined ? undefined : instanceIdOf(view.node(node)?.spec?.providerID);
      const pod = podOf.get(t.ip);
      const eniId = pod === undefined ? undefined : podEniOf(view.pod(namespace, pod)?.metadata?.annotations?.[PodEniAnnotation], t.ip);
      out.push({
        ip: t.ip,
        ports: healthPort === null || healthPort === t.port ? [t.port] : [t.port, healthPort],
        service: tg.service,
        ingress,
        group: stack.group,
        query: { ip: t.ip, ...(eniId === undefined ? {} : { eniId }), ...(instanceId === undefined ? {} : { instanceId }) },
      });
    }
  }
  return out;
}

/**
 * The cluster's backend security group, found by its tags and created on first need. One
 * instance serves every reconcile of a run (or of a controller): creation is serialised, and
 * the lookup is kept for `maxAgeMs`.
 */
export class BackendSecurityGroup {
  private found: { readonly at: number; readonly vpcId: string; readonly groupId: Promise<string | null> } | null = null;
  private creating: Promise<unknown> = Promise.resolve();
  /** Whether a plan already said the group is to be created. */
  private planned = false;

  /**
   * @param maxAgeMs how long a lookup is trusted. @default for ever (one CLI run)
   */
  constructor(
    readonly setting: BackendSecurityGroupSetting,
    private readonly clusterName: string,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {}

  /** The tags of the managed backend group. */
  get tags(): Record<string, string> {
    return { [OwnershipTag.cluster]: this.clusterName, [OwnershipTag.resource]: ResourceId.backendSecurityGroup };
  }

  /** The group's id, or `null` when the managed group does not exist (yet, or any more). */
  async lookup(aws: Aws, vpcId: string): Promise<string | null> {
    const now = Date.now();
    if (this.found === null || this.found.vpcId !== vpcId || now - this.found.at > this.maxAgeMs) {
      const given = this.setting.kind === 'given' ? this.setting.groupId : null;
      const groupId = given === null ? this.find(aws, vpcId) : this.checkGiven(aws, given, vpcId);
      this.found = { at: now, vpcId, groupId };
      groupId.catch(() => this.forget());
    }
    return await this.found.groupId;
  }

  /** Drops what `lookup` remembered (after a deletion, or a refusal that says it is gone). */
  forget(): void {
    this.found = null;
  }

  /**
   * The group to attach: found, or (in `apply`) created with our tags. In `plan`, a group still
   * to be created is `null`, with the change that would create it, said once per instance.
   */
  async ensure(aws: Aws, vpcId: string, mode: 'plan' | 'apply'): Promise<{ readonly groupId: string | null; readonly changes: readonly Change[] }> {
    const existing = await this.lookup(aws, vpcId);
    if (existing !== null) return { groupId: existing, changes: [] };
    const name = backendSecurityGroupName(this.clusterName, vpcId);
    const change: Change = { action: 'create', kind: 'security-group', id: ResourceId.backendSecurityGroup, summary: `${name}, shared by the cluster's load balancers to reach their targets` };
    if (mode === 'plan') {
      const first = !this.planned;
      this.planned = true;
      return { groupId: null, changes: first ? [change] : [] };
    }
    const run = this.creating.then(async () => {
      const again = await this.lookup(aws, vpcId);
      if (again !== null) return { groupId: again, created: false };
      const groupId = await this.create(aws, vpcId, name);
      this.found = { at: Date.now(), vpcId, groupId: Promise.resolve(groupId) };
      return { groupId, created: true };
    });
    this.creating = run.catch(() => undefined);
    const { groupId, created } = await run;
    return { groupId, changes: created ? [change] : [] };
  }

  /**
   * The group `--backend-security-group` names, checked to exist in the load balancers' VPC.
   * @throws AlbatrossError `input` naming the flag, the group and the VPC
   */
  private async checkGiven(aws: Aws, groupId: string, vpcId: string): Promise<string> {
    const found = await collectPages(
      (NextToken) => aws.send(aws.ec2, new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], ...(NextToken === undefined ? {} : { NextToken }) })),
      (p) => p.SecurityGroups,
      (p) => p.NextToken,
    );
    const group = found[0];
    if (group === undefined) throw new AlbatrossError('input', `--backend-security-group: security group ${groupId} does not exist`);
    if (group.VpcId !== vpcId) throw new AlbatrossError('input', `--backend-security-group: security group ${groupId} is in ${group.VpcId ?? 'no VPC'}, not in ${vpcId}, the VPC of the load balancers`);
    return groupId;
  }

  /**
   * The group Albatross made, in any VPC, whatever the setting is now: what a release deletes
   * (it may be left from before `--backend-security-group` or `--enable-backend-security-group=false`).
   */
  async lookupManaged(aws: Aws): Promise<string | null> {
    return await this.find(aws, null);
  }

  private async find(aws: Aws, vpcId: string | null): Promise<string | null> {
    const found = await collectPages(
      (NextToken) =>
        aws.send(
          aws.ec2,
          new DescribeSecurityGroupsCommand({
            Filters: [
              ...(vpcId === null ? [] : [{ Name: 'vpc-id', Values: [vpcId] }]),
              { Name: `tag:${OwnershipTag.cluster}`, Values: [this.clusterName] },
              { Name: `tag:${OwnershipTag.resource}`, Values: [ResourceId.backendSecurityGroup] },
            ],
            ...(NextToken === undefined ? {} : { NextToken }),
          }),
        ),
      (p) => p.SecurityGroups,
      (p) => p.NextToken,
    );
    // Two only if one was made by hand with our tags: the lowest id, so every process agrees.
    return found.map((g) => g.GroupId ?? '').filter((g) => g !== '').sort(compareStrings)[0] ?? null;
  }

  private async create(aws: Aws, vpcId: string, name: string): Promise<string> {
    try {
      const res = await aws.send(
        aws.ec2,
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: ec2Description(`Albatross backend security group of cluster ${this.clusterName}: the source load balancers reach targets from`),
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: tagsToSdk(this.tags) }],
        }),
      );
      return res.GroupId ?? '';
    } catch (err) {
      // The name is one per cluster and VPC: another process made it first, or a lost answer.
      if (!hasAwsCode(err, ['InvalidGroup.Duplicate'])) throw err;
      const other = await this.find(aws, vpcId);
      if (other !== null) return other;
      throw new AlbatrossError('aws-state', `security group name ${name} in ${vpcId} is taken by a group without the tags ${OwnershipTag.cluster}=${this.clusterName} and ${OwnershipTag.resource}=${ResourceId.backendSecurityGroup}; delete or rename it, or pass --backend-security-group`);
    }
  }
}

/** What a backend rules step did or would do. */
export interface BackendRulesResult {
  readonly changes: readonly Change[];
  /** Target addresses no rule could be made for, each naming the Service and the address. */
  readonly warnings: readonly IngressWarning[];
}

export interface BackendRulesOptions {
  readonly clusterName: string;
  readonly vpcId: string;
  /** `null` in a plan where the group is still to be created: every rule is new. */
  readonly backendGroupId: string | null;
  readonly targets: readonly BackendTarget[];
  /** See `planBackendRules`: `complete` also narrows and revokes. */
  readonly scope: 'complete' | 'additive';
  readonly mode: 'plan' | 'apply';
  readonly logger: Logger;
}

/**
 * Brings the rules on the targets' security groups to what `targets` need: finds each address's
 * network interface, picks its security group (the only one, or the one tagged
 * `kubernetes.io/cluster/<cluster>`), aggregates the ports per group, reads those groups' rules
 * once, and authorizes or revokes. An address that cannot be placed is a warning; the rest is
 * applied.
 */
export async function reconcileBackendRules(aws: Aws, options: BackendRulesOptions): Promise<BackendRulesResult> {
  const { clusterName, vpcId, targets } = options;
  const queries = new Map<string, AddressQuery>();
  for (const t of targets) queries.set(t.ip, { ...queries.get(t.ip), ...t.query });
  const located = targets.length === 0 ? new Map<string, AddressLocation>() : await locateAddresses(aws, vpcId, [...queries.values()]);
  const several = [...new Set([...located.values()].filter((l) => l.securityGroupIds.length > 1).flatMap((l) => [...l.securityGroupIds]))];
  const tags = several.length === 0 ? new Map<string, Readonly<Record<string, string>>>() : await securityGroupTags(aws, several);
  const clusterTag = `${clusterTagPrefix}${clusterName}`;

  const warnings = new Map<string, IngressWarning>();
  const warn = (t: BackendTarget, problem: string): void => {
    const key = `${t.service.key} ${t.ip}`;
    if (!warnings.has(key)) warnings.set(key, { ingress: t.ingress, group: t.group, message: `${memberName(t.ingress)}: Service ${t.service.key} port ${t.service.port}: endpoint address ${JSON.stringify(t.ip)} ${problem}` });
  };
  const needs: PortNeed[] = [];
  /** A target behind each security group: whom to tell when the group refuses its rule. */
  const firstUser = new Map<string, BackendTarget>();
  for (const t of targets) {
    const where = located.get(t.ip);
    if (where === undefined) {
      warn(t, `is on no network interface in ${vpcId}, so no security group rule lets the load balancer reach it; the Service's other endpoints are served`);
      continue;
    }
    const groups = where.securityGroupIds;
    const tagged = groups.length === 1 ? groups : groups.filter((g) => ['owned', 'shared'].includes(tags.get(g)?.[clusterTag] ?? ''));
    const only = tagged.length === 1 ? tagged[0] : undefined;
    if (only === undefined) {
      warn(
        t,
        `is on network interface ${where.eniId}, whose security groups ${groups.join(', ')} include ${tagged.length === 0 ? 'none' : 'several'} tagged ${clusterTag}; tag exactly one of them owned or shared so that Albatross can open it to the load balancer`,
      );
      continue;
    }
    for (const port of t.ports) needs.push({ groupId: only, port });
    if (!firstUser.has(only)) firstUser.set(only, t);
  }
  const wanted = aggregatePorts(needs);
  const backendGroupId = options.backendGroupId;
  const actual =
    backendGroupId === null || (wanted.length === 0 && options.scope === 'additive')
      ? []
      : await ingressRules(
          aws,
          wanted.map((w) => w.groupId),
          options.scope === 'complete' ? { key: OwnershipTag.resource, value: ResourceId.backendSecurityGroupRule } : null,
        );
  const plan = planBackendRules({ wanted, actual, backendGroupId: backendGroupId ?? '(new)', isOurs: isOurBackendRule(clusterName), scope: options.scope });
  const changes = describeBackendRules(plan, backendGroupId ?? 'backend-sg');
  if (options.mode === 'apply' && backendGroupId !== null && changes.length > 0) {
    const refused = await applyBackendRules(aws, clusterName, backendGroupId, plan);
    for (const { groupId, action, message } of refused) {
      const t = firstUser.get(groupId);
      if (t === undefined || action === 'revoke') {
        options.logger.warn({ securityGroup: groupId, action }, `security group ${groupId} refused a change of its backend security group rule: ${message}`);
        continue;
      }
      warnings.set(`refused ${groupId}`, {
        ingress: t.ingress,
        group: t.group,
        message: `${memberName(t.ingress)}: Service ${t.service.key} port ${t.service.port}: security group ${groupId}, on the network interface of endpoint address ${JSON.stringify(t.ip)}, refused the rule that lets the load balancer reach it: ${message}; tag it kubernetes.io/cluster/${clusterName} (owned or shared) so the IAM policy allows the change, or allow the backend security group ${backendGroupId} in it yourself. Other security groups got their rules`,
      });
    }
    options.logger.info({ authorized: plan.authorize.length, revoked: plan.revoke.length }, 'backend security group rules updated');
  }
  return { changes, warnings: [...warnings.values()] };
}

/**
 * What goes once the backend group is no longer needed, in the cluster-wide step of a run in
 * which every group could say what it uses:
 * - `everything`, when no load balancer of the cluster uses a backend group any more: every rule
 *   of ours is revoked, and the managed group is deleted;
 * - `managed-group`, when load balancers use a group given by `--backend-security-group` (or the
 *   feature is off): the managed group left from before is deleted (the rules from it were
 *   revoked by the rules step, which revokes ours from any other source).
 *
 * In `apply` the managed group is deleted only once no load balancer of the cluster carries it
 * in AWS (a group that failed this run may still); `plan` goes by what the groups will have.
 * Rules we did not add are never touched; one of them still naming the group makes AWS refuse
 * the deletion, which is said so.
 */
export async function releaseBackendSecurityGroup(
  aws: Aws,
  backend: BackendSecurityGroup,
  clusterName: string,
  mode: 'plan' | 'apply',
  scope: 'everything' | 'managed-group',
): Promise<Change[]> {
  const managedId = await backend.lookupManaged(aws);
  const ours = scope === 'everything' ? (await ingressRules(aws, [], { key: OwnershipTag.resource, value: ResourceId.backendSecurityGroupRule })).filter(isOurBackendRule(clusterName)) : [];
  const plan = { authorize: [], revoke: ours };
  const changes: Change[] = describeBackendRules(plan, managedId ?? 'backend-sg');
  const deletable = managedId !== null && (mode === 'plan' || (await loadBalancersUsing(aws, clusterName, managedId)).length === 0);
  if (managedId !== null && deletable) changes.push({ action: 'delete', kind: 'security-group', id: ResourceId.backendSecurityGroup, summary: `${managedId}: no load balancer of the cluster uses it` });
  if (mode === 'plan' || changes.length === 0) return changes;
  const refused = ours.length === 0 ? [] : await applyBackendRules(aws, clusterName, managedId ?? '', plan);
  if (refused.length > 0) {
    const first = refused[0];
    throw new AlbatrossError('aws-validation', `security group ${first?.groupId ?? ''} refused to drop the rule from the backend security group: ${first?.message ?? ''}; the backend security group is kept until it can`);
  }
  if (managedId !== null && deletable) {
    await alreadyDone(
      () => deleteWhenReleased(aws, managedId),
      ['InvalidGroup.NotFound'],
    );
    backend.forget();
  }
  return changes;
}

/** Our load balancers whose security groups include `groupId`. */
async function loadBalancersUsing(aws: Aws, clusterName: string, groupId: string): Promise<string[]> {
  return (await clusterLoadBalancers(aws, clusterName)).filter((lb) => lb.securityGroupIds.includes(groupId)).map((lb) => lb.arn);
}
