/**
 * The app's StatusListSource: fetches issuers' Bitstring Status List credentials from their
 * `statusListCredential` URLs with the did:web fetcher's guarded GET (no private addresses unless
 * allowed, a 3 s deadline, a size limit, same-origin redirects only), and keeps them in a small
 * in-memory cache for as long as the list and its server allow.
 *
 * Only https is fetched; plain http only for loopback hosts and only when the operator asks
 * (`--allow-http-did-web`, the same switch as for did:web). The list is returned parsed but not
 * verified: the core checks its issuer, proof, freshness and bits.
 */
import { fail, ok, problem, type Problem, type Result } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import type { Clock, StatusListSource } from '../core/ports.js';
import { isLoopbackHost } from '../core/trust/did-web/did-web-url.js';
import { guardedGetter, type FetchTimers, type GuardedGetOutcome } from './did-web-fetch.js';

/** A 131,072-entry list is ~16 KiB compressed (~22 KiB as base64url in JSON); larger lists get room too. */
export const STATUS_LIST_MAX_BYTES = 256 * 1024;
/** How long a list is cached when neither it nor its server says (`ttl`, `Cache-Control: max-age`). */
export const STATUS_LIST_DEFAULT_CACHE_MS = 5 * 60_000;
/** The longest a list is cached, whatever it says: the bound on how late a revocation is seen (plus the sweep interval). */
export const STATUS_LIST_MAX_CACHE_MS = 10 * 60_000;

export interface StatusListSourceOptions {
  /** The whole fetch must finish within this. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** The timer of that deadline (default: real timers; tests fire it themselves). */
  readonly timers?: FetchTimers;
  /** Default STATUS_LIST_MAX_BYTES (256 KiB). */
  readonly maxBytes?: number;
  /** Fetch lists of loopback hosts (127.0.0.0/8, localhost) over plain http: development and tests only. */
  readonly allowHttpLoopback?: boolean;
  /** Connect to private, loopback and link-local addresses (intranet issuers, tests). */
  readonly allowPrivateNetwork?: boolean;
  /** PEM certificates trusted in addition to Node's root store. */
  readonly extraCaCertificates?: readonly string[];
  readonly clock?: Clock;
  /** Lists kept at once (default 256); the oldest fetched goes first. */
  readonly maxEntries?: number;
  /** Default STATUS_LIST_DEFAULT_CACHE_MS, and the cap STATUS_LIST_MAX_CACHE_MS. */
  readonly defaultCacheMs?: number;
  readonly maxCacheMs?: number;
  /** Told about failed fetches, with the connection detail callers never see (the app logs it). */
  readonly onProblem?: (url: string, problem: Problem, logDetail?: string) => void;
}

interface Cached {
  readonly list: unknown;
  readonly expiresAt: number;
}

const wallClock: Clock = { now: () => Date.now() };

