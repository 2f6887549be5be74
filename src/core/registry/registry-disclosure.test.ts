import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import { createCapabilityGrant } from '../record/capability-grant.js';
import { createStatusChange } from '../record/registration.js';
import { signRecord } from '../record/signing.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { capabilityPointer, deriveDisclosure, verifyDisclosure, type CapabilityCredential, type DerivedCapabilityCredential } from '../trust/disclosure/capability-credential.js';
import { createDisclosureDocumentLoader } from '../trust/disclosure/document-loader.js';
import { createIssuerKeyPair } from '../trust/disclosure/issuer-keys.js';
import { checkDisclosureVerdict } from '../trust/disclosure/disclosure-check.js';
import { boundRegistryDocument, checkDisclosureKeyBinding } from '../trust/disclosure/key-binding.js';
import { formatUtcSeconds } from '../record/agent-addr.js';
import { createKeyRotation } from '../record/key-rotation.js';
import { Registry } from './registry.js';
import { registryCredentials } from './registry-credentials.js';
import {
  checkCapabilityCredentialRequest,
  createCapabilityCredentialRequest,
  credentialCapabilities,
  RegistryDisclosure,
  REGISTRY_MANDATORY_POINTERS,
} from './registry-disclosure.js';

const NAME = 'agent://research-lab/ml-ops/model-retrainer';
const OTHER = 'agent://research-lab/ml-ops/data-quality-monitor';
const owner = testKey(1);
const mallory = testKey(2);
const registryKey = testKey(9);
const PUBLIC_URL = 'https://registry.example';
const DID = 'did:web:registry.example';
const blsKey = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) });

const codes = (result: Result<unknown> | { errors: readonly { code: string }[] }) =>
  'errors' in result ? result.errors.map((e) => e.code) : result.ok ? [] : result.problems.map((p) => p.code);

async function setup(options: { grant?: string[]; validitySeconds?: number; issuer?: boolean; publicUrl?: string } = {}) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  expect((await registry.register(registrationFor(owner, NAME, 100))).ok).toBe(true);
  expect((await registry.register(registrationFor(mallory, OTHER, 100))).ok).toBe(true);
  if (options.grant) expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, options.grant, clock.now()))).ok).toBe(true);
  const disclosure = new RegistryDisclosure({ registry, clock, ...(options.validitySeconds ? { validitySeconds: options.validitySeconds } : {}) });
  const credentials = options.issuer === false ? undefined : await disclosure.useIssuer(registryCredentials(options.publicUrl ?? PUBLIC_URL, registryKey), registryKey, blsKey);
  const snapshot = async () => JSON.stringify([await store.get(NAME), await store.statusEntries('revocation')]);
  return { store, clock, registry, disclosure, credentials, snapshot };
}

const request = (overrides: { key?: typeof owner; capabilities?: string[]; at?: number; validitySeconds?: number; name?: string } = {}) =>
  createCapabilityCredentialRequest({
    key: overrides.key ?? owner,
    name: overrides.name ?? NAME,
    ...(overrides.capabilities ? { capabilities: overrides.capabilities } : {}),
    ...(overrides.validitySeconds ? { validitySeconds: overrides.validitySeconds } : {}),
    nowMs: overrides.at ?? T0 + 1000,
  });

async function derive(credential: CapabilityCredential, capability = 'retrain', presentationHeader?: Uint8Array): Promise<DerivedCapabilityCredential> {
  const derived = await deriveDisclosure(credential, { selectivePointers: [capabilityPointer(capability)], ...(presentationHeader ? { presentationHeader } : {}) });
  if (!derived.ok) throw new Error(JSON.stringify(derived.problems));
  return derived.value;
}

