// Assigns listener rule priorities so that rules already in the right relative order keep
// the priority they have: only rules that must move, and new rules, get a new number.
// AWS applies priority changes one rule at a time (and the emulator rejects swaps), so
// new numbers are always ones no rule on the listener holds right now.

export const maxPriority = 50_000;
/** Space left between rules laid out fresh, so later insertions rarely move anything. */
export const priorityStep = 100;

export interface PriorityAssignment {
  /** The priority of each desired rule, in desired order. */
  readonly priorities: readonly number[];
}

/**
 * @param current the current priority of each desired rule (`undefined` for new rules), in
 *   desired evaluation order
 * @param occupied every priority in use on the listener now, including rules about to be
 *   deleted and rules that must not be touched
 */
export function assignPriorities(current: readonly (number | undefined)[], occupied: ReadonlySet<number>): PriorityAssignment {
  const keep = longestIncreasing(current);
  const fitted = fillRuns(current, keep, occupied);
  if (fitted !== null) return { priorities: fitted };
  // No room between neighbours: lay every rule out afresh in free numbers.
  const fresh = fillRuns(current, new Set(), occupied);
  if (fresh === null) throw new RangeError(`no free rule priorities for ${current.length} rules`);
  return { priorities: fresh };
}

/** Indexes of a longest strictly increasing subsequence of the defined values. */
export function longestIncreasing(values: readonly (number | undefined)[]): Set<number> {
  // Patience sorting, O(n log n): tails[k] is the index ending the best run of length k+1.
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  values.forEach((v, i) => {
    if (v === undefined) return;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.length === 0 ? -1 : tails[tails.length - 1]!; i !== -1; i = previous[i]!) keep.add(i);
  return keep;
}

function fillRuns(current: readonly (number | undefined)[], keep: ReadonlySet<number>, occupied: ReadonlySet<number>): number[] | null {
  const out = new Array<number>(current.length);
  let i = 0;
  let lower = 0;
  while (i < current.length) {
    if (keep.has(i)) {
      out[i] = current[i]!;
      lower = current[i]!;
      i++;
      continue;
    }
    let end = i;
    while (end < current.length && !keep.has(end)) end++;
    const upper = end < current.length ? current[end]! : maxPriority + 1;
    const picked = pickFree(lower, upper, end - i, occupied);
    if (picked === null) return null;
    picked.forEach((p, k) => (out[i + k] = p));
    lower = picked[picked.length - 1] ?? lower;
    i = end;
  }
  return out;
}

/** `count` free priorities strictly between `lower` and `upper`, spread out. */
function pickFree(lower: number, upper: number, count: number, occupied: ReadonlySet<number>): number[] | null {
  if (count === 0) return [];
  // Open-ended at the top: step from the last rule, as a fresh layout would.
  if (upper > maxPriority) {
    const stepped: number[] = [];
    for (let p = lower + priorityStep; p <= maxPriority && stepped.length < count; p += priorityStep) {
      if (!occupied.has(p)) stepped.push(p);
    }
    if (stepped.length === count) return stepped;
  }
  const free: number[] = [];
  for (let p = lower + 1; p < Math.min(upper, maxPriority + 1); p++) if (!occupied.has(p)) free.push(p);
  if (free.length < count) return null;
  return Array.from({ length: count }, (_, k) => free[Math.floor(((k + 1) * free.length) / (count + 1))]!);
}
