import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SVC_PARAM_KEYS, svcb, type SvcbData, type SvcParam } from './svcb.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

/** "Name: message" of what `run` throws, so a test pins both the class and the wording. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : `non-Error ${String(error)}`;
  }
  return 'no error';
}

const DNS_AID_KEYS = ['cap', 'cap-sha256', 'bap', 'policy', 'realm', 'sig', 'well-known'] as const;
const keyOrder = (key: string) => (SVC_PARAM_KEYS as Record<string, number>)[key] ?? Number(key.slice(3));

/** What decode gives for `data`: params and mandatory keys in key order, as on the wire. */
function sorted(data: SvcbData): SvcbData {
  const params = data.params
    .map((p) => (p.key === 'mandatory' ? { ...p, keys: [...p.keys].sort((a, b) => keyOrder(a) - keyOrder(b)) } : p))
    .sort((a, b) => keyOrder(a.key) - keyOrder(b.key));
  return { ...data, params };
}

const FOO_COM = '03666f6f 076578616d706c65 03636f6d 00';
const FOO_ORG = '03666f6f 076578616d706c65 036f7267 00';

// RFC 9460 Appendix D. The bytes are the RFC's figures as reproduced in NLnet Labs' simdzone test
// suite (tests/types.c, "RFC9460 Appendix D. Test Vectors", figure by figure) and agree with a
// second, independent suite's hex strings; they also follow by hand from the wire rules of §2.2.
// `data` is the RFC's presentation form; `decoded` is given where the canonical form differs.
const VECTORS: { figure: string; wire: string; data: SvcbData; decoded?: SvcbData }[] = [
  { figure: 'D.1 Figure 2: AliasMode', wire: `0000 ${FOO_COM}`, data: { priority: 0, target: 'foo.example.com', params: [] } },
  { figure: 'D.2 Figure 3: TargetName is "."', wire: '0001 00', data: { priority: 1, target: '.', params: [] } },
  {
    figure: 'D.2 Figure 4: port=53',
    wire: `0010 ${FOO_COM} 0003 0002 0035`,
    data: { priority: 16, target: 'foo.example.com', params: [{ key: 'port', port: 53 }] },
  },
  {
    figure: 'D.2 Figure 5: key667=hello',
    wire: `0001 ${FOO_COM} 029b 0005 68656c6c6f`,
    data: { priority: 1, target: 'foo.example.com', params: [{ key: 'key667', raw: ascii('hello') }] },
  },
  {
    figure: 'D.2 Figure 6: key667="hello\\210qoo"',
    wire: `0001 ${FOO_COM} 029b 0009 68656c6c6f d2 716f6f`,
    data: { priority: 1, target: 'foo.example.com', params: [{ key: 'key667', raw: fromHex('68656c6c6f d2 716f6f') }] },
  },
  {
    figure: 'D.2 Figure 7: ipv6hint=2001:db8::1,2001:db8::53:1',
    wire: `0001 ${FOO_COM} 0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001`,
    data: { priority: 1, target: 'foo.example.com', params: [{ key: 'ipv6hint', addresses: ['2001:db8::1', '2001:db8::53:1'] }] },
  },
  {
    figure: 'D.2 Figure 8: ipv6hint=2001:db8:122:344::192.0.2.33',
    wire: '0001 076578616d706c65 03636f6d 00 0006 0010 20010db801220344 00000000c0000221',
    data: { priority: 1, target: 'example.com', params: [{ key: 'ipv6hint', addresses: ['2001:db8:122:344::192.0.2.33'] }] },
    // RFC 5952 text keeps the dotted tail only for IPv4-mapped addresses.
    decoded: { priority: 1, target: 'example.com', params: [{ key: 'ipv6hint', addresses: ['2001:db8:122:344::c000:221'] }] },
  },
  {
    figure: 'D.2 Figure 9: alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1',
    wire: `0010 ${FOO_ORG} 0000 0004 0001 0004 0001 0009 02 6832 05 68332d3139 0004 0004 c0000201`,
    data: {
      priority: 16,
      target: 'foo.example.org',
      params: [
        { key: 'alpn', protocols: ['h2', 'h3-19'] },
        { key: 'mandatory', keys: ['ipv4hint', 'alpn'] },
        { key: 'ipv4hint', addresses: ['192.0.2.1'] },
      ],
    },
    // The wire form sorts both the SvcParams and the mandatory keys.
    decoded: {
      priority: 16,
      target: 'foo.example.org',
      params: [
        { key: 'mandatory', keys: ['alpn', 'ipv4hint'] },
        { key: 'alpn', protocols: ['h2', 'h3-19'] },
        { key: 'ipv4hint', addresses: ['192.0.2.1'] },
      ],
    },
  },
  {
    // Presentation "f\\\\oo\\,bar,h2": after unescaping, the ids are `f\oo,bar` and `h2`.
    figure: 'D.2 Figure 10: alpn with an escaped comma and backslash',
    wire: `0010 ${FOO_ORG} 0001 000c 08 665c6f6f2c626172 02 6832`,
    data: { priority: 16, target: 'foo.example.org', params: [{ key: 'alpn', protocols: ['f\\oo,bar', 'h2'] }] },
  },
];

