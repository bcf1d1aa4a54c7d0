// The Kubernetes path precedence written on its own, independently of translate, as the
// reference the property tests compare ALB's routing with: an Exact match (or a pattern
// without wildcards) first, then the longest literal part (a Prefix without its trailing
// slashes, a pattern up to its first `*` or `?`), Prefix before pattern at equal length, then
// group order and position. Also the seeded random numbers those tests draw from.
import type { PathType } from '../factories.js';
import { glob } from './alb-router.js';

/** One path of a member, as the reference sees it. */
export interface RefPath {
  readonly path: string;
  readonly type: PathType;
  readonly service: string;
  /** Group order of its Ingress. */
  readonly member: number;
  /** Position among its Ingress's paths. */
  readonly position: number;
}

function matches(p: RefPath, path: string): boolean {
  if (p.type === 'Exact') return p.path === path;
  if (p.type === 'ImplementationSpecific') return glob(p.path, path, false);
  const prefix = p.path.replace(/\/+$/, '');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function literal(p: RefPath): string {
  if (p.type === 'Prefix') return p.path.replace(/\/+$/, '');
  const i = p.path.search(/[*?]/);
  return i === -1 ? p.path : p.path.slice(0, i);
}

const matchesOnePath = (p: RefPath): boolean => p.type === 'Exact' || (p.type === 'ImplementationSpecific' && !/[*?]/.test(p.path));
const kindOrder: Record<PathType, number> = { Exact: 0, Prefix: 1, ImplementationSpecific: 2 };

/** The path that serves `path` among `paths`, by the precedence above; `undefined` when none matches. */
export function mostSpecific<P extends RefPath>(paths: readonly P[], path: string): P | undefined {
  return paths
    .filter((p) => matches(p, path))
    .sort(
      (a, b) =>
        Number(matchesOnePath(b)) - Number(matchesOnePath(a)) ||
        literal(b).length - literal(a).length ||
        kindOrder[a.type] - kindOrder[b.type] ||
        a.member - b.member ||
        a.position - b.position,
    )[0];
}

/** A seeded linear congruential generator: the same seed draws the same numbers in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
