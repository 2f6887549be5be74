/**
 * The offline-first did:web resolver, as pure orchestration over ports: a fetcher (HTTPS, in the
 * app), a persistent cache (the data directory, in the app) and a clock. It decides what to serve
 * (cache-policy.ts), validates every document it takes in (did-document.ts), including what comes
 * back from its own disk cache, and runs at most one fetch per DID at a time.
 *
 * Anyone who can make the registry verify something names the DIDs it resolves, so every fetch is
 * bounded: a failure is remembered briefly (negative cache, `failureTtlMs`), at most
 * `maxConcurrentFetches` fetches run at once across all DIDs, and at most `maxQueuedFetches` wait;
 * beyond that a resolution fails at once instead of queueing without end.
 */
import { fail, ok, problem, type Problem, type Result } from '../../errors.js';
import type { Clock } from '../../ports.js';
import { didKeyProblem } from '../did-key.js';
import { cacheState, cacheTimesFor, DEFAULT_DID_CACHE_POLICY, type CacheTimes, type DidCachePolicy } from './cache-policy.js';
import { didKeyDocument, parseDidDocument, validateDidDocument, type ResolvedDidDocument } from './did-document.js';
import type { DidResolution, DidResolveOptions, DidResolver } from './did-resolver.js';
import { parseDidWeb, type DidWebLocation } from './did-web-url.js';

/**
 * What one attempt to fetch a DID document gave. A `problem` reaches callers, who may be anyone
 * (a revocation, a certification submit): it must not carry what only the registry's network
 * position reveals (resolved addresses, errno, connection details). Those go in `logDetail`, which
 * only `onProblem` (the operator's log) sees.
 */
export type DidFetchOutcome =
  /** A 200 answer: the raw body (not yet validated) and its Cache-Control header. */
  | { readonly kind: 'document'; readonly body: Uint8Array | string; readonly cacheControl?: string | null }
  /** 404 or 410: the DID does not exist (any more). Cached copies are dropped. */
  | { readonly kind: 'gone'; readonly problem: Problem; readonly logDetail?: string }
  /** Anything else (network, TLS, timeout, 5xx, too large, a redirect refused): a stale copy may stand in. */
  | { readonly kind: 'failed'; readonly problem: Problem; readonly logDetail?: string };

/** The port that reaches the DID's web server. It must not throw (a throw counts as 'failed'). */
export interface DidDocumentFetcher {
  fetch(location: DidWebLocation): Promise<DidFetchOutcome>;
}

/** A cached document as persisted: untrusted on the way back in, so it is validated again. */
export interface CachedDidDocument extends CacheTimes {
  readonly did: string;
  readonly document: unknown;
}

/** The persistent cache port (a directory in the app; a Map in tests). */
export interface DidDocumentCache {
  get(did: string): Promise<CachedDidDocument | undefined>;
  set(entry: CachedDidDocument): Promise<void>;
  delete(did: string): Promise<void>;
  /** Never evict this DID's entry to make room for others (optional: a cache without eviction needs none). */
  protect?(did: string): void;
}

export interface CachingDidResolverOptions {
  readonly fetcher: DidDocumentFetcher;
  readonly clock: Clock;
  /** Survives restarts: what makes a restart with the network down still verify. */
  readonly cache?: DidDocumentCache;
  /** Documents the operator configured: served as they are, never fetched. */
  readonly pinned?: Iterable<unknown>;
  readonly policy?: DidCachePolicy;
  /** Documents kept in memory in front of `cache`. */
  readonly memoryEntries?: number;
  /** Fetches running at once, across all DIDs. Default 4. */
  readonly maxConcurrentFetches?: number;
  /** Fetches waiting for a slot; when full, a resolution that needs a fetch fails at once. Default 16. */
  readonly maxQueuedFetches?: number;
  /** Fetches running at once to one host (DIDs of one host share this, whatever their path). Default 1. */
  readonly maxFetchesPerHost?: number;
  /** Fetches to one host waiting for a slot; beyond, that host's resolutions fail at once. Default 2. */
  readonly maxQueuedFetchesPerHost?: number;
  /**
   * Documents of one host kept in memory; a host over its share evicts its own least recently used
   * first. Protected DIDs do not count. Default 32. (The disk cache applies its own share.)
   */
  readonly maxEntriesPerHost?: number;
  /**
   * DIDs the operator relies on (trust-policy issuers, namespace-owner overrides): their cached
   * copies are never evicted to make room for other DIDs, and their fetches are never turned away
   * by the fetch limits (they wait, first in line). See `protect`.
   */
  readonly protected?: Iterable<string>;
  /** Protected DIDs at most (`protect` and `resolve(did, { keep: true })` beyond this are ignored). Default 1 000. */
  readonly maxProtected?: number;
  /** Failed DIDs remembered (for `policy.failureTtlMs`); the oldest is forgotten first. Default 10 000. */
  readonly maxRememberedFailures?: number;
  /** Told about failed fetches and cache write errors (the app logs them); must not throw. */
  readonly onProblem?: (did: string, problem: Problem) => void;
}

