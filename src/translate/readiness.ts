// Which endpoints are targets, decided the same way by the full reconcile, the endpoint-only
// reconcile, the CLI and the controller's readiness gate: a ready endpoint is, a terminating
// one never is, and an endpoint that is not ready is a target only when its Pod opts in to
// the target-health readiness gate and its containers are ready (the gate is what holds it).
import type { V1Endpoint, V1Pod } from '@kubernetes/client-node';

/**
 * The readiness gate condition type a Pod opts in with (`spec.readinessGates[].conditionType`).
 * Albatross sets it `True` once the Pod's address is `healthy` in every target group of ours
 * that its Services back (docs/rollouts.md).
 */
export const TargetHealthGate = 'albatross.dev/target-health';

/** Looks up a Pod of the slice's namespace by name; `undefined` when it is not known. */
export type PodLookup = (name: string) => V1Pod | undefined;

/** Whether the Pod lists the `albatross.dev/target-health` readiness gate. */
export function hasTargetHealthGate(pod: V1Pod): boolean {
  return (pod.spec?.readinessGates ?? []).some((g) => g.conditionType === TargetHealthGate);
}

/** The status (`True`, `False`, `Unknown`) of one of the Pod's conditions; `undefined` when absent. */
export function podCondition(pod: V1Pod, type: string): string | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === type)?.status;
}

/** Whether every container of the Pod is ready (`ContainersReady=True`, written by the kubelet). */
export function containersReady(pod: V1Pod): boolean {
  return podCondition(pod, 'ContainersReady') === 'True';
}

/**
 * Whether the endpoint is held back only by our readiness gate: not ready, not terminating,
 * its Pod has the gate, its containers are ready and it is not being deleted.
 */
export function waitsForTargetHealth(endpoint: V1Endpoint, podOf: PodLookup): boolean {
  const conditions = endpoint.conditions;
  if (conditions?.terminating === true || conditions?.ready !== false) return false;
  const ref = endpoint.targetRef;
  if (ref?.kind !== 'Pod' || typeof ref.name !== 'string') return false;
  const pod = podOf(ref.name);
  return pod !== undefined && pod.metadata?.deletionTimestamp === undefined && hasTargetHealthGate(pod) && containersReady(pod);
}

/**
 * Whether the endpoint's addresses are targets. `ready` unset counts as ready (the API's
 * meaning); `terminating: true` is never a target, whatever `ready` says, so a Pod on its way
 * out is deregistered at once.
 */
export function isTargetEndpoint(endpoint: V1Endpoint, podOf: PodLookup): boolean {
  const conditions = endpoint.conditions;
  if (conditions?.terminating === true) return false;
  if (conditions?.ready !== false) return true;
  return waitsForTargetHealth(endpoint, podOf);
}
