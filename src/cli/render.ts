// Renders a reconcile result for people (text) or programs (JSON). Never includes secrets:
// changes are built from resource specs that hold none. A Gateway's group is named
// `Gateway ns/name`, its members `HTTPRoute ns/name`, and its status is summed up.
import { GatewayKey } from '../gateway/keys.js';
import { groupName, memberName } from '../gateway/names.js';
import type { ConditionDraft, GatewayStatusDraft } from '../gateway/status.js';
import { statusSummary } from '../gateway/summary.js';
import type { ParentReference } from '../gateway/types.js';
import type { ReconcileResult } from '../pipeline/cluster.js';

/** A Gateway's status as translate decided it, before `Programmed` (which follows the apply). */
export interface JsonGatewayStatus {
  /** `namespace/name` of the Gateway. */
  readonly gateway: string;
  readonly conditions: readonly ConditionDraft[];
  readonly listeners: readonly { readonly name: string; readonly attachedRoutes: number; readonly conditions: readonly ConditionDraft[] }[];
  /** One entry per `parentRefs` entry of an HTTPRoute naming the Gateway. */
  readonly routes: readonly { readonly route: string; readonly parentRef: ParentReference; readonly conditions: readonly ConditionDraft[] }[];
}

export interface JsonOutput {
  readonly groups: readonly {
    /** The group key: `namespace/name`, `<class>:<group.name>`, or `gateway:namespace/name`. */
    readonly name: string;
    /** Member keys: Ingresses (`namespace/name`), or the Gateway and its HTTPRoutes (`gateway:`/`httproute:` keys). */
    readonly ingresses: readonly string[];
    readonly loadBalancer: { readonly arn: string; readonly dnsName: string } | null;
    readonly changes: readonly { readonly action: string; readonly kind: string; readonly id: string; readonly summary: string }[];
    /** Only for a Gateway's group that translated. */
    readonly status?: JsonGatewayStatus;
  }[];
  readonly errors: readonly { readonly ingress: string; readonly message: string }[];
  readonly warnings: readonly { readonly ingress: string; readonly message: string }[];
}

export function toJson(result: ReconcileResult): JsonOutput {
  return {
    groups: result.groups.map((g) => ({
      name: g.name,
      ingresses: g.ingresses,
      loadBalancer: g.loadBalancer,
      changes: g.changes,
      ...(g.gatewayStatus === null ? {} : { status: jsonStatus(g.gatewayStatus) }),
    })),
    errors: [
      ...result.errors.map((e) => ({ ingress: e.ingress, message: e.message })),
      // A group that stopped part-way is an error for each of its Ingresses.
      ...result.groups.flatMap((g) =>
        g.failure === null || g.leftAsIs !== null ? [] : subjectsOf(g).map((ingress) => ({ ingress, message: `group ${g.name}: ${g.failure?.message ?? ''}` })),
      ),
    ],
    warnings: result.warnings.map((w) => ({ ingress: w.ingress, message: w.message })),
  };
}

/** Who a group's failure is reported for: every member, or the Gateway (even with no route). */
function subjectsOf(g: ReconcileResult['groups'][number]): readonly string[] {
  return GatewayKey.is(g.name) ? [g.name] : g.ingresses;
}

function jsonStatus(draft: GatewayStatusDraft): JsonGatewayStatus {
  return {
    gateway: `${draft.gateway.namespace}/${draft.gateway.name}`,
    conditions: draft.conditions,
    listeners: draft.listeners.map((l) => ({ name: l.name, attachedRoutes: l.attachedRoutes, conditions: l.conditions })),
    routes: draft.routes.map((r) => ({ route: `${r.route.namespace}/${r.route.name}`, parentRef: r.parentRef, conditions: r.conditions })),
  };
}

const marks = { create: '+', update: '~', delete: '-' } as const;

export function toText(result: ReconcileResult, mode: 'plan' | 'apply'): string {
  const lines: string[] = [];
  const counts = { create: 0, update: 0, delete: 0 };
  for (const g of result.groups) {
    // A Gateway is its group's name already; its routes are listed.
    const members = GatewayKey.is(g.name) ? g.ingresses.filter((i) => i !== g.name) : g.ingresses;
    lines.push(`${groupName(g.name)}${members.length > 0 ? ` (${members.map(memberName).join(', ')})` : ''}`);
    if (g.loadBalancer !== null) lines.push(`  load balancer ${g.loadBalancer.dnsName}`);
    if (g.leftAsIs !== null) lines.push(`  left as it is: ${g.leftAsIs}`);
    else if (g.changes.length === 0 && g.failure === null) lines.push('  no changes');
    for (const c of g.changes) {
      counts[c.action]++;
      lines.push(`  ${marks[c.action]} ${c.action} ${c.kind} ${c.id}: ${c.summary}`);
    }
    if (g.failure !== null && g.leftAsIs === null) lines.push(`  ! stopped: ${g.failure.message}`);
    if (g.gatewayStatus !== null) lines.push('  status:', ...statusSummary(g.gatewayStatus).map((l) => `    ${l}`));
  }
  if (result.errors.length > 0) {
    lines.push('', 'Errors:');
    for (const e of result.errors) lines.push(`  ${e.message}`);
  }
  if (result.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of result.warnings) lines.push(`  ${w.message}`);
  }
  lines.push(
    '',
    mode === 'plan'
      ? `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete.`
      : `Applied: ${counts.create} created, ${counts.update} updated, ${counts.delete} deleted.`,
  );
  return lines.join('\n');
}
