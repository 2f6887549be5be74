import type { Delays, Timers } from '../core/ports.js';

/** The event loop's timers, as the Timers port; they never keep a process alive on their own. */
export const systemTimers: Timers = {
  every(intervalMs, run) {
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** The event loop's one-shot timers, as the Delays port; unref'd like the repeating ones. */
export const systemDelays: Delays = {
  after(delayMs, run) {
    const timer = setTimeout(run, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
