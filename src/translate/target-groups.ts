// Target groups the stack's actions use, each with its pod targets.
import type { V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import type { ActionSpec, TargetGroupSpec, Tags } from '../model/resources.js';
import type { TargetGroupDraft } from './backends.js';
import { targetGroupName } from './names.js';
import { ownedTags } from './tags.js';
import { serviceTargets, targetGroupPort } from './targets.js';

/** Target groups the actions forward to: ours by id, others by ARN (both count against ALB's limit). */
export function referencedTargetGroups(actions: Iterable<ActionSpec>): { ids: string[]; arns: string[] } {
  const ids = new Set<string>();
  const arns = new Set<string>();
  for (const action of actions)
    if (action.type === 'forward')
      for (const { targetGroup } of action.targetGroups)
        if (targetGroup.kind === 'id') ids.add(targetGroup.id);
        else arns.add(targetGroup.arn);
  return { ids: [...ids], arns: [...arns] };
}

export function buildTargetGroup(
  clusterName: string,
  group: string,
  draft: TargetGroupDraft,
  slices: readonly V1EndpointSlice[],
  userTags: Tags,
  pod?: (namespace: string, name: string) => V1Pod | undefined,
): TargetGroupSpec {
  const targets = serviceTargets(draft.service, draft.servicePort, slices, pod);
  const s = draft.settings;
  return {
    id: draft.id,
    name: targetGroupName(clusterName, group, draft.id, draft.namespace, draft.serviceName),
    targetType: s.targetType,
    protocol: s.protocol,
    protocolVersion: s.protocolVersion,
    port: targetGroupPort(draft.servicePort, targets),
    healthCheck: s.healthCheck,
    attributes: s.attributes,
    targets,
    tags: ownedTags({ ...userTags, ...s.serviceTags }, clusterName, group, draft.id),
    service: { key: `${draft.namespace}/${draft.serviceName}`, port: String(draft.port) },
  };
}
