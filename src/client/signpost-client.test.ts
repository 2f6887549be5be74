import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { createStatusChange } from '../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import { SignpostClient } from './signpost-client.js';
import { TransparencyLog } from '../core/log/transparency-log.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
const registryKey = testKey(9);
let app: HttpApp;

/** A real registry on a loopback port, with a clock shared by registry and client. */
async function start(options: { credentials?: boolean } = {}) {
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock });
  app = await buildHttpFace({ registry, clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  if (options.credentials !== false) registry.useCredentials(registryCredentials(url, registryKey));
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  return { registry, clock, url };
}

afterEach(async () => {
  await app?.close();
});

describe('SignpostClient.resolve', () => {
  it('returns a verified endpoint, then revalidates by ETag without verifying again', async () => {
    const { url, clock } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    const first = await client.resolve('invoices.billing@acme.com', { context: { protocol: 'a2a' } });
    expect(first).toMatchObject({ verified: true, name: NAME, agentId: owner.did, endpoint: { protocol: 'a2a' }, errors: [], status: 'good', revalidated: false });
    expect(first.facts?.agent_name).toBe(NAME);
    const second = await client.resolve(NAME, { context: { protocol: 'a2a' } });
    expect(second).toMatchObject({ verified: true, revalidated: true, endpoint: first.endpoint });
  });

  it('verifies afresh after invalidate()', async () => {
    const { url, clock } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    await client.resolve(NAME);
    client.invalidate('invoices.billing@acme.com');
    expect((await client.resolve(NAME)).revalidated).toBe(false);
    expect((await client.resolve(NAME)).revalidated).toBe(true);
    client.invalidate();
    expect((await client.resolve(NAME)).revalidated).toBe(false);
  });

  it('refuses a revoked agent on the very next resolve, cache or not', async () => {
    const { url, clock, registry } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect((await client.resolve(NAME)).verified).toBe(true);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'stolen', T0 + 1000))).ok).toBe(true);
    const after = await client.resolve(NAME);
    expect(after).toMatchObject({ verified: false, endpoint: null, errors: [{ code: 'AGENT_REVOKED' }] });
  });

  it('reports tampering by anything between it and the registry', async () => {
    const { url, clock } = await start();
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes('/v1/resolve')) return response;
      const answer = (await response.json()) as { endpoint: { url: string }; facts: { payload: { description: string } } };
      answer.endpoint.url = 'https://evil.example/a2a';
      return new Response(JSON.stringify(answer), { status: 200, headers: { etag: '"x"' } });
    };
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: tampering });
    expect(await client.resolve(NAME, { context: { protocol: 'a2a' } })).toMatchObject({ verified: false, endpoint: null, errors: [{ code: 'ENDPOINT_NOT_SIGNED' }] });
  });

  it('reports the agent id the AgentAddr signs, not the unsigned copy at the top of the answer', async () => {
    const { url, clock } = await start();
    const relabelling: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes('/v1/resolve')) return response;
      const answer = (await response.json()) as { agentId: string };
      answer.agentId = testKey(6).did;
      return new Response(JSON.stringify(answer), { status: 200, headers: { etag: '"relabelled"' } });
    };
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: relabelling });
    expect(await client.resolve(NAME)).toMatchObject({ verified: true, agentId: owner.did });
  });

  it('refuses answers countersigned by a key it does not trust', async () => {
    const { url, clock } = await start();
    const client = new SignpostClient({ registry: url, registryKey: testKey(4).did, clock });
    const result = await client.resolve(NAME);
    expect(result.verified).toBe(false);
    expect(result.errors.map((e) => e.code)).toContain('RECORD_COUNTERSIGNATURE_INVALID');
  });

  it('pins the registry key on first use when none is given', async () => {
    const { url, clock } = await start();
    const client = new SignpostClient({ registry: url, clock });
    expect((await client.resolve(NAME)).verified).toBe(true);
  });

  it('catches a replayed pre-revocation answer through the signed status list', async () => {
    const { url, clock, registry } = await start();
    const before = await fetch(`${url}/v1/resolve?name=${encodeURIComponent(NAME)}`).then((r) => r.text());
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'stolen', T0 + 1000))).ok).toBe(true);
    const replaying: typeof fetch = async (input, init) =>
      String(input).includes('/v1/resolve') ? new Response(before, { status: 200, headers: { etag: '"old"' } }) : fetch(input, init);
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: replaying });
    expect(await client.resolve(NAME)).toMatchObject({ verified: false, endpoint: null, status: 'revoked', errors: [{ code: 'CREDENTIAL_REVOKED' }] });
  });

  it('catches a proxy that keeps answering 304 after the revocation: the status lists are read again', async () => {
    const { url, clock, registry } = await start();
    let revoked = false;
    // Before the revocation it passes everything; after it, it confirms any cached answer as a stale cache would.
    const confirming: typeof fetch = async (input, init) => {
      const ifNoneMatch = new Headers(init?.headers).get('if-none-match');
      if (revoked && ifNoneMatch !== null && String(input).includes('/v1/resolve')) return new Response(null, { status: 304, headers: { etag: ifNoneMatch } });
      return fetch(input, init);
    };
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: confirming });
    expect(await client.resolve(NAME)).toMatchObject({ verified: true, status: 'good' });
    expect(await client.resolve(NAME)).toMatchObject({ verified: true, status: 'good', revalidated: true });
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'stolen', T0 + 1000))).ok).toBe(true);
    revoked = true;
    clock.advance(5_001); // past the status list cache (5 s), as the next call a little later would be
    expect(await client.resolve(NAME)).toMatchObject({ verified: false, endpoint: null, status: 'revoked', errors: [{ code: 'CREDENTIAL_REVOKED' }] });
  });

  it('reads a suspension from the status lists of a replayed answer', async () => {
    const { url, clock, registry } = await start();
    const before = await fetch(`${url}/v1/resolve?name=${encodeURIComponent(NAME)}`).then((r) => r.text());
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'audit', T0 + 1000))).ok).toBe(true);
    const replaying: typeof fetch = async (input, init) =>
      String(input).includes('/v1/resolve') ? new Response(before, { status: 200, headers: { etag: '"old"' } }) : fetch(input, init);
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: replaying });
    expect(await client.resolve(NAME)).toMatchObject({ verified: false, endpoint: null, status: 'suspended', errors: [{ code: 'CREDENTIAL_REVOKED' }] });
  });

  it('says the status is unchecked, and does not verify, when the status lists cannot be fetched', async () => {
    const { url, clock } = await start();
    const listsDown: typeof fetch = async (input, init) => (String(input).includes('/v1/status/') ? new Response('upstream down', { status: 503 }) : fetch(input, init));
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: listsDown });
    const result = await client.resolve(NAME);
    expect(result).toMatchObject({ verified: false, endpoint: null, status: 'unchecked' });
    expect(result.errors.map((e) => e.code)).toEqual(['STATUS_LIST_UNAVAILABLE', 'STATUS_LIST_UNAVAILABLE']);
    const unreachable: typeof fetch = async (input, init) => (String(input).includes('/v1/status/') ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    const offline = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: unreachable });
    expect(await offline.resolve(NAME)).toMatchObject({ verified: false, status: 'unchecked', errors: [{ code: 'STATUS_LIST_UNAVAILABLE' }, { code: 'STATUS_LIST_UNAVAILABLE' }] });
  });

  it('refuses deep or duplicate-keyed JSON from a registry or a proxy with a clear code, never a throw', async () => {
    const { url, clock } = await start();
    const answerText = await fetch(`${url}/v1/resolve?name=${encodeURIComponent(NAME)}`).then((r) => r.text());
    const serving =
      (body: (path: string) => string | undefined): typeof fetch =>
      async (input, init) => {
        const replaced = body(new URL(String(input)).pathname);
        return replaced === undefined ? fetch(input, init) : new Response(replaced, { status: 200, headers: { 'content-type': 'application/json', etag: '"x"' } });
      };
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    // The attacker's endpoint first, the signed one second: JSON.parse keeps the last, another reader the first.
    const duplicated = answerText.replace('"endpoint":', '"endpoint":{"url":"https://evil.example/a2a","protocol":"a2a"},"endpoint":');
    const cases: [string, typeof fetch, string][] = [
      ['deep answer', serving((path) => (path === '/v1/resolve' ? deep : undefined)), 'REQUEST_TOO_COMPLEX'],
      ['duplicate keys', serving((path) => (path === '/v1/resolve' ? duplicated : undefined)), 'REQUEST_MALFORMED_JSON'],
      ['__proto__', serving((path) => (path === '/v1/resolve' ? answerText.replace('{', '{"__proto__":{"verified":true},') : undefined)), 'REQUEST_MALFORMED_JSON'],
      ['deep registry identity', serving((path) => (path === '/v1/registry' ? `{"id":${deep}}` : undefined)), 'REQUEST_TOO_COMPLEX'],
    ];
    for (const [label, fetchImpl, code] of cases) {
      const client = new SignpostClient({ registry: url, ...(label.includes('identity') ? {} : { registryKey: registryKey.did }), clock, fetch: fetchImpl });
      const result = await client.resolve(NAME);
      expect({ label, verified: result.verified, endpoint: result.endpoint, codes: result.errors.map((e) => e.code) }).toEqual({ label, verified: false, endpoint: null, codes: ['REGISTRY_BAD_RESPONSE', code] });
    }
    // A status list that is not strict JSON is an invalid list, and the status stays unchecked.
    const badList = serving((path) => (path.startsWith('/v1/status/') ? deep : undefined));
    const listed = await new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: badList }).resolve(NAME);
    expect(listed).toMatchObject({ verified: false, status: 'unchecked' });
    expect(listed.errors.map((e) => e.code)).toEqual(['STATUS_LIST_INVALID', 'REQUEST_TOO_COMPLEX', 'STATUS_LIST_INVALID', 'REQUEST_TOO_COMPLEX']);
  });

  it('checks the facts credential: a DID document with another key is not believed', async () => {
    const { url, clock } = await start();
    const swapped: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/.well-known/did.json')) return response;
      const document = (await response.json()) as { verificationMethod: { publicKeyMultibase: string }[] };
      document.verificationMethod[0]!.publicKeyMultibase = 'z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
      return new Response(JSON.stringify(document), { status: 200 });
    };
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: swapped });
    expect(await client.resolve(NAME)).toMatchObject({ verified: false, endpoint: null, errors: [{ code: 'ISSUER_UNTRUSTED' }] });
  });

  it('refuses an answer whose credential was stripped, unless told the registry issues none', async () => {
    const { url, clock } = await start({ credentials: false });
    const strict = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect(await strict.resolve(NAME)).toMatchObject({ verified: false, status: 'unchecked', errors: [{ code: 'CREDENTIAL_INVALID' }] });
    const lenient = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, requireCredential: false });
    // Accepted, but it says that nobody read a revocation status for it.
    expect(await lenient.resolve(NAME)).toMatchObject({ verified: true, status: 'unchecked' });
  });

  it('never throws: bad names, unknown agents and unreachable registries are results', async () => {
    const { url, clock } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect(await client.resolve('agent://acme.com/Bad_Name')).toMatchObject({ verified: false, errors: [{ code: 'NAME_BAD_CHARACTER' }] });
    expect(await client.resolve('agent://acme.com/nobody')).toMatchObject({ verified: false, errors: [{ code: 'AGENT_NOT_FOUND' }] });
    const offline = new SignpostClient({ registry: `http://127.0.0.1:${await closedLoopbackPort()}`, registryKey: registryKey.did, clock });
    expect(await offline.resolve(NAME)).toMatchObject({ verified: false, errors: [{ code: 'REGISTRY_UNREACHABLE' }] });
    expect(() => new SignpostClient({ registry: 'not a url' })).toThrow(TypeError);
  });
});

