/**
 * A minimal, strict DER (X.690) writer and reader: just what the certificate profile needs.
 *
 * Why not @peculiar/x509 for this: its ASN.1 layer turns an OID arc above 2^53 into the string
 * `2.25.{hex}` on parse and drops it on re-encode, so a certificate generated with it silently
 * carries `2.25` instead of the UUID-derived extension OID. Building the few structures we emit by
 * hand (and reading them back the same way) keeps every signed byte under our control.
 *
 * The reader accepts DER only: one-byte tags (tag number < 31), definite lengths in their minimal
 * form, no trailing bytes where a structure must end. Anything else throws `DerError`, which the
 * callers turn into a catalogued problem; it never escapes the certificates module.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tags: `[n]` constructed (EXPLICIT or IMPLICIT SEQUENCE) and `[n]` primitive. */
export const contextConstructed = (n: number): number => 0xa0 | n;
export const contextPrimitive = (n: number): number => 0x80 | n;

// --- writing ---------------------------------------------------------------------------------

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(tag), encodeLength(content.length), content]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, concatBytes(items));
export const set = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SET, concatBytes(items));
export const explicit = (n: number, item: Uint8Array): Uint8Array => tlv(contextConstructed(n), item);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, bytes);
export const utf8String = (text: string): Uint8Array => tlv(TAG.UTF8_STRING, new TextEncoder().encode(text));
export const ia5String = (text: string): Uint8Array => tlv(TAG.IA5_STRING, new TextEncoder().encode(text));
export const booleanTrue = (): Uint8Array => Uint8Array.of(TAG.BOOLEAN, 1, 0xff);

/** A BIT STRING whose last `unusedBits` bits are padding (0 for whole-byte values such as keys and signatures). */
export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG.BIT_STRING, concatBytes([Uint8Array.of(unusedBits), bytes]));
}

/** A non-negative INTEGER from its big-endian magnitude, in minimal two's complement form. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = trimmed.length === 0 || (trimmed[0] ?? 0) >= 0x80;
  return tlv(TAG.INTEGER, needsPad ? concatBytes([Uint8Array.of(0), trimmed]) : trimmed);
}

export function smallInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('smallInteger takes a non-negative safe integer');
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return unsignedInteger(Uint8Array.from(bytes));
}

/** The content octets of an OBJECT IDENTIFIER; arcs of any size (BigInt), as X.667 UUID OIDs need. */
export function oidContent(dotted: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new RangeError(`not a dotted OID: ${dotted}`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first = 0n, second = 0n, ...rest] = arcs;
  if (first < 2n && second > 39n) throw new RangeError(`the second arc of ${dotted} must be below 40`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [];
    let value = arc;
    do {
      chunk.unshift(Number(value & 0x7fn));
      value >>= 7n;
    } while (value > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] ?? 0) | 0x80;
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

export const oid = (dotted: string): Uint8Array => tlv(TAG.OID, oidContent(dotted));

/** RFC 5280 section 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`a certificate time must lie in 1950..9999, got ${iso}`);
  const text = year < 2050 ? `${digits.slice(2)}Z` : `${digits}Z`;
  return tlv(year < 2050 ? TAG.UTC_TIME : TAG.GENERALIZED_TIME, new TextEncoder().encode(text));
}

// --- reading ---------------------------------------------------------------------------------

export interface DerNode {
  readonly tag: number;
  /** The content octets. */
  readonly content: Uint8Array;
  /** Tag, length and content: the exact bytes as they appeared in the input. */
  readonly raw: Uint8Array;
}

