/**
 * Property tests explore new random cases on every local run (fast-check prints the seed of any
 * failure, so it can be replayed with `fc.assert(..., { seed })`). CI runs one fixed seed so that a
 * green commit stays green; exploration happens on developers' machines.
 *
 * SIGNPOST_FC_SEED=<integer> runs every property with that seed instead, locally and in CI alike:
 * to replay a failure across the whole suite, or to check the properties over a chosen set of seeds.
 */
import fc from 'fast-check';

const CI_SEED = 20_261_123;

const requested = process.env.SIGNPOST_FC_SEED;
if (requested !== undefined && requested !== '') {
  const seed = Number(requested);
  // fast-check seeds are 32-bit integers; anything else would be silently truncated into another seed.
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) throw new Error(`SIGNPOST_FC_SEED must be a 32-bit integer, not ${JSON.stringify(requested)}`);
  fc.configureGlobal({ seed });
} else if (process.env.CI) {
  fc.configureGlobal({ seed: CI_SEED });
}
