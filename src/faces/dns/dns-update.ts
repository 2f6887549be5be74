/**
 * RFC 2136 UPDATE: a second way to write to the registry, for operators who have `nsupdate`.
 *
 * DNS answers here are derived from agent-signed documents, so an UPDATE cannot carry bare SVCB
 * or A records. It adds one TXT at the agent's node whose character-strings carry a signed
 * Signpost document: the first is `signpost-v1 <kind>`, the rest, concatenated, the base64url of
 * the document's JSON (`updateTxtStrings` makes them). The kinds are what the HTTP writes take:
 * `registration` (POST /v1/agents: an endpoint change is a new registration with a higher
 * sequence), `deployment` (PUT /v1/agents/:name/deployment), `status-change` (revoke, suspend,
 * reinstate) and `tombstone` (DELETE). The TXT itself is never stored: the document goes to the
 * very Registry method the HTTP route calls, so the same rules decide, and the zone then serves
 * whatever that write made (SVCB, TXT, or nothing).
 *
 * Two keys: the TSIG key (RFC 8945) lets a client talk UPDATE to a zone (`serve
 * --dns-allow-update KEY[=ZONE]`); the document's own signature authorizes the change.
 *
 * RFC 2136 in order: the zone section (one SOA question of a zone of ours, else NOTAUTH), the
 * prerequisites (3.2: name in use / not in use, RRset exists / does not exist, against what the
 * zone serves now; value-dependent ones are NOTIMP), the update prescan (3.4.1: NOTZONE outside
 * the zone, REFUSED for anything but adding a document TXT), then the one write. An UPDATE is
 * all or nothing (3.4); the Registry writes one document per store transaction, so an UPDATE
 * carries at most one document and everything else is checked before it is written.
 *
 * Every refusal is a Signpost error code and detail, sent as an Extended DNS Error (RFC 8914)
 * beside the RCODE; `rcodeOf` is the one table from codes to RCODEs. Verification returns a
 * verdict, never a throw; only a failing store throws, answered SERVFAIL.
 */
import dnsPacket, { type Packet } from 'dns-packet';
import { errorCatalogue, type ErrorCode, type Problem } from '../../core/errors.js';
import { parseStrictJsonBytes } from '../../core/json/strict-json.js';
import { toDnsOwnerName } from '../../core/name/agent-name.js';
import { parseAgentName } from '../../core/name/index.js';
import type { Registry } from '../../core/registry/registry.js';
import { fromBase64Url, toBase64Url } from '../../core/trust/encoding.js';
import { readTsig, signMessage, tsigErrorAnswer, verifyTsig, type SignedMessage, type TsigKey, type TsigTimes } from './tsig.js';
import { SVCB_TYPE, type ZoneView } from './zone-view.js';

export const UPDATE_OPCODE = 5;
/** The first character-string of a document TXT: the format's version and the document's kind. */
export const UPDATE_TXT_VERSION = 'signpost-v1';
export const UPDATE_DOCUMENT_KINDS = ['registration', 'deployment', 'status-change', 'tombstone'] as const;
export type UpdateDocumentKind = (typeof UPDATE_DOCUMENT_KINDS)[number];
/** The largest document taken, as JSON bytes: an UPDATE message is at most 64 KiB anyway; no signed Signpost document comes near this. */
export const MAX_UPDATE_DOCUMENT_BYTES = 32 * 1024;

/** The Registry writes an UPDATE may make: exactly the methods the HTTP routes call. */
export type AgentWrites = Pick<Registry, 'register' | 'publishDeployment' | 'changeStatus' | 'deregister'>;

export interface DnsUpdater {
  readonly writes: AgentWrites;
  /** Whether a request TSIG-signed with this key may update this zone (`_agents.<namespace>`). */
  readonly allowed: (keyName: string, zone: string) => boolean;
  /** Told of every document an UPDATE wrote (for the operator's log, as the HTTP routes log theirs). */
  readonly onApplied?: ((applied: { readonly keyName: string; readonly kind: UpdateDocumentKind; readonly name: string }) => void) | undefined;
}

/** What answering an UPDATE needs of the DNS face (a part of dns-server.ts's DnsAnswerer). */
export interface UpdateAnswerer {
  readonly view: ZoneView;
  readonly update?: DnsUpdater | undefined;
  readonly tsig?: { readonly keys: readonly TsigKey[]; readonly now: () => number; readonly seen?: TsigTimes | undefined } | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10 } as const;
