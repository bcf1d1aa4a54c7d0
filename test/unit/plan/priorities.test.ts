import { assignPriorities, longestIncreasing, maxPriority, priorityStep } from '../../../src/plan/priorities.js';
import { defined } from '../../defined.js';

describe('assignPriorities', () => {
  it('lays out a fresh listener with room between rules', () => {
    const { priorities } = assignPriorities([undefined, undefined, undefined], new Set());
    expect(priorities).toEqual([priorityStep, 2 * priorityStep, 3 * priorityStep]);
  });

  it('keeps every priority when the order is unchanged', () => {
    const { priorities } = assignPriorities([100, 200, 300], new Set([100, 200, 300]));
    expect(priorities).toEqual([100, 200, 300]);
  });

  it('inserts a new rule between neighbours without moving them', () => {
    // given a new rule wanted between the rules at 100 and 200
    const { priorities } = assignPriorities([100, undefined, 200], new Set([100, 200]));
    // then only the new rule gets a number, strictly between its neighbours
    expect(priorities[0]).toBe(100);
    expect(priorities[2]).toBe(200);
    expect(priorities[1]).toBeGreaterThan(100);
    expect(priorities[1]).toBeLessThan(200);
  });

  it('moves only the rules out of order, to numbers nobody holds', () => {
    // given rules now at 100, 200, 300 where the one at 300 must come first
    const occupied = new Set([100, 200, 300]);
    const { priorities } = assignPriorities([300, 100, 200], occupied);
    expect(priorities.slice(1)).toEqual([100, 200]);
    expect(priorities[0]).toBeLessThan(100);
    expect(occupied.has(defined(priorities[0], 'priorities[0]'))).toBe(false);
  });

  it('never hands out a priority that a rule about to be deleted still holds', () => {
    const occupied = new Set([100, 150, 200]);
    const { priorities } = assignPriorities([100, undefined, 200], occupied);
    expect(priorities[1]).not.toBe(150);
  });

  it('renumbers everything when there is no free number between neighbours', () => {
    const occupied = new Set([1, 2]);
    const { priorities } = assignPriorities([1, undefined, 2], occupied);
    expect(new Set(priorities).size).toBe(3);
    expect([...priorities].sort((a, b) => a - b)).toEqual(priorities);
    for (const p of priorities) expect(occupied.has(p)).toBe(false);
    for (const p of priorities) expect(p).toBeLessThanOrEqual(maxPriority);
  });

  it('fits 100 rules appended after a rule at the top of the range', () => {
    const current = [maxPriority - 50, ...new Array<undefined>(100).fill(undefined)];
    const { priorities } = assignPriorities(current, new Set([maxPriority - 50]));
    expect(new Set(priorities).size).toBe(101);
    expect([...priorities].sort((a, b) => a - b)).toEqual(priorities);
  });
});

describe('longestIncreasing', () => {
  it('skips undefined and picks the longest run', () => {
    expect([...longestIncreasing([5, undefined, 1, 2, 3, 4, 0])].sort()).toEqual([2, 3, 4, 5]);
  });
  it('is empty for no values', () => {
    expect(longestIncreasing([undefined]).size).toBe(0);
  });
});
