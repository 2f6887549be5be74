/**
 * The network half of did:web resolution: GET the DID document over HTTPS, with a hard deadline,
 * a body limit, and no redirect off the DID's own origin (a redirect elsewhere would let another
 * host answer for the DID). Plain http only to loopback hosts, and only when the operator asks
 * (`serve --allow-http-did-web`, for registries on http://127.0.0.1 in development).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction, type Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import { problem } from '../core/errors.js';
import type { DidDocumentFetcher, DidFetchOutcome } from '../core/trust/did-web/caching-did-resolver.js';
import { DID_DOCUMENT_MAX_BYTES } from '../core/trust/did-web/did-document.js';
import { isLoopbackHost, type DidWebLocation } from '../core/trust/did-web/did-web-url.js';

export interface HttpsDidFetcherOptions {
  /** The whole fetch, redirects and body included, must finish within this. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Bodies larger than this are refused (DID_UNRESOLVABLE: the owner's document is unusable). Default 64 KiB. */
  readonly maxBytes?: number;
  /** Same-origin redirects followed; any redirect to another origin is refused. Default 3. */
  readonly maxRedirects?: number;
  /** Fetch did:web of loopback hosts (127.0.0.0/8, localhost) over http: development and tests only. */
  readonly allowHttpLoopback?: boolean;
  /** PEM certificates trusted in addition to Node's root store (a private PKI, or a test server). */
  readonly extraCaCertificates?: readonly string[];
  /**
   * Connect to loopback, private (RFC 1918, ULA), link-local and other non-public addresses. Off by
   * default: anyone who can make the registry verify a credential names a did:web, and must not be
   * able to make it probe the operator's internal network (SSRF). On for intranet deployments and
   * tests; `allowHttpLoopback` also allows loopback.
   */
  readonly allowPrivateNetwork?: boolean;
}

export const DID_FETCH_TIMEOUT_MS = 3_000;
const ACCEPT = 'application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8';

class FetchRefused extends Error {
  constructor(readonly outcome: DidFetchOutcome) {
    super('refused');
  }
}

