import { describe, expect, it } from 'vitest';
import type { Result } from '../../errors.js';
import { formatUtcSeconds } from '../../record/agent-addr.js';
import { signRecord } from '../../record/signing.js';
import { testKey } from '../../test-support/agents.js';
import { registryDidDocument } from '../credentials/registry-did.js';
import { createIssuerKeyPair } from './issuer-keys.js';
import { boundRegistryDocument, checkDisclosureKeyBinding, createDisclosureKeyBinding, DISCLOSURE_KEY_BINDING_SKEW_MS, DISCLOSURE_KEY_BINDING_VALIDITY_MS } from './key-binding.js';

const DID = 'did:web:registry.example';
const registryKey = testKey(9);
const attackerEd25519 = testKey(2);
const genuine = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) });
const attacker = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(6) });
const served = registryDidDocument(DID, registryKey, { disclosureKey: genuine });
const SIGNED = Date.UTC(2026, 0, 1);
const NOW = SIGNED + 3600_000;
const DAY = 86_400_000;
const binding = createDisclosureKeyBinding(DID, genuine, registryKey, SIGNED);

const codes = (result: Result<unknown>) => (result.ok ? [] : result.problems.map((p) => p.code));
const withAssertion = (...embedded: object[]) => ({ ...served, assertionMethod: [`${DID}#key-1`, ...embedded] });
const bbs = (publicKeyMultibase: string, overrides: object = {}) => ({ id: `${DID}#bbs-1`, type: 'Multikey', controller: DID, publicKeyMultibase, ...overrides });

describe('DisclosureKeyBinding', () => {
  it('is signed by the registry key over {type, v, issuer, keyId, publicKeyMultibase, validFrom, validUntil}', () => {
    expect(binding.payload).toEqual({
      type: 'DisclosureKeyBinding',
      v: 1,
      issuer: DID,
      keyId: `${DID}#bbs-1`,
      publicKeyMultibase: genuine.publicKeyMultibase,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2026-01-08T00:00:00Z',
    });
    expect(checkDisclosureKeyBinding(binding, registryKey.did)).toEqual({ ok: true, value: binding.payload });
    expect(codes(checkDisclosureKeyBinding(binding, attackerEd25519.did))).toEqual(['RECORD_SIGNATURE_INVALID']);
    expect(codes(checkDisclosureKeyBinding({ ...binding, extra: 1 }, registryKey.did))).toEqual(['RECORD_UNKNOWN_FIELD']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, keyId: `${DID}#bbs-2` }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, publicKeyMultibase: 'z6Mkfoo' }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    // No validity (the old, timeless binding), a validity longer than 7 days, or reversed dates.
    const { validFrom: _from, validUntil: _until, ...timeless } = binding.payload;
    expect(codes(checkDisclosureKeyBinding(signRecord(timeless, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, validUntil: formatUtcSeconds(SIGNED + 7 * DAY + 1000) }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, validUntil: binding.payload.validFrom }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, validFrom: '2026-01-01' }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    expect(() => createDisclosureKeyBinding(DID, genuine, registryKey, SIGNED, DISCLOSURE_KEY_BINDING_VALIDITY_MS + 1000)).toThrow(RangeError);
  });

  it('a registry with a long public URL can sign a binding clients accept', () => {
    const longDid = `did:web:registry.example:${'segment:'.repeat(100)}end`;
    expect(longDid.length).toBeGreaterThan(512);
    const document = registryDidDocument(longDid, registryKey, { disclosureKey: genuine });
    expect(boundRegistryDocument(document, registryKey.did, createDisclosureKeyBinding(longDid, genuine, registryKey, SIGNED), NOW)).toEqual({ ok: true, value: document });
  });
});

