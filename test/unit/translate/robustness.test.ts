// Manifests read from files can hold anything. Whatever is in the snapshot, translate
// returns a DesiredState and never throws.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../../src/snapshot/snapshot.js';
import { translate } from '../../../src/translate/index.js';

const dir = join(process.cwd(), 'test/unit/translate/golden');
const inputs = readdirSync(dir)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { items: unknown[] }).items);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const junk: unknown[] = [null, 0, -1, 1.5, '', 'x', '*', '/', true, [], {}, [null], [1, 'a'], { a: null }, '[{"HTTP": 80}]', '{"type":"forward"}'];

/** A deep copy of `value` with some nodes replaced by junk. */
function mutate(value: unknown, rand: () => number, rate: number): unknown {
  if (rand() < rate) return junk[Math.floor(rand() * junk.length)];
  if (Array.isArray(value)) return value.map((v) => mutate(v, rand, rate));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mutate(v, rand, rate)]));
  return value;
}

function toSnapshot(items: readonly unknown[]): Snapshot {
  const kind = (k: string): unknown[] => items.filter((o) => typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === k);
  return {
    ingresses: kind('Ingress'),
    ingressClasses: kind('IngressClass'),
    services: kind('Service'),
    endpointSlices: kind('EndpointSlice'),
    secrets: [],
  } as unknown as Snapshot;
}

describe('translate never throws', () => {
  test.each(Array.from({ length: 300 }, (_, i) => i))('mutated golden input, seed %i', (seed) => {
    const rand = prng(seed);
    const items = inputs[seed % inputs.length] ?? [];
    // Keep kinds so the junk reaches translate's readers rather than being sorted away.
    const mutated = items.map((item) => {
      const m = mutate(item, rand, 0.08);
      const kindOf = (item as { kind: string }).kind;
      return typeof m === 'object' && m !== null && !Array.isArray(m) ? { ...m, kind: kindOf } : { kind: kindOf, spec: m };
    });
    const state = translate(toSnapshot(mutated), { clusterName: 'fuzz' });
    expect(Array.isArray(state.stacks)).toBe(true);
  });

  test('a snapshot of non-objects', () => {
    const state = translate({ ingresses: [null, 1, 'x'], ingressClasses: [null], services: [7], endpointSlices: [[]], secrets: [] } as unknown as Snapshot, { clusterName: 'x' });
    expect(state).toEqual({ stacks: [], frozenGroups: [], errors: [], warnings: [] });
  });
});
