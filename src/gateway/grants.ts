// ReferenceGrant: a reference from one namespace to an object in another is allowed only when a
// ReferenceGrant in the referent's namespace lets the referring kind of the referring namespace
// reach that kind (and, when the grant names one, that object). gateway-api.sigs.k8s.io/api-types/referencegrant
import type { V1ReferenceGrant } from './types.js';

export interface Referrer {
  /** `gateway.networking.k8s.io` for Gateways and HTTPRoutes. */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface Referent {
  /** `''` for the core group (Services, Secrets). */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Whether `from` may refer to `to`: same namespace, or a grant in `to`'s namespace allows it. */
export function referenceAllowed(from: Referrer, to: Referent, grantsIn: (namespace: string) => readonly V1ReferenceGrant[]): boolean {
  if (from.namespace === to.namespace) return true;
  return grantsIn(to.namespace).some((grant) => {
    const fromOk = (grant.spec?.from ?? []).some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace);
    const toOk = (grant.spec?.to ?? []).some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name));
    return fromOk && toOk;
  });
}
