import { didUrlToHttpsUrl, httpsUrlToDidUrl } from '@digitalbazaar/did-method-web';
import { describe, expect, it } from 'vitest';
import { signingKeyFromSeed, signingKeyToJwk } from '../ed25519.js';
import { issueFactsCredential, verifyFactsCredential } from './facts-credential.js';
import { createIssuerKeyPair } from '../disclosure/issuer-keys.js';
import { createDocumentLoader } from './document-loader.js';
import { credentialSigner, didDocumentPath, didWebFromUrl, multikeyFromJwk, pinnedRegistryDocument, registryDidDocument, registryDisclosureKeyId, registryKeyId } from './registry-did.js';
import { DAY, documentLoader, factsInput, REGISTRY_DID, registryKey, T0 } from './test-support/fixtures.js';

describe('did:web of the registry', () => {
  it.each([
    ['http://127.0.0.1:8700', 'did:web:127.0.0.1%3A8700'],
    ['http://127.0.0.1:8700/', 'did:web:127.0.0.1%3A8700'],
    ['https://registry.acme.com', 'did:web:registry.acme.com'],
    ['https://Registry.ACME.com:443/', 'did:web:registry.acme.com'],
    ['https://acme.com/signpost/v1/', 'did:web:acme.com:signpost:v1'],
    ['https://acme.com/a%20b/x:y', 'did:web:acme.com:a%20b:x%3Ay'],
    ["https://acme.com/~team/(beta)!*'", 'did:web:acme.com:%7Eteam:%28beta%29%21%2A%27'],
    ['http://[::1]:8700', 'did:web:%5B%3A%3A1%5D%3A8700'],
  ])('%s is %s', (url, did) => {
    expect(didWebFromUrl(url)).toBe(did);
  });

  it('agrees with did-method-web for https URLs, both ways', () => {
    for (const url of ['https://registry.acme.com', 'https://acme.com/signpost/v1', 'https://localhost:8443']) {
      const did = didWebFromUrl(url);
      expect(did).toBe(httpsUrlToDidUrl(url).did);
      expect(didUrlToHttpsUrl(did).fullUrl).toBe(new URL(didDocumentPath(url), url).href);
    }
  });

  it('serves the document at /.well-known/did.json, or <path>/did.json under a path', () => {
    expect(didDocumentPath('http://127.0.0.1:8700')).toBe('/.well-known/did.json');
    expect(didDocumentPath('https://acme.com/signpost/')).toBe('/signpost/did.json');
  });

  it('refuses URLs did:web cannot express', () => {
    for (const url of ['ftp://acme.com', 'https://acme.com/?q=1', 'https://acme.com/#x', 'https://user:pw@acme.com', 'not a url']) {
      expect(() => didWebFromUrl(url)).toThrow(TypeError);
    }
  });

  it('has one Multikey, the same bytes as the registry did:key, for assertion and authentication', () => {
    const document = registryDidDocument(REGISTRY_DID, registryKey);
    const keyId = registryKeyId(REGISTRY_DID);
    expect(document).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: REGISTRY_DID,
      alsoKnownAs: [registryKey.did],
      verificationMethod: [{ id: keyId, type: 'Multikey', controller: REGISTRY_DID, publicKeyMultibase: registryKey.did.slice('did:key:'.length) }],
      assertionMethod: [keyId],
      authentication: [keyId],
    });
    expect(document.verificationMethod[0]?.publicKeyMultibase).toMatch(/^z6Mk/);
  });

  it('with a disclosure key, embeds the BLS12-381 key #bbs-1 in assertionMethod only; the Ed25519 part is unchanged', async () => {
    const blsKey = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(3) });
    const plain = registryDidDocument(REGISTRY_DID, registryKey);
    const document = registryDidDocument(REGISTRY_DID, registryKey, { disclosureKey: blsKey });
    const bbs = { id: `${REGISTRY_DID}#bbs-1`, type: 'Multikey', controller: REGISTRY_DID, publicKeyMultibase: blsKey.publicKeyMultibase };
    expect(registryDisclosureKeyId(REGISTRY_DID)).toBe(bbs.id);
    expect(document).toEqual({ ...plain, assertionMethod: [registryKeyId(REGISTRY_DID), bbs] });
    expect(bbs.publicKeyMultibase).toMatch(/^zUC7/);
    // Embedded, so the only referenced (and the only authenticating) key stays the registry's Ed25519 key.
    expect(document.verificationMethod).toEqual(plain.verificationMethod);
    expect(document.authentication).toEqual([registryKeyId(REGISTRY_DID)]);
    // Facts credentials still verify against the document with the embedded key.
    const loader = createDocumentLoader({ didDocuments: (d) => (d === REGISTRY_DID ? document : undefined) });
    const vc = await issueFactsCredential(factsInput);
    expect((await verifyFactsCredential(vc, { documentLoader: loader, now: T0 + DAY, trustedIssuers: [REGISTRY_DID] })).errors).toEqual([]);
  });
});