interface Entry extends CacheTimes {
  readonly document: ResolvedDidDocument;
}

type Refreshed = { readonly ok: true; readonly entry: Entry } | { readonly ok: false; readonly gone: boolean; readonly problem: Problem };

/** A failure remembered for a while (negative cache). */
interface Failure {
  readonly at: number;
  readonly gone: boolean;
  readonly problem: Problem;
}

/**
 * Fetch slots: at most `max` running across all hosts and `perHost` per host, at most `maxQueued`
 * waiting overall and `perHostQueued` per host. `enter` answers undefined when the caller may not
 * wait. Protected DIDs (the operator's) are never turned away and take the next free slot first, so
 * a flood of DIDs on other hosts can delay them by at most the fetches already running.
 */
class FetchLimiter {
  private active = 0;
  private ordinaryWaiting = 0;
  private readonly running = new Map<string, number>();
  private readonly queued = new Map<string, number>();
  private readonly waiting: { readonly host: string; readonly priority: boolean; readonly start: () => void }[] = [];

  constructor(
    private readonly max: number,
    private readonly maxQueued: number,
    private readonly perHost: number,
    private readonly perHostQueued: number,
  ) {}

  enter(host: string, priority: boolean): Promise<void> | undefined {
    if (this.active < this.max && (this.running.get(host) ?? 0) < this.perHost) {
      this.start(host);
      return Promise.resolve();
    }
    if (!priority && ((this.queued.get(host) ?? 0) >= this.perHostQueued || this.ordinaryWaiting >= this.maxQueued)) return undefined;
    this.queued.set(host, (this.queued.get(host) ?? 0) + 1);
    if (!priority) this.ordinaryWaiting += 1;
    return new Promise((start) => this.waiting.push({ host, priority, start }));
  }

  leave(host: string): void {
    this.active -= 1;
    const running = (this.running.get(host) ?? 1) - 1;
    if (running > 0) this.running.set(host, running);
    else this.running.delete(host);
    this.dispatch();
  }

  private start(host: string): void {
    this.active += 1;
    this.running.set(host, (this.running.get(host) ?? 0) + 1);
  }

  /** Hand free slots to waiters whose host has room: protected ones first, then in order of arrival. */
  private dispatch(): void {
    while (this.active < this.max) {
      const eligible = (w: { host: string }) => (this.running.get(w.host) ?? 0) < this.perHost;
      let index = this.waiting.findIndex((w) => w.priority && eligible(w));
      if (index < 0) index = this.waiting.findIndex(eligible);
      if (index < 0) return;
      const [next] = this.waiting.splice(index, 1) as [{ host: string; priority: boolean; start: () => void }];
      const queued = (this.queued.get(next.host) ?? 1) - 1;
      if (queued > 0) this.queued.set(next.host, queued);
      else this.queued.delete(next.host);
      if (!next.priority) this.ordinaryWaiting -= 1;
      this.start(next.host);
      next.start();
    }
  }
}

export class CachingDidResolver implements DidResolver {
  private readonly pinned = new Map<string, ResolvedDidDocument>();
  private readonly memory = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Refreshed>>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly failures = new Map<string, Failure>();
  private readonly policy: DidCachePolicy;
  private readonly memoryEntries: number;
  private readonly maxRememberedFailures: number;
  private readonly limiter: FetchLimiter;
  private readonly protectedDids = new Set<string>();
  private readonly maxEntriesPerHost: number;
  private readonly maxProtected: number;

