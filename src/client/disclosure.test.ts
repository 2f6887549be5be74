import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapabilityGrant } from '../core/record/capability-grant.js';
import { createStatusChange } from '../core/record/registration.js';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { createCapabilityCredentialRequest, RegistryDisclosure, REGISTRY_MANDATORY_POINTERS } from '../core/registry/registry-disclosure.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { issueCapabilityCredential, type CapabilityCredential, type DerivedCapabilityCredential } from '../core/trust/disclosure/capability-credential.js';
import { createIssuerKeyPair, exportIssuerKeyPair, importIssuerKeyPair } from '../core/trust/disclosure/issuer-keys.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import {
  checkDisclosureAtRegistry,
  deriveCapabilityDisclosure,
  fetchIssuerDidDocument,
  requestCapabilityCredential,
  verifyCapabilityDisclosure,
  type IssuerDidDocument,
} from './disclosure.js';
import { SignpostClient } from './signpost-client.js';

const NAME = 'agent://research-lab/ml-ops/model-retrainer';
const owner = testKey(1);
const registryKey = testKey(9);
const clock = manualClock(T0 + 1000);
const now = () => clock.now();
let app: HttpApp;
let url: string;
let registry: Registry;
let credential: CapabilityCredential;
let derived: DerivedCapabilityCredential;
let document: IssuerDidDocument;

/** A real registry on a loopback port, issuing capability credentials, like `signpost serve` wires it. */
beforeAll(async () => {
  registry = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock });
  const disclosure = new RegistryDisclosure({ registry, clock });
  app = await buildHttpFace({ registry, clock, disclosure });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const blsKey = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) });
  registry.useCredentials(await disclosure.useIssuer(registryCredentials(url, registryKey), registryKey, blsKey));
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, ['retrain', 'monitor', 'deploy'], now()))).ok).toBe(true);

  const issued = await requestCapabilityCredential(url, createCapabilityCredentialRequest({ key: owner, name: NAME, nowMs: now() }));
  if (!issued.ok) throw new Error(JSON.stringify(issued.problems));
  credential = issued.value;
  const made = await deriveCapabilityDisclosure(credential, 'retrain');
  if (!made.ok) throw new Error(JSON.stringify(made.problems));
  derived = made.value;
  const fetched = await fetchIssuerDidDocument(url, { registryKey: registryKey.did, now: now() });
  if (!fetched.ok) throw new Error(JSON.stringify(fetched.problems));
  document = fetched.value;
});

afterAll(async () => {
  await app?.close();
});

const codes = (result: { errors: readonly { code: string }[] }) => result.errors.map((e) => e.code);

describe('verifyCapabilityDisclosure', () => {
  it('verifies offline against the DID document fetched once: only retrain is revealed', async () => {
    expect(credential.credentialSubject.capabilities).toEqual({ deploy: {}, monitor: {}, retrain: {} });
    const text = JSON.stringify(derived);
    expect(text).not.toContain('monitor');
    expect(text).not.toContain('deploy');
    const result = await verifyCapabilityDisclosure(derived, { capability: 'retrain', issuerDidDocument: document, now: now() });
    expect(result).toEqual({
      verified: true,
      revealed: ['retrain'],
      errors: [],
      issuer: document.id,
      subject: { id: owner.did, name: NAME },
      validUntil: credential.validUntil,
    });
    // The same with the registry URL (the document is fetched on the call).
    expect((await verifyCapabilityDisclosure(derived, { capability: 'retrain', registryUrl: url, registryKey: registryKey.did, now: now() })).verified).toBe(true);
    // A binding is believed only while it is valid by the verifier's clock: the one this registry
    // serves (signed at its start) is refused 8 days later, as a replayed old binding would be.
    const later = now() + 8 * 86_400_000;
    const stale = await fetchIssuerDidDocument(url, { registryKey: registryKey.did, now: later });
    expect(stale.ok ? [] : stale.problems.map((p) => p.code)).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(await verifyCapabilityDisclosure(derived, { capability: 'retrain', registryUrl: url, registryKey: registryKey.did, now: later }))).toEqual(['ISSUER_UNTRUSTED']);
  });

  it('refuses a capability the proof does not reveal, a flipped proof byte, another challenge, an untrusted issuer, an expired credential', async () => {
    const options = { issuerDidDocument: document, now: now() };
    expect(codes(await verifyCapabilityDisclosure(derived, { ...options, capability: 'deploy' }))).toEqual(['CAPABILITY_MISSING']);
    const value = derived.proof.proofValue;
    const flipped = { ...derived, proof: { ...derived.proof, proofValue: value.slice(0, 100) + (value[100] === 'x' ? 'y' : 'x') + value.slice(101) } };
    expect(codes(await verifyCapabilityDisclosure(flipped, { ...options, capability: 'retrain' }))).toEqual(['DISCLOSURE_INVALID']);
    const bound = await deriveCapabilityDisclosure(credential, 'retrain', { challenge: 'nonce-7' });
    if (!bound.ok) throw new Error('derive failed');
    expect((await verifyCapabilityDisclosure(bound.value, { ...options, capability: 'retrain', challenge: 'nonce-7' })).verified).toBe(true);
    expect(codes(await verifyCapabilityDisclosure(bound.value, { ...options, capability: 'retrain', challenge: 'nonce-8' }))).toEqual(['DISCLOSURE_INVALID']);
    expect(codes(await verifyCapabilityDisclosure(derived, { ...options, capability: 'retrain', trustedIssuers: ['did:web:other.example'] }))).toEqual(['ISSUER_UNTRUSTED']);
    expect(codes(await verifyCapabilityDisclosure(derived, { ...options, capability: 'retrain', now: now() + 2 * 86_400_000 }))).toEqual(['CREDENTIAL_EXPIRED']);
  });

  it('never throws: garbage, no document, an unreachable registry, a DID document pinned to another key', async () => {
    for (const input of [null, 'x', {}, credential]) {
      const result = await verifyCapabilityDisclosure(input, { capability: 'retrain', issuerDidDocument: document, now: now() });
      expect(result.verified).toBe(false);
      expect(result.errors.length).toBeGreaterThan(0);
    }
    expect(codes(await verifyCapabilityDisclosure(derived, { capability: 'retrain' }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await verifyCapabilityDisclosure(derived, { capability: 'retrain', registryUrl: `http://127.0.0.1:${await closedLoopbackPort()}`, now: now() }))).toEqual(['REGISTRY_UNREACHABLE']);
    const pinnedElsewhere = await verifyCapabilityDisclosure(derived, { capability: 'retrain', registryUrl: url, registryKey: testKey(4).did, now: now() });
    expect(codes(pinnedElsewhere)).toEqual(['ISSUER_UNTRUSTED']);
  });
});

