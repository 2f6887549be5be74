import { VALID_FROM_CLOCK_SKEW_MS } from '../credentials/proof.js';
import { createVerifyCryptosuite } from '@digitalbazaar/bbs-2023-cryptosuite';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { verifyCredential } from '@digitalbazaar/vc';
import { describe, expect, it } from 'vitest';
import { testKey } from '../../test-support/agents.js';
import { capabilityPointer, deriveDisclosure, isCapabilityName, issueCapabilityCredential, MANDATORY_POINTERS, verifyDisclosure } from './capability-credential.js';
import { createDisclosureDocumentLoader } from './document-loader.js';
import { createIssuerKeyPair, exportIssuerKeyPair, importIssuerKeyPair, issuerDidDocument } from './issuer-keys.js';
import {
  AGENT_NAME,
  agentKey,
  capabilities,
  credential,
  DAY,
  disclose,
  documentLoader,
  HIDDEN_TRACES,
  ISSUER,
  issuerKey,
  NOW,
  otherIssuerKey,
  T0,
  tamper,
  utc,
  verifyOptions,
} from './test-support/fixtures.js';

const codes = (result: { errors: readonly { code: string }[] }) => result.errors.map((e) => e.code);

describe('issueCapabilityCredential', () => {
  it('signs a VC 2.0 capability credential with a bbs-2023 base proof', () => {
    expect(credential['@context'][0]).toBe('https://www.w3.org/ns/credentials/v2');
    expect(credential.type).toEqual(['VerifiableCredential', 'AgentCapabilityCredential']);
    expect(credential.issuer).toBe(ISSUER);
    expect(ISSUER).toMatch(/^did:key:zUC7/);
    expect(credential.credentialSubject).toEqual({ id: agentKey.did, name: AGENT_NAME, capabilities });
    expect(credential.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'bbs-2023',
      proofPurpose: 'assertionMethod',
      verificationMethod: issuerKey.keyId,
    });
    // No `created`: it would be revealed (and linkable) in every derived proof.
    expect(Object.keys(credential.proof).sort()).toEqual(['cryptosuite', 'proofPurpose', 'proofValue', 'type', 'verificationMethod']);
    expect(credential.proof.proofValue).toMatch(/^u2V0C/); // multibase base64url of CBOR tag 0xd95d02 (base proof)
  });

  it('refuses input it could not sign faithfully', async () => {
    const input = {
      issuer: { did: ISSUER, keyPair: issuerKey },
      subject: { id: agentKey.did, name: AGENT_NAME },
      capabilities,
      validFrom: utc(T0),
      validUntil: utc(T0 + DAY),
    };
    const refused = (change: object) => expect(issueCapabilityCredential({ ...input, ...change } as typeof input)).rejects.toThrow();
    await refused({ issuer: { did: ISSUER, keyPair: otherIssuerKey } });
    await refused({ subject: { id: 'did:web:acme.com', name: AGENT_NAME } });
    await refused({ subject: { id: agentKey.did, name: 'agent://ACME.com/ml/trainer' } });
    await refused({ capabilities: {} });
    await refused({ capabilities: { retrain: { maxRuns: null } } });
    await refused({ capabilities: { retrain: { models: [] } } });
    await refused({ capabilities: { retrain: { models: ['a', 'a'] } } });
    await refused({ capabilities: { retrain: { models: [['a']] } } });
    await refused({ capabilities: { retrain: { id: 'x' } } });
    await refused({ capabilities: { retrain: { '@id': 'x' } } });
    await refused({ capabilities: { 'ex:retrain': {} } });
    await refused({ capabilities: { name: {} } });
    await refused({ capabilities: { retrain: { a: { b: { c: { d: { e: 1 } } } } } } });
    await refused({ capabilities: { retrain: { maxRuns: 2 ** 60 } } });
    await refused({ capabilities: { retrain: 'all' } });
    await refused({ mandatoryPointers: ['/issuer', '/validFrom', '/validUntil'] });
    await refused({ mandatoryPointers: [...MANDATORY_POINTERS, '/credentialSubject/nothing'] });
    await refused({ validUntil: utc(T0) });
  });
});

