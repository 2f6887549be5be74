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

/** A counting semaphore with a bounded queue: `enter` answers undefined when the queue is full. */
class FetchLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly maxQueued: number,
  ) {}

  enter(): Promise<void> | undefined {
    if (this.active < this.max) {
      this.active += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(); // the slot passes straight to the next in line
    else this.active -= 1;
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

  constructor(private readonly options: CachingDidResolverOptions) {
    this.policy = options.policy ?? DEFAULT_DID_CACHE_POLICY;
    this.memoryEntries = options.memoryEntries ?? 1_000;
    this.maxRememberedFailures = options.maxRememberedFailures ?? 10_000;
    this.limiter = new FetchLimiter(Math.max(1, options.maxConcurrentFetches ?? 4), Math.max(0, options.maxQueuedFetches ?? 16));
    for (const document of options.pinned ?? []) {
      const pinned = this.pin(document);
      if (!pinned.ok) throw new TypeError(pinned.problems.map((p) => p.detail).join('; '));
    }
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
      return document ? ok({ document, source: 'computed', stale: false }) : fail('DID_UNRESOLVABLE', `${did} is not an Ed25519 did:key`);
    }
    const pinned = this.pinned.get(did);
    if (pinned !== undefined) return ok({ document: pinned, source: 'pinned', stale: false });
    if (typeof did !== 'string' || !did.startsWith('did:web:')) return fail('DID_UNRESOLVABLE', `${String(did)}: only did:web and did:key resolve here`);
    const location = parseDidWeb(did);
    if (!location.ok) return location;
    const mayFetch = options.fetch !== false;

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
    const { did } = location;
    const slot = this.limiter.enter();
    if (slot === undefined) {
      // Our own overload, not the DID's fault: reported, but not remembered against the DID.
      const busy = problem('DID_UNRESOLVABLE', `${did}: the registry is fetching too many DID documents at once; try again shortly`);
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
      this.limiter.leave();
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
      const reasons = parsed.problems.map((p) => `${p.detail}${p.pointer ? ` (at ${p.pointer})` : ''}`).join('; ');
      return this.failed(did, false, problem('DID_UNRESOLVABLE', reasons));
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

  private remember(did: string, entry: Entry): void {
    this.memory.delete(did);
    if (this.memory.size >= this.memoryEntries) {
      const oldest = this.memory.keys().next();
      if (!oldest.done) this.memory.delete(oldest.value);
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

function fromCache(entry: Entry, stale: boolean): DidResolution {
  return { document: entry.document, source: 'cache', fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil, stale };
}

function fromNetwork(entry: Entry): DidResolution {
  return { document: entry.document, source: 'network', fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil, stale: false };
}

function failWithProblem(reported: Problem): Result<never> {
  return { ok: false, problems: [reported] };
}
