import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SignpostError, type Result } from '../errors.js';
import { planMcpImport } from '../import/index.js';
import { signingKeyFromSeed, type SigningKey } from '../trust/ed25519.js';
import { checkAgentAddr, formatUtcSeconds } from './agent-addr.js';
import { COMPACT_AGENT_ADDR_V1, decodeAgentAddr, encodeAgentAddr, encodingLength, type CompactAgentAddrRecord } from './compact-codec.js';
import { createRegistration } from './registration.js';
import { nextSequence } from './sequence.js';
import { countersign, signRecord, verifyCountersignature, verifyRecordSignature } from './signing.js';
import type { AgentAddr, CountersignedRecord, SignedRecord } from './types.js';

const T0 = Date.UTC(2026, 0, 1);
const AT = '2026-01-01T00:00:05Z';
const NAME = 'agent://acme.com/billing/invoices';
const REGISTRY_BASE = 'https://registry.example';
const agent = keyOf(1);
const registry = keyOf(9);

function keyOf(fill: number): SigningKey {
  return signingKeyFromSeed(new Uint8Array(32).fill(fill));
}

function registryFactsUrl(name: string, base = REGISTRY_BASE): string {
  return `${base}/v1/agents/${encodeURIComponent(name)}/facts`;
}

function signedAddr(overrides: Partial<Parameters<typeof createRegistration>[0]> = {}): SignedRecord<AgentAddr> {
  return createRegistration({
    key: agent,
    name: NAME,
    claims: { label: 'Invoices', endpoints: { static: [{ url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a' }] } },
    factsUrl: registryFactsUrl(NAME),
    seq: nextSequence(T0),
    nowMs: T0,
    ...overrides,
  }).addr;
}

function decoded(bytes: Uint8Array): CompactAgentAddrRecord {
  const result = decodeAgentAddr(bytes);
  if (!result.ok) throw new Error(`expected a record, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function codes(result: Result<unknown>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

/** Both signatures verify (the countersignature only if there is one). */
function genuine(record: CompactAgentAddrRecord): boolean {
  const agentOk = verifyRecordSignature(record, record.payload.agentId);
  return 'countersig' in record ? agentOk && verifyCountersignature(record, record.countersig.by) : agentOk;
}

// --- an independent encoder written from docs/spec.md, to check the layout byte by byte -----

const ALPHABET = '\0abcdefghijklmnopqrstuvwxyz0123456789-./';

function leb128(value: number | bigint): number[] {
  let rest = BigInt(value);
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return out;
}

function utf8Field(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...leb128(bytes.length), ...bytes];
}

function nameField(name: string): number[] {
  const text = name.slice('agent://'.length);
  const out = [text.length];
  for (let i = 0; i < text.length; i += 3) {
    const [a, b, c] = [0, 1, 2].map((k) => (i + k < text.length ? ALPHABET.indexOf(text[i + k]!) : 0));
    const value = a! * 1600 + b! * 40 + c!;
    out.push(value >> 8, value & 0xff);
  }
  return out;
}

function bySpec(record: CompactAgentAddrRecord): Uint8Array {
  const p = record.payload;
  const suffix = `/v1/agents/${p.name.replace(/:/g, '%3A').replace(/\//g, '%2F')}/facts`;
  const short = p.factsUrl.endsWith(suffix) && p.factsUrl.length > suffix.length;
  const cs = 'countersig' in record ? record.countersig : undefined;
  const flags = (cs ? 1 : 0) | (short ? 2 : 0) | (p.privateFactsUrl ? 4 : 0) | (p.resolverUrl ? 8 : 0) | (p.nextKeySha256 ? 0x10 : 0);
  const key = (did: string) => [...(fromBase58Did(did))];
  const seconds = (time: string) => leb128(Date.parse(time) / 1000);
  return Uint8Array.from([
    0xa1,
    flags,
    ...nameField(p.name),
    ...key(p.agentId),
    ...fromHex(p.factsSha256),
    ...utf8Field(short ? p.factsUrl.slice(0, -suffix.length) : p.factsUrl),
    ...(p.privateFactsUrl ? utf8Field(p.privateFactsUrl) : []),
    ...(p.resolverUrl ? utf8Field(p.resolverUrl) : []),
    ...(p.nextKeySha256 ? fromHex(p.nextKeySha256) : []),
    ...leb128(p.ttl),
    ...leb128(p.seq),
    ...seconds(p.notAfter),
    ...Buffer.from(record.sig, 'base64url'),
    ...(cs ? [...key(cs.by), ...seconds(cs.at), ...Buffer.from(cs.sig, 'base64url')] : []),
  ]);
}

/** did:key:z… → the 32 raw key bytes, by plain base58btc arithmetic (no library). */
function fromBase58Did(did: string): Uint8Array {
  const digits = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const char of did.slice('did:key:z'.length)) n = n * 58n + BigInt(digits.indexOf(char));
  const bytes = fromHex(n.toString(16).padStart(68, '0'));
  expect([bytes[0], bytes[1]]).toEqual([0xed, 0x01]);
  return bytes.slice(2);
}

// --- round trips -----------------------------------------------------------------------------

describe('compact AgentAddr: round trips', () => {
  const variants: Record<string, SignedRecord<AgentAddr>> = {
    'registry-layout factsUrl': signedAddr(),
    'explicit factsUrl': signedAddr({ factsUrl: 'https://acme.com/.well-known/agent-facts/billing/invoices.json' }),
    'every optional URL, non-ASCII URL': signedAddr({
      privateFactsUrl: 'https://acme.com/private/facts?tenant=ü&x=😀',
      resolverUrl: 'https://resolver.acme.com/v1/resolve',
      ttl: 86_400,
      validityMs: 366 * 86_400_000,
    }),
    'a near-maximal name': signedAddr({ name: `agent://${'a'.repeat(63)}.${'b'.repeat(63)}/${'c'.repeat(63)}/${'d'.repeat(53)}` }),
    'seq 0, ttl 1': signedAddr({ seq: 0, ttl: 1 }),
    'seq 2^53 - 1': signedAddr({ seq: Number.MAX_SAFE_INTEGER }),
  };

  for (const [label, signed] of Object.entries(variants)) {
    it(`gives back the same JSON, and signatures that still verify: ${label}`, () => {
      expect(checkAgentAddr(signed.payload).ok).toBe(true);
      const countersigned = countersign(signed, registry, AT);
      for (const record of [signed, countersigned] as CompactAgentAddrRecord[]) {
        const bytes = encodeAgentAddr(record);
        expect(encodingLength(record)).toBe(bytes.length);
        expect(hex(bytes)).toBe(hex(bySpec(record)));
        const back = decoded(bytes);
        expect(back).toEqual(record);
        expect(JSON.stringify(back)).toBe(JSON.stringify(record)); // same key order as createRegistration/countersign
        expect(verifyRecordSignature(back, agent.did)).toBe(true);
        if ('countersig' in back) expect(verifyCountersignature(back, registry.did)).toBe(true);
        expect(hex(encodeAgentAddr(back))).toBe(hex(bytes));
      }
    });
  }

  it('starts with the format byte and flags, and uses the short facts URL form only when it applies', () => {
    const signed = encodeAgentAddr(signedAddr());
    expect([signed[0], signed[1]]).toEqual([COMPACT_AGENT_ADDR_V1, 0x02]);
    expect(encodeAgentAddr(countersign(signedAddr(), registry, AT))[1]).toBe(0x03);
    expect(encodeAgentAddr(signedAddr({ factsUrl: 'https://acme.com/facts.json' }))[1]).toBe(0x00);
    // Only the registry base is stored, however long the name: 1 + 24 bytes for a 252-byte URL here.
    const name = `agent://acme.com/${'x'.repeat(60)}/${'y'.repeat(60)}/${'z'.repeat(60)}`;
    const long = signedAddr({ name, factsUrl: registryFactsUrl(name) });
    expect(long.payload.factsUrl.length).toBe(252);
    const packedName = 1 + 2 * Math.ceil((name.length - 8) / 3);
    expect(encodeAgentAddr(long).length).toBe(2 + packedName + 32 + 32 + 1 + REGISTRY_BASE.length + 2 + 8 + 5 + 64);
  });
});

// --- properties ------------------------------------------------------------------------------

const ldhLabel = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(63), 'xn--bcher-kva', '0', 'v1') },
);
const nameArb = fc
  .tuple(fc.array(ldhLabel, { minLength: 1, maxLength: 4 }), fc.array(ldhLabel, { minLength: 1, maxLength: 4 }))
  .map(([namespace, path]) => `agent://${namespace.join('.')}/${path.join('/')}`)
  .filter((name) => name.length <= 253);
const urlArb = fc.oneof(
  fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true, withFragments: true }),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((tail) => `https://example.com/${tail}`),
);
const secondsArb = fc.integer({ min: 0, max: 253_402_300_799 });
const addrArb = fc
  .record(
    {
      name: nameArb,
      seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      registrySeed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      factsUrl: fc.oneof(urlArb, fc.constantFrom('https://registry.example', 'http://127.0.0.1:8700', 'https://r.example/a/b')),
      registryLayout: fc.boolean(),
      factsSha256: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
      privateFactsUrl: fc.option(urlArb, { nil: undefined }),
      resolverUrl: fc.option(urlArb, { nil: undefined }),
      nextKeySha256: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex), { nil: undefined }),
      ttl: fc.integer({ min: 1, max: 86_400 }),
      seq: fc.oneof(fc.maxSafeNat(), fc.integer({ min: 0, max: 300 })),
      notAfter: secondsArb,
      at: fc.option(secondsArb, { nil: undefined }),
    },
  )
  .map((g): CompactAgentAddrRecord => {
    const key = signingKeyFromSeed(g.seed);
    const payload: AgentAddr = {
      type: 'AgentAddr',
      v: 1,
      name: g.name,
      agentId: key.did,
      factsUrl: g.registryLayout ? registryFactsUrl(g.name, g.factsUrl) : g.factsUrl,
      factsSha256: g.factsSha256,
      ...(g.privateFactsUrl === undefined ? {} : { privateFactsUrl: g.privateFactsUrl }),
      ...(g.resolverUrl === undefined ? {} : { resolverUrl: g.resolverUrl }),
      ttl: g.ttl,
      seq: g.seq,
      notAfter: formatUtcSeconds(g.notAfter * 1000),
      ...(g.nextKeySha256 === undefined ? {} : { nextKeySha256: g.nextKeySha256 }),
    };
    const signed = signRecord(payload, key);
    return g.at === undefined ? signed : countersign(signed, signingKeyFromSeed(g.registrySeed), formatUtcSeconds(g.at * 1000));
  })
  .filter((record) => checkAgentAddr(record.payload).ok);

