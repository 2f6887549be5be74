/**
 * The compact binary form of a signed (or countersigned) AgentAddr, for DNS TXT records and
 * gossip. `docs/spec.md` ("Compact binary encoding") is the normative layout; this file follows
 * it field by field.
 *
 * The form carries exactly the information of the JSON record and nothing else, so decoding gives
 * back the very same JSON objects and the Ed25519 signatures, made over the RFC 8785 bytes of the
 * JSON, still verify. It is also canonical: every record has exactly one encoding and the decoder
 * refuses every other byte string (non-minimal varints, reserved flags, padding, a facts URL
 * spelled out where the short form applies, trailing bytes), so equal records are equal bytes.
 *
 * API in the style of dns-packet: encode / decode / encodingLength. The decoder never throws on
 * bad input; it reports ENCODING_INVALID (followed by the AgentAddr problems, when the bytes are
 * well formed but the record they spell is not a valid AgentAddr).
 */

import { fail, ok, problem, SignpostError, type Problem, type Result } from '../errors.js';
import { didKeyFromPublicKey, didKeyProblem, publicKeyFromDidKey } from '../trust/did-key.js';
import { fromBase64Url, toBase64Url } from '../trust/encoding.js';
import { checkAgentAddr, formatUtcSeconds, MAX_URL_LENGTH, parseUtcSeconds } from './agent-addr.js';
import type { AgentAddr, Countersignature, CountersignedRecord, SignedRecord } from './types.js';

/** Byte 0: high nibble 0xA = AgentAddr, low nibble = compact format version 1. */
export const COMPACT_AGENT_ADDR_V1 = 0xa1;

/** Bits of byte 1. The high three bits are reserved and must be zero. */
export const COMPACT_FLAGS = {
  /** A registry countersignature follows the agent signature. */
  countersigned: 0x01,
  /** factsUrl = base + "/v1/agents/" + percent-encoded name + "/facts"; only the base is stored. */
  registryFactsUrl: 0x02,
  privateFactsUrl: 0x04,
  resolverUrl: 0x08,
  /** A 32-byte nextKeySha256 (pre-rotation commitment) follows the URLs. */
  nextKey: 0x10,
} as const;
const RESERVED_FLAGS = 0xe0;

export type CompactAgentAddrRecord = SignedRecord<AgentAddr> | CountersignedRecord<AgentAddr>;

const NAME_PREFIX = 'agent://';
/** A canonical name has at most 253 octets (its DNS form's limit), so 245 after `agent://`. */
const MAX_NAME_CHARS = 253 - NAME_PREFIX.length;
/** Radix-40 alphabet of the packed name; value 0 is the padding of the last group. */
const NAME_ALPHABET = '\0abcdefghijklmnopqrstuvwxyz0123456789-./';
const KEY_BYTES = 32;
const DIGEST_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** A URL has at most MAX_URL_LENGTH code points, each at most 4 UTF-8 bytes. */
const MAX_URL_BYTES = 4 * MAX_URL_LENGTH;
/** 9999-12-31T23:59:59Z: the last second the 4-digit-year JSON form can hold. */
const MAX_UNIX_SECONDS = 253_402_300_799;
const MAX_VARINT_BYTES = 8;

const utf8Encoder = new TextEncoder();
/** fatal: malformed UTF-8 is an error; ignoreBOM: a leading U+FEFF stays part of the text. */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /\p{Cs}/u;

// --- public API ----------------------------------------------------------------------------

/**
 * The compact bytes of a signed or countersigned AgentAddr. Throws a SignpostError (with the
 * catalogued problems) if the record is not one that the format can carry exactly: an invalid
 * AgentAddr, a signature that is not 64 bytes in canonical base64url, a time before 1970, extra
 * fields in the envelope.
 */