const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
const TYPE = { SOA: 6, TXT: 16, OPT: 41, ANY: 255 } as const;
/** RFC 8914 info-codes: 18 for a refusal of who asks or what they ask, 0 with the text otherwise. */
const EDE = { OTHER: 0, PROHIBITED: 18 } as const;
const EDE_OPTION = 15;
/** EXTRA-TEXT is cut here: enough for a code and its detail, and the signed answer still fits 512 bytes (nsupdate sends no EDNS). */
const MAX_EDE_TEXT_BYTES = 300;
/** The types a zone view's nodes hold, by number, for the RRset prerequisites. */
const ZONE_VIEW_TYPES: Readonly<Record<string, number>> = { SOA: 6, NS: 2, TXT: 16, DNSKEY: 48, [SVCB_TYPE]: 64 };

/** Why an UPDATE is not applied: the RCODE, and the Signpost code and detail the EDE carries. */
export interface UpdateRefusal {
  readonly rcode: number;
  readonly problem: Problem;
}

type Verdict<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: UpdateRefusal };

/**
 * The RCODE of a Signpost error, one table for every refusal of an UPDATE: malformed input is
 * FORMERR, a rule that says no (signature, authority, sequence, time, state) REFUSED, a store or
 * lookup that failed SERVFAIL. Time and order rules are `invalid` in the catalogue but are a
 * refusal of a well-formed document, not a format error.
 */
export function rcodeOf(code: ErrorCode): number {
  const override = RCODE_OF_CODE[code];
  if (override !== undefined) return override;
  return RCODE_OF_KIND[errorCatalogue[code].kind];
}

const RCODE_OF_CODE: Partial<Record<ErrorCode, number>> = {
  DNS_UPDATE_NOT_ZONE: RCODE.NOTZONE,
  RECORD_EXPIRED: RCODE.REFUSED,
  RECORD_VALIDITY_TOO_LONG: RCODE.REFUSED,
  SEQUENCE_TOO_FAR_AHEAD: RCODE.REFUSED,
  RECORD_NAME_MISMATCH: RCODE.REFUSED,
};

const RCODE_OF_KIND: Readonly<Record<(typeof errorCatalogue)[ErrorCode]['kind'], number>> = {
  invalid: RCODE.FORMERR,
  'too-large': RCODE.FORMERR,
  unauthorized: RCODE.REFUSED,
  forbidden: RCODE.REFUSED,
  'not-found': RCODE.REFUSED,
  gone: RCODE.REFUSED,
  conflict: RCODE.REFUSED,
  unsupported: RCODE.REFUSED,
  timeout: RCODE.SERVFAIL,
  'client-timeout': RCODE.SERVFAIL,
  unavailable: RCODE.SERVFAIL,
  internal: RCODE.SERVFAIL,
};

function refusalOf(code: ErrorCode, detail: string, rcode = rcodeOf(code)): UpdateRefusal {
  return { rcode, problem: { code, detail } };
}

function refuse<T>(code: ErrorCode, detail: string, rcode?: number): Verdict<T> {
  return { ok: false, refusal: refusalOf(code, detail, rcode) };
}

/** Whether a message is an UPDATE request (QR clear, opcode 5), read off its header. */
export function isUpdateRequest(message: Buffer): boolean {
  return message.length >= 12 && (message[2]! & 0x80) === 0 && ((message[2]! >> 3) & 0x0f) === UPDATE_OPCODE;
}

/** One record of an UPDATE as sent: RDATA kept as bytes, since dns-packet cannot read the empty RDATA of class ANY and NONE records. */
export interface UpdateRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: Buffer;
}

/** The sections of an UPDATE (RFC 2136 2.2): zone, prerequisites, updates, additional data. */
export interface UpdateMessage {
  readonly id: number;
  readonly zones: readonly { readonly name: string; readonly type: number; readonly class: number }[];
  readonly prerequisites: readonly UpdateRecord[];
  readonly updates: readonly UpdateRecord[];
  readonly additionals: readonly UpdateRecord[];
}

const names = (dnsPacket as unknown as { name: { decode: ((buf: Buffer, offset: number) => string) & { bytes: number } } }).name;

