/**
 * RFC 9460 SVCB/HTTPS RDATA codec, shaped like the dns-packet codecs (encode / decode /
 * encodingLength, with `.bytes` set after each call) so it can sit beside them, but standalone:
 * dns-packet has no SVCB support, and this decoder must stay safe on hostile input on its own.
 *
 * Only the RDATA is handled (no RDLENGTH prefix). Errors: encode throws TypeError for data it
 * refuses; decode throws RangeError for broken framing and TypeError for values that cannot be
 * read back as the types below.
 */

/**
 * SvcParamKey names and numbers. 0-6 are the IANA registrations of RFC 9460, 7 is RFC 9461.
 * The rest are the DNS-AID keys (draft-mozleywilliams-dnsop-dnsaid-02, continued in IETF DAWN).
 * Those sit in the private-use range (65280-65534), so the draft may still renumber them: this
 * table is the only place the numbers live, and everything else derives from it.
 */
export const SVC_PARAM_KEYS = {
  mandatory: 0,
  alpn: 1,
  'no-default-alpn': 2,
  port: 3,
  ipv4hint: 4,
  ech: 5,
  ipv6hint: 6,
  dohpath: 7,
  cap: 65400, // descriptor URI
  'cap-sha256': 65401, // base64url SHA-256 of the canonical descriptor
  bap: 65402, // comma list of protocols, e.g. mcp,a2a
  policy: 65403,
  realm: 65404,
  sig: 65405,
  'well-known': 65409, // e.g. agent-card.json
} as const;

type TypedParam =
  | { key: 'mandatory'; keys: string[] }
  | { key: 'alpn'; protocols: string[] }
  | { key: 'no-default-alpn' }
  | { key: 'port'; port: number }
  | { key: 'ipv4hint'; addresses: string[] }
  | { key: 'ech'; config: Uint8Array }
  | { key: 'ipv6hint'; addresses: string[] }
  | { key: 'dohpath'; template: string };

/** Every named key without a type of its own is text: its value is the raw UTF-8 bytes. */
type TextParam = { key: Exclude<keyof typeof SVC_PARAM_KEYS, TypedParam['key']>; value: string };

/** A number with no name in the table, kept as bytes so records with newer keys still decode. */
type GenericParam = { key: `key${number}`; raw: Uint8Array };

export type SvcParam = TypedParam | TextParam | GenericParam;

export interface SvcbData {
  priority: number;
  /** '.' for the root, otherwise without the trailing dot. */
  target: string;
  params: SvcParam[];
}

const KEY_NUMBERS = new Map<string, number>(Object.entries(SVC_PARAM_KEYS));
const KEY_NAMES = new Map<number, string>(Object.entries(SVC_PARAM_KEYS).map(([name, key]) => [key, name]));
// RFC 9460 §14.3.2 reserves 65535 as the "Invalid key".
const INVALID_KEY = 65535;

const utf8Encoder = new TextEncoder();
// fatal: bytes that are not UTF-8 are refused rather than silently replaced; ignoreBOM keeps a
// leading U+FEFF, so decoding and re-encoding give back the same bytes.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function keyName(key: number): string {
  return KEY_NAMES.get(key) ?? `key${key}`;
}

function keyNumber(name: string): number {
  const known = KEY_NUMBERS.get(name);
  if (known !== undefined) return known;
  const key = Number(/^key(0|[1-9]\d{0,4})$/.exec(name)?.[1]);
  // A named key spelled keyNNN would bypass the checks of its type, so only its name is accepted.
  if (KEY_NAMES.has(key)) throw new TypeError(`SvcParamKey ${name} must be written as ${keyName(key)}`);
  if (!(key < INVALID_KEY)) throw new TypeError(`unknown SvcParamKey ${JSON.stringify(name)}`);
  return key;
}

/** Label octets allowed in TargetName: printable ASCII without '.', so the text form is unambiguous. */
function isNameOctet(octet: number): boolean {
  return octet > 0x20 && octet < 0x7f && octet !== 0x2e;
}

// --- encoding -----------------------------------------------------------------------------------

function checkUint16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new TypeError(`${what} must be an integer from 0 to 65535, got ${value}`);
  }
}

function uint16s(values: number[]): Uint8Array {
  return Uint8Array.from(values.flatMap((value) => [value >> 8, value & 0xff]));
}

function utf8(text: string, what: string): Uint8Array {
  // TextEncoder would turn a lone surrogate into U+FFFD, so the value would not survive a round trip.
  if (/\p{Cs}/u.test(text)) throw new TypeError(`${what} has a lone surrogate, which UTF-8 cannot carry`);
  return utf8Encoder.encode(text);
}