describe('RFC 9460 Appendix D test vectors', () => {
  it.each(VECTORS)('$figure', ({ wire, data, decoded }) => {
    const bytes = fromHex(wire);
    expect(hex(svcb.encode(data))).toBe(hex(bytes));
    expect(svcb.encode.bytes).toBe(bytes.length);
    expect(svcb.encodingLength(data)).toBe(bytes.length);
    expect(svcb.decode(bytes)).toEqual(decoded ?? data);
    expect(svcb.decode.bytes).toBe(bytes.length);
  });
});

const AGENT: SvcbData = {
  priority: 1,
  target: 'agents.example.com',
  params: [
    { key: 'alpn', protocols: ['a2a', 'h2'] },
    { key: 'port', port: 443 },
    { key: 'bap', value: 'a2a,mcp' },
    { key: 'cap', value: 'https://agents.example.com/.well-known/agent-card.json' },
    { key: 'cap-sha256', value: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg' },
    { key: 'well-known', value: 'agent-card.json' },
  ],
};

describe('round trips', () => {
  it('carries the DNS-AID keys as raw UTF-8 after the standard ones', () => {
    const bytes = svcb.encode(AGENT);
    // bap is private-use key 65402 (0xff7a); its value is the text itself, with no length prefix.
    expect(hex(bytes)).toContain(`ff7a0007${hex(ascii('a2a,mcp'))}`);
    expect(hex(bytes)).toContain(`ff81000f${hex(ascii('agent-card.json'))}`);
    expect(svcb.decode(bytes).params.map((param) => param.key)).toEqual(['alpn', 'port', 'cap', 'cap-sha256', 'bap', 'well-known']);
    expect(svcb.decode(bytes)).toEqual(sorted(AGENT));
  });

  it('keeps every kind of SvcParam', () => {
    const data: SvcbData = {
      priority: 65535,
      target: 'Svc_1.Example.COM',
      params: [
        { key: 'mandatory', keys: ['port', 'key65280'] },
        { key: 'alpn', protocols: ['h3', 'x'.repeat(255), 'ñ'] },
        { key: 'no-default-alpn' },
        { key: 'port', port: 0 },
        { key: 'ipv4hint', addresses: ['0.0.0.0', '255.255.255.255'] },
        { key: 'ech', config: fromHex('0045fe0d') },
        { key: 'ipv6hint', addresses: ['::', '::1', '1::', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1', '::ffff:192.0.2.1'] },
        { key: 'dohpath', template: '/dns-query{?dns}' },
        ...DNS_AID_KEYS.map((key) => ({ key, value: `${key} ✓` })),
        { key: 'key65280', raw: new Uint8Array(0) },
        { key: 'key8', raw: fromHex('00ff') },
      ],
    };
    expect(svcb.decode(svcb.encode(data))).toEqual(sorted(data));
  });

  it('writes into a given buffer at an offset and reads from the middle of one', () => {
    const buf = new Uint8Array(200).fill(0xee);
    const length = svcb.encodingLength(AGENT);
    expect(svcb.encode(AGENT, buf, 7)).toBe(buf);
    expect(svcb.encode.bytes).toBe(length);
    expect(buf[6]).toBe(0xee);
    expect(buf[7 + length]).toBe(0xee);
    expect(svcb.decode(buf, 7, length).target).toBe('agents.example.com');
    expect(svcb.decode.bytes).toBe(length);
    expect(failure(() => svcb.encode(AGENT, new Uint8Array(length), 1))).toBe(
      `RangeError: SVCB RDATA needs ${length} bytes at offset 1, the buffer has ${length}`,
    );
  });

  it('accepts IPv6 text in any RFC 4291 form and gives it back in RFC 5952 form', () => {
    const hint = (address: string) => {
      const decoded = svcb.decode(svcb.encode({ priority: 1, target: '.', params: [{ key: 'ipv6hint', addresses: [address] }] }));
      return decoded.params[0]?.key === 'ipv6hint' ? decoded.params[0].addresses[0] : undefined;
    };
    expect(hint('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(hint('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(hint('::ffff:c000:201')).toBe('::ffff:192.0.2.1');
    expect(hint('::192.0.2.1')).toBe('::c000:201');
    // fast-check's own IPv6 text, checked against Node's URL parser, which knows nothing of this codec.
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const whatwg = (text: string) => new URL(`http://[${text}]/`).hostname;
        expect(whatwg(hint(address) ?? '')).toBe(whatwg(address));
      }),
    );
  });

  it('ignores SvcParams in AliasMode, as RFC 9460 §2.4.2 requires of recipients', () => {
    expect(svcb.decode(fromHex('0000 00 0003 0002 0035 ffff'))).toEqual({ priority: 0, target: '.', params: [] });
    expect(svcb.decode.bytes).toBe(11);
  });
});

// --- property tests -----------------------------------------------------------------------------

const NAMED_NUMBERS = new Set<number>(Object.values(SVC_PARAM_KEYS));

const label = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x2e).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 63,
});
const target = fc.oneof(fc.constant('.'), fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.')));
const word = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
// Canonical RFC 5952 text from Node's URL serializer (the same rules, except for IPv4-mapped
// addresses, which get their own generator), so decode must give back exactly these strings.
const ipv6 = fc.oneof(
  fc
    .array(word, { minLength: 8, maxLength: 8 })
    .filter((words) => !(words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff))
    .map((words) => new URL(`http://[${words.map((w) => w.toString(16)).join(':')}]/`).hostname.slice(1, -1)),
  fc.ipV4().map((v4) => `::ffff:${v4}`),
);
const text = fc.string({ unit: 'binary', maxLength: 40 });

const param: fc.Arbitrary<SvcParam> = fc.oneof(
  fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 4 }).map((protocols) => ({ key: 'alpn' as const, protocols })),
  fc.constant({ key: 'no-default-alpn' as const }),
  fc.integer({ min: 0, max: 0xffff }).map((port) => ({ key: 'port' as const, port })),
  fc.array(fc.ipV4(), { minLength: 1, maxLength: 4 }).map((addresses) => ({ key: 'ipv4hint' as const, addresses })),
  fc.uint8Array({ maxLength: 64 }).map((config) => ({ key: 'ech' as const, config })),
  fc.array(ipv6, { minLength: 1, maxLength: 4 }).map((addresses) => ({ key: 'ipv6hint' as const, addresses })),
  text.map((template) => ({ key: 'dohpath' as const, template })),
  fc.tuple(fc.constantFrom(...DNS_AID_KEYS), text).map(([key, value]) => ({ key, value })),
  fc
    .tuple(fc.integer({ min: 8, max: 65534 }).filter((n) => !NAMED_NUMBERS.has(n)), fc.uint8Array({ maxLength: 32 }))
    .map(([n, raw]) => ({ key: `key${n}` as const, raw })),
);

