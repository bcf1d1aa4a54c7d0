// Time for the controller: duration flags as users write them (`30s`, `10m`, `1h30m`), resync
// jitter, and the clock that queue and leader election take so tests can drive time by hand.
import { performance } from 'node:perf_hooks';
import { AlbatrossError } from '../model/errors.js';

/** A pending callback from {@link Clock.setTimer}. */
export interface Timer {
  /** Stops the callback from running; harmless after it ran. */
  cancel(): void;
}

/**
 * Wall-clock time, a monotonic clock and timers, injectable so that tests never wait for real
 * time. Durations (lease expiry, renew deadline, delays) are measured with {@link monotonic}:
 * the wall clock may be stepped (NTP, a person) and must neither lengthen nor shorten them.
 * {@link now} is only for timestamps written for others to read (a Lease's renewTime).
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`; may jump when the system clock is set. */
  now(): number;
  /**
   * Milliseconds since an arbitrary start, never going back and unaffected by changes to the
   * system clock, as `performance.now()`. Only differences of two readings mean anything.
   */
  monotonic(): number;
  /** Runs `callback` once after `delayMs` milliseconds. */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/** The process clock. Its timers do not keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(?:\d+(?:ms|s|m|h))+$/;
const PART = /(\d+)(ms|s|m|h)/g;

/**
 * Milliseconds of a duration written as Go's `time.ParseDuration` writes whole units, which is
 * how controller-runtime's flags are written: `500ms`, `30s`, `10m`, `1h`, `1h30m`; also `0`.
 *
 * @throws AlbatrossError `usage`, naming the value, for anything else (no unit, a sign, a
 *   fraction, spaces, an unknown unit such as `d`).
 */
export function parseDuration(value: string): number {
  if (value === '0') return 0;
  if (!DURATION.test(value)) {
    throw new AlbatrossError(
      'usage',
      `invalid duration "${value}": write whole numbers with a unit ms, s, m or h, e.g. 500ms, 30s, 10m, 1h30m`,
    );
  }
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (!Number.isSafeInteger(total)) {
    throw new AlbatrossError('usage', `invalid duration "${value}": too long`);
  }
  return total;
}

/**
 * `periodMs` shortened by a random part of at most `fraction` of it: a value in
 * `(periodMs * (1 - fraction), periodMs]`. Shortened rather than lengthened (client-go's
 * `wait.Jitter` lengthens) so that a resync still comes at least once per period while groups
 * enqueued together spread out.
 *
 * @param fraction at most this share of the period is taken off; 0 to 1. @default 0.1
 * @param random a source of numbers in [0, 1). @default Math.random
 * @throws AlbatrossError `internal` for a negative or non-finite period or a fraction outside 0..1.
 */
export function jitter(periodMs: number, fraction = 0.1, random: () => number = Math.random): number {
  if (!Number.isFinite(periodMs) || periodMs < 0) {
    throw new AlbatrossError('internal', `jitter: period must be a finite number of milliseconds >= 0, got ${periodMs}`);
  }
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new AlbatrossError('internal', `jitter: fraction must be between 0 and 1, got ${fraction}`);
  }
  return periodMs - random() * fraction * periodMs;
}
