import { describe, expect, it } from 'vitest';
import { testKey } from '../../test-support/agents.js';
import { registryDidDocument } from '../credentials/registry-did.js';
import { toBase64Url } from '../encoding.js';
import { DID_DOCUMENT_MAX_BYTES, didKeyDocument, ed25519KeysOf, parseDidDocument, validateDidDocument, type ResolvedDidDocument } from './did-document.js';

const DID = 'did:web:acme.com';
const signer = testKey(31);
const other = testKey(32);
const multibase = signer.did.slice('did:key:'.length);

/** A typical organisation document: relative ids, a Multikey, a JWK, and an X25519 key agreement key. */
function acmeDocument(): Record<string, any> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: DID,
    verificationMethod: [
      { id: '#key-1', type: 'Multikey', controller: DID, publicKeyMultibase: multibase },
      { id: `${DID}#jwk`, type: 'JsonWebKey', controller: DID, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(other.publicKey) } },
      { id: '#x25519', type: 'Multikey', controller: DID, publicKeyMultibase: 'z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc' },
    ],
    assertionMethod: ['#key-1', `${DID}#jwk`],
    authentication: ['#key-1'],
    keyAgreement: ['#x25519'],
    service: [{ id: '#agents', type: 'SignpostNamespace', serviceEndpoint: 'https://acme.com/agents' }],
  };
}

function codeOf(result: { ok: boolean; problems?: readonly { code: string; detail: string }[] }): string | undefined {
  return result.ok ? undefined : result.problems?.[0]?.code;
}