const serviceMode: fc.Arbitrary<SvcbData> = fc
  .record({ priority: fc.integer({ min: 1, max: 0xffff }), target, params: fc.uniqueArray(param, { selector: (p) => p.key, maxLength: 8 }) })
  .chain((data) =>
    data.params.length === 0
      ? fc.constant(data)
      : fc
          .option(fc.subarray(data.params.map((p) => p.key), { minLength: 1 }), { nil: undefined })
          .map((keys) => (keys === undefined ? data : { ...data, params: [...data.params, { key: 'mandatory' as const, keys }] })),
  );
const validData = fc.oneof(serviceMode, target.map((name): SvcbData => ({ priority: 0, target: name, params: [] })));

/** Decode never fails in any other way; what it accepts, encode writes back. */
function decodesSafely(bytes: Uint8Array): void {
  let decoded: SvcbData;
  try {
    decoded = svcb.decode(bytes);
  } catch (error) {
    expect(error instanceof RangeError || error instanceof TypeError, String(error)).toBe(true);
    return;
  }
  const again = svcb.encode(decoded);
  // AliasMode drops its SvcParams (RFC 9460 §2.4.2), so only ServiceMode keeps every byte.
  if (decoded.priority !== 0) expect(hex(again)).toBe(hex(bytes));
  expect(svcb.decode(again)).toEqual(decoded);
}

