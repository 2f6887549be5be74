/**
 * did:web → the URL of its DID document, per the did:web method specification (W3C CCG):
 * `did:web:example.com` → `https://example.com/.well-known/did.json`,
 * `did:web:example.com%3A8443:user:alice` → `https://example.com:8443/user/alice/did.json`.
 * The inverse is `didWebFromUrl` in credentials/registry-did.ts. Pure: it only computes the URL.
 */
import { fail, ok, type Result } from '../../errors.js';

/** Longer DIDs are refused before any parsing: no real organisation needs more. */
export const DID_WEB_MAX_LENGTH = 2048;

export interface DidWebLocation {
  readonly did: string;
  /** Lowercased host name or IPv4 address, without the port. */
  readonly hostname: string;
  readonly port?: number;
  /** Decoded path segments after the host (empty for `/.well-known/did.json`). */
  readonly path: readonly string[];
  /** Where the DID document lives, always https (the method resolves over https only). */
  readonly url: string;
}

const PREFIX = 'did:web:';
/** method-specific-id characters: idchar (ALPHA / DIGIT / "." / "-" / "_" / pct-encoded) and ":" separators. */
const METHOD_SPECIFIC_ID = /^(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+(?::(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Parse a did:web (no fragment, no query) into its host, path and document URL. */
export function parseDidWeb(did: string): Result<DidWebLocation> {
  if (typeof did !== 'string' || !did.startsWith(PREFIX)) return bad(String(did), 'it is not a did:web');
  if (did.length > DID_WEB_MAX_LENGTH) return bad(did.slice(0, 64) + '…', `it is longer than ${DID_WEB_MAX_LENGTH} characters`);
  const specific = did.slice(PREFIX.length);
  // A DID URL (fragment, query, path) names something inside a document; resolve the bare DID.
  if (!METHOD_SPECIFIC_ID.test(specific)) return bad(did, 'it has characters a did:web may not hold (a fragment, a query, a slash or an empty part)');
  const [encodedHost = '', ...encodedPath] = specific.split(':');
  const host = decode(encodedHost)?.toLowerCase();
  if (host === undefined) return bad(did, 'its host is not valid percent-encoded UTF-8');
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(host);
  if (!match) return bad(did, `"${host}" is not a host with an optional port`);
  const hostname = match[1] as string;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return bad(did, `port ${port} is outside 1..65535`);
  if (!isHostname(hostname)) return bad(did, `"${hostname}" is not a DNS name or a canonical IPv4 address (a.b.c.d)`);
  const path: string[] = [];
  for (const encoded of encodedPath) {
    const segment = decode(encoded);
    if (segment === undefined) return bad(did, `path segment "${encoded}" is not valid percent-encoded UTF-8`);
    // A decoded "/" or dot segment would let the DID point at a path its text does not show.
    if (segment === '.' || segment === '..' || /[/\\?#\u0000-\u001f\u007f]/.test(segment)) {
      return bad(did, `path segment "${segment}" is not allowed`);
    }
    path.push(segment);
  }
  // One DID, one spelling: a host in capitals, an escaped unreserved character (a%2Eb.com), the
  // default port (%3A443), a port with leading zeros or lowercase hex escapes name the same document
  // as the canonical form, and would otherwise each get their own cache entry and their own fetch.
  const canonical = canonicalDidWeb(hostname, port, path);
  if (canonical !== did) return bad(did, `it is not in canonical form; write it as ${canonical}`);
  const authority = port === undefined ? hostname : `${hostname}:${port}`;
  const url = path.length === 0
    ? `https://${authority}/.well-known/did.json`
    : `https://${authority}/${path.map((s) => encodeURIComponent(s)).join('/')}/did.json`;
  return ok({ did, hostname, ...(port === undefined ? {} : { port }), path, url });
}

/**
 * The one spelling of a did:web: the host in lower case, the port only when it is not 443 (as
 * `%3A` and digits without leading zeros), and path segments escaped exactly where DID Core's idchar
 * requires it, with upper-case hex. `parseDidWeb` refuses any other spelling.
 */
export function canonicalDidWeb(hostname: string, port: number | undefined, path: readonly string[]): string {
  const host = port === undefined || port === 443 ? hostname : `${hostname}%3A${port}`;
  return [PREFIX + host, ...path.map(canonicalSegment)].join(':');
}

function canonicalSegment(segment: string): string {
  // encodeURIComponent escapes all but A-Z a-z 0-9 - _ . ! ~ * ' ( ); idchar allows only the first seven bare.
  return encodeURIComponent(segment).replace(/[!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function isIpv4(hostname: string): boolean {
  const parts = hostname.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** Hosts that name this machine: plain http is allowed to them only when the operator asks. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || (isIpv4(hostname) && hostname.startsWith('127.'));
}

/** A label URL parsers read as a number (decimal, or hex with 0x): a host ending in one is parsed as an IPv4 address. */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/;

function isHostname(hostname: string): boolean {
  if (isIpv4(hostname)) return true;
  // All-numeric labels that are not a valid IPv4 address (999.1.1.1, 10.1) are refused: URL parsers read them as IPs.
  if (/^[\d.]+$/.test(hostname)) return false;
  if (hostname.length > 253) return false;
  const labels = hostname.split('.');
  if (!labels.every((label) => LABEL.test(label))) return false;
  // WHATWG URL reads a host whose last label is a number as IPv4: 0x7f.1 and 0x7f000001 are 127.0.0.1,
  // 0xa9fea9fe is 169.254.169.254. Such a host would reach an address its text does not show.
  if (NUMERIC_LABEL.test(labels[labels.length - 1] as string)) return false;
  // Last line: the host the fetcher will connect to must be the host the DID shows.
  return urlHostname(hostname) === hostname;
}

/** The host as the WHATWG URL parser (and so the fetcher) reads it; undefined when it does not parse. */
function urlHostname(hostname: string): string | undefined {
  try {
    return new URL(`https://${hostname}/`).hostname;
  } catch {
    return undefined;
  }
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function bad(did: string, why: string): Result<never> {
  return fail('DID_UNRESOLVABLE', `${did} cannot be resolved: ${why}`);
}
