import { VALID_FROM_CLOCK_SKEW_MS } from './proof.js';
import { describe, expect, it } from 'vitest';
import { canonicalSha256Hex } from '../jcs.js';
import { createDocumentLoader } from './document-loader.js';
import { issueFactsCredential, verifyFactsCredential } from './facts-credential.js';
import { signCredential } from './proof.js';
import { didKeyIssuer, registryDidDocument } from './registry-did.js';
import {
  agentKey, auditor, DAY, documentLoader, factsInput, flipChar, REGISTRY_DID, registration, registry, T0, tamper, testKeyFor, utc,
} from './test-support/fixtures.js';

const options = { documentLoader, now: T0 + DAY, trustedIssuers: [REGISTRY_DID] };
const vc = await issueFactsCredential(factsInput);
const codes = (r: { errors: readonly { code: string }[] }) => r.errors.map((e) => e.code);

describe('AgentFacts credential', () => {
  it('issues a VC 2.0 with the facts as the agent signed them, both status entries and an eddsa-jcs-2022 proof', () => {
    expect(vc['@context']).toEqual(['https://www.w3.org/ns/credentials/v2']);
    expect(vc.type).toEqual(['VerifiableCredential', 'AgentFactsCredential']);
    expect(vc.issuer).toBe('did:web:127.0.0.1%3A8700');
    expect(vc.credentialSubject.id).toBe(agentKey.did);
    expect(vc.credentialSubject.facts).toEqual(registration.facts.payload);
    expect(vc.credentialSubject.agentSignature).toBe(registration.facts.sig);
    expect(vc.credentialStatus?.map((s) => [s.statusPurpose, s.statusListIndex])).toEqual([['revocation', '42'], ['suspension', '42']]);
    expect(vc.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-jcs-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: `${REGISTRY_DID}#key-1`,
      created: factsInput.validFrom,
    });
    expect(vc.proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]{86,88}$/);
  });

  it('keeps the facts digest equal to the AgentAddr factsSha256', () => {
    expect(canonicalSha256Hex(vc.credentialSubject.facts)).toBe(registration.addr.payload.factsSha256);
    expect(vc.credentialSubject.factsSha256).toBe(registration.addr.payload.factsSha256);
  });

  it('is deterministic: the same input signs to the same bytes', async () => {
    expect(await issueFactsCredential(factsInput)).toEqual(vc);
  });

  it('verifies, and returns the facts and the status entries to check next', async () => {
    const result = await verifyFactsCredential(vc, { ...options, expectedFactsSha256: registration.addr.payload.factsSha256 });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.facts).toEqual(registration.facts.payload);
    expect(result.statusEntries).toEqual([
      { statusPurpose: 'revocation', index: 42, statusListCredential: factsInput.status.revocation.listUrl },
      { statusPurpose: 'suspension', index: 42, statusListCredential: factsInput.status.suspension.listUrl },
    ]);
  });

  it('survives a JSON round trip (what a client fetches)', async () => {
    expect((await verifyFactsCredential(JSON.parse(JSON.stringify(vc)), options)).verified).toBe(true);
  });

  it('refuses an issuer that is not trusted, before any DID resolution', async () => {
    const result = await verifyFactsCredential(vc, { ...options, trustedIssuers: ['did:web:other.example'] });
    expect(codes(result)).toEqual(['ISSUER_UNTRUSTED']);
  });

  it('is expired before validFrom and from validUntil on', async () => {
    // Up to a minute early is clock skew, tolerated; more is not yet valid.
    expect((await verifyFactsCredential(vc, { ...options, now: T0 - VALID_FROM_CLOCK_SKEW_MS })).verified).toBe(true);
    expect(codes(await verifyFactsCredential(vc, { ...options, now: T0 - VALID_FROM_CLOCK_SKEW_MS - 1000 }))).toEqual(['CREDENTIAL_EXPIRED']);
    expect(codes(await verifyFactsCredential(vc, { ...options, now: T0 + 90 * DAY }))).toEqual(['CREDENTIAL_EXPIRED']);
    expect((await verifyFactsCredential(vc, { ...options, now: T0 + 90 * DAY - 1 })).verified).toBe(true);
    expect((await verifyFactsCredential(vc, { ...options, now: new Date(T0) })).verified).toBe(true);
  });

  it('reports DID_UNRESOLVABLE when the registry DID document is unknown to the loader', async () => {
    const result = await verifyFactsCredential(vc, { ...options, documentLoader: createDocumentLoader() });
    expect(codes(result)).toEqual(['DID_UNRESOLVABLE']);
  });

  it('refuses a DID document whose key is not the signing key', async () => {
    const impostorDocument = registryDidDocument(REGISTRY_DID, testKeyFor(33));
    const impostor = createDocumentLoader({ didDocuments: (did) => (did === REGISTRY_DID ? impostorDocument : undefined) });
    expect(codes(await verifyFactsCredential(vc, { ...options, documentLoader: impostor }))).toEqual(['CREDENTIAL_INVALID']);
  });

  it('checks the facts against the AgentAddr digest when given', async () => {
    const result = await verifyFactsCredential(vc, { ...options, expectedFactsSha256: '0'.repeat(64) });
    expect(codes(result)).toEqual(['FACTS_DIGEST_MISMATCH']);
  });

  it('never throws, whatever it is given', async () => {
    for (const value of [null, 42, 'vc', [], {}, { ...vc, proof: [vc.proof, vc.proof] }, { ...vc, credentialSubject: [] }]) {
      const result = await verifyFactsCredential(value, options);
      expect(result.verified).toBe(false);
      expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    }
  });
});