export function httpsStatusListSource(options: StatusListSourceOptions = {}): StatusListSource {
  const clock = options.clock ?? wallClock;
  const maxEntries = options.maxEntries ?? 256;
  const defaultCacheMs = options.defaultCacheMs ?? STATUS_LIST_DEFAULT_CACHE_MS;
  const maxCacheMs = options.maxCacheMs ?? STATUS_LIST_MAX_CACHE_MS;
  const getGuarded = guardedGetter({
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    maxBytes: options.maxBytes ?? STATUS_LIST_MAX_BYTES,
    allowLoopback: options.allowHttpLoopback === true,
    ...(options.allowPrivateNetwork === undefined ? {} : { allowPrivateNetwork: options.allowPrivateNetwork }),
    ...(options.extraCaCertificates === undefined ? {} : { extraCaCertificates: options.extraCaCertificates }),
    accept: 'application/vc+ld+json, application/vc+json;q=0.9, application/json;q=0.8',
    userAgent: 'signpost-status-list',
    bodyName: 'a status list',
  });
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<Result<unknown>>>();

  const failed = (url: string, code: 'STATUS_LIST_UNAVAILABLE' | 'STATUS_LIST_INVALID', detail: string, logDetail?: string): Result<unknown> => {
    const p = problem(code, `status list ${url}: ${detail}`);
    options.onProblem?.(url, p, logDetail);
    return fail(code, p.detail);
  };

  async function load(href: string): Promise<Result<unknown>> {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return failed(href, 'STATUS_LIST_UNAVAILABLE', 'is not a URL');
    }
    if (url.username !== '' || url.password !== '') return failed(href, 'STATUS_LIST_UNAVAILABLE', 'a URL with credentials is not fetched');
    const plainAllowed = url.protocol === 'http:' && options.allowHttpLoopback === true && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !plainAllowed) return failed(href, 'STATUS_LIST_UNAVAILABLE', 'only https status lists are fetched');
    url.hash = '';
    const outcome: GuardedGetOutcome = await getGuarded(url);
    switch (outcome.kind) {
      case 'status':
        return failed(href, 'STATUS_LIST_UNAVAILABLE', `${outcome.url.href} answered HTTP ${outcome.status}`);
      case 'refused':
        return failed(href, 'STATUS_LIST_UNAVAILABLE', outcome.detail);
      case 'unreachable':
        // As for did:web: never the errno or the address to callers, only to the log.
        return failed(href, 'STATUS_LIST_UNAVAILABLE', `could not reach ${url.host}`, outcome.logDetail);
      case 'ok':
        break;
    }
    const parsed = parseStrictJsonBytes(outcome.body);
    if (!parsed.ok) return failed(href, 'STATUS_LIST_INVALID', `is not usable JSON: ${parsed.problems[0]!.detail}`);
    const list = parsed.value;
    const now = clock.now();
    const lifetime = cacheLifetimeMs(list, headerText(outcome.headers['cache-control']), now, defaultCacheMs, maxCacheMs);
    if (lifetime > 0) {
      cache.delete(href);
      cache.set(href, { list, expiresAt: now + lifetime });
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    }
    return ok(list);
  }

  return {
    async fetch(href: string): Promise<Result<unknown>> {
      const cached = cache.get(href);
      if (cached !== undefined) {
        if (clock.now() < cached.expiresAt) return ok(cached.list);
        cache.delete(href);
      }
      // One fetch per URL at a time: a sweep and a submission asking together share it.
      let running = inFlight.get(href);
      if (running === undefined) {
        running = load(href).finally(() => inFlight.delete(href));
        inFlight.set(href, running);
      }
      return running;
    },
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * How long a fetched list may be served from the cache: the least of what the server says
 * (`Cache-Control: max-age`; `no-store`/`no-cache` mean not at all), what the list says (its
 * `ttl` in milliseconds, and never past its `validUntil`), and the cap; the default when neither says.
 */
export function cacheLifetimeMs(list: unknown, cacheControl: string | undefined, now: number, defaultMs: number, maxMs: number): number {
  const limits: number[] = [maxMs];
  let said = false;
  if (cacheControl !== undefined) {
    const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
    if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
    const maxAge = directives.map((d) => /^max-age\s*=\s*"?(\d{1,12})"?$/.exec(d)).find((m) => m !== null);
    if (maxAge) {
      limits.push(Number(maxAge[1]) * 1000);
      said = true;
    }
  }
  const vc = typeof list === 'object' && list !== null ? (list as Record<string, unknown>) : {};
  const subject = typeof vc.credentialSubject === 'object' && vc.credentialSubject !== null ? (vc.credentialSubject as Record<string, unknown>) : {};
  if (typeof subject.ttl === 'number' && Number.isFinite(subject.ttl) && subject.ttl >= 0) {
    limits.push(subject.ttl);
    said = true;
  }
  if (typeof vc.validUntil === 'string') {
    const until = Date.parse(vc.validUntil);
    if (Number.isFinite(until)) limits.push(until - now);
  }
  if (!said) limits.push(defaultMs);
  return Math.max(0, Math.min(...limits));
}
