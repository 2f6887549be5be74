/**
 * The namespace evidence adapter over real sockets: TXT lookups through Node's resolver against a
 * DNS server on loopback (dns-packet over UDP; the e2e test uses Knot DNS), and the well-known
 * file over a real TLS connection to a self-signed loopback server.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../core/errors.js';
import { selfSignedLoopbackCertificate } from '../app/test-support/loopback-https.js';
import { namespaceEvidence, WELL_KNOWN_MAX_BYTES } from './namespace-evidence.js';

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);

/** Answers TXT for the names it holds, NXDOMAIN for others, SERVFAIL for `broken.test`. */
function dnsServer(zone: Record<string, string[][]>): Promise<{ socket: Socket; address: string }> {
  const socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions![0]!;
    const records = zone[question.name.toLowerCase()];
    const rcode = question.name === '_signpost-challenge.broken.test' ? 'SERVFAIL' : records === undefined ? 'NXDOMAIN' : 'NOERROR';
    const answers = (records ?? []).map((strings) => ({ type: 'TXT' as const, name: question.name, ttl: 60, data: strings }));
    const reply = dnsPacket.encode({ id: query.id, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER | (rcode === 'SERVFAIL' ? 2 : rcode === 'NXDOMAIN' ? 3 : 0), questions: [question], answers });
    socket.send(reply, remote.port, remote.address);
  });
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve({ socket, address: `127.0.0.1:${(socket.address() as AddressInfo).port}` })));
}

describe('namespace evidence: DNS TXT', () => {
  let dns: { socket: Socket; address: string };
  beforeAll(async () => {
    dns = await dnsServer({
      '_signpost-challenge.acme.test': [['v=signpost1; owner=did:key:z6MkA'], ['v=signpost1; owner=did:key:z6Mk', 'B-split-across-strings'], ['unrelated']],
    });
  });
  afterAll(() => dns.socket.close());

  it('reads every TXT record, joining the strings of one record', async () => {
    const evidence = namespaceEvidence({ dnsServers: [dns.address] });
    expect(await evidence.txt('_signpost-challenge.acme.test')).toEqual({ ok: true, value: ['v=signpost1; owner=did:key:z6MkA', 'v=signpost1; owner=did:key:z6MkB-split-across-strings', 'unrelated'] });
  });

  it('nothing published (NXDOMAIN) is an empty list; a server failure or no server is NAMESPACE_PROOF_UNAVAILABLE', async () => {
    expect(await namespaceEvidence({ dnsServers: [dns.address] }).txt('_signpost-challenge.nobody.test')).toEqual({ ok: true, value: [] });
    expect(codeOf(await namespaceEvidence({ dnsServers: [dns.address], dnsTries: 1 }).txt('_signpost-challenge.broken.test'))).toBe('NAMESPACE_PROOF_UNAVAILABLE');
    // A server that takes every query and never answers: the resolver's timeout always fires, however
    // busy the machine (a closed port is no use here: another test's DNS server may hold it on UDP).
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    try {
      const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
      expect(codeOf(await namespaceEvidence({ dnsServers: [address], dnsTimeoutMs: 100, dnsTries: 1 }).txt('_signpost-challenge.acme.test'))).toBe('NAMESPACE_PROOF_UNAVAILABLE');
    } finally {
      silent.close();
    }
  });
});

describe('namespace evidence: the HTTPS well-known file', () => {
  let server: Server;
  let base: string;
  let tls: { certPem: string; keyPem: string };
  beforeAll(async () => {
    tls = await selfSignedLoopbackCertificate('namespace evidence test');
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
      if (request.url === '/ok/.well-known/signpost-challenge') return response.end('v=signpost1; owner=did:key:z6MkA\n');
      if (request.url === '/big/.well-known/signpost-challenge') return response.end('x'.repeat(WELL_KNOWN_MAX_BYTES + 1));
      if (request.url === '/down/.well-known/signpost-challenge') return response.writeHead(503).end();
      if (request.url === '/away/.well-known/signpost-challenge') return response.writeHead(302, { location: 'https://example.com/' }).end();
      response.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const evidence = (options: { allowPrivateNetwork?: boolean } = { allowPrivateNetwork: true }) =>
    namespaceEvidence({ ...options, extraCaCertificates: [tls.certPem], wellKnownUrl: (namespace) => new URL(`${base}/${namespace}/.well-known/signpost-challenge`) });

  it('reads the file over TLS', async () => {
    expect(await evidence().wellKnown('ok')).toEqual({ ok: true, value: 'v=signpost1; owner=did:key:z6MkA\n' });
  });

  it('a missing file, a redirect off the origin or an oversized body fail the proof; a 5xx is unavailable', async () => {
    expect(codeOf(await evidence().wellKnown('missing'))).toBe('NAMESPACE_PROOF_FAILED');
    expect(codeOf(await evidence().wellKnown('away'))).toBe('NAMESPACE_PROOF_FAILED');
    expect(codeOf(await evidence().wellKnown('big'))).toBe('NAMESPACE_PROOF_FAILED');
    expect(codeOf(await evidence().wellKnown('down'))).toBe('NAMESPACE_PROOF_UNAVAILABLE');
  });

  it('never connects to a private address unless allowed (no SSRF through claims)', async () => {
    const refused = await evidence({}).wellKnown('ok');
    expect(codeOf(refused)).toBe('NAMESPACE_PROOF_FAILED');
    expect(refused.ok ? '' : refused.problems[0]!.detail).toMatch(/not a public address/);
  });
});