export function encodeAgentAddr(record: CompactAgentAddrRecord): Uint8Array {
  const parts = partsOf(record);
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** The length of encodeAgentAddr(record); it builds the fields but not the joined byte string. */
export function encodingLength(record: CompactAgentAddrRecord): number {
  return partsOf(record).reduce((sum, part) => sum + part.length, 0);
}

/**
 * Read compact bytes back into the JSON record. Never throws: damaged, truncated, padded or
 * non-canonical bytes give ENCODING_INVALID. It does not verify signatures; do that next, exactly
 * as for a record that came as JSON.
 */
export function decodeAgentAddr(bytes: Uint8Array): Result<CompactAgentAddrRecord> {
  if (!(bytes instanceof Uint8Array)) return fail('ENCODING_INVALID', 'expected the compact record as bytes (a Uint8Array)');
  let decoded: Decoded;
  try {
    decoded = readRecord(new Reader(bytes));
  } catch (error) {
    if (error instanceof EncodingError) return fail('ENCODING_INVALID', error.message);
    throw error;
  }
  const checked = checkAgentAddr(decoded.record.payload, '/payload');
  if (!checked.ok) {
    return { ok: false, problems: [problem('ENCODING_INVALID', 'the bytes are well formed but spell an invalid AgentAddr'), ...checked.problems] };
  }
  if (!decoded.shortFactsUrl && registryFactsBase(decoded.record.payload) !== undefined) {
    return fail('ENCODING_INVALID', 'not the canonical encoding: a factsUrl in the registry layout must use the short form (flag 0x02)');
  }
  return ok(decoded.record);
}

// --- encoding ------------------------------------------------------------------------------

function partsOf(record: CompactAgentAddrRecord): Uint8Array[] {
  const problems = encodableProblems(record);
  if (problems.length > 0) throw SignpostError.from(problems);
  const { payload } = record;
  const countersig = 'countersig' in record ? record.countersig : undefined;
  const base = registryFactsBase(payload);
  const flags =
    (countersig === undefined ? 0 : COMPACT_FLAGS.countersigned) |
    (base === undefined ? 0 : COMPACT_FLAGS.registryFactsUrl) |
    (payload.privateFactsUrl === undefined ? 0 : COMPACT_FLAGS.privateFactsUrl) |
    (payload.resolverUrl === undefined ? 0 : COMPACT_FLAGS.resolverUrl) |
    (payload.nextKeySha256 === undefined ? 0 : COMPACT_FLAGS.nextKey);
  const parts = [
    Uint8Array.of(COMPACT_AGENT_ADDR_V1, flags),
    packName(payload.name.slice(NAME_PREFIX.length)),
    publicKeyFromDidKey(payload.agentId)!,
    hexToBytes(payload.factsSha256),
    lengthPrefixed(base ?? payload.factsUrl),
    ...(payload.privateFactsUrl === undefined ? [] : [lengthPrefixed(payload.privateFactsUrl)]),
    ...(payload.resolverUrl === undefined ? [] : [lengthPrefixed(payload.resolverUrl)]),
    ...(payload.nextKeySha256 === undefined ? [] : [hexToBytes(payload.nextKeySha256)]),
    varint(payload.ttl),
    varint(payload.seq),
    varint(parseUtcSeconds(payload.notAfter)! / 1000),
    fromBase64Url(record.sig)!,
  ];
  if (countersig !== undefined) {
    parts.push(publicKeyFromDidKey(countersig.by)!, varint(parseUtcSeconds(countersig.at)! / 1000), fromBase64Url(countersig.sig)!);
  }
  return parts;
}

/** Everything that would keep the record from surviving encode → decode unchanged. */
function encodableProblems(record: CompactAgentAddrRecord): Problem[] {
  if (typeof record !== 'object' || record === null) return [problem('RECORD_INVALID', 'expected {payload, sig} or {payload, sig, countersig}')];
  const extra = Object.keys(record).filter((k) => k !== 'payload' && k !== 'sig' && k !== 'countersig');
  if (extra.length > 0) return [problem('RECORD_UNKNOWN_FIELD', `the compact form has no place for "${extra[0]}"`, `/${extra[0]}`)];
  const addr = checkAgentAddr(record.payload, '/payload');
  if (!addr.ok) return [...addr.problems];
  const { payload } = record;
  const problems: (Problem | undefined)[] = [
    checkSignature(record.sig, '/sig'),
    exactDidKey(payload.agentId, '/payload/agentId'),
    ...(['factsUrl', 'privateFactsUrl', 'resolverUrl'] as const).map((field) => {
      const url = payload[field];
      return url !== undefined && LONE_SURROGATE.test(url)
        ? problem('RECORD_INVALID', `${field} has a lone UTF-16 surrogate, which UTF-8 cannot carry`, `/payload/${field}`)
        : undefined;
    }),
    unixSecondsProblem(payload.notAfter, '/payload/notAfter'),
  ];
  if ('countersig' in record) problems.push(...countersignatureProblems(record.countersig));
  return problems.filter((p): p is Problem => p !== undefined);
}

function countersignatureProblems(countersig: Countersignature): (Problem | undefined)[] {
  if (typeof countersig !== 'object' || countersig === null) return [problem('RECORD_INVALID', 'countersig must be {by, at, sig}', '/countersig')];
  const extra = Object.keys(countersig).filter((k) => k !== 'by' && k !== 'at' && k !== 'sig');
  if (extra.length > 0) return [problem('RECORD_UNKNOWN_FIELD', `the compact form has no place for countersig "${extra[0]}"`, `/countersig/${extra[0]}`)];
  return [
    typeof countersig.by === 'string' ? exactDidKey(countersig.by, '/countersig/by') : problem('RECORD_INVALID', 'countersig.by must be a did:key', '/countersig/by'),
    typeof countersig.at === 'string' ? unixSecondsProblem(countersig.at, '/countersig/at') : problem('RECORD_INVALID', 'countersig.at must be a time', '/countersig/at'),
    checkSignature(countersig.sig, '/countersig/sig'),
  ];
}

function checkSignature(sig: unknown, pointer: string): Problem | undefined {
  const bytes = typeof sig === 'string' ? fromBase64Url(sig) : undefined;
  if (bytes === undefined || bytes.length !== SIGNATURE_BYTES || toBase64Url(bytes) !== sig) {
    return problem('RECORD_INVALID', `expected a 64-byte Ed25519 signature in canonical unpadded base64url`, pointer);
  }
  return undefined;
}

function exactDidKey(did: string, pointer: string): Problem | undefined {
  const keyProblem = didKeyProblem(did, pointer);
  if (keyProblem !== undefined) return keyProblem;
  return didKeyFromPublicKey(publicKeyFromDidKey(did)!) === did ? undefined : problem('AGENT_ID_INVALID', `"${did}" is not the canonical spelling of its key`, pointer);
}

function unixSecondsProblem(time: string, pointer: string): Problem | undefined {
  const ms = parseUtcSeconds(time);
  if (ms === undefined) return problem('RECORD_INVALID', `"${time}" is not a whole-second UTC time (YYYY-MM-DDTHH:MM:SSZ)`, pointer);
  return ms < 0 ? problem('RECORD_INVALID', `${time} is before 1970; the compact form holds times as unsigned Unix seconds`, pointer) : undefined;
}

/** The base of a factsUrl in the registry layout (`<base>/v1/agents/<name, percent-encoded>/facts`). */
function registryFactsBase(payload: AgentAddr): string | undefined {
  const suffix = registryFactsSuffix(payload.name);
  const { factsUrl } = payload;
  return factsUrl.length > suffix.length && factsUrl.endsWith(suffix) ? factsUrl.slice(0, -suffix.length) : undefined;
}

/** For a canonical name this percent-encodes exactly ":" (%3A) and "/" (%2F). */
function registryFactsSuffix(name: string): string {
  return `/v1/agents/${encodeURIComponent(name)}/facts`;
}

function lengthPrefixed(text: string): Uint8Array {
  const body = utf8Encoder.encode(text);
  const length = varint(body.length);
  const out = new Uint8Array(length.length + body.length);
  out.set(length, 0);
  out.set(body, length.length);
  return out;
}

/** Unsigned LEB128, minimal: 7 bits a byte, least significant first, high bit = more follow. */
function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint needs a safe unsigned integer, got ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/** One length byte (characters), then the characters packed three to a 16-bit big-endian group. */
function packName(text: string): Uint8Array {
  const groups = Math.ceil(text.length / 3);
  const out = new Uint8Array(1 + 2 * groups);
  out[0] = text.length;
  for (let g = 0; g < groups; g++) {
    const value = [0, 1, 2].reduce((sum, i) => sum * 40 + nameSymbol(text.charAt(3 * g + i)), 0);
    out[1 + 2 * g] = value >> 8;
    out[2 + 2 * g] = value & 0xff;
  }
  return out;
}

function nameSymbol(char: string): number {
  return char === '' ? 0 : NAME_ALPHABET.indexOf(char);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

// --- decoding ------------------------------------------------------------------------------

class EncodingError extends Error {}

interface Decoded {
  readonly record: CompactAgentAddrRecord;
  readonly shortFactsUrl: boolean;
}

/** Cursor over the input; every read checks the bytes are there and says what it was reading. */
class Reader {
  offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  byte(what: string): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new EncodingError(`truncated: ${what} needs a byte at offset ${this.offset}, the input ends there`);
    this.offset++;
    return value;
  }

  take(length: number, what: string): Uint8Array {
    if (length > this.remaining) {
      throw new EncodingError(`truncated: ${what} needs ${length} bytes at offset ${this.offset}, only ${this.remaining} remain`);
    }
    const slice = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  varint(what: string, max: number): number {
    const start = this.offset;
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i === MAX_VARINT_BYTES) throw new EncodingError(`${what}: the varint at offset ${start} is longer than ${MAX_VARINT_BYTES} bytes`);
      const byte = this.byte(what);
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw new EncodingError(`${what}: the varint at offset ${start} is not minimal (it ends in a zero byte)`);
        break;
      }
      scale *= 0x80;
    }
    // Past 2^53 the sum may round, but never down to max or below, so this test stays exact.
    if (value > max) throw new EncodingError(`${what}: ${value} at offset ${start} is above the largest allowed, ${max}`);
    return value;
  }

  text(what: string): string {
    const length = this.varint(`${what} length`, Number.MAX_SAFE_INTEGER);
    if (length > MAX_URL_BYTES) throw new EncodingError(`${what}: a length of ${length} bytes is above the ${MAX_URL_BYTES}-byte limit of a URL`);
    const body = this.take(length, what);
    try {
      return utf8Decoder.decode(body);
    } catch {
      throw new EncodingError(`${what}: the ${length} bytes at offset ${this.offset - length} are not valid UTF-8`);
    }
  }

  unixSeconds(what: string): string {
    return formatUtcSeconds(this.varint(what, MAX_UNIX_SECONDS) * 1000);
  }
}

