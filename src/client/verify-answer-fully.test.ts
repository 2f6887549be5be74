import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { createStatusChange } from '../core/record/registration.js';
import { createKeyRotation } from '../core/record/key-rotation.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { issueFactsCredential } from '../core/trust/credentials/facts-credential.js';
import { didWebFromUrl, registryIssuer } from '../core/trust/credentials/registry-did.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { CredentialStatusReader } from './credential-checks.js';
import { verifyResolveAnswerFully } from './verify-answer-fully.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
const registryKey = testKey(9);
let app: HttpApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A registry on a loopback port that issues facts credentials, NAME registered, and its current answer. */
async function start() {
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock });
  app = await buildHttpFace({ registry, clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  registry.useCredentials(registryCredentials(url, registryKey));
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  const answerNow = async () => (await fetch(`${url}/v1/resolve?name=${encodeURIComponent(NAME)}&protocol=a2a`).then((r) => r.json())) as Record<string, any>;
  return { registry, clock, url, answer: await answerNow(), answerNow };
}

/** A fetch that counts what it is asked, and fails the status lists when told to. */
function countingFetch(options: { statusLists?: 'up' | 'http-503' | 'unreachable' } = {}) {
  const asked: string[] = [];
  const impl: typeof fetch = async (input, init) => {
    const url = String(input);
    asked.push(new URL(url).pathname);
    if (url.includes('/v1/status/') && options.statusLists === 'http-503') return new Response('down', { status: 503 });
    if (url.includes('/v1/status/') && options.statusLists === 'unreachable') throw new TypeError('fetch failed');
    return fetch(input, init);
  };
  return { impl, asked };
}

const options = { registryKey: registryKey.did, expectedName: NAME, nowMs: T0 + 2000 };

describe('verifyResolveAnswerFully: the one verification every path runs', () => {
  it('verifies a current answer: records, credential and both status bits; the saved-answer reader agrees with the registry-bound one', async () => {
    const { url, answer } = await start();
    for (const reader of [new CredentialStatusReader({ registry: url }), new CredentialStatusReader()]) {
      const result = await verifyResolveAnswerFully(answer, options, reader);
      expect(result).toMatchObject({ verified: true, signaturesVerified: true, status: 'good', errors: [] });
      expect(result.endpoints).toHaveLength(2);
    }
  });

  it('reads a stale answer replayed after a revocation, a suspension, an update or a key rotation as not verified', async () => {
    const revoked = await start();
    expect((await revoked.registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'stolen', T0 + 1000))).ok).toBe(true);
    expect(await verifyResolveAnswerFully(revoked.answer, options, new CredentialStatusReader())).toMatchObject({
      verified: false,
      signaturesVerified: true,
      status: 'revoked',
      errors: [{ code: 'CREDENTIAL_REVOKED' }],
    });
    await app?.close();

    const suspended = await start();
    expect((await suspended.registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'audit', T0 + 1000))).ok).toBe(true);
    expect(await verifyResolveAnswerFully(suspended.answer, options, new CredentialStatusReader())).toMatchObject({ verified: false, status: 'suspended', errors: [{ code: 'CREDENTIAL_REVOKED' }] });
    await app?.close();

    const updated = await start();
    expect((await updated.registry.register(registrationFor(owner, NAME, 2, { claims: { label: 'Invoices v2' } }))).ok).toBe(true);
    expect(await verifyResolveAnswerFully(updated.answer, options, new CredentialStatusReader())).toMatchObject({ verified: false, status: 'revoked', errors: [{ code: 'CREDENTIAL_REVOKED' }] });
    // The new answer is good: only the superseded credential is revoked.
    expect(await verifyResolveAnswerFully(await updated.answerNow(), options, new CredentialStatusReader())).toMatchObject({ verified: true, status: 'good' });
    await app?.close();

    const rotated = await start();
    const successor = testKey(2);
    expect((await rotated.registry.register({ ...registrationFor(successor, NAME, 2), rotation: createKeyRotation(owner, NAME, successor.did, 2) })).ok).toBe(true);
    expect(await verifyResolveAnswerFully(rotated.answer, options, new CredentialStatusReader())).toMatchObject({ verified: false, status: 'revoked', errors: [{ code: 'CREDENTIAL_REVOKED' }] });
  });

  it('offline: the signatures and the credential are checked, the status is unchecked, and the answer is not verified', async () => {
    const { answer } = await start();
    const { impl, asked } = countingFetch();
    const result = await verifyResolveAnswerFully(answer, options, new CredentialStatusReader({ offline: true, fetch: impl }));
    expect(result).toMatchObject({ verified: false, signaturesVerified: true, status: 'unchecked', errors: [{ code: 'STATUS_LIST_UNAVAILABLE' }] });
    expect(result.endpoints).toHaveLength(2);
    expect(asked).toEqual([]);
  });

  it('a status list that cannot be fetched leaves the status unchecked, never verified', async () => {
    const { url, answer } = await start();
    for (const statusLists of ['http-503', 'unreachable'] as const) {
      const { impl } = countingFetch({ statusLists });
      const result = await verifyResolveAnswerFully(answer, options, new CredentialStatusReader({ registry: url, fetch: impl }));
      expect({ statusLists, verified: result.verified, status: result.status, codes: result.errors.map((e) => e.code) }).toEqual({
        statusLists,
        verified: false,
        status: 'unchecked',
        codes: ['STATUS_LIST_UNAVAILABLE', 'STATUS_LIST_UNAVAILABLE'],
      });
    }
  });

  it('a tampered answer fails on its signatures, before any network call', async () => {
    const { url, answer } = await start();
    const { impl, asked } = countingFetch();
    const tampered = structuredClone(answer);
    tampered.facts.payload.description = 'Sends invoices to the attacker';
    const result = await verifyResolveAnswerFully(tampered, options, new CredentialStatusReader({ registry: url, fetch: impl }));
    expect(result).toMatchObject({ verified: false, signaturesVerified: false, status: 'unchecked', endpoints: [] });
    expect(result.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['FACTS_DIGEST_MISMATCH', 'RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID']));
    expect(asked).toEqual([]);
  });

  it('refuses a credential signed by another key in the registry’s name, and an answer without one unless told the registry issues none', async () => {
    const { url, answer } = await start();
    const forger = registryIssuer(didWebFromUrl(url), testKey(5));
    const forged = structuredClone(answer);
    forged.credential = await issueFactsCredential({
      issuer: forger,
      facts: answer.facts.payload,
      agentSignature: answer.facts.sig,
      status: { revocation: { listUrl: `${url}/v1/status/revocation/0`, index: 7 }, suspension: { listUrl: `${url}/v1/status/suspension/0`, index: 7 } },
      validFrom: answer.addr.countersig.at,
      validUntil: answer.addr.payload.notAfter,
    });
    expect(await verifyResolveAnswerFully(forged, options, new CredentialStatusReader())).toMatchObject({ verified: false, signaturesVerified: true, status: 'unchecked', errors: [{ code: 'CREDENTIAL_INVALID' }] });

    const stripped = structuredClone(answer);
    delete stripped.credential;
    expect(await verifyResolveAnswerFully(stripped, options, new CredentialStatusReader())).toMatchObject({ verified: false, status: 'unchecked', errors: [{ code: 'CREDENTIAL_INVALID' }] });
    expect(await verifyResolveAnswerFully(stripped, { ...options, requireCredential: false }, new CredentialStatusReader())).toMatchObject({ verified: true, status: 'unchecked', errors: [] });
    // A credential that is there is always checked, even when none is required.
    expect(await verifyResolveAnswerFully(forged, { ...options, requireCredential: false }, new CredentialStatusReader())).toMatchObject({ verified: false });
  });

  it('never throws: garbage, a value nested past the call stack, a credential of the wrong type', async () => {
    const { answer } = await start();
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const deepFacts = structuredClone(answer);
    deepFacts.facts.payload.extra = deep;
    const wrongCredential = { ...answer, credential: 'not a credential' };
    for (const input of [undefined, null, 42, 'answer', [], { addr: deep }, deepFacts, wrongCredential]) {
      const result = await verifyResolveAnswerFully(input, options, new CredentialStatusReader());
      expect(result.verified).toBe(false);
      expect(result.errors.length).toBeGreaterThan(0);
    }
  });
});