/** Uncompressed wire form: RFC 9460 §2.2 forbids name compression in TargetName. */
function nameBytes(target: string): Uint8Array {
  if (target === '.') return Uint8Array.of(0);
  const out: number[] = [];
  for (const label of (target.endsWith('.') ? target.slice(0, -1) : target).split('.')) {
    if (label === '') throw new TypeError(`TargetName ${JSON.stringify(target)} has an empty label`);
    const octets = [...label].map((char) => char.codePointAt(0) ?? 0);
    if (!octets.every(isNameOctet)) {
      throw new TypeError(`TargetName label ${JSON.stringify(label)} must be printable ASCII (use the A-label of an IDN)`);
    }
    if (octets.length > 63) throw new TypeError(`TargetName label ${JSON.stringify(label)} is ${octets.length} octets, over 63`);
    out.push(octets.length, ...octets);
  }
  out.push(0);
  if (out.length > 255) throw new TypeError(`TargetName is ${out.length} octets on the wire, over 255`);
  return Uint8Array.from(out);
}

/** RFC 9460 §8; `keys` in wire order, which encode sorts and decode must find sorted. */
function checkMandatory(keys: number[], present: ReadonlySet<number>): void {
  if (keys.length === 0) throw new TypeError('mandatory must list at least one key');
  keys.forEach((key, i) => {
    if (key === SVC_PARAM_KEYS.mandatory) throw new TypeError('mandatory must not list itself');
    if (i > 0 && key <= (keys[i - 1] ?? -1)) throw new TypeError(`mandatory lists ${keyName(key)} twice or out of order`);
    if (!present.has(key)) throw new TypeError(`mandatory lists ${keyName(key)}, which is not present`);
  });
}

function addressBytes(addresses: string[], parse: (text: string) => number[] | undefined, what: string): Uint8Array {
  if (addresses.length === 0) throw new TypeError(`${what} must list at least one address`);
  return Uint8Array.from(
    addresses.flatMap((text) => {
      const octets = parse(text);
      if (octets === undefined) throw new TypeError(`${what}: bad address ${JSON.stringify(text)}`);
      return octets;
    }),
  );
}

function alpnBytes(protocols: string[]): Uint8Array {
  if (protocols.length === 0) throw new TypeError('alpn must list at least one protocol');
  const out: number[] = [];
  for (const protocol of protocols) {
    const id = utf8(protocol, 'alpn id');
    if (id.length === 0 || id.length > 255) throw new TypeError(`alpn id ${JSON.stringify(protocol)} must be 1 to 255 bytes, got ${id.length}`);
    out.push(id.length, ...id);
  }
  return Uint8Array.from(out);
}

function valueBytes(param: SvcParam, present: ReadonlySet<number>): Uint8Array {
  switch (param.key) {
    case 'mandatory': {
      const keys = param.keys.map(keyNumber).sort((a, b) => a - b);
      checkMandatory(keys, present);
      return uint16s(keys);
    }
    case 'alpn':
      return alpnBytes(param.protocols);
    case 'no-default-alpn':
      return new Uint8Array(0);
    case 'port':
      checkUint16(param.port, 'port');
      return uint16s([param.port]);
    case 'ipv4hint':
      return addressBytes(param.addresses, parseIpv4, 'ipv4hint');
    case 'ech':
      return param.config;
    case 'ipv6hint':
      return addressBytes(param.addresses, parseIpv6, 'ipv6hint');
    case 'dohpath':
      return utf8(param.template, 'dohpath');
    default:
      return 'raw' in param ? param.raw : utf8(param.value, param.key);
  }
}

interface WirePlan {
  name: Uint8Array;
  params: { key: number; value: Uint8Array }[];
  length: number;
}

/** Checks the data and works out every byte once, for both encode and encodingLength. */
function plan(data: SvcbData): WirePlan {
  checkUint16(data.priority, 'SvcPriority');
  if (data.priority === 0 && data.params.length > 0) throw new TypeError('AliasMode (priority 0) must not have SvcParams');
  const name = nameBytes(data.target);
  const present = new Set<number>();
  for (const param of data.params) {
    const key = keyNumber(param.key);
    if (present.has(key)) throw new TypeError(`duplicate SvcParamKey ${param.key}`);
    present.add(key);
  }
  const params = data.params
    .map((param) => ({ key: keyNumber(param.key), value: valueBytes(param, present) }))
    .sort((a, b) => a.key - b.key);
  let length = 2 + name.length;
  for (const { key, value } of params) {
    if (value.length > 0xffff) throw new TypeError(`${keyName(key)} value is ${value.length} bytes, over 65535`);
    length += 4 + value.length;
  }
  // RDATA sits behind a 16-bit RDLENGTH.
  if (length > 0xffff) throw new TypeError(`RDATA would be ${length} bytes, over 65535`);
  return { name, params, length };
}

