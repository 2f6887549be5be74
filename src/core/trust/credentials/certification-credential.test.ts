import { describe, expect, it } from 'vitest';
import { issueCertificationCredential, verifyCertificationCredential, type CertificationInput, type TrustPolicy } from './certification-credential.js';
import { createDocumentLoader } from './document-loader.js';
import { checkCredentialStatus, issueStatusListCredential } from './status-list.js';
import {
  agentKey, AGENT_NAME, auditor, compliance, COMPLIANCE_DID, DAY, documentLoader, flipChar, T0, tamper, testKeyFor, utc,
} from './test-support/fixtures.js';

const codes = (r: { errors: readonly { code: string }[] }) => r.errors.map((e) => e.code);
const policy: TrustPolicy = { HIPAA: [auditor.did], SOC2: [auditor.did, COMPLIANCE_DID], 'kid-safe': [COMPLIANCE_DID] };
const options = { documentLoader, now: T0 + DAY, trustPolicy: policy };
const auditorStatusUrl = 'https://auditor.example/status/revocation/1';

const hipaaInput: CertificationInput = {
  issuer: auditor,
  subject: agentKey.did,
  agentName: AGENT_NAME,
  certification: { name: 'HIPAA', level: 'full', scope: 'billing data' },
  validFrom: utc(T0),
  validUntil: utc(T0 + 365 * DAY),
  status: { revocation: { listUrl: auditorStatusUrl, index: 7 } },
  id: 'https://auditor.example/credentials/hipaa/1',
};
const hipaa = await issueCertificationCredential(hipaaInput);

describe('certification credential', () => {
  it('is issued by the third party about the agent', () => {
    expect(hipaa).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: 'https://auditor.example/credentials/hipaa/1',
      type: ['VerifiableCredential', 'AgentCertificationCredential'],
      issuer: auditor.did,
      credentialSubject: { id: agentKey.did, agentName: AGENT_NAME, certification: { name: 'HIPAA', level: 'full', scope: 'billing data' } },
      credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: auditorStatusUrl }],
      proof: { cryptosuite: 'eddsa-jcs-2022', verificationMethod: auditor.keyId },
    });
  });

  it('verifies for an issuer the policy lists for that certification, and says what is attested', async () => {
    const result = await verifyCertificationCredential(hipaa, { ...options, subject: agentKey.did });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.attested).toEqual({ certification: hipaaInput.certification, issuer: auditor.did, subject: agentKey.did, agentName: AGENT_NAME });
    expect(result.statusEntries).toEqual([{ statusPurpose: 'revocation', index: 7, statusListCredential: auditorStatusUrl }]);
  });

  it('verifies a did:web issuer through the injected DID document', async () => {
    const soc2 = await issueCertificationCredential({ ...hipaaInput, issuer: compliance, certification: { name: 'SOC2', level: 'Type II' }, status: undefined, id: undefined });
    expect(soc2.credentialStatus).toBeUndefined();
    expect(soc2.credentialSubject.certification).toEqual({ name: 'SOC2', level: 'Type II' });
    expect((await verifyCertificationCredential(soc2, options)).verified).toBe(true);
  });

  it('refuses an issuer the policy does not list for this certification (ISSUER_UNTRUSTED), still saying what was claimed', async () => {
    const kidSafe = await issueCertificationCredential({ ...hipaaInput, certification: { name: 'kid-safe' } });
    const result = await verifyCertificationCredential(kidSafe, options);
    expect(codes(result)).toEqual(['ISSUER_UNTRUSTED']);
    expect(result.attested?.certification.name).toBe('kid-safe');
    expect(codes(await verifyCertificationCredential(hipaa, { ...options, trustPolicy: {} }))).toEqual(['ISSUER_UNTRUSTED']);
  });

  it('does not read certification names from Object.prototype', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const odd = await issueCertificationCredential({ ...hipaaInput, certification: { name } });
      expect(codes(await verifyCertificationCredential(odd, options))).toEqual(['ISSUER_UNTRUSTED']);
    }
  });

  it('is expired outside its validity window', async () => {
    expect(codes(await verifyCertificationCredential(hipaa, { ...options, now: T0 + 365 * DAY }))).toEqual(['CREDENTIAL_EXPIRED']);
    expect(codes(await verifyCertificationCredential(hipaa, { ...options, now: T0 - DAY }))).toEqual(['CREDENTIAL_EXPIRED']);
  });

  it('refuses a certification about another agent than the one expected', async () => {
    expect(codes(await verifyCertificationCredential(hipaa, { ...options, subject: testKeyFor(50).did }))).toEqual(['CREDENTIAL_INVALID']);
  });

  it('is revocable through the issuer own status list', async () => {
    const list = await issueStatusListCredential({
      issuer: auditor, listUrl: auditorStatusUrl, purpose: 'revocation', setIndices: [7], validFrom: utc(T0), validUntil: utc(T0 + 2 * DAY),
    });
    const entry = hipaa.credentialStatus?.[0];
    const result = await checkCredentialStatus(entry, list, { documentLoader, now: T0 + DAY, trustedIssuers: [hipaa.issuer] });
    expect(result.status).toBe('revoked');
    expect(codes(result)).toEqual(['CREDENTIAL_REVOKED']);
  });

  it('refuses bad input at issuance', async () => {
    await expect(issueCertificationCredential({ ...hipaaInput, subject: 'did:web:agent.example' })).rejects.toThrow(TypeError);
    await expect(issueCertificationCredential({ ...hipaaInput, certification: { name: '' } })).rejects.toThrow(TypeError);
    await expect(issueCertificationCredential({ ...hipaaInput, validUntil: hipaaInput.validFrom })).rejects.toThrow(RangeError);
    await expect(issueCertificationCredential({ ...hipaaInput, validFrom: '2026-01-01T00:00:00.5Z' })).rejects.toThrow(RangeError);
  });

  it('never throws on garbage', async () => {
    for (const value of [undefined, null, 1, {}, { ...hipaa, credentialSubject: { ...hipaa.credentialSubject, certification: 'HIPAA' } }]) {
      const result = await verifyCertificationCredential(value, options);
      expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    }
  });
});