describe('signers', () => {
  it('the Digital Bazaar Multikey signer from our JWK signs exactly what our own signer signs', async () => {
    const seed = new Uint8Array(32).fill(9);
    const keyPair = await multikeyFromJwk(signingKeyToJwk(registryKey, seed), { controller: REGISTRY_DID, id: registryKeyId(REGISTRY_DID) });
    expect(keyPair.publicKeyMultibase).toBe(registryKey.did.slice('did:key:'.length));
    const viaLibrary = await issueFactsCredential({ ...factsInput, issuer: { did: REGISTRY_DID, keyId: registryKeyId(REGISTRY_DID), signer: keyPair.signer() } });
    expect(viaLibrary).toEqual(await issueFactsCredential(factsInput));
    expect((await verifyFactsCredential(viaLibrary, { documentLoader, now: T0 + DAY, trustedIssuers: [REGISTRY_DID] })).verified).toBe(true);
  });

  it('refuses an issuer whose signer names another key', async () => {
    const wrong = { ...factsInput.issuer, signer: credentialSigner(registryKey, `${REGISTRY_DID}#key-2`) };
    await expect(issueFactsCredential({ ...factsInput, issuer: wrong })).rejects.toThrow(/key-2/);
  });
});

describe('pinnedRegistryDocument', () => {
  const didWeb = 'did:web:registry.example';
  const other = signingKeyFromSeed(new Uint8Array(32).fill(4));

  it('answers the document rebuilt from the pinned key only: an embedded method never reaches a loader', async () => {
    const bls = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) });
    const served = registryDidDocument(didWeb, registryKey, { disclosureKey: bls });
    // A man in the middle embeds an Ed25519 key of its own next to the genuine #key-1.
    const withExtra = {
      ...served,
      assertionMethod: [...served.assertionMethod, { id: `${didWeb}#key-2`, type: 'Multikey', controller: didWeb, publicKeyMultibase: other.did.slice('did:key:'.length) }],
    };
    for (const document of [served, withExtra]) expect(pinnedRegistryDocument(document, registryKey.did)).toEqual({ ok: true, value: registryDidDocument(didWeb, registryKey) });
  });

  it('refuses a document asserting with another referenced key, or not a did:web document', () => {
    const codes = (r: { ok: boolean; problems?: readonly { code: string }[] }) => (r.ok ? [] : r.problems!.map((p) => p.code));
    expect(codes(pinnedRegistryDocument(registryDidDocument(didWeb, other), registryKey.did))).toEqual(['ISSUER_UNTRUSTED']);
    const dangling = { ...registryDidDocument(didWeb, registryKey), assertionMethod: [`${didWeb}#key-1`, `${didWeb}#key-9`] };
    expect(codes(pinnedRegistryDocument(dangling, registryKey.did))).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(pinnedRegistryDocument({ ...registryDidDocument(didWeb, registryKey), assertionMethod: [] }, registryKey.did))).toEqual(['ISSUER_UNTRUSTED']);
    for (const document of [null, 'x', {}, { id: 'did:key:z6Mk' }]) expect(codes(pinnedRegistryDocument(document, registryKey.did))).toEqual(['DID_UNRESOLVABLE']);
    expect(codes(pinnedRegistryDocument(registryDidDocument(didWeb, registryKey), 'did:web:x'))).toEqual(['REQUEST_INVALID']);
  });
});
