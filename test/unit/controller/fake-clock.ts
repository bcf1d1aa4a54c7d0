// A clock whose time moves only when a test says so; timers fire in time order during advance().
// The wall clock and the monotonic clock move together, except when a test steps the wall
// clock alone (as NTP or a person setting the time would).
import type { Clock, Timer } from '../../../src/controller/durations.js';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  /** Monotonic time; timers are due by it. */
  #now: number;
  /** Wall time minus monotonic time: changed only by stepWall(). */
  #wallOffset: number;
  #seq = 0;
  #pending: Pending[] = [];

  /** @param start the wall clock's first reading, ms since the epoch; the monotonic clock starts at 0. */
  constructor(start = 1_700_000_000_000) {
    this.#now = 0;
    this.#wallOffset = start;
  }

  now(): number {
    return this.#now + this.#wallOffset;
  }

  monotonic(): number {
    return this.#now;
  }

  /** Sets the wall clock forward (or back, for a negative `ms`); monotonic time and timers are untouched. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  /**
   * Moves time forward by `ms` without firing the timers that fell due meanwhile: what a
   * process finds when it resumes after a pause (SIGSTOP, a VM freeze, a long GC). They fire
   * at the next advance().
   */
  freeze(ms: number): void {
    this.#now += ms;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const entry: Pending = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback, cancelled: false };
    this.#pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Timers not yet fired nor cancelled. */
  get pendingTimers(): number {
    return this.#pending.filter((p) => !p.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in order (synchronously). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#now = next.at;
      next.cancelled = true;
      next.callback();
    }
    this.#now = target;
  }

  /**
   * Moves time forward by `ms` like advance(), but lets promise callbacks run after each timer
   * so that async loops driven by this clock make progress.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#now = next.at;
      next.cancelled = true;
      next.callback();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  #nextDue(target: number): Pending | undefined {
    this.#pending = this.#pending.filter((p) => !p.cancelled);
    let best: Pending | undefined;
    for (const p of this.#pending) {
      if (p.at > target) continue;
      if (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}

/** Lets every queued promise callback run (a few macrotask turns). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
