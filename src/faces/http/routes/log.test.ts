import { afterEach, describe, expect, it } from 'vitest';
import { checkConsistency, checkInclusion, checkTreeHead, TransparencyLog } from '../../../core/log/transparency-log.js';
import { Registry } from '../../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from '../server.js';

const registryKey = testKey(9);
const agentKey = testKey(1);
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

async function setup(agents: number) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  const register = async (i: number) => expect((await registry.register(registrationFor(agentKey, `agent://acme.com/log/a${i}`, 100))).ok).toBe(true);
  for (let i = 0; i < agents; i++) await register(i);
  app = await buildHttpFace({ registry, clock, log: new TransparencyLog(store, registryKey, clock) });
  const get = async (url: string) => {
    const response = await app.inject({ url });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> & { code?: string } };
  };
  return { get, register };
}

describe('GET /v1/log/…', () => {
  it('a client checks the head, every entry and its inclusion, and consistency with a later head, all over HTTP', async () => {
    const { get, register } = await setup(5);
    const head = await get('/v1/log/head');
    expect(head.status).toBe(200);
    const older = checkTreeHead(head.body, registryKey.did);
    if (!older.ok) throw new Error('the head does not verify');
    expect(older.value.size).toBe(5);
    const { body } = await get('/v1/log/entries?start=0&end=5');
    const entries = body.entries as { index: number; text: string }[];
    expect(entries.map((entry) => entry.index)).toEqual([0, 1, 2, 3, 4]);
    for (const entry of entries) {
      const byIndex = await get(`/v1/log/proof/inclusion?index=${entry.index}`);
      expect(checkInclusion(entry.text, byIndex.body as never, older.value).ok).toBe(true);
      const byLeaf = await get(`/v1/log/proof/inclusion?leaf=${byIndex.body.leafHash}&size=5`);
      expect(byLeaf.body).toEqual(byIndex.body);
      expect(byIndex.body.entry).toBe(entry.text);
      // And by the digest of a record the entry stored, as a client holding the record asks.
      const { records } = JSON.parse(entry.text) as { records: { addr: string } };
      expect((await get(`/v1/log/proof/inclusion?record=${records.addr}&size=5`)).body).toEqual(byIndex.body);
    }
    await register(5);
    await register(6);
    const newer = checkTreeHead((await get('/v1/log/head')).body, registryKey.did);
    if (!newer.ok) throw new Error('the new head does not verify');
    const consistency = await get('/v1/log/proof/consistency?first=5&second=7');
    expect(checkConsistency(older.value, newer.value, consistency.body.proof as string[]).ok).toBe(true);
  });

  it('answers bad parameters with 400 and a catalogued code, an unknown leaf with 404', async () => {
    const { get } = await setup(3);
    for (const [url, status, code] of [
      ['/v1/log/entries?start=2&end=1', 400, 'LOG_RANGE_INVALID'],
      ['/v1/log/entries?start=9&end=10', 400, 'LOG_RANGE_INVALID'],
      ['/v1/log/entries?start=0', 400, 'REQUEST_INVALID'],
      ['/v1/log/entries?start=-1&end=2', 400, 'REQUEST_INVALID'],
      ['/v1/log/entries?start=0&end=2&extra=1', 400, 'REQUEST_INVALID'],
      ['/v1/log/proof/inclusion?index=3', 400, 'LOG_RANGE_INVALID'],
      ['/v1/log/proof/inclusion?index=0&size=4', 400, 'LOG_RANGE_INVALID'],
      ['/v1/log/proof/inclusion', 400, 'REQUEST_INVALID'],
      [`/v1/log/proof/inclusion?index=0&leaf=${'A'.repeat(43)}`, 400, 'REQUEST_INVALID'],
      ['/v1/log/proof/inclusion?leaf=short', 400, 'REQUEST_INVALID'],
      [`/v1/log/proof/inclusion?leaf=${'A'.repeat(43)}`, 404, 'LOG_ENTRY_NOT_FOUND'],
      ['/v1/log/proof/consistency?first=0', 400, 'LOG_RANGE_INVALID'],
      ['/v1/log/proof/consistency?first=3&second=2', 400, 'LOG_RANGE_INVALID'],
      ['/v1/log/proof/consistency?first=1&second=4', 400, 'LOG_RANGE_INVALID'],
      [`/v1/log/proof/inclusion?record=${'0'.repeat(64)}`, 404, 'LOG_ENTRY_NOT_FOUND'],
      [`/v1/log/proof/inclusion?record=${'A'.repeat(64)}`, 400, 'REQUEST_INVALID'],
      [`/v1/log/proof/inclusion?record=${'0'.repeat(64)}&index=0`, 400, 'REQUEST_INVALID'],
    ] as const) {
      const answer = await get(url);
      expect({ url, status: answer.status, code: answer.body.code }).toEqual({ url, status, code });
    }
  });

  it('a registry without a log answers ROUTE_NOT_FOUND', async () => {
    const clock = manualClock(T0);
    app = await buildHttpFace({ registry: new Registry({ store: new MemoryRecordStore(), key: registryKey, clock }), clock });
    const response = await app.inject({ url: '/v1/log/head' });
    expect({ status: response.statusCode, code: response.json().code }).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});
