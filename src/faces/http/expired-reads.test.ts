/** Every read agrees about a record past its notAfter: resolve, the record, its facts, its credential and search. */
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { registryCredentials } from '../../core/registry/registry-credentials.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from './server.js';

const NAME = 'agent://acme.com/billing/invoices';
const ENCODED = encodeURIComponent(NAME);
const owner = testKey(1);
const registryKey = testKey(9);
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

describe('a record past its notAfter', () => {
  it('is AGENT_EXPIRED for resolve, the record, the facts and the credential, and is not listed by search; a renewal brings it back', async () => {
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock, credentials: registryCredentials('https://registry.example', registryKey) });
    app = await buildHttpFace({ registry, clock });
    const register = (seq: number) =>
      app.inject({ method: 'POST', url: '/v1/agents', payload: registrationFor(owner, NAME, seq, { validityMs: 60_000, nowMs: clock.now() }) });
    expect((await register(1)).statusCode).toBe(201);
    const reads = ['/v1/resolve?name=' + ENCODED, `/v1/agents/${ENCODED}`, `/v1/agents/${ENCODED}/facts`, `/v1/agents/${ENCODED}/credential`];
    const listed = async () => (await app.inject({ url: '/v1/search?q=invoices' })).json().items.map((item: { name: string }) => item.name);
    for (const url of reads) expect((await app.inject({ url })).statusCode, url).toBe(200);
    expect(await listed()).toEqual([NAME]);

    clock.advance(60_000);
    for (const url of reads) {
      const answer = await app.inject({ url });
      expect({ url, status: answer.statusCode, code: answer.json().code }).toEqual({ url, status: 410, code: 'AGENT_EXPIRED' });
    }
    // The record's refusal carries the stored sequence, which a renewal must exceed.
    expect((await app.inject({ url: `/v1/agents/${ENCODED}` })).json().seq).toBe(1);
    expect(await listed()).toEqual([]);

    expect((await register(2)).statusCode).toBe(200);
    for (const url of reads) expect((await app.inject({ url })).statusCode, url).toBe(200);
    expect(await listed()).toEqual([NAME]);
  });
});