describe('properties', () => {
  it('decode(encode(x)) is x for valid data, with encodingLength and .bytes agreeing', () => {
    fc.assert(
      fc.property(validData, (data) => {
        const bytes = svcb.encode(data);
        expect(svcb.encode.bytes).toBe(bytes.length);
        expect(svcb.encodingLength(data)).toBe(bytes.length);
        expect(svcb.decode(bytes)).toEqual(sorted(data));
        expect(svcb.decode.bytes).toBe(bytes.length);
      }),
    );
  });

  it('decode of arbitrary bytes returns or throws RangeError/TypeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodesSafely), { numRuns: 2000 });
    // Random bytes mostly fail on framing; well-framed SvcParams with any keys and values reach the
    // parser of each value as well.
    const anyKey = fc.oneof(fc.constantFrom(...NAMED_NUMBERS), fc.integer({ min: 0, max: 0xffff }));
    const framed = fc
      .uniqueArray(fc.tuple(anyKey, fc.uint8Array({ maxLength: 40 })), { selector: ([key]) => key, maxLength: 6 })
      .map((params) =>
        Uint8Array.from([
          ...[0, 1, 0],
          ...params.sort(([a], [b]) => a - b).flatMap(([key, value]) => [key >> 8, key & 0xff, 0, value.length, ...value]),
        ]),
      );
    fc.assert(fc.property(framed, decodesSafely), { numRuns: 2000 });
  });

  it('decode of truncated or corrupted valid encodings returns or throws RangeError/TypeError', () => {
    fc.assert(
      fc.property(validData, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, cut, at, flip) => {
        const bytes = svcb.encode(data);
        decodesSafely(bytes.subarray(0, cut % bytes.length));
        const corrupted = Uint8Array.from(bytes);
        const i = at % bytes.length;
        corrupted[i] = (corrupted[i] ?? 0) ^ flip;
        decodesSafely(corrupted);
      }),
    );
  });
});

// --- refusals -----------------------------------------------------------------------------------

const service = (...params: SvcParam[]): SvcbData => ({ priority: 1, target: 'agents.example.com', params });
const named = (name: string): SvcbData => ({ priority: 1, target: name, params: [] });
const a63 = 'a'.repeat(63);

