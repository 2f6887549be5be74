import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { registryCredentials } from '../../core/registry/registry-credentials.js';
import { createDocumentLoader } from '../../core/trust/credentials/document-loader.js';
import { checkCredentialStatus } from '../../core/trust/credentials/status-list.js';
import { createStatusChange, createTombstone } from '../../core/record/registration.js';
import { signRecord } from '../../core/record/signing.js';
import { verifyAgentRecords } from '../../core/record/verify.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { BODY_LIMIT_BYTES, buildHttpFace, type HttpApp } from './server.js';

const NAME = 'agent://acme.com/billing/invoices';
const ENCODED = encodeURIComponent(NAME);
const owner = testKey(1);
const registryKey = testKey(9);
let app: HttpApp;

async function setup() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  app = await buildHttpFace({ registry, clock });
  const snapshot = async () => JSON.stringify([await store.get(NAME), await store.count()]);
  return { store, clock, registry, snapshot };
}

afterEach(async () => {
  await app?.close();
});

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/agents', payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect({ status: response.statusCode, code: body.code }).toEqual({ status, code });
  expect(body).toMatchObject({ type: `urn:signpost:error:${code}`, status, title: expect.any(String), detail: expect.any(String) });
}

describe('HTTP face: register, read, resolve', () => {
  it('registers (201 + Location), then updates (200), and serves the countersigned records', async () => {
    await setup();
    const created = await post(registrationFor(owner, NAME, 1));
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`/v1/agents/${ENCODED}`);
    expect((await post(registrationFor(owner, NAME, 2))).statusCode).toBe(200);

    const record = await app.inject({ url: `/v1/agents/${ENCODED}` });
    expect(record.statusCode).toBe(200);
    expect(record.json()).toMatchObject({ name: NAME, seq: 2, agentId: owner.did });
    const facts = await app.inject({ url: `/v1/agents/${ENCODED}/facts` });
    expect(facts.json().payload.agent_name).toBe(NAME);
    const check = verifyAgentRecords({ addr: record.json().addr, facts: facts.json() }, { registryDid: registryKey.did, nowMs: T0 + 2000 });
    expect(check.verified).toBe(true);
  });

  it('resolves any name form with the chosen endpoint, Cache-Control from the TTL, and a working ETag', async () => {
    await setup();
    await post(registrationFor(owner, NAME, 1, { ttl: 300 }));
    const answer = await app.inject({ url: `/v1/resolve?name=${encodeURIComponent('invoices.billing@acme.com')}&protocol=a2a` });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('max-age=300');
    expect(answer.json()).toMatchObject({ name: NAME, endpoint: { protocol: 'a2a', url: 'https://agents.acme.com/invoices/a2a' }, registry: { id: registryKey.did } });
    const etag = answer.headers.etag as string;
    const again = await app.inject({ url: `/v1/resolve?name=${encodeURIComponent('invoices.billing@acme.com')}&protocol=a2a`, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    // An update invalidates the cached answer and changes the ETag.
    await post(registrationFor(owner, NAME, 2, { ttl: 300 }));
    const fresh = await app.inject({ url: `/v1/resolve?name=${encodeURIComponent('invoices.billing@acme.com')}&protocol=a2a`, headers: { 'if-none-match': etag } });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json().addr.payload.seq).toBe(2);
  });

  it('answers null for the endpoint when none fits the requested context', async () => {
    await setup();
    await post(registrationFor(owner, NAME, 1));
    const answer = await app.inject({ url: `/v1/resolve?name=${ENCODED}&protocol=grpc` });
    expect(answer.json().endpoint).toBeNull();
  });

  it('answers 404 for unknown names, 400 for invalid names, 410 with the tombstone after deregistration', async () => {
    await setup();
    expectProblem(await app.inject({ url: `/v1/resolve?name=${encodeURIComponent('agent://acme.com/nobody')}` }), 404, 'AGENT_NOT_FOUND');
    expectProblem(await app.inject({ url: `/v1/resolve?name=${encodeURIComponent('agent://acme.com/Bad_Name')}` }), 400, 'NAME_BAD_CHARACTER');
    expectProblem(await app.inject({ url: '/v1/resolve' }), 400, 'REQUEST_INVALID');
    await post(registrationFor(owner, NAME, 1));
    await app.inject({ url: `/v1/resolve?name=${ENCODED}` });
    const gone = await app.inject({ method: 'DELETE', url: `/v1/agents/${ENCODED}`, payload: createTombstone(owner, NAME, 2) });
    expect(gone.statusCode).toBe(200);
    // The cached answer must not outlive the deregistration.
    expectProblem(await app.inject({ url: `/v1/resolve?name=${ENCODED}` }), 410, 'AGENT_DEREGISTERED');
    const record = await app.inject({ url: `/v1/agents/${ENCODED}` });
    expectProblem(record, 410, 'AGENT_DEREGISTERED');
    expect(record.json().tombstone.payload.seq).toBe(2);
  });

  it('answers 410 AGENT_EXPIRED once the record passes notAfter', async () => {
    const { clock } = await setup();
    await post(registrationFor(owner, NAME, 1, { validityMs: 60_000 }));
    expect((await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).statusCode).toBe(200);
    clock.advance(61_000);
    expectProblem(await app.inject({ url: `/v1/resolve?name=${ENCODED}` }), 410, 'AGENT_EXPIRED');
  });
});

