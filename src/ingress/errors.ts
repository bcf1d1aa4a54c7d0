// Builders for the per-Ingress problems that translation reports instead of throwing.
import type { IngressError, IngressWarning, ObjectKey } from '../model/resources.js';

/** The Ingress is left out of its group; its rules already in AWS stay as they are. */
export function excluded(ingress: ObjectKey, group: string | null, problem: string): IngressError {
  return { ingress, group, message: `Ingress ${ingress}: ${problem}`, severity: 'excluded' };
}

/** The Ingress is applied, but part of it serves an error response. */
export function degraded(ingress: ObjectKey, group: string | null, problem: string): IngressError {
  return { ingress, group, message: `Ingress ${ingress}: ${problem}`, severity: 'degraded' };
}

/** The Ingress is applied as asked, but part of it does not do what it seems to say. */
export function warning(ingress: ObjectKey, group: string, problem: string): IngressWarning {
  return { ingress, group, message: `Ingress ${ingress}: ${problem}` };
}