describe('deriveDisclosure + verifyDisclosure', () => {
  it('reveals only the selected capability and the mandatory fields', async () => {
    const derived = await disclose();
    expect(derived.credentialSubject).toEqual({ id: agentKey.did, capabilities: { retrain: capabilities.retrain } });
    expect(derived).toMatchObject({ issuer: ISSUER, validFrom: credential.validFrom, validUntil: credential.validUntil, type: credential.type });
    const text = JSON.stringify(derived);
    for (const trace of HIDDEN_TRACES) expect(text, trace).not.toContain(trace);
    expect(derived.proof.proofValue).toMatch(/^u2V0D/); // CBOR tag 0xd95d03 (derived proof)
  });

  it('the verifier accepts it with the issuer key and learns which capability is disclosed', async () => {
    const result = await verifyDisclosure(await disclose(), verifyOptions);
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.disclosed).toEqual(['retrain']);
    expect(result.capabilities).toEqual({ retrain: capabilities.retrain });
    expect(result.subject).toEqual({ id: agentKey.did });
    expect(result.issuer).toBe(ISSUER);
    expect(result.validUntil).toBe(credential.validUntil);
  });

  it('a verifier that trusts other issuers answers ISSUER_UNTRUSTED', async () => {
    const result = await verifyDisclosure(await disclose(), { ...verifyOptions, trustedIssuers: [otherIssuerKey.controller] });
    expect(result.verified).toBe(false);
    expect(codes(result)).toEqual(['ISSUER_UNTRUSTED']);
    expect(result.disclosed).toEqual([]);
  });

  it('requiring a capability the holder did not reveal answers CAPABILITY_MISSING', async () => {
    const derived = await disclose();
    const missing = await verifyDisclosure(derived, { ...verifyOptions, requiredCapability: 'deploy' });
    expect(codes(missing)).toEqual(['CAPABILITY_MISSING']);
    expect(missing.errors[0]?.detail).toContain('"deploy"');
    expect(missing.disclosed).toEqual(['retrain']);
    expect((await verifyDisclosure(derived, { ...verifyOptions, requiredCapability: 'retrain' })).verified).toBe(true);
  });

  it('two derivations of one credential carry unrelated proof bytes, and both verify', async () => {
    const [a, b] = [await disclose(), await disclose()];
    expect(a.proof.proofValue).not.toBe(b.proof.proofValue);
    // The BBS proof (a few hundred bytes after the CBOR header) differs almost everywhere, not in a counter or a nonce.
    const [x, y] = [Buffer.from(a.proof.proofValue.slice(1), 'base64url'), Buffer.from(b.proof.proofValue.slice(1), 'base64url')];
    let same = 0;
    for (let i = 8; i < 8 + 400; i++) if (x[i] === y[i]) same++;
    expect(same).toBeLessThan(20);
    // Everything else is identical: the revealed document (subject id, issuer, validity) links them (see README).
    const { proof: _pa, ...restA } = a;
    const { proof: _pb, ...restB } = b;
    expect(restA).toEqual(restB);
    for (const derived of [a, b]) expect((await verifyDisclosure(derived, verifyOptions)).verified).toBe(true);
  });

  it('answers CREDENTIAL_EXPIRED outside the validity window', async () => {
    const derived = await disclose();
    const after = await verifyDisclosure(derived, { ...verifyOptions, now: T0 + 90 * DAY });
    expect(codes(after)).toEqual(['CREDENTIAL_EXPIRED']);
    expect(after.errors[0]?.pointer).toBe('/validUntil');
    const before = await verifyDisclosure(derived, { ...verifyOptions, now: new Date(T0 - VALID_FROM_CLOCK_SKEW_MS - 1000) });
    expect(codes(before)).toEqual(['CREDENTIAL_EXPIRED']);
    expect((await verifyDisclosure(derived, { ...verifyOptions, now: T0 + 90 * DAY - 1 })).verified).toBe(true);
  });

  it('binds a derived proof to the verifier challenge when one is used', async () => {
    const challenge = new TextEncoder().encode('nonce-4f1c9a');
    const derived = await disclose([capabilityPointer('retrain')], challenge);
    expect((await verifyDisclosure(derived, { ...verifyOptions, presentationHeader: challenge })).verified).toBe(true);
    const replayed = await verifyDisclosure(derived, { ...verifyOptions, presentationHeader: new TextEncoder().encode('nonce-other') });
    expect(codes(replayed)).toEqual(['DISCLOSURE_INVALID']);
    const unbound = await verifyDisclosure(await disclose(), { ...verifyOptions, presentationHeader: challenge });
    expect(codes(unbound)).toEqual(['DISCLOSURE_INVALID']);
  });

  it('reveals more on request: several capabilities and the agent name', async () => {
    const derived = await disclose([capabilityPointer('retrain'), capabilityPointer('deploy'), '/credentialSubject/name']);
    const result = await verifyDisclosure(derived, { ...verifyOptions, requiredCapability: 'deploy' });
    expect(result.verified).toBe(true);
    expect(result.disclosed).toEqual(['retrain', 'deploy']);
    expect(result.subject).toEqual({ id: agentKey.did, name: AGENT_NAME });
    expect(JSON.stringify(derived)).not.toContain('grafana-ops-7731');
  });

  it('with nothing selected, proves only the mandatory fields', async () => {
    const result = await verifyDisclosure(await disclose([]), verifyOptions);
    expect(result.verified).toBe(true);
    expect(result.disclosed).toEqual([]);
    expect(codes(await verifyDisclosure(await disclose([]), { ...verifyOptions, requiredCapability: 'retrain' }))).toEqual(['CAPABILITY_MISSING']);
  });

  it('a holder may reveal part of a capability: the verifier sees only what was revealed', async () => {
    const result = await verifyDisclosure(await disclose(['/credentialSubject/capabilities/retrain/models']), verifyOptions);
    expect(result.verified).toBe(true);
    expect(result.capabilities).toEqual({ retrain: { models: ['churn-v2'] } }); // maxRuns hidden: absent means unknown, not unlimited
  });

  it('refuses the base credential itself (it reveals every claim)', async () => {
    const result = await verifyDisclosure(credential, verifyOptions);
    expect(codes(result)).toEqual(['DISCLOSURE_INVALID']);
    expect(result.errors[0]?.detail).toContain('base credential');
  });

  it('deriving: unknown capability, bad pointer, not a bbs-2023 credential', async () => {
    const unknown = await deriveDisclosure(credential, { selectivePointers: [capabilityPointer('delete')], documentLoader });
    expect(unknown.ok ? [] : unknown.problems.map((p) => p.code)).toEqual(['CAPABILITY_MISSING']);
    for (const pointer of ['credentialSubject', '/credentialSubject/nothing', '/proof/proofValue', '/@context']) {
      const result = await deriveDisclosure(credential, { selectivePointers: [pointer], documentLoader });
      expect(result.ok ? [] : result.problems.map((p) => p.code), pointer).toEqual(['REQUEST_INVALID']);
    }
    const notBbs = tamper(credential, ['proof', 'cryptosuite'], () => 'eddsa-jcs-2022');
    const result = await deriveDisclosure(notBbs, { selectivePointers: [], documentLoader });
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(['CREDENTIAL_INVALID']);
  });

  it('a did:web issuer: the verifier resolves the key from the DID document it was given', async () => {
    const did = 'did:web:certs.acme.com';
    const keyPair = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(9), controller: did, keyId: `${did}#bbs-1` });
    const issued = await issueCapabilityCredential({
      issuer: { did, keyPair },
      subject: { id: agentKey.did, name: AGENT_NAME },
      capabilities,
      validFrom: utc(T0),
      validUntil: utc(T0 + DAY),
    });
    expect(issued.proof.verificationMethod).toBe(`${did}#bbs-1`);
    const derived = await deriveDisclosure(issued, { selectivePointers: [capabilityPointer('monitor')] });
    if (!derived.ok) throw new Error('derivation failed');
    const loader = createDisclosureDocumentLoader({ didDocuments: (id) => (id === did ? issuerDidDocument(keyPair) : undefined) });
    const options = { documentLoader: loader, now: T0 + 1000, trustedIssuers: [did] };
    const result = await verifyDisclosure(derived.value, options);
    expect(result.errors).toEqual([]);
    expect(result.disclosed).toEqual(['monitor']);
    const unknown = await verifyDisclosure(derived.value, { ...options, documentLoader: createDisclosureDocumentLoader() });
    expect(codes(unknown)).toEqual(['DID_UNRESOLVABLE']);
  });

  it('a key read back from its key file issues credentials that verify under the same issuer', async () => {
    const imported = await importIssuerKeyPair(JSON.parse(JSON.stringify(exportIssuerKeyPair(issuerKey))));
    if (!imported.ok) throw new Error('import failed');
    const issued = await issueCapabilityCredential({
      issuer: { did: ISSUER, keyPair: imported.value },
      subject: { id: testKey(2).did, name: 'agent://acme.com/ml/monitor' },
      capabilities: { monitor: { dashboards: ['ops'] } },
      validFrom: utc(T0),
      validUntil: utc(T0 + DAY),
    });
    const derived = await deriveDisclosure(issued, { selectivePointers: [capabilityPointer('monitor')] });
    if (!derived.ok) throw new Error('derivation failed');
    expect((await verifyDisclosure(derived.value, { ...verifyOptions, now: T0 })).verified).toBe(true);
  });
});

