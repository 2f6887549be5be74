/**
 * The network half of did:web resolution: GET the DID document over HTTPS, with a hard deadline,
 * a body limit, and no redirect off the DID's own origin (a redirect elsewhere would let another
 * host answer for the DID). Plain http only to loopback hosts, and only when the operator asks
 * (`serve --allow-http-did-web`, for registries on http://127.0.0.1 in development).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, connect as netConnect, isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
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
  /** The timer of the fetch deadline. Default: real timers; a test passes its own to make the deadline pass when it chooses. */
  readonly timers?: FetchTimers;
}

/** Timers for the fetch deadline, so a test can fire it instead of waiting for it. */
export interface FetchTimers {
  set(callback: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const realTimers: FetchTimers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export const DID_FETCH_TIMEOUT_MS = 3_000;
const ACCEPT = 'application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8';

/** Options of a guarded GET: the did:web fetcher's, plus what is asked for and how it is named. */
export interface GuardedGetOptions {
  /** The whole fetch, redirects and body included, must finish within this. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Bodies larger than this are refused. Default 64 KiB. */
  readonly maxBytes?: number;
  /** Same-origin redirects followed; any redirect to another origin is refused. Default 3. */
  readonly maxRedirects?: number;
  /** Connect to loopback addresses (with `allowPrivateNetwork` off, everything else non-public stays refused). */
  readonly allowLoopback?: boolean;
  readonly allowPrivateNetwork?: boolean;
  readonly extraCaCertificates?: readonly string[];
  /** The timer of the deadline (default: real timers). */
  readonly timers?: FetchTimers;
  /** The Accept header. */
  readonly accept: string;
  readonly userAgent: string;
  /** What a body is, for the size refusal: "a DID document", "a status list". */
  readonly bodyName: string;
}

/**
 * What a guarded GET found: a 200 body (with the URL it came from and the response headers),
 * another final status, a refusal by one of the guards (a non-public address, a redirect off the
 * origin, too many redirects, a body over the limit: `detail` is safe to show), or no answer at
 * all (`logDetail` names addresses and errnos: for the operator's log only, never for callers).
 */
export type GuardedGetOutcome =
  | { readonly kind: 'ok'; readonly url: URL; readonly body: Uint8Array; readonly headers: IncomingHttpHeaders }
  | { readonly kind: 'status'; readonly url: URL; readonly status: number }
  | { readonly kind: 'refused'; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly logDetail: string };

class FetchRefused extends Error {
  constructor(readonly detail: string) {
    super('refused');
  }
}

/**
 * A GET with the protections of the did:web fetcher, for any http(s) URL the registry is made to
 * fetch: a hard deadline over the whole exchange, a body limit, same-origin redirects only, and
 * (unless allowed) no connection to a non-public address, checked on the DNS answers, on IP
 * literals of every hop and on the address the socket actually connected to. The caller decides
 * which schemes it lets through (plain http is fetched as given).
 */
export function guardedGetter(options: GuardedGetOptions): (url: URL) => Promise<GuardedGetOutcome> {
  const timeoutMs = options.timeoutMs ?? DID_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DID_DOCUMENT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 3;
  const timers = options.timers ?? realTimers;
  const ca = options.extraCaCertificates?.length ? [...rootCertificates, ...options.extraCaCertificates] : undefined;
  const blocked = options.allowPrivateNetwork ? undefined : nonPublicAddresses(options.allowLoopback === true);
  const lookup = blocked === undefined ? undefined : guardedLookup(blocked);
  const headers = { accept: options.accept, 'accept-encoding': 'identity', 'user-agent': options.userAgent };

  return async (first: URL): Promise<GuardedGetOutcome> => {
    const abort = new AbortController();
    const timer = timers.set(() => abort.abort(), timeoutMs);
    try {
      let url = first;
      for (let hop = 0; ; hop++) {
        // The host as the URL parser normalised it (0x7f.1 is 127.0.0.1 here), on every hop: Node
        // connects to an IP literal without calling the guarded lookup.
        const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
        if (blocked !== undefined && isIP(host) !== 0 && isBlocked(blocked, host)) {
          return { kind: 'refused', detail: `${host} is not a public address; refused (allowPrivateNetwork is off)` };
        }
        const response = await get(url, headers, abort.signal, ca, lookup, blocked);
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location !== undefined) {
          response.resume();
          const next = new URL(response.headers.location, url);
          // Same origin only: scheme, host and port must stay those first asked for.
          if (next.origin !== first.origin) return { kind: 'refused', detail: `${url.href} redirects to ${next.origin}, another origin; refused` };
          if (hop >= maxRedirects) return { kind: 'refused', detail: `more than ${maxRedirects} redirects from ${first.href}` };
          url = next;
          continue;
        }
        if (status !== 200) {
          response.resume();
          return { kind: 'status', url, status };
        }
        const body = await readLimited(response, maxBytes, url.href, options.bodyName);
        return { kind: 'ok', url, body, headers: response.headers };
      }
    } catch (error) {
      if (error instanceof FetchRefused) return { kind: 'refused', detail: error.detail };
      if (abort.signal.aborted) return { kind: 'unreachable', logDetail: `${first.href} did not answer within ${timeoutMs} ms` };
      const code = (error as NodeJS.ErrnoException).code;
      return { kind: 'unreachable', logDetail: `fetching ${first.href} failed: ${code ? `${code} ` : ''}${(error as Error).message}` };
    } finally {
      timers.clear(timer);
      abort.abort(); // ends any socket still open (a body left unread after a refusal)
    }
  };
}

export function httpsDidFetcher(options: HttpsDidFetcherOptions = {}): DidDocumentFetcher {
  const getGuarded = guardedGetter({
    ...options,
    allowLoopback: options.allowHttpLoopback === true,
    accept: ACCEPT,
    userAgent: 'signpost-did-web',
    bodyName: 'a DID document',
  });

  return {
    async fetch(location: DidWebLocation): Promise<DidFetchOutcome> {
      const first = new URL(location.url);
      if (options.allowHttpLoopback && isLoopbackHost(location.hostname)) first.protocol = 'http:';
      const outcome = await getGuarded(first);
      switch (outcome.kind) {
        case 'ok':
          return { kind: 'document', body: outcome.body, cacheControl: (outcome.headers['cache-control'] as string | undefined) ?? null };
        case 'status':
          if (outcome.status === 404 || outcome.status === 410) {
            return { kind: 'gone', problem: problem('DID_UNRESOLVABLE', `${location.did}: ${outcome.url.href} answered HTTP ${outcome.status}; the DID does not exist (any more)`) };
          }
          return { kind: 'failed', problem: problem('DID_UNRESOLVABLE', `${location.did}: ${outcome.url.href} answered HTTP ${outcome.status}`) };
        case 'refused':
          return { kind: 'failed', problem: problem('DID_UNRESOLVABLE', `${location.did}: ${outcome.detail}`) };
        case 'unreachable':
          // Transport failures say only that the host could not be reached: the errno, the address and
          // port it resolved to, or a timeout would make this an internal port scanner for anyone who
          // names a DID. The operator's log gets the detail (logDetail → onProblem).
          return { kind: 'failed', problem: problem('DID_UNRESOLVABLE', `${location.did}: could not reach ${first.host}`), logDetail: outcome.logDetail };
      }
    },
  };
}

function get(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  ca: string[] | undefined,
  lookup: LookupFunction | undefined,
  blocked: BlockList | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const secure = url.protocol === 'https:';
    const target: CheckedTarget = { host, port: Number(url.port || (secure ? 443 : 80)), ...(secure ? { tls: ca ? { ca } : {} } : {}) };
    const isRefused = blocked === undefined ? undefined : (address: string) => isBlocked(blocked, address);
    // No agent: every request gets its own connection, made by connectChecked (TCP, the peer check, then TLS).
    const createConnection = (_options: unknown, callback: (error: Error | null, socket?: Duplex) => void) => {
      connectChecked(target, { lookup, isRefused, signal }, callback);
      return undefined;
    };
    const common = { method: 'GET', headers, signal, createConnection } as unknown as RequestOptions;
    const request = secure ? httpsRequest(url, common, resolve) : url.protocol === 'http:' ? httpRequest(url, common, resolve) : undefined;
    if (request === undefined) {
      reject(new Error(`unsupported scheme ${url.protocol}`));
      return;
    }
    request.on('error', reject);
    request.end();
  });
}

