// The controller's work queue, keyed by Ingress group: client-go's rate-limited work queue
// (dedupe, one worker per key, dirty keys run again, per-key backoff) with two lanes so that
// users' changes go ahead of periodic resyncs.
import { systemClock, type Clock, type Timer } from './durations.js';

/**
 * Why a key was enqueued. `change` (something in the cluster changed, or a retry) is always
 * handed out before `resync` (the periodic drift check), so a resync of hundreds of groups never
 * delays a user's change.
 */
export const Lane = ['change', 'resync'] as const;
export type Lane = (typeof Lane)[number];

export interface WorkQueueOptions {
  /** First retry delay of {@link WorkQueue.addRateLimited}, in milliseconds. @default 1000 */
  readonly baseBackoffMs?: number;
  /** Longest retry delay, in milliseconds (the cap of 5 minutes). @default 300_000 */
  readonly maxBackoffMs?: number;
  /** Time and timers for delayed adds. @default systemClock */
  readonly clock?: Clock;
  /** Numbers in [0, 1) for the jitter of a backoff with a lower bound. @default Math.random */
  readonly random?: () => number;
}

/** Options of one {@link WorkQueue.addRateLimited}. */
export interface RateLimitedOptions {
  /**
   * The earliest a retry makes sense, in milliseconds (a failure's `retryAfterMs`, such as
   * after throttling). The backoff then starts from it instead of `baseBackoffMs`, doubles with
   * each failure up to `maxBackoffMs`, and is spread by up to 10% so that groups throttled
   * together do not come back together; it is never shorter than this.
   * @default none: the plain backoff
   */
  readonly atLeastMs?: number;
}

/** Share of a backoff with a lower bound that is spread at random. */
const backoffJitter = 0.1;

interface Delayed {
  readonly readyAt: number;
  readonly lane: Lane;
  readonly timer: Timer;
}

/**
 * Keys wait in one of two lanes until a worker takes them with {@link get} and hands them back
 * with {@link done}. As in client-go's `workqueue`:
 * - a key is waiting at most once: adding a waiting key again does nothing (events coalesce);
 * - a key is never handed to two workers at once: a key added while in flight is marked dirty
 *   and waits again only after {@link done};
 * - failures come back through {@link addRateLimited} after `base * 2^n` ms (n = failures since
 *   the last {@link forget}), capped at `maxBackoffMs`.
 *
 * Within a lane keys are handed out first in, first out.
 */
