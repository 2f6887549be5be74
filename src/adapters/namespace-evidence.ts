/**
 * Where the registry reads what a domain publishes about its namespace's owner (core
 * NamespaceEvidence): TXT records through a DNS resolver (the system's, or the servers the
 * operator names with `serve --ownership-dns-server`), and the well-known file over HTTPS with the
 * guards of every fetch the registry is made to do (deadline, size limit, same-origin redirects,
 * no private addresses unless allowed).
 */
import { Resolver } from 'node:dns/promises';
import { fail, ok, type Result } from '../core/errors.js';
import type { NamespaceEvidence } from '../core/ports.js';
import { CHALLENGE_WELL_KNOWN_PATH } from '../core/record/namespace-claim.js';
import { guardedGetter, type FetchTimers } from './did-web-fetch.js';

export interface NamespaceEvidenceOptions {
  /** DNS servers for TXT lookups (`127.0.0.1:5353`, `[::1]:53`); the system's when none. */
  readonly dnsServers?: readonly string[];
  /** Per DNS query attempt. Default 2000 ms, 2 attempts. */
  readonly dnsTimeoutMs?: number;
  readonly dnsTries?: number;
  /** The whole HTTPS fetch. Default 3000 ms. */
  readonly httpsTimeoutMs?: number;
  /** PEM certificates trusted besides Node's roots (a private PKI, a test server). */
  readonly extraCaCertificates?: readonly string[];
  /** Fetch from private and loopback addresses (intranets, tests). Off: no SSRF into the operator's network. */
  readonly allowPrivateNetwork?: boolean;
  /** Where the well-known file of a namespace is: `https://<namespace>/.well-known/signpost-challenge` unless a test points elsewhere. */
  readonly wellKnownUrl?: (namespace: string) => URL;
  readonly timers?: FetchTimers;
}

/** Well-known files larger than this are refused: a few owner lines fit in far less. */
export const WELL_KNOWN_MAX_BYTES = 8 * 1024;

/** DNS answers that mean "nothing published here", as opposed to "could not ask". */
const NOTHING_PUBLISHED = new Set(['ENODATA', 'ENOTFOUND']);

export function namespaceEvidence(options: NamespaceEvidenceOptions = {}): NamespaceEvidence {
  const resolver = new Resolver({ timeout: options.dnsTimeoutMs ?? 2000, tries: options.dnsTries ?? 2 });
  if (options.dnsServers !== undefined && options.dnsServers.length > 0) resolver.setServers([...options.dnsServers]);
  const getGuarded = guardedGetter({
    ...(options.httpsTimeoutMs === undefined ? {} : { timeoutMs: options.httpsTimeoutMs }),
    maxBytes: WELL_KNOWN_MAX_BYTES,
    maxRedirects: 3,
    ...(options.allowPrivateNetwork ? { allowPrivateNetwork: true } : {}),
    ...(options.extraCaCertificates ? { extraCaCertificates: options.extraCaCertificates } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
    accept: 'text/plain',
    userAgent: 'signpost-namespace-proof',
    bodyName: 'a signpost-challenge file',
  });
  const wellKnownUrl = options.wellKnownUrl ?? ((namespace: string) => new URL(`https://${namespace}${CHALLENGE_WELL_KNOWN_PATH}`));

  return {
    async txt(name: string): Promise<Result<readonly string[]>> {
      try {
        const records = await resolver.resolveTxt(name);
        // A TXT record is a list of strings of up to 255 octets each: one line, split for the wire.
        return ok(records.map((strings) => strings.join('')));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (NOTHING_PUBLISHED.has(code)) return ok([]);
        return fail('NAMESPACE_PROOF_UNAVAILABLE', `the DNS lookup of TXT ${name} failed (${code || (error as Error).message}); retry`);
      }
    },

    async wellKnown(namespace: string): Promise<Result<string>> {
      const url = wellKnownUrl(namespace);
      const outcome = await getGuarded(url);
      switch (outcome.kind) {
        case 'ok':
          return ok(new TextDecoder('utf-8', { fatal: false }).decode(outcome.body));
        case 'status':
          // Nothing published (404) is a failed proof; a server error may pass: retry.
          return outcome.status >= 500
            ? fail('NAMESPACE_PROOF_UNAVAILABLE', `${outcome.url.href} answered HTTP ${outcome.status}; retry`)
            : fail('NAMESPACE_PROOF_FAILED', `${outcome.url.href} answered HTTP ${outcome.status}: it publishes no owner line`);
        case 'refused':
          return fail('NAMESPACE_PROOF_FAILED', outcome.detail);
        case 'unreachable':
          // The errno and the address stay out of the answer (no port scanning through claims).
          return fail('NAMESPACE_PROOF_UNAVAILABLE', `could not reach ${url.host}; retry`);
      }
    },
  };
}
