import { WorkQueue } from '../../../src/controller/queue.js';
import { FakeClock, flush } from './fake-clock.js';

function queue(clock = new FakeClock()): WorkQueue {
  return new WorkQueue({ clock });
}

/** Takes every waiting key in order, marking each done. */
async function drain(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.depth > 0) {
    const key = await q.get();
    if (key === undefined) break;
    keys.push(key);
    q.done(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  it('dedupes a key added while it waits and keeps first-in-first-out order', async () => {
    const q = queue();
    q.add('shop');
    q.add('blog');
    q.add('shop');
    expect(q.depth).toBe(2);
    expect(await drain(q)).toEqual(['shop', 'blog']);
    expect(q.depth).toBe(0);
  });

  it('never hands out a key that is in flight, and runs a key added meanwhile once more after done()', async () => {
    const q = queue();
    q.add('shop');
    expect(await q.get()).toBe('shop');
    expect(q.inFlight).toBe(1);

    q.add('shop');
    q.add('shop');
    expect(q.depth).toBe(0);
    let second: string | undefined = 'pending';
    void q.get().then((key) => (second = key));
    await flush();
    expect(second).toBe('pending');

    q.done('shop');
    await flush();
    expect(second).toBe('shop');
    expect(q.inFlight).toBe(1);
    q.done('shop');
    expect(q.inFlight).toBe(0);
    expect(q.depth).toBe(0);
  });

  it('hands other keys out while one is in flight', async () => {
    const q = queue();
    q.add('shop');
    q.add('blog');
    expect(await q.get()).toBe('shop');
    q.add('shop');
    expect(await q.get()).toBe('blog');
    expect(q.depth).toBe(0);
    expect(q.inFlight).toBe(2);
  });

  it('wakes a waiting getter when a key is added', async () => {
    const q = queue();
    const next = q.get();
    q.add('shop');
    expect(await next).toBe('shop');
  });

  it('hands out change keys before resync keys: a resync of 300 keys never delays a later change', async () => {
    const q = queue();
    for (let i = 0; i < 300; i++) q.add(`group-${i}`, 'resync');
    expect(await q.get()).toBe('group-0');
    q.add('shop/cart');
    expect(q.depth).toBe(300);
    expect(await q.get()).toBe('shop/cart');
    expect(await q.get()).toBe('group-1');
  });

  it('moves a resync key to the change lane when a change comes for it', async () => {
    const q = queue();
    q.add('a', 'resync');
    q.add('b', 'resync');
    q.add('c');
    q.add('b');
    q.add('c', 'resync');
    expect(q.depth).toBe(3);
    expect(await drain(q)).toEqual(['c', 'b', 'a']);
  });

  it('re-runs a key in flight in the most urgent lane it was added to meanwhile', async () => {
    const q = queue();
    q.add('shop');
    expect(await q.get()).toBe('shop');
    q.add('shop', 'resync');
    q.add('blog', 'resync');
    q.add('shop');
    q.done('shop');
    expect(await drain(q)).toEqual(['shop', 'blog']);
  });

  it('backs off per key: 1 s doubling up to the 5 minute cap, reset by forget()', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    const delays: number[] = [];
    for (let failure = 0; failure < 11; failure++) {
      const start = clock.now();
      q.addRateLimited('shop');
      let waited = 0;
      while (q.depth === 0) {
        clock.advance(500);
        waited += 500;
      }
      delays.push(waited);
      expect(clock.now() - start).toBe(waited);
      expect(await q.get()).toBe('shop');
      q.done('shop');
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000]);
    expect(q.failures('shop')).toBe(11);

    q.forget('shop');
    expect(q.failures('shop')).toBe(0);
    q.addRateLimited('shop');
    clock.advance(999);
    expect(q.depth).toBe(0);
    clock.advance(1);
    expect(q.depth).toBe(1);
  });

  it('backs off repeated throttling from its hint, doubling to the 5 minute cap, never sooner than the hint', async () => {
    for (const [random, expected] of [
      [0, [30_000, 60_000, 120_000, 240_000, 270_000, 270_000]],
      [0.999_999, [33_000, 66_000, 132_000, 264_000, 300_000, 300_000]],
    ] as const) {
      const clock = new FakeClock();
      const q = new WorkQueue({ clock, random: () => random });
      const delays: number[] = [];
      while (delays.length < expected.length) {
        q.addRateLimited('shop', 'change', { atLeastMs: 30_000 });
        let waited = 0;
        while (q.depth === 0) {
          clock.advance(1_000);
          waited += 1_000;
        }
        delays.push(waited);
        expect(await q.get()).toBe('shop');
        q.done('shop');
      }
      expect(delays).toEqual(expected);
    }
  });

  it('spreads keys throttled together, so they do not all come back at the same moment', () => {
    const clock = new FakeClock();
    const draws = [0.1, 0.9];
    const q = new WorkQueue({ clock, random: () => draws.shift() ?? 0 });
    q.addRateLimited('shop', 'change', { atLeastMs: 30_000 });
    q.addRateLimited('blog', 'change', { atLeastMs: 30_000 });
    clock.advance(30_000);
    expect(q.depth).toBe(0);
    clock.advance(1_000);
    expect(q.depth).toBe(1);
    clock.advance(2_000);
    expect(q.depth).toBe(2);
  });

  it('keeps backoff per key: one failing key does not slow another', () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addRateLimited('b');
    expect(q.failures('a')).toBe(2);
    expect(q.failures('b')).toBe(1);
    clock.advance(1_000);
    expect(q.depth).toBe(2);
  });

  it('honours the configured base and cap', () => {
    const q = new WorkQueue({ clock: new FakeClock(), baseBackoffMs: 5, maxBackoffMs: 1_000 });
    expect([0, 1, 2, 7, 8, 100, 2_000].map((n) => q.backoffMs(n))).toEqual([5, 10, 20, 640, 1_000, 1_000, 1_000]);
  });

  it('adds a key after a delay, keeping the earlier time when delayed twice', () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addAfter('shop', 10_000, 'resync');
    q.addAfter('shop', 4_000, 'resync');
    q.addAfter('shop', 8_000, 'resync');
    expect(q.delayed).toBe(1);
    clock.advance(3_999);
    expect(q.depth).toBe(0);
    clock.advance(1);
    expect(q.depth).toBe(1);
    expect(q.delayed).toBe(0);
    clock.advance(10_000);
    expect(q.depth).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lands a delayed key in its lane, change winning when delayed in both', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addAfter('a', 1_000, 'resync');
    q.addAfter('b', 1_000, 'resync');
    q.addAfter('b', 2_000, 'change');
    q.add('c', 'resync');
    clock.advance(1_000);
    expect(await drain(q)).toEqual(['b', 'c', 'a']);
  });

  it('adds at once for a delay of 0', () => {
    const q = queue();
    q.addAfter('shop', 0);
    expect(q.depth).toBe(1);
  });

  it('shutDown() resolves waiting getters with undefined at once', async () => {
    const q = queue();
    const first = q.get();
    const second = q.get();
    q.shutDown();
    expect(await first).toBeUndefined();
    expect(await second).toBeUndefined();
  });

  it('after shutDown() hands out what still waits, then undefined, and ignores new and delayed adds', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.add('shop');
    q.addAfter('blog', 1_000);
    q.shutDown();
    q.add('late');
    expect(q.shuttingDown).toBe(true);
    expect(await q.get()).toBe('shop');
    q.done('shop');
    clock.advance(5_000);
    expect(await q.get()).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  it('clear() drops waiting, delayed and dirty keys and the backoff counts, leaving in-flight keys in flight', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.add('a');
    q.add('b', 'resync');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.addAfter('c', 1_000);
    q.addRateLimited('d');

    q.clear();
    expect(q.depth).toBe(0);
    expect(q.delayed).toBe(0);
    expect(q.inFlight).toBe(1);
    expect(q.failures('d')).toBe(0);

    q.done('a');
    clock.advance(10_000);
    expect(q.depth).toBe(0);
    expect(q.inFlight).toBe(0);

    q.add('e');
    expect(await q.get()).toBe('e');
  });
});
