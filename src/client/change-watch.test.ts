import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { createStatusChange } from '../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { LogWatch, notifyingStore } from '../core/log/log-watch.js';
import type { Timers } from '../core/ports.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { ChangeWatch, type WatchedChange } from './change-watch.js';
import { SignpostClient } from './signpost-client.js';

const NAME = 'agent://acme.com/billing/invoices';
const OTHER = 'agent://acme.com/billing/invoices-archive';
const owner = testKey(1);
const registryKey = testKey(9);
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Wait for a condition that follows from events already under way (no wall-clock bound). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
}

const noTimers: Timers = { every: () => () => {} };

/** A registry with a live watch on a loopback port, counting the resolve requests it gets. */
async function start() {
  const clock = manualClock(T0 + 1000);
  let watch: LogWatch | undefined;
  const store = notifyingStore(new MemoryRecordStore(), () => void watch?.poke());
  watch = new LogWatch(store);
  const registry = new Registry({ store, key: registryKey, clock });
  const app: HttpApp = await buildHttpFace({ registry, clock, changes: store, watch: { watch, timers: noTimers, heartbeatMs: 10_000 } });
  const resolves = { count: 0 };
  // Counted as node:http sees them: a cached answer or a 304 never reaches fastify (resolve-fast-path.ts).
  app.server.on('request', (request: IncomingMessage) => {
    if (request.url!.startsWith('/v1/resolve')) resolves.count++;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  registry.useCredentials(registryCredentials(url, registryKey));
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  expect((await registry.register(registrationFor(testKey(2), OTHER, 1))).ok).toBe(true);
  return { registry, clock, url, app, resolves };
}

describe('SignpostClient.watch', () => {
  it('while the watch is live, a cached answer is reused with no request; a revocation drops it and reaches the listener without any resolve', async () => {
    const { url, clock, registry, resolves } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    const changes: WatchedChange[] = [];
    const watch = client.watch({ onChange: (change) => changes.push(change) });
    cleanups.push(() => client.unwatch());
    await until(() => watch.live);

    expect((await client.resolve(NAME)).verified).toBe(true);
    expect((await client.resolve(OTHER)).verified).toBe(true);
    expect(resolves.count).toBe(2);
    const again = await client.resolve(NAME);
    expect(again).toMatchObject({ verified: true, watched: true, revalidated: false, status: 'good' });
    expect(resolves.count).toBe(2);

    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key stolen', T0 + 1000))).ok).toBe(true);
    await until(() => changes.length === 1);
    expect(changes[0]!.event).toMatchObject({ kind: 'status-changed', name: NAME, state: 'revoked' });
    expect(changes[0]!.index).toBe(2);
    // The revoked name is asked again (and refused); the other name, whose prefix it is, stays cached.
    const revoked = await client.resolve(NAME);
    expect(revoked.verified).toBe(false);
    expect(resolves.count).toBe(3);
    expect((await client.resolve(OTHER)).watched).toBe(true);
    expect(resolves.count).toBe(3);
  });

  it('a watch not heard from for two heartbeat intervals is not trusted: resolve asks the registry again', async () => {
    const { url, clock, resolves } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    const watch = client.watch();
    cleanups.push(() => client.unwatch());
    await until(() => watch.live);
    await client.resolve(NAME);
    clock.advance(20_001);
    expect(watch.live).toBe(false);
    expect(await client.resolve(NAME)).toMatchObject({ verified: true, revalidated: true });
    expect(resolves.count).toBe(2);
  });

  it('after a dropped connection it resumes where it stopped: changes made meanwhile arrive once, in order', async () => {
    const { url, clock, registry, app } = await start();
    const client = new SignpostClient({ registry: url, registryKey: registryKey.did, clock });
    const indices: number[] = [];
    const disconnects: string[] = [];
    const watch = client.watch({ onChange: (change) => indices.push(change.index), onDisconnect: (reason) => disconnects.push(reason), reconnectMs: 5 });
    cleanups.push(() => client.unwatch());
    await until(() => watch.live);
    expect(watch.next).toBe(2);
    (app.server as Server).closeAllConnections();
    for (let i = 0; i < 3; i++) expect((await registry.register(registrationFor(testKey(10 + i), `agent://acme.com/later/a${i}`, 1))).ok).toBe(true);
    await until(() => indices.length === 3);
    expect(indices).toEqual([2, 3, 4]);
    expect(disconnects.length).toBeGreaterThanOrEqual(1);
  });
});

/** A hand-written SSE server: each connection is answered by the next script. */
async function fakeWatchServer(scripts: ((request: IncomingMessage, response: ServerResponse) => void)[]) {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url!);
    const script = scripts.shift();
    if (!script) return void response.writeHead(503).end();
    script(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const stream = (response: ServerResponse, text: string) => {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(text);
};
const change = (index: number, name = 'agent://acme.com/x') => `id: ${index}\nevent: change\ndata: ${JSON.stringify({ index, kind: 'updated', name })}\n\n`;

describe('ChangeWatch against a misbehaving stream', () => {
  it('a gap in the indices drops the stream and resumes at the missing index; nothing is delivered twice or out of order', async () => {
    const { url, requests } = await fakeWatchServer([
      (_, response) => stream(response, `event: open\ndata: {"since":0,"size":0,"heartbeatMs":1000}\n\n${change(0)}${change(2)}${change(3)}`),
      (_, response) => stream(response, `event: open\ndata: {"since":1,"size":1,"heartbeatMs":1000}\n\n${change(1)}${change(2)}`),
    ]);
    const got: number[] = [];
    const reasons: string[] = [];
    const watch = new ChangeWatch({ registry: url, since: 0, reconnectMs: 1, onChange: (c) => got.push(c.index), onDisconnect: (r) => reasons.push(r) });
    cleanups.push(() => watch.close());
    await until(() => got.length === 3);
    expect(got).toEqual([0, 1, 2]);
    expect(reasons[0]).toBe('change 2 arrived where 1 was expected');
    expect(requests.slice(0, 2)).toEqual(['/v1/watch?since=0', '/v1/watch?since=1']);
  });

  it('a stream that starts elsewhere than asked, an event line over 64 KiB, a change that is not a log entry, or a non-SSE answer: dropped and retried, nothing delivered', async () => {
    const { url, requests } = await fakeWatchServer([
      (_, response) => stream(response, `event: open\ndata: {"since":5,"size":5,"heartbeatMs":1000}\n\n${change(5)}`),
      // An event that never ends: the parser holds at most 64 KiB of it.
      (_, response) => {
        stream(response, `event: open\ndata: {"since":0,"size":0,"heartbeatMs":1000}\n\nid: 0\nevent: change\ndata: `);
        for (let i = 0; i < 10; i++) response.write('x'.repeat(10_000));
      },
      (_, response) => stream(response, `event: open\ndata: {"since":0,"size":0,"heartbeatMs":1000}\n\nid: 0\nevent: change\ndata: {"index":7}\n\n`),
      (_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
      (_, response) => stream(response, `event: open\ndata: {"since":0,"size":0,"heartbeatMs":1000}\n\n${change(0)}`),
    ]);
    const got: number[] = [];
    const reasons: string[] = [];
    const watch = new ChangeWatch({ registry: url, since: 0, reconnectMs: 1, onChange: (c) => got.push(c.index), onDisconnect: (r) => reasons.push(r) });
    cleanups.push(() => watch.close());
    await until(() => got.length === 1);
    expect(got).toEqual([0]);
    expect(reasons.slice(0, 4)).toEqual([
      'the registry started the stream at 5, not at 0',
      expect.stringMatching(/^the stream is not valid Server-Sent Events: .*buffer/i),
      'change 0 is not a log entry',
      expect.stringMatching(/^the registry answered 200 to .*\/v1\/watch\?since=0$/),
    ]);
    expect(requests.every((path) => path === '/v1/watch?since=0')).toBe(true);
  });

  it('is live only once it has the changes the log held when the stream opened, and while heartbeats come', async () => {
    let send: ((text: string) => void) | undefined;
    const { url } = await fakeWatchServer([
      (_, response) => {
        stream(response, `event: open\ndata: {"since":1,"size":3,"heartbeatMs":1000}\n\n${change(1)}`);
        send = (text) => response.write(text);
      },
    ]);
    const clock = manualClock(T0);
    const got: number[] = [];
    const watch = new ChangeWatch({ registry: url, since: 1, clock, onChange: (c) => got.push(c.index) });
    cleanups.push(() => watch.close());
    await until(() => got.length === 1);
    expect(watch.live).toBe(false);
    send!(change(2));
    await until(() => got.length === 2);
    expect(watch.live).toBe(true);
    clock.advance(2_001);
    expect(watch.live).toBe(false);
    send!(': heartbeat\n\n');
    await until(() => watch.live);
  });

  it('cut off for being slow, it resumes at once from the index the registry names', async () => {
    const { url, requests } = await fakeWatchServer([
      (_, response) => {
        stream(response, `event: open\ndata: {"since":0,"size":0,"heartbeatMs":1000}\n\n${change(0)}event: end\ndata: {"code":"WATCH_TOO_SLOW","resumeFrom":1}\n\n`);
        response.end();
      },
      (_, response) => stream(response, `event: open\ndata: {"since":1,"size":1,"heartbeatMs":1000}\n\n${change(1)}`),
    ]);
    const got: number[] = [];
    const reasons: string[] = [];
    const watch = new ChangeWatch({ registry: url, since: 0, reconnectMs: 1, onChange: (c) => got.push(c.index), onDisconnect: (r) => reasons.push(r) });
    cleanups.push(() => watch.close());
    await until(() => got.length === 2);
    expect(reasons[0]).toBe('the registry ended the stream: WATCH_TOO_SLOW');
    expect(requests).toEqual(['/v1/watch?since=0', '/v1/watch?since=1']);
  });
});
