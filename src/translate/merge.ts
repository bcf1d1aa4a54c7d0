// Members of a group share one load balancer, so they must agree on what configures it. In
// group order, a member that contradicts an earlier one is left out, with a message naming
// both Ingresses, the annotation and both values; members that are silent inherit.
import { compareStrings } from '../model/compare.js';
import type { ActionSpec, HealthCheckSpec, ListenerProtocol, ObjectKey } from '../model/resources.js';
import { Annotation, annotationKey } from '../ingress/annotations.js';
import { quote } from '../model/messages.js';
import type { ResolvedBackend, TargetGroupDraft } from './backends.js';
import { shortHash } from './names.js';
import { ExclusiveAnnotation, type ExclusiveSettings, type ExclusiveValue, type MemberModel } from './member.js';

export interface Merged {
  /** Accepted members, in group order. */
  readonly members: readonly MemberModel[];
  readonly exclusive: ExclusiveSettings;
  readonly tags: Readonly<Record<string, string>>;
  readonly defaultBackend: ResolvedBackend | null;
  readonly targetGroups: ReadonlyMap<string, TargetGroupDraft>;
  readonly listenerProtocols: ReadonlyMap<number, ListenerProtocol>;
}

export interface MergeOutcome {
  readonly merged: Merged;
  /** Problems of the members left out, by Ingress. */
  readonly conflicts: ReadonlyMap<ObjectKey, readonly string[]>;
}

const healthCheckFields = [
  'protocol',
  'port',
  'path',
  'intervalSeconds',
  'timeoutSeconds',
  'healthyThresholdCount',
  'unhealthyThresholdCount',
  'successCodes',
] as const satisfies readonly (keyof HealthCheckSpec)[];

export function mergeMembers(group: string, members: readonly MemberModel[]): MergeOutcome {
  const accepted: MemberModel[] = [];
  const exclusive: Record<string, { setting: ExclusiveValue; by: ObjectKey }> = {};
  const tags = new Map<string, { value: string; by: ObjectKey }>();
  let defaultBackend: { backend: ResolvedBackend; by: ObjectKey } | null = null;
  const targetGroups = new Map<string, { draft: TargetGroupDraft; by: ObjectKey }>();
  const protocols = new Map<number, { protocol: ListenerProtocol; by: ObjectKey }>();
  const conflicts = new Map<ObjectKey, string[]>();
  const earlier = (by: ObjectKey): string => `set by Ingress ${by}, an earlier member of group ${group}`;

  for (let m of members) {
    const problems: string[] = [];
    for (const name of ExclusiveAnnotation) {
      const mine = m.exclusive[name] as ExclusiveValue | undefined;
      const theirs = exclusive[name];
      if (mine === undefined || theirs === undefined || mine.key === theirs.setting.key) continue;
      const from = theirs.setting.source === mine.source ? '' : ` (${theirs.setting.source})`;
      problems.push(
        `${mine.source}: ${quote(mine.written)} conflicts with ${quote(theirs.setting.written)}${from} ${earlier(theirs.by)}; members of a group must agree on it (set the same value or leave it unset)`,
      );
    }
    for (const [key, value] of Object.entries(m.tags)) {
      const theirs = tags.get(key);
      if (theirs !== undefined && theirs.value !== value)
        problems.push(
          `annotation ${annotationKey(Annotation.tags)}: tag ${quote(key)} is ${quote(value)}, which conflicts with ${quote(theirs.value)} ${earlier(theirs.by)}`,
        );
    }
    if (m.defaultBackend !== null && defaultBackend !== null)
      problems.push(
        `spec.defaultBackend conflicts with the default backend of Ingress ${defaultBackend.by}, an earlier member of group ${group}; a group has one default backend`,
      );
    for (const { port, protocol } of m.listenPorts) {
      const theirs = protocols.get(port);
      if (theirs !== undefined && theirs.protocol !== protocol)
        problems.push(
          `annotation ${annotationKey(Annotation.listenPorts)}: port ${port} is ${protocol} here, which conflicts with ${theirs.protocol} ${earlier(theirs.by)}`,
        );
    }
    if (problems.length > 0) {
      conflicts.set(m.key, problems);
      continue;
    }
    m = withOwnTargetGroups(m, targetGroups);
    accepted.push(m);
    for (const name of ExclusiveAnnotation) {
      const mine = m.exclusive[name] as ExclusiveValue | undefined;
      if (mine !== undefined && exclusive[name] === undefined) exclusive[name] = { setting: mine, by: m.key };
    }
    for (const [key, value] of Object.entries(m.tags)) if (!tags.has(key)) tags.set(key, { value, by: m.key });
    if (m.defaultBackend !== null) defaultBackend = { backend: m.defaultBackend, by: m.key };
    for (const { port, protocol } of m.listenPorts) if (!protocols.has(port)) protocols.set(port, { protocol, by: m.key });
    for (const tg of m.targetGroups) if (!targetGroups.has(tg.id)) targetGroups.set(tg.id, { draft: tg, by: m.key });
  }

  return {
    merged: {
      members: accepted,
      exclusive: Object.fromEntries(Object.entries(exclusive).map(([k, v]) => [k, v.setting])),
      tags: Object.fromEntries([...tags].map(([k, v]) => [k, v.value])),
      defaultBackend: defaultBackend?.backend ?? null,
      targetGroups: new Map([...targetGroups].map(([id, v]) => [id, v.draft])),
      listenerProtocols: new Map([...protocols].map(([port, v]) => [port, v.protocol])),
    },
    conflicts,
  };
}