describe('validateDidDocument', () => {
  it('accepts a valid document and makes every id absolute', () => {
    const result = validateDidDocument(DID, acmeDocument());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.verificationMethod?.map((m) => m.id)).toEqual([`${DID}#key-1`, `${DID}#jwk`, `${DID}#x25519`]);
    expect(result.value.assertionMethod).toEqual([`${DID}#key-1`, `${DID}#jwk`]);
    expect(result.value.service).toEqual(acmeDocument().service); // other members pass through
  });

  it("accepts the registry's own document, with its embedded BLS12-381 disclosure key (unusable as Ed25519)", () => {
    const doc = registryDidDocument('did:web:127.0.0.1%3A8700', signer);
    expect(validateDidDocument(doc.id, doc).ok).toBe(true);
    const bls = 'zUC7EK3ZakmukHhuncwkbySmomv3FmrkmS36E4Ks5rsb6VQSRpoCrx6Hb8e2Nk6UvJFSdyw9NK1scFXJp21gNNYFjVWNgaqyGnkyhtagagCpQb5B7tagJu3HDbjQ8h5ypoHjwBb';
    const withBls = { ...doc, assertionMethod: [...doc.assertionMethod, { id: `${doc.id}#bbs-1`, type: 'Multikey', controller: doc.id, publicKeyMultibase: bls }] };
    const result = validateDidDocument(doc.id, withBls);
    expect(result.ok).toBe(true);
    expect(ed25519KeysOf(result.ok ? result.value : undefined, 'assertionMethod').map((k) => k.didKey)).toEqual([signer.did]);
  });

  it('hands out a frozen private copy: neither the input nor the answer can change the other', () => {
    const input = acmeDocument();
    const result = validateDidDocument(DID, input);
    if (!result.ok) throw new Error('expected a valid document');
    input.verificationMethod[0].publicKeyMultibase = 'z6MkChanged';
    expect(result.value.verificationMethod?.[0]?.publicKeyMultibase).toBe(multibase);
    expect(Object.isFrozen(result.value.verificationMethod?.[0])).toBe(true);
    expect(Object.isFrozen(input.verificationMethod[1].publicKeyJwk)).toBe(false);
  });

  const broken: [string, (d: Record<string, any>) => unknown, string][] = [
    ['not an object', () => [1, 2], '/'],
    ['another id (a server answering for another DID)', (d) => ({ ...d, id: 'did:web:evil.example' }), '/id'],
    ['no id', (d) => ({ ...d, id: undefined }), '/id'],
    ['a @context not starting with DID v1', (d) => ({ ...d, '@context': ['https://example.com/ctx'] }), '/@context'],
    ['a foreign document controller', (d) => ({ ...d, controller: 'did:web:evil.example' }), '/controller'],
    ['a method controlled by another DID', (d) => { d.verificationMethod[0].controller = 'did:web:evil.example'; return d; }, '/verificationMethod/0/controller'],
    ['a method without controller', (d) => { delete d.verificationMethod[0].controller; return d; }, '/verificationMethod/0/controller'],
    ['a method id of another DID', (d) => { d.verificationMethod[0].id = 'did:web:evil.example#key-1'; return d; }, '/verificationMethod/0/id'],
    ['a method id without fragment', (d) => { d.verificationMethod[0].id = DID; return d; }, '/verificationMethod/0/id'],
    ['a duplicated method id (relative and absolute)', (d) => { d.verificationMethod[1].id = `${DID}#key-1`; return d; }, '/verificationMethod/1/id'],
    ['a malformed z6Mk key', (d) => { d.verificationMethod[0].publicKeyMultibase = 'z6MkNotBase58!!'; return d; }, '/verificationMethod/0'],
    ['a truncated z6Mk key', (d) => { d.verificationMethod[0].publicKeyMultibase = multibase.slice(0, -4); return d; }, '/verificationMethod/0'],
    ['a Multikey without publicKeyMultibase', (d) => { delete d.verificationMethod[0].publicKeyMultibase; return d; }, '/verificationMethod/0'],
    ['a JWK with a 31-byte x', (d) => { d.verificationMethod[1].publicKeyJwk.x = toBase64Url(new Uint8Array(31)); return d; }, '/verificationMethod/1'],
    ['a JWK that publishes its private key', (d) => { d.verificationMethod[1].publicKeyJwk.d = toBase64Url(new Uint8Array(32)); return d; }, '/verificationMethod/1'],
    ['a dangling assertionMethod reference', (d) => ({ ...d, assertionMethod: ['#key-9'] }), '/assertionMethod/0'],
    ['a reference to a key of another DID', (d) => ({ ...d, assertionMethod: ['did:web:evil.example#key-1'] }), '/assertionMethod/0'],
    ['verificationMethod not an array', (d) => ({ ...d, verificationMethod: {} }), '/verificationMethod'],
    ['authentication not an array', (d) => ({ ...d, authentication: '#key-1' }), '/authentication'],
    ['alsoKnownAs with a number', (d) => ({ ...d, alsoKnownAs: [1] }), '/alsoKnownAs'],
    ['too many methods', (d) => ({ ...d, verificationMethod: Array.from({ length: 65 }, (_, i) => ({ id: `#k${i}`, type: 'Multikey', controller: DID, publicKeyMultibase: multibase })), assertionMethod: [], authentication: [] }), '/'],
  ];
  it.each(broken)('refuses %s with DID_DOCUMENT_INVALID', (_what, mutate, pointer) => {
    const result = validateDidDocument(DID, mutate(acmeDocument()));
    expect(codeOf(result)).toBe('DID_DOCUMENT_INVALID');
    if (!result.ok && pointer !== '/') expect(result.problems[0]?.pointer).toBe(pointer);
  });

  it('keeps keys of unknown types (they are simply not usable here)', () => {
    const doc = acmeDocument();
    doc.verificationMethod.push({ id: '#p256', type: 'EcdsaSecp256r1VerificationKey2019', controller: DID, publicKeyJwk: { kty: 'EC', crv: 'P-256' } });
    doc.assertionMethod.push('#p256');
    const result = validateDidDocument(DID, doc);
    expect(result.ok).toBe(true);
    expect(ed25519KeysOf(result.ok ? result.value : undefined, 'assertionMethod').map((k) => k.id)).toEqual([`${DID}#key-1`, `${DID}#jwk`]);
  });
});