/**
 * A man in the middle between the verifier and the registry: everything passes through, except the
 * answers `rewrite` changes. The attacker has its own BLS key and no registry key.
 */
function mitm(rewrite: (path: string, body: unknown) => unknown): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const path = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).pathname;
    const body = (await response.json()) as unknown;
    return new Response(JSON.stringify(rewrite(path, body) ?? body), { status: response.status, headers: { 'content-type': 'application/json' } });
  };
}

/** The attack of the review: the genuine #key-1, the attacker's BLS key as #bbs-1, and a payments.admin credential it issued. */
async function forgery() {
  const own = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(66) });
  const named = await importIssuerKeyPair({ ...exportIssuerKeyPair(own), controller: document.id, id: `${document.id}#bbs-1` });
  if (!named.ok) throw new Error('cannot name the key');
  const forged = await issueCapabilityCredential({
    issuer: { did: document.id, keyPair: named.value },
    subject: { id: owner.did, name: NAME },
    capabilities: { 'payments.admin': {} },
    validFrom: credential.validFrom,
    validUntil: credential.validUntil,
    mandatoryPointers: REGISTRY_MANDATORY_POINTERS,
  });
  const proof = await deriveCapabilityDisclosure(forged, 'payments.admin');
  if (!proof.ok) throw new Error('cannot derive');
  const swap = (path: string, body: unknown) =>
    path === '/.well-known/did.json'
      ? {
          ...(body as object),
          assertionMethod: (body as { assertionMethod: unknown[] }).assertionMethod.map((m) => (typeof m === 'string' ? m : { ...(m as object), publicKeyMultibase: own.publicKeyMultibase })),
        }
      : undefined;
  return { proof: proof.value, fetch: mitm(swap) };
}

