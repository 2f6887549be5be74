import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../../core/registry/registry.js';
import { createStatusChange } from '../../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from '../server.js';
import { canonicalText } from '../../../core/trust/jcs.js';

const owner = testKey(1);
const NAME = 'agent://acme.com/feed/invoices';
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

describe('GET /v1/changes', () => {
  it('follows the registry: each write is a change, in order, whose canonical JSON is the log entry', async () => {
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: testKey(9), clock });
    app = await buildHttpFace({ registry, clock, changes: store });
    const get = async (url: string) => {
      const response = await app.inject({ url });
      return { status: response.statusCode, body: response.json() as { changes: { index: number; event: Record<string, unknown> }[]; next: number; size: number; code?: string } };
    };
    expect((await get('/v1/changes?since=0')).body).toEqual({ changes: [], next: 0, size: 0 });
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    const first = await get('/v1/changes?since=0');
    expect(first.body.changes.map((change) => [change.index, change.event.kind])).toEqual([[0, 'registered']]);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key lost', T0 + 1000))).ok).toBe(true);
    const next = await get(`/v1/changes?since=${first.body.next}&limit=10`);
    expect(next.body.changes.map((change) => [change.index, change.event.kind, change.event.state])).toEqual([[1, 'status-changed', 'revoked']]);
    expect(next.body).toMatchObject({ next: 2, size: 2 });
    const [entry] = await store.logEntries(1, 2);
    expect(canonicalText(next.body.changes[0]!.event)).toBe(entry!.text);

    for (const [url, code] of [
      ['/v1/changes', 'REQUEST_INVALID'],
      ['/v1/changes?since=3', 'LOG_RANGE_INVALID'],
      ['/v1/changes?since=0&limit=0', 'REQUEST_INVALID'],
      ['/v1/changes?since=0&limit=1001', 'REQUEST_INVALID'],
      ['/v1/changes?since=0&cursor=1', 'REQUEST_INVALID'],
    ] as const) {
      const answer = await get(url);
      expect({ url, status: answer.status, code: answer.body.code }).toEqual({ url, status: 400, code });
    }
  });

  it('a registry without a change feed answers ROUTE_NOT_FOUND', async () => {
    const clock = manualClock(T0);
    app = await buildHttpFace({ registry: new Registry({ store: new MemoryRecordStore(), key: testKey(9), clock }), clock });
    const response = await app.inject({ url: '/v1/changes?since=0' });
    expect({ status: response.statusCode, code: response.json().code }).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});
