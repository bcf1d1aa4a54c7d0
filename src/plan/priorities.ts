// Assigns listener rule priorities so that rules already in the right relative order keep
// the priority they have: only rules that must move, and new rules, get a new number.
// AWS applies priority changes one rule at a time (and the emulator rejects swaps), so
// new numbers are always ones no rule on the listener holds right now.
import { AlbatrossError } from '../model/errors.js';

export const maxPriority = 50_000;
/** Space left between rules laid out fresh, so later insertions rarely move anything. */
export const priorityStep = 100;

export interface PriorityAssignment {
  /** The priority of each desired rule, in desired order. */
  readonly priorities: readonly number[];
}

/**
 * @param current the current priority of each rule (`undefined` for new rules), in desired
 *   evaluation order
 * @param occupied every priority in use on the listener now, including rules about to be
 *   deleted and rules that must not be touched
 * @param pinned indexes of rules that should keep their priority above all (a frozen
 *   Ingress's): they move only when there is no free number in the right place.
 *   @default none
 */
export function assignPriorities(
  current: readonly (number | undefined)[],
  occupied: ReadonlySet<number>,
  pinned: ReadonlySet<number> = new Set(),
): PriorityAssignment {
  const keep = pinned.size === 0 ? longestIncreasing(current) : heaviestIncreasing(current, pinned);
  const fitted = fillRuns(current, keep, occupied);
  if (fitted !== null) return { priorities: fitted };
  // No room between neighbours: keep only the pinned rules, then, failing that, lay every
  // rule out afresh in free numbers.
  const pinnedOnly = fillRuns(current, longestIncreasing(current.map((p, i) => (pinned.has(i) ? p : undefined))), occupied);
  if (pinnedOnly !== null) return { priorities: pinnedOnly };
  const fresh = fillRuns(current, new Set(), occupied);
  if (fresh === null) throw new RangeError(`no free rule priorities for ${current.length} rules`);
  return { priorities: fresh };
}

/**
 * Indexes of a strictly increasing subsequence of the defined values that holds as many
 * pinned indexes as possible, then as many others. O(n²); listeners hold at most a few
 * hundred rules.
 */
export function heaviestIncreasing(values: readonly (number | undefined)[], pinned: ReadonlySet<number>): Set<number> {
  // A pinned rule outweighs every unpinned one together.
  const weight = (i: number): number => (pinned.has(i) ? values.length + 1 : 1);
  const best = new Array<number>(values.length).fill(0);
  const previous = new Array<number>(values.length).fill(-1);
  let end = -1;
  values.forEach((v, i) => {
    if (v === undefined) return;
    best[i] = weight(i);
    for (let j = 0; j < i; j++) {
      const u = values[j];
      const through = (best[j] ?? 0) + weight(i);
      if (u !== undefined && u < v && through > (best[i] ?? 0)) {
        best[i] = through;
        previous[i] = j;
      }
    }
    if (end === -1 || (best[i] ?? 0) > (best[end] ?? 0)) end = i;
  });
  const keep = new Set<number>();
  for (let i = end; i !== -1; i = previous[i] ?? -1) keep.add(i);
  return keep;
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
      if (at(values, at(tails, mid)) < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = at(tails, lo - 1);
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.at(-1) ?? -1; i !== -1; i = previous[i] ?? -1) keep.add(i);
  return keep;
}

function fillRuns(current: readonly (number | undefined)[], keep: ReadonlySet<number>, occupied: ReadonlySet<number>): number[] | null {
  const out = new Array<number>(current.length);
  let i = 0;
  let lower = 0;
  while (i < current.length) {
    if (keep.has(i)) {
      const kept = at(current, i);
      out[i] = kept;
      lower = kept;
      i++;
      continue;
    }
    let end = i;
    while (end < current.length && !keep.has(end)) end++;
    const upper = end < current.length ? at(current, end) : maxPriority + 1;
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
  return Array.from({ length: count }, (_, k) => at(free, Math.floor(((k + 1) * free.length) / (count + 1))));
}

/**
 * `values[i]` where the algorithms above know it is set: kept and tail indexes point only at
 * defined values, and picks stay inside the free list.
 */
function at<T>(values: readonly (T | undefined)[], i: number): T {
  const value = values[i];
  if (value === undefined) throw new AlbatrossError('internal', `rule priorities: no value at index ${i} of ${values.length}`);
  return value;
}