describe('parseDidDocument', () => {
  it('parses bytes and text', () => {
    const text = JSON.stringify(acmeDocument());
    expect(parseDidDocument(DID, text).ok).toBe(true);
    expect(parseDidDocument(DID, new TextEncoder().encode(text)).ok).toBe(true);
  });

  it.each([
    ['malformed JSON', '{"id": "did:web:acme.com",'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['an oversized document', JSON.stringify({ ...acmeDocument(), padding: 'x'.repeat(DID_DOCUMENT_MAX_BYTES) })],
    ['a member named twice (two verifiers could read two documents)', JSON.stringify(acmeDocument()).replace('"id":', '"id":"did:web:evil.example","id":')],
    ['nesting 10,000 levels deep (was a stack overflow in structuredClone)', JSON.stringify({ ...acmeDocument(), deep: 0 }).replace('"deep":0', `"deep":${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
  ])('refuses %s with DID_DOCUMENT_INVALID', (_what, body) => {
    expect(codeOf(parseDidDocument(DID, body))).toBe('DID_DOCUMENT_INVALID');
  });
});

describe('ed25519KeysOf', () => {
  const valid = validateDidDocument(DID, acmeDocument());
  const document = valid.ok ? valid.value : ({} as ResolvedDidDocument);

  it('gives the raw keys of a relationship, by absolute id, with their did:key', () => {
    expect(ed25519KeysOf(document, 'assertionMethod')).toEqual([
      { id: `${DID}#key-1`, publicKey: signer.publicKey, didKey: signer.did },
      { id: `${DID}#jwk`, publicKey: other.publicKey, didKey: other.did },
    ]);
    expect(ed25519KeysOf(document, 'authentication').map((k) => k.didKey)).toEqual([signer.did]);
    expect(ed25519KeysOf(document, 'capabilityInvocation')).toEqual([]);
    // an X25519 key agreement key is not an Ed25519 signing key
    expect(ed25519KeysOf(document, 'keyAgreement')).toEqual([]);
  });

  it('counts embedded methods of the relationship only', () => {
    const doc = { ...acmeDocument(), assertionMethod: [{ id: '#embedded', type: 'Multikey', controller: DID, publicKeyMultibase: other.did.slice(8) }] };
    const result = validateDidDocument(DID, doc);
    expect(ed25519KeysOf(result.ok ? result.value : undefined, 'assertionMethod')).toEqual([{ id: `${DID}#embedded`, publicKey: other.publicKey, didKey: other.did }]);
    expect(ed25519KeysOf(result.ok ? result.value : undefined, 'authentication').map((k) => k.id)).toEqual([`${DID}#key-1`]);
  });

  it('never throws and finds nothing in garbage or foreign-controlled methods', () => {
    for (const garbage of [undefined, null, 42, 'did:web:acme.com', {}, { id: DID, assertionMethod: 'x' }, { id: DID, assertionMethod: [null, 7, {}] }]) {
      expect(ed25519KeysOf(garbage, 'assertionMethod')).toEqual([]);
    }
    const foreign = { id: DID, verificationMethod: [{ id: '#k', type: 'Multikey', controller: 'did:web:evil.example', publicKeyMultibase: multibase }], assertionMethod: ['#k'] };
    expect(ed25519KeysOf(foreign, 'assertionMethod')).toEqual([]);
  });

  it('works on computed did:key documents', () => {
    const doc = didKeyDocument(signer.did);
    expect(ed25519KeysOf(doc, 'assertionMethod')).toEqual([{ id: `${signer.did}#${multibase}`, publicKey: signer.publicKey, didKey: signer.did }]);
    expect(validateDidDocument(signer.did, doc).ok).toBe(true);
    expect(didKeyDocument('did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme')).toBeUndefined();
  });
});
