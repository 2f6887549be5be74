import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextSequence, sequenceTime } from './sequence.js';

describe('nextSequence (hybrid logical clock)', () => {
  it('follows the wall clock and keeps its milliseconds readable', () => {
    const now = Date.UTC(2026, 10, 23);
    expect(sequenceTime(nextSequence(now))).toBe(now);
  });

  it('always rises above the previous value, even when the clock steps back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 50 }), (now, previous) => {
        const next = nextSequence(now, previous);
        expect(next).toBeGreaterThan(previous);
        expect(Number.isSafeInteger(next)).toBe(true);
      }),
    );
  });

  it('refuses to overflow past 2^53', () => {
    expect(() => nextSequence(0, Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
  });
});