describe('RegistryDisclosure: the issuer identity', () => {
  it('names the BLS key <did:web>#bbs-1 and embeds it in the DID document the registry serves', async () => {
    const { disclosure, credentials } = await setup();
    expect(disclosure.issuer).toMatchObject({ controller: DID, keyId: `${DID}#bbs-1`, publicKeyMultibase: blsKey.publicKeyMultibase });
    expect(credentials?.issuer.did).toBe(DID);
    expect(credentials?.didDocument.assertionMethod).toEqual([
      `${DID}#key-1`,
      { id: `${DID}#bbs-1`, type: 'Multikey', controller: DID, publicKeyMultibase: blsKey.publicKeyMultibase },
    ]);
    expect(credentials?.didDocument.verificationMethod.map((m) => m.id)).toEqual([`${DID}#key-1`]);
  });

  it('binds #bbs-1 to the registry key with a signed DisclosureKeyBinding, valid 7 days, that checks against the pinned key', async () => {
    const { credentials, disclosure } = await setup();
    expect(credentials?.disclosureKeyBinding?.payload).toEqual({
      type: 'DisclosureKeyBinding',
      v: 1,
      issuer: DID,
      keyId: `${DID}#bbs-1`,
      publicKeyMultibase: blsKey.publicKeyMultibase,
      validFrom: formatUtcSeconds(T0 + 1000),
      validUntil: formatUtcSeconds(T0 + 1000 + 7 * 86_400_000),
    });
    expect(disclosure.keyBinding()).toBe(credentials?.disclosureKeyBinding);
    const bound = boundRegistryDocument(credentials?.didDocument, registryKey.did, credentials?.disclosureKeyBinding, T0 + 2000);
    expect(bound).toEqual({ ok: true, value: credentials?.didDocument });
    expect(codes(boundRegistryDocument(credentials?.didDocument, mallory.did, credentials?.disclosureKeyBinding, T0 + 2000))).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(boundRegistryDocument(credentials?.didDocument, registryKey.did, credentials?.disclosureKeyBinding, T0 + 1000 + 8 * 86_400_000))).toEqual(['ISSUER_UNTRUSTED']);
  });

  it('re-signs the binding lazily, with its clock, once less than half of its 7 days is left (or the clock went back)', async () => {
    const { credentials, disclosure, clock } = await setup();
    const first = credentials!.disclosureKeyBinding!;
    clock.advance(3 * 86_400_000);
    expect(disclosure.keyBinding()).toBe(first);
    clock.advance(12 * 3600_000 + 1000);
    const second = disclosure.keyBinding()!;
    expect(second).not.toBe(first);
    expect(second.payload.validFrom).toBe(formatUtcSeconds(clock.now()));
    expect(checkDisclosureKeyBinding(second, registryKey.did).ok).toBe(true);
    expect(boundRegistryDocument(credentials?.didDocument, registryKey.did, second, T0 + 1000 + 8 * 86_400_000).ok).toBe(true);
    expect(disclosure.keyBinding()).toBe(second);
    clock.set(T0);
    expect(disclosure.keyBinding()!.payload.validFrom).toBe(formatUtcSeconds(T0));
    expect((await setup({ issuer: false })).disclosure.keyBinding()).toBeUndefined();
  });

  it('refuses a validity outside 60 s .. 7 days', () => {
    const registry = { state: async () => ({ ok: false, problems: [] }) as never };
    for (const validitySeconds of [59, 7 * 86_400 + 1, 1.5]) {
      expect(() => new RegistryDisclosure({ registry, clock: manualClock(), validitySeconds })).toThrow(RangeError);
    }
  });
});

