import type { Clock } from '../core/ports.js';

/** The machine's wall clock, as the core's Clock port: the one place a registry process reads it. */
export const systemClock: Clock = { now: () => Date.now() };