  constructor(private readonly options: CachingDidResolverOptions) {
    this.policy = options.policy ?? DEFAULT_DID_CACHE_POLICY;
    this.memoryEntries = options.memoryEntries ?? 1_000;
    this.maxRememberedFailures = options.maxRememberedFailures ?? 10_000;
    this.maxEntriesPerHost = Math.max(1, options.maxEntriesPerHost ?? 32);
    this.maxProtected = Math.max(0, options.maxProtected ?? 1_000);
    this.limiter = new FetchLimiter(
      Math.max(1, options.maxConcurrentFetches ?? 4),
      Math.max(0, options.maxQueuedFetches ?? 16),
      Math.max(1, options.maxFetchesPerHost ?? 1),
      Math.max(0, options.maxQueuedFetchesPerHost ?? 2),
    );
    for (const document of options.pinned ?? []) {
      const pinned = this.pin(document);
      if (!pinned.ok) throw new TypeError(pinned.problems.map((p) => p.detail).join('; '));
    }
    for (const did of options.protected ?? []) this.protect(did);
  }

  /**
   * Mark a DID the operator relies on (a trust-policy issuer, a namespace owner): its cached copy
   * is never evicted by other DIDs' entries, in memory or on disk, and its fetches are never turned
   * away by the fetch limits. False when the DID is not a canonical did:web or `maxProtected` DIDs
   * are protected already. did:key and pinned DIDs need no protection.
   */
  protect(did: string): boolean {
    if (this.protectedDids.has(did)) return true;
    if (this.protectedDids.size >= this.maxProtected || !parseDidWeb(did).ok) return false;
    this.protectedDids.add(did);
    try {
      this.options.cache?.protect?.(did);
    } catch (error) {
      this.report(did, problem('DID_UNRESOLVABLE', `the DID cache could not protect it: ${(error as Error).message}`));
    }
    return true;
  }

  isProtected(did: string): boolean {
    return this.protectedDids.has(did);
  }

  /**
   * Pin a document: it answers for its `id` from now on and is never fetched. The registry pins
   * its own DID document (known only once it listens) this way.
   */
  pin(document: unknown): Result<ResolvedDidDocument> {
    const id = (document as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !id.startsWith('did:')) return fail('DID_DOCUMENT_INVALID', 'a pinned DID document needs an id that is a DID', '/id');
    const validated = validateDidDocument(id, document);
    if (validated.ok) this.pinned.set(id, validated.value);
    return validated;
  }

  async resolve(did: string, options: DidResolveOptions = {}): Promise<Result<DidResolution>> {
    if (typeof did === 'string' && did.startsWith('did:key:')) {
      const document = didKeyDocument(did);
      if (document) return ok({ document, source: 'computed', stale: false });
      const weak = didKeyProblem(did);
      return weak?.code === 'KEY_WEAK' ? failWithProblem(weak) : fail('DID_UNRESOLVABLE', `${did} is not an Ed25519 did:key`);
    }
    const pinned = this.pinned.get(did);
    if (pinned !== undefined) return ok({ document: pinned, source: 'pinned', stale: false });
    if (typeof did !== 'string' || !did.startsWith('did:web:')) return fail('DID_UNRESOLVABLE', `${String(did)}: only did:web and did:key resolve here`);
    const location = parseDidWeb(did);
    if (!location.ok) return location;
    const mayFetch = options.fetch !== false;
    if (options.keep === true) this.protect(did);

    const cached = await this.cached(did);
    if (cached !== undefined) {
      const state = cacheState(cached, this.options.clock.now(), this.policy);
      if (state === 'fresh') return ok(fromCache(cached, false));
      // Without the network, any copy still within stale-if-error is what the registry holds.
      if (!mayFetch && state !== 'expired') return ok(fromCache(cached, true));
      if (state === 'stale-revalidate') {
        this.refreshInBackground(location.value);
        return ok(fromCache(cached, true));
      }
      if (state === 'stale-if-error') {
        const refreshed = await this.refresh(location.value);
        if (refreshed.ok) return ok(fromNetwork(refreshed.entry));
        if (refreshed.gone) return failWithProblem(refreshed.problem);
        return ok({ ...fromCache(cached, true), refreshProblem: { code: refreshed.problem.code, detail: refreshed.problem.detail } });
      }
      await this.forget(did);
    }
    if (!mayFetch) {
      return fail('DID_UNRESOLVABLE', `${did}: this registry holds no document for it (not pinned, not cached), and this lookup does not fetch`);
    }
    const refreshed = await this.refresh(location.value);
    return refreshed.ok ? ok(fromNetwork(refreshed.entry)) : failWithProblem(refreshed.problem);
  }