function encode(data: SvcbData, buf?: Uint8Array, offset = 0): Uint8Array {
  const { name, params, length } = plan(data);
  const out = buf ?? new Uint8Array(length);
  if (!Number.isInteger(offset) || offset < 0 || out.length - offset < length) {
    throw new RangeError(`SVCB RDATA needs ${length} bytes at offset ${offset}, the buffer has ${out.length}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(offset, data.priority);
  out.set(name, offset + 2);
  let at = offset + 2 + name.length;
  for (const { key, value } of params) {
    view.setUint16(at, key);
    view.setUint16(at + 2, value.length);
    out.set(value, at + 4);
    at += 4 + value.length;
  }
  encode.bytes = length;
  return out;
}
encode.bytes = 0;

function encodingLength(data: SvcbData): number {
  return plan(data).length;
}

// --- decoding -----------------------------------------------------------------------------------

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new TypeError(`${what} is not valid UTF-8`);
  }
}

function readName(buf: Uint8Array, start: number, end: number): { target: string; next: number } {
  const labels: string[] = [];
  let at = start;
  for (;;) {
    const size = buf[at];
    if (at >= end || size === undefined) throw new RangeError('TargetName runs past the end of the RDATA');
    if (size >= 0xc0) throw new RangeError('TargetName must not be compressed (RFC 9460 §2.2)');
    if (size > 63) throw new RangeError(`TargetName label of ${size} octets is over 63`);
    if (at + 1 - start + size > 255) throw new RangeError('TargetName is over 255 octets');
    if (size === 0) return { target: labels.length === 0 ? '.' : labels.join('.'), next: at + 1 };
    if (at + 1 + size > end) throw new RangeError('TargetName runs past the end of the RDATA');
    const label = buf.subarray(at + 1, at + 1 + size);
    if (!label.every(isNameOctet)) throw new TypeError('TargetName label has octets outside printable ASCII, or a dot');
    labels.push(String.fromCharCode(...label));
    at += 1 + size;
  }
}

function readAddresses(value: Uint8Array, size: number, format: (octets: Uint8Array) => string, what: string): string[] {
  if (value.length === 0 || value.length % size !== 0) {
    throw new RangeError(`${what} length must be a non-zero multiple of ${size}, got ${value.length}`);
  }
  const addresses: string[] = [];
  for (let at = 0; at < value.length; at += size) addresses.push(format(value.subarray(at, at + size)));
  return addresses;
}

function readAlpn(value: Uint8Array): string[] {
  if (value.length === 0) throw new RangeError('alpn must list at least one protocol');
  const protocols: string[] = [];
  for (let at = 0; at < value.length; ) {
    const size = value[at] ?? 0;
    if (size === 0) throw new RangeError('alpn has an empty alpn id');
    if (at + 1 + size > value.length) throw new RangeError('alpn id runs past the end of the alpn value');
    protocols.push(text(value.subarray(at + 1, at + 1 + size), 'alpn id'));
    at += 1 + size;
  }
  return protocols;
}

function readParam(key: number, value: Uint8Array): SvcParam {
  switch (key) {
    case SVC_PARAM_KEYS.mandatory: {
      if (value.length === 0 || value.length % 2 !== 0) {
        throw new RangeError(`mandatory length must be a non-zero multiple of 2, got ${value.length}`);
      }
      const keys: string[] = [];
      for (let at = 0; at < value.length; at += 2) keys.push(keyName(((value[at] ?? 0) << 8) | (value[at + 1] ?? 0)));
      return { key: 'mandatory', keys };
    }
    case SVC_PARAM_KEYS.alpn:
      return { key: 'alpn', protocols: readAlpn(value) };
    case SVC_PARAM_KEYS['no-default-alpn']:
      if (value.length !== 0) throw new RangeError(`no-default-alpn must be empty, got ${value.length} bytes`);
      return { key: 'no-default-alpn' };
    case SVC_PARAM_KEYS.port:
      if (value.length !== 2) throw new RangeError(`port length must be 2, got ${value.length}`);
      return { key: 'port', port: ((value[0] ?? 0) << 8) | (value[1] ?? 0) };
    case SVC_PARAM_KEYS.ipv4hint:
      return { key: 'ipv4hint', addresses: readAddresses(value, 4, (octets) => octets.join('.'), 'ipv4hint') };
    case SVC_PARAM_KEYS.ech:
      // A copy: a Buffer from a socket may share a pool that is later overwritten.
      return { key: 'ech', config: Uint8Array.from(value) };
    case SVC_PARAM_KEYS.ipv6hint:
      return { key: 'ipv6hint', addresses: readAddresses(value, 16, formatIpv6, 'ipv6hint') };
    case SVC_PARAM_KEYS.dohpath:
      return { key: 'dohpath', template: text(value, 'dohpath') };
    default: {
      const name = KEY_NAMES.get(key);
      // Every named key not handled above is a text key (see TextParam).
      if (name !== undefined) return { key: name as TextParam['key'], value: text(value, name) };
      return { key: `key${key}`, raw: Uint8Array.from(value) };
    }
  }
}

function decode(buf: Uint8Array, offset = 0, length = buf.length - offset): SvcbData {
  const end = offset + length;
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || end > buf.length) {
    throw new RangeError(`SVCB RDATA of ${length} bytes at offset ${offset} does not fit a buffer of ${buf.length}`);
  }
  if (length < 3) throw new RangeError(`SVCB RDATA of ${length} bytes is truncated`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const priority = view.getUint16(offset);
  const { target, next } = readName(buf, offset + 2, end);
  const params: SvcParam[] = [];
  // RFC 9460 §2.4.2: recipients MUST ignore SvcParams in AliasMode, so they are not even parsed.
  if (priority !== 0) {
    const keys = new Set<number>();
    let previous = -1;
    for (let at = next; at < end; ) {
      if (end - at < 4) throw new RangeError('SvcParam header runs past the end of the RDATA');
      const key = view.getUint16(at);
      const size = view.getUint16(at + 2);
      if (key === INVALID_KEY) throw new RangeError('SvcParamKey 65535 is reserved as invalid');
      if (key <= previous) throw new RangeError(`SvcParamKeys must be strictly increasing: ${keyName(key)} after ${keyName(previous)}`);
      if (at + 4 + size > end) throw new RangeError(`${keyName(key)} value of ${size} bytes runs past the end of the RDATA`);
      params.push(readParam(key, buf.subarray(at + 4, at + 4 + size)));
      keys.add(key);
      previous = key;
      at += 4 + size;
    }
    // mandatory is key 0, so if present it is the first.
    const first = params[0];
    if (first?.key === 'mandatory') checkMandatory(first.keys.map(keyNumber), keys);
  }
  decode.bytes = length;
  return { priority, target, params };
}
decode.bytes = 0;

export const svcb = { encode, decode, encodingLength };

// --- addresses ----------------------------------------------------------------------------------

/** Dotted quad only: no leading zeros, no shorthand such as 127.1. */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.map(Number);
}

/** RFC 4291 §2.2 text forms, including '::' and an embedded IPv4 tail. */
function parseIpv6(text: string): number[] | undefined {
  let hex = text;
  if (text.includes('.')) {
    // The IPv4 tail becomes its two 16-bit groups, leaving one grammar to check.
    const cut = text.lastIndexOf(':') + 1;
    const v4 = parseIpv4(text.slice(cut));
    if (cut === 0 || v4 === undefined) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    hex = `${text.slice(0, cut)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return undefined;
  const [head = [], tail = []] = halves.map((half) => (half === '' ? [] : half.split(':')));
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const groups = [...head, ...Array<string>(8 - count).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return groups.flatMap((group) => {
    const word = parseInt(group, 16);
    return [word >> 8, word & 0xff];
  });
}

/** RFC 5952 canonical text, so decoded addresses compare as strings. */
function formatIpv6(octets: Uint8Array): string {
  // §5: an IPv4-mapped address keeps its dotted tail.
  if (octets.subarray(0, 10).every((octet) => octet === 0) && octets[10] === 0xff && octets[11] === 0xff) {
    return `::ffff:${octets.subarray(12).join('.')}`;
  }
  const words = Array.from({ length: 8 }, (_, i) => ((octets[2 * i] ?? 0) << 8) | (octets[2 * i + 1] ?? 0));
  // §4.2: the longest run of two or more zero words becomes '::', the first one on a tie.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = Math.max(j, i + 1);
  }
  const hex = words.map((word) => word.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}
