/**
 * The W3C eddsa-jcs-2022 test vectors (test-vectors/SOURCE.md): our verification accepts the W3C
 * signed credential, and signing the W3C unsigned credential with the W3C key and proof options
 * reproduces the W3C proofValue exactly (Ed25519 is deterministic).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromBase58 } from '../encoding.js';
import { signingKeyFromSeed } from '../ed25519.js';
import { canonicalText } from '../jcs.js';
import { createDocumentLoader } from './document-loader.js';
import { signCredential, verifyDataIntegrityCredential } from './proof.js';
import { credentialSigner } from './registry-did.js';
import { flipChar, tamper } from './test-support/fixtures.js';

const vector = (name: string) => readFileSync(new URL(`./test-vectors/eddsa-jcs-2022/${name}`, import.meta.url), 'utf8');
const signed = JSON.parse(vector('signedJCS.json')) as Record<string, unknown> & { proof: Record<string, unknown> };
const proofConfig = JSON.parse(vector('proofConfigJCS.json')) as Record<string, unknown>;
const keyPair = JSON.parse(vector('keyPair.json')) as { publicKeyMultibase: string; privateKeyMultibase: string };
const { proof: _proof, ...unsigned } = signed;

const ISSUER = 'https://vc.example/issuers/5678';
const KEY_ID = `${ISSUER}#${keyPair.publicKeyMultibase}`;
/** The issuer's controller document: the vectors name an https issuer, which our loader takes only from an injected lookup. */
const controllerDocument = {
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: ISSUER,
  verificationMethod: [{ id: KEY_ID, type: 'Multikey', controller: ISSUER, publicKeyMultibase: keyPair.publicKeyMultibase }],
  assertionMethod: [KEY_ID],
};
const documentLoader = createDocumentLoader({ controllerDocuments: (url) => (url === ISSUER ? controllerDocument : undefined) });
const now = Date.UTC(2024, 0, 1);

/** multibase z + multicodec ed25519-priv (0x1300 as the varint 0x80 0x26) + the 32-byte seed. */
function seedOf(privateKeyMultibase: string): Uint8Array {
  const bytes = fromBase58(privateKeyMultibase.slice(1));
  if (bytes === undefined || bytes[0] !== 0x80 || bytes[1] !== 0x26 || bytes.length !== 34) throw new Error('not an Ed25519 private multikey');
  return bytes.slice(2);
}

describe('W3C eddsa-jcs-2022 test vectors', () => {
  const key = signingKeyFromSeed(seedOf(keyPair.privateKeyMultibase));

  it('the W3C private key belongs to the W3C public key', () => {
    expect(key.did).toBe(`did:key:${keyPair.publicKeyMultibase}`);
  });

  it('our JCS gives the canonical document and its hash', () => {
    expect(canonicalText(unsigned)).toBe(vector('canonDocJCS.txt'));
    expect(createHash('sha256').update(vector('canonDocJCS.txt')).digest('hex')).toBe(vector('docHashJCS.txt'));
  });

  it('the proofValue is the base58btc multibase of the W3C signature', () => {
    expect(signed.proof.proofValue).toBe(vector('sigBTC58JCS.txt'));
    expect(Buffer.from(fromBase58(vector('sigBTC58JCS.txt').slice(1)) ?? []).toString('hex')).toBe(vector('sigHexJCS.txt'));
  });

  it('(a) our verification accepts the W3C signed credential', async () => {
    const result = await verifyDataIntegrityCredential(signed, { documentLoader, now });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
  });

  it('(a) and refuses it once altered', async () => {
    const altered = tamper(signed, ['credentialSubject', 'alumniOf'], (v) => flipChar(String(v)));
    expect((await verifyDataIntegrityCredential(altered, { documentLoader, now })).errors.map((e) => e.code)).toEqual(['CREDENTIAL_INVALID']);
  });

  it('(b) signing the W3C unsigned credential with the W3C key and proof options reproduces the W3C proofValue', async () => {
    const issuer = { did: ISSUER, keyId: KEY_ID, signer: credentialSigner(key, KEY_ID) };
    const ours = await signCredential(unsigned, issuer, proofConfig.created as string);
    expect(ours.proof.proofValue).toBe(vector('sigBTC58JCS.txt'));
    const { proofValue: _value, ...ourOptions } = ours.proof;
    expect(ourOptions).toEqual(proofConfig);
    expect(ours).toEqual(signed);
  });
});
