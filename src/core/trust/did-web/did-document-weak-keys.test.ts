/**
 * A DID document that lists a small-order or non-canonical Ed25519 key names a key anyone can sign
 * as: it is refused with KEY_WEAK wherever it comes from (validation, a fetch, the disk cache, a
 * pin), never cached, and such a key is never handed out as one of the DID's keys.
 */
import { describe, expect, it } from 'vitest';
import { problem } from '../../errors.js';
import { manualClock, testKey } from '../../test-support/agents.js';
import { WeakKeyError } from '../credentials/document-loader.js';
import { didKeyFromPublicKey } from '../did-key.js';
import { toBase64Url } from '../encoding.js';
import { CachingDidResolver, type CachedDidDocument, type DidDocumentCache } from './caching-did-resolver.js';
import { ed25519KeysOf, validateDidDocument } from './did-document.js';
import { didDocumentLookup } from './did-resolver.js';

const DID = 'did:web:acme.com';
const IDENTITY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);
/** y = p + 2: a non-canonical spelling (not of small order). */
const NON_CANONICAL = Uint8Array.from([0xef, ...new Array<number>(30).fill(0xff), 0x7f]);
const good = testKey(51);

function documentWith(method: Record<string, unknown>): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: DID,
    verificationMethod: [{ id: '#good', type: 'Multikey', controller: DID, publicKeyMultibase: good.did.slice('did:key:'.length) }, { id: '#key-1', controller: DID, ...method }],
    assertionMethod: ['#good', '#key-1'],
  };
}
const multikey = (raw: Uint8Array) => documentWith({ type: 'Multikey', publicKeyMultibase: didKeyFromPublicKey(raw).slice('did:key:'.length) });
const jwk = (raw: Uint8Array) => documentWith({ type: 'JsonWebKey', publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(raw) } });

const weakDocuments: [string, Record<string, unknown>, string][] = [
  ['a Multikey of the identity point', multikey(IDENTITY), '/verificationMethod/1/publicKeyMultibase'],
  ['a Multikey with y >= p', multikey(NON_CANONICAL), '/verificationMethod/1/publicKeyMultibase'],
  ['a JsonWebKey of the identity point', jwk(IDENTITY), '/verificationMethod/1/publicKeyJwk/x'],
  ['a JsonWebKey with y >= p', jwk(NON_CANONICAL), '/verificationMethod/1/publicKeyJwk/x'],
];

function mapCache(): DidDocumentCache & { entries: Map<string, CachedDidDocument> } {
  const entries = new Map<string, CachedDidDocument>();
  return {
    entries,
    get: async (did) => entries.get(did),
    set: async (entry) => void entries.set(entry.did, structuredClone(entry)),
    delete: async (did) => void entries.delete(did),
  };
}

describe('DID documents with a weak Ed25519 key', () => {
  it.each(weakDocuments)('refuses %s with KEY_WEAK at the key', (_what, document, pointer) => {
    const result = validateDidDocument(DID, document);
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer, detail: expect.stringContaining(`the DID document of ${DID} is refused`) })]);
  });

  it.each(weakDocuments)('never hands out %s as a key, even from a document nobody validated', (_what, document) => {
    expect(ed25519KeysOf(document, 'assertionMethod').map((k) => k.didKey)).toEqual([good.did]);
  });

  it.each(weakDocuments)('answers KEY_WEAK for %s fetched from the web, and caches nothing', async (_what, document) => {
    const cache = mapCache();
    const resolver = new CachingDidResolver({ clock: manualClock(), cache, fetcher: { fetch: async () => ({ kind: 'document', body: JSON.stringify(document), cacheControl: 'max-age=600' }) } });
    const result = await resolver.resolve(DID);
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ code: 'KEY_WEAK', detail: expect.stringMatching(/small-order|not canonically encoded/) })]);
    expect(cache.entries.size).toBe(0);
    // The credentials document loader hears the same: a weak key, not an unreachable DID.
    await expect(didDocumentLookup(resolver)(DID)).rejects.toBeInstanceOf(WeakKeyError);
  });

  it('drops a weak document found in the disk cache (stored before the rule) and asks the web again', async () => {
    const cache = mapCache();
    const clock = manualClock();
    cache.entries.set(DID, { did: DID, document: multikey(IDENTITY), fetchedAt: clock.now(), freshUntil: clock.now() + 600_000 });
    const asked: string[] = [];
    const resolver = new CachingDidResolver({
      clock,
      cache,
      fetcher: { fetch: async ({ did }) => (asked.push(did), { kind: 'failed', problem: problem('DID_UNRESOLVABLE', 'connection refused') }) },
    });
    expect(await resolver.resolve(DID)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
    expect(asked).toEqual([DID]);
    expect(cache.entries.has(DID)).toBe(false);
  });

  it('refuses to pin a weak document, and resolves a weak did:key to KEY_WEAK', async () => {
    const fetcher = { fetch: async () => ({ kind: 'failed' as const, problem: problem('DID_UNRESOLVABLE', 'never fetched') }) };
    expect(() => new CachingDidResolver({ clock: manualClock(), fetcher, pinned: [multikey(IDENTITY)] })).toThrow(/small-order point/);
    const resolver = new CachingDidResolver({ clock: manualClock(), fetcher });
    expect(resolver.pin(jwk(IDENTITY))).toMatchObject({ ok: false, problems: [{ code: 'KEY_WEAK', pointer: '/verificationMethod/1/publicKeyJwk/x' }] });
    expect(await resolver.resolve(didKeyFromPublicKey(IDENTITY))).toMatchObject({ ok: false, problems: [{ code: 'KEY_WEAK' }] });
  });
});
