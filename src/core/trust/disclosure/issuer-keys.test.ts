import { describe, expect, it } from 'vitest';
import { signingKeyToJwk } from '../ed25519.js';
import { testKey } from '../../test-support/agents.js';
import { blsDidKeyDocument, createDisclosureDocumentLoader } from './document-loader.js';
import {
  createIssuerKeyPair,
  exportIssuerKeyPair,
  importIssuerKeyPair,
  isBlsDidKey,
  issuerDidDocument,
  issuerVerificationMethod,
} from './issuer-keys.js';
import { issuerKey } from './test-support/fixtures.js';

const seed = new Uint8Array(32).fill(7);

describe('issuer keys', () => {
  it('a seed gives one BLS12-381 G2 key, named by its did:key by default', async () => {
    const again = await createIssuerKeyPair({ seed });
    expect(again.publicKeyMultibase).toBe(issuerKey.publicKeyMultibase);
    expect(issuerKey.publicKeyMultibase).toMatch(/^zUC7/);
    expect(issuerKey.controller).toBe(`did:key:${issuerKey.publicKeyMultibase}`);
    expect(issuerKey.keyId).toBe(`${issuerKey.controller}#${issuerKey.publicKeyMultibase}`);
    expect(isBlsDidKey(issuerKey.controller)).toBe(true);
    expect(isBlsDidKey(testKey(1).did)).toBe(false);
    expect((await createIssuerKeyPair({ seed: new Uint8Array(32).fill(8) })).publicKeyMultibase).not.toBe(issuerKey.publicKeyMultibase);
  });

  it('takes a controller DID and key id', async () => {
    const keyPair = await createIssuerKeyPair({ seed, controller: 'did:web:certs.acme.com', keyId: 'did:web:certs.acme.com#bbs-1' });
    expect(issuerVerificationMethod(keyPair)).toEqual({
      id: 'did:web:certs.acme.com#bbs-1',
      type: 'Multikey',
      controller: 'did:web:certs.acme.com',
      publicKeyMultibase: issuerKey.publicKeyMultibase,
    });
    expect(issuerDidDocument(keyPair).assertionMethod).toEqual(['did:web:certs.acme.com#bbs-1']);
    expect((await createIssuerKeyPair({ seed, controller: 'did:web:certs.acme.com' })).keyId).toBe(`did:web:certs.acme.com#${issuerKey.publicKeyMultibase}`);
  });

  it('refuses names that do not fit the key', async () => {
    await expect(createIssuerKeyPair({ seed: new Uint8Array(31) })).rejects.toThrow(RangeError);
    await expect(createIssuerKeyPair({ seed, controller: 'https://certs.acme.com' })).rejects.toThrow(TypeError);
    await expect(createIssuerKeyPair({ seed, controller: 'did:web:a.example', keyId: 'did:web:b.example#k' })).rejects.toThrow(TypeError);
    await expect(createIssuerKeyPair({ seed, controller: testKey(1).did })).rejects.toThrow(TypeError);
    await expect(createIssuerKeyPair({ seed, keyId: `${issuerKey.controller}#key-1` })).rejects.toThrow(TypeError);
  });

  it('never shows the secret key except in the key file export', async () => {
    const file = exportIssuerKeyPair(issuerKey);
    expect(Object.keys(file).sort()).toEqual(['@context', 'controller', 'id', 'publicKeyMultibase', 'secretKeyMultibase', 'type']);
    expect(file.secretKeyMultibase).toMatch(/^z488/); // multicodec bls12_381-g2-priv
    expect(JSON.stringify(issuerKey)).not.toContain(file.secretKeyMultibase);
    expect(JSON.stringify(issuerKey.signer())).not.toContain(file.secretKeyMultibase);
    expect(JSON.stringify(issuerVerificationMethod(issuerKey))).not.toContain('secret');
  });

  it('a key file round-trips', async () => {
    const file = exportIssuerKeyPair(issuerKey);
    const imported = await importIssuerKeyPair(JSON.parse(JSON.stringify(file)));
    if (!imported.ok) throw new Error(JSON.stringify(imported.problems));
    expect(imported.value.keyId).toBe(issuerKey.keyId);
    expect(exportIssuerKeyPair(imported.value)).toEqual(file);
    const message = new TextEncoder().encode('m');
    const sign = (key: typeof issuerKey) => key.signer().multisign({ header: new Uint8Array(), messages: [message] });
    expect(Buffer.from(await sign(imported.value))).toEqual(Buffer.from(await sign(issuerKey))); // BBS signing is deterministic
  });

  it('import refuses anything but a matching BLS12-381 key file (KEY_FILE_INVALID)', async () => {
    const file = exportIssuerKeyPair(issuerKey);
    const other = exportIssuerKeyPair(await createIssuerKeyPair({ seed: new Uint8Array(32).fill(8) }));
    const ed25519 = signingKeyToJwk(testKey(1), new Uint8Array(32).fill(1));
    const candidates: unknown[] = [
      null,
      'key',
      ed25519,
      { ...file, type: 'JsonWebKey' },
      { ...file, secretKeyMultibase: undefined },
      { ...file, secretKeyMultibase: other.secretKeyMultibase },
      { ...file, secretKeyMultibase: 'z1111' },
      { ...file, publicKeyMultibase: testKey(1).did.slice('did:key:'.length) },
      { ...file, controller: 'did:web:other.example' },
      { ...file, id: `${file.controller}#key-1` },
    ];
    for (const candidate of candidates) {
      const result = await importIssuerKeyPair(candidate);
      expect(result.ok ? [] : result.problems.map((p) => p.code), JSON.stringify(candidate)?.slice(0, 60)).toEqual(['KEY_FILE_INVALID']);
    }
  });

  it('the disclosure loader resolves BLS did:key documents and their one key, and still serves the rest', async () => {
    const loader = createDisclosureDocumentLoader();
    const document = (await loader(issuerKey.controller)).document as Record<string, unknown>;
    expect(document.assertionMethod).toEqual([issuerKey.keyId]);
    expect((await loader(issuerKey.keyId)).document).toEqual({ '@context': 'https://w3id.org/security/multikey/v1', ...issuerVerificationMethod(issuerKey) });
    await expect(loader(`${issuerKey.controller}#key-2`)).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    await expect(loader('did:key:zUC7notakey')).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    expect(() => blsDidKeyDocument(testKey(1).did)).toThrow();
    expect((await loader(testKey(1).did)).document).toMatchObject({ id: testKey(1).did });
    expect((await loader('https://www.w3.org/ns/credentials/v2')).document).toHaveProperty('@context');
    await expect(loader('https://example.com/context')).rejects.toThrow();
  });
});
