// A Gateway's status draft in a few lines for people: what is accepted, and each condition that
// is not as it should be with its reason. The CLI prints it; a problem in it fails the run, as an
// Ingress error does.
import type { ConditionDraft, GatewayStatusDraft, RouteParentDraft } from './status.js';

/** Whether a condition is as it should be: `Conflicted` False, every other type True. */
export function isHealthy(condition: ConditionDraft): boolean {
  return condition.type === 'Conflicted' ? condition.status === 'False' : condition.status === 'True';
}

const problem = (c: ConditionDraft): string => `${c.type}=${c.status} (${c.reason}): ${c.message}`;

/** Which listener of the Gateway a route's parent entry asks for, when it names one. */
function section(parent: RouteParentDraft): string {
  const parts = [
    ...(parent.parentRef.sectionName === undefined ? [] : [`listener ${parent.parentRef.sectionName}`]),
    ...(parent.parentRef.port === undefined ? [] : [`port ${parent.parentRef.port}`]),
  ];
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** One line for the Gateway, each listener and each route's parent entry. */
export function statusSummary(draft: GatewayStatusDraft): string[] {
  const gateway = `Gateway ${draft.gateway.namespace}/${draft.gateway.name}`;
  const lines: string[] = [];
  const gatewayProblems = draft.conditions.filter((c) => !isHealthy(c));
  lines.push(gatewayProblems.length === 0 ? `${gateway}: accepted` : `${gateway}: ${gatewayProblems.map(problem).join('; ')}`);
  for (const l of draft.listeners) {
    const bad = l.conditions.filter((c) => !isHealthy(c));
    const attached = `${l.attachedRoutes} route${l.attachedRoutes === 1 ? '' : 's'} attached`;
    lines.push(bad.length === 0 ? `listener ${l.name}: accepted, ${attached}` : `listener ${l.name}: ${bad.map(problem).join('; ')}; ${attached}`);
  }
  for (const r of draft.routes) {
    const bad = r.conditions.filter((c) => !isHealthy(c));
    const name = `HTTPRoute ${r.route.namespace}/${r.route.name}${section(r)}`;
    lines.push(bad.length === 0 ? `${name}: accepted` : `${name}: ${bad.map(problem).join('; ')}`);
  }
  return lines;
}

/** Whether some condition of the Gateway, a listener or a route's parent entry is not as it should be. */
export function hasStatusProblem(draft: GatewayStatusDraft): boolean {
  return [...draft.conditions, ...draft.listeners.flatMap((l) => l.conditions), ...draft.routes.flatMap((r) => r.conditions)].some((c) => !isHealthy(c));
}
