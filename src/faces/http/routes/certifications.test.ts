import { afterEach, describe, expect, it } from 'vitest';
import { CertificationRegistry } from '../../../core/registry/certifications.js';
import { Registry } from '../../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { issueCertificationCredential, type CertificationInput, type TrustPolicy } from '../../../core/trust/credentials/certification-credential.js';
import { createDocumentLoader } from '../../../core/trust/credentials/document-loader.js';
import { didKeyIssuer, didWebFromUrl, registryDidDocument, registryIssuer } from '../../../core/trust/credentials/registry-did.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from '../server.js';

const NAME = 'agent://acme.com/health/intake';
const ENCODED = encodeURIComponent(NAME);
const BYSTANDER = 'agent://acme.com/health/billing';
const DAY = 86_400_000;
const owner = testKey(1);
const auditor = didKeyIssuer(testKey(20));
const stranger = didKeyIssuer(testKey(22));
const COMPLIANCE_DID = didWebFromUrl('https://compliance.example');
const compliance = registryIssuer(COMPLIANCE_DID, testKey(21));
const documentLoader = createDocumentLoader({ didDocuments: (did) => (did === COMPLIANCE_DID ? registryDidDocument(COMPLIANCE_DID, testKey(21)) : undefined) });
const utc = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

async function setup(withCertifications = true) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + DAY);
  const registry = new Registry({ store, key: testKey(9), clock });
  const certifications = new CertificationRegistry({ store, clock, trustPolicy: { HIPAA: [auditor.did], SOC2: [COMPLIANCE_DID] }, documentLoader });
  app = await buildHttpFace({ registry, clock, ...(withCertifications ? { certifications } : {}) });
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  expect((await registry.register(registrationFor(testKey(2), BYSTANDER, 1))).ok).toBe(true);
  /** The same registry restarted with another trust policy file. */
  const restartWithPolicy = async (trustPolicy: TrustPolicy) => {
    await app.close();
    app = await buildHttpFace({ registry, clock, certifications: new CertificationRegistry({ store, clock, trustPolicy, documentLoader }) });
  };
  return { store, clock, certifications, restartWithPolicy };
}

function certification(overrides: Partial<CertificationInput> = {}) {
  return issueCertificationCredential({
    issuer: auditor,
    subject: owner.did,
    agentName: NAME,
    certification: { name: 'HIPAA', level: 'full' },
    validFrom: utc(T0),
    validUntil: utc(T0 + 365 * DAY),
    ...overrides,
  });
}

