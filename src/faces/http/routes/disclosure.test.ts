import { afterEach, describe, expect, it } from 'vitest';
import { createCapabilityGrant } from '../../../core/record/capability-grant.js';
import { Registry } from '../../../core/registry/registry.js';
import { registryCredentials } from '../../../core/registry/registry-credentials.js';
import { createCapabilityCredentialRequest, RegistryDisclosure } from '../../../core/registry/registry-disclosure.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { checkDisclosureVerdict } from '../../../core/trust/disclosure/disclosure-check.js';
import { createIssuerKeyPair } from '../../../core/trust/disclosure/issuer-keys.js';
import { boundRegistryDocument, checkDisclosureKeyBinding } from '../../../core/trust/disclosure/key-binding.js';
import { formatUtcSeconds } from '../../../core/record/agent-addr.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from '../server.js';

const NAME = 'agent://acme.com/billing/invoices';
const PATH = `/v1/agents/${encodeURIComponent(NAME)}/capability-credential`;
const owner = testKey(1);
const registryKey = testKey(9);
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

async function setup(withDisclosure: boolean) {
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock });
  const disclosure = withDisclosure ? new RegistryDisclosure({ registry, clock }) : undefined;
  app = await buildHttpFace({ registry, clock, ...(disclosure ? { disclosure } : {}) });
  const credentials = registryCredentials('https://registry.example', registryKey);
  registry.useCredentials(disclosure ? await disclosure.useIssuer(credentials, registryKey, await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) })) : credentials);
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, ['invoice.send'], clock.now()))).ok).toBe(true);
  return { clock };
}

describe('HTTP face: capability credentials', () => {
  it('answers 201 with the credential, serves #bbs-1 in the DID document, and problem+json for refusals', async () => {
    const { clock } = await setup(true);
    const issued = await app.inject({ method: 'POST', url: PATH, payload: createCapabilityCredentialRequest({ key: owner, name: NAME, nowMs: clock.now() }) });
    expect(issued.statusCode).toBe(201);
    expect(issued.headers['content-type']).toMatch(/^application\/json/);
    expect(issued.json()).toMatchObject({ issuer: 'did:web:registry.example', credentialSubject: { capabilities: { 'invoice.send': {} } } });
    const did = (await app.inject({ url: '/.well-known/did.json' })).json();
    expect(did.assertionMethod[1]).toMatchObject({ id: 'did:web:registry.example#bbs-1', type: 'Multikey' });
    // GET /v1/registry carries the registry key's signature over that #bbs-1 key.
    const identity = (await app.inject({ url: '/v1/registry' })).json();
    expect(checkDisclosureKeyBinding(identity.disclosureKeyBinding, registryKey.did)).toEqual({
      ok: true,
      value: {
        type: 'DisclosureKeyBinding',
        v: 1,
        issuer: 'did:web:registry.example',
        keyId: 'did:web:registry.example#bbs-1',
        publicKeyMultibase: did.assertionMethod[1].publicKeyMultibase,
        validFrom: formatUtcSeconds(T0 + 1000),
        validUntil: formatUtcSeconds(T0 + 1000 + 7 * 86_400_000),
      },
    });

    const stale = await app.inject({ method: 'POST', url: PATH, payload: createCapabilityCredentialRequest({ key: owner, name: NAME, nowMs: clock.now() - 600_000 }) });
    expect({ status: stale.statusCode, code: stale.json().code }).toEqual({ status: 400, code: 'RECORD_EXPIRED' });
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    const wrongKey = await app.inject({ method: 'POST', url: PATH, payload: createCapabilityCredentialRequest({ key: testKey(2), name: NAME, nowMs: clock.now() }) });
    expect({ status: wrongKey.statusCode, code: wrongKey.json().code }).toEqual({ status: 403, code: 'NAME_TAKEN' });
    const malformed = await app.inject({ method: 'POST', url: '/v1/disclosures/verify', payload: { capability: 'invoice.send' } });
    expect({ status: malformed.statusCode, code: malformed.json().code }).toEqual({ status: 400, code: 'REQUEST_INVALID' });
    const refused = await app.inject({ method: 'POST', url: '/v1/disclosures/verify', payload: { credential: issued.json(), capability: 'invoice.send' } });
    // The base credential is never a presentation: a well-formed request answers 200 with verified false.
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toMatchObject({ verified: false, revealed: [], errors: [{ code: 'DISCLOSURE_INVALID' }] });
    // ... with the same answer signed by the registry key, for this request.
    const { verdict, ...check } = refused.json();
    expect(checkDisclosureVerdict(verdict, { credential: issued.json(), capability: 'invoice.send', registryKey: registryKey.did, nowMs: clock.now() })).toEqual({ ok: true, value: check });
  });

  it('GET /v1/registry serves a binding re-signed as it nears expiry, which a client accepts at that time', async () => {
    const { clock } = await setup(true);
    const did = (await app.inject({ url: '/.well-known/did.json' })).json();
    const first = (await app.inject({ url: '/v1/registry' })).json().disclosureKeyBinding;
    clock.advance(6 * 86_400_000);
    const later = (await app.inject({ url: '/v1/registry' })).json().disclosureKeyBinding;
    expect(later.payload.validFrom).toBe(formatUtcSeconds(clock.now()));
    const farLater = clock.now() + 2 * 86_400_000;
    expect(boundRegistryDocument(did, registryKey.did, first, farLater).ok).toBe(false);
    expect(boundRegistryDocument(did, registryKey.did, later, farLater).ok).toBe(true);
  });

  it('a registry built without disclosure says so (ROUTE_NOT_FOUND), and its DID document is unchanged', async () => {
    const { clock } = await setup(false);
    const issued = await app.inject({ method: 'POST', url: PATH, payload: createCapabilityCredentialRequest({ key: owner, name: NAME, nowMs: clock.now() }) });
    expect({ status: issued.statusCode, code: issued.json().code }).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND' });
    const verify = await app.inject({ method: 'POST', url: '/v1/disclosures/verify', payload: { credential: {}, capability: 'x' } });
    expect(verify.statusCode).toBe(404);
    expect((await app.inject({ url: '/.well-known/did.json' })).json().assertionMethod).toEqual(['did:web:registry.example#key-1']);
    expect((await app.inject({ url: '/v1/registry' })).json().disclosureKeyBinding).toBeUndefined();
  });
});
