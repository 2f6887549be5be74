/**
 * The resolver's decisions over in-memory ports and a manual clock. The real HTTPS fetcher and
 * disk cache are tested against a real TLS server in src/app/did-web-resolver.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { problem } from '../../errors.js';
import { manualClock, testKey, T0 } from '../../test-support/agents.js';
import { registryDidDocument } from '../credentials/registry-did.js';
import { DEFAULT_DID_CACHE_POLICY } from './cache-policy.js';
import { CachingDidResolver, type CachedDidDocument, type DidDocumentCache, type DidFetchOutcome } from './caching-did-resolver.js';
import { ed25519KeysOf } from './did-document.js';
import type { DidWebLocation } from './did-web-url.js';

const DID = 'did:web:acme.com';
const URL_ = 'https://acme.com/.well-known/did.json';
const key1 = testKey(41);
const key2 = testKey(42);
const doc1 = registryDidDocument(DID, key1);
const doc2 = registryDidDocument(DID, key2);
const MIN = 60_000;

/**
 * Every port here answers through promises alone (no I/O, no timers), so once the microtasks have
 * run out, each resolution the test started has gone as far as it can: one turn of the event loop
 * waits for exactly that, however busy the machine.
 */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A scripted web server: each fetch takes the next answer (or repeats the last). */
function scriptedFetcher(...answers: (DidFetchOutcome | (() => Promise<DidFetchOutcome>))[]) {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (location: DidWebLocation) => {
      calls.push(location.url);
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      return typeof answer === 'function' ? answer() : answer;
    },
  };
}
const serve = (doc: object, cacheControl = 'max-age=600'): DidFetchOutcome => ({ kind: 'document', body: JSON.stringify(doc), cacheControl });
const down: DidFetchOutcome = { kind: 'failed', problem: problem('DID_UNRESOLVABLE', 'connection refused') };
const gone: DidFetchOutcome = { kind: 'gone', problem: problem('DID_UNRESOLVABLE', 'HTTP 404') };

function mapCache(): DidDocumentCache & { entries: Map<string, CachedDidDocument> } {
  const entries = new Map<string, CachedDidDocument>();
  return {
    entries,
    get: async (did) => entries.get(did),
    set: async (entry) => void entries.set(entry.did, JSON.parse(JSON.stringify(entry))),
    delete: async (did) => void entries.delete(did),
  };
}

function keyOf(result: Awaited<ReturnType<CachingDidResolver['resolve']>>): string | undefined {
  return result.ok ? ed25519KeysOf(result.value.document, 'assertionMethod')[0]?.didKey : undefined;
}

