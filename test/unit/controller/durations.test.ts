import { jitter, parseDuration } from '../../../src/controller/durations.js';
import { AlbatrossError } from '../../../src/model/errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['1s500ms', 1_500],
    ['0', 0],
    ['0s', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '1d', '-5s', '1.5s', '5 s', 's', '10M', 'ten seconds', '1h 30m'])(
    'refuses %j with a usage error naming the value',
    (text) => {
      const error = catchError(() => parseDuration(text));
      expect(error).toBeInstanceOf(AlbatrossError);
      expect((error as AlbatrossError).code).toBe('usage');
      expect((error as AlbatrossError).message).toBe(
        `invalid duration "${text}": write whole numbers with a unit ms, s, m or h, e.g. 500ms, 30s, 10m, 1h30m`,
      );
    },
  );
});

describe('jitter', () => {
  it('takes at most the given fraction off the period', () => {
    expect(jitter(600_000, 0.1, () => 0)).toBe(600_000);
    expect(jitter(600_000, 0.1, () => 0.5)).toBe(570_000);
    expect(jitter(600_000, 0.1, () => 0.999)).toBeCloseTo(540_060, 6);
  });

  it('defaults to 10%', () => {
    for (let i = 0; i < 100; i++) {
      const value = jitter(10_000);
      expect(value).toBeGreaterThan(9_000);
      expect(value).toBeLessThanOrEqual(10_000);
    }
  });

  it('refuses a negative period and a fraction outside 0..1', () => {
    expect(() => jitter(-1)).toThrow('jitter: period must be a finite number of milliseconds >= 0, got -1');
    expect(() => jitter(1_000, 1.5)).toThrow('jitter: fraction must be between 0 and 1, got 1.5');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
