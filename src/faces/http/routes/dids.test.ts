/**
 * GET /v1/dids/{did} answers what the registry holds and never makes it fetch (A6): anyone can call
 * it, so a fetch per call would be an SSRF probe and a way to fill the registry's disk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../../core/registry/registry.js';
import { manualClock, T0, testKey } from '../../../core/test-support/agents.js';
import { registryDidDocument } from '../../../core/trust/credentials/registry-did.js';
import { CachingDidResolver, type DidFetchOutcome } from '../../../core/trust/did-web/caching-did-resolver.js';
import type { DidWebLocation } from '../../../core/trust/did-web/did-web-url.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from '../server.js';

const ORG = 'did:web:acme.example';
const PINNED = 'did:web:pinned.example';
const orgKey = testKey(61);
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

async function setup(answer: DidFetchOutcome) {
  const clock = manualClock(T0);
  const fetched: string[] = [];
  const resolver = new CachingDidResolver({
    clock,
    pinned: [registryDidDocument(PINNED, orgKey)],
    fetcher: {
      fetch: async (location: DidWebLocation) => {
        fetched.push(location.url);
        return answer;
      },
    },
  });
  app = await buildHttpFace({ registry: new Registry({ store: new MemoryRecordStore(), key: testKey(9), clock }), clock, didResolver: resolver });
  const get = async (did: string) => {
    const response = await app.inject({ url: `/v1/dids/${encodeURIComponent(did)}` });
    return { status: response.statusCode, body: response.json() };
  };
  return { resolver, fetched, get, clock };
}

describe('GET /v1/dids/{did}', () => {
  it('never fetches: an unknown did:web is 503 DID_UNRESOLVABLE without a request; pins and did:key answer', async () => {
    const { fetched, get } = await setup({ kind: 'document', body: JSON.stringify(registryDidDocument(ORG, orgKey)) });
    for (const did of [ORG, 'did:web:127.0.0.1%3A9', 'did:web:169.254.169.254', ...Array.from({ length: 20 }, (_, i) => `did:web:evil.example:${i}`)]) {
      expect(await get(did)).toMatchObject({ status: 503, body: { code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/holds no document/) } });
    }
    expect(fetched).toEqual([]);
    expect(await get(PINNED)).toMatchObject({ status: 200, body: { did: PINNED, metadata: { source: 'pinned', stale: false } } });
    expect(await get(orgKey.did)).toMatchObject({ status: 200, body: { metadata: { source: 'computed' } } });
    expect(fetched).toEqual([]);
  });

  it('answers a document the registry fetched for its own reasons, from the cache', async () => {
    const { resolver, fetched, get } = await setup({ kind: 'document', body: JSON.stringify(registryDidDocument(ORG, orgKey)), cacheControl: 'max-age=600' });
    expect((await resolver.resolve(ORG)).ok).toBe(true); // e.g. a namespace owner's revocation was verified
    expect(await get(ORG)).toMatchObject({ status: 200, body: { document: { id: ORG }, metadata: { source: 'cache', stale: false, fetchedAt: new Date(T0).toISOString() } } });
    expect(fetched).toHaveLength(1);
  });

  it("answers a third party's broken document as 503 DID_UNRESOLVABLE, as every other route does (C4)", async () => {
    const { resolver, get } = await setup({ kind: 'document', body: JSON.stringify({ ...registryDidDocument(ORG, orgKey), id: 'did:web:evil.example' }) });
    const resolved = await resolver.resolve(ORG);
    expect(resolved).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/\(at \/id\)/) }] });
    expect((await get(ORG)).status).toBe(503);
  });

});