describe('CachingDidResolver', () => {
  it('fetches once, then serves from cache while fresh', async () => {
    const clock = manualClock();
    const fetcher = scriptedFetcher(serve(doc1));
    const resolver = new CachingDidResolver({ fetcher, clock });
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { source: 'network', fetchedAt: T0, freshUntil: T0 + 10 * MIN, stale: false } });
    clock.advance(10 * MIN - 1);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { source: 'cache', stale: false } });
    expect(fetcher.calls).toEqual([URL_]);
  });

  it('serves a just-stale copy at once and refreshes it in the background', async () => {
    const clock = manualClock();
    const fetcher = scriptedFetcher(serve(doc1), serve(doc2));
    const resolver = new CachingDidResolver({ fetcher, clock });
    await resolver.resolve(DID);
    clock.advance(10 * MIN);
    const stale = await resolver.resolve(DID);
    expect(stale).toMatchObject({ ok: true, value: { source: 'cache', stale: true } });
    expect(keyOf(stale)).toBe(key1.did);
    await resolver.idle();
    expect(fetcher.calls).toHaveLength(2);
    const refreshed = await resolver.resolve(DID);
    expect(refreshed).toMatchObject({ ok: true, value: { source: 'cache', stale: false, fetchedAt: T0 + 10 * MIN } });
    expect(keyOf(refreshed)).toBe(key2.did); // a rotated key reaches verifiers
  });

  it('awaits the refresh once well stale; serves the stale copy only if the server is down (stale-if-error)', async () => {
    const clock = manualClock();
    const fetcher = scriptedFetcher(serve(doc1), down);
    const resolver = new CachingDidResolver({ fetcher, clock });
    await resolver.resolve(DID);
    clock.advance(10 * MIN + DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs);
    const result = await resolver.resolve(DID);
    expect(result).toMatchObject({ ok: true, value: { source: 'cache', stale: true, refreshProblem: { code: 'DID_UNRESOLVABLE', detail: 'connection refused' } } });
    expect(fetcher.calls).toHaveLength(2);
  });

  it('gives up 7 days after freshness ended', async () => {
    const clock = manualClock();
    const resolver = new CachingDidResolver({ fetcher: scriptedFetcher(serve(doc1), down), clock });
    await resolver.resolve(DID);
    clock.advance(10 * MIN + 7 * 24 * 60 * MIN - 1);
    expect((await resolver.resolve(DID)).ok).toBe(true);
    clock.advance(1);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
  });

  it('takes a fresh document over the stale one when the refresh succeeds', async () => {
    const clock = manualClock();
    const resolver = new CachingDidResolver({ fetcher: scriptedFetcher(serve(doc1), serve(doc2)), clock });
    await resolver.resolve(DID);
    clock.advance(DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs + 10 * MIN);
    const result = await resolver.resolve(DID);
    expect(result).toMatchObject({ ok: true, value: { source: 'network', stale: false } });
    expect(keyOf(result)).toBe(key2.did);
  });

  it('drops the cached copy when the DID is gone (404/410): deactivation is not outlived', async () => {
    const clock = manualClock();
    const cache = mapCache();
    const resolver = new CachingDidResolver({ fetcher: scriptedFetcher(serve(doc1), gone), clock, cache });
    await resolver.resolve(DID);
    expect(cache.entries.has(DID)).toBe(true);
    clock.advance(DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs + 10 * MIN);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: 'HTTP 404' }] });
    expect(cache.entries.has(DID)).toBe(false);
  });

  it('never caches a refused document, and a broken one does not evict the last good copy', async () => {
    const clock = manualClock();
    const cache = mapCache();
    const wrongId = serve({ ...doc2, id: 'did:web:evil.example' });
    const fetcher = scriptedFetcher(wrongId, serve(doc1), wrongId);
    const resolver = new CachingDidResolver({ fetcher, clock, cache });
    // The owner's fault, not the caller's: DID_UNRESOLVABLE (503), the reason and the part in the detail, no request pointer.
    const refused = await resolver.resolve(DID);
    expect(refused).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/the DID document of did:web:acme\.com is refused: .*evil\.example.*\(at \/id\)/) }] });
    expect(refused.ok ? undefined : refused.problems[0]?.pointer).toBeUndefined();
    expect(cache.entries.size).toBe(0);
    clock.advance(DEFAULT_DID_CACHE_POLICY.failureTtlMs);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { source: 'network' } }); // refetched once the failure is forgotten
    clock.advance(DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs + 10 * MIN);
    const result = await resolver.resolve(DID);
    expect(result).toMatchObject({ ok: true, value: { source: 'cache', stale: true, refreshProblem: { code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/is refused/) } } });
    expect(keyOf(result)).toBe(key1.did);
  });

  it('shares one fetch among concurrent callers', async () => {
    let release: (outcome: DidFetchOutcome) => void = () => undefined;
    const fetcher = scriptedFetcher(() => new Promise<DidFetchOutcome>((r) => (release = r)));
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock() });
    const pending = Promise.all(Array.from({ length: 20 }, () => resolver.resolve(DID)));
    await settle();
    release(serve(doc1));
    const results = await pending;
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fetcher.calls).toHaveLength(1);
  });

  it('restarts from the persistent cache with the network down, and re-validates what it reads', async () => {
    const clock = manualClock();
    const cache = mapCache();
    await new CachingDidResolver({ fetcher: scriptedFetcher(serve(doc1)), clock, cache }).resolve(DID);
    const offline = scriptedFetcher(down);
    const restarted = new CachingDidResolver({ fetcher: offline, clock, cache });
    expect(await restarted.resolve(DID)).toMatchObject({ ok: true, value: { source: 'cache', stale: false } });
    expect(offline.calls).toHaveLength(0);

    // A cache file edited to carry another DID's document is not trusted.
    cache.entries.set(DID, { ...cache.entries.get(DID)!, document: { ...doc1, id: 'did:web:evil.example' } });
    const tampered = new CachingDidResolver({ fetcher: offline, clock, cache });
    expect(await tampered.resolve(DID)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: 'connection refused' }] });
    expect(cache.entries.has(DID)).toBe(false);
  });

  it('answers pinned documents without fetching, and did:key by computation', async () => {
    const fetcher = scriptedFetcher(down);
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock(), pinned: [doc1] });
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { source: 'pinned', stale: false } });
    expect(await resolver.resolve(key2.did)).toMatchObject({ ok: true, value: { source: 'computed', document: { id: key2.did } } });
    expect(resolver.pin({ ...doc2, id: 'did:web:acme.com', controller: 'did:web:evil.example' })).toMatchObject({ ok: false });
    expect(resolver.pin(registryDidDocument('did:web:other.example', key2)).ok).toBe(true);
    expect(keyOf(await resolver.resolve('did:web:other.example'))).toBe(key2.did);
    expect(fetcher.calls).toHaveLength(0);
    expect(() => new CachingDidResolver({ fetcher, clock: manualClock(), pinned: [{ id: 'nope' }] })).toThrow(TypeError);
  });

  it.each([
    ['another method', 'did:example:123'],
    ['a malformed did:web', 'did:web:acme.com#key-1'],
    ['a non-Ed25519 did:key', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'],
  ])('refuses %s without fetching', async (_what, did) => {
    const fetcher = scriptedFetcher(down);
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock() });
    expect(await resolver.resolve(did)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
    expect(fetcher.calls).toHaveLength(0);
  });

  it('turns a throwing fetcher or cache into a problem, never a throw', async () => {
    const reported: string[] = [];
    const resolver = new CachingDidResolver({
      fetcher: { fetch: async () => Promise.reject(new Error('boom')) },
      clock: manualClock(),
      cache: { get: async () => Promise.reject(new Error('disk')), set: async () => undefined, delete: async () => undefined },
      onProblem: (_did, p) => {
        reported.push(p.detail);
        throw new Error('a broken logger changes nothing');
      },
    });
    const result = await resolver.resolve(DID);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
    expect(result.ok ? '' : result.problems[0]?.detail).not.toMatch(/boom/); // the log gets the detail, the caller does not
    expect(reported.join('\n')).toMatch(/disk[\s\S]*boom/);
  });

  it('gives the caller the public problem and only the log the connection detail (logDetail)', async () => {
    const reported: string[] = [];
    const refused: DidFetchOutcome = { kind: 'failed', problem: problem('DID_UNRESOLVABLE', `${DID}: could not reach acme.com`), logDetail: 'connect ECONNREFUSED 10.0.0.7:9' };
    const resolver = new CachingDidResolver({ fetcher: scriptedFetcher(refused), clock: manualClock(), onProblem: (_did, p) => reported.push(p.detail) });
    const result = await resolver.resolve(DID);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: `${DID}: could not reach acme.com` }] });
    expect(JSON.stringify(result)).not.toMatch(/ECONNREFUSED|10\.0\.0\.7/);
    expect(reported).toEqual([`${DID}: could not reach acme.com (connect ECONNREFUSED 10.0.0.7:9)`]);
  });
});

