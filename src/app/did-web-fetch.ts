/**
 * The network half of did:web resolution: GET the DID document over HTTPS, with a hard deadline,
 * a body limit, and no redirect off the DID's own origin (a redirect elsewhere would let another
 * host answer for the DID). Plain http only to loopback hosts, and only when the operator asks
 * (`serve --allow-http-did-web`, for registries on http://127.0.0.1 in development).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { problem } from '../core/errors.js';
import type { DidDocumentFetcher, DidFetchOutcome } from '../core/trust/did-web/caching-did-resolver.js';
import { DID_DOCUMENT_MAX_BYTES } from '../core/trust/did-web/did-document.js';
import { isLoopbackHost, type DidWebLocation } from '../core/trust/did-web/did-web-url.js';

export interface HttpsDidFetcherOptions {
  /** The whole fetch, redirects and body included, must finish within this. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Bodies larger than this are refused (DID_DOCUMENT_INVALID). Default 64 KiB. */
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
      const failed = (detail: string, code: 'DID_UNRESOLVABLE' | 'DID_DOCUMENT_INVALID' = 'DID_UNRESOLVABLE'): DidFetchOutcome => ({
        kind: 'failed',
        problem: problem(code, `${location.did}: ${detail}`),
      });
      if (blocked !== undefined && isIP(location.hostname) !== 0 && isBlocked(blocked, location.hostname)) {
        return failed(`${location.hostname} is not a public address; refused (allowPrivateNetwork is off)`);
      }
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        let url = first;
        for (let hop = 0; ; hop++) {
          const response = await get(url, abort.signal, ca, lookup);
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
        if (abort.signal.aborted) return failed(`${first.href} did not answer within ${timeoutMs} ms`);
        const code = (error as NodeJS.ErrnoException).code;
        return failed(`fetching ${first.href} failed: ${code ? `${code} ` : ''}${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
        abort.abort(); // ends any socket still open (a body left unread after a refusal)
      }
    },
  };
}

function get(url: URL, signal: AbortSignal, ca: string[] | undefined, lookup: LookupFunction | undefined): Promise<IncomingMessage> {
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
    request.on('error', reject);
    request.end();
  });
}

/** Addresses a did:web of the public web never lives at. */
function nonPublicAddresses(allowLoopback: boolean): BlockList {
  const list = new BlockList();
  if (!allowLoopback) {
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
  }
  for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]] as const) {
    list.addSubnet(net, prefix, 'ipv4');
  }
  for (const [net, prefix] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

function isBlocked(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** DNS lookup that refuses names resolving to non-public addresses (checked on the address actually connected to). */
function guardedLookup(blocked: BlockList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
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
    new FetchRefused({ kind: 'failed', problem: problem('DID_DOCUMENT_INVALID', `${href} sent ${size}, more than the ${maxBytes} bytes a DID document may have`) });
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
