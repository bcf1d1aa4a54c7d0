// Pairs desired resources with what AWS has, the first step of every per-kind diff.

/** The outcome of matching: pairs to compare, desired to create, actual to delete. */
export interface Matching<D, A> {
  /** Desired and actual with the same key, in desired order. */
  readonly matched: readonly (readonly [D, A])[];
  /** Desired without an actual of the same key, in desired order. */
  readonly toCreate: readonly D[];
  /** Actual without a desired of the same key, without a key, or a second one with the same key. */
  readonly toDelete: readonly A[];
}

/** Matches by a key; an actual resource whose key is `null` (not ours) is always deleted. */
export function matchBy<D, A>(
  desired: readonly D[],
  actual: readonly A[],
  desiredKey: (d: D) => string,
  actualKey: (a: A) => string | null,
): Matching<D, A> {
  const byKey = new Map<string, A>();
  const toDelete: A[] = [];
  for (const a of actual) {
    const key = actualKey(a);
    if (key === null || byKey.has(key)) toDelete.push(a);
    else byKey.set(key, a);
  }
  const matched: (readonly [D, A])[] = [];
  const toCreate: D[] = [];
  const used = new Set<string>();
  for (const d of desired) {
    const key = desiredKey(d);
    const a = byKey.get(key);
    if (a === undefined || used.has(key)) toCreate.push(d);
    else {
      used.add(key);
      matched.push([d, a]);
    }
  }
  for (const [key, a] of byKey) if (!used.has(key)) toDelete.push(a);
  return { matched, toCreate, toDelete };
}

/** Matches by the stable id (`albatross.dev/resource` on the actual side). */
export function matchById<D extends { readonly id: string }, A extends { readonly id: string | null }>(
  desired: readonly D[],
  actual: readonly A[],
): Matching<D, A> {
  return matchBy(
    desired,
    actual,
    (d) => d.id,
    (a) => a.id,
  );
}