describe('RegistryDisclosure.issue', () => {
  it('answers a bbs-2023 base credential carrying exactly the granted capabilities, for 24 h by default; nothing is stored', async () => {
    const { disclosure, snapshot } = await setup({ grant: ['deploy', 'monitor', 'retrain'] });
    const before = await snapshot();
    const issued = await disclosure.issue(NAME, request());
    if (!issued.ok) throw new Error(JSON.stringify(issued.problems));
    const credential = issued.value;
    expect(credential.issuer).toBe(DID);
    expect(credential.proof).toMatchObject({ cryptosuite: 'bbs-2023', verificationMethod: `${DID}#bbs-1` });
    expect(credential.credentialSubject).toEqual({ id: owner.did, name: NAME, capabilities: { deploy: {}, monitor: {}, retrain: {} } });
    expect(credential.validFrom).toBe('2026-01-01T00:00:01Z');
    expect(credential.validUntil).toBe('2026-01-02T00:00:01Z');
    expect(await snapshot()).toBe(before);
  });

  it('a subset asked for, and a shorter validity', async () => {
    const { disclosure } = await setup({ grant: ['deploy', 'monitor', 'retrain'] });
    const issued = await disclosure.issue(NAME, request({ capabilities: ['retrain', 'monitor'], validitySeconds: 3600 }));
    if (!issued.ok) throw new Error(JSON.stringify(issued.problems));
    expect(Object.keys(issued.value.credentialSubject.capabilities)).toEqual(['monitor', 'retrain']);
    expect(issued.value.validUntil).toBe('2026-01-01T01:00:01Z');
  });

  it('refuses, with the precise code and without issuing anything', async () => {
    const { disclosure, registry, clock, snapshot } = await setup({ grant: ['retrain'], validitySeconds: 3600 });
    const before = await snapshot();
    const forged = signRecord(request().payload, mallory);
    const cases: [string, unknown, string, string?][] = [
      ['signed by another key than the one it names', forged, 'RECORD_SIGNATURE_INVALID'],
      ["mallory's own key, for a name bound to the owner", request({ key: mallory }), 'NAME_TAKEN'],
      ['signed 6 minutes ago', request({ at: T0 + 1000 - 6 * 60_000 }), 'RECORD_EXPIRED'],
      ['signed 6 minutes ahead', request({ at: T0 + 1000 + 6 * 60_000 }), 'RECORD_EXPIRED'],
      ['for another name than the path', request(), 'RECORD_NAME_MISMATCH', OTHER],
      ['a capability not granted', request({ capabilities: ['deploy'] }), 'CAPABILITY_MISSING'],
      ['longer than the registry grants', request({ validitySeconds: 7200 }), 'RECORD_VALIDITY_TOO_LONG'],
      ['an agent without any grant', request({ key: mallory, name: OTHER }), 'CAPABILITY_MISSING', OTHER],
      ['an unknown name', request({ name: 'agent://research-lab/ml-ops/nobody' }), 'AGENT_NOT_FOUND', 'agent://research-lab/ml-ops/nobody'],
      ['not a signed envelope', { payload: request().payload }, 'REQUEST_INVALID'],
      ['an unknown field', signRecord({ ...request().payload, extra: 1 }, owner), 'RECORD_UNKNOWN_FIELD'],
      ['a malformed path name', request(), 'NAME_MALFORMED', 'not a name'],
    ];
    for (const [why, body, code, path] of cases) expect(codes(await disclosure.issue(path ?? NAME, body)), why).toEqual([code]);

    // A suspended and then a revoked agent get nothing.
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'audit', clock.now()))).ok).toBe(true);
    expect(codes(await disclosure.issue(NAME, request()))).toEqual(['AGENT_SUSPENDED']);
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key leaked', clock.now()))).ok).toBe(true);
    expect(codes(await disclosure.issue(NAME, request({ at: clock.now() })))).toEqual(['AGENT_REVOKED']);
    expect(JSON.parse(await snapshot())[0].state).toBe('revoked');
    expect(JSON.parse(before)[0].state).toBe('active');
  });

  it('answers one signed request once: a replay within its window is refused', async () => {
    const { disclosure, clock } = await setup({ grant: ['retrain'] });
    const signed = request();
    expect((await disclosure.issue(NAME, signed)).ok).toBe(true);
    expect(codes(await disclosure.issue(NAME, signed))).toEqual(['SEQUENCE_STALE']);
    // Past the window the same bytes are stale anyway (and the replay memory is dropped).
    clock.advance(6 * 60_000);
    expect(codes(await disclosure.issue(NAME, signed))).toEqual(['RECORD_EXPIRED']);
    expect((await disclosure.issue(NAME, request({ at: clock.now() }))).ok).toBe(true);
  });

  it('two concurrent copies of one signed request: one credential, the other SEQUENCE_STALE', async () => {
    const { disclosure } = await setup({ grant: ['retrain'] });
    const signed = request();
    const answers = await Promise.all([disclosure.issue(NAME, signed), disclosure.issue(NAME, structuredClone(signed))]);
    expect(answers.map((a) => (a.ok ? 'issued' : codes(a)[0])).sort()).toEqual(['SEQUENCE_STALE', 'issued']);
  });

  it('a refused request is not remembered: the same bytes are answered once the reason is gone', async () => {
    const { disclosure, registry, clock } = await setup({ grant: ['retrain'] });
    const signed = request({ capabilities: ['deploy'] });
    expect(codes(await disclosure.issue(NAME, signed))).toEqual(['CAPABILITY_MISSING']);
    clock.advance(1000);
    expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, ['deploy', 'retrain'], clock.now()))).ok).toBe(true);
    expect((await disclosure.issue(NAME, signed)).ok).toBe(true);
    expect(codes(await disclosure.issue(NAME, signed))).toEqual(['SEQUENCE_STALE']);
  });

  it('a key rotated out of the name gets KEY_ROTATED_OUT, like every other write it signs', async () => {
    const { disclosure, registry } = await setup({ grant: ['retrain'] });
    const successor = testKey(3);
    expect((await registry.register({ ...registrationFor(successor, NAME, 200), rotation: createKeyRotation(owner, NAME, successor.did, 200) })).ok).toBe(true);
    expect(codes(await disclosure.issue(NAME, request()))).toEqual(['KEY_ROTATED_OUT']);
    expect(codes(await disclosure.issue(NAME, request({ key: mallory })))).toEqual(['NAME_TAKEN']);
    expect((await disclosure.issue(NAME, request({ key: successor }))).ok).toBe(true);
  });

  it('answers ROUTE_NOT_FOUND before it has an issuer', async () => {
    const { disclosure } = await setup({ grant: ['retrain'], issuer: false });
    expect(codes(await disclosure.issue(NAME, request()))).toEqual(['ROUTE_NOT_FOUND']);
    expect(codes(await disclosure.verify({ credential: {}, capability: 'retrain' }))).toEqual(['ROUTE_NOT_FOUND']);
  });
});