describe('capability names as a registry grants them', () => {
  it('dotted tokens and leading digits with no claims ({}): revealed alone, and an added {} fails the proof', async () => {
    const issued = await issueCapabilityCredential({
      issuer: { did: ISSUER, keyPair: issuerKey },
      subject: { id: agentKey.did, name: AGENT_NAME },
      capabilities: { 'invoice.send': {}, '2fa-reset': {}, 'invoice.void': {} },
      validFrom: utc(T0),
      validUntil: utc(T0 + DAY),
    });
    const derived = await deriveDisclosure(issued, { selectivePointers: [capabilityPointer('invoice.send')] });
    if (!derived.ok) throw new Error('derivation failed');
    expect(derived.value.credentialSubject.capabilities).toEqual({ 'invoice.send': {} });
    expect(JSON.stringify(derived.value)).not.toMatch(/invoice\.void|2fa-reset/);
    const options = { ...verifyOptions, now: T0 };
    expect(await verifyDisclosure(derived.value, { ...options, requiredCapability: 'invoice.send' })).toMatchObject({ verified: true, disclosed: ['invoice.send'] });
    // An empty claims object is a signed statement (a blank node), so adding one is a forgery the proof catches.
    const forged = tamper(derived.value, ['credentialSubject', 'capabilities'], (c) => ({ ...(c as object), 'invoice.void': {} }));
    expect(codes(await verifyDisclosure(forged, { ...options, requiredCapability: 'invoice.void' }))).toEqual(['DISCLOSURE_INVALID']);
  });

  it('refuses names with a colon (JSON-LD would read them as IRIs) or a leading dot', async () => {
    const input = { issuer: { did: ISSUER, keyPair: issuerKey }, subject: { id: agentKey.did, name: AGENT_NAME }, validFrom: utc(T0), validUntil: utc(T0 + DAY) };
    for (const name of ['urn:signpost:v1:capability:deploy', 'mcp:tools', '.hidden', '-x', '']) {
      expect(isCapabilityName(name), name).toBe(false);
      await expect(issueCapabilityCredential({ ...input, capabilities: { [name]: {} } })).rejects.toThrow(TypeError);
    }
    for (const name of ['retrain', 'invoice.send', '2fa-reset', 'a_b-c.d']) expect(isCapabilityName(name), name).toBe(true);
  });
});

