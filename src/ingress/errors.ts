// Builders for the per-Ingress problems that translation reports instead of throwing. The Gateway
// front uses them too, for its Gateways and HTTPRoutes (`gateway:`/`httproute:` keys).
import { memberName } from '../gateway/names.js';
import type { IngressError, IngressWarning, ObjectKey } from '../model/resources.js';

/**
 * `Ingress ns/name: problem`; for a Gateway or an HTTPRoute, `Gateway ns/name: problem` or
 * `HTTPRoute ns/name: problem`, unless the Gateway front's problem already starts by naming it.
 */
function about(key: ObjectKey, problem: string): string {
  const name = memberName(key);
  if (!name.startsWith('Ingress ') && (problem.startsWith(`${name}:`) || problem.startsWith(`${name} `))) return problem;
  return `${name}: ${problem}`;
}

/** The Ingress is left out of its group; its rules already in AWS stay as they are. */
export function excluded(ingress: ObjectKey, group: string | null, problem: string): IngressError {
  return { ingress, group, message: about(ingress, problem), severity: 'excluded' };
}

/** The Ingress is applied, but part of it serves an error response. */
export function degraded(ingress: ObjectKey, group: string | null, problem: string): IngressError {
  return { ingress, group, message: about(ingress, problem), severity: 'degraded' };
}

/** The Ingress is applied as asked, but part of it does not do what it seems to say. */
export function warning(ingress: ObjectKey, group: string, problem: string): IngressWarning {
  return { ingress, group, message: about(ingress, problem) };
}