/** The sections of an UPDATE message (without its TSIG), or FORMERR. */
function parseUpdateMessage(message: Buffer): Verdict<UpdateMessage> {
  try {
    let at = 12;
    const readName = () => {
      const name = names.decode(message, at);
      at += names.decode.bytes;
      return name.toLowerCase().replace(/\.$/, '');
    };
    const zones: { name: string; type: number; class: number }[] = [];
    for (let i = message.readUInt16BE(4); i > 0; i--) {
      const name = readName();
      zones.push({ name, type: message.readUInt16BE(at), class: message.readUInt16BE(at + 2) });
      at += 4;
    }
    const readRecords = (count: number) => {
      const records: UpdateRecord[] = [];
      for (let i = 0; i < count; i++) {
        const name = readName();
        const length = message.readUInt16BE(at + 8);
        if (at + 10 + length > message.length) throw new RangeError('a record runs past the message');
        records.push({ name, type: message.readUInt16BE(at), class: message.readUInt16BE(at + 2), ttl: message.readUInt32BE(at + 4), rdata: Buffer.from(message.subarray(at + 10, at + 10 + length)) });
        at += 10 + length;
      }
      return records;
    };
    const prerequisites = readRecords(message.readUInt16BE(6));
    const updates = readRecords(message.readUInt16BE(8));
    const additionals = readRecords(message.readUInt16BE(10));
    if (at !== message.length) throw new RangeError('bytes after the last record');
    return { ok: true, value: { id: message.readUInt16BE(0), zones, prerequisites, updates, additionals } };
  } catch (error) {
    return refuse('REQUEST_INVALID', `the UPDATE message does not parse: ${(error as Error).message}`, RCODE.FORMERR);
  }
}

/** A document an UPDATE carries, read off its TXT: its kind, the agent it names, and the body its Registry method takes. */
export interface UpdateDocument {
  readonly kind: UpdateDocumentKind;
  readonly name: string;
  readonly body: unknown;
}

/**
 * The character-strings of a document TXT: `signpost-v1 <kind>`, then the base64url of the
 * document's JSON in strings of at most 255 bytes.
 */
export function updateTxtStrings(kind: UpdateDocumentKind, document: unknown): string[] {
  const encoded = toBase64Url(Buffer.from(JSON.stringify(document), 'utf8'));
  const strings = [`${UPDATE_TXT_VERSION} ${kind}`];
  for (let at = 0; at < encoded.length; at += 255) strings.push(encoded.slice(at, at + 255));
  return strings;
}