describe('verifyDisclosure refuses JSON that the proof does not cover', () => {
  // bbs-2023 signs RDF statements, not JSON. Each of these forgeries passes the library's proof
  // check (asserted), so only the shape check stands between them and a verifier reading the JSON.
  const libraryAccepts = async (forged: object) =>
    (await verifyCredential({
      credential: forged,
      suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() }),
      documentLoader,
      now: new Date(NOW),
    })).verified;

  it('an added capability with no statements (empty list or null)', async () => {
    const derived = await disclose();
    for (const fake of [[], null]) {
      const forged = tamper(derived, ['credentialSubject', 'capabilities'], (c) => ({ ...(c as object), deploy: fake }));
      expect(await libraryAccepts(forged)).toBe(true);
      const result = await verifyDisclosure(forged, { ...verifyOptions, requiredCapability: 'deploy' });
      expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    }
  });

  it('a context that renames the revealed capability', async () => {
    const derived = await disclose();
    const forged = structuredClone(derived) as unknown as { '@context': [string, { capabilities: { '@context': Record<string, string> } }]; credentialSubject: { capabilities: object } };
    forged['@context'][1].capabilities['@context'].deploy = 'urn:signpost:v1:capability:retrain';
    forged.credentialSubject.capabilities = { deploy: capabilities.retrain };
    expect(await libraryAccepts(forged)).toBe(true);
    const result = await verifyDisclosure(forged, { ...verifyOptions, requiredCapability: 'deploy' });
    expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    expect(result.errors[0]?.pointer).toBe('/@context');
  });

  it('a capability spelled as its full IRI, and unknown members', async () => {
    const derived = await disclose();
    const asIri = tamper(derived, ['credentialSubject', 'capabilities'], () => ({ 'urn:signpost:v1:capability:retrain': capabilities.retrain }));
    expect(await libraryAccepts(asIri)).toBe(true);
    expect(codes(await verifyDisclosure(asIri, verifyOptions))).toEqual(['CREDENTIAL_INVALID']);
    const extra = { ...derived, credentialStatus: { id: 'https://x.example/1', type: 'BitstringStatusListEntry' } };
    expect(codes(await verifyDisclosure(extra, verifyOptions))).toEqual(['CREDENTIAL_INVALID']);
  });

  it('garbage in, a problem out, never an exception', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const input of [null, 42, 'credential', [], {}, circular, { ...credential, proof: undefined }]) {
      const result = await verifyDisclosure(input, verifyOptions);
      expect(result.verified).toBe(false);
      expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    }
    const huge = tamper(await disclose(), ['proof', 'proofValue'], (v) => `${String(v)}${'A'.repeat(70_000)}`);
    expect(codes(await verifyDisclosure(huge, verifyOptions))).toEqual(['CREDENTIAL_INVALID']);
  });
});