describe('CachingDidResolver under load (A6)', () => {
  it('remembers a failure for failureTtlMs: repeated lookups cost one fetch, and a fixed server is used after it', async () => {
    const clock = manualClock();
    const fetcher = scriptedFetcher(down, gone, serve(doc1));
    const resolver = new CachingDidResolver({ fetcher, clock });
    for (let i = 0; i < 5; i++) expect(await resolver.resolve(DID)).toMatchObject({ ok: false, problems: [{ detail: 'connection refused' }] });
    expect(fetcher.calls).toHaveLength(1);
    clock.advance(DEFAULT_DID_CACHE_POLICY.failureTtlMs - 1);
    expect((await resolver.resolve(DID)).ok).toBe(false);
    expect(fetcher.calls).toHaveLength(1);
    clock.advance(1);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: false, problems: [{ detail: 'HTTP 404' }] }); // a 404 is remembered too
    expect(await resolver.resolve(DID)).toMatchObject({ ok: false, problems: [{ detail: 'HTTP 404' }] });
    expect(fetcher.calls).toHaveLength(2);
    clock.advance(DEFAULT_DID_CACHE_POLICY.failureTtlMs);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { source: 'network' } });
    expect(fetcher.calls).toHaveLength(3);
  });

  it('serves a stale copy during the remembered failure without refetching, and remembers a bounded number of failures', async () => {
    const clock = manualClock();
    const fetcher = scriptedFetcher(serve(doc1), down);
    const resolver = new CachingDidResolver({ fetcher, clock, maxRememberedFailures: 2 });
    await resolver.resolve(DID);
    clock.advance(10 * MIN + DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs);
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { stale: true, refreshProblem: { detail: 'connection refused' } } });
    expect(await resolver.resolve(DID)).toMatchObject({ ok: true, value: { stale: true, refreshProblem: { detail: 'connection refused' } } });
    expect(fetcher.calls).toHaveLength(2);
    // Two more failing DIDs push the first out of the (bounded) memory of failures: it is fetched again.
    await resolver.resolve('did:web:b.example');
    await resolver.resolve('did:web:c.example');
    expect(fetcher.calls).toHaveLength(4);
    await resolver.resolve(DID);
    expect(fetcher.calls).toHaveLength(5);
  });

  it('runs at most maxConcurrentFetches fetches at once and fails fast when the queue is full', async () => {
    const releases: (() => void)[] = [];
    const calls: string[] = [];
    const fetcher = {
      fetch: (location: DidWebLocation) => {
        calls.push(location.did);
        return new Promise<DidFetchOutcome>((resolve) => releases.push(() => resolve(serve(registryDidDocument(location.did, key1)))));
      },
    };
    const reported: string[] = [];
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock(), maxConcurrentFetches: 2, maxQueuedFetches: 3, onProblem: (_d, p) => reported.push(p.detail) });
    const dids = Array.from({ length: 8 }, (_, i) => `did:web:org${i}.example`);
    const pending = dids.map((did) => resolver.resolve(did));
    await settle();
    expect(calls).toHaveLength(2); // two running, three queued
    // The three beyond the queue were answered at once: settled by now, without any fetch ending.
    const settled = await Promise.race([Promise.all(pending.slice(5)), settle().then(() => 'still waiting')]);
    expect(settled).toEqual(
      Array.from({ length: 3 }, () => ({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/too many DID documents at once/) }] })),
    );
    for (let served = 0; served < 5; served++) {
      while (releases.length === 0) await settle();
      expect(calls.length - served).toBeLessThanOrEqual(2); // never more than two in flight
      releases.shift()!();
    }
    const first = await Promise.all(pending.slice(0, 5));
    expect(first.map((r) => (r.ok ? 'ok' : r.problems[0]?.detail))).toEqual(Array(5).fill('ok'));
    expect(calls).toEqual(dids.slice(0, 5));
    // An overload is not the DID's fault, so it is not remembered: the next call fetches.
    const again = resolver.resolve(dids[7]!);
    await settle();
    releases.shift()?.();
    expect(await again).toMatchObject({ ok: true, value: { source: 'network' } });
    expect(reported.filter((d) => /too many/.test(d))).toHaveLength(3);
  });

  it('answers from pins, did:key and the cache only, never fetching, when asked not to fetch (the public route)', async () => {
    const clock = manualClock();
    const fetcher = scriptedFetcher(serve(doc1));
    const resolver = new CachingDidResolver({ fetcher, clock, pinned: [registryDidDocument('did:web:pinned.example', key2)] });
    const offline = { fetch: false } as const;
    expect(await resolver.resolve(DID, offline)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/holds no document/) }] });
    expect(await resolver.resolve('did:web:pinned.example', offline)).toMatchObject({ ok: true, value: { source: 'pinned' } });
    expect(await resolver.resolve(key1.did, offline)).toMatchObject({ ok: true, value: { source: 'computed' } });
    expect(fetcher.calls).toHaveLength(0);
    await resolver.resolve(DID); // the registry itself needed it (a verification): fetched
    expect(await resolver.resolve(DID, offline)).toMatchObject({ ok: true, value: { source: 'cache', stale: false } });
    clock.advance(10 * MIN + DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs); // stale: a fetching resolve would refresh now
    expect(await resolver.resolve(DID, offline)).toMatchObject({ ok: true, value: { source: 'cache', stale: true } });
    clock.advance(7 * 24 * 60 * MIN);
    expect(await resolver.resolve(DID, offline)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
    await resolver.idle();
    expect(fetcher.calls).toHaveLength(1);
  });
});