describe('HTTP face: revocation and suspension', () => {
  const revoke = (body: unknown) => app.inject({ method: 'POST', url: `/v1/agents/${ENCODED}/revoke`, payload: body as object });

  it('revokes: the cached resolve answer is dropped at once, resolve and read answer 410 with the signed change', async () => {
    await setup();
    await post(registrationFor(owner, NAME, 1));
    expect((await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).statusCode).toBe(200);
    const revoked = await revoke(createStatusChange(owner, NAME, 'revoke', 'key leaked', T0 + 1000));
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ name: NAME, state: 'revoked', statusChange: { payload: { action: 'revoke' }, countersig: { by: registryKey.did } } });
    const resolve = await app.inject({ url: `/v1/resolve?name=${ENCODED}` });
    expectProblem(resolve, 410, 'AGENT_REVOKED');
    expect(resolve.json().detail).toContain('key leaked');
    const read = await app.inject({ url: `/v1/agents/${ENCODED}` });
    expectProblem(read, 410, 'AGENT_REVOKED');
    expect(read.json().statusChange.payload.reason).toBe('key leaked');
    expect((await app.inject({ url: '/v1/search?q=invoices' })).json().items).toEqual([]);
  });

  it('suspends (403) and reinstates (200) by the registry operator', async () => {
    const { clock } = await setup();
    await post(registrationFor(owner, NAME, 1));
    expect((await revoke(createStatusChange(registryKey, NAME, 'suspend', 'under review', T0 + 1000))).statusCode).toBe(200);
    expectProblem(await app.inject({ url: `/v1/resolve?name=${ENCODED}` }), 403, 'AGENT_SUSPENDED');
    clock.advance(1000);
    expect((await revoke(createStatusChange(registryKey, NAME, 'reinstate', 'cleared', T0 + 2000))).statusCode).toBe(200);
    expect((await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).statusCode).toBe(200);
  });

  it('refuses another key, a forged signature and garbage, changing nothing', async () => {
    const { snapshot } = await setup();
    await post(registrationFor(owner, NAME, 1));
    const before = await snapshot();
    expectProblem(await revoke(createStatusChange(testKey(3), NAME, 'revoke', 'mine now', T0 + 1000)), 403, 'REVOCATION_NOT_AUTHORIZED');
    expectProblem(await revoke(signRecord(createStatusChange(owner, NAME, 'revoke', 'x', T0 + 1000).payload, testKey(3))), 403, 'RECORD_SIGNATURE_INVALID');
    expectProblem(await revoke({ nonsense: true }), 400, 'REQUEST_INVALID');
    expect(await snapshot()).toBe(before);
    expect((await app.inject({ url: '/metrics' })).body).toContain('signpost_registry_writes_total{operation="revoke",outcome="REVOCATION_NOT_AUTHORIZED"} 1');
  });
});

