// Renders a reconcile result for people (text) or programs (JSON). Never includes secrets:
// changes are built from resource specs that hold none.
import type { ReconcileResult } from '../pipeline/cluster.js';

export interface JsonOutput {
  readonly groups: readonly {
    readonly name: string;
    readonly ingresses: readonly string[];
    readonly loadBalancer: { readonly arn: string; readonly dnsName: string } | null;
    readonly changes: readonly { readonly action: string; readonly kind: string; readonly id: string; readonly summary: string }[];
  }[];
  readonly errors: readonly { readonly ingress: string; readonly message: string }[];
  readonly warnings: readonly { readonly ingress: string; readonly message: string }[];
}

export function toJson(result: ReconcileResult): JsonOutput {
  return {
    groups: result.groups.map((g) => ({ name: g.name, ingresses: g.ingresses, loadBalancer: g.loadBalancer, changes: g.changes })),
    errors: [
      ...result.errors.map((e) => ({ ingress: e.ingress, message: e.message })),
      // A group that stopped part-way is an error for each of its Ingresses.
      ...result.groups.flatMap((g) =>
        g.failure === null || g.leftAsIs !== null ? [] : g.ingresses.map((ingress) => ({ ingress, message: `group ${g.name}: ${g.failure?.message ?? ''}` })),
      ),
    ],
    warnings: result.warnings.map((w) => ({ ingress: w.ingress, message: w.message })),
  };
}

const marks = { create: '+', update: '~', delete: '-' } as const;

export function toText(result: ReconcileResult, mode: 'plan' | 'apply'): string {
  const lines: string[] = [];
  const counts = { create: 0, update: 0, delete: 0 };
  for (const g of result.groups) {
    lines.push(`Group ${g.name}${g.ingresses.length > 0 ? ` (${g.ingresses.map((i) => `Ingress ${i}`).join(', ')})` : ''}`);
    if (g.loadBalancer !== null) lines.push(`  load balancer ${g.loadBalancer.dnsName}`);
    if (g.leftAsIs !== null) lines.push(`  left as it is: ${g.leftAsIs}`);
    else if (g.changes.length === 0 && g.failure === null) lines.push('  no changes');
    for (const c of g.changes) {
      counts[c.action]++;
      lines.push(`  ${marks[c.action]} ${c.action} ${c.kind} ${c.id}: ${c.summary}`);
    }
    if (g.failure !== null && g.leftAsIs === null) lines.push(`  ! stopped: ${g.failure.message}`);
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
