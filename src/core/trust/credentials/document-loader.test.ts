import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDocumentLoader, DidUnresolvableError } from './document-loader.js';
import { auditorKey, REGISTRY_DID, registryDocument, T0, utc, DAY, agentKey, AGENT_NAME } from './test-support/fixtures.js';
import { issueCertificationCredential, verifyCertificationCredential } from './certification-credential.js';
import { credentialSigner } from './registry-did.js';
import { toBase64Url } from '../encoding.js';
import { testKey } from '../../test-support/agents.js';
import { CachingDidResolver } from '../did-web/caching-did-resolver.js';
import { didDocumentLookup } from '../did-web/did-resolver.js';

const load = createDocumentLoader({ didDocuments: (did) => (did === REGISTRY_DID ? registryDocument : undefined) });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('offline document loader', () => {
  it.each([
    'https://www.w3.org/ns/credentials/v2',
    'https://www.w3.org/2018/credentials/v1',
    'https://www.w3.org/ns/credentials/undefined-terms/v2',
    'https://www.w3.org/ns/credentials/status/v1',
    'https://www.w3.org/ns/did/v1',
    'https://w3id.org/security/multikey/v1',
    'https://w3id.org/security/data-integrity/v2',
  ])('bundles %s', async (url) => {
    const { document, documentUrl } = await load(url);
    expect(documentUrl).toBe(url);
    expect(document).toHaveProperty('@context');
  });

  it('never fetches: an unknown URL is an error, and fetch is never called', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    await expect(load('https://example.com/context/v1')).rejects.toThrow(/never fetches/);
    await expect(load('https://registry.example/.well-known/did.json')).rejects.toThrow(/never fetches/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('resolves a did:key to an Ed25519 Multikey document and its one verification method', async () => {
    const fingerprint = auditorKey.did.slice('did:key:'.length);
    const { document } = await load(auditorKey.did);
    expect(document).toMatchObject({
      id: auditorKey.did,
      verificationMethod: [{ id: `${auditorKey.did}#${fingerprint}`, type: 'Multikey', controller: auditorKey.did, publicKeyMultibase: fingerprint }],
      assertionMethod: [`${auditorKey.did}#${fingerprint}`],
    });
    const method = (await load(`${auditorKey.did}#${fingerprint}`)).document;
    expect(method).toMatchObject({ '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', publicKeyMultibase: fingerprint });
  });

  it('hands out copies: a caller mutating a document does not change the next answer', async () => {
    const first = (await load(auditorKey.did)).document as { id: string };
    first.id = 'did:key:mutated';
    expect(((await load(auditorKey.did)).document as { id: string }).id).toBe(auditorKey.did);
  });

  it.each([
    ['an unknown did:web', 'did:web:unknown.example'],
    ['an unknown key of a known did:web', `${REGISTRY_DID}#key-2`],
    ['another fragment of a did:key', `${auditorKey.did}#z6MkOther`],
    ['a non-Ed25519 did:key', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'],
    ['another DID method', 'did:example:123'],
  ])('refuses %s with DidUnresolvableError', async (_what, url) => {
    const error = await load(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DidUnresolvableError);
    expect((error as DidUnresolvableError).code).toBe('DID_UNRESOLVABLE');
  });

  it('answers a did:web and its key from the injected lookup only', async () => {
    expect((await load(REGISTRY_DID)).document).toEqual(registryDocument);
    expect((await load(`${REGISTRY_DID}#key-1`)).document).toEqual({
      '@context': 'https://w3id.org/security/multikey/v1',
      ...registryDocument.verificationMethod[0],
    });
  });

  it('refuses a lookup that answers with the document of another DID', async () => {
    const miswired = createDocumentLoader({ didDocuments: () => registryDocument });
    await expect(miswired('did:web:other.example')).rejects.toBeInstanceOf(DidUnresolvableError);
  });

  it('resolves relative verification method ids and https controller documents', async () => {
    const controller = 'https://issuer.example/keys';
    const document = { id: controller, verificationMethod: [{ id: '#k', type: 'Multikey', publicKeyMultibase: 'z6Mk' }], assertionMethod: ['#k'] };
    const loader = createDocumentLoader({ controllerDocuments: (url) => (url === controller ? document : undefined) });
    expect((await loader(`${controller}#k`)).document).toMatchObject({ id: `${controller}#k`, controller });
  });

  it('accepts an asynchronous lookup', async () => {
    const asyncLoad = createDocumentLoader({ didDocuments: async (did) => (did === REGISTRY_DID ? registryDocument : undefined) });
    expect((await asyncLoad(REGISTRY_DID)).document).toEqual(registryDocument);
    await expect(asyncLoad('did:web:unknown.example')).rejects.toBeInstanceOf(DidUnresolvableError);
  });

  it('turns a failing lookup into DidUnresolvableError, keeping the reason', async () => {
    const broken = createDocumentLoader({ didDocuments: async () => Promise.reject(new Error('socket hang up')) });
    await expect(broken(REGISTRY_DID)).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE', message: expect.stringMatching(/socket hang up/) });
    const explained = createDocumentLoader({
      didDocuments: () => {
        throw new DidUnresolvableError('DID_DOCUMENT_INVALID: its id names another DID');
      },
    });
    await expect(explained(REGISTRY_DID)).rejects.toMatchObject({ message: 'DID_DOCUMENT_INVALID: its id names another DID' });
  });

  it('finds verification methods embedded in a relationship', async () => {
    const did = 'did:web:embedded.example';
    const document = { id: did, assertionMethod: [{ id: `${did}#k`, type: 'Multikey', controller: did, publicKeyMultibase: auditorKey.did.slice(8) }] };
    const loader = createDocumentLoader({ didDocuments: (url) => (url === did ? document : undefined) });
    expect((await loader(`${did}#k`)).document).toMatchObject({ id: `${did}#k`, publicKeyMultibase: auditorKey.did.slice(8) });
  });
});

describe('document loader over a DID resolver', () => {
  it('verifies a credential of a did:web organisation that publishes a JsonWebKey with relative ids', async () => {
    const did = 'did:web:acme.example';
    const key = testKey(60);
    // As an organisation might hand-write it: relative ids, JWK, no Multikey context.
    const published = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jwk/v1'],
      id: did,
      verificationMethod: [{ id: '#signing', type: 'JsonWebKey', controller: did, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(key.publicKey) } }],
      assertionMethod: ['#signing'],
    };
    const resolver = new CachingDidResolver({ fetcher: { fetch: async () => ({ kind: 'failed', problem: { code: 'DID_UNRESOLVABLE', detail: 'offline' } }) }, clock: { now: () => T0 }, pinned: [published] });
    const documentLoader = createDocumentLoader({ didDocuments: didDocumentLookup(resolver) });
    const keyId = `${did}#signing`;
    const credential = await issueCertificationCredential({
      issuer: { did, keyId, signer: credentialSigner(key, keyId) },
      subject: agentKey.did,
      agentName: AGENT_NAME,
      certification: { name: 'SOC2' },
      validFrom: utc(T0),
      validUntil: utc(T0 + 30 * DAY),
    });
    const options = { documentLoader, now: T0 + DAY, trustPolicy: { SOC2: [did] } };
    expect(await verifyCertificationCredential(credential, options)).toMatchObject({ verified: true });

    // Signed by another key under the same key id: refused.
    const impostor = await issueCertificationCredential({
      issuer: { did, keyId, signer: credentialSigner(testKey(61), keyId) },
      subject: agentKey.did,
      agentName: AGENT_NAME,
      certification: { name: 'SOC2' },
      validFrom: utc(T0),
      validUntil: utc(T0 + 30 * DAY),
    });
    expect(await verifyCertificationCredential(impostor, options)).toMatchObject({ verified: false, errors: [{ code: 'CREDENTIAL_INVALID' }] });

    // A DID the resolver cannot reach: DID_UNRESOLVABLE with the resolver's reason.
    const stranger = await issueCertificationCredential({
      issuer: { did: 'did:web:stranger.example', keyId: 'did:web:stranger.example#k', signer: credentialSigner(key, 'did:web:stranger.example#k') },
      subject: agentKey.did,
      agentName: AGENT_NAME,
      certification: { name: 'SOC2' },
      validFrom: utc(T0),
      validUntil: utc(T0 + 30 * DAY),
    });
    expect(await verifyCertificationCredential(stranger, { ...options, trustPolicy: { SOC2: ['did:web:stranger.example'] } })).toMatchObject({
      verified: false,
      errors: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/offline/) }],
    });
  });
});
