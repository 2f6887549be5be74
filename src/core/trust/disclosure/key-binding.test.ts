import { describe, expect, it } from 'vitest';
import type { Result } from '../../errors.js';
import { signRecord } from '../../record/signing.js';
import { testKey } from '../../test-support/agents.js';
import { registryDidDocument } from '../credentials/registry-did.js';
import { createIssuerKeyPair } from './issuer-keys.js';
import { boundRegistryDocument, checkDisclosureKeyBinding, createDisclosureKeyBinding } from './key-binding.js';

const DID = 'did:web:registry.example';
const registryKey = testKey(9);
const attackerEd25519 = testKey(2);
const genuine = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) });
const attacker = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(6) });
const served = registryDidDocument(DID, registryKey, { disclosureKey: genuine });
const binding = createDisclosureKeyBinding(DID, genuine, registryKey);

const codes = (result: Result<unknown>) => (result.ok ? [] : result.problems.map((p) => p.code));
const withAssertion = (...embedded: object[]) => ({ ...served, assertionMethod: [`${DID}#key-1`, ...embedded] });
const bbs = (publicKeyMultibase: string, overrides: object = {}) => ({ id: `${DID}#bbs-1`, type: 'Multikey', controller: DID, publicKeyMultibase, ...overrides });

describe('DisclosureKeyBinding', () => {
  it('is signed by the registry key over {type, v, issuer, keyId, publicKeyMultibase}', () => {
    expect(binding.payload).toEqual({ type: 'DisclosureKeyBinding', v: 1, issuer: DID, keyId: `${DID}#bbs-1`, publicKeyMultibase: genuine.publicKeyMultibase });
    expect(checkDisclosureKeyBinding(binding, registryKey.did)).toEqual({ ok: true, value: binding.payload });
    expect(codes(checkDisclosureKeyBinding(binding, attackerEd25519.did))).toEqual(['RECORD_SIGNATURE_INVALID']);
    expect(codes(checkDisclosureKeyBinding({ ...binding, extra: 1 }, registryKey.did))).toEqual(['RECORD_UNKNOWN_FIELD']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, keyId: `${DID}#bbs-2` }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
    expect(codes(checkDisclosureKeyBinding(signRecord({ ...binding.payload, publicKeyMultibase: 'z6Mkfoo' }, registryKey), registryKey.did))).toEqual(['RECORD_INVALID']);
  });
});

describe('boundRegistryDocument', () => {
  it('accepts the document the registry serves with its binding, and answers it rebuilt from the two keys', () => {
    expect(boundRegistryDocument(served, registryKey.did, binding)).toEqual({ ok: true, value: served });
    // Relative ids and extra members are fine; the answer carries only what the keys vouch for.
    const relative = { ...withAssertion(bbs(genuine.publicKeyMultibase, { id: '#bbs-1' })), service: [{ id: '#x', type: 'X', serviceEndpoint: 'https://evil.example' }] };
    expect(boundRegistryDocument(relative, registryKey.did, binding)).toEqual({ ok: true, value: served });
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
      ['a binding the attacker signed for its own key', withAssertion(bbs(attacker.publicKeyMultibase)), createDisclosureKeyBinding(DID, attacker, attackerEd25519)],
      ['a binding with its key swapped in', withAssertion(bbs(attacker.publicKeyMultibase)), { ...binding, payload: { ...binding.payload, publicKeyMultibase: attacker.publicKeyMultibase } }],
      ['a genuine binding of another registry did:web', registryDidDocument('did:web:other.example', registryKey, { disclosureKey: genuine }), binding],
      ['a document asserting with another referenced key', registryDidDocument(DID, attackerEd25519, { disclosureKey: attacker }), createDisclosureKeyBinding(DID, attacker, attackerEd25519)],
      ['a malformed binding', served, 'nonsense'],
    ];
    for (const [why, document, record] of cases) expect(codes(boundRegistryDocument(document, registryKey.did, record)), why).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(boundRegistryDocument({ assertionMethod: [] }, registryKey.did, binding))).toEqual(['DID_UNRESOLVABLE']);
  });
});
