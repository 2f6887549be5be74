/**
 * The DNS face: an authoritative server on UDP and TCP (node:dgram, node:net; messages by
 * dns-packet, SVCB RDATA by ./svcb.ts) that translates questions to the zone view and answers to
 * DNS:
 * - NODATA with the SOA for negative caching (RFC 2308; no NXDOMAIN, see zone-view.ts);
 * - EDNS(0) with a 1,232-byte payload (the DNS flag day 2020 default); TC over UDP when an answer
 *   does not fit, and the full answer over TCP (RFC 7766);
 * - RRSIGs and NSEC for a query with the DO bit when the zones are signed (dnssec.ts);
 * - ANY answered with one synthesized HINFO (RFC 8482);
 * - AXFR and IXFR over TCP to allowed clients (zone-transfer.ts, incremental from the zone journal,
 *   zone-journal.ts), TSIG-signed requests verified and their answers signed (tsig.ts); an IXFR
 *   over UDP gets the current SOA alone, which sends a client that is behind to TCP (RFC 1995 2);
 * - response-rate limiting of UDP answers per client network, when configured (rate-limit.ts);
 * - RFC 2136 UPDATE, TSIG-signed, carrying signed Signpost documents (dns-update.ts);
 * - FORMERR for a packet that does not parse, NOTIMP for other opcodes, REFUSED outside its zones.
 */
import { createSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import type { DnsAnswerCache } from './answer-cache.js';
import type { ResponseRateLimiter } from './rate-limit.js';
import type { ZoneSigner } from './dnssec.js';
import { answerUpdate, isUpdateRequest, type DnsUpdater } from './dns-update.js';
import { readTsig, signAnswerMessages, signMessage, tsigErrorAnswer, tsigRecordLength, verifyTsig, type TsigKey, type TsigTimes } from './tsig.js';
import { transferAnswer, transferMessages, type TransferRequest } from './zone-transfer.js';
import type { ZoneJournal } from './zone-journal.js';
import type { ZoneView } from './zone-view.js';

/** The largest UDP answer sent when the query says nothing larger (and the most it may ask for). */
export const MAX_UDP_PAYLOAD = 1232;
/** Without EDNS(0), a UDP answer is at most 512 bytes (RFC 1035). */
const CLASSIC_UDP_PAYLOAD = 512;
/** A TCP connection idle this long is closed (RFC 7766 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
/** Most TCP connections open at once by default: each holds a socket and buffers, and a flood of them must not exhaust the process. */
export const DEFAULT_MAX_TCP_CONNECTIONS = 256;
/** Most questions of one TCP connection read but not yet answered: past it the connection is not read until answers go out. */
const MAX_PIPELINED_QUESTIONS = 64;

const RESPONSE_FLAGS = { aa: 1 << 10, tc: 1 << 9, rd: 1 << 8 } as const;

export interface DnsServerOptions extends DnsAnswerer {
  readonly host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  readonly port: number;
  /** Response-rate limiting of UDP answers; without it, none. */
  readonly rateLimiter?: ResponseRateLimiter | undefined;
  /** Most TCP connections open at once (default DEFAULT_MAX_TCP_CONNECTIONS): past it the least recently used idle one is closed, or, none idle, the new one. */
  readonly maxTcpConnections?: number | undefined;
  /** Where a response arriving on the UDP socket goes (a secondary's answer to our NOTIFY); without it, dropped. */
  readonly onUdpResponse?: ((message: Buffer, from: { readonly address: string; readonly port: number }) => void) | undefined;
}

export interface RunningDnsServer {
  readonly port: number;
  /** Send a message from the server's UDP socket (a NOTIFY to a secondary, whose answer comes to `onUdpResponse`). */
  sendUdp(message: Buffer, host: string, port: number): void;
  close(): Promise<void>;
}

/** What answers: the zone view, and the signer when the zones are signed. */
export interface DnsAnswerer {
  readonly view: ZoneView;
  readonly signer?: ZoneSigner | undefined;
  /** Where a failure to answer is reported (the answer is SERVFAIL). */
  readonly onError?: ((error: unknown) => void) | undefined;
  /**
   * Whether a client at this address may transfer zones (AXFR, IXFR), given the TSIG key its
   * request was signed with (undefined: not signed); default: nobody. A request with a bad TSIG
   * never gets this far: it is answered NOTAUTH.
   */
  readonly transferAllowed?: ((address: string, keyName: string | undefined) => boolean) | undefined;
  /** TSIG keys, and the clock (ms) signatures are checked and made by; without keys, a signed request is answered BADKEY. */
  readonly tsig?: { readonly keys: readonly TsigKey[]; readonly now: () => number; readonly seen?: TsigTimes | undefined } | undefined;
  /** Ready answers; without it every question is answered afresh. */
  readonly cache?: DnsAnswerCache | undefined;
  /** Who may UPDATE which zone, and the registry writes an UPDATE makes; without it UPDATE is NOTIMP. */
  readonly update?: DnsUpdater | undefined;
  /** The zones' versions and changesets for incremental transfers; without it an IXFR gets the whole zone. */
  readonly journal?: ZoneJournal | undefined;
}

const TRANSFER_TYPES = new Set(['AXFR', 'IXFR']);

/** A query read off a message, its TSIG (if any) verified: the key and MAC its answer is signed with. */
interface Request {
  readonly query: Packet;
  readonly tsig?: { readonly key: TsigKey; readonly mac: Buffer } | undefined;
}

/** The request in a message, or what to send back instead: FORMERR, NOTAUTH for a bad TSIG, or nothing (not a query, no header). */
function readRequest(answerer: DnsAnswerer, message: Buffer): Request | { readonly reply: Buffer | undefined } {
  const id = message.length >= 2 ? message.readUInt16BE(0) : 0;
  const formErrOrNothing = () => ({ reply: message.length >= 12 && (message[2]! & 0x80) === 0 ? formErr(id) : undefined });
  const reading = readTsig(message);
  if (reading.kind === 'malformed') return formErrOrNothing();
  let query: Packet;
  try {
    query = { ...dnsPacket.decode(reading.kind === 'signed' ? reading.signed.unsigned : message), id };
  } catch {
    // A header we can read gets FORMERR; anything shorter is dropped, as there is no id to answer.
    return formErrOrNothing();
  }
  if (query.type !== 'query') return { reply: undefined };
  if (reading.kind === 'unsigned') return { query };
  const now = Math.floor((answerer.tsig?.now() ?? 0) / 1000);
  const verdict = verifyTsig(reading.signed, answerer.tsig?.keys ?? [], { now, seen: answerer.tsig?.seen });
  if (verdict.ok) return { query, tsig: verdict };
  const rcode = verdict.error === 'FORMERR' ? RCODE.FORMERR : RCODE.NOTAUTH;
  const answer = dnsPacket.encode({ id, type: 'response', flags: rcode, questions: query.questions ?? [] });
  // RFC 8945 5.2: a TSIG error answer carries a TSIG saying which; a FORMERR carries none.
  return { reply: verdict.error === 'FORMERR' ? answer : tsigErrorAnswer(answer, reading.signed, verdict, now) };
}

/**
 * Answer one message over TCP: a zone transfer (AXFR, or IXFR: incremental when the journal can)
 * as several messages, to an allowed client; anything else as answerMessage does. A signed request gets
 * every message of its answer signed (RFC 8945 5.3.1).
 */
export async function answerTcp(answerer: DnsAnswerer, message: Buffer, remoteAddress: string): Promise<Buffer[]> {
  if (isUpdateRequest(message)) return [await answerUpdate(answerer, message)];
  const request = readRequest(answerer, message);
  if ('reply' in request) return request.reply ? [request.reply] : [];
  const { query, tsig } = request;
  const question = query.questions?.[0];
  if (question === undefined || !TRANSFER_TYPES.has(question.type)) {
    const answer = await answerRequest(answerer, request, 'tcp');
    return answer ? [answer] : [];
  }
  const sign = (messages: Buffer[]) => (tsig ? signAnswerMessages(messages, tsig.key, tsig.mac, Math.floor(answerer.tsig!.now() / 1000)) : messages);
  const refuse = () => sign([dnsPacket.encode({ id: query.id ?? 0, type: 'response', flags: RCODE.REFUSED, questions: [question] })]);
  const zone = answerer.view.zoneOf(question.name);
  if (!answerer.transferAllowed?.(remoteAddress, tsig?.key.name) || zone === undefined || question.name.toLowerCase().replace(/\.$/, '') !== zone) return refuse();
  const transfer = transferRequestOf(query, question.type, zone);
  // RFC 1995 3: an IXFR names the client's version with an SOA of the zone in its authority section.
  if (transfer === undefined) return sign([dnsPacket.encode({ id: query.id ?? 0, type: 'response', flags: RCODE.FORMERR, questions: [question] })]);
  try {
    return sign(transferMessages(query, await transferAnswer(answerer.view, zone, answerer.signer, answerer.journal, transfer)));
  } catch (error) {
    answerer.onError?.(error);
    return sign([dnsPacket.encode({ id: query.id ?? 0, type: 'response', flags: RCODE.SERVFAIL, questions: [question] })]);
  }
}

/** What a transfer query asks for; undefined for an IXFR without the zone's SOA in its authority section. */
function transferRequestOf(query: Packet, type: string, zone: string): TransferRequest | undefined {
  if (type === 'AXFR') return { type: 'AXFR' };
  const soa = query.authorities?.find((record) => record.type === 'SOA' && record.name.toLowerCase().replace(/\.$/, '') === zone);
  const serial = (soa as { data?: { serial?: unknown } } | undefined)?.data?.serial;
  return typeof serial === 'number' ? { type: 'IXFR', serial } : undefined;
}

/** Answer one DNS message; undefined when nothing should be sent back (not a query, not even a header). */
export async function answerMessage(answerer: DnsAnswerer, message: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
  const key = answerer.cache ? cacheKeyOf(message, transport) : undefined;
  return cachedUnder(answerer, key, message) ?? answerAfresh(answerer, message, transport, key);
}

/** A message the cache has no answer for: an UPDATE, or a read request (whose answer is kept under `key`). */
async function answerAfresh(answerer: DnsAnswerer, message: Buffer, transport: 'udp' | 'tcp', key: string | undefined): Promise<Buffer | undefined> {
  if (isUpdateRequest(message)) return answerUpdate(answerer, message);
  const request = readRequest(answerer, message);
  if ('reply' in request) return request.reply;
  return answerRequest(answerer, request, transport, key);
}

/**
 * The cache's fast path, synchronous: the question read off the bytes (`cacheKeyOf`), so a hit
 * costs no decoding, no promise and no turn of the event loop (bench/dns).
 */
function cachedUnder(answerer: DnsAnswerer, key: string | undefined, message: Buffer): Buffer | undefined {
  return key === undefined ? undefined : answerer.cache!.get(key, message.readUInt16BE(0));
}

/** The answer to a read request (signed with its TSIG key when it was signed), kept in the cache under `key` when it comes from a zone. */
async function answerRequest(answerer: DnsAnswerer, { query, tsig }: Request, transport: 'udp' | 'tcp', key?: string): Promise<Buffer> {
  const opt = query.additionals?.find((record) => record.type === 'OPT') as { udpPayloadSize?: number; flags?: number } | undefined;
  const size = transport === 'tcp' ? 65_535 : opt ? Math.max(CLASSIC_UDP_PAYLOAD, Math.min(opt.udpPayloadSize ?? CLASSIC_UDP_PAYLOAD, MAX_UDP_PAYLOAD)) : CLASSIC_UDP_PAYLOAD;
  // The TSIG record is added after the answer is made: it must fit too.
  const limit = tsig ? size - tsigRecordLength(tsig.key) : size;
  // Signatures only for a resolver that asks for them (the DO bit, RFC 3225), and only when the zones are signed.
  const signer = opt && ((opt.flags ?? 0) & dnsPacket.DNSSEC_OK) !== 0 ? answerer.signer : undefined;
  const question = query.questions?.[0];
  const base = {
    id: query.id ?? 0,
    type: 'response' as const,
    questions: question ? [question] : [],
    additionals: opt ? [{ type: 'OPT', name: '.', udpPayloadSize: MAX_UDP_PAYLOAD, flags: signer ? dnsPacket.DNSSEC_OK : 0 } as unknown as Answer] : [],
  };
  const rd = (query.flags ?? 0) & RESPONSE_FLAGS.rd;
  const reply = (rcode: number, rest: Partial<Packet> = {}, authoritative = true) =>
    encodeWithin({ ...base, ...rest, flags: rd | (authoritative ? RESPONSE_FLAGS.aa : 0) | rcode }, limit);
  const answer = await answerQuestion(answerer, query, question, signer, reply, key);
  return tsig ? signMessage(answer, tsig.key, { timeSigned: Math.floor(answerer.tsig!.now() / 1000), priorMac: tsig.mac }).message : answer;
}

async function answerQuestion(answerer: DnsAnswerer, query: Packet, question: Question | undefined, signer: ZoneSigner | undefined, reply: Reply, key: string | undefined): Promise<Buffer> {
  const opcode = (query as Packet & { opcode?: string }).opcode;
  if (opcode !== undefined && opcode !== 'QUERY') return reply(RCODE.NOTIMP, {}, false);
  if (question === undefined || (query.questions?.length ?? 0) !== 1) return reply(RCODE.FORMERR, {}, false);
  if (question.class !== 'IN' && question.class !== 'ANY') return reply(RCODE.REFUSED, {}, false);
  // RFC 1995 2: the current SOA alone; a client behind it asks again over TCP.
  if (question.type === 'IXFR') return answerIxfrWithSoa(answerer, question, signer, reply);
  // Transfers are TCP only (RFC 5936 4.2): TC sends the client there.
  if (question.type === 'AXFR') return reply(RCODE.NOERROR | RESPONSE_FLAGS.tc, {}, false);
  const zone = answerer.view.zoneOf(question.name);
  const generation = zone === undefined ? 0 : (answerer.cache?.generation(zone) ?? 0);
  const answer = await answerFromZone(answerer, question, signer, reply);
  // Only answers from a zone (AA) are kept: a REFUSED or SERVFAIL is answered afresh each time.
  if (key !== undefined && zone !== undefined && (answer.readUInt16BE(2) & RESPONSE_FLAGS.aa) !== 0) answerer.cache!.set(zone, key, answer, generation);
  return answer;
}

/**
 * The cache key of a plain query, read straight off its bytes: one question with an uncompressed
 * name (its case kept: the answer echoes it), at most one additional record that is an OPT, and
 * the header bits that shape the answer (opcode, RD). The key holds everything of the query the
 * answer's bytes depend on but the id. Undefined for anything else, which is answered afresh.
 */
function cacheKeyOf(message: Buffer, transport: 'udp' | 'tcp'): string | undefined {
  if (message.length < 17 || message.length > 512) return undefined;
  const flags = message.readUInt16BE(2);
  if ((flags & 0xf800) !== 0 /* QR or an opcode */ || message.readUInt16BE(4) !== 1 || message.readUInt32BE(6) !== 0) return undefined;
  const additionals = message.readUInt16BE(10);
  if (additionals > 1) return undefined;
  let at = 12;
  for (let length = message[at]!; length !== 0; length = message[at]!) {
    if (length > 63 || at + 1 + length >= message.length) return undefined;
    at += 1 + length;
  }
  const questionEnd = at + 5;
  if (questionEnd > message.length) return undefined;
  let opt = '';
  if (additionals === 1) {
    // An OPT: root name, type 41, then its class (UDP size) and TTL (extended rcode, version, DO).
    if (questionEnd + 11 > message.length || message[questionEnd] !== 0 || message.readUInt16BE(questionEnd + 1) !== 41) return undefined;
    opt = message.toString('latin1', questionEnd + 3, questionEnd + 9);
  } else if (questionEnd !== message.length) return undefined;
  return `${transport}${flags & RESPONSE_FLAGS.rd}${message.toString('latin1', 12, questionEnd)}${opt}`;
}

type Reply = (rcode: number, rest?: Partial<Packet>, authoritative?: boolean) => Buffer;

/** The answer the zone view gives now: records (signed when asked), NODATA with the SOA (and NSEC), REFUSED or SERVFAIL. */
async function answerFromZone(answerer: DnsAnswerer, question: Question, signer: ZoneSigner | undefined, reply: Reply): Promise<Buffer> {
  try {
    const found = await answerer.view.answer({ name: question.name, type: question.type });
    if (found.kind === 'refused') return reply(RCODE.REFUSED, {}, false);
    if (found.kind === 'nodata') {
      const soa = negative(found.soa);
      if (!signer) return reply(RCODE.NOERROR, { authorities: [soa] });
      const nsec = signer.nsec(found.name, found.types, (soa as { ttl: number }).ttl);
      return reply(RCODE.NOERROR, { authorities: [soa, ...signer.sign([soa], found.zone), nsec, ...signer.sign([nsec], found.zone)] });
    }
    // RFC 8482: ANY gets one small synthesized record, not the whole node.
    const answers = (question.type as string) === 'ANY' ? [{ type: 'HINFO', name: found.name, ttl: 3600, class: 'IN', data: { cpu: 'RFC8482', os: '' } } as Answer] : [...found.records];
    return reply(RCODE.NOERROR, { answers: signer ? [...answers, ...signer.sign(answers, found.zone)] : answers });
  } catch (error) {
    answerer.onError?.(error);
    return reply(RCODE.SERVFAIL, {}, false);
  }
}

/** An IXFR over UDP: the zone's SOA (signed when asked), for the zone's apex only. */
async function answerIxfrWithSoa(answerer: DnsAnswerer, question: Question, signer: ZoneSigner | undefined, reply: Reply): Promise<Buffer> {
  if (answerer.view.zoneOf(question.name) !== question.name.toLowerCase().replace(/\.$/, '')) return reply(RCODE.REFUSED, {}, false);
  return answerFromZone(answerer, { ...question, type: 'SOA' }, signer, reply);
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9 } as const;

/** The SOA of a negative answer lives as long as its MINIMUM (RFC 2308 section 5). */
function negative(soa: Answer): Answer {
  const minimum = (soa as { data: { minimum: number } }).data.minimum;
  return { ...soa, ttl: Math.min((soa as { ttl?: number }).ttl ?? minimum, minimum) } as Answer;
}

/** The encoded answer, or, when it is larger than the client takes over UDP, the same header and question with TC set. */
function encodeWithin(packet: Packet & { flags: number }, limit: number): Buffer {
  const full = dnsPacket.encode(packet);
  if (full.length <= limit) return full;
  return dnsPacket.encode({ ...packet, flags: packet.flags | RESPONSE_FLAGS.tc, answers: [], authorities: [] });
}

/** The answer's header and question with TC set: the client asks again over TCP. */
function truncated(answer: Buffer): Buffer {
  const packet = dnsPacket.decode(answer);
  return dnsPacket.encode({ ...packet, flags: (packet.flags ?? 0) | RESPONSE_FLAGS.tc, answers: [], authorities: [], additionals: [] });
}

function formErr(id: number): Buffer {
  return dnsPacket.encode({ id, type: 'response', flags: RCODE.FORMERR, questions: [] });
}

/** Listen on UDP and TCP at the same port. */
export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  const connections = new TcpConnections(options.maxTcpConnections ?? DEFAULT_MAX_TCP_CONNECTIONS);
  const tcp = createServer((socket) => {
    if (connections.admit(socket)) serveTcp(socket, options, connections);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const port = (tcp.address() as { port: number }).port;
  const udp = createSocket(isIPv6(options.host) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, options.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeTcp(tcp, connections);
    throw error;
  }
  udp.on('message', (message, from) => answerDatagram(options, message, from, (answer) => udp.send(answer, from.port, from.address)));
  // A send that fails later (an unreachable client) is reported, never thrown: nothing a client sends may stop the server.
  udp.on('error', (error) => options.onError?.(error));
  return {
    port,
    sendUdp: (message, host, to) => udp.send(message, to, host),
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await closeTcp(tcp, connections);
    },
  };
}

/**
 * One datagram: a response goes to `onUdpResponse` (a secondary answering our NOTIFY), a question
 * is answered through `send`. Port 0 is no client's (a forged source: node:dgram cannot even send
 * there), and a failing send is reported through onError: a datagram never throws out of here.
 */
export function answerDatagram(options: DnsServerOptions, message: Buffer, from: { readonly address: string; readonly port: number }, send: (answer: Buffer) => void): void {
  if (from.port === 0) return;
  // A response (QR set) is no question: the answer of a secondary to a NOTIFY we sent.
  if (message.length >= 12 && (message[2]! & 0x80) !== 0) return options.onUdpResponse?.(message, from);
  const decision = options.rateLimiter?.decide(from.address) ?? 'answer';
  if (decision === 'drop') return;
  const reply = (answer: Buffer | undefined) => {
    if (answer === undefined) return;
    try {
      send(decision === 'truncate' ? truncated(answer) : answer);
    } catch (error) {
      options.onError?.(error);
    }
  };
  // The key is read once: a miss goes on with it, without a second look at the cache.
  const key = options.cache ? cacheKeyOf(message, 'udp') : undefined;
  const cached = cachedUnder(options, key, message);
  if (cached) reply(cached);
  else answerAfresh(options, message, 'udp', key).then(reply, (error: unknown) => options.onError?.(error));
}

/**
 * The open TCP connections, least recently used first, with the questions each has in hand. At the
 * cap a new connection closes the least recently used idle one (RFC 7766 6.2.2: a server under
 * pressure closes idle connections first); when every one is busy, the new one is closed instead.
 */
export class TcpConnections {
  /** Insertion order is use order: a connection is moved to the end whenever it is used. */
  readonly #busy = new Map<Socket, number>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.#busy.size;
  }

  admit(socket: Socket): boolean {
    if (this.#busy.size >= this.max) {
      const idle = [...this.#busy].find(([, questions]) => questions === 0)?.[0];
      if (idle === undefined) {
        socket.destroy();
        return false;
      }
      this.#forget(idle);
      idle.destroy();
    }
    this.#busy.set(socket, 0);
    socket.once('close', () => this.#forget(socket));
    return true;
  }

  /** A question read off the connection: it is in use; the count of its unanswered questions. */
  began(socket: Socket): number {
    const questions = (this.#busy.get(socket) ?? 0) + 1;
    this.#forget(socket);
    this.#busy.set(socket, questions);
    return questions;
  }

  /** A question answered; the count of its unanswered questions. */
  ended(socket: Socket): number {
    const questions = Math.max(0, (this.#busy.get(socket) ?? 1) - 1);
    if (this.#busy.has(socket)) this.#busy.set(socket, questions);
    return questions;
  }

  closeAll(): void {
    for (const socket of [...this.#busy.keys()]) socket.destroy();
  }

  #forget(socket: Socket): void {
    this.#busy.delete(socket);
  }
}

/**
 * RFC 1035 4.2.2: each message behind a two-byte length; several may share a connection, answered in
 * order. The connection is not read while it has MAX_PIPELINED_QUESTIONS questions unanswered or
 * answers the client has not taken yet (a write that filled the socket's buffer, until 'drain'): a
 * client that sends faster than it reads holds no unbounded memory.
 */
function serveTcp(socket: Socket, options: DnsServerOptions, connections: TcpConnections): void {
  let pending = Buffer.alloc(0);
  let answering = Promise.resolve();
  let unanswered = 0;
  const readIfReady = () => {
    if (!socket.destroyed && socket.isPaused() && unanswered < MAX_PIPELINED_QUESTIONS && !socket.writableNeedDrain) socket.resume();
  };
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('drain', readIfReady);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      unanswered = connections.began(socket);
      if (unanswered >= MAX_PIPELINED_QUESTIONS) socket.pause();
      answering = answering.then(async () => {
        try {
          for (const answer of await answerTcp(options, Buffer.from(message), socket.remoteAddress ?? '')) {
            if (socket.destroyed) return;
            const framed = Buffer.alloc(2 + answer.length);
            framed.writeUInt16BE(answer.length, 0);
            answer.copy(framed, 2);
            if (!socket.write(framed)) socket.pause();
          }
        } catch (error) {
          options.onError?.(error);
          socket.destroy();
        } finally {
          unanswered = connections.ended(socket);
          readIfReady();
        }
      });
    }
  });
}

async function closeTcp(server: Server, connections: TcpConnections): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    connections.closeAll();
  });
}