function readRecord(reader: Reader): Decoded {
  const version = reader.byte('the format byte');
  if (version !== COMPACT_AGENT_ADDR_V1) {
    throw new EncodingError(`unknown format byte 0x${version.toString(16).padStart(2, '0')}; this decoder reads 0xa1 (AgentAddr, compact format 1)`);
  }
  const flags = reader.byte('the flags byte');
  if ((flags & RESERVED_FLAGS) !== 0) throw new EncodingError(`reserved flag bits are set (flags 0x${flags.toString(16).padStart(2, '0')})`);
  const name = NAME_PREFIX + readName(reader);
  const agentId = didKeyFromPublicKey(reader.take(KEY_BYTES, 'the agent key'));
  const factsSha256 = bytesToHex(reader.take(DIGEST_BYTES, 'factsSha256'));
  const shortFactsUrl = (flags & COMPACT_FLAGS.registryFactsUrl) !== 0;
  const factsUrl = shortFactsUrl ? reader.text('the facts URL base') + registryFactsSuffix(name) : reader.text('factsUrl');
  const privateFactsUrl = (flags & COMPACT_FLAGS.privateFactsUrl) !== 0 ? reader.text('privateFactsUrl') : undefined;
  const resolverUrl = (flags & COMPACT_FLAGS.resolverUrl) !== 0 ? reader.text('resolverUrl') : undefined;
  const nextKeySha256 = (flags & COMPACT_FLAGS.nextKey) !== 0 ? bytesToHex(reader.take(DIGEST_BYTES, 'nextKeySha256')) : undefined;
  const payload: AgentAddr = {
    type: 'AgentAddr',
    v: 1,
    name,
    agentId,
    factsUrl,
    factsSha256,
    ...(privateFactsUrl === undefined ? {} : { privateFactsUrl }),
    ...(resolverUrl === undefined ? {} : { resolverUrl }),
    ttl: reader.varint('ttl', Number.MAX_SAFE_INTEGER),
    seq: reader.varint('seq', Number.MAX_SAFE_INTEGER),
    notAfter: reader.unixSeconds('notAfter'),
    ...(nextKeySha256 === undefined ? {} : { nextKeySha256 }),
  };
  const sig = toBase64Url(reader.take(SIGNATURE_BYTES, 'the agent signature'));
  let record: CompactAgentAddrRecord = { payload, sig };
  if ((flags & COMPACT_FLAGS.countersigned) !== 0) {
    const by = didKeyFromPublicKey(reader.take(KEY_BYTES, 'the registry key'));
    const at = reader.unixSeconds('countersig.at');
    const countersig: Countersignature = { by, at, sig: toBase64Url(reader.take(SIGNATURE_BYTES, 'the registry signature')) };
    record = { payload, sig, countersig };
  }
  if (reader.remaining > 0) throw new EncodingError(`${reader.remaining} trailing bytes after the record, at offset ${reader.offset}`);
  return { record, shortFactsUrl };
}

function readName(reader: Reader): string {
  const length = reader.byte('the name length');
  if (length === 0 || length > MAX_NAME_CHARS) throw new EncodingError(`a name of ${length} characters; a canonical name has 1 to ${MAX_NAME_CHARS} after "agent://"`);
  const packed = reader.take(2 * Math.ceil(length / 3), 'the name');
  let text = '';
  for (let g = 0; 2 * g < packed.length; g++) {
    const value = packed[2 * g]! * 256 + packed[2 * g + 1]!;
    if (value >= 40 ** 3) throw new EncodingError(`name group ${g} holds ${value}, above the radix-40 maximum 63999`);
    const symbols = [Math.floor(value / 1600), Math.floor(value / 40) % 40, value % 40];
    symbols.forEach((symbol, i) => {
      const position = 3 * g + i;
      if (position >= length) {
        if (symbol !== 0) throw new EncodingError(`name padding at character ${position} is ${symbol}, not 0`);
      } else if (symbol === 0) {
        throw new EncodingError(`name character ${position} is the padding symbol 0`);
      } else {
        text += NAME_ALPHABET[symbol]!;
      }
    });
  }
  return text;
}
