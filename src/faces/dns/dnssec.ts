/**
 * Online DNSSEC for the agent zones (RFC 4033-4035) with Ed25519 (algorithm 15, RFC 8080) or ECDSA
 * P-256 (algorithm 13, RFC 6605) keys (zone-key.ts): every RRset is signed when it is answered, so
 * an answer is as fresh as the registry (a revocation is not held back by a zone re-signing run).
 * During a key rollover the signer has two keys: both DNSKEYs are published and every RRset gets
 * an RRSIG from each (double signature, RFC 6781 4.1.2), so a resolver that trusts either key, by a
 * DS or a trust anchor, validates every answer; keys of two algorithms so are the algorithm
 * rollover of RFC 6781 4.1.4, as every RRset is signed with both (RFC 4035 2.2). Denial is one NSEC at the name asked, whose next name
 * is the name's immediate successor (`\000.<name>`) and whose bitmap lists the types the name has:
 * the "black lies" of RFC 4470 minimal answers, which prove NODATA for exactly that name and reveal
 * no other name. Signatures are kept in a bounded cache and made again well before they expire.
 *
 * No library signs DNSSEC for Node (ARCHITECTURE 4), so this is ours; it leans on dns-packet for
 * every wire encoding and on node:crypto for the signatures.
 */
import { createHash } from 'node:crypto';
import dnsPacket, { type Answer } from 'dns-packet';
import type { ZoneKey } from './zone-key.js';

/** dns-packet's record codecs, which its type declarations leave out. */
const codecs = dnsPacket as unknown as Record<'answer' | 'rrsig' | 'dnskey' | 'name', { encode(value: unknown): Buffer }>;

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

/** The TTL of the DNSKEY RRset: a rollover waits this long for every resolver to have seen a new key. */
export const DNSKEY_TTL = 3600;

interface CachedSignatures {
  readonly rrsigs: readonly Answer[];
  readonly refreshAt: number;
}

interface SigningKeyOfZone {
  readonly key: ZoneKey;
  readonly tag: number;
  readonly rdata: Buffer;
}

export class ZoneSigner {
  readonly #keys: readonly SigningKeyOfZone[];
  readonly #options: Required<ZoneSignerOptions>;
  readonly #cache = new Map<string, CachedSignatures>();
  /** The key tags, in the order of the keys (the active key, then the next one during a rollover). */
  readonly keyTags: readonly number[];

  /** `keys`: the zone key, or the active and the next one during a rollover (each signs every RRset). */
  constructor(keys: ZoneKey | readonly ZoneKey[], options: ZoneSignerOptions) {
    const list = Array.isArray(keys) ? (keys as readonly ZoneKey[]) : [keys as ZoneKey];
    if (list.length === 0) throw new RangeError('a zone signer has at least one key');
    this.#keys = list.map((key) => {
      const rdata = dnskeyRdata(key);
      return { key, rdata, tag: keyTagOf(rdata) };
    });
    this.#options = { validitySeconds: 7 * 86_400, backdateSeconds: 3600, refreshSeconds: 2 * 86_400, maxCached: 100_000, ...options };
    this.keyTags = this.#keys.map((key) => key.tag);
  }

  /** The zone's DNSKEY RRset, a record per key. */
  dnskeys(zone: string): Answer[] {
    return this.#keys.map(({ key }) => ({ type: 'DNSKEY', name: zone, ttl: DNSKEY_TTL, class: 'IN', data: { flags: DNSKEY_FLAGS, algorithm: key.algorithm, key: key.publicKey } }) as Answer);
  }

  /** The DS records the parent publishes for `zone` (SHA-256), in presentation form, a record per key. */
  ds(zone: string): string[] {
    return this.#keys.map(({ key, rdata, tag }) => {
      const digest = createHash('sha256').update(Buffer.concat([nameWire(zone), rdata])).digest('hex').toUpperCase();
      return `${zone}. IN DS ${tag} ${key.algorithm} ${DIGEST_SHA256} ${digest}`;
    });
  }

  /** The black-lie NSEC of `name`: next name `\000.<name>`, bitmap the types the name has plus RRSIG and NSEC. */
  nsec(name: string, types: readonly string[], ttl: number): Answer {
    return { type: 'NSEC', name, ttl, class: 'IN', data: { nextDomain: `\u0000.${name}`, rrtypes: [...new Set([...types, 'RRSIG', 'NSEC'])] } } as Answer;
  }

  /** The RRSIGs over one RRset (all records of one name and type), one by each key of the zone. */
  sign(rrset: readonly Answer[], zone: string): Answer[] {
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
    if (cached && cached.refreshAt > nowSeconds) return [...cached.rrsigs];

    const expiration = nowSeconds + this.#options.validitySeconds;
    const rrsigs = this.#keys.map(({ key, tag }) => {
      const unsigned = {
        typeCovered: first.type,
        algorithm: key.algorithm,
        labels: first.name.replace(/\.$/, '').split('.').filter((label) => label !== '*').length,
        originalTTL: ttl,
        expiration,
        inception: nowSeconds - this.#options.backdateSeconds,
        keyTag: tag,
        signersName: zone,
        signature: Buffer.alloc(0),
      };
      // RRSIG RDATA without its signature (dns-packet writes RDLENGTH first), then the RRs.
      const prefix = codecs.rrsig.encode(unsigned).subarray(2);
      const signature = key.sign(Buffer.concat([prefix, ...records]));
      return { type: 'RRSIG', name: first.name, ttl, class: 'IN', data: { ...unsigned, signature } } as Answer;
    });
    if (this.#cache.size >= this.#options.maxCached) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(cacheKey, { rrsigs, refreshAt: expiration - this.#options.refreshSeconds });
    return [...rrsigs];
  }
}

function dnskeyRdata(key: ZoneKey): Buffer {
  return codecs.dnskey.encode({ flags: DNSKEY_FLAGS, algorithm: key.algorithm, key: key.publicKey }).subarray(2);
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