/** Read the TLV at `offset`; returns it and the offset just past it. */
export function readNode(bytes: Uint8Array, offset: number): { node: DerNode; next: number } {
  const tag = bytes[offset];
  if (tag === undefined) throw new DerError(`expected a DER element at offset ${offset}, found the end of the input`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tags are not used in this profile (offset ${offset})`);
  const first = bytes[offset + 1];
  if (first === undefined) throw new DerError(`truncated length at offset ${offset + 1}`);
  let length: number;
  let headerLength: number;
  if (first < 0x80) {
    length = first;
    headerLength = 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError(`indefinite length at offset ${offset + 1} (BER, not DER)`);
    if (count > 4) throw new DerError(`length of ${count} octets at offset ${offset + 1} is far beyond any certificate`);
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = bytes[offset + 2 + i];
      if (byte === undefined) throw new DerError(`truncated length at offset ${offset + 2 + i}`);
      if (i === 0 && byte === 0) throw new DerError(`non-minimal length at offset ${offset + 1}`);
      length = length * 256 + byte;
    }
    if (length < 0x80) throw new DerError(`non-minimal length at offset ${offset + 1}`);
    headerLength = 2 + count;
  }
  const end = offset + headerLength + length;
  if (end > bytes.length) throw new DerError(`element at offset ${offset} claims ${length} content octets; only ${bytes.length - offset - headerLength} remain`);
  return {
    node: { tag, content: bytes.subarray(offset + headerLength, end), raw: bytes.subarray(offset, end) },
    next: end,
  };
}

/** Exactly one element spanning all of `bytes`. */
export function readExactlyOne(bytes: Uint8Array, expectedTag?: number): DerNode {
  const { node, next } = readNode(bytes, 0);
  if (next !== bytes.length) throw new DerError(`${bytes.length - next} trailing bytes after the DER element`);
  if (expectedTag !== undefined) expectTag(node, expectedTag, 'the element');
  return node;
}

/** The children of a constructed element (SEQUENCE, SET, [n] EXPLICIT). */
export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`tag 0x${node.tag.toString(16)} is primitive; expected a constructed element`);
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const { node: child, next } = readNode(node.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw new DerError(`${what} is missing`);
  if (node.tag !== tag) throw new DerError(`${what} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return node;
}

/** The magnitude of a positive INTEGER in DER (no redundant leading octet). */
export function readUnsignedInteger(node: DerNode, what: string): Uint8Array {
  expectTag(node, TAG.INTEGER, what);
  const bytes = node.content;
  const first = bytes[0];
  if (first === undefined) throw new DerError(`${what} is an empty INTEGER`);
  if (first >= 0x80) throw new DerError(`${what} is negative`);
  const second = bytes[1];
  if (first === 0 && second !== undefined && second < 0x80) throw new DerError(`${what} has a redundant leading zero octet`);
  return first === 0 && bytes.length > 1 ? bytes.subarray(1) : bytes;
}

export function readBoolean(node: DerNode, what: string): boolean {
  expectTag(node, TAG.BOOLEAN, what);
  if (node.content.length !== 1) throw new DerError(`${what} is a BOOLEAN of ${node.content.length} octets`);
  const value = node.content[0];
  if (value === 0xff) return true;
  if (value === 0x00) return false;
  throw new DerError(`${what} is a BOOLEAN that is neither 0x00 nor 0xff (BER, not DER)`);
}

/** The bytes of a BIT STRING that must hold whole octets (keys, signatures). */
export function readOctetAlignedBitString(node: DerNode, what: string): Uint8Array {
  expectTag(node, TAG.BIT_STRING, what);
  if (node.content[0] !== 0) throw new DerError(`${what} does not hold whole octets`);
  return node.content.subarray(1);
}

/** Dotted text of an OID's content octets (arcs of any size). */
export function oidToString(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let value = 0n;
  let started = false;
  for (const byte of content) {
    if (!started && byte === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    started = true;
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
      started = false;
    }
  }
  if (started) throw new DerError('truncated OBJECT IDENTIFIER');
  const [head = 0n, ...rest] = arcs;
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [first, head - first * 40n, ...rest].join('.');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), the only forms RFC 5280 allows. */
export function readTime(node: DerNode, what: string): Date {
  const text = new TextDecoder('latin1').decode(node.content);
  let match: RegExpExecArray | null;
  let year: number;
  if (node.tag === TAG.UTC_TIME) {
    match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (match === null) throw new DerError(`${what} is not a UTCTime of the form YYMMDDHHMMSSZ`);
    const yy = Number(match[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (node.tag === TAG.GENERALIZED_TIME) {
    match = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (match === null) throw new DerError(`${what} is not a GeneralizedTime of the form YYYYMMDDHHMMSSZ`);
    year = Number(match[1]);
  } else {
    throw new DerError(`${what} is neither a UTCTime nor a GeneralizedTime`);
  }
  const [month, day, hour, minute, second] = [2, 3, 4, 5, 6].map((i) => Number(match?.[i]));
  const ms = Date.UTC(year, (month ?? 0) - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (
    Number.isNaN(ms) ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== (month ?? 0) - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    throw new DerError(`${what} is not a real date and time (${text})`);
  }
  return date;
}

// --- PEM (RFC 7468, strict) ------------------------------------------------------------------

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The DER inside the one PEM block labelled with one of `labels`; undefined if the text is not
 * exactly one such block (surrounding whitespace allowed) with canonical base64 inside.
 */
export function pemToDer(text: string, labels: readonly string[]): { der: Uint8Array; label: string } | undefined {
  const match = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]*?)\r?\n?-----END ([A-Z0-9 ]+)-----\s*$/.exec(text);
  if (match === null) return undefined;
  const [, begin = '', body = '', end = ''] = match;
  if (begin !== end || !labels.includes(begin)) return undefined;
  const compact = body.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) return undefined;
  const der = new Uint8Array(Buffer.from(compact, 'base64'));
  if (Buffer.from(der).toString('base64') !== compact) return undefined;
  return { der, label: begin };
}

export function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