  /** Resolves once every background refresh started so far has settled (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Memory first, then the persistent cache; a stored entry that no longer validates is dropped. */
  private async cached(did: string): Promise<Entry | undefined> {
    const inMemory = this.memory.get(did);
    if (inMemory !== undefined) {
      this.remember(did, inMemory); // least recently used goes first
      return inMemory;
    }
    let stored: CachedDidDocument | undefined;
    try {
      stored = await this.options.cache?.get(did);
    } catch (error) {
      this.report(did, problem('DID_UNRESOLVABLE', `the DID cache could not be read: ${(error as Error).message}`));
      return undefined;
    }
    if (stored === undefined) return undefined;
    const validated = validateDidDocument(did, stored.document);
    if (!validated.ok || stored.did !== did || !Number.isFinite(stored.fetchedAt) || !Number.isFinite(stored.freshUntil)) {
      await this.forget(did);
      return undefined;
    }
    const entry = { document: validated.value, fetchedAt: stored.fetchedAt, freshUntil: stored.freshUntil };
    this.remember(did, entry);
    return entry;
  }

  /** One fetch per DID at a time: concurrent callers share it. A DID that failed recently answers that failure, unfetched. */
  private refresh(location: DidWebLocation): Promise<Refreshed> {
    const failed = this.recentFailure(location.did);
    if (failed !== undefined) return Promise.resolve({ ok: false, gone: failed.gone, problem: failed.problem });
    const running = this.inflight.get(location.did);
    if (running !== undefined) return running;
    const attempt = this.fetchAndStore(location).finally(() => this.inflight.delete(location.did));
    this.inflight.set(location.did, attempt);
    return attempt;
  }

