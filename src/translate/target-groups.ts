// Target groups the stack's actions use, each with its pod targets.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { ActionSpec, TargetGroupSpec, Tags } from '../model/resources.js';
import type { TargetGroupDraft } from './backends.js';
import { targetGroupName } from './names.js';
import { ownedTags } from './tags.js';
import { serviceTargets, targetGroupPort } from './targets.js';

/** Ids of our target groups referenced by the actions, in first-use order. */
export function referencedTargetGroups(actions: Iterable<ActionSpec>): string[] {
  const ids = new Set<string>();
  for (const action of actions)
    if (action.type === 'forward') for (const t of action.targetGroups) if (t.targetGroup.kind === 'id') ids.add(t.targetGroup.id);
  return [...ids];
}

export function buildTargetGroup(
  clusterName: string,
  group: string,
  draft: TargetGroupDraft,
  slices: readonly V1EndpointSlice[],
  userTags: Tags,
): TargetGroupSpec {
  const targets = serviceTargets(draft.service, draft.servicePort, slices);
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
