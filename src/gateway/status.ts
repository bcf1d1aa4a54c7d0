// Status of the Gateway front as translate decides it, before AWS is touched: the Gateway's
// `Accepted`, each listener's `Accepted`, `ResolvedRefs`, `Conflicted` and attached route count,
// and each HTTPRoute's `Accepted` and `ResolvedRefs` per parent. `Programmed` follows from the
// reconcile's outcome and is added when status is written. Condition types and reasons are the
// Gateway API's (gateway-api.sigs.k8s.io/reference/spec, `GatewayConditionReason`,
// `ListenerConditionReason`, `RouteConditionReason`).
import type { NamespacedName } from './keys.js';
import type { ParentReference, RouteGroupKind } from './types.js';

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
