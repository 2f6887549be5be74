import type { Timers } from '../core/ports.js';

/** The event loop's timers, as the Timers port; they never keep a process alive on their own. */
export const systemTimers: Timers = {
  every(intervalMs, run) {
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
};