const submit = (body: unknown, name = ENCODED) =>
  app.inject({ method: 'POST', url: `/v1/agents/${name}/certifications`, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const list = (name = ENCODED) => app.inject({ method: 'GET', url: `/v1/agents/${name}/certifications` });
const search = async (query: string) => ((await app.inject({ method: 'GET', url: `/v1/search?${query}` })).json() as { items: { name: string }[] }).items.map((i) => i.name);

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect({ status: response.statusCode, code: response.json().code }).toEqual({ status, code });
}

describe('HTTP: certification credentials', () => {
  it('stores a trusted one (201), replaces it (200), lists it verified, and search counts it', async () => {
    await setup();
    const vc = await certification();
    const created = await submit(vc);
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`/v1/agents/${ENCODED}/certifications`);
    expect(created.json()).toMatchObject({ certification: 'HIPAA', level: 'full', issuer: auditor.did, subject: owner.did, verified: true, errors: [], credential: vc });
    const renewed = await certification({ validFrom: utc(T0 + 1000) });
    expect((await submit(renewed)).statusCode).toBe(200);

    const listed = await list('intake.health%40acme.com');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({ name: NAME, agentId: owner.did, items: [{ certification: 'HIPAA', verified: true, errors: [], credential: renewed }] });
    expect(await search('certification=HIPAA')).toEqual([NAME]);
    expect(await search('certification=hipaa')).toEqual([NAME]);
    expect(await search('certification=HIPAA&q=invoices')).toEqual([NAME]);
    expect(await search('certification=SOC2')).toEqual([]);
    expect(await search('')).toEqual([BYSTANDER, NAME]);
  });

  it('accepts a did:web issuer the document loader knows', async () => {
    await setup();
    const response = await submit(await certification({ issuer: compliance, certification: { name: 'SOC2' } }));
    expect(response.statusCode).toBe(201);
    expect(await search('certification=SOC2')).toEqual([NAME]);
  });

  it.each([
    ['an untrusted issuer', () => certification({ issuer: stranger }), 403, 'ISSUER_UNTRUSTED'],
    ['a forged proof', async () => ({ ...(await certification()), credentialSubject: { id: owner.did, agentName: NAME, certification: { name: 'HIPAA', level: 'full', scope: 'everything' } } }), 403, 'CREDENTIAL_INVALID'],
    ['an expired one', () => certification({ validFrom: utc(T0 - 400 * DAY), validUntil: utc(T0) }), 403, 'CREDENTIAL_EXPIRED'],
    ['one about another agent name', () => certification({ agentName: BYSTANDER }), 403, 'CREDENTIAL_INVALID'],
    ['a did:web issuer the policy does not list', () => certification({ issuer: registryIssuer('did:web:unknown.example', testKey(23)) }), 403, 'ISSUER_UNTRUSTED'],
    ['an oversized one', async () => ({ ...(await certification()), evidence: 'x'.repeat(17 * 1024) }), 413, 'REQUEST_TOO_LARGE'],
    ['an array', async () => [1, 2], 403, 'CREDENTIAL_INVALID'],
  ])('refuses %s as problem+json and stores nothing', async (_, make, status, code) => {
    const { store } = await setup();
    expectProblem(await submit(await make()), status, code);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    expect((await list()).json()).toMatchObject({ items: [] });
    expect(await search('certification=HIPAA')).toEqual([]);
  });

  it('refuses malformed JSON, an unknown agent and a bad name with their codes', async () => {
    const { store } = await setup();
    expectProblem(await submit('{"not json'), 400, 'REQUEST_MALFORMED_JSON');
    expectProblem(await submit(await certification(), encodeURIComponent('agent://acme.com/nobody')), 404, 'AGENT_NOT_FOUND');
    expectProblem(await list(encodeURIComponent('agent://acme.com/nobody')), 404, 'AGENT_NOT_FOUND');
    expectProblem(await submit(await certification(), 'Not%20A%20Name'), 400, 'NAME_MALFORMED');
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('lists a certification that stopped counting with the reason, and search leaves it out', async () => {
    const { clock, restartWithPolicy } = await setup();
    await submit(await certification({ validUntil: utc(T0 + 2 * DAY) }));
    clock.set(T0 + 3 * DAY);
    expect((await list()).json()).toMatchObject({ items: [{ verified: false, errors: [{ code: 'CREDENTIAL_EXPIRED' }] }] });
    expect(await search('certification=HIPAA')).toEqual([]);
    clock.set(T0 + DAY);
    await restartWithPolicy({});
    expect((await list()).json()).toMatchObject({ items: [{ verified: false, errors: [{ code: 'ISSUER_UNTRUSTED' }] }] });
    expect(await search('certification=HIPAA')).toEqual([]);
  });

  it('without a certification registry: the routes answer ROUTE_NOT_FOUND and nothing counts in search', async () => {
    await setup(false);
    expectProblem(await submit(await certification()), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await list(), 404, 'ROUTE_NOT_FOUND');
    expect(await search('certification=HIPAA')).toEqual([]);
  });

  it('shows both operations and the search filter in OpenAPI', async () => {
    await setup();
    const openapi = (await app.inject({ url: '/openapi.json' })).json();
    const path = openapi.paths['/v1/agents/{name}/certifications'];
    expect(Object.keys(path).sort()).toEqual(['get', 'post']);
    expect(Object.keys(path.post.responses)).toEqual(expect.arrayContaining(['200', '201', '403', '413']));
    expect(openapi.paths['/v1/search'].get.parameters.map((p: { name: string }) => p.name)).toContain('certification');
  });
});