/**
 * One target group per (Service, port, settings): when this member's settings for a Service
 * port (health check, attributes) differ from those of an earlier member, its target group
 * gets an id of its own, suffixed by a hash of its settings, and its actions point there.
 * The first member keeps the plain id, so editing its settings modifies in place.
 */
function withOwnTargetGroups(m: MemberModel, taken: ReadonlyMap<string, { draft: TargetGroupDraft }>): MemberModel {
  const renames = new Map<string, string>();
  for (const tg of m.targetGroups) {
    const theirs = taken.get(tg.id);
    if (theirs !== undefined && !sameSettings(tg, theirs.draft)) {
      renames.set(tg.id, `${tg.id}/${shortHash([JSON.stringify(tg.settings.healthCheck), JSON.stringify(Object.entries(tg.settings.attributes).sort())], 8)}`);
    }
  }
  if (renames.size === 0) return m;
  const rename = (action: ActionSpec): ActionSpec =>
    action.type !== 'forward'
      ? action
      : {
          ...action,
          targetGroups: action.targetGroups.map((t) => {
            const renamed = t.targetGroup.kind === 'id' ? renames.get(t.targetGroup.id) : undefined;
            return renamed === undefined ? t : { ...t, targetGroup: { kind: 'id', id: renamed } };
          }),
        };
  return {
    ...m,
    routes: m.routes.map((r) => ({ ...r, action: rename(r.action) })),
    defaultBackend: m.defaultBackend === null ? null : { ...m.defaultBackend, action: rename(m.defaultBackend.action) },
    targetGroups: m.targetGroups.map((tg) => ({ ...tg, id: renames.get(tg.id) ?? tg.id })),
  };
}

/** Whether two drafts of one target group agree on the settings AWS can modify: health check and attributes. */
function sameSettings(mine: TargetGroupDraft, theirs: TargetGroupDraft): boolean {
  if (healthCheckFields.some((field) => String(mine.settings.healthCheck[field]) !== String(theirs.settings.healthCheck[field]))) return false;
  const attrs = (d: TargetGroupDraft): string =>
    Object.entries(d.settings.attributes)
      .sort(([x], [y]) => compareStrings(x, y))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  return attrs(mine) === attrs(theirs);
}
