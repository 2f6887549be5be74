/**
 * eddsa-jcs-2022 proofs are checked by the Digital Bazaar libraries over node:crypto (OpenSSL),
 * which accepts a small-order key with a signature that fits every message. A proof by such a key,
 * or with a non-canonical signature, must never verify.
 */
import { describe, expect, it } from 'vitest';
import { didKeyFromPublicKey } from '../did-key.js';
import { fromBase58, toBase58 } from '../encoding.js';
import { issueCertificationCredential, verifyCertificationCredential, type TrustPolicy } from './certification-credential.js';
import { createDocumentLoader } from './document-loader.js';
import { verifyFactsCredential } from './facts-credential.js';
import { agentKey, AGENT_NAME, auditor, DAY, documentLoader, T0, utc } from './test-support/fixtures.js';

const IDENTITY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);
/** R = identity, S = 0: with the identity point as the key, this "verifies" for any data. */
const UNIVERSAL_PROOF_VALUE = `z${toBase58(Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]))}`;
const WEAK_DID = didKeyFromPublicKey(IDENTITY);
const WEAK_WEB_DID = 'did:web:weak.example';
const codes = (r: { errors: readonly { code: string }[] }) => r.errors.map((e) => e.code);

const genuine = await issueCertificationCredential({
  issuer: auditor,
  subject: agentKey.did,
  agentName: AGENT_NAME,
  certification: { name: 'HIPAA' },
  validFrom: utc(T0),
  validUntil: utc(T0 + 365 * DAY),
});

/** The genuine credential re-issued in the name of `issuer`, "signed" with the universal signature. */
function forgedBy(issuer: string, verificationMethod: string) {
  return { ...structuredClone(genuine), issuer, proof: { ...genuine.proof, verificationMethod, proofValue: UNIVERSAL_PROOF_VALUE } };
}

/**
 * A did:web document whose assertion key is the identity point, as a lookup hands it over
 * (unvalidated). The loader checks Multikey and JsonWebKey methods itself; an
 * Ed25519VerificationKey2020 method reaches the library, whose stock suite accepted the forgery:
 * the strict verify suite of proof.ts refuses it.
 */
function weakWebDocument(type: 'Multikey' | 'Ed25519VerificationKey2020') {
  const keyId = `${WEAK_WEB_DID}#key-1`;
  const suiteContext = type === 'Multikey' ? 'https://w3id.org/security/multikey/v1' : 'https://w3id.org/security/suites/ed25519-2020/v1';
  return {
    '@context': ['https://www.w3.org/ns/did/v1', suiteContext],
    id: WEAK_WEB_DID,
    verificationMethod: [{ id: keyId, type, controller: WEAK_WEB_DID, publicKeyMultibase: WEAK_DID.slice('did:key:'.length) }],
    assertionMethod: [keyId],
  };
}

const policyFor = (issuer: string): TrustPolicy => ({ HIPAA: [issuer] });

describe('credential proofs by weak keys', () => {
  it('refuses a certification "signed" by the identity did:key with the universal signature (KEY_WEAK)', async () => {
    const forged = forgedBy(WEAK_DID, `${WEAK_DID}#${WEAK_DID.slice('did:key:'.length)}`);
    const result = await verifyCertificationCredential(forged, { documentLoader, now: T0 + DAY, trustPolicy: policyFor(WEAK_DID) });
    expect(result.verified).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/proof/verificationMethod', detail: expect.stringContaining('small-order point') })]);
  });

  it.each(['Multikey', 'Ed25519VerificationKey2020'] as const)(
    'refuses a did:web issuer whose document lists the identity point as a %s (KEY_WEAK)',
    async (type) => {
      const loader = createDocumentLoader({ didDocuments: (did) => (did === WEAK_WEB_DID ? weakWebDocument(type) : undefined) });
      const forged = forgedBy(WEAK_WEB_DID, `${WEAK_WEB_DID}#key-1`);
      const result = await verifyCertificationCredential(forged, { documentLoader: loader, now: T0 + DAY, trustPolicy: policyFor(WEAK_WEB_DID) });
      expect(result.verified).toBe(false);
      expect(codes(result)).toEqual(['KEY_WEAK']);
    },
  );

  it('refuses a genuine proof re-spelled with S + L as not canonical (CREDENTIAL_INVALID)', async () => {
    const signature = fromBase58(genuine.proof.proofValue.slice(1))!;
    const malleated = addGroupOrderToS(signature);
    const result = await verifyCertificationCredential(
      { ...structuredClone(genuine), proof: { ...genuine.proof, proofValue: `z${toBase58(malleated)}` } },
      { documentLoader, now: T0 + DAY, trustPolicy: policyFor(auditor.did) },
    );
    expect(result.errors).toEqual([expect.objectContaining({ code: 'CREDENTIAL_INVALID', detail: expect.stringContaining('not canonical: its S is not below the group order L') })]);
    expect((await verifyCertificationCredential(genuine, { documentLoader, now: T0 + DAY, trustPolicy: policyFor(auditor.did) })).verified).toBe(true);
  });

  it('refuses a weak did:key as credentialSubject.id with KEY_WEAK at its pointer', async () => {
    const aboutWeak = { ...structuredClone(genuine), credentialSubject: { ...genuine.credentialSubject, id: WEAK_DID } };
    const certification = await verifyCertificationCredential(aboutWeak, { documentLoader, now: T0 + DAY, trustPolicy: policyFor(auditor.did) });
    expect(certification.errors).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/credentialSubject/id' })]);
    const facts = await verifyFactsCredential({ ...aboutWeak, type: ['VerifiableCredential', 'AgentFactsCredential'] }, { documentLoader, now: T0 + DAY, trustedIssuers: [auditor.did] });
    expect(facts.errors[0]).toMatchObject({ code: 'KEY_WEAK', pointer: '/credentialSubject/id' });
  });
});

/** S + L (L = 2^252 + 27742317777372353535851937790883648493), little-endian; S < L < 2^253, so it fits in 32 bytes. */
function addGroupOrderToS(signature: Uint8Array): Uint8Array {
  const order = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
  const out = signature.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = out[32 + i]! + order[i]! + carry;
    out[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}