describe('boundRegistryDocument', () => {
  it('accepts the document the registry serves with its binding, and answers it rebuilt from the two keys', () => {
    expect(boundRegistryDocument(served, registryKey.did, binding, NOW)).toEqual({ ok: true, value: served });
    // Relative ids and extra members are fine; the answer carries only what the keys vouch for.
    const relative = { ...withAssertion(bbs(genuine.publicKeyMultibase, { id: '#bbs-1' })), service: [{ id: '#x', type: 'X', serviceEndpoint: 'https://evil.example' }] };
    expect(boundRegistryDocument(relative, registryKey.did, binding, NOW)).toEqual({ ok: true, value: served });
  });

  it('refuses, with ISSUER_UNTRUSTED, every document a man in the middle could hand over', () => {
    const cases: [string, unknown, unknown][] = [
      ["the genuine #key-1 with the attacker's #bbs-1 (the forgery that passed before)", withAssertion(bbs(attacker.publicKeyMultibase)), binding],
      ['the genuine #bbs-1 plus a second embedded BLS key', withAssertion(bbs(genuine.publicKeyMultibase), bbs(attacker.publicKeyMultibase, { id: `${DID}#bbs-2` })), binding],
      ['the genuine #bbs-1 plus an embedded Ed25519 key', withAssertion(bbs(genuine.publicKeyMultibase), { id: `${DID}#key-2`, type: 'Multikey', controller: DID, publicKeyMultibase: attackerEd25519.did.slice(8) }), binding],
      ['the genuine key under another controller', withAssertion(bbs(genuine.publicKeyMultibase, { controller: 'did:web:evil.example' })), binding],
      ['the genuine key under another id', withAssertion(bbs(genuine.publicKeyMultibase, { id: `${DID}#bbs-2` })), binding],
      ['no embedded key at all', withAssertion(), binding],
      ['no binding', served, undefined],
      ['a binding the attacker signed for its own key', withAssertion(bbs(attacker.publicKeyMultibase)), createDisclosureKeyBinding(DID, attacker, attackerEd25519, SIGNED)],
      ['a binding with its key swapped in', withAssertion(bbs(attacker.publicKeyMultibase)), { ...binding, payload: { ...binding.payload, publicKeyMultibase: attacker.publicKeyMultibase } }],
      ['a genuine binding of another registry did:web', registryDidDocument('did:web:other.example', registryKey, { disclosureKey: genuine }), binding],
      ['a document asserting with another referenced key', registryDidDocument(DID, attackerEd25519, { disclosureKey: attacker }), createDisclosureKeyBinding(DID, attacker, attackerEd25519, SIGNED)],
      ['a malformed binding', served, 'nonsense'],
    ];
    for (const [why, document, record] of cases) expect(codes(boundRegistryDocument(document, registryKey.did, record, NOW)), why).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(boundRegistryDocument({ assertionMethod: [] }, registryKey.did, binding, NOW))).toEqual(['DID_UNRESOLVABLE']);
  });

  it('accepts a binding only within its validity, with 5 minutes of clock skew at both ends', () => {
    const from = SIGNED;
    const until = SIGNED + DISCLOSURE_KEY_BINDING_VALIDITY_MS;
    const at = (nowMs: number) => codes(boundRegistryDocument(served, registryKey.did, binding, nowMs));
    expect(at(from)).toEqual([]);
    expect(at(from - DISCLOSURE_KEY_BINDING_SKEW_MS)).toEqual([]);
    expect(at(until + DISCLOSURE_KEY_BINDING_SKEW_MS - 1)).toEqual([]);
    // Not yet valid: signed for later (or this clock is far behind).
    expect(at(from - DISCLOSURE_KEY_BINDING_SKEW_MS - 1000)).toEqual(['ISSUER_UNTRUSTED']);
    // Expired: the replay of an old binding (e.g. of a BLS key since replaced because it leaked).
    expect(at(until + DISCLOSURE_KEY_BINDING_SKEW_MS)).toEqual(['ISSUER_UNTRUSTED']);
    expect(at(until + 30 * DAY)).toEqual(['ISSUER_UNTRUSTED']);
    expect(at(Number.NaN)).toEqual(['ISSUER_UNTRUSTED']);
    const expired = boundRegistryDocument(served, registryKey.did, binding, until + DAY);
    expect(expired.ok ? '' : expired.problems[0]?.detail).toContain('expired at 2026-01-08T00:00:00Z');
    const early = boundRegistryDocument(served, registryKey.did, createDisclosureKeyBinding(DID, genuine, registryKey, NOW + DAY), NOW);
    expect(early.ok ? '' : early.problems[0]?.detail).toContain('not valid before');
  });

  it('accepts an embedded #bbs-1 without a controller (read as the document id)', () => {
    const { controller: _controller, ...uncontrolled } = bbs(genuine.publicKeyMultibase);
    expect(boundRegistryDocument(withAssertion(uncontrolled), registryKey.did, binding, NOW)).toEqual({ ok: true, value: served });
    expect(codes(boundRegistryDocument(withAssertion(bbs(genuine.publicKeyMultibase, { controller: null })), registryKey.did, binding, NOW))).toEqual(['ISSUER_UNTRUSTED']);
  });

  it('answers a result, never throws, for null, number, list or string entries anywhere in the document', () => {
    const junk: unknown[] = [null, 0, 42, [], [null], ['x'], '', true, {}];
    const documents: unknown[] = [...junk, { ...served, assertionMethod: null }, { ...served, assertionMethod: {} }, { ...served, assertionMethod: 'x' }];
    for (const value of junk) {
      documents.push(withAssertion(value as object));
      documents.push(withAssertion(bbs(genuine.publicKeyMultibase), value as object));
      documents.push({ ...served, assertionMethod: [value, `${DID}#key-1`, bbs(genuine.publicKeyMultibase)] });
      documents.push({ ...served, verificationMethod: [value, ...served.verificationMethod] });
      documents.push({ ...served, verificationMethod: value });
      documents.push({ ...served, id: value });
      documents.push(withAssertion(bbs(genuine.publicKeyMultibase, { id: value })));
      documents.push(withAssertion(bbs(genuine.publicKeyMultibase, { publicKeyMultibase: value })));
    }
    const bindings: unknown[] = [binding, ...junk, { ...binding, payload: null }, { payload: binding.payload, sig: 7 }];
    for (const document of documents) {
      for (const record of bindings) {
        const result = boundRegistryDocument(document, registryKey.did, record, NOW);
        expect(typeof result.ok, JSON.stringify(document)).toBe('boolean');
      }
    }
    // The attack the review found: the genuine binding next to a null entry is refused, not a crash.
    const nullEntry = boundRegistryDocument({ ...served, assertionMethod: [`${DID}#key-1`, null] }, registryKey.did, binding, NOW);
    expect(nullEntry.ok ? '' : nullEntry.problems[0]?.detail).toContain('neither a reference nor a verification method');
    expect(codes(boundRegistryDocument({ ...served, assertionMethod: [`${DID}#key-1`, null] }, registryKey.did, binding, NOW))).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(boundRegistryDocument({ ...served, assertionMethod: [`${DID}#key-1`, bbs(genuine.publicKeyMultibase), null] }, registryKey.did, binding, NOW))).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(boundRegistryDocument({ ...served, assertionMethod: [`${DID}#key-1`, bbs(genuine.publicKeyMultibase), 3] }, registryKey.did, binding, NOW))).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(boundRegistryDocument({ ...served, assertionMethod: [`${DID}#key-1`, [bbs(genuine.publicKeyMultibase)]] }, registryKey.did, binding, NOW))).toEqual(['ISSUER_UNTRUSTED']);
  });
});