describe('SignpostClient.resolve with verifyInclusion: the record proven in the registry log', () => {
  async function startWithLog() {
    const clock = manualClock(T0 + 1000);
    const store = new MemoryRecordStore();
    const registry = new Registry({ store, key: registryKey, clock });
    app = await buildHttpFace({ registry, clock, log: new TransparencyLog(store, registryKey, clock) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    registry.useCredentials(registryCredentials(url, registryKey));
    return { registry, store, clock, url };
  }

  it('names the entry that published the records, proven in a signed head; a later head must extend it', async () => {
    const { registry, clock, url } = await startWithLog();
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect(await client.resolve(NAME, { verifyInclusion: true })).toMatchObject({ verified: true, logInclusion: { index: 0, treeSize: 1 } });
    // Without the option, no log is asked.
    expect((await client.resolve(NAME)).logInclusion).toBeUndefined();
    expect((await registry.register(registrationFor(owner, NAME, 2))).ok).toBe(true);
    expect(await client.resolve(NAME, { verifyInclusion: true })).toMatchObject({ verified: true, logInclusion: { index: 1, treeSize: 2 } });
    // A 304 revalidation is proven the same way.
    expect(await client.resolve(NAME, { verifyInclusion: true })).toMatchObject({ verified: true, revalidated: true, logInclusion: { index: 1, treeSize: 2 } });
  });

  it('a record the registry serves but never logged is not verified: LOG_ENTRY_NOT_FOUND', async () => {
    const { registry, store, clock, url } = await startWithLog();
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    // The same registry key countersigns an update elsewhere; it lands in the store without its event.
    const elsewhere = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock });
    elsewhere.useCredentials(registryCredentials(url, registryKey));
    const unlogged = await elsewhere.register(registrationFor(owner, NAME, 2));
    if (!unlogged.ok) throw new Error('expected the update');
    expect(await store.put(unlogged.value.agent, 1)).toBe('written');
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect((await client.resolve(NAME)).verified).toBe(true);
    expect(await client.resolve(NAME, { verifyInclusion: true })).toMatchObject({ verified: false, endpoint: null, errors: [{ code: 'LOG_ENTRY_NOT_FOUND' }] });
  });

  it('a head not signed by the pinned key, or one that goes back, is refused', async () => {
    const { registry, clock, url } = await startWithLog();
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    let firstHead: string | undefined;
    let mode: 'honest' | 'forged' | 'replay' = 'honest';
    const proxy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/v1/log/head')) return response;
      const text = await response.text();
      firstHead ??= text;
      if (mode === 'forged') return new Response(text.replace(/"size":\d+/, '"size":7'), { status: 200 });
      return new Response(mode === 'replay' ? firstHead : text, { status: 200 });
    };
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, fetch: proxy });
    expect((await client.resolve(NAME, { verifyInclusion: true })).verified).toBe(true);
    expect((await registry.register(registrationFor(owner, NAME, 2))).ok).toBe(true);
    expect((await client.resolve(NAME, { verifyInclusion: true })).logInclusion).toEqual({ index: 1, treeSize: 2 });
    mode = 'forged';
    expect(await client.resolve(NAME, { verifyInclusion: true })).toMatchObject({ verified: false, errors: [{ code: 'LOG_HEAD_INVALID' }] });
    mode = 'replay';
    expect(await client.resolve(NAME, { verifyInclusion: true })).toMatchObject({ verified: false, errors: [{ code: 'LOG_INCONSISTENT' }] });
  });
});