describe('credentialCapabilities', () => {
  it('carries granted tokens a credential can name; a token with ":" is left out by default and refused when asked for', () => {
    expect(credentialCapabilities(NAME, ['invoice.send', 'mcp:tools', 'retrain'], undefined)).toEqual({ ok: true, value: ['invoice.send', 'retrain'] });
    expect(codes(credentialCapabilities(NAME, ['mcp:tools'], undefined))).toEqual(['CAPABILITY_MISSING']);
    expect(codes(credentialCapabilities(NAME, [], undefined))).toEqual(['CAPABILITY_MISSING']);
    expect(codes(credentialCapabilities(NAME, ['mcp:tools', 'retrain'], ['mcp:tools']))).toEqual(['REQUEST_INVALID']);
    expect(codes(credentialCapabilities(NAME, ['retrain'], ['retrain', 'deploy']))).toEqual(['CAPABILITY_MISSING']);
  });

  it('the request record: closed schema, canonical name, did:key, UTC seconds', () => {
    const payload = request().payload;
    expect(checkCapabilityCredentialRequest(payload).ok).toBe(true);
    expect(codes(checkCapabilityCredentialRequest({ ...payload, name: 'agent://ACME.com/x' }))).toEqual(['RECORD_INVALID']);
    expect(codes(checkCapabilityCredentialRequest({ ...payload, agentId: 'did:web:acme.com' }))).toEqual(['AGENT_ID_INVALID']);
    expect(codes(checkCapabilityCredentialRequest({ ...payload, capabilities: [] }))).toEqual(['RECORD_INVALID']);
    expect(codes(checkCapabilityCredentialRequest({ ...payload, validitySeconds: 30 }))).toEqual(['RECORD_INVALID']);
  });
});

