/**
 * The SSRF guards of the did:web fetcher, on their own: which addresses count as non-public, the
 * DNS guard over A and AAAA answers, and the check of the address a socket actually connected to.
 * The fetcher as a whole is tested against a real HTTPS server in did-web-resolver.test.ts.
 */
import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { guardedLookup, isBlocked, nonPublicAddresses, refuseNonPublicPeer } from './did-web-fetch.js';

const strict = nonPublicAddresses(false);

describe('non-public addresses', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.0.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '192.0.0.8', // IETF protocol assignments (192.0.0.0/24)
    '198.18.0.1', '198.19.255.254', // benchmarking (198.18.0.0/15)
    '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', // IPv4-mapped
    '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', // NAT64 of 127.0.0.1 and 169.254.169.254
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
  it('destroys a socket whose peer is not public before anything is sent', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      refuseNonPublicPeer(socket, (address) => isBlocked(strict, address));
      socket.write('GET / HTTP/1.1\r\n\r\n'); // queued while connecting, as an HTTP request is
      const [error] = (await once(socket, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
      expect(error).toMatchObject({ code: 'ENONPUBLIC', message: expect.stringMatching(/127\.0\.0\.1.*not public/) });
      expect(socket.destroyed).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(Buffer.concat(received).length).toBe(0);

      const allowed = connect((server.address() as AddressInfo).port, '127.0.0.1');
      refuseNonPublicPeer(allowed, (address) => isBlocked(nonPublicAddresses(true), address));
      await once(allowed, 'connect');
      expect(allowed.destroyed).toBe(false);
      allowed.destroy();
    } finally {
      server.close();
    }
  });
});