export interface CheckedTarget {
  readonly host: string;
  readonly port: number;
  /** Present: TLS over the checked socket (SNI and certificate check for `host`). */
  readonly tls?: { readonly ca?: string[] };
}

/**
 * The last line against SSRF: open the TCP connection, and only once the address it actually
 * connected to is known to be public (whatever the host text or the lookup said) start TLS on it.
 * A peer that is refused gets nothing at all: not a ClientHello, not a byte of the request.
 */
export function connectChecked(
  target: CheckedTarget,
  guards: { readonly lookup?: LookupFunction | undefined; readonly isRefused?: ((address: string) => boolean) | undefined; readonly signal?: AbortSignal | undefined },
  callback: (error: Error | null, socket?: Duplex) => void,
): void {
  const raw = netConnect({ host: target.host, port: target.port, ...(guards.lookup ? { lookup: guards.lookup } : {}) });
  const onAbort = () => raw.destroy(Object.assign(new Error('the fetch was aborted'), { code: 'ABORT_ERR' }));
  const onError = (error: Error) => {
    guards.signal?.removeEventListener('abort', onAbort);
    callback(error);
  };
  raw.once('error', onError);
  if (guards.signal?.aborted) return void process.nextTick(onAbort);
  guards.signal?.addEventListener('abort', onAbort, { once: true });
  raw.once('connect', () => {
    guards.signal?.removeEventListener('abort', onAbort);
    raw.off('error', onError);
    const address = raw.remoteAddress;
    if (guards.isRefused !== undefined && (address === undefined || guards.isRefused(address))) {
      raw.destroy();
      callback(Object.assign(new Error(`connected to ${address ?? 'an unknown address'}, which is not public; refused`), { code: 'ENONPUBLIC' }));
      return;
    }
    if (target.tls === undefined) return callback(null, raw);
    // SNI only for names (an IP address may not be sent as a server name); the certificate is checked against the host either way.
    const servername = isIP(target.host) === 0 ? { servername: target.host } : {};
    callback(null, tlsConnect({ socket: raw, host: target.host, ...servername, ...(target.tls.ca ? { ca: target.tls.ca } : {}) }));
  });
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
  // SIIT IPv4-translated addresses (::ffff:0:a.b.c.d, that is ::ffff:0:0:0/96, RFC 2765/7915) reach an
  // IPv4 address through a translator, as NAT64 does. Checked here rather than in the BlockList,
  // which folds ::ffff:… prefixes into IPv4-mapped rules.
  if (family === 6 && isIpv4Translated(address)) return true;
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** True for ::ffff:0:0:0/96: 64 zero bits, then ffff, then 0000, then an IPv4 address. */
export function isIpv4Translated(address: string): boolean {
  const groups = ipv6Groups(address);
  return groups !== undefined && groups.slice(0, 4).every((g) => g === 0) && groups[4] === 0xffff && groups[5] === 0;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part counts as two); undefined if it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0)
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (half: string | undefined) => (half === undefined || half === '' ? [] : half.split(':').map((g) => parseInt(g, 16)));
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const groups = halves.length === 2 ? [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
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
function readLimited(response: IncomingMessage, maxBytes: number, href: string, bodyName: string): Promise<Uint8Array> {
  const tooLarge = (size: string) => new FetchRefused(`${href} sent ${size}, more than the ${maxBytes} bytes ${bodyName} may have`);
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
