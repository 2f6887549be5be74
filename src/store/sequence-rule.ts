import { SignpostError } from '../core/errors.js';

/**
 * The stored sequence of a name only ever rises. The registry's rules already refuse older
 * records; every backend checks it again as the last line, so no bug above it can ever roll a
 * name back to a state that was superseded (a replay of a public record).
 */
export function checkSequenceRises(seq: number, storedSeq: number): void {
  if (!(seq > storedSeq)) throw new SignpostError('INTERNAL', `sequence ${seq} is not above the stored ${storedSeq}: a stored sequence never goes back`);
}
