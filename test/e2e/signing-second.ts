/**
 * Status changes are ordered by their signing time in whole seconds (`at`), and `signpost revoke`
 * signs with the clock as it runs (the CLI takes no time to sign at). A change signed right after
 * another may fall in the same second and be refused as SEQUENCE_STALE, so before the next one a
 * test waits until the wall clock has entered a new second.
 */

/**
 * Resolves once the current second is over. Call it after the previous CLI run has ended: that
 * change was signed before now, so the next one is dated a later second. The wait only makes a
 * later timestamp and races nothing: a slow machine makes it later still.
 */
export async function nextSigningSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  // Timers run on the monotonic clock, which may drift from the wall clock by a little: check, not trust.
  while (Math.floor(Date.now() / 1000) === second) await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
}
