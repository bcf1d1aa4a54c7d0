// The endpoint-only reconcile: when only EndpointSlices changed (a scale-up, a pod becoming
// ready or unready), a group's target groups are brought to their pods with RegisterTargets
// and DeregisterTargets alone. It reads one Tagging API page for the group's target groups
// and the target health of the target groups of the changed Services, and nothing else.
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import pLimit from 'p-limit';
import { deregisterTargets, registerTargets } from '../apply/target-groups.js';
import { ApplyState } from '../apply/state.js';
import { failureOf } from './failure.js';
import type { ClusterView } from '../cluster/view.js';
import type { Failure } from '../model/errors.js';
import { GroupKey, OwnershipTag } from '../model/ids.js';
import type { IngressWarning, ObjectKey, TargetSpec, TlsResolver } from '../model/resources.js';
import { belongsTo, taggedResources } from '../observe/group.js';
import { describeOperation, type Change } from '../plan/describe.js';
import type { Operation } from '../plan/operations.js';
import { translateGroupKey } from './translate.js';
import type { ReconcileDeps } from './reconcile.js';
import { admittedTargets, refusedTargetWarning, targetAddresses, usersOf } from './target-addresses.js';
import { backendTargetsOf, usesBackendSecurityGroup, type BackendTarget } from './backend-security-group.js';

/** What an endpoint-only reconcile did, or that the group needs a full one. */
export type TargetsResult =
  | {
      readonly kind: 'done';
      readonly changes: readonly Change[];
      readonly failure: Failure | null;
      /** Endpoint addresses left out because ALB would not take them as targets, by Service. */
      readonly warnings: readonly IngressWarning[];
      /**
       * When the group's load balancer uses the backend security group: every target of the
       * changed Services now, and those registered now, whose security groups may need a rule.
       * @default none
       */
      readonly backend?: { readonly vpcId: string; readonly targets: readonly BackendTarget[]; readonly registered: readonly BackendTarget[] };
    }
  /** A target group of these Services is not in AWS yet, or the group has no stack: reconcile it whole. */
  | { readonly kind: 'full'; readonly reason: string };

/**
 * Targets are all an endpoint change can move, so TLS is not read: every Secret is taken as
 * covering its hosts. Only target groups of the translated stack are used.
 */
const unreadTls: TlsResolver = (_secret, hosts) => ({ ok: true, value: { fingerprint: 'not-read', names: [...hosts] } });

const targetKey = (t: TargetSpec): string => `${t.ip} ${t.port}`;

/**
 * Brings the targets of the group's target groups that serve `services` (`namespace/name`)
 * to the ready endpoints in the view. Never throws: a failure is the result's value.
 */
export async function reconcileTargets(view: ClusterView, group: string, services: ReadonlySet<ObjectKey>, deps: ReconcileDeps): Promise<TargetsResult> {
  const aws = deps.signal === undefined ? deps.aws : deps.aws.withSignal(deps.signal);
  const stack = translateGroupKey(view, group, { clusterName: deps.clusterName, tls: unreadTls }).stack;
  if (stack === null) return { kind: 'full', reason: 'the group has no stack to apply' };
  const affected = stack.targetGroups.filter((t) => t.service !== undefined && services.has(t.service.key));
  if (affected.length === 0) return { kind: 'done', changes: [], failure: null, warnings: [] };
  try {
    // Strictly the group's class: target groups still to be adopted from before groups were
    // keyed by class are missing here, and the full reconcile adopts them.
    const ours = belongsTo(group, false);
    const owned = (
      await taggedResources(aws, ['elasticloadbalancing:targetgroup'], [
        { Key: OwnershipTag.cluster, Values: [deps.clusterName] },
        { Key: OwnershipTag.group, Values: [GroupKey.tags(group).group] },
      ])
    ).filter((r) => ours(r.tags));
    const arnOf = new Map(owned.map((r) => [r.tags[OwnershipTag.resource] ?? '', r.arn]));
    const missing = affected.find((t) => !arnOf.has(t.id));
    if (missing !== undefined) return { kind: 'full', reason: `target group ${missing.id} is not in AWS yet` };

    // The same filter as a full reconcile: only addresses ALB takes as targets are wanted.
    const network = await deps.network();
    const addresses = targetAddresses(network);
    const warnings: IngressWarning[] = [];
    const admitted = affected.map((spec) => {
      const { targets, refused } = admittedTargets(spec, addresses);
      for (const ip of refused) for (const ingress of usersOf(stack, spec.id)) warnings.push(refusedTargetWarning(ingress, group, spec, ip, addresses));
      return { ...spec, targets };
    });

    const limit = pLimit(4);
    const operations = (
      await Promise.all(
        admitted.map((spec) =>
          limit(async (): Promise<Operation[]> => {
            const arn = arnOf.get(spec.id) ?? '';
            const health = await aws.send(aws.elbv2, new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
            const actual = (health.TargetHealthDescriptions ?? [])
              // Targets already on their way out are gone as far as routing goes.
              .filter((d) => d.TargetHealth?.State !== 'draining')
              .map((d) => ({ ip: d.Target?.Id ?? '', port: d.Target?.Port ?? 0 }));
            const have = new Set(actual.map(targetKey));
            const want = new Set(spec.targets.map(targetKey));
            const register = spec.targets.filter((t) => !have.has(targetKey(t)));
            const deregister = actual.filter((t) => !want.has(targetKey(t)));
            return [
              ...(register.length > 0 ? [{ op: 'registerTargets' as const, id: spec.id, arn, targets: register }] : []),
              ...(deregister.length > 0 ? [{ op: 'deregisterTargets' as const, id: spec.id, arn, targets: deregister }] : []),
            ];
          }),
        ),
      )
    ).flat();
    // Only addresses registered now can need a rule that is not there yet.
    const registered = new Set(operations.flatMap((o) => (o.op === 'registerTargets' ? o.targets.map((t) => t.ip) : [])));
    const targets = usesBackendSecurityGroup(deps.backendSecurityGroup.setting, stack) ? backendTargetsOf(view, { ...stack, targetGroups: admitted }) : null;
    const backend = targets === null ? {} : { backend: { vpcId: network.vpcId, targets, registered: targets.filter((t) => registered.has(t.ip)) } };
    if (deps.mode === 'plan') return { kind: 'done', changes: operations.map(describeOperation), failure: null, warnings, ...backend };
    const changes: Change[] = [];
    const state = new ApplyState(null);
    // New pods first, then the old ones out, so a target group is never emptied on the way.
    for (const op of [...operations.filter((o) => o.op === 'registerTargets'), ...operations.filter((o) => o.op === 'deregisterTargets')]) {
      if (op.op === 'registerTargets') await registerTargets(aws, state, op);
      else if (op.op === 'deregisterTargets') await deregisterTargets(aws, op);
      changes.push(describeOperation(op));
    }
    return { kind: 'done', changes, failure: null, warnings, ...backend };
  } catch (err) {
    return { kind: 'done', changes: [], failure: failureOf(err), warnings: [] };
  }
}
