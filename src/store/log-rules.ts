/** What every backend checks of a log read, alike. */
export function checkLogRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`[${start}, ${end}) is not a range of log indices`);
  }
}