describe('a man in the middle with its own BLS key (review finding A1)', () => {
  it('is refused by fetchIssuerDidDocument and verifyCapabilityDisclosure pinned to the registry key', async () => {
    const attack = await forgery();
    const fetched = await fetchIssuerDidDocument(url, { registryKey: registryKey.did, fetch: attack.fetch, now: now() });
    expect(fetched.ok ? [] : fetched.problems.map((p) => p.code)).toEqual(['ISSUER_UNTRUSTED']);
    const forged = await verifyCapabilityDisclosure(attack.proof, { capability: 'payments.admin', registryUrl: url, registryKey: registryKey.did, fetch: attack.fetch, now: now() });
    expect(forged).toMatchObject({ verified: false, errors: [{ code: 'ISSUER_UNTRUSTED' }] });
    // Without the man in the middle the forgery fails against the genuine key, and the genuine proof passes.
    expect(codes(await verifyCapabilityDisclosure(attack.proof, { capability: 'payments.admin', issuerDidDocument: document, now: now() }))).toEqual(['DISCLOSURE_INVALID']);
    expect((await verifyCapabilityDisclosure(derived, { capability: 'retrain', registryUrl: url, registryKey: registryKey.did, now: now() })).verified).toBe(true);
  });

  it('without a pinned key the document is trusted on first use: the forgery then verifies (why the docs say to pin)', async () => {
    const attack = await forgery();
    const fetched = await fetchIssuerDidDocument(url, { fetch: attack.fetch });
    if (!fetched.ok) throw new Error('not fetched');
    expect((await verifyCapabilityDisclosure(attack.proof, { capability: 'payments.admin', issuerDidDocument: fetched.value, now: now() })).verified).toBe(true);
  });

  it("an online verdict counts only when signed by the pinned key: a forged {verified: true} is refused", async () => {
    const attack = await forgery();
    const lie = mitm((path, body) => (path === '/v1/disclosures/verify' ? { ...(body as object), verified: true, revealed: ['payments.admin'], errors: [] } : undefined));
    const input = { credential: attack.proof, capability: 'payments.admin' };
    // The unsigned members are not read: the answer is the signed verdict (the registry refused the forgery).
    const ignored = await checkDisclosureAtRegistry(url, input, { registryKey: registryKey.did, fetch: lie, now: now() });
    expect(ignored.ok && ignored.value).toMatchObject({ verified: false, revealed: [], errors: [{ code: 'DISCLOSURE_INVALID' }] });
    const rewritten = mitm((path, body) => {
      if (path !== '/v1/disclosures/verify') return undefined;
      const verdict = (body as { verdict: { payload: object; sig: string } }).verdict;
      return { ...(body as object), verdict: { ...verdict, payload: { ...verdict.payload, check: { verified: true, revealed: ['payments.admin'], errors: [] } } } };
    });
    const refused = await checkDisclosureAtRegistry(url, input, { registryKey: registryKey.did, fetch: rewritten, now: now() });
    expect(refused.ok ? [] : refused.problems.map((p) => p.code)).toEqual(['RECORD_SIGNATURE_INVALID']);
    // Without the pin the lie is believed: the unsigned answer proves nothing.
    const believed = await checkDisclosureAtRegistry(url, input, { fetch: lie });
    expect(believed.ok && believed.value.verified).toBe(true);
    const stripped = mitm((path, body) => (path === '/v1/disclosures/verify' ? { verified: true, revealed: ['payments.admin'], errors: [] } : undefined));
    const unsigned = await checkDisclosureAtRegistry(url, input, { registryKey: registryKey.did, fetch: stripped, now: now() });
    expect(unsigned.ok ? [] : unsigned.problems.map((p) => p.code)).toEqual(['REGISTRY_BAD_RESPONSE']);
    // The registry's own (signed) verdict on the forgery.
    const genuine = await checkDisclosureAtRegistry(url, input, { registryKey: registryKey.did, now: now() });
    expect(genuine.ok && genuine.value).toMatchObject({ verified: false, errors: [{ code: 'DISCLOSURE_INVALID' }] });
  });
});

describe('the registry API through the SDK', () => {
  it('refuses a request for an agent without grants with the catalogue code', async () => {
    const other = testKey(3);
    const OTHER = 'agent://research-lab/ml-ops/no-grants';
    expect((await registry.register(registrationFor(other, OTHER, 1))).ok).toBe(true);
    const refused = await requestCapabilityCredential(url, createCapabilityCredentialRequest({ key: other, name: OTHER, nowMs: now() }));
    expect(refused.ok ? [] : refused.problems.map((p) => p.code)).toEqual(['CAPABILITY_MISSING']);
  });

  it('the registry check adds the standing of the agent now', async () => {
    const accepted = await checkDisclosureAtRegistry(url, { credential: derived, capability: 'retrain' });
    expect(accepted.ok && accepted.value).toMatchObject({ verified: true, revealed: ['retrain'], errors: [] });
    const signed = await checkDisclosureAtRegistry(url, { credential: derived, capability: 'retrain' }, { registryKey: registryKey.did, now: now() });
    expect(signed).toEqual({ ok: true, value: { verified: true, revealed: ['retrain'], errors: [], issuer: document.id, subject: { id: owner.did, name: NAME }, validUntil: credential.validUntil } });
    const malformed = await checkDisclosureAtRegistry(url, { credential: derived } as never);
    expect(malformed.ok ? [] : malformed.problems.map((p) => p.code)).toEqual(['REQUEST_INVALID']);
  });

  it('SignpostClient still resolves and verifies with the BLS key embedded in the DID document', async () => {
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect(await client.resolve(NAME)).toMatchObject({ verified: true, errors: [] });
    expect(document.assertionMethod).toHaveLength(2);
  });

  it('after a revocation the registry refuses the proof; an offline verifier cannot know (the credential is short-lived instead)', async () => {
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key leaked', now()))).ok).toBe(true);
    const online = await checkDisclosureAtRegistry(url, { credential: derived, capability: 'retrain' });
    expect(online.ok && codes(online.value)).toEqual(['AGENT_REVOKED']);
    expect((await verifyCapabilityDisclosure(derived, { capability: 'retrain', issuerDidDocument: document, now: now() })).verified).toBe(true);
  });
});
