/**
 * When a cached did:web document may be used, as pure arithmetic on epoch milliseconds (the
 * caller's Clock gives `now`). A document is
 *
 * - **fresh** for its max-age (the server's `Cache-Control: max-age`, clamped to [60 s, 24 h],
 *   1 h without one): served as is;
 * - **stale, revalidating** for a short while after that: served at once while a refresh runs in
 *   the background (so a busy verifier never waits on the organisation's web server);
 * - **stale, if error** after that, up to 7 days past freshness: a refresh is awaited, and only if
 *   it fails for a transient reason (network, timeout, 5xx, a broken document) is the stale copy
 *   served. This is what keeps a registry verifying while an organisation's web server is down;
 * - **expired** beyond that: never served; the DID is unresolvable until its server answers.
 *
 * A definitive answer (404/410: the DID is gone) drops the entry instead: deleting the document is
 * how an organisation deactivates a did:web, and a cache must not outlive that by a week.
 *
 * A failure is remembered briefly (`failureTtlMs`, 30 s): a negative cache, so repeated lookups of
 * a dead or hostile DID do not each open a connection.
 */

export interface DidCachePolicy {
  readonly minMaxAgeMs: number;
  readonly maxMaxAgeMs: number;
  readonly defaultMaxAgeMs: number;
  /** After freshness: served immediately while a background refresh runs. */
  readonly staleWhileRevalidateMs: number;
  /** After freshness: served only when a refresh fails transiently. Counts from the end of freshness. */
  readonly staleIfErrorMs: number;
  /**
   * A failed fetch (network, 5xx, 404/410, an invalid document) is remembered this long: calls in
   * between answer the same failure without a new request, so a flood of lookups of a dead or
   * hostile DID costs one request per DID per this period, not one per call.
   */
  readonly failureTtlMs: number;
}

export const DEFAULT_DID_CACHE_POLICY: DidCachePolicy = {
  minMaxAgeMs: 60_000,
  maxMaxAgeMs: 24 * 3_600_000,
  defaultMaxAgeMs: 3_600_000,
  staleWhileRevalidateMs: 5 * 60_000,
  staleIfErrorMs: 7 * 24 * 3_600_000,
  failureTtlMs: 30_000,
};

/** What the cache knows about one document besides the document itself. */
export interface CacheTimes {
  /** When it was fetched (epoch ms). */
  readonly fetchedAt: number;
  /** Until when it is fresh (epoch ms). */
  readonly freshUntil: number;
}

export type CacheState =
  | 'fresh' // serve
  | 'stale-revalidate' // serve, and refresh in the background
  | 'stale-if-error' // refresh first; serve this only if the refresh fails transiently
  | 'expired'; // never serve

/** The freshness lifetime from a Cache-Control header: `max-age` clamped; `no-cache`/`no-store` get the minimum. */
export function maxAgeMsFromCacheControl(header: string | null | undefined, policy: DidCachePolicy = DEFAULT_DID_CACHE_POLICY): number {
  if (header === null || header === undefined) return policy.defaultMaxAgeMs;
  const directives = header.toLowerCase().split(',').map((d) => d.trim());
  // Even an organisation asking for no caching gets the minimum: offline-first needs a copy, and 60 s bounds the harm.
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return policy.minMaxAgeMs;
  const maxAge = directives.map((d) => /^max-age\s*=\s*"?(\d{1,12})"?$/.exec(d)).find((m) => m !== null);
  if (!maxAge) return policy.defaultMaxAgeMs;
  return clamp(Number(maxAge[1]) * 1000, policy.minMaxAgeMs, policy.maxMaxAgeMs);
}

/** The cache times of a document fetched at `now` with that Cache-Control header. */
export function cacheTimesFor(now: number, cacheControl: string | null | undefined, policy: DidCachePolicy = DEFAULT_DID_CACHE_POLICY): CacheTimes {
  return { fetchedAt: now, freshUntil: now + maxAgeMsFromCacheControl(cacheControl, policy) };
}

export function cacheState(times: CacheTimes, now: number, policy: DidCachePolicy = DEFAULT_DID_CACHE_POLICY): CacheState {
  // A fetch time in the future means the clock went back (or the file was edited): do not trust its freshness.
  if (now < times.fetchedAt) return now < times.freshUntil + policy.staleIfErrorMs ? 'stale-if-error' : 'expired';
  if (now < times.freshUntil) return 'fresh';
  const staleFor = now - times.freshUntil;
  if (staleFor < Math.min(policy.staleWhileRevalidateMs, policy.staleIfErrorMs)) return 'stale-revalidate';
  if (staleFor < policy.staleIfErrorMs) return 'stale-if-error';
  return 'expired';
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