describe('encode refuses invalid data with a TypeError', () => {
  it.each<[string, SvcbData, string]>([
    ['params in AliasMode', { priority: 0, target: '.', params: [{ key: 'port', port: 443 }] }, 'AliasMode (priority 0) must not have SvcParams'],
    ['priority out of range', { priority: 65536, target: '.', params: [] }, 'SvcPriority must be an integer from 0 to 65535, got 65536'],
    ['duplicate keys', service({ key: 'port', port: 1 }, { key: 'port', port: 2 }), 'duplicate SvcParamKey port'],
    ['duplicate DNS-AID keys', service({ key: 'bap', value: 'mcp' }, { key: 'bap', value: 'a2a' }), 'duplicate SvcParamKey bap'],
    ['port over 65535', service({ key: 'port', port: 65536 }), 'port must be an integer from 0 to 65535, got 65536'],
    ['negative port', service({ key: 'port', port: -1 }), 'port must be an integer from 0 to 65535, got -1'],
    ['fractional port', service({ key: 'port', port: 44.3 }), 'port must be an integer from 0 to 65535, got 44.3'],
    ['IPv4 octet over 255', service({ key: 'ipv4hint', addresses: ['256.0.0.1'] }), 'ipv4hint: bad address "256.0.0.1"'],
    ['IPv4 shorthand', service({ key: 'ipv4hint', addresses: ['127.1'] }), 'ipv4hint: bad address "127.1"'],
    ['IPv4 leading zero', service({ key: 'ipv4hint', addresses: ['192.0.2.01'] }), 'ipv4hint: bad address "192.0.2.01"'],
    ['IPv6 in ipv4hint', service({ key: 'ipv4hint', addresses: ['2001:db8::1'] }), 'ipv4hint: bad address "2001:db8::1"'],
    ['no IPv4 addresses', service({ key: 'ipv4hint', addresses: [] }), 'ipv4hint must list at least one address'],
    ['two "::"', service({ key: 'ipv6hint', addresses: ['2001::db8::1'] }), 'ipv6hint: bad address "2001::db8::1"'],
    ['nine IPv6 groups', service({ key: 'ipv6hint', addresses: ['1:2:3:4:5:6:7:8:9'] }), 'ipv6hint: bad address "1:2:3:4:5:6:7:8:9"'],
    ['IPv6 zone', service({ key: 'ipv6hint', addresses: ['fe80::1%eth0'] }), 'ipv6hint: bad address "fe80::1%eth0"'],
    ['IPv6 in brackets', service({ key: 'ipv6hint', addresses: ['[::1]'] }), 'ipv6hint: bad address "[::1]"'],
    ['IPv4 in ipv6hint', service({ key: 'ipv6hint', addresses: ['192.0.2.1'] }), 'ipv6hint: bad address "192.0.2.1"'],
    ['bad embedded IPv4', service({ key: 'ipv6hint', addresses: ['::ffff:1.2.3'] }), 'ipv6hint: bad address "::ffff:1.2.3"'],
    ['no IPv6 addresses', service({ key: 'ipv6hint', addresses: [] }), 'ipv6hint must list at least one address'],
    ['empty alpn id', service({ key: 'alpn', protocols: ['h2', ''] }), 'alpn id "" must be 1 to 255 bytes, got 0'],
    ['alpn id over 255 bytes', service({ key: 'alpn', protocols: ['é'.repeat(128)] }), `alpn id "${'é'.repeat(128)}" must be 1 to 255 bytes, got 256`],
    ['no alpn ids', service({ key: 'alpn', protocols: [] }), 'alpn must list at least one protocol'],
    ['label over 63 octets', named(`${a63}a.example`), `TargetName label "${a63}a" is 64 octets, over 63`],
    ['name over 255 wire octets', named(`${a63}.${a63}.${a63}.${'a'.repeat(62)}`), 'TargetName is 256 octets on the wire, over 255'],
    ['empty label', named('agents..example'), 'TargetName "agents..example" has an empty label'],
    ['empty name', named(''), 'TargetName "" has an empty label'],
    ['non-ASCII label', named('bücher.example'), 'TargetName label "bücher" must be printable ASCII (use the A-label of an IDN)'],
    ['value over 65535 bytes', service({ key: 'ech', config: new Uint8Array(65536) }), 'ech value is 65536 bytes, over 65535'],
    [
      'RDATA over 65535 bytes',
      service({ key: 'ech', config: new Uint8Array(40000) }, { key: 'key9', raw: new Uint8Array(40000) }),
      'RDATA would be 80030 bytes, over 65535',
    ],
    ['mandatory listing itself', service({ key: 'mandatory', keys: ['mandatory'] }), 'mandatory must not list itself'],
    ['mandatory listing an absent key', service({ key: 'mandatory', keys: ['alpn'] }, { key: 'port', port: 443 }), 'mandatory lists alpn, which is not present'],
    ['mandatory listing a key twice', service({ key: 'mandatory', keys: ['port', 'port'] }, { key: 'port', port: 443 }), 'mandatory lists port twice or out of order'],
    ['empty mandatory', service({ key: 'mandatory', keys: [] }), 'mandatory must list at least one key'],
    ['unknown key name', service({ key: 'mandatory', keys: ['foo'] }), 'unknown SvcParamKey "foo"'],
    ['key number of a named key', service({ key: 'key3', raw: fromHex('01bb') }), 'SvcParamKey key3 must be written as port'],
    ['reserved key 65535', service({ key: 'key65535', raw: new Uint8Array(0) }), 'unknown SvcParamKey "key65535"'],
    ['key number with a leading zero', service({ key: 'key09', raw: new Uint8Array(0) }), 'unknown SvcParamKey "key09"'],
    ['lone surrogate in text', service({ key: 'cap', value: 'https://a.example/\ud800' }), 'cap has a lone surrogate, which UTF-8 cannot carry'],
  ])('%s', (_, data, message) => {
    expect(failure(() => svcb.encode(data))).toBe(`TypeError: ${message}`);
    expect(failure(() => svcb.encodingLength(data))).toBe(`TypeError: ${message}`);
  });

  it('accepts the limits themselves', () => {
    expect(svcb.encodingLength(named(`${a63}.${a63}.${a63}.${'a'.repeat(61)}`))).toBe(2 + 255);
    expect(svcb.encodingLength(service({ key: 'alpn', protocols: ['é'.repeat(127) + 'e'] }))).toBe(2 + 20 + 4 + 1 + 255);
    expect(svcb.encodingLength(service({ key: 'port', port: 65535 }))).toBe(2 + 20 + 6);
  });
});