export function httpsDidFetcher(options: HttpsDidFetcherOptions = {}): DidDocumentFetcher {
  const timeoutMs = options.timeoutMs ?? DID_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DID_DOCUMENT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 3;
  const ca = options.extraCaCertificates?.length ? [...rootCertificates, ...options.extraCaCertificates] : undefined;
  const blocked = options.allowPrivateNetwork ? undefined : nonPublicAddresses(options.allowHttpLoopback === true);
  const lookup = blocked === undefined ? undefined : guardedLookup(blocked);

  return {
    async fetch(location: DidWebLocation): Promise<DidFetchOutcome> {
      const first = new URL(location.url);
      if (options.allowHttpLoopback && isLoopbackHost(location.hostname)) first.protocol = 'http:';
      const failed = (detail: string): DidFetchOutcome => ({ kind: 'failed', problem: problem('DID_UNRESOLVABLE', `${location.did}: ${detail}`) });
      // Transport failures say only that the host could not be reached: the errno, the address and
      // port it resolved to, or a timeout would make this an internal port scanner for anyone who
      // names a DID. The operator's log gets the detail (logDetail → onProblem).
      const unreachable = (logDetail: string): DidFetchOutcome => ({
        kind: 'failed',
        problem: problem('DID_UNRESOLVABLE', `${location.did}: could not reach ${first.host}`),
        logDetail,
      });
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        let url = first;
        for (let hop = 0; ; hop++) {
          // The host as the URL parser normalised it (0x7f.1 is 127.0.0.1 here), on every hop: Node
          // connects to an IP literal without calling the guarded lookup.
          const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
          if (blocked !== undefined && isIP(host) !== 0 && isBlocked(blocked, host)) {
            return failed(`${host} is not a public address; refused (allowPrivateNetwork is off)`);
          }
          const response = await get(url, abort.signal, ca, lookup, blocked);
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400 && response.headers.location !== undefined) {
            response.resume();
            const next = new URL(response.headers.location, url);
            // Same origin only: scheme, host and port must stay those the DID names.
            if (next.origin !== first.origin) return failed(`${url.href} redirects to ${next.origin}, another origin than the DID's; refused`);
            if (hop >= maxRedirects) return failed(`more than ${maxRedirects} redirects from ${first.href}`);
            url = next;
            continue;
          }
          if (status === 404 || status === 410) {
            response.resume();
            return { kind: 'gone', problem: problem('DID_UNRESOLVABLE', `${location.did}: ${url.href} answered HTTP ${status}; the DID does not exist (any more)`) };
          }
          if (status !== 200) {
            response.resume();
            return failed(`${url.href} answered HTTP ${status}`);
          }
          const body = await readLimited(response, maxBytes, url.href);
          const cacheControl = response.headers['cache-control'];
          return { kind: 'document', body, cacheControl: cacheControl ?? null };
        }
      } catch (error) {
        if (error instanceof FetchRefused) return error.outcome;
        if (abort.signal.aborted) return unreachable(`${first.href} did not answer within ${timeoutMs} ms`);
        const code = (error as NodeJS.ErrnoException).code;
        return unreachable(`fetching ${first.href} failed: ${code ? `${code} ` : ''}${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
        abort.abort(); // ends any socket still open (a body left unread after a refusal)
      }
    },
  };
}

function get(url: URL, signal: AbortSignal, ca: string[] | undefined, lookup: LookupFunction | undefined, blocked: BlockList | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { accept: ACCEPT, 'accept-encoding': 'identity', 'user-agent': 'signpost-did-web' };
    const common = { method: 'GET', headers, signal, agent: false as const, ...(lookup ? { lookup } : {}) };
    const request =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...common, ...(ca ? { ca } : {}) }, resolve)
        : url.protocol === 'http:'
          ? httpRequest(url, common, resolve)
          : undefined;
    if (request === undefined) {
      reject(new Error(`unsupported scheme ${url.protocol}`));
      return;
    }
    if (blocked !== undefined) request.on('socket', (socket) => refuseNonPublicPeer(socket, (address) => isBlocked(blocked, address)));
    request.on('error', reject);
    request.end();
  });
}

/**
 * The last line against SSRF: once the socket connects, the address it actually connected to must
 * be public, whatever the host text or the lookup said. A socket to a refused address is destroyed
 * before a byte of the request (let alone a TLS handshake) is sent.
 */
export function refuseNonPublicPeer(socket: Socket, isRefused: (address: string) => boolean): void {
  const check = () => {
    const address = socket.remoteAddress;
    if (address === undefined || isRefused(address)) {
      socket.destroy(Object.assign(new Error(`connected to ${address ?? 'an unknown address'}, which is not public; refused`), { code: 'ENONPUBLIC' }));
    }
  };
  if (socket.connecting) socket.once('connect', check);
  else if (!socket.destroyed) check();
}

/** Addresses a did:web of the public web never lives at. */
export function nonPublicAddresses(allowLoopback: boolean): BlockList {
  const list = new BlockList();
  if (!allowLoopback) {
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
  }
  const ipv4: [string, number][] = [
    ['0.0.0.0', 8], // "this network", unspecified
    ['10.0.0.0', 8], // RFC 1918
    ['100.64.0.0', 10], // CGNAT
    ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
    ['172.16.0.0', 12], // RFC 1918
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // documentation
    ['192.88.99.0', 24], // 6to4 relay anycast
    ['192.168.0.0', 16], // RFC 1918
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation
    ['203.0.113.0', 24], // documentation
    ['224.0.0.0', 3], // multicast, reserved, broadcast
  ];
  for (const [net, prefix] of ipv4) list.addSubnet(net, prefix, 'ipv4');
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is matched against the IPv4 rules by BlockList itself.
  const ipv6: [string, number][] = [
    ['::', 128], // unspecified
    ['64:ff9b::', 96], // NAT64: 64:ff9b::7f00:1 reaches 127.0.0.1 through a translator
    ['64:ff9b:1::', 48], // local-use NAT64
    ['100::', 64], // discard
    ['2001::', 32], // Teredo (embeds an IPv4 address)
    ['2001:db8::', 32], // documentation
    ['2002::', 16], // 6to4 (embeds an IPv4 address: 2002:7f00:1::)
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['fec0::', 10], // site-local (deprecated)
    ['ff00::', 8], // multicast
  ];
  for (const [net, prefix] of ipv6) list.addSubnet(net, prefix, 'ipv6');
  // IPv4-compatible (deprecated) ::a.b.c.d, that is ::/96 (:: is above, ::1 is loopback): as blocks of 2^k.
  for (let k = 1; k < 32; k++) {
    const v = 2 ** k;
    list.addSubnet(`::${[v / 2 ** 24, v / 2 ** 16, v / 2 ** 8, v].map((n) => Math.floor(n) % 256).join('.')}`, 128 - k, 'ipv6');
  }
  return list;
}

export function isBlocked(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: nothing to vouch for
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * DNS lookup that refuses names resolving to non-public addresses. Every answer is checked, A and
 * AAAA alike (`all: true`, whatever family Node asks for), and only public ones are handed on.
 */
export function guardedLookup(blocked: BlockList, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (addresses as unknown as LookupAddress[]).filter((a) => !isBlocked(blocked, a.address));
      if (list.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to non-public addresses; refused (allowPrivateNetwork is off)`), { code: 'ENONPUBLIC' });
        return callback(refused, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** The body, refused (and the socket dropped) as soon as it is known to exceed `maxBytes`. */
function readLimited(response: IncomingMessage, maxBytes: number, href: string): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    new FetchRefused({ kind: 'failed', problem: problem('DID_UNRESOLVABLE', `${href} sent ${size}, more than the ${maxBytes} bytes a DID document may have`) });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return Promise.reject(tooLarge(`${declared} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Settle first: destroying the stream emits 'aborted', which must not win the race.
        reject(tooLarge(`over ${maxBytes} bytes`));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the connection closed before the body ended')));
  });
}
