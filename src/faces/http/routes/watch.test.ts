import { request, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../../core/registry/registry.js';
import { createStatusChange } from '../../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { LogWatch, notifyingStore } from '../../../core/log/log-watch.js';
import type { LogEventDraft } from '../../../core/log/log-event.js';
import type { Timers } from '../../../core/ports.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { activeAgent } from '../../../store/test-support/fixtures.js';
import { buildHttpFace, type HttpApp } from '../server.js';
import { readFileSync } from 'node:fs';
import { changeFrame } from './watch.js';

const owner = testKey(1);
const NAME = 'agent://acme.com/watch/invoices';
let app: HttpApp | undefined;
const opened: IncomingMessage[] = [];

afterEach(async () => {
  for (const response of opened.splice(0)) response.destroy();
  await app?.close();
  app = undefined;
});

/** Timers the test fires by hand. */
function manualTimers() {
  const running = new Map<number, () => void>();
  let next = 0;
  const timers: Timers = {
    every(_ms, run) {
      const id = next++;
      running.set(id, run);
      return () => running.delete(id);
    },
  };
  return { timers, fire: () => [...running.values()].forEach((run) => run()), running: () => running.size };
}

async function setUp(options: { maxPendingBytes?: number; maxSubscribers?: number } = {}) {
  const memory = new MemoryRecordStore();
  let watch: LogWatch | undefined;
  const store = notifyingStore(memory, () => void watch?.poke());
  watch = new LogWatch(store, options);
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  const heartbeat = manualTimers();
  app = await buildHttpFace({ registry, clock, changes: store, watch: { watch, timers: heartbeat.timers, heartbeatMs: 5_000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return { store, watch, registry, heartbeat, base: `http://127.0.0.1:${address.port}` };
}

/** A subscriber: the response, the events and comments it has read, and a way to wait for more. */
async function subscribe(url: string, headers: Record<string, string> = {}) {
  const response = await new Promise<IncomingMessage>((resolve, reject) => request(url, { headers }, resolve).on('error', reject).end());
  opened.push(response);
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  let body = '';
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const parser = createParser({ onEvent: (event) => events.push(event), onComment: (comment) => comments.push(comment) });
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    body += chunk;
    if (response.statusCode === 200) parser.feed(chunk);
    wake();
  });
  response.on('end', () => {
    ended = true;
    wake();
  });
  const until = async (done: () => boolean) => {
    while (!done()) {
      if (ended) throw new Error(`the stream ended first: ${JSON.stringify(events.slice(-3))}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const changes = () => events.filter((event) => event.event === 'change');
  return { response, events, comments, changes, until, body: () => body, ended: () => ended };
}

async function writeEvents(store: MemoryRecordStore, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const agent = activeAgent({ name: `agent://acme/watch/a${i}`, text: `A${i}` });
    const event: LogEventDraft = { kind: 'registered', name: agent.name, at: agent.updatedAt, agentId: agent.agentId, seq: agent.seq, state: 'active', records: { addr: 'ab'.repeat(32), facts: 'cd'.repeat(32) } };
    expect(await store.put(agent, null, [], event)).toBe('written');
  }
}

describe('GET /v1/watch', () => {
  it('streams each write as a change event whose id is its log index and whose data is the entry, and heartbeats when idle', async () => {
    const { store, registry, heartbeat, base } = await setUp();
    const subscriber = await subscribe(`${base}/v1/watch`);
    expect(subscriber.response.statusCode).toBe(200);
    expect(subscriber.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(subscriber.response.headers['cache-control']).toBe('no-store');
    await subscriber.until(() => subscriber.events.length >= 1);
    expect(subscriber.events[0]).toEqual({ event: 'open', id: undefined, data: JSON.stringify({ since: 0, size: 0, heartbeatMs: 5000 }) });

    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key lost', T0 + 1000))).ok).toBe(true);
    await subscriber.until(() => subscriber.changes().length === 2);
    const entries = await store.logEntries(0, 2);
    expect(subscriber.changes().map((event) => [event.id, event.data])).toEqual(entries.map((entry) => [String(entry.index), entry.text]));
    expect(JSON.parse(subscriber.changes()[1]!.data)).toMatchObject({ kind: 'status-changed', name: NAME, state: 'revoked' });

    heartbeat.fire();
    await subscriber.until(() => subscriber.comments.some((comment) => comment.trim() === 'heartbeat'));
  });

  it('resumes after Last-Event-ID (which wins over ?since), replaying from the log; ?since alone starts there', async () => {
    const { store, base } = await setUp();
    await writeEvents(store, 0, 30);
    const resumed = await subscribe(`${base}/v1/watch?since=0`, { 'last-event-id': '24' });
    await resumed.until(() => resumed.changes().length === 5);
    expect(JSON.parse(resumed.events[0]!.data)).toEqual({ since: 25, size: 30, heartbeatMs: 5000 });
    expect(resumed.changes().map((event) => Number(event.id))).toEqual([25, 26, 27, 28, 29]);
    const fromSince = await subscribe(`${base}/v1/watch?since=28`);
    await fromSince.until(() => fromSince.changes().length === 2);
    await writeEvents(store, 30, 1);
    await fromSince.until(() => fromSince.changes().length === 3);
    await resumed.until(() => resumed.changes().length === 6);
    expect(fromSince.changes().map((event) => Number(event.id))).toEqual([28, 29, 30]);
  });

  it('refuses a bad cursor, a bad Last-Event-ID and an unknown parameter with a clear error, and holds no subscriber for them', async () => {
    const { store, watch, base } = await setUp();
    await writeEvents(store, 0, 3);
    for (const [path, headers, code] of [
      ['/v1/watch?since=4', {}, 'LOG_RANGE_INVALID'],
      ['/v1/watch?since=-1', {}, 'REQUEST_INVALID'],
      ['/v1/watch?since=x', {}, 'REQUEST_INVALID'],
      ['/v1/watch?from=1', {}, 'REQUEST_INVALID'],
      ['/v1/watch', { 'last-event-id': 'seven' }, 'REQUEST_INVALID'],
      ['/v1/watch', { 'last-event-id': '-1' }, 'REQUEST_INVALID'],
      ['/v1/watch', { 'last-event-id': '99999999999999999999' }, 'REQUEST_INVALID'],
      ['/v1/watch', { 'last-event-id': '3' }, 'LOG_RANGE_INVALID'],
    ] as const) {
      const answer = await subscribe(`${base}${path}`, headers);
      await answer.until(() => answer.ended() || false).catch(() => {});
      expect({ path, headers, status: answer.response.statusCode, code: JSON.parse(answer.body()).code }).toEqual({ path, headers, status: 400, code });
    }
    expect(watch.subscribers).toBe(0);
  });

  it('more subscribers than the registry takes: 503 WATCH_FULL with retry-after; a subscriber that leaves frees its place', async () => {
    const { watch, base } = await setUp({ maxSubscribers: 1 });
    const first = await subscribe(`${base}/v1/watch`);
    const refused = await subscribe(`${base}/v1/watch`);
    await refused.until(() => refused.ended()).catch(() => {});
    expect({ status: refused.response.statusCode, retryAfter: refused.response.headers['retry-after'], code: JSON.parse(refused.body()).code }).toEqual({ status: 503, retryAfter: '5', code: 'WATCH_FULL' });
    first.response.destroy();
    for (let i = 0; i < 100 && watch.subscribers > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(watch.subscribers).toBe(0);
    const again = await subscribe(`${base}/v1/watch`);
    expect(again.response.statusCode).toBe(200);
  });

  it('a subscriber that stops reading is cut off with a last end event naming where to resume; the registry keeps no backlog, and the resume misses nothing', async () => {
    const { store, watch, base } = await setUp({ maxPendingBytes: 64 * 1024 });
    const slow = await subscribe(`${base}/v1/watch?since=0`);
    slow.response.pause();
    // Write until the socket, the kernel's buffers and then the watch's bound are full.
    let written = 0;
    while (watch.subscribers > 0) {
      await writeEvents(store, written, 500);
      written += 500;
      await new Promise((resolve) => setImmediate(resolve));
      if (written > 200_000) throw new Error('the slow subscriber was never cut off');
    }
    slow.response.resume();
    await slow.until(() => slow.events.at(-1)?.event === 'end');
    const end = JSON.parse(slow.events.at(-1)!.data) as { code: string; resumeFrom: number; detail: string };
    expect(end.code).toBe('WATCH_TOO_SLOW');
    const got = slow.changes().map((event) => Number(event.id));
    expect(got).toEqual([...Array(end.resumeFrom).keys()]);
    expect(end.resumeFrom).toBeLessThan(written);

    // Reconnecting as EventSource does (Last-Event-ID: the last id received) replays the rest.
    const resumed = await subscribe(`${base}/v1/watch`, { 'last-event-id': String(got.at(-1)) });
    await resumed.until(() => resumed.changes().length === written - end.resumeFrom);
    expect(resumed.changes()[0]!.id).toBe(String(end.resumeFrom));
    expect(resumed.changes().at(-1)!.id).toBe(String(written - 1));
  });

  it('closing the server ends every stream with WATCH_CLOSED and stops the heartbeat', async () => {
    const { heartbeat, base } = await setUp();
    const subscriber = await subscribe(`${base}/v1/watch`);
    await subscriber.until(() => subscriber.events.length === 1);
    expect(heartbeat.running()).toBe(1);
    const closing = app!.close();
    await subscriber.until(() => subscriber.events.at(-1)?.event === 'end');
    await closing;
    app = undefined;
    expect(JSON.parse(subscriber.events.at(-1)!.data)).toMatchObject({ code: 'WATCH_CLOSED', resumeFrom: 0 });
    expect(heartbeat.running()).toBe(0);
  });

  it('the example of spec 19.6 is the frame of entry 0 of the event-log test vectors, byte for byte', () => {
    const spec = readFileSync(new URL('../../../../docs/spec.md', import.meta.url), 'utf8');
    const vectors = JSON.parse(readFileSync(new URL('../../../../docs/test-vectors/event-log.json', import.meta.url), 'utf8')) as { entries: { index: number; text: string }[] };
    expect(spec).toContain(`event: open\ndata: {"since":0,"size":${vectors.entries.length},"heartbeatMs":15000}\n\n${changeFrame(vectors.entries[0]!)}`);
  });

  it('a registry without a watch answers ROUTE_NOT_FOUND', async () => {
    const clock = manualClock(T0);
    app = await buildHttpFace({ registry: new Registry({ store: new MemoryRecordStore(), key: testKey(9), clock }), clock });
    const response = await app.inject({ url: '/v1/watch' });
    expect({ status: response.statusCode, code: response.json().code }).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});
