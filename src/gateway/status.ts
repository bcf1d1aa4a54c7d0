// Status of the Gateway front as translate decides it, before AWS is touched: the Gateway's
// `Accepted`, each listener's `Accepted`, `ResolvedRefs`, `Conflicted` and attached route count,
// and each HTTPRoute's `Accepted` and `ResolvedRefs` per parent. `Programmed` follows from the
// reconcile's outcome and is added when status is written. Condition types and reasons are the
// Gateway API's (gateway-api.sigs.k8s.io/reference/spec, `GatewayConditionReason`,
// `ListenerConditionReason`, `RouteConditionReason`).
import type { NamespacedName } from './keys.js';
import { GatewayApiGroup, GatewayControllerName, type GatewayStatus, type ParentReference, type RouteGroupKind, type RouteParentStatus } from './types.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionDraft {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  /** One sentence naming the object, the field and the value where there is a problem. */
  readonly message: string;
}

export interface ListenerDraft {
  readonly name: string;
  readonly supportedKinds: readonly RouteGroupKind[];
  /** Routes attached to this listener (accepted for it), whatever their backends. */
  readonly attachedRoutes: number;
  /** `Accepted`, `ResolvedRefs` and `Conflicted`. */
  readonly conditions: readonly ConditionDraft[];
  /** Whether the listener is part of the desired stack: its `Programmed` follows the reconcile. */
  readonly inStack: boolean;
}

export interface RouteParentDraft {
  readonly route: NamespacedName;
  /** `metadata.generation` of the HTTPRoute, for `observedGeneration`. */
  readonly generation: number;
  /** The route's `parentRefs` entry, as written. */
  readonly parentRef: ParentReference;
  /** `Accepted` and `ResolvedRefs`. */
  readonly conditions: readonly ConditionDraft[];
}

export interface GatewayStatusDraft {
  readonly gateway: NamespacedName;
  /** `metadata.generation` of the Gateway, for `observedGeneration`. */
  readonly generation: number;
  /** `Accepted`. */
  readonly conditions: readonly ConditionDraft[];
  readonly listeners: readonly ListenerDraft[];
  readonly routes: readonly RouteParentDraft[];
}

/** What the reconcile of a Gateway's group came to, for its `Programmed` conditions. */
export interface ProgrammedOutcome {
  /** The load balancer's DNS name; `null` when there is none (yet). */
  readonly dnsName: string | null;
  /** Why the reconcile did not converge; `null` when it did. */
  readonly problem: string | null;
}

/** A Kubernetes condition as written to status (`metav1.Condition`). */
export interface WrittenCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

/** Kubernetes caps a condition message at 32768 characters. */
const maxMessage = 32768;

/**
 * Conditions as written: `observedGeneration` set, and `lastTransitionTime` kept from the
 * previous condition of the same type when its status did not change (metav1.Condition).
 */
export function writtenConditions(drafts: readonly ConditionDraft[], generation: number, previous: readonly { type?: string; status?: string; lastTransitionTime?: unknown }[] | undefined, now: Date): WrittenCondition[] {
  return drafts.map((d) => {
    const before = previous?.find((p) => p.type === d.type);
    const kept = before !== undefined && before.status === d.status ? timeOf(before.lastTransitionTime) : null;
    return { type: d.type, status: d.status, reason: d.reason, message: d.message.slice(0, maxMessage), observedGeneration: generation, lastTransitionTime: kept ?? now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  });
}

function timeOf(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The Gateway's `Accepted` and `Programmed`, and each listener's `Programmed`, from the draft and the reconcile's outcome. */
export function programmedConditions(draft: GatewayStatusDraft, outcome: ProgrammedOutcome): { gateway: ConditionDraft[]; listeners: Map<string, ConditionDraft[]> } {
  const accepted = draft.conditions.find((c) => c.type === 'Accepted');
  let programmed: ConditionDraft;
  if (accepted?.status !== 'True') programmed = { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'The Gateway is not accepted; its load balancer is left as it is' };
  else if (outcome.problem !== null) programmed = { type: 'Programmed', status: 'False', reason: 'Pending', message: outcome.problem };
  else if (outcome.dnsName === null || outcome.dnsName === '') programmed = { type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: 'The load balancer has no DNS name yet' };
  else programmed = { type: 'Programmed', status: 'True', reason: 'Programmed', message: `Served by load balancer ${outcome.dnsName}` };
  const listeners = new Map<string, ConditionDraft[]>();
  for (const l of draft.listeners) {
    const own: ConditionDraft = !l.inStack
      ? { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'The listener is not programmed: see its other conditions' }
      : programmed.status === 'True'
        ? { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Served by the load balancer' }
        : { ...programmed, reason: programmed.reason === 'Invalid' ? 'Invalid' : 'Pending' };
    listeners.set(l.name, [...l.conditions, own]);
  }
  return { gateway: [...draft.conditions, programmed], listeners };
}

/** `status` of a Gateway: its DNS name as a `Hostname` address, its conditions and its listeners'. */
export function gatewayStatusOf(draft: GatewayStatusDraft, outcome: ProgrammedOutcome, previous: GatewayStatus | undefined, now: Date): GatewayStatus {
  const { gateway, listeners } = programmedConditions(draft, outcome);
  return {
    addresses: outcome.dnsName === null || outcome.dnsName === '' ? [] : [{ type: 'Hostname', value: outcome.dnsName }],
    conditions: writtenConditions(gateway, draft.generation, previous?.conditions, now),
    listeners: draft.listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds.map((k) => ({ ...k })),
      attachedRoutes: l.attachedRoutes,
      conditions: writtenConditions(listeners.get(l.name) ?? l.conditions, draft.generation, previous?.listeners?.find((p) => p.name === l.name)?.conditions, now),
    })),
  };
}

/** Whether a `parentRefs` entry of a route in `routeNamespace` names this Gateway. */
export function namesGateway(ref: ParentReference, routeNamespace: string, gateway: NamespacedName): boolean {
  return (ref.group ?? GatewayApiGroup) === GatewayApiGroup && (ref.kind ?? 'Gateway') === 'Gateway' && (ref.namespace ?? routeNamespace) === gateway.namespace && ref.name === gateway.name;
}

function sameParent(a: ParentReference, b: ParentReference, routeNamespace: string): boolean {
  return (
    (a.group ?? GatewayApiGroup) === (b.group ?? GatewayApiGroup) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    (a.namespace ?? routeNamespace) === (b.namespace ?? routeNamespace) &&
    a.name === b.name &&
    a.sectionName === b.sectionName &&
    a.port === b.port
  );
}

/**
 * A route's `status.parents` after one Gateway's reconcile: entries of other controllers and
 * for other Gateways stay; ours for this Gateway become `drafts` (one per `parentRefs` entry
 * naming it), so a route detached from it loses its entry.
 */
export function routeParentsOf(
  previous: readonly RouteParentStatus[] | undefined,
  routeNamespace: string,
  gateway: NamespacedName,
  drafts: readonly RouteParentDraft[],
  now: Date,
): RouteParentStatus[] {
  const kept = (previous ?? []).filter((p) => p.controllerName !== GatewayControllerName || !namesGateway(p.parentRef, routeNamespace, gateway));
  const ours = drafts.map((d) => ({
    parentRef: { ...d.parentRef },
    controllerName: GatewayControllerName,
    conditions: writtenConditions(d.conditions, d.generation, previous?.find((p) => p.controllerName === GatewayControllerName && sameParent(p.parentRef, d.parentRef, routeNamespace))?.conditions, now),
  }));
  return [...kept, ...ours];
}