describe('CachingDidResolver: per-host shares and protected DIDs (one host cannot starve or evict the others)', () => {
  /** A fetcher whose answers the test releases one by one. */
  function heldFetcher() {
    const held: { did: string; release: () => void }[] = [];
    const calls: string[] = [];
    return {
      held,
      calls,
      fetch: (location: DidWebLocation) => {
        calls.push(location.did);
        return new Promise<DidFetchOutcome>((resolve) => held.push({ did: location.did, release: () => resolve(serve(registryDidDocument(location.did, key1))) }));
      },
    };
  }
  const busy = { ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/too many DID documents at once/) }] };

  it('lets one host run 1 fetch and queue 2, so endless DIDs on it leave the pool to others', async () => {
    const fetcher = heldFetcher();
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock() });
    const flood = Array.from({ length: 50 }, (_, i) => resolver.resolve(`did:web:evil.example:u${i}`));
    await settle();
    expect(fetcher.calls).toEqual(['did:web:evil.example:u0']); // one at a time for that host
    const turnedAway = await Promise.all(flood.slice(3));
    expect(turnedAway.every((r) => !r.ok && /too many/.test(r.problems[0]!.detail))).toBe(true);
    // A legitimate DID on another host is fetched at once, not refused.
    const legit = resolver.resolve('did:web:acme.com');
    await settle();
    expect(fetcher.calls).toContain('did:web:acme.com');
    fetcher.held.find((h) => h.did === 'did:web:acme.com')!.release();
    expect(await legit).toMatchObject({ ok: true, value: { source: 'network' } });
    while (fetcher.held.some((h) => h.did.startsWith('did:web:evil'))) {
      fetcher.held.shift()!.release();
      await settle();
    }
    expect((await Promise.all(flood.slice(0, 3))).every((r) => r.ok)).toBe(true);
    expect(fetcher.calls.filter((d) => d.startsWith('did:web:evil'))).toHaveLength(3);
  });

  it('never turns a protected DID away: it waits, first in line, even when every slot and the queue are taken', async () => {
    const fetcher = heldFetcher();
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock(), maxConcurrentFetches: 2, maxQueuedFetches: 2, protected: ['did:web:issuer.example'] });
    const flood = Array.from({ length: 6 }, (_, i) => resolver.resolve(`did:web:evil${i}.example`));
    await settle();
    expect(fetcher.calls).toHaveLength(2);
    expect(await resolver.resolve('did:web:other.example')).toEqual(busy); // queue full: an ordinary DID fails at once
    const trusted = resolver.resolve('did:web:issuer.example');
    const kept = resolver.resolve('did:web:owner.example', { keep: true });
    await settle();
    fetcher.held.shift()!.release();
    await settle();
    fetcher.held.shift()!.release();
    await settle();
    expect(fetcher.calls.slice(2, 4).sort()).toEqual(['did:web:issuer.example', 'did:web:owner.example']); // ahead of the queued evil2, evil3
    for (const h of fetcher.held.splice(0)) h.release();
    expect(await trusted).toMatchObject({ ok: true });
    expect(await kept).toMatchObject({ ok: true });
    await settle();
    for (const h of fetcher.held.splice(0)) h.release();
    await Promise.all(flood);
    expect(resolver.isProtected('did:web:owner.example')).toBe(true);
  });

  it("evicts a host's own oldest documents first, and never a protected DID's", async () => {
    const clock = manualClock();
    const fetcher = { calls: 0, fetch: async (location: DidWebLocation) => (fetcher.calls++, serve(registryDidDocument(location.did, key1))) };
    const resolver = new CachingDidResolver({ fetcher, clock, memoryEntries: 10, maxEntriesPerHost: 3, protected: ['did:web:issuer.example'] });
    await resolver.resolve('did:web:issuer.example');
    await resolver.resolve('did:web:acme.com');
    await resolver.resolve('did:web:beta.example');
    for (let i = 0; i < 100; i++) await resolver.resolve(`did:web:evil.example:u${i}`);
    fetcher.calls = 0;
    for (const did of ['did:web:issuer.example', 'did:web:acme.com', 'did:web:beta.example', 'did:web:evil.example:u99', 'did:web:evil.example:u97']) {
      expect(await resolver.resolve(did, { fetch: false })).toMatchObject({ ok: true, value: { source: 'cache' } });
    }
    expect(await resolver.resolve('did:web:evil.example:u96', { fetch: false })).toMatchObject({ ok: false });
    // Many hosts: the overall cap evicts the oldest unprotected, never the protected one.
    for (let i = 0; i < 30; i++) await resolver.resolve(`did:web:h${i}.example`);
    expect(await resolver.resolve('did:web:issuer.example', { fetch: false })).toMatchObject({ ok: true, value: { source: 'cache' } });
    expect(await resolver.resolve('did:web:acme.com', { fetch: false })).toMatchObject({ ok: false });
    expect(fetcher.calls).toBe(30);
  });

  it('tells the persistent cache which DIDs to protect, and refuses to protect non-canonical or too many DIDs', () => {
    const told: string[] = [];
    const cache = { ...mapCache(), protect: (did: string) => void told.push(did) };
    const resolver = new CachingDidResolver({ fetcher: scriptedFetcher(down), clock: manualClock(), cache, maxProtected: 2, protected: ['did:web:a.example'] });
    expect(resolver.protect('did:web:B.example')).toBe(false);
    expect(resolver.protect('did:web:b.example')).toBe(true);
    expect(resolver.protect('did:web:c.example')).toBe(false); // over maxProtected
    expect(told).toEqual(['did:web:a.example', 'did:web:b.example']);
  });

  it('refuses non-canonical spellings of a DID instead of caching and fetching each', async () => {
    const fetcher = scriptedFetcher(serve(doc1));
    const resolver = new CachingDidResolver({ fetcher, clock: manualClock() });
    for (const variant of ['did:web:ACME.com', 'did:web:acme%2Ecom', 'did:web:acme.com%3A443', 'did:web:%61cme.com']) {
      expect(await resolver.resolve(variant)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/write it as did:web:acme\.com$/) }] });
    }
    expect(fetcher.calls).toHaveLength(0);
  });
});