export class WorkQueue {
  readonly #baseBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  // Insertion-ordered sets: FIFO order, O(1) membership and removal (for lane upgrades).
  readonly #waiting: Record<Lane, Set<string>> = { change: new Set(), resync: new Set() };
  /** Keys to be handed out (waiting, or in flight and added again), with their lane. */
  readonly #dirty = new Map<string, Lane>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #failures = new Map<string, number>();
  readonly #getters: Array<(key: string | undefined) => void> = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#baseBackoffMs = options.baseBackoffMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 300_000;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Enqueues `key` now. A key already waiting stays where it is, except that a `change` add
   * moves a key waiting in `resync` to the end of `change`. A key in flight is marked dirty and
   * waits again once {@link done} is called. Ignored after {@link shutDown}.
   *
   * @param lane @default 'change'
   */
  add(key: string, lane: Lane = 'change'): void {
    if (this.#shuttingDown) return;
    const current = this.#dirty.get(key);
    if (current === 'change' || current === lane) return;
    this.#dirty.set(key, lane);
    if (this.#processing.has(key)) return;
    // Either new, or waiting in resync and now upgraded.
    this.#waiting.resync.delete(key);
    this.#waiting[lane].add(key);
    this.#dispatch();
  }

  /**
   * Enqueues `key` after `delayMs` (resync jitter, a failure's `retryAfterMs`). A key already
   * delayed keeps the earlier of the two times and the more urgent lane. `delayMs <= 0` adds now.
   *
   * @param lane @default 'change'
   */
  addAfter(key: string, delayMs: number, lane: Lane = 'change'): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key, lane);
      return;
    }
    const readyAt = this.#clock.monotonic() + delayMs;
    const existing = this.#delayed.get(key);
    const mergedLane: Lane = existing?.lane === 'change' ? 'change' : lane;
    if (existing) {
      if (existing.readyAt <= readyAt) {
        if (mergedLane !== existing.lane) this.#delayed.set(key, { ...existing, lane: mergedLane });
        return;
      }
      existing.timer.cancel();
    }
    const timer = this.#clock.setTimer(() => {
      const entry = this.#delayed.get(key);
      if (entry?.timer !== timer) return;
      this.#delayed.delete(key);
      this.add(key, entry.lane);
    }, delayMs);
    this.#delayed.set(key, { readyAt, lane: mergedLane, timer });
  }

  /**
   * Enqueues `key` after its backoff, `baseBackoffMs * 2^n` capped at `maxBackoffMs`, where n
   * counts the failures since the last {@link forget}; then counts one more. With
   * `atLeastMs` (throttling), the backoff is `atLeastMs * 2^n` instead, capped the same way and
   * spread at random by up to 10%, never below `atLeastMs`: repeated throttling waits longer
   * each time, and groups throttled together come back apart.
   *
   * @param lane @default 'change' (a retry is unfinished work somebody waits for)
   * @param options @default the plain backoff
   */
  addRateLimited(key: string, lane: Lane = 'change', options: RateLimitedOptions = {}): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = options.atLeastMs === undefined ? this.backoffMs(failures) : this.#boundedBackoffMs(failures, options.atLeastMs);
    this.addAfter(key, delay, lane);
  }

  /** The delay of the n-th consecutive failure (0-based), in milliseconds. */
  backoffMs(failures: number): number {
    // 2^n overflows to Infinity long before it matters; min() keeps the cap.
    return Math.min(this.#baseBackoffMs * 2 ** failures, this.#maxBackoffMs);
  }

  /**
   * `atLeastMs * 2^failures` capped at `maxBackoffMs`, within a window 10% of it wide: above it
   * while that stays under the cap, else just under the cap; never below `atLeastMs` (a hint
   * above the cap wins over the cap).
   */
  #boundedBackoffMs(failures: number, atLeastMs: number): number {
    const spread = (ms: number): number => ms * backoffJitter * this.#random();
    if (atLeastMs >= this.#maxBackoffMs) return atLeastMs + spread(atLeastMs);
    const grown = Math.min(atLeastMs * 2 ** failures, this.#maxBackoffMs);
    const highest = Math.min(grown * (1 + backoffJitter), this.#maxBackoffMs);
    const lowest = Math.max(atLeastMs, highest - grown * backoffJitter);
    return lowest + (highest - lowest) * this.#random();
  }

  /** Failures of `key` since its last {@link forget}. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets the backoff of `key` (after a success, or when giving up on it). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /**
   * The next key, `change` lane first; waits while nothing is waiting. The key is in flight
   * until {@link done}. Resolves `undefined` once the queue is shut down and empty.
   */
  async get(): Promise<string | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shuttingDown) return key;
    return await new Promise<string | undefined>((resolve) => {
      this.#getters.push(resolve);
    });
  }

  /** Ends work on `key`. If it was added meanwhile, it waits again in the lane it was added to. */
  done(key: string): void {
    if (!this.#processing.delete(key)) return;
    const lane = this.#dirty.get(key);
    if (lane === undefined) return;
    this.#waiting[lane].add(key);
    this.#dispatch();
  }

  /** Keys waiting in both lanes, not counting keys in flight or delayed. */
  get depth(): number {
    return this.#waiting.change.size + this.#waiting.resync.size;
  }

  /** Keys handed out and not yet {@link done}. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys that {@link addAfter} or {@link addRateLimited} will add later. */
  get delayed(): number {
    return this.#delayed.size;
  }

  /**
   * Stops taking keys: later adds are ignored and delayed keys are dropped. Getters already
   * waiting resolve `undefined` at once; keys still waiting are handed out, then `get()`
   * resolves `undefined` (call {@link clear} first to drop them).
   */
  shutDown(): void {
    this.#shuttingDown = true;
    this.#cancelDelayed();
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
  }

  /** Whether {@link shutDown} was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Drops every waiting and delayed key, the dirty marks of keys in flight (they do not run
   * again after `done()`) and all backoff counts: for a replica that lost leadership. Keys in
   * flight stay in flight until their worker calls {@link done}.
   */
  clear(): void {
    this.#cancelDelayed();
    this.#waiting.change.clear();
    this.#waiting.resync.clear();
    this.#dirty.clear();
    this.#failures.clear();
  }

  #cancelDelayed(): void {
    for (const { timer } of this.#delayed.values()) timer.cancel();
    this.#delayed.clear();
  }

  #take(): string | undefined {
    for (const lane of Lane) {
      const waiting = this.#waiting[lane];
      const first = waiting.values().next();
      if (first.done === true) continue;
      const key = first.value;
      waiting.delete(key);
      this.#dirty.delete(key);
      this.#processing.add(key);
      return key;
    }
    return undefined;
  }

  #dispatch(): void {
    while (this.#getters.length > 0) {
      const key = this.#take();
      if (key === undefined) return;
      this.#getters.shift()?.(key);
    }
  }
}
