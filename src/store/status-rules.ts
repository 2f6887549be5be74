/** Argument rules every backend applies the same way to status-list calls. */
import { SignpostError } from '../core/errors.js';

/** Allocations come a few at a time (an AgentAddr and its credentials); a huge count is a bug. */
export const MAX_STATUS_ALLOCATION = 1024;

export function checkAllocationCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_STATUS_ALLOCATION) {
    throw new SignpostError('INTERNAL', `status indices are allocated 1..${MAX_STATUS_ALLOCATION} at a time, not ${count}`);
  }
}

/** Only indices that were handed out may carry a status: anything else is a caller's bug. */
export function checkStatusIndices(indices: readonly number[], allocated: number): void {
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= allocated) {
      throw new SignpostError('INTERNAL', `status index ${index} was never allocated`);
    }
  }
}