describe('certification credential tampering', () => {
  it('cannot be upgraded to another certification the same issuer is trusted for', async () => {
    const forged = tamper(hipaa, ['credentialSubject', 'certification', 'name'], () => 'SOC2');
    expect(codes(await verifyCertificationCredential(forged, options))).toEqual(['CREDENTIAL_INVALID']);
  });

  it.each([
    ['the level', ['credentialSubject', 'certification', 'level'], 'CREDENTIAL_INVALID'],
    ['the subject', ['credentialSubject', 'id'], 'CREDENTIAL_INVALID'],
    ['the agent name', ['credentialSubject', 'agentName'], 'CREDENTIAL_INVALID'],
    ['the proofValue', ['proof', 'proofValue'], 'CREDENTIAL_INVALID'],
    ['validUntil', ['validUntil'], 'CREDENTIAL_INVALID'],
    ['the issuer', ['issuer'], 'ISSUER_UNTRUSTED'],
  ] as [string, string[], string][])('flipping a character of %s fails with %s', async (_what, path, code) => {
    const forged = tamper(hipaa, path, (old) => flipChar(String(old), String(old).length - 2));
    expect(codes(await verifyCertificationCredential(forged, options))).toEqual([code]);
  });

  it('fails for every single-bit flip of any byte of the serialized credential', async () => {
    const text = JSON.stringify(hipaa);
    for (let at = 0; at < text.length; at++) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1));
      } catch {
        continue;
      }
      if ((await verifyCertificationCredential(parsed, options)).verified) throw new Error(`flipping byte ${at} (${text[at]}) still verifies`);
    }
  });
});

describe('certification credential: the proof names only the issuer’s keys', () => {
  it('refuses a proof whose verificationMethod belongs to another DID, before any document is looked up', async () => {
    const looked: string[] = [];
    const recordingLoader = createDocumentLoader({
      didDocuments: (did) => {
        looked.push(did);
        return undefined;
      },
    });
    // A trusted issuer, but the proof points at a document on a host of the sender's choosing.
    const foreign = { ...hipaa, proof: { ...(hipaa.proof as unknown as Record<string, unknown>), verificationMethod: 'did:web:evil.example:n1#k' } };
    const result = await verifyCertificationCredential(foreign, { ...options, documentLoader: recordingLoader });
    expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    expect(result.errors[0]!.pointer).toBe('/proof/verificationMethod');
    expect(looked).toEqual([]);
  });
});
