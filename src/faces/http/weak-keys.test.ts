/**
 * Small-order and non-canonical Ed25519 keys through the HTTP face (docs/spec.md section 2): every
 * write naming such a key answers 400 KEY_WEAK as problem+json, and nothing is stored. The
 * "signatures" are the universal one (R = identity, S = 0), which OpenSSL accepts for the identity
 * key over every message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CertificationRegistry } from '../../core/registry/certifications.js';
import { NamespaceOwners } from '../../core/registry/namespace-owners.js';
import { Registry } from '../../core/registry/registry.js';
import { createCapabilityGrant } from '../../core/record/capability-grant.js';
import { createStatusChange, createTombstone } from '../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { issueCertificationCredential } from '../../core/trust/credentials/certification-credential.js';
import { createDocumentLoader } from '../../core/trust/credentials/document-loader.js';
import { didKeyIssuer } from '../../core/trust/credentials/registry-did.js';
import { didKeyFromPublicKey } from '../../core/trust/did-key.js';
import { CachingDidResolver } from '../../core/trust/did-web/caching-did-resolver.js';
import type { SigningKey } from '../../core/trust/ed25519.js';
import { toBase58 } from '../../core/trust/encoding.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from './server.js';

const NAME = 'agent://acme.com/billing/invoices';
const ENCODED = encodeURIComponent(NAME);
const DAY = 86_400_000;
const owner = testKey(1);
const registryKey = testKey(9);
const IDENTITY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);
const UNIVERSAL_SIGNATURE = Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]);
/** The identity point as a key: anyone "signs" for it. */
const forger: SigningKey = { did: didKeyFromPublicKey(IDENTITY), publicKey: IDENTITY, sign: () => UNIVERSAL_SIGNATURE };
const OWNER_DID = 'did:web:acme.com';
/** acme.com's DID document, served by its web server, listing the identity point as its assertion key. */
const weakOwnerDocument = {
  '@context': ['https://www.w3.org/ns/did/v1'],
  id: OWNER_DID,
  verificationMethod: [{ id: '#key-1', type: 'Multikey', controller: OWNER_DID, publicKeyMultibase: forger.did.slice('did:key:'.length) }],
  assertionMethod: ['#key-1'],
};
const utc = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

let app: HttpApp;
afterEach(async () => {
  await app?.close();
});

async function setup(options: { registered?: boolean } = {}) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const resolver = new CachingDidResolver({
    clock,
    fetcher: { fetch: async () => ({ kind: 'document' as const, body: JSON.stringify(weakOwnerDocument), cacheControl: 'max-age=600' }) },
  });
  const registry = new Registry({ store, key: registryKey, clock, namespaceOwners: new NamespaceOwners({ resolver }) });
  const certifications = new CertificationRegistry({ store, clock, trustPolicy: { HIPAA: [forger.did] }, documentLoader: createDocumentLoader() });
  app = await buildHttpFace({ registry, clock, certifications });
  if (options.registered !== false) expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  const snapshot = async () =>
    JSON.stringify([await store.count(), await store.get(NAME), await store.statusEntries('revocation'), await store.statusEntries('suspension'), await store.certificationsOf(NAME)]);
  return { store, snapshot, before: await snapshot() };
}

const send = (method: 'POST' | 'DELETE', url: string, body: unknown) =>
  app.inject({ method, url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

function expectKeyWeak(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, pointer?: string) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect({ status: response.statusCode, code: body.code }).toEqual({ status: 400, code: 'KEY_WEAK' });
  expect(body).toMatchObject({ type: 'urn:signpost:error:KEY_WEAK', title: expect.stringContaining('small-order'), detail: expect.stringContaining('small-order point') });
  if (pointer !== undefined) expect(body.errors[0].pointer).toBe(pointer);
}

describe('HTTP face: weak Ed25519 keys', () => {
  it('refuses to register the identity did:key with the universal signature; the name stays unknown', async () => {
    const { store, snapshot, before } = await setup({ registered: false });
    expectKeyWeak(await send('POST', '/v1/agents', registrationFor(forger, NAME, 1)), '/addr/payload/agentId');
    expect(await snapshot()).toBe(before);
    expect(await store.get(NAME)).toBeUndefined();
    expect((await app.inject({ url: `/v1/agents/${ENCODED}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).statusCode).toBe(404);
  });

  it('refuses a revocation "signed" by the identity did:key; the agent still resolves', async () => {
    const { snapshot, before } = await setup();
    expectKeyWeak(await send('POST', `/v1/agents/${ENCODED}/revoke`, createStatusChange(forger, NAME, 'revoke', 'forged', T0 + 1000)), '/payload/by');
    expect(await snapshot()).toBe(before);
    expect((await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).statusCode).toBe(200);
  });

  it("refuses a suspension by the namespace owner whose DID document lists the identity point", async () => {
    const { snapshot, before } = await setup();
    const change = createStatusChange(forger, NAME, 'suspend', 'forged by the owner', T0 + 1000, `${OWNER_DID}#key-1`);
    expectKeyWeak(await send('POST', `/v1/agents/${ENCODED}/revoke`, change));
    expect(await snapshot()).toBe(before);
    expect((await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).statusCode).toBe(200);
  });

  it('refuses a tombstone and a capability grant by the identity did:key', async () => {
    const { snapshot, before } = await setup();
    expectKeyWeak(await send('DELETE', `/v1/agents/${ENCODED}`, createTombstone(forger, NAME, 2, true)), '/payload/agentId');
    expectKeyWeak(await send('POST', `/v1/agents/${ENCODED}/capabilities`, createCapabilityGrant(forger, NAME, ['invoice.send'], T0 + 1000)), '/payload/by');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a certification "issued" by the identity did:key with the universal proof', async () => {
    const { snapshot, before } = await setup();
    const genuine = await issueCertificationCredential({
      issuer: didKeyIssuer(testKey(20)),
      subject: owner.did,
      agentName: NAME,
      certification: { name: 'HIPAA' },
      validFrom: utc(T0),
      validUntil: utc(T0 + 365 * DAY),
    });
    const fingerprint = forger.did.slice('did:key:'.length);
    const forged = {
      ...genuine,
      issuer: forger.did,
      proof: { ...genuine.proof, verificationMethod: `${forger.did}#${fingerprint}`, proofValue: `z${toBase58(UNIVERSAL_SIGNATURE)}` },
    };
    expectKeyWeak(await send('POST', `/v1/agents/${ENCODED}/certifications`, forged), '/proof/verificationMethod');
    expect(await snapshot()).toBe(before);
  });
});
