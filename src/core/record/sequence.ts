/**
 * Record sequences are hybrid logical clock values packed into one safe integer: wall-clock
 * milliseconds times 1024 plus a logical counter. They sort like time, yet a writer whose clock
 * steps back still produces a higher value than its last one. 2^53 / 1024 ms reaches year 2255.
 */
export const LOGICAL_BITS = 10;
const LOGICAL_SPAN = 2 ** LOGICAL_BITS;

export function nextSequence(nowMs: number, previous?: number): number {
  const fromClock = Math.floor(nowMs) * LOGICAL_SPAN;
  const next = previous === undefined ? fromClock : Math.max(fromClock, previous + 1);
  if (!Number.isSafeInteger(next)) throw new RangeError('sequence overflow');
  return next;
}

/** The wall-clock part of a sequence, for display. */
export function sequenceTime(seq: number): number {
  return Math.floor(seq / LOGICAL_SPAN);
}

/**
 * How far ahead of the registry's clock a sequence may run. Without a bound, a writer could jump
 * to 2^53 − 1 and leave no higher value for anyone after it (not even the owner's rotation to a
 * pre-announced key); with it, every sequence is overtaken by the clock within a day.
 */
export const MAX_SEQUENCE_LEAD_MS = 86_400_000;

/** The highest sequence a registry accepts at `nowMs`. */
export function sequenceLimit(nowMs: number): number {
  return nextSequence(nowMs + MAX_SEQUENCE_LEAD_MS) + LOGICAL_SPAN - 1;
}