describe('RegistryDisclosure.verify', () => {
  it('accepts a derived proof revealing only retrain; refuses it for deploy, a flipped proof byte, another challenge', async () => {
    const { disclosure, credentials } = await setup({ grant: ['deploy', 'monitor', 'retrain'] });
    const issued = await disclosure.issue(NAME, request());
    if (!issued.ok) throw new Error('not issued');
    const derived = await derive(issued.value);
    const text = JSON.stringify(derived);
    expect(text).not.toContain('monitor');
    expect(text).not.toContain('deploy');
    // The name is mandatory for registry credentials, so it is revealed without being selected.
    expect(derived.credentialSubject).toEqual({ id: owner.did, name: NAME, capabilities: { retrain: {} } });

    const accepted = await disclosure.verify({ credential: derived, capability: 'retrain' });
    if (!accepted.ok) throw new Error(JSON.stringify(accepted.problems));
    const { verdict, ...check } = accepted.value;
    expect(check).toEqual({ verified: true, revealed: ['retrain'], errors: [], issuer: DID, subject: { id: owner.did, name: NAME }, validUntil: '2026-01-02T00:00:01Z' });
    // The same check, signed by the registry key for exactly this request.
    expect(checkDisclosureVerdict(verdict, { credential: derived, capability: 'retrain', registryKey: registryKey.did, nowMs: T0 + 1000 })).toEqual({ ok: true, value: check });
    const deploy = await disclosure.verify({ credential: derived, capability: 'deploy' });
    expect(deploy.ok && deploy.value).toMatchObject({ verified: false, revealed: ['retrain'] });
    expect(deploy.ok && codes(deploy.value)).toEqual(['CAPABILITY_MISSING']);
    // A refusal is signed too, and a signed verdict speaks only for the request it answers.
    const refusal = deploy.ok ? deploy.value.verdict : undefined;
    const expected = { credential: derived, capability: 'deploy', registryKey: registryKey.did, nowMs: T0 + 1000 };
    const signedRefusal = checkDisclosureVerdict(refusal, expected);
    expect(signedRefusal.ok && signedRefusal.value).toMatchObject({ verified: false, errors: [{ code: 'CAPABILITY_MISSING' }] });
    expect(codes(checkDisclosureVerdict(refusal, { ...expected, capability: 'retrain' }))).toEqual(['REGISTRY_BAD_RESPONSE']);
    expect(codes(checkDisclosureVerdict(refusal, { ...expected, challenge: 'nonce-1' }))).toEqual(['REGISTRY_BAD_RESPONSE']);
    expect(codes(checkDisclosureVerdict(refusal, { ...expected, registryKey: mallory.did }))).toEqual(['RECORD_SIGNATURE_INVALID']);
    expect(codes(checkDisclosureVerdict(refusal, { ...expected, nowMs: T0 + 1000 + 6 * 60_000 }))).toEqual(['RECORD_EXPIRED']);
    const flippedVerdict = { ...refusal!, payload: { ...refusal!.payload, check: { ...refusal!.payload.check, verified: true, errors: [] } } };
    expect(codes(checkDisclosureVerdict(flippedVerdict, expected))).toEqual(['RECORD_SIGNATURE_INVALID']);
    expect(codes(checkDisclosureVerdict(undefined, expected))).toEqual(['REGISTRY_BAD_RESPONSE']);

    const proofValue = derived.proof.proofValue;
    const at = Math.floor(proofValue.length / 2);
    const flipped = { ...derived, proof: { ...derived.proof, proofValue: proofValue.slice(0, at) + (proofValue[at] === 'A' ? 'B' : 'A') + proofValue.slice(at + 1) } };
    const tampered = await disclosure.verify({ credential: flipped, capability: 'retrain' });
    expect(tampered.ok && codes(tampered.value)).toEqual(['DISCLOSURE_INVALID']);
    expect(tampered.ok && tampered.value.revealed).toEqual([]);

    const bound = await derive(issued.value, 'retrain', new TextEncoder().encode('nonce-1'));
    const right = await disclosure.verify({ credential: bound, capability: 'retrain', challenge: 'nonce-1' });
    expect(right.ok && right.value.verified).toBe(true);
    const wrong = await disclosure.verify({ credential: bound, capability: 'retrain', challenge: 'nonce-2' });
    expect(wrong.ok && codes(wrong.value)).toEqual(['DISCLOSURE_INVALID']);

    expect(codes(await disclosure.verify({ credential: derived }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await disclosure.verify('nonsense'))).toEqual(['REQUEST_INVALID']);

    // Any verifier holding only the DID document the registry serves reaches the same answer.
    const document = credentials!.didDocument;
    const offline = await verifyDisclosure(derived, {
      documentLoader: createDisclosureDocumentLoader({ didDocuments: (did) => (did === DID ? document : undefined) }),
      now: T0 + 2000,
      trustedIssuers: [DID],
      requiredCapability: 'retrain',
    });
    expect(offline.errors).toEqual([]);
  });

  it("checks the agent's standing now: a withdrawn grant or a revocation after issuance refuses a proof that still verifies", async () => {
    const { disclosure, registry, clock } = await setup({ grant: ['monitor', 'retrain'] });
    const issued = await disclosure.issue(NAME, request());
    if (!issued.ok) throw new Error('not issued');
    const derived = await derive(issued.value);
    clock.advance(1000);
    expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, ['monitor'], clock.now()))).ok).toBe(true);
    const withdrawn = await disclosure.verify({ credential: derived, capability: 'retrain' });
    expect(withdrawn.ok && withdrawn.value).toMatchObject({ verified: false, revealed: ['retrain'] });
    expect(withdrawn.ok && codes(withdrawn.value)).toEqual(['CAPABILITY_MISSING']);
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key leaked', clock.now()))).ok).toBe(true);
    const revoked = await disclosure.verify({ credential: derived, capability: 'retrain' });
    expect(revoked.ok && codes(revoked.value)).toEqual(['AGENT_REVOKED']);
  });

  it('signs verdicts every client accepts: a long public URL (did:web over 512 characters) and pointers over 1,024 characters', async () => {
    const publicUrl = `https://registry.example/${'tenant-segment/'.repeat(45)}signpost`;
    const { disclosure, credentials } = await setup({ grant: ['retrain'], publicUrl });
    const did = credentials!.issuer.did;
    expect(did.length).toBeGreaterThan(512);
    const issued = await disclosure.issue(NAME, request());
    if (!issued.ok) throw new Error(JSON.stringify(issued.problems));
    const derived = await derive(issued.value);
    const expected = { capability: 'retrain', registryKey: registryKey.did, nowMs: T0 + 1000 };

    const accepted = await disclosure.verify({ credential: derived, capability: 'retrain' });
    if (!accepted.ok) throw new Error(JSON.stringify(accepted.problems));
    const { verdict, ...check } = accepted.value;
    expect(check).toMatchObject({ verified: true, issuer: did });
    expect(checkDisclosureVerdict(verdict, { ...expected, credential: derived })).toEqual({ ok: true, value: check });
    // The binding of that did:web is accepted too.
    expect(boundRegistryDocument(credentials!.didDocument, registryKey.did, credentials!.disclosureKeyBinding, T0 + 1000).ok).toBe(true);

    // A member name of 1,100 characters: the refusal names it in a pointer over 1,024 characters.
    const longName = 'x'.repeat(1100);
    const padded = { ...derived, credentialSubject: { ...derived.credentialSubject, [longName]: 'y' } };
    const refused = await disclosure.verify({ credential: padded, capability: 'retrain' });
    if (!refused.ok) throw new Error(JSON.stringify(refused.problems));
    const { verdict: refusal, ...refusedCheck } = refused.value;
    expect(codes(refusedCheck)).toEqual(['CREDENTIAL_INVALID']);
    expect(refusedCheck.errors[0]?.pointer).toBe(`/credentialSubject/${longName}`);
    expect(checkDisclosureVerdict(refusal, { ...expected, credential: padded })).toEqual({ ok: true, value: refusedCheck });

    const hugeName = 'z'.repeat(5000);
    const huge = { ...derived, credentialSubject: { ...derived.credentialSubject, [hugeName]: 'y' } };
    const cut = await disclosure.verify({ credential: huge, capability: 'retrain' });
    if (!cut.ok) throw new Error(JSON.stringify(cut.problems));
    expect(cut.value.errors[0]?.pointer).toHaveLength(4096);
    expect(cut.value.errors[0]?.pointer?.endsWith('…')).toBe(true);
    const { verdict: cutVerdict, ...cutCheck } = cut.value;
    expect(checkDisclosureVerdict(cutVerdict, { ...expected, credential: huge })).toEqual({ ok: true, value: cutCheck });
  });

  it('the registry mandates the agent name on top of the library minimum', () => {
    expect(REGISTRY_MANDATORY_POINTERS).toEqual(['/issuer', '/validFrom', '/validUntil', '/credentialSubject/id', '/credentialSubject/name']);
  });
});
