/**
 * The offline-first did:web resolver, as pure orchestration over ports: a fetcher (HTTPS, in the
 * app), a persistent cache (the data directory, in the app) and a clock. It decides what to serve
 * (cache-policy.ts), validates every document it takes in (did-document.ts), including what comes
 * back from its own disk cache, and runs at most one fetch per DID at a time.
 */
import { fail, ok, problem, type Problem, type Result } from '../../errors.js';
import type { Clock } from '../../ports.js';
import { cacheState, cacheTimesFor, DEFAULT_DID_CACHE_POLICY, type CacheTimes, type DidCachePolicy } from './cache-policy.js';
import { didKeyDocument, parseDidDocument, validateDidDocument, type ResolvedDidDocument } from './did-document.js';
import type { DidResolution, DidResolver } from './did-resolver.js';
import { parseDidWeb, type DidWebLocation } from './did-web-url.js';

/** What one attempt to fetch a DID document gave. */
export type DidFetchOutcome =
  /** A 200 answer: the raw body (not yet validated) and its Cache-Control header. */
  | { readonly kind: 'document'; readonly body: Uint8Array | string; readonly cacheControl?: string | null }
  /** 404 or 410: the DID does not exist (any more). Cached copies are dropped. */
  | { readonly kind: 'gone'; readonly problem: Problem }
  /** Anything else (network, TLS, timeout, 5xx, too large, a redirect refused): a stale copy may stand in. */
  | { readonly kind: 'failed'; readonly problem: Problem };

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
  /** Told about failed fetches and cache write errors (the app logs them); must not throw. */
  readonly onProblem?: (did: string, problem: Problem) => void;
}

interface Entry extends CacheTimes {
  readonly document: ResolvedDidDocument;
}

type Refreshed = { readonly ok: true; readonly entry: Entry } | { readonly ok: false; readonly gone: boolean; readonly problem: Problem };

export class CachingDidResolver implements DidResolver {
  private readonly pinned = new Map<string, ResolvedDidDocument>();
  private readonly memory = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Refreshed>>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly policy: DidCachePolicy;
  private readonly memoryEntries: number;

  constructor(private readonly options: CachingDidResolverOptions) {
    this.policy = options.policy ?? DEFAULT_DID_CACHE_POLICY;
    this.memoryEntries = options.memoryEntries ?? 1_000;
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

  async resolve(did: string): Promise<Result<DidResolution>> {
    if (typeof did === 'string' && did.startsWith('did:key:')) {
      const document = didKeyDocument(did);
      return document ? ok({ document, source: 'computed', stale: false }) : fail('DID_UNRESOLVABLE', `${did} is not an Ed25519 did:key`);
    }
    const pinned = this.pinned.get(did);
    if (pinned !== undefined) return ok({ document: pinned, source: 'pinned', stale: false });
    if (typeof did !== 'string' || !did.startsWith('did:web:')) return fail('DID_UNRESOLVABLE', `${String(did)}: only did:web and did:key resolve here`);
    const location = parseDidWeb(did);
    if (!location.ok) return location;

    const cached = await this.cached(did);
    if (cached !== undefined) {
      const state = cacheState(cached, this.options.clock.now(), this.policy);
      if (state === 'fresh') return ok(fromCache(cached, false));
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
    if (inMemory !== undefined) return inMemory;
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

  /** One fetch per DID at a time: concurrent callers share it. */
  private refresh(location: DidWebLocation): Promise<Refreshed> {
    const running = this.inflight.get(location.did);
    if (running !== undefined) return running;
    const attempt = this.fetchAndStore(location).finally(() => this.inflight.delete(location.did));
    this.inflight.set(location.did, attempt);
    return attempt;
  }

  private refreshInBackground(location: DidWebLocation): void {
    const task = this.refresh(location).then(
      (result) => {
        if (!result.ok) this.report(location.did, result.problem);
      },
      () => undefined,
    );
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  private async fetchAndStore(location: DidWebLocation): Promise<Refreshed> {
    const { did } = location;
    let outcome: DidFetchOutcome;
    try {
      outcome = await this.options.fetcher.fetch(location);
    } catch (error) {
      outcome = { kind: 'failed', problem: problem('DID_UNRESOLVABLE', `fetching ${location.url} failed: ${(error as Error).message}`) };
    }
    if (outcome.kind === 'gone') {
      // The organisation removed its DID document: that deactivates the DID, so no copy may outlive it.
      await this.forget(did);
      this.report(did, outcome.problem);
      return { ok: false, gone: true, problem: outcome.problem };
    }
    if (outcome.kind === 'failed') {
      this.report(did, outcome.problem);
      return { ok: false, gone: false, problem: outcome.problem };
    }
    const parsed = parseDidDocument(did, outcome.body);
    if (!parsed.ok) {
      // A broken document is not cached, but neither does it evict the last good copy: a bad deploy must not stop verification.
      const first = parsed.problems[0] ?? problem('DID_DOCUMENT_INVALID', `the DID document of ${did} is refused`);
      this.report(did, first);
      return { ok: false, gone: false, problem: first };
    }
    const entry: Entry = { document: parsed.value, ...cacheTimesFor(this.options.clock.now(), outcome.cacheControl, this.policy) };
    this.remember(did, entry);
    try {
      await this.options.cache?.set({ did, document: entry.document, fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil });
    } catch (error) {
      this.report(did, problem('DID_UNRESOLVABLE', `the DID cache could not be written: ${(error as Error).message}`));
    }
    return { ok: true, entry };
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
