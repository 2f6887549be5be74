import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDocumentLoader, DidUnresolvableError } from './document-loader.js';
import { auditorKey, REGISTRY_DID, registryDocument } from './test-support/fixtures.js';

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
});
