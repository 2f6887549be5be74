import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { startDnsServer, TcpConnections, type RunningDnsServer } from './dns-server.js';
import { ZoneView } from './zone-view.js';

/** A socket as TcpConnections sees one: it can be closed, and says so. */
function fakeSocket(): Socket & { closed: boolean } {
  const socket = new EventEmitter() as unknown as Socket & { closed: boolean };
  socket.closed = false;
  socket.destroy = (() => {
    socket.closed = true;
    socket.emit('close');
    return socket;
  }) as Socket['destroy'];
  return socket;
}

describe('TcpConnections (the cap on open DNS TCP connections)', () => {
  it('at the cap a new connection closes the least recently used idle one', () => {
    const connections = new TcpConnections(2);
    const [first, second, third] = [fakeSocket(), fakeSocket(), fakeSocket()];
    expect(connections.admit(first)).toBe(true);
    expect(connections.admit(second)).toBe(true);
    // first is used after second: second is now the least recently used.
    connections.began(first);
    connections.ended(first);
    expect(connections.admit(third)).toBe(true);
    expect([first.closed, second.closed, third.closed]).toEqual([false, true, false]);
    expect(connections.size).toBe(2);
  });

  it('a connection with a question in hand is not closed for a newcomer: when all are busy the newcomer is', () => {
    const connections = new TcpConnections(2);
    const [first, second, third] = [fakeSocket(), fakeSocket(), fakeSocket()];
    connections.admit(first);
    connections.admit(second);
    connections.began(first);
    connections.began(second);
    expect(connections.admit(third)).toBe(false);
    expect([first.closed, second.closed, third.closed]).toEqual([false, false, true]);
    // Once one is answered, it is the one to go.
    connections.ended(second);
    const fourth = fakeSocket();
    expect(connections.admit(fourth)).toBe(true);
    expect([first.closed, second.closed, fourth.closed]).toEqual([false, true, false]);
  });

  it('counts the questions each connection has in hand, and forgets a closed one', () => {
    const connections = new TcpConnections(4);
    const socket = fakeSocket();
    connections.admit(socket);
    expect([connections.began(socket), connections.began(socket), connections.ended(socket)]).toEqual([1, 2, 1]);
    socket.destroy();
    expect(connections.size).toBe(0);
  });
});

describe('the DNS face over TCP, with a connection cap', () => {
  let server: RunningDnsServer | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.close();
    server = undefined;
  });

  async function serve(maxTcpConnections: number) {
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: testKey(9), clock });
    expect((await registry.register(registrationFor(testKey(1), 'agent://acme.com/support', 1))).ok).toBe(true);
    const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.registry.example' });
    server = await startDnsServer({ view, host: '127.0.0.1', port: 0, maxTcpConnections });
    return server.port;
  }

  async function open(port: number): Promise<Socket & { answers: Buffer[]; ended: Promise<void> }> {
    const socket = connect(port, '127.0.0.1') as Socket & { answers: Buffer[]; ended: Promise<void> };
    sockets.push(socket);
    socket.answers = [];
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        socket.answers.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
    });
    socket.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }

  const framedQuery = (id: number) => {
    const query = dnsPacket.encode({ id, type: 'query', questions: [{ type: 'TXT', name: 'support._agents.acme.com' }] });
    return Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  };

  async function answered(socket: Socket & { answers: Buffer[] }, count: number): Promise<void> {
    while (socket.answers.length < count) await new Promise((resolve) => socket.once('data', resolve));
  }

  it('past the cap, the oldest idle connection is closed and the new one is answered', async () => {
    const port = await serve(2);
    const first = await open(port);
    const second = await open(port);
    second.write(framedQuery(1));
    await answered(second, 1);
    const third = await open(port);
    await first.ended;
    third.write(framedQuery(2));
    await answered(third, 1);
    expect(dnsPacket.decode(third.answers[0]!).answers?.[0]?.type).toBe('TXT');
    expect(second.destroyed).toBe(false);
  });

  it('a client that stops reading is stopped being read (its answers fill the socket); once it reads again it gets every answer, in order', async () => {
    const port = await serve(4);
    const socket = await open(port);
    socket.pause();
    // Far more answers (about 12 MB) than loopback socket buffers hold: the server's writes report
    // a full buffer, it stops reading the connection, and only 'drain' lets it read on.
    const ids = Array.from({ length: 20_000 }, (_, i) => (i % 65_535) + 1);
    socket.write(Buffer.concat(ids.map(framedQuery)));
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    socket.resume();
    await answered(socket, ids.length);
    expect(socket.answers.map((answer) => dnsPacket.decode(answer).id)).toEqual(ids);
  });

  it('a client that pipelines far more questions than are answered at once gets every answer, in order', async () => {
    const port = await serve(4);
    const socket = await open(port);
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    socket.write(Buffer.concat(ids.map(framedQuery)));
    await answered(socket, ids.length);
    expect(socket.answers.map((answer) => dnsPacket.decode(answer).id)).toEqual(ids);
  });
});
