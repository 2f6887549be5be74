/**
 * Online DNSSEC for the agent zones (RFC 4033-4035) with Ed25519 (algorithm 15, RFC 8080): every
 * RRset is signed when it is answered, so an answer is as fresh as the registry (a revocation is
 * not held back by a zone re-signing run). Denial is one NSEC at the name asked, whose next name
 * is the name's immediate successor (`\000.<name>`) and whose bitmap lists the types the name has:
 * the "black lies" of RFC 4470 minimal answers, which prove NODATA for exactly that name and reveal
 * no other name. Signatures are kept in a bounded cache and made again well before they expire.
 *
 * No library signs DNSSEC for Node (ARCHITECTURE 4), so this is ours; it leans on dns-packet for
 * every wire encoding and on node:crypto for Ed25519.
 */
import { createHash } from 'node:crypto';
import dnsPacket, { type Answer } from 'dns-packet';
import type { SigningKey } from '../../core/trust/ed25519.js';

/** dns-packet's record codecs, which its type declarations leave out. */
const codecs = dnsPacket as unknown as Record<'answer' | 'rrsig' | 'dnskey' | 'name', { encode(value: unknown): Buffer }>;

export const ALGORITHM_ED25519 = 15;
/** DNSKEY flags: zone key (256) + secure entry point (1): one key signs everything (a combined signing key). */
const DNSKEY_FLAGS = 257;
const DIGEST_SHA256 = 2;

export interface ZoneSignerOptions {
  /** Wall-clock milliseconds (a port: tests move it by hand). */
  readonly now: () => number;
  /** How long a signature is valid (default 7 days). */
  readonly validitySeconds?: number;
  /** How far back inception is set, for resolvers whose clocks run behind (default 1 hour). */
  readonly backdateSeconds?: number;
  /** Signatures are made again once less than this is left (default 2 days). */
  readonly refreshSeconds?: number;
  /** Most signatures cached (default 100,000). */
  readonly maxCached?: number;
}

interface CachedSignature {
  readonly rrsig: Answer;
  readonly refreshAt: number;
}

export class ZoneSigner {
  readonly #key: SigningKey;
  readonly #options: Required<ZoneSignerOptions>;
  readonly #cache = new Map<string, CachedSignature>();
  readonly keyTag: number;

  constructor(key: SigningKey, options: ZoneSignerOptions) {
    this.#key = key;
    this.#options = { validitySeconds: 7 * 86_400, backdateSeconds: 3600, refreshSeconds: 2 * 86_400, maxCached: 100_000, ...options };
    this.keyTag = keyTagOf(dnskeyRdata(key.publicKey));
  }

  /** The zone's DNSKEY record (TTL 3600). */
  dnskey(zone: string): Answer {
    return { type: 'DNSKEY', name: zone, ttl: 3600, class: 'IN', data: { flags: DNSKEY_FLAGS, algorithm: ALGORITHM_ED25519, key: Buffer.from(this.#key.publicKey) } } as Answer;
  }

  /** The DS record the parent publishes for `zone` (SHA-256), in presentation form. */
  ds(zone: string): string {
    const digest = createHash('sha256').update(Buffer.concat([nameWire(zone), dnskeyRdata(this.#key.publicKey)])).digest('hex').toUpperCase();
    return `${zone}. IN DS ${this.keyTag} ${ALGORITHM_ED25519} ${DIGEST_SHA256} ${digest}`;
  }

  /** The black-lie NSEC of `name`: next name `\000.<name>`, bitmap the types the name has plus RRSIG and NSEC. */
  nsec(name: string, types: readonly string[], ttl: number): Answer {
    return { type: 'NSEC', name, ttl, class: 'IN', data: { nextDomain: `\u0000.${name}`, rrtypes: [...new Set([...types, 'RRSIG', 'NSEC'])] } } as Answer;
  }

  /** The RRSIG over one RRset (all records of one name and type), made by the zone's key. */
  sign(rrset: readonly Answer[], zone: string): Answer {
    const first = rrset[0];
    if (first === undefined) throw new RangeError('an RRset to sign has at least one record');
    const ttl = (first as { ttl?: number }).ttl ?? 0;
    // Canonical form (RFC 4034 6.2, 6.3): lowercase owner, the original TTL, RRs in the order of
    // their RDATA alone (not of RDLENGTH + RDATA: records of different lengths would sort apart).
    const headerLength = nameWire(first.name).length + 10;
    const records = rrset
      .map((record) => codecs.answer.encode({ ...record, name: record.name.toLowerCase(), ttl }))
      .sort((a, b) => Buffer.compare(a.subarray(headerLength), b.subarray(headerLength)));
    const cacheKey = createHash('sha256').update(zone).update(Buffer.concat(records)).digest('base64');
    const nowSeconds = Math.floor(this.#options.now() / 1000);
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.refreshAt > nowSeconds) return cached.rrsig;

    const expiration = nowSeconds + this.#options.validitySeconds;
    const unsigned = {
      typeCovered: first.type,
      algorithm: ALGORITHM_ED25519,
      labels: first.name.replace(/\.$/, '').split('.').filter((label) => label !== '*').length,
      originalTTL: ttl,
      expiration,
      inception: nowSeconds - this.#options.backdateSeconds,
      keyTag: this.keyTag,
      signersName: zone,
      signature: Buffer.alloc(0),
    };
    // RRSIG RDATA without its signature (dns-packet writes RDLENGTH first), then the RRs.
    const prefix = codecs.rrsig.encode(unsigned).subarray(2);
    const signature = Buffer.from(this.#key.sign(Buffer.concat([prefix, ...records])));
    const rrsig = { type: 'RRSIG', name: first.name, ttl, class: 'IN', data: { ...unsigned, signature } } as Answer;
    if (this.#cache.size >= this.#options.maxCached) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(cacheKey, { rrsig, refreshAt: expiration - this.#options.refreshSeconds });
    return rrsig;
  }
}

function dnskeyRdata(publicKey: Uint8Array): Buffer {
  return codecs.dnskey.encode({ flags: DNSKEY_FLAGS, algorithm: ALGORITHM_ED25519, key: Buffer.from(publicKey) }).subarray(2);
}

/** RFC 4034 appendix B. */
function keyTagOf(rdata: Buffer): number {
  let sum = 0;
  for (let i = 0; i < rdata.length; i++) sum += i & 1 ? rdata[i]! : rdata[i]! << 8;
  sum += (sum >> 16) & 0xffff;
  return sum & 0xffff;
}

/** A name in canonical wire form: lowercase labels, uncompressed. */
function nameWire(name: string): Buffer {
  return codecs.name.encode(name.toLowerCase());
}
