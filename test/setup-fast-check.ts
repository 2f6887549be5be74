/**
 * Property tests explore new random cases on every local run (fast-check prints the seed of any
 * failure, so it can be replayed with `fc.assert(..., { seed })`). CI runs one fixed seed so that a
 * green commit stays green; exploration happens on developers' machines.
 */
import fc from 'fast-check';

if (process.env.CI) fc.configureGlobal({ seed: 20_261_123 });