describe('HTTP face: bad input is refused with a stable code and changes nothing', () => {
  it('malformed JSON', async () => {
    const { snapshot } = await setup();
    await post(registrationFor(owner, NAME, 1));
    const before = await snapshot();
    expectProblem(await post('{"addr": '), 400, 'REQUEST_MALFORMED_JSON');
    expectProblem(await post('{"__proto__": {"x": 1}}'), 400, 'REQUEST_MALFORMED_JSON');
    expect(await snapshot()).toBe(before);
  });

  it('a body over the limit', async () => {
    const { snapshot } = await setup();
    const before = await snapshot();
    const huge = registrationFor(owner, NAME, 1, { claims: { description: 'x'.repeat(BODY_LIMIT_BYTES) } });
    expectProblem(await post(huge), 413, 'REQUEST_TOO_LARGE');
    expect(await snapshot()).toBe(before);
  });

  it('a body that is not JSON', async () => {
    const { snapshot } = await setup();
    const before = await snapshot();
    expectProblem(await post('addr=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'REQUEST_UNSUPPORTED_MEDIA_TYPE');
    expect(await snapshot()).toBe(before);
  });

  it.each([
    ['wrong signature', (r: ReturnType<typeof registrationFor>) => ({ ...r, addr: { ...r.addr, sig: r.facts.sig } }), 403, 'RECORD_SIGNATURE_INVALID'],
    ['signature by another key', (r: ReturnType<typeof registrationFor>) => ({ ...r, addr: signRecord(r.addr.payload, testKey(3)) }), 403, 'RECORD_SIGNATURE_INVALID'],
    ['replayed sequence', () => registrationFor(owner, NAME, 5), 409, 'SEQUENCE_STALE'],
    ['stale sequence', () => registrationFor(owner, NAME, 4), 409, 'SEQUENCE_STALE'],
    ['another key taking the name', () => registrationFor(testKey(3), NAME, 99), 403, 'NAME_TAKEN'],
    ['facts digest mismatch', (r: ReturnType<typeof registrationFor>) => ({ ...r, facts: signRecord({ ...r.facts.payload, label: 'changed' }, owner) }), 400, 'FACTS_DIGEST_MISMATCH'],
    ['unknown field in the signed AgentAddr', (r: ReturnType<typeof registrationFor>) => ({ ...r, addr: signRecord({ ...r.addr.payload, trust: 1 }, owner) }), 400, 'RECORD_UNKNOWN_FIELD'],
    ['invalid name', (r: ReturnType<typeof registrationFor>) => ({ ...r, addr: signRecord({ ...r.addr.payload, name: 'agent://acme.com//x' }, owner) }), 400, 'NAME_EMPTY_LABEL'],
  ] as const)('%s', async (_what, mutate, status, code) => {
    const { snapshot } = await setup();
    await post(registrationFor(owner, NAME, 5));
    const before = await snapshot();
    const response = await post(mutate(registrationFor(owner, NAME, 6)));
    expectProblem(response, status, code);
    expect(await snapshot()).toBe(before);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain(`signpost_registry_writes_total{operation="register",outcome="${code}"} 1`);
  });
});

describe('HTTP face: search, system routes, docs', () => {
  it('searches by words, capability and protocol with paging', async () => {
    await setup();
    for (const [i, name] of ['agent://acme.com/billing/invoices', 'agent://acme.com/billing/refunds', 'agent://acme.com/hr/payroll'].entries()) {
      const claims = { description: `${name.split('/').pop()} service for billing team`, skills: [{ id: `skill-${i}` }], endpoints: { static: [{ url: 'https://x.example', protocol: i === 2 ? 'mcp' : 'a2a' }] } };
      expect((await post(registrationFor(testKey(10 + i), name, 1, { claims }))).statusCode).toBe(201);
    }
    const byWord = (await app.inject({ url: '/v1/search?q=refund' })).json();
    expect(byWord.items.map((i: { name: string }) => i.name)).toEqual(['agent://acme.com/billing/refunds']);
    expect((await app.inject({ url: '/v1/search?protocol=mcp' })).json().items).toHaveLength(1);
    expect((await app.inject({ url: '/v1/search?namespace=acme.com' })).json().items).toHaveLength(3);
    expect((await app.inject({ url: '/v1/search?namespace=acme.co' })).json().items).toHaveLength(0);
    expectProblem(await app.inject({ url: `/v1/search?namespace=${'a'.repeat(254)}` }), 400, 'REQUEST_INVALID');
    expect((await app.inject({ url: '/v1/search?capability=skill-0' })).json().items[0].name).toBe('agent://acme.com/billing/invoices');
    const first = (await app.inject({ url: '/v1/search?q=billing&limit=2' })).json();
    expect(first.items).toHaveLength(2);
    const second = (await app.inject({ url: `/v1/search?q=billing&limit=2&cursor=${first.nextCursor}` })).json();
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items).toHaveLength(1);
    expectProblem(await app.inject({ url: '/v1/search?q=billing&cursor=garbage' }), 400, 'SEARCH_BAD_CURSOR');
    expectProblem(await app.inject({ url: '/v1/search?limit=1000' }), 400, 'REQUEST_INVALID');
  });

  it('serves healthz, metrics, registry identity, OpenAPI and the docs page; unknown routes are problems', async () => {
    await setup();
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', agents: 0 });
    expect((await app.inject({ url: '/v1/registry' })).json()).toMatchObject({ id: registryKey.did, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519' } });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('signpost_agents{state="active"} 0');
    const openapi = (await app.inject({ url: '/openapi.json' })).json();
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/agents', '/v1/agents/{name}', '/v1/resolve', '/v1/search', '/healthz', '/metrics']));
    const docs = await app.inject({ url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
    expectProblem(await app.inject({ url: '/v2/nothing' }), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('HTTP face: credentials, status lists and the registry DID', () => {
  it('serves the did:web document, the facts VC, and status lists that turn revoked at once', async () => {
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const credentials = registryCredentials('https://registry.example', registryKey);
    const registry = new Registry({ store, key: registryKey, clock, credentials });
    app = await buildHttpFace({ registry, clock });
    await post(registrationFor(owner, NAME, 1));

    const did = await app.inject({ url: '/.well-known/did.json' });
    expect(did.json()).toMatchObject({ id: 'did:web:registry.example', assertionMethod: ['did:web:registry.example#key-1'] });
    const resolved = (await app.inject({ url: `/v1/resolve?name=${ENCODED}` })).json();
    const vc = (await app.inject({ url: `/v1/agents/${ENCODED}/credential` })).json();
    expect(resolved.credential).toEqual(vc);
    const entry = vc.credentialStatus.find((e: { statusPurpose: string }) => e.statusPurpose === 'revocation');
    expect(entry.statusListCredential).toBe('https://registry.example/v1/status/revocation/0');

    const documentLoader = createDocumentLoader({ didDocuments: () => did.json() });
    const check = async () => {
      const list = await app.inject({ url: '/v1/status/revocation/0' });
      expect(list.headers['cache-control']).toBe('max-age=5');
      return (await checkCredentialStatus(entry, list.json(), { documentLoader, now: clock.now(), trustedIssuers: ['did:web:registry.example'] })).status;
    };
    expect(await check()).toBe('ok');
    await app.inject({ method: 'POST', url: `/v1/agents/${ENCODED}/revoke`, payload: createStatusChange(owner, NAME, 'revoke', 'leaked', T0 + 1000) });
    expect(await check()).toBe('revoked');
    expectProblem(await app.inject({ url: '/v1/status/revocation/4096' }), 400, 'REQUEST_INVALID');
    expectProblem(await app.inject({ url: '/v1/status/deletion/0' }), 400, 'REQUEST_INVALID');
  });

  it('says plainly when a registry issues no credentials', async () => {
    await setup();
    expectProblem(await app.inject({ url: '/.well-known/did.json' }), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await app.inject({ url: '/v1/status/revocation/0' }), 404, 'ROUTE_NOT_FOUND');
  });
});
