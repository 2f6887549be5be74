import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { createStatusChange } from '../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { SignpostClient } from './signpost-client.js';

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
    expect(first).toMatchObject({ verified: true, name: NAME, agentId: owner.did, endpoint: { protocol: 'a2a' }, errors: [], revalidated: false });
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
    expect(await client.resolve(NAME)).toMatchObject({ verified: false, endpoint: null, errors: [{ code: 'CREDENTIAL_REVOKED' }] });
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
    expect(await strict.resolve(NAME)).toMatchObject({ verified: false, errors: [{ code: 'DID_UNRESOLVABLE' }] });
    const lenient = new SignpostClient({ registry: url, registryKey: registryKey.did, clock, requireCredential: false });
    expect((await lenient.resolve(NAME)).verified).toBe(true);
  });

  it('never throws: bad names, unknown agents and unreachable registries are results', async () => {
    const { url, clock } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    expect(await client.resolve('agent://acme.com/Bad_Name')).toMatchObject({ verified: false, errors: [{ code: 'NAME_BAD_CHARACTER' }] });
    expect(await client.resolve('agent://acme.com/nobody')).toMatchObject({ verified: false, errors: [{ code: 'AGENT_NOT_FOUND' }] });
    const offline = new SignpostClient({ registry: 'http://127.0.0.1:9', registryKey: registryKey.did, clock, timeoutMs: 2000 });
    expect(await offline.resolve(NAME)).toMatchObject({ verified: false, errors: [{ code: 'REGISTRY_UNREACHABLE' }] });
    expect(() => new SignpostClient({ registry: 'not a url' })).toThrow(TypeError);
  });
});