describe('AgentFacts credential tampering', () => {
  const cases: [string, (string | number)[], string][] = [
    ['the proofValue', ['proof', 'proofValue'], 'CREDENTIAL_INVALID'],
    ['a claim value', ['credentialSubject', 'facts', 'description'], 'CREDENTIAL_INVALID'],
    ['an endpoint URL', ['credentialSubject', 'facts', 'endpoints', 'static', 1], 'CREDENTIAL_INVALID'],
    ['the issuer', ['issuer'], 'ISSUER_UNTRUSTED'],
    ['validUntil', ['validUntil'], 'CREDENTIAL_INVALID'],
    ['validFrom', ['validFrom'], 'CREDENTIAL_INVALID'],
    ['the status list index', ['credentialStatus', 0, 'statusListIndex'], 'CREDENTIAL_INVALID'],
    ['the status list URL', ['credentialStatus', 1, 'statusListCredential'], 'CREDENTIAL_INVALID'],
    ['the agent signature', ['credentialSubject', 'agentSignature'], 'CREDENTIAL_INVALID'],
    ['the proof created time', ['proof', 'created'], 'CREDENTIAL_INVALID'],
    ['the verification method', ['proof', 'verificationMethod'], 'DID_UNRESOLVABLE'],
  ];

  it.each(cases)('flipping a character of %s fails with %s', async (_what, path, code) => {
    const forged = tamper(vc, path, (old) => flipChar(String(old), String(old).length - 2));
    const result = await verifyFactsCredential(forged, options);
    expect(result.verified).toBe(false);
    expect(codes(result)).toEqual([code]);
  });

  it('moving validUntil later (a forged renewal) fails as forged, not as valid', async () => {
    const forged = tamper(vc, ['validUntil'], () => utc(T0 + 900 * DAY));
    expect(codes(await verifyFactsCredential(forged, { ...options, now: T0 + 100 * DAY }))).toEqual(['CREDENTIAL_INVALID']);
  });

  it('fails for every single-bit flip of any byte of the serialized credential', async () => {
    const text = JSON.stringify(vc);
    let checked = 0;
    for (let at = 0; at < text.length; at++) {
      const forged = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(forged);
      } catch {
        continue; // no longer JSON: refused before verification
      }
      const result = await verifyFactsCredential(parsed, options);
      if (result.verified) throw new Error(`flipping byte ${at} (${text[at]}) still verifies`);
      expect(result.errors.length).toBeGreaterThan(0);
      checked++;
    }
    expect(checked).toBeGreaterThan(text.length / 2);
  });

  it('a registry that alters the facts and re-signs is caught by the agent signature', async () => {
    const altered = { ...registration.facts.payload, description: 'Sends invoices to the attacker' };
    const unsignedByAgent = { ...factsInput, facts: altered };
    await expect(issueFactsCredential(unsignedByAgent)).rejects.toThrow(/agentSignature/);
    // A malicious registry skips that check: sign the altered credential by hand.
    const forged = tamper(vc, ['credentialSubject'], (s) => ({ ...(s as object), facts: altered, factsSha256: canonicalSha256Hex(altered) }));
    const { proof: _drop, ...unsigned } = forged;
    const resigned = await signCredential(unsigned, registry, factsInput.validFrom);
    expect(codes(await verifyFactsCredential(resigned, options))).toEqual(['RECORD_SIGNATURE_INVALID']);
  });

  it('facts signed by another agent key than the subject are FACTS_SUBJECT_MISMATCH', async () => {
    const other = didKeyIssuer(testKeyFor(44));
    const { proof: _drop, ...unsigned } = tamper(vc, ['credentialSubject', 'id'], () => other.did);
    const resigned = await signCredential(unsigned, registry, factsInput.validFrom);
    expect(codes(await verifyFactsCredential(resigned, options))).toEqual(['FACTS_SUBJECT_MISMATCH']);
  });

  it('a credential signed by a third party for the registry DID is refused', async () => {
    const { proof: _drop, ...unsigned } = vc;
    const byAuditor = await signCredential({ ...unsigned, issuer: auditor.did }, auditor, factsInput.validFrom);
    // The auditor's valid proof, pasted onto the registry-issued credential.
    const mixed = { ...vc, proof: byAuditor.proof };
    expect(codes(await verifyFactsCredential(mixed, options))).toEqual(['CREDENTIAL_INVALID']);
    // And the auditor's own credential is refused as long as only the registry is trusted for facts.
    expect(codes(await verifyFactsCredential(byAuditor, options))).toEqual(['ISSUER_UNTRUSTED']);
  });
});
