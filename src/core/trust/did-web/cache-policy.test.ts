import { describe, expect, it } from 'vitest';
import { cacheState, cacheTimesFor, DEFAULT_DID_CACHE_POLICY as P, maxAgeMsFromCacheControl } from './cache-policy.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('max-age from Cache-Control', () => {
  it.each([
    [undefined, HOUR],
    [null, HOUR],
    ['', HOUR],
    ['public', HOUR],
    ['max-age=300', 300_000],
    ['public, MAX-AGE=600, must-revalidate', 600_000],
    ['max-age="900"', 900_000],
    ['max-age=5', MIN], // clamped up: a verifier must not refetch every few seconds
    ['max-age=0', MIN],
    ['no-cache', MIN],
    ['no-store, max-age=3600', MIN],
    ['max-age=31536000', DAY], // clamped down: a key removal must reach us within a day
    ['max-age=-5', HOUR],
    ['max-age=abc', HOUR],
    ['max-age=99999999999999999', HOUR],
  ])('%j → %d ms', (header, ms) => {
    expect(maxAgeMsFromCacheControl(header)).toBe(ms);
  });
});

describe('cache state transitions (injected clock)', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const times = cacheTimesFor(t0, 'max-age=600');

  it('is fresh for max-age, then stale-revalidate, then stale-if-error up to 7 days, then expired', () => {
    expect(times).toEqual({ fetchedAt: t0, freshUntil: t0 + 600_000 });
    expect(cacheState(times, t0)).toBe('fresh');
    expect(cacheState(times, t0 + 599_999)).toBe('fresh');
    expect(cacheState(times, t0 + 600_000)).toBe('stale-revalidate');
    expect(cacheState(times, t0 + 600_000 + P.staleWhileRevalidateMs - 1)).toBe('stale-revalidate');
    expect(cacheState(times, t0 + 600_000 + P.staleWhileRevalidateMs)).toBe('stale-if-error');
    expect(cacheState(times, t0 + 600_000 + 7 * DAY - 1)).toBe('stale-if-error');
    expect(cacheState(times, t0 + 600_000 + 7 * DAY)).toBe('expired');
  });

  it('does not trust freshness when the clock went backwards', () => {
    expect(cacheState(times, t0 - 1)).toBe('stale-if-error');
    expect(cacheState({ fetchedAt: t0 + 30 * DAY, freshUntil: t0 + 30 * DAY + HOUR }, t0)).toBe('stale-if-error');
  });

  it('honours a custom policy', () => {
    const policy = { ...P, staleWhileRevalidateMs: 0, staleIfErrorMs: HOUR };
    expect(cacheState(times, t0 + 600_000, policy)).toBe('stale-if-error');
    expect(cacheState(times, t0 + 600_000 + HOUR, policy)).toBe('expired');
  });
});
