/**
 * TSIG (RFC 8945): shared-secret HMACs over whole DNS messages, so a secondary knows a zone
 * transfer came from its primary (and the primary knows who asks), and a secondary knows a NOTIFY
 * came from its primary. dns-packet has no TSIG codec, and the MAC covers the exact bytes of the
 * message as sent, so this works on wire bytes: it finds the TSIG record at the end of a message,
 * takes it off, and appends one to a message to sign it.
 *
 * The RDATA codec is shaped like dns-packet's codecs (encode / decode / encodingLength); the HMACs
 * are node:crypto's. Verification returns a verdict, it never throws.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import dnsPacket from 'dns-packet';

/** The HMAC algorithms taken (RFC 8945 section 6), by their TSIG algorithm names; MD5 and SHA-1 are not. */
export const TSIG_ALGORITHMS = { 'hmac-sha224': 'sha224', 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' } as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

export interface TsigKey {
  /** The key's name, lowercase, without the trailing dot: both ends must name it alike. */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Buffer;
}

/** TSIG error codes (RFC 8945 section 3; the rcode of such an answer is NOTAUTH). */
export const TSIG_ERRORS = { BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;
export type TsigError = keyof typeof TSIG_ERRORS;

/** Seconds of clock difference allowed between signer and verifier (RFC 8945 section 10 recommends 300). */
const TSIG_FUDGE = 300;

const TYPE_TSIG = 250;
const CLASS_ANY = 255;
const names = (dnsPacket as unknown as { name: { encode(name: string): Buffer; decode: ((buf: Buffer, offset: number) => string) & { bytes: number } } }).name;

/** The RDATA of a TSIG record. */
export interface TsigRdata {
  /** The algorithm's name, e.g. `hmac-sha256`. */
  readonly algorithm: string;
  /** Seconds since the epoch, 48 bits. */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  /** Empty, except the signer's time (6 bytes) in a BADTIME answer. */
  readonly other: Buffer;
}

/** A name in canonical wire form (lowercase, uncompressed), as every MAC digests it. */
function nameWire(name: string): Buffer {
  return names.encode(name.toLowerCase());
}

function encodingLength(data: TsigRdata): number {
  return nameWire(data.algorithm).length + 16 + data.mac.length + data.other.length;
}

function encode(data: TsigRdata): Buffer {
  const algorithm = nameWire(data.algorithm);
  const out = Buffer.alloc(encodingLength(data));
  let at = algorithm.copy(out, 0);
  at = writeTime(out, at, data.timeSigned);
  at = out.writeUInt16BE(data.fudge, at);
  at = out.writeUInt16BE(data.mac.length, at);
  at += data.mac.copy(out, at);
  at = out.writeUInt16BE(data.originalId, at);
  at = out.writeUInt16BE(data.error, at);
  at = out.writeUInt16BE(data.other.length, at);
  data.other.copy(out, at);
  encode.bytes = out.length;
  return out;
}
encode.bytes = 0;

/** The RDATA of `length` bytes at `offset` of `buf` (a whole message: the algorithm name may point back into it). Throws RangeError on broken framing. */
function decode(buf: Buffer, offset: number, length: number): TsigRdata {
  const end = offset + length;
  if (end > buf.length) throw new RangeError(`TSIG RDATA of ${length} bytes at offset ${offset} runs past the message`);
  const algorithm = names.decode(buf, offset);
  let at = offset + names.decode.bytes;
  const need = (bytes: number) => {
    if (at + bytes > end) throw new RangeError('TSIG RDATA is truncated');
  };
  need(10);
  const timeSigned = buf.readUInt16BE(at) * 2 ** 32 + buf.readUInt32BE(at + 2);
  const fudge = buf.readUInt16BE(at + 6);
  const macLength = buf.readUInt16BE(at + 8);
  at += 10;
  need(macLength + 6);
  const mac = Buffer.from(buf.subarray(at, at + macLength));
  at += macLength;
  const originalId = buf.readUInt16BE(at);
  const error = buf.readUInt16BE(at + 2);
  const otherLength = buf.readUInt16BE(at + 4);
  at += 6;
  need(otherLength);
  const other = Buffer.from(buf.subarray(at, at + otherLength));
  if (at + otherLength !== end) throw new RangeError('TSIG RDATA has bytes past its other data');
  decode.bytes = length;
  return { algorithm: algorithm.toLowerCase(), timeSigned, fudge, mac, originalId, error, other };
}
decode.bytes = 0;

export const tsigRdata = { encode, decode, encodingLength };

function writeTime(out: Buffer, at: number, seconds: number): number {
  out.writeUInt16BE(Math.floor(seconds / 2 ** 32) & 0xffff, at);
  return out.writeUInt32BE(seconds % 2 ** 32, at + 2);
}

/** A message's TSIG record, and the message as it was before the signer appended it. */
export interface SignedMessage {
  /** The key's name, lowercase, without the trailing dot. */
  readonly keyName: string;
  readonly rdata: TsigRdata;
  /** The message without its TSIG record: ARCOUNT one less, and the original id in place (what the MAC covers). */
  readonly unsigned: Buffer;
}

export type TsigReading = { readonly kind: 'unsigned' } | { readonly kind: 'signed'; readonly signed: SignedMessage } | { readonly kind: 'malformed'; readonly detail: string };

/** Whether `message` ends with a TSIG record (RFC 8945 section 5.1: it must be the last additional record, and the only one). */
export function readTsig(message: Buffer): TsigReading {
  try {
    return readTsigOrThrow(message);
  } catch (error) {
    return { kind: 'malformed', detail: (error as Error).message };
  }
}

function readTsigOrThrow(message: Buffer): TsigReading {
  if (message.length < 12) throw new RangeError('the message is shorter than a header');
  const additionals = message.readUInt16BE(10);
  if (additionals === 0) return { kind: 'unsigned' };
  let at = 12;
  for (let i = message.readUInt16BE(4); i > 0; i--) at = skipName(message, at) + 4;
  const records = message.readUInt16BE(6) + message.readUInt16BE(8) + additionals;
  let last = at;
  for (let i = 0; i < records; i++) {
    last = at;
    const fixed = skipName(message, at);
    if (fixed + 10 > message.length) throw new RangeError('a record is truncated');
    const type = message.readUInt16BE(fixed);
    if (type === TYPE_TSIG && i !== records - 1) throw new RangeError('a TSIG record that is not the last record');
    at = fixed + 10 + message.readUInt16BE(fixed + 8);
    if (at > message.length) throw new RangeError('a record runs past the message');
  }
  const fixed = skipName(message, last);
  if (message.readUInt16BE(fixed) !== TYPE_TSIG) return { kind: 'unsigned' };
  if (at !== message.length) throw new RangeError('bytes after the TSIG record');
  if (message.readUInt16BE(fixed + 2) !== CLASS_ANY || message.readUInt32BE(fixed + 4) !== 0) throw new RangeError('a TSIG record not of class ANY with TTL 0');
  const keyName = names.decode(message, last).toLowerCase().replace(/\.$/, '');
  const rdata = decode(message, fixed + 10, message.readUInt16BE(fixed + 8));
  const unsigned = Buffer.from(message.subarray(0, last));
  unsigned.writeUInt16BE(rdata.originalId, 0);
  unsigned.writeUInt16BE(additionals - 1, 10);
  return { kind: 'signed', signed: { keyName, rdata, unsigned } };
}

/** The offset after the (possibly compressed) name at `at`. */
function skipName(message: Buffer, at: number): number {
  for (;;) {
    if (at >= message.length) throw new RangeError('a name runs past the message');
    const length = message[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2;
    if ((length & 0xc0) !== 0) throw new RangeError('a label of an unknown kind');
    at += 1 + length;
  }
}

export interface SignOptions {
  /** Seconds since the epoch (the injected clock's). */
  readonly timeSigned: number;
  /** The MAC of the request answered, or of the previous message of the same answer. */
  readonly priorMac?: Buffer | undefined;
  /** A later message of a multi-message answer (RFC 8945 5.3.1): only the timers are digested, not the whole variables. */
  readonly timersOnly?: boolean;
  readonly error?: number;
  readonly other?: Buffer;
}

/** `message` with a TSIG record appended (ARCOUNT one more), and its MAC, which the next message of an answer chains from. */
export function signMessage(message: Buffer, key: TsigKey, options: SignOptions): { readonly message: Buffer; readonly mac: Buffer } {
  const rdata: TsigRdata = {
    algorithm: key.algorithm,
    timeSigned: options.timeSigned,
    fudge: TSIG_FUDGE,
    mac: Buffer.alloc(0),
    originalId: message.readUInt16BE(0),
    error: options.error ?? 0,
    other: options.other ?? Buffer.alloc(0),
  };
  const mac = macOf(key, message, key.name, rdata, options.priorMac, options.timersOnly ?? false);
  return { message: appendTsig(message, key.name, { ...rdata, mac }), mac };
}

/** `message` with a TSIG record appended as it is: an unsigned error answer (BADKEY, BADSIG) has an empty MAC. */
function appendTsig(message: Buffer, keyName: string, rdata: TsigRdata): Buffer {
  const body = encode(rdata);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_TSIG, 0);
  fixed.writeUInt16BE(CLASS_ANY, 2);
  fixed.writeUInt32BE(0, 4);
  fixed.writeUInt16BE(body.length, 8);
  const out = Buffer.concat([message, nameWire(keyName), fixed, body]);
  out.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return out;
}

/** The bytes a TSIG record signed by `key` adds to a message (for the UDP size budget). */
export function tsigRecordLength(key: TsigKey): number {
  const macLength = createHash(TSIG_ALGORITHMS[key.algorithm]).digest().length;
  return nameWire(key.name).length + 10 + nameWire(key.algorithm).length + 16 + macLength;
}

/** RFC 8945 4.3: the HMAC of [prior MAC] + the unsigned message + the TSIG variables (or, in a later message, its timers). */
function macOf(key: TsigKey, unsigned: Buffer, keyName: string, rdata: TsigRdata, priorMac: Buffer | undefined, timersOnly: boolean): Buffer {
  const hmac = createHmac(TSIG_ALGORITHMS[key.algorithm], key.secret);
  if (priorMac !== undefined) {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(priorMac.length);
    hmac.update(length).update(priorMac);
  }
  hmac.update(unsigned);
  const timers = Buffer.alloc(8);
  writeTime(timers, 0, rdata.timeSigned);
  timers.writeUInt16BE(rdata.fudge, 6);
  if (timersOnly) return hmac.update(timers).digest();
  const classAndTtl = Buffer.from([0, CLASS_ANY, 0, 0, 0, 0]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(rdata.error, 0);
  tail.writeUInt16BE(rdata.other.length, 2);
  return hmac.update(nameWire(keyName)).update(classAndTtl).update(nameWire(rdata.algorithm)).update(timers).update(tail).update(rdata.other).digest();
}

export type TsigVerdict =
  | { readonly ok: true; readonly key: TsigKey; readonly mac: Buffer }
  /** `key` is set when the MAC was made with a known key (BADTIME, BADTRUNC): the error answer is signed with it. */
  | { readonly ok: false; readonly error: TsigError | 'FORMERR'; readonly detail: string; readonly key?: TsigKey };

export interface VerifyOptions {
  /** Seconds since the epoch (the injected clock's). */
  readonly now: number;
  /** The latest time signed accepted per key: a request signed earlier than it is BADTIME (a replay). */
  readonly seen?: TsigTimes | undefined;
  readonly priorMac?: Buffer | undefined;
  readonly timersOnly?: boolean;
}

/**
 * Check a signed message against the keys (RFC 8945 5.2, in its order): a key of that name and
 * algorithm (BADKEY), a MAC of a sane length (FORMERR) that matches (BADSIG) and is not truncated
 * (BADTRUNC: we take full MACs only), then the time (BADTIME, outside the fudge).
 */
export function verifyTsig(signed: SignedMessage, keys: readonly TsigKey[], options: VerifyOptions): TsigVerdict {
  const { keyName, rdata } = signed;
  const key = keys.find((candidate) => candidate.name === keyName && candidate.algorithm === rdata.algorithm);
  if (key === undefined) return { ok: false, error: 'BADKEY', detail: `no key ${keyName} with algorithm ${rdata.algorithm}` };
  const full = macOf(key, signed.unsigned, keyName, rdata, options.priorMac, options.timersOnly ?? false);
  if (rdata.mac.length > full.length || rdata.mac.length < Math.max(10, full.length / 2)) {
    return { ok: false, error: 'FORMERR', detail: `a MAC of ${rdata.mac.length} bytes for ${key.algorithm}` };
  }
  if (!timingSafeEqual(rdata.mac, full.subarray(0, rdata.mac.length))) return { ok: false, error: 'BADSIG', detail: `the MAC does not match key ${keyName}` };
  if (rdata.mac.length < full.length) return { ok: false, error: 'BADTRUNC', detail: `a MAC truncated to ${rdata.mac.length} bytes`, key };
  if (Math.abs(options.now - rdata.timeSigned) > rdata.fudge) {
    return { ok: false, error: 'BADTIME', detail: `signed at ${rdata.timeSigned}, ${options.now - rdata.timeSigned} s from now, past the fudge of ${rdata.fudge} s`, key };
  }
  if (options.seen && !options.seen.accept(key.name, rdata.timeSigned)) {
    return { ok: false, error: 'BADTIME', detail: `signed at ${rdata.timeSigned}, before the latest request accepted with key ${key.name} (${options.seen.latest(key.name)}): a replay`, key };
  }
  return { ok: true, key, mac: rdata.mac };
}

/**
 * The latest time signed of a request accepted per key (RFC 8945 5.2.3: a server SHOULD refuse, as
 * BADTIME, a request signed earlier than one it already took with the same key). Within the fudge a
 * captured request can otherwise be sent again; one signed in the same second still passes, so it
 * narrows replays rather than ending them. Peers that share a key must have clocks that agree to
 * the second: give each secondary its own key.
 */
export class TsigTimes {
  readonly #latest = new Map<string, number>();

  /** Whether a request of `keyName` signed at `timeSigned` is no replay; if so it becomes the latest. */
  accept(keyName: string, timeSigned: number): boolean {
    const latest = this.#latest.get(keyName);
    if (latest !== undefined && timeSigned < latest) return false;
    this.#latest.set(keyName, timeSigned);
    return true;
  }

  latest(keyName: string): number | undefined {
    return this.#latest.get(keyName);
  }
}

/**
 * The error answer to a signed request that failed (RFC 8945 5.3.2), `answer` being the unsigned
 * NOTAUTH answer: a BADKEY or BADSIG is not signed (empty MAC: we cannot or may not sign it), a
 * BADTIME or BADTRUNC is signed with the request's key, chained to its MAC, and a BADTIME says our
 * time in its other data so the client can see the skew.
 */
export function tsigErrorAnswer(answer: Buffer, request: SignedMessage, verdict: TsigVerdict & { ok: false }, now: number): Buffer {
  const error = TSIG_ERRORS[verdict.error as TsigError];
  if (verdict.key === undefined) return appendTsig(answer, request.keyName, { ...request.rdata, mac: Buffer.alloc(0), originalId: answer.readUInt16BE(0), error, other: Buffer.alloc(0) });
  const other = verdict.error === 'BADTIME' ? writeTimeBuffer(now) : Buffer.alloc(0);
  return signMessage(answer, verdict.key, { timeSigned: request.rdata.timeSigned, priorMac: request.rdata.mac, error, other }).message;
}

function writeTimeBuffer(seconds: number): Buffer {
  const out = Buffer.alloc(6);
  writeTime(out, 0, seconds);
  return out;
}

/**
 * Sign the messages of one answer (a zone transfer) with the request's key: the first over the
 * request's MAC and the full variables, each later one over the previous MAC and the timers only
 * (RFC 8945 5.3.1). Every message is signed, which every secondary takes.
 */
export function signAnswerMessages(messages: readonly Buffer[], key: TsigKey, requestMac: Buffer, timeSigned: number): Buffer[] {
  let priorMac = requestMac;
  return messages.map((message, index) => {
    const signed = signMessage(message, key, { timeSigned, priorMac, timersOnly: index > 0 });
    priorMac = signed.mac;
    return signed.message;
  });
}