describe('decode refuses hostile input with a RangeError or TypeError', () => {
  const ROOT = '0001 00';
  it.each<[string, string, string]>([
    ['empty RDATA', '', 'RangeError: SVCB RDATA of 0 bytes is truncated'],
    ['priority only', '0001', 'RangeError: SVCB RDATA of 2 bytes is truncated'],
    ['truncated label', '0001 03666f', 'RangeError: TargetName runs past the end of the RDATA'],
    ['name without its root label', '0001 03666f6f', 'RangeError: TargetName runs past the end of the RDATA'],
    ['compression pointer', '0001 c00c', 'RangeError: TargetName must not be compressed (RFC 9460 §2.2)'],
    ['label over 63', `0001 40${'61'.repeat(64)}00`, 'RangeError: TargetName label of 64 octets is over 63'],
    ['extended label type', '0001 8000', 'RangeError: TargetName label of 128 octets is over 63'],
    ['name over 255 octets', `0001 ${`3f${'61'.repeat(63)}`.repeat(4)}00`, 'RangeError: TargetName is over 255 octets'],
    ['dot inside a label', '0001 03612e62 00', 'TypeError: TargetName label has octets outside printable ASCII, or a dot'],
    ['truncated SvcParam header', `${ROOT} 0003 00`, 'RangeError: SvcParam header runs past the end of the RDATA'],
    ['keys out of order', `${ROOT} 0003 0002 01bb 0001 0003 026832`, 'RangeError: SvcParamKeys must be strictly increasing: alpn after port'],
    ['repeated key', `${ROOT} 0003 0002 01bb 0003 0002 01bb`, 'RangeError: SvcParamKeys must be strictly increasing: port after port'],
    ['value past the end', `${ROOT} 0003 0004 01bb`, 'RangeError: port value of 4 bytes runs past the end of the RDATA'],
    ['reserved key 65535', `${ROOT} ffff 0000`, 'RangeError: SvcParamKey 65535 is reserved as invalid'],
    ['empty alpn', `${ROOT} 0001 0000`, 'RangeError: alpn must list at least one protocol'],
    ['empty alpn id', `${ROOT} 0001 0004 026832 00`, 'RangeError: alpn has an empty alpn id'],
    ['overrunning alpn id', `${ROOT} 0001 0003 056832`, 'RangeError: alpn id runs past the end of the alpn value'],
    ['port of 1 byte', `${ROOT} 0003 0001 35`, 'RangeError: port length must be 2, got 1'],
    ['port of 3 bytes', `${ROOT} 0003 0003 0001bb`, 'RangeError: port length must be 2, got 3'],
    ['empty ipv4hint', `${ROOT} 0004 0000`, 'RangeError: ipv4hint length must be a non-zero multiple of 4, got 0'],
    ['ipv4hint of 5 bytes', `${ROOT} 0004 0005 c000020101`, 'RangeError: ipv4hint length must be a non-zero multiple of 4, got 5'],
    ['empty ipv6hint', `${ROOT} 0006 0000`, 'RangeError: ipv6hint length must be a non-zero multiple of 16, got 0'],
    ['ipv6hint of 15 bytes', `${ROOT} 0006 000f ${'00'.repeat(15)}`, 'RangeError: ipv6hint length must be a non-zero multiple of 16, got 15'],
    ['non-empty no-default-alpn', `${ROOT} 0002 0001 00`, 'RangeError: no-default-alpn must be empty, got 1 bytes'],
    ['odd mandatory', `${ROOT} 0000 0003 000300 0003 0002 01bb`, 'RangeError: mandatory length must be a non-zero multiple of 2, got 3'],
    ['mandatory listing itself', `${ROOT} 0000 0002 0000`, 'TypeError: mandatory must not list itself'],
    ['mandatory listing an absent key', `${ROOT} 0000 0002 0001 0003 0002 01bb`, 'TypeError: mandatory lists alpn, which is not present'],
    ['unsorted mandatory', `${ROOT} 0000 0004 0003 0001 0001 0003 026832 0003 0002 01bb`, 'TypeError: mandatory lists alpn twice or out of order'],
    ['text key that is not UTF-8', `${ROOT} ff78 0001 ff`, 'TypeError: cap is not valid UTF-8'],
    ['alpn id that is not UTF-8', `${ROOT} 0001 0002 01c3`, 'TypeError: alpn id is not valid UTF-8'],
  ])('%s', (_, wire, message) => {
    expect(failure(() => svcb.decode(fromHex(wire)))).toBe(message);
  });

  it('refuses an offset and length outside the buffer', () => {
    const bytes = fromHex('0001 00');
    expect(failure(() => svcb.decode(bytes, 1, 3))).toBe('RangeError: SVCB RDATA of 3 bytes at offset 1 does not fit a buffer of 3');
    expect(failure(() => svcb.decode(bytes, -1))).toBe('RangeError: SVCB RDATA of 4 bytes at offset -1 does not fit a buffer of 3');
  });

  it('reads no further than the length it is given', () => {
    // The port param lies just past the given length, so the RDATA ends after the root name.
    expect(svcb.decode(fromHex('0001 00 0003 0002 01bb'), 0, 3)).toEqual({ priority: 1, target: '.', params: [] });
    expect(failure(() => svcb.decode(fromHex('0001 00 0003 0002 01bb'), 0, 8))).toBe(
      'RangeError: port value of 2 bytes runs past the end of the RDATA',
    );
  });
});