describe('compact AgentAddr: properties', () => {
  it('round-trips every valid AgentAddr, signed or countersigned, and keeps its signatures valid', () => {
    fc.assert(
      fc.property(addrArb, (record) => {
        const bytes = encodeAgentAddr(record);
        expect(bytes.length).toBe(encodingLength(record));
        expect(hex(bytes)).toBe(hex(bySpec(record)));
        const back = decoded(bytes);
        expect(back).toEqual(record);
        expect(genuine(back)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes, and anything it accepts re-encodes to exactly those bytes', () => {
    const header = fc.tuple(fc.constantFrom(COMPACT_AGENT_ADDR_V1), fc.nat(0x0f), fc.uint8Array({ maxLength: 400 })).map(([v, f, rest]) => Uint8Array.from([v, f, ...rest]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), header), (bytes) => {
        const result = decodeAgentAddr(bytes);
        if (result.ok) expect(hex(encodeAgentAddr(result.value))).toBe(hex(bytes));
        else expect(result.problems[0]!.code).toBe('ENCODING_INVALID');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every truncation and every extension of a valid encoding', () => {
    fc.assert(
      fc.property(addrArb, fc.uint8Array({ minLength: 1, maxLength: 4 }), (record, extra) => {
        const bytes = encodeAgentAddr(record);
        for (let length = 0; length < bytes.length; length++) {
          expect(codes(decodeAgentAddr(bytes.slice(0, length)))[0], `prefix of ${length}`).toBe('ENCODING_INVALID');
        }
        expect(codes(decodeAgentAddr(Uint8Array.from([...bytes, ...extra])))[0]).toBe('ENCODING_INVALID');
      }),
      { numRuns: 30 },
    );
  });

  it('turns every single-bit flip into ENCODING_INVALID or into a record whose signatures fail', () => {
    fc.assert(
      fc.property(addrArb, (record) => {
        const bytes = encodeAgentAddr(record);
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const flipped = bytes.slice();
          flipped[bit >> 3]! ^= 1 << (bit & 7);
          const result = decodeAgentAddr(flipped);
          if (result.ok) {
            expect(hex(encodeAgentAddr(result.value))).toBe(hex(flipped));
            expect(genuine(result.value), `bit ${bit}`).toBe(false);
          } else {
            expect(result.problems[0]!.code, `bit ${bit}`).toBe('ENCODING_INVALID');
          }
        }
      }),
      { numRuns: 8 },
    );
  });
});

// --- malformed input, case by case ----------------------------------------------------------

describe('compact AgentAddr: malformed input', () => {
  const record = signedAddr();
  const valid = encodeAgentAddr(record);
  // Offsets in `valid`: 0 format, 1 flags, 2 name length (25), 3..20 name (9 groups), 21..52 key,
  // 53..84 digest, 85 base length (24), 86..109 base, 110..111 ttl (3600), 112..119 seq, 120..124 notAfter, 125..188 sig.
  const NAME_AT = 2;
  const BASE_AT = 85;
  const TTL_AT = 110;
  const with_ = (at: number, remove: number, ...insert: number[]) => {
    const bytes = [...valid];
    bytes.splice(at, remove, ...insert);
    return Uint8Array.from(bytes);
  };
  const refuse = (bytes: Uint8Array, detail: RegExp) => {
    const result = decodeAgentAddr(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.code).toBe('ENCODING_INVALID');
    expect(result.problems.map((p) => p.detail).join(' | ')).toMatch(detail);
  };

  it('has the layout the offsets above assume', () => {
    expect(valid.length).toBe(189);
    expect(valid[NAME_AT]).toBe(25);
    expect(valid[BASE_AT]).toBe(REGISTRY_BASE.length);
    expect([valid[TTL_AT], valid[TTL_AT + 1]]).toEqual(leb128(3600));
  });

  it('refuses an empty input, an unknown format byte and reserved flags', () => {
    refuse(new Uint8Array(), /truncated/);
    refuse(with_(0, 1, 0xa2), /unknown format byte 0xa2/);
    refuse(with_(0, 1, 0x7b), /unknown format byte 0x7b/); // a JSON "{"
    refuse(with_(1, 1, 0x22), /reserved flag bits/);
    refuse(with_(1, 1, 0x82), /reserved flag bits/);
  });

  it('refuses bad names: zero or too many characters, padding misuse, groups past 63999', () => {
    refuse(with_(NAME_AT, 1, 0), /a name of 0 characters/);
    refuse(with_(NAME_AT, 1, 246), /a name of 246 characters/);
    refuse(with_(NAME_AT, 1, 23), /padding at character 23 is 5/); // "…invoices" cut to 23: the "e" of its last group must be padding
    refuse(with_(NAME_AT + 1, 2, 0xff, 0xff), /above the radix-40 maximum/);
    refuse(with_(NAME_AT + 1, 2, 0x00, 0x01), /character 0 is the padding symbol/);
  });

  it('refuses non-minimal, overlong and out-of-range varints', () => {
    refuse(with_(TTL_AT, 2, 0x90, 0x9c, 0x00), /ttl: the varint at offset 110 is not minimal/);
    refuse(with_(TTL_AT, 2, ...Array(8).fill(0x80), 0x01), /longer than 8 bytes/);
    const tooLate = leb128(253_402_300_800);
    refuse(with_(120, 5, ...tooLate), /notAfter: 253402300800 .* above the largest allowed, 253402300799/);
  });

  it('refuses overlong and lying lengths and invalid UTF-8', () => {
    refuse(with_(BASE_AT, 1, ...leb128(8193)), /above the 8192-byte limit/);
    refuse(with_(BASE_AT, 1, 120), /truncated: the facts URL base needs 120 bytes at offset 86, only 103 remain/);
    refuse(with_(BASE_AT + 1, 1, 0xc3), /not valid UTF-8/); // a lead byte followed by ASCII
    refuse(with_(BASE_AT + 1, 1, 0xc0, 0xa8), /not valid UTF-8/); // an overlong form of "("
  });

  it('refuses trailing bytes and a missing countersignature', () => {
    refuse(Uint8Array.from([...valid, 0]), /1 trailing bytes/);
    refuse(with_(1, 1, 0x03), /truncated: the registry key/);
  });

  it('refuses the long form of a facts URL that has a short form (one record, one encoding)', () => {
    const explicit = Uint8Array.from([...valid.slice(0, BASE_AT), ...utf8Field(record.payload.factsUrl), ...valid.slice(BASE_AT + 1 + REGISTRY_BASE.length)]);
    explicit[1] = 0x00;
    refuse(explicit, /short form/);
  });

  it('refuses well-formed bytes that spell an invalid AgentAddr, and says why', () => {
    const result = decodeAgentAddr(with_(TTL_AT, 2, 0x00));
    expect(codes(result)).toEqual(['ENCODING_INVALID', 'RECORD_INVALID']);
    expect(result.ok ? undefined : result.problems[1]!.pointer).toBe('/payload/ttl');
    // "acme.com/billing/invoices" with its "c" at 5 turned into ".": "acme..om" has an empty label.
    const emptyLabel = valid.slice();
    const group = emptyLabel[NAME_AT + 3]! * 256 + emptyLabel[NAME_AT + 4]!; // group 1, characters 3..5: "e.c"
    emptyLabel[NAME_AT + 3] = (group + 38 - 3) >> 8;
    emptyLabel[NAME_AT + 4] = (group + 38 - 3) & 0xff;
    expect(codes(decodeAgentAddr(emptyLabel))).toEqual(['ENCODING_INVALID', 'NAME_EMPTY_LABEL']);
  });

  it('never throws on values that are not bytes', () => {
    for (const value of [undefined, null, 'a1', [0xa1], {}, new ArrayBuffer(4)]) {
      expect(codes(decodeAgentAddr(value as unknown as Uint8Array))).toEqual(['ENCODING_INVALID']);
    }
  });
});

describe('compact AgentAddr: the encoder refuses what it cannot carry exactly', () => {
  const record = signedAddr();
  const refuse = (value: unknown, code: string) => {
    let thrown: unknown;
    try {
      encodeAgentAddr(value as CompactAgentAddrRecord);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SignpostError);
    expect((thrown as SignpostError).code).toBe(code);
    expect(() => encodingLength(value as CompactAgentAddrRecord)).toThrow(SignpostError);
  };

  it('refuses invalid payloads, signatures, times and envelopes', () => {
    refuse({ ...record, payload: { ...record.payload, name: 'agent://Acme.com/x' } }, 'RECORD_INVALID');
    refuse({ ...record, payload: { ...record.payload, agentId: 'did:web:acme.com' } }, 'AGENT_ID_INVALID');
    refuse({ ...record, payload: { ...record.payload, notAfter: '1969-12-31T23:59:59Z' } }, 'RECORD_INVALID');
    refuse({ ...record, payload: { ...record.payload, factsUrl: 'https://acme.com/\ud800' } }, 'RECORD_INVALID');
    refuse({ ...record, sig: record.sig.slice(0, -1) }, 'RECORD_INVALID');
    // 86 characters hold 516 bits: the last character ends in 2 padding bits, which must be zero.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const padded = record.sig.slice(0, -1) + alphabet[alphabet.indexOf(record.sig.at(-1)!) | 1];
    expect(Buffer.from(padded, 'base64url')).toEqual(Buffer.from(record.sig, 'base64url')); // lenient decoders read the same bytes
    refuse({ ...record, sig: padded }, 'RECORD_INVALID');
    refuse({ ...record, extra: 1 }, 'RECORD_UNKNOWN_FIELD');
    const countersigned = countersign(record, registry, AT);
    refuse({ ...countersigned, countersig: { ...countersigned.countersig, at: '2026-01-01T00:00:05.500Z' } }, 'RECORD_INVALID');
    refuse({ ...countersigned, countersig: { ...countersigned.countersig, by: 'did:key:nonsense' } }, 'AGENT_ID_INVALID');
    refuse({ ...countersigned, countersig: { ...countersigned.countersig, note: 'x' } }, 'RECORD_UNKNOWN_FIELD');
    refuse({ ...countersigned, countersig: null }, 'RECORD_INVALID');
    refuse(null, 'RECORD_INVALID');
  });
});

// --- sizes of real records -------------------------------------------------------------------

const SEED_URL = new URL('../../../../shared/data/mcp-registry-seed.json', import.meta.url);

function summary(values: number[]): { min: number; median: number; p90: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.ceil(p * sorted.length) - 1]!; // nearest-rank percentile
  return { min: sorted[0]!, median: rank(0.5), p90: rank(0.9), max: sorted.at(-1)! };
}

describe('compact AgentAddr: sizes of the MCP registry seed, mapped as the importer does', () => {
  const plan = planMcpImport(JSON.parse(readFileSync(SEED_URL, 'utf8')));
  if (!plan.ok) throw new Error('the seed no longer plans');
  const candidates = plan.value.candidates;
  const records = candidates.map((candidate) => {
    const key = signingKeyFromSeed(createHash('sha256').update(candidate.name).digest());
    const { addr } = createRegistration({
      key,
      name: candidate.name,
      claims: candidate.claims,
      factsUrl: registryFactsUrl(candidate.name),
      seq: nextSequence(T0),
      nowMs: T0,
    });
    return { signed: addr, countersigned: countersign(addr, registry, formatUtcSeconds(T0)) as CountersignedRecord<AgentAddr> };
  });

  it('encodes, decodes and verifies every importable server, and reports the sizes', () => {
    expect(records).toHaveLength(464);
    for (const { countersigned } of records) {
      expect(decoded(encodeAgentAddr(countersigned))).toEqual(countersigned);
    }
    const utf8Length = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
    const sizes = {
      'core pointer fields (payload, no header, no sig)': summary(records.map((r) => encodingLength(r.signed) - 2 - 64)),
      'signed record': summary(records.map((r) => encodingLength(r.signed))),
      'countersigned record': summary(records.map((r) => encodingLength(r.countersigned))),
      'core, factsUrl spelled out': summary(
        records.map((r) => encodingLength(r.signed) - 2 - 64 - utf8Field(REGISTRY_BASE).length + utf8Field(r.signed.payload.factsUrl).length),
      ),
      'name field (radix-40)': summary(records.map((r) => 1 + 2 * Math.ceil((r.signed.payload.name.length - 8) / 3))),
      'name length (characters, canonical)': summary(records.map((r) => r.signed.payload.name.length)),
      'JSON payload (JSON.stringify, UTF-8)': summary(records.map((r) => utf8Length(r.signed.payload))),
      'JSON countersigned record': summary(records.map((r) => utf8Length(r.countersigned))),
      'countersigned, base64 (TXT text)': summary(records.map((r) => Math.ceil(encodingLength(r.countersigned) / 3) * 4)),
    };
    console.log(`compact AgentAddr sizes over ${records.length} MCP seed servers (bytes; min / median / p90 / max):`);
    for (const [label, s] of Object.entries(sizes)) console.log(`  ${label.padEnd(50)} ${s.min} / ${s.median} / ${s.p90} / ${s.max}`);
    // Guard rails, not the report: a countersigned record fits one UDP DNS answer comfortably.
    expect(sizes['countersigned record'].max).toBeLessThan(400);
    expect(sizes['signed record'].min).toBeGreaterThanOrEqual(2 + 1 + 2 + 32 + 32 + 1 + 1 + 1 + 1 + 64);
  });
});

