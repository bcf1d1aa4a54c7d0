// Manifests read from files can hold anything. Whatever they hold, the loader either refuses
// them with an input error naming the object, or translate returns a DesiredState; neither
// ever fails in another way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterViewFromObjects } from '../../../src/cluster/files.js';
import type { ClusterStore } from '../../../src/cluster/view.js';
import { AlbatrossError } from '../../../src/model/errors.js';
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

/** The view of `items`, or `null` when the loader refuses them (with an input error). */
function load(items: readonly unknown[]): ClusterStore | null {
  try {
    return clusterViewFromObjects(items);
  } catch (err) {
    expect(err).toBeInstanceOf(AlbatrossError);
    expect((err as AlbatrossError).code).toBe('input');
    expect((err as AlbatrossError).message).toMatch(/^input: object \d+/);
    return null;
  }
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
    const view = load(mutated);
    if (view === null) return;
    const state = translate(view, { clusterName: 'fuzz' });
    expect(Array.isArray(state.stacks)).toBe(true);
  });

  test('documents that are not objects are refused, each named', () => {
    expect(() => clusterViewFromObjects([null, 1, 'x'])).toThrow(
      'input: object 1: a Kubernetes object must be a map with apiVersion and kind, not null\n' +
        'input: object 2: a Kubernetes object must be a map with apiVersion and kind, not 1\n' +
        'input: object 3: a Kubernetes object must be a map with apiVersion and kind, not "x"',
    );
  });
});
