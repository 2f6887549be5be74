/**
 * The SSRF guards of the did:web fetcher, on their own: which addresses count as non-public, the
 * DNS guard over A and AAAA answers, and the check of the address a socket actually connected to.
 * The fetcher as a whole is tested against a real HTTPS server in did-web-resolver.test.ts.
 */
import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connectChecked, guardedLookup, isBlocked, isIpv4Translated, nonPublicAddresses } from './did-web-fetch.js';

const strict = nonPublicAddresses(false);

describe('non-public addresses', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.0.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '192.0.0.8', // IETF protocol assignments (192.0.0.0/24)
    '198.18.0.1', '198.19.255.254', // benchmarking (198.18.0.0/15)
    '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', // IPv4-mapped
    '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', // NAT64 of 127.0.0.1 and 169.254.169.254
    '::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe', '::ffff:0:10.0.0.1', '::ffff:0:8.8.8.8', // SIIT IPv4-translated (::ffff:0:0/96)
    '2002:7f00:1::1', '2002:a9fe:a9fe::', // 6to4
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    '::127.0.0.1', // IPv4-compatible
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isBlocked(strict, address)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.216.34', '198.20.0.1', '192.0.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isBlocked(strict, address)).toBe(false);
  });

  it('refuses SIIT IPv4-translated addresses (::ffff:0:0/96) in every spelling, and nothing next to them', () => {
    for (const address of ['::ffff:0:7f00:1', '0:0:0:0:0:ffff:0:7f00:1', '::FFFF:0:A9FE:A9FE', '::ffff:0:169.254.169.254', '::ffff:0:0:0']) {
      expect(isBlocked(strict, address)).toBe(true);
      expect(isBlocked(nonPublicAddresses(true), address)).toBe(true);
    }
    expect(isBlocked(strict, '::ffff:1:808:808')).toBe(false); // not SIIT (and not anything else refused)
    expect(isBlocked(strict, '2606:4700::ffff:0:808:808')).toBe(false);
    expect(isIpv4Translated('::ffff:0:8.8.8.8')).toBe(true);
    expect(isIpv4Translated('::ffff:8.8.8.8')).toBe(false); // IPv4-mapped: the IPv4 rules apply
  });

  it('allows loopback only when asked (allowHttpLoopback)', () => {
    const loopbackAllowed = nonPublicAddresses(true);
    expect(isBlocked(loopbackAllowed, '127.0.0.1')).toBe(false);
    expect(isBlocked(loopbackAllowed, '::1')).toBe(false);
    expect(isBlocked(loopbackAllowed, '10.0.0.1')).toBe(true);
  });
});

describe('the guarded DNS lookup', () => {
  const fakeDns = (answers: LookupAddress[]) =>
    ((_host: string, _options: object, callback: (error: Error | null, addresses: LookupAddress[]) => void) => callback(null, answers)) as never;
  const lookupAll = (answers: LookupAddress[]) =>
    new Promise<{ error: NodeJS.ErrnoException | null; addresses: unknown }>((resolve) =>
      guardedLookup(strict, fakeDns(answers))('org.example', { all: true }, (error, addresses) => resolve({ error, addresses })),
    );

  it('checks AAAA answers too, and refuses a name with only non-public ones', async () => {
    for (const answers of [
      [{ address: '64:ff9b::a9fe:a9fe', family: 6 }],
      [{ address: '2002:7f00:1::', family: 6 }],
      [{ address: '::ffff:10.0.0.1', family: 6 }, { address: 'fd12::1', family: 6 }],
      [{ address: '198.18.0.1', family: 4 }, { address: '::1', family: 6 }],
    ]) {
      const { error } = await lookupAll(answers);
      expect(error).toMatchObject({ code: 'ENONPUBLIC' });
    }
  });

  it('hands on only the public answers', async () => {
    const { error, addresses } = await lookupAll([
      { address: '10.0.0.1', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '64:ff9b::a00:1', family: 6 },
      { address: '8.8.8.8', family: 4 },
    ]);
    expect(error).toBeNull();
    expect(addresses).toEqual([{ address: '2606:4700:4700::1111', family: 6 }, { address: '8.8.8.8', family: 4 }]);
  });
});

describe('the connected-address check (last line against SSRF)', () => {
  /** One connection the server accepted: the bytes it received, and when the client closed it. */
  interface Accepted {
    readonly socket: Socket;
    readonly received: Buffer[];
    readonly closed: Promise<void>;
  }

  it('checks the peer before TLS starts: a refused peer never gets a ClientHello, let alone a request', async () => {
    const waiting: ((accepted: Accepted) => void)[] = [];
    const server = createServer((socket) => {
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined); // the client may reset the connection
      waiting.shift()?.({ socket, received, closed: new Promise((resolve) => socket.once('close', () => resolve())) });
    });
    const nextConnection = () => new Promise<Accepted>((resolve) => waiting.push(resolve));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const connectWith = (isRefused: (address: string) => boolean) =>
      new Promise<{ error: NodeJS.ErrnoException | null; socket?: Duplex }>((resolve) =>
        connectChecked({ host: '127.0.0.1', port, tls: {} }, { isRefused }, (error, socket) => resolve({ error: error as NodeJS.ErrnoException | null, ...(socket ? { socket } : {}) })),
      );
    try {
      const refusedConnection = nextConnection();
      const refused = await connectWith((address) => isBlocked(strict, address));
      expect(refused.error).toMatchObject({ code: 'ENONPUBLIC', message: expect.stringMatching(/127\.0\.0\.1.*not public/) });
      expect(refused.socket).toBeUndefined();
      // Bytes arrive before the close that follows them: once the server saw the close, it has seen everything sent.
      const seen = await refusedConnection;
      await seen.closed;
      expect(Buffer.concat(seen.received).length).toBe(0); // no TLS ClientHello went out

      // Allowed: TLS starts on the checked socket (the ClientHello, 0x16 0x03 …, reaches the peer).
      const allowedConnection = nextConnection();
      const allowed = await connectWith((address) => isBlocked(nonPublicAddresses(true), address));
      expect(allowed.error).toBeNull();
      allowed.socket!.on('error', () => undefined);
      const reached = await allowedConnection;
      if (reached.received.length === 0) await once(reached.socket, 'data');
      expect(Buffer.concat(reached.received)[0]).toBe(0x16);
      allowed.socket!.destroy();
    } finally {
      server.close();
    }
  });

  it('ends a connection still opening when the fetch is aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    const error = await new Promise<Error | null>((resolve) => connectChecked({ host: '127.0.0.1', port: 9, tls: {} }, { signal: abort.signal }, (e) => resolve(e)));
    expect(error).toMatchObject({ code: 'ABORT_ERR' });
  });
});
