// Snapshot -> DesiredState: our Ingresses, grouped, each group translated on its own.
// Pure: no I/O, and bad input never throws; it becomes IngressError values.
import type { V1Service } from '@kubernetes/client-node';
import type { DesiredStack, DesiredState, IngressError, IngressWarning, TlsResolver } from '../model/resources.js';
import { selectOurIngresses } from '../ingress/class.js';
import { groupIngresses } from '../ingress/group.js';
import { objectKey, type Snapshot } from '../snapshot/snapshot.js';
import { buildGroupStack } from './stack.js';

export interface TranslateOptions {
  /** Goes into the `albatross.dev/cluster` tag and the hashes of generated names. */
  readonly clusterName: string;
  /**
   * Validates the Secret of each `spec.tls` entry (the pipeline reads Secrets and ACM);
   * without it TLS entries are reported as unreadable.
   */
  readonly tls?: TlsResolver;
}

export function translate(snapshot: Snapshot, options: TranslateOptions): DesiredState {
  const ours = selectOurIngresses(list(snapshot.ingresses), list(snapshot.ingressClasses));
  const grouping = groupIngresses(ours);
  const services = new Map<string, V1Service>();
  for (const service of list(snapshot.services)) services.set(objectKey(service), service);
  const ctx = { clusterName: options.clusterName, services, endpointSlices: list(snapshot.endpointSlices), tls: options.tls };

  const stacks: DesiredStack[] = [];
  const frozenGroups: string[] = [];
  const errors: IngressError[] = [...grouping.errors];
  const warnings: IngressWarning[] = [];
  for (const group of grouping.groups) {
    const outcome = buildGroupStack(group, ctx);
    errors.push(...outcome.errors);
    warnings.push(...outcome.warnings);
    if (outcome.stack === null) frozenGroups.push(group.name);
    else stacks.push(outcome.stack);
  }
  return { stacks, frozenGroups, errors, warnings };
}

/** Objects read from files may be anything; only objects are considered. */
function list<T>(items: readonly T[] | undefined): T[] {
  return Array.isArray(items) ? items.filter((i): i is T => typeof i === 'object' && i !== null) : [];
}