  private refreshInBackground(location: DidWebLocation): void {
    if (this.recentFailure(location.did) !== undefined) return; // reported when it happened; retried once it is forgotten
    const task = this.refresh(location).then(
      () => undefined, // failures were reported by fetchAndStore
      () => undefined,
    );
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  private async fetchAndStore(location: DidWebLocation): Promise<Refreshed> {
    const { did, hostname } = location;
    const slot = this.limiter.enter(hostname, this.protectedDids.has(did));
    if (slot === undefined) {
      // Our own overload (overall, or of this host), not the DID's fault: reported, but not remembered against the DID.
      const busy = problem('DID_UNRESOLVABLE', `${did}: the registry is fetching too many DID documents at once (or from ${hostname}); try again shortly`);
      this.report(did, busy);
      return { ok: false, gone: false, problem: busy };
    }
    let outcome: DidFetchOutcome;
    try {
      await slot;
      outcome = await this.options.fetcher.fetch(location);
    } catch (error) {
      outcome = {
        kind: 'failed',
        problem: problem('DID_UNRESOLVABLE', `${did}: could not fetch its DID document`),
        logDetail: `fetching ${location.url} failed: ${(error as Error)?.message ?? String(error)}`,
      };
    } finally {
      this.limiter.leave(hostname);
    }
    if (outcome.kind === 'gone') {
      // The organisation removed its DID document: that deactivates the DID, so no copy may outlive it.
      await this.forget(did);
      return this.failed(did, true, outcome.problem, outcome.logDetail);
    }
    if (outcome.kind === 'failed') return this.failed(did, false, outcome.problem, outcome.logDetail);
    const parsed = parseDidDocument(did, outcome.body);
    if (!parsed.ok) {
      // A broken document is not cached, but neither does it evict the last good copy: a bad deploy must not stop verification.
      // It is the DID owner's fault, not the caller's: DID_UNRESOLVABLE (503) with the reason, as for a server that is down.
      // (DID_DOCUMENT_INVALID is for documents given to the registry itself: pins.)
      // A weak key is the exception: KEY_WEAK says exactly what is wrong (the pointer is into the document, so it goes in the detail).
      const reasons = parsed.problems.map((p) => `${p.detail}${p.pointer ? ` (at ${p.pointer})` : ''}`).join('; ');
      const weak = parsed.problems.some((p) => p.code === 'KEY_WEAK');
      return this.failed(did, false, problem(weak ? 'KEY_WEAK' : 'DID_UNRESOLVABLE', reasons));
    }
    this.failures.delete(did);
    const entry: Entry = { document: parsed.value, ...cacheTimesFor(this.options.clock.now(), outcome.cacheControl, this.policy) };
    this.remember(did, entry);
    try {
      await this.options.cache?.set({ did, document: entry.document, fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil });
    } catch (error) {
      this.report(did, problem('DID_UNRESOLVABLE', `the DID cache could not be written: ${(error as Error).message}`));
    }
    return { ok: true, entry };
  }

  /** Report a failed fetch (with its log detail) and remember it for `failureTtlMs`. */
  private failed(did: string, gone: boolean, reported: Problem, logDetail?: string): Refreshed {
    this.report(did, logDetail === undefined ? reported : { ...reported, detail: `${reported.detail} (${logDetail})` });
    if (this.policy.failureTtlMs > 0) {
      this.failures.delete(did);
      if (this.failures.size >= this.maxRememberedFailures) {
        const oldest = this.failures.keys().next();
        if (!oldest.done) this.failures.delete(oldest.value);
      }
      this.failures.set(did, { at: this.options.clock.now(), gone, problem: reported });
    }
    return { ok: false, gone, problem: reported };
  }

  private recentFailure(did: string): Failure | undefined {
    const failure = this.failures.get(did);
    if (failure === undefined) return undefined;
    const now = this.options.clock.now();
    // A failure time in the future means the clock went back: do not keep answering it.
    if (now >= failure.at && now < failure.at + this.policy.failureTtlMs) return failure;
    this.failures.delete(did);
    return undefined;
  }

  /**
   * Keep an entry in memory, most recently used last. Room is made first within the DID's own host
   * (a host over `maxEntriesPerHost` evicts its own oldest), then overall, never by evicting a
   * protected DID: a host serving did:web:evil.com:1…5000 only ever evicts its own documents.
   */
  private remember(did: string, entry: Entry): void {
    this.memory.delete(did);
    if (!this.protectedDids.has(did)) {
      const host = hostOf(did);
      let sameHost = 0;
      let oldestOfHost: string | undefined;
      let oldestUnprotected: string | undefined;
      let unprotected = 0;
      for (const key of this.memory.keys()) {
        if (this.protectedDids.has(key)) continue;
        unprotected += 1;
        oldestUnprotected ??= key;
        if (hostOf(key) === host) {
          sameHost += 1;
          oldestOfHost ??= key;
        }
      }
      if (sameHost >= this.maxEntriesPerHost && oldestOfHost !== undefined) this.memory.delete(oldestOfHost);
      else if (unprotected >= this.memoryEntries && oldestUnprotected !== undefined) this.memory.delete(oldestUnprotected);
    }
    this.memory.set(did, entry);
  }

  private async forget(did: string): Promise<void> {
    this.memory.delete(did);
    try {
      await this.options.cache?.delete(did);
    } catch (error) {
      this.report(did, problem('DID_UNRESOLVABLE', `the DID cache could not be updated: ${(error as Error).message}`));
    }
  }

  private report(did: string, reported: Problem): void {
    try {
      this.options.onProblem?.(did, reported);
    } catch {
      // A logging hook must never change what a resolution answers.
    }
  }
}

/** The host a cached DID belongs to (its share of the cache); DIDs are canonical did:web here. */
function hostOf(did: string): string {
  return did.slice('did:web:'.length).split(':')[0]?.replace(/%3A\d+$/, '') ?? did;
}

function fromCache(entry: Entry, stale: boolean): DidResolution {
  return { document: entry.document, source: 'cache', fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil, stale };
}

function fromNetwork(entry: Entry): DidResolution {
  return { document: entry.document, source: 'network', fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil, stale: false };
}

function failWithProblem(reported: Problem): Result<never> {
  return { ok: false, problems: [reported] };
}