/** The character-strings of TXT RDATA (RFC 1035 3.3.14), or why not. */
function txtStrings(rdata: Buffer): string[] | undefined {
  const strings: string[] = [];
  for (let at = 0; at < rdata.length; ) {
    const length = rdata[at]!;
    if (at + 1 + length > rdata.length) return undefined;
    strings.push(rdata.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return strings;
}

/** The signed document a TXT carries, its JSON read as the HTTP face reads a body. */
function readUpdateDocument(rdata: Buffer): Verdict<UpdateDocument> {
  const strings = txtStrings(rdata);
  if (strings === undefined || strings.length === 0) return refuse('DNS_UPDATE_PAYLOAD_INVALID', 'the TXT RDATA is not a sequence of character-strings');
  const words = strings[0]!.split(' ');
  const [version, kind] = words;
  if (version !== UPDATE_TXT_VERSION || words.length !== 2) {
    return refuse('DNS_UPDATE_PAYLOAD_INVALID', `the TXT's first string must be "${UPDATE_TXT_VERSION} <kind>", got "${strings[0]!.slice(0, 40)}"`);
  }
  if (!(UPDATE_DOCUMENT_KINDS as readonly string[]).includes(kind!)) return refuse('DNS_UPDATE_PAYLOAD_INVALID', `the document kind "${kind!.slice(0, 40)}" is not one of ${UPDATE_DOCUMENT_KINDS.join(', ')}`);
  const encoded = strings.slice(1).join('');
  if (encoded.length > Math.ceil((MAX_UPDATE_DOCUMENT_BYTES * 4) / 3)) return refuse('REQUEST_TOO_LARGE', `the document is larger than ${MAX_UPDATE_DOCUMENT_BYTES} bytes`);
  const bytes = fromBase64Url(encoded);
  if (bytes === undefined) return refuse('DNS_UPDATE_PAYLOAD_INVALID', 'the strings after the first are not base64url');
  const parsed = parseStrictJsonBytes(bytes);
  if (!parsed.ok) return { ok: false, refusal: { rcode: RCODE.FORMERR, problem: parsed.problems[0]! } };
  const name = documentName(kind as UpdateDocumentKind, parsed.value);
  if (name === undefined) return refuse('RECORD_INVALID', `the ${kind} names no agent (${kind === 'registration' ? 'addr.payload.name' : 'payload.name'})`);
  return { ok: true, value: { kind: kind as UpdateDocumentKind, name, body: parsed.value } };
}

/** The agent a document is about: the AgentAddr's name for a registration, the payload's name for the others. */
function documentName(kind: UpdateDocumentKind, body: unknown): string | undefined {
  const record = kind === 'registration' ? memberOf(body, 'addr') : body;
  const name = memberOf(memberOf(record, 'payload'), 'name');
  return typeof name === 'string' ? name : undefined;
}

function memberOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Whether `name` is a name of `zone` (not of a zone below it, as `_agents.eu.acme.com` is below a flat `acme.com`). */
function inZone(view: ZoneView, name: string, zone: string): boolean {
  return view.zoneOf(name) === zone;
}

/** The zone of the UPDATE (RFC 2136 3.1): one SOA question of class IN naming a zone of ours. */
function checkZone(view: ZoneView, update: UpdateMessage): Verdict<string> {
  const [zone, ...more] = update.zones;
  if (zone === undefined || more.length > 0 || zone.type !== TYPE.SOA) return refuse('REQUEST_INVALID', 'the zone section must hold one SOA question', RCODE.FORMERR);
  if (zone.class !== CLASS.IN) return refuse('DNS_UPDATE_NOT_ZONE', `class ${zone.class} is not IN`, RCODE.NOTAUTH);
  if (view.zoneOf(zone.name) !== zone.name) return refuse('DNS_UPDATE_NOT_ZONE', `${zone.name || '.'} is not a zone of this server (its zones are _agents.<namespace>, and the namespaces of --dns-flat-zone)`, RCODE.NOTAUTH);
  return { ok: true, value: zone.name };
}

/**
 * The prerequisites (RFC 2136 2.4, 3.2), against what the zone serves now: name in use (class ANY,
 * type ANY), name not in use (NONE, ANY), RRset exists (ANY, T), RRset does not exist (NONE, T).
 * Value-dependent ones (class IN, with RDATA) are NOTIMP.
 */
async function checkPrerequisites(view: ZoneView, zone: string, prerequisites: readonly UpdateRecord[]): Promise<Verdict<true>> {
  for (const prerequisite of prerequisites) {
    const { name, type } = prerequisite;
    if (prerequisite.ttl !== 0) return refuse('REQUEST_INVALID', `the prerequisite at ${name} has TTL ${prerequisite.ttl}, not 0`, RCODE.FORMERR);
    if (!inZone(view, name, zone)) return refuse('DNS_UPDATE_NOT_ZONE', `the prerequisite names ${name}, outside ${zone}`);
    if (prerequisite.class === CLASS.IN) return refuse('DNS_UPDATE_UNSUPPORTED', `value-dependent prerequisites (an RRset with RDATA at ${name}) are not supported`, RCODE.NOTIMP);
    if ((prerequisite.class !== CLASS.ANY && prerequisite.class !== CLASS.NONE) || prerequisite.rdata.length > 0) {
      return refuse('REQUEST_INVALID', `the prerequisite at ${name} has class ${prerequisite.class} and ${prerequisite.rdata.length} bytes of RDATA`, RCODE.FORMERR);
    }
    const found = await view.answer({ name, type: 'ANY' });
    const types = found.kind === 'refused' ? [] : found.types.map((held) => ZONE_VIEW_TYPES[held]);
    const wanted = prerequisite.class === CLASS.ANY;
    const holds = type === TYPE.ANY ? types.length > 0 : types.includes(type);
    if (holds === wanted) continue;
    const what = type === TYPE.ANY ? `${name} is ${holds ? '' : 'not '}in use` : `${name} ${holds ? 'holds' : 'holds no'} RRset of type ${type}`;
    const rcode = type === TYPE.ANY ? (wanted ? RCODE.NXDOMAIN : RCODE.YXDOMAIN) : wanted ? RCODE.NXRRSET : RCODE.YXRRSET;
    return refuse('DNS_UPDATE_PREREQUISITE_FAILED', what, rcode);
  }
  return { ok: true, value: true };
}

/**
 * The update section's prescan (RFC 2136 3.4.1): every record in the zone (NOTZONE), and nothing
 * but additions of document TXTs, at most one: deletions and other types would change records
 * that only signed documents make.
 */
function checkUpdates(view: ZoneView, zone: string, updates: readonly UpdateRecord[]): Verdict<UpdateRecord | undefined> {
  const documents: UpdateRecord[] = [];
  for (const record of updates) {
    if (!inZone(view, record.name, zone)) return refuse('DNS_UPDATE_NOT_ZONE', `the update names ${record.name}, outside ${zone}`);
    if (record.class === CLASS.ANY || record.class === CLASS.NONE) {
      return refuse('DNS_UPDATE_UNSUPPORTED', `deleting records (at ${record.name}) is not supported: records here come from signed documents; deregister or revoke with a signed tombstone or status change instead`);
    }
    if (record.class !== CLASS.IN) return refuse('REQUEST_INVALID', `the update at ${record.name} has class ${record.class}`, RCODE.FORMERR);
    if (record.type !== TYPE.TXT) {
      return refuse('DNS_UPDATE_UNSUPPORTED', `type ${record.type} at ${record.name}: an UPDATE adds only a TXT carrying a signed Signpost document ("${UPDATE_TXT_VERSION} <kind>" + base64url JSON); SVCB and TXT records are made from it`);
    }
    documents.push(record);
  }
  if (documents.length > 1) return refuse('DNS_UPDATE_UNSUPPORTED', `${documents.length} documents in one UPDATE: send one per UPDATE, so that each is applied whole or not at all`);
  return { ok: true, value: documents[0] };
}

/** The document a TXT carries, at the node of the agent it names (RFC 2136 leaves the owner name to us: it must be the document's). */
function checkDocumentAt(record: UpdateRecord): Verdict<UpdateDocument> {
  const read = readUpdateDocument(record.rdata);
  if (!read.ok) return read;
  const parsed = parseAgentName(read.value.name);
  if (!parsed.ok) return { ok: false, refusal: { rcode: RCODE.FORMERR, problem: parsed.problems[0]! } };
  const owner = toDnsOwnerName(parsed.value.name);
  if (owner !== record.name) return refuse('RECORD_NAME_MISMATCH', `the ${read.value.kind} is for ${parsed.value.canonical} (node ${owner}), not ${record.name}`);
  return { ok: true, value: { ...read.value, name: parsed.value.canonical } };
}

/** The one Registry write of a document: the method its HTTP route calls. */
async function applyDocument(writes: AgentWrites, document: UpdateDocument): Promise<Verdict<true>> {
  const written =
    document.kind === 'registration'
      ? await writes.register(document.body)
      : document.kind === 'deployment'
        ? await writes.publishDeployment(document.name, document.body)
        : document.kind === 'status-change'
          ? await writes.changeStatus(document.name, document.body)
          : await writes.deregister(document.name, document.body);
  if (written.ok) return { ok: true, value: true };
  const problem = written.problems[0]!;
  return { ok: false, refusal: { rcode: rcodeOf(problem.code), problem } };
}

/** Check an UPDATE whole, then make its one write: the refusal, or undefined when it was applied. */
async function decideUpdate(answerer: UpdateAnswerer, update: UpdateMessage, keyName: string): Promise<UpdateRefusal | undefined> {
  const zone = checkZone(answerer.view, update);
  if (!zone.ok) return zone.refusal;
  if (!answerer.update!.allowed(keyName, zone.value)) {
    return refusalOf('DNS_UPDATE_NOT_AUTHORIZED', `TSIG key ${keyName} may not update ${zone.value} (serve --dns-allow-update ${keyName}=${zone.value})`);
  }
  const prerequisites = await checkPrerequisites(answerer.view, zone.value, update.prerequisites);
  if (!prerequisites.ok) return prerequisites.refusal;
  const updates = checkUpdates(answerer.view, zone.value, update.updates);
  if (!updates.ok) return updates.refusal;
  if (updates.value === undefined) return undefined;
  const document = checkDocumentAt(updates.value);
  if (!document.ok) return document.refusal;
  const applied = await applyDocument(answerer.update!.writes, document.value);
  if (!applied.ok) return applied.refusal;
  answerer.update!.onApplied?.({ keyName, kind: document.value.kind, name: document.value.name });
  return undefined;
}

/**
 * The answer to an UPDATE request: NOTIMP without --dns-allow-update, REFUSED unsigned, NOTAUTH
 * with the TSIG error for a bad signature, else the outcome of the update, signed with the
 * request's key. `message` is an UPDATE request (isUpdateRequest): its header is there to answer.
 */
export async function answerUpdate(answerer: UpdateAnswerer, message: Buffer): Promise<Buffer> {
  const id = message.readUInt16BE(0);
  const reading = readTsig(message);
  if (reading.kind === 'malformed') return updateAnswer(id, [], refusalOf('REQUEST_INVALID', `the TSIG record does not parse: ${reading.detail}`, RCODE.FORMERR));
  const parsed = parseUpdateMessage(reading.kind === 'signed' ? reading.signed.unsigned : message);
  if (!parsed.ok) return updateAnswer(id, [], parsed.refusal);
  const zones = parsed.value.zones;
  if (answerer.update === undefined) return updateAnswer(id, zones, refusalOf('DNS_UPDATE_NOT_AUTHORIZED', 'this server takes no UPDATE (serve --dns-allow-update KEY[=ZONE])', RCODE.NOTIMP));
  if (reading.kind === 'unsigned') {
    return updateAnswer(id, zones, refusalOf('DNS_UPDATE_NOT_AUTHORIZED', 'an UPDATE must be TSIG-signed with a key allowed for the zone (nsupdate -k FILE or -y hmac-sha256:NAME:SECRET)'));
  }
  const now = Math.floor((answerer.tsig?.now() ?? 0) / 1000);
  const verdict = verifyTsig(reading.signed, answerer.tsig?.keys ?? [], { now, seen: answerer.tsig?.seen });
  if (!verdict.ok) return tsigRefusal(id, zones, reading.signed, verdict, now);
  let refusal: UpdateRefusal | undefined;
  try {
    refusal = await decideUpdate(answerer, parsed.value, verdict.key.name);
  } catch (error) {
    answerer.onError?.(error);
    refusal = refusalOf('INTERNAL', 'the update could not be written; nothing was changed');
  }
  const edns = parsed.value.additionals.some((record) => record.type === TYPE.OPT);
  return signMessage(updateAnswer(id, zones, refusal, edns), verdict.key, { timeSigned: now, priorMac: verdict.mac }).message;
}

/** A bad TSIG: NOTAUTH with the TSIG error (RFC 8945 5.2), a FORMERR for a malformed MAC; the EDE says which. */
function tsigRefusal(id: number, zones: UpdateMessage['zones'], signed: SignedMessage, verdict: ReturnType<typeof verifyTsig> & { ok: false }, now: number): Buffer {
  const malformed = verdict.error === 'FORMERR';
  const answer = updateAnswer(id, zones, refusalOf('DNS_UPDATE_NOT_AUTHORIZED', `TSIG ${verdict.error}: ${verdict.detail}`, malformed ? RCODE.FORMERR : RCODE.NOTAUTH));
  return malformed ? answer : tsigErrorAnswer(answer, signed, verdict, now);
}

/**
 * The answer's header (QR, opcode UPDATE, the RCODE) and zone section, and an OPT when the request
 * had one (RFC 6891) or when it carries a refusal's EDE. The EDE goes even to a request without
 * OPT (nsupdate sends none), against RFC 6891 7's MUST NOT: a requester that knows no EDNS skips
 * an additional record it cannot read, while without it `nsupdate -d` could only say REFUSED,
 * never which rule refused.
 */
function updateAnswer(id: number, zones: UpdateMessage['zones'], refusal: UpdateRefusal | undefined, edns = false): Buffer {
  const packet: Packet = {
    id,
    type: 'response',
    flags: (UPDATE_OPCODE << 11) | (refusal?.rcode ?? RCODE.NOERROR),
    questions: zones.map((zone) => ({ name: zone.name, type: 'SOA', class: zone.class === CLASS.IN ? 'IN' : 'ANY' })) as Packet['questions'],
    additionals: refusal !== undefined || edns ? [optRecord(refusal)] : [],
  };
  return dnsPacket.encode(packet);
}

/** An OPT, with the refusal's Extended DNS Error if any: info-code 18 (Prohibited) for REFUSED, 0 (Other) else, and `CODE: detail`. */
function optRecord(refusal: UpdateRefusal | undefined): NonNullable<Packet['additionals']>[number] {
  const options = refusal === undefined ? [] : [{ code: EDE_OPTION, data: edeData(refusal) }];
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options } as unknown as NonNullable<Packet['additionals']>[number];
}

function edeData(refusal: UpdateRefusal): Buffer {
  const infoCode = refusal.rcode === RCODE.REFUSED ? EDE.PROHIBITED : EDE.OTHER;
  const text = utf8Prefix(`${refusal.problem.code}: ${refusal.problem.detail}`, MAX_EDE_TEXT_BYTES);
  const data = Buffer.alloc(2 + text.length);
  data.writeUInt16BE(infoCode, 0);
  text.copy(data, 2);
  return data;
}

/** The UTF-8 bytes of `text`, cut at a character boundary to at most `max` bytes. */
function utf8Prefix(text: string, max: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
