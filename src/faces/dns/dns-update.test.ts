import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, type ErrorCode } from '../../core/errors.js';
import { Registry } from '../../core/registry/registry.js';
import { createTombstone, createStatusChange } from '../../core/record/registration.js';
import { createDeployment } from '../../core/record/deployment.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { toBase64Url } from '../../core/trust/encoding.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { answerMessage, answerTcp } from './dns-server.js';
import { rcodeOf, updateTxtStrings, type AgentWrites, type UpdateDocumentKind } from './dns-update.js';
import { readTsig, signMessage, TSIG_ERRORS, verifyTsig, type TsigKey } from './tsig.js';
import { svcb } from './svcb.js';
import { ZoneView } from './zone-view.js';

const NAME = 'agent://acme.com/billing/invoices';
const NODE = 'invoices.billing._agents.acme.com';
const ZONE = '_agents.acme.com';
const KEY: TsigKey = { name: 'update-key', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 7) };
const OTHER_KEY: TsigKey = { name: 'other-key', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 8) };
/** The TSIG clock (s): UPDATEs are signed and checked at this time. */
const NOW = Math.floor(T0 / 1000) + 1;
const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
const TYPE = { A: 1, TXT: 16, SVCB: 64, ANY: 255 } as const;

interface Rr {
  readonly name: string;
  readonly type: number;
  readonly class?: number;
  readonly ttl?: number;
  readonly rdata?: Buffer;
}

/** An UPDATE message on the wire (names uncompressed), as nsupdate sends it: zone, prerequisites, updates. */
function updateMessage(options: { zone?: string; zoneType?: number; prerequisites?: Rr[]; updates?: Rr[]; id?: number; edns?: boolean }): Buffer {
  const name = (text: string) => Buffer.concat([...text.split('.').filter(Boolean).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 42, 0);
  header.writeUInt16BE(5 << 11, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(options.prerequisites?.length ?? 0, 6);
  header.writeUInt16BE(options.updates?.length ?? 0, 8);
  header.writeUInt16BE(options.edns ? 1 : 0, 10);
  const zone = Buffer.alloc(4);
  zone.writeUInt16BE(options.zoneType ?? 6, 0);
  zone.writeUInt16BE(CLASS.IN, 2);
  const record = (rr: Rr) => {
    const fixed = Buffer.alloc(10);
    const rdata = rr.rdata ?? Buffer.alloc(0);
    fixed.writeUInt16BE(rr.type, 0);
    fixed.writeUInt16BE(rr.class ?? CLASS.IN, 2);
    fixed.writeUInt32BE(rr.ttl ?? 0, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([name(rr.name), fixed, rdata]);
  };
  const opt = options.edns ? [record({ name: '', type: 41, class: 1232 })] : [];
  return Buffer.concat([header, name(options.zone ?? ZONE), zone, ...(options.prerequisites ?? []).map(record), ...(options.updates ?? []).map(record), ...opt]);
}

/** TXT RDATA of character-strings. */
function txt(strings: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(strings.flatMap((text) => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
    return [Buffer.from([bytes.length]), bytes];
  }));
}

const documentTxt = (kind: UpdateDocumentKind, document: unknown, node = NODE): Rr => ({ name: node, type: TYPE.TXT, ttl: 300, rdata: txt(updateTxtStrings(kind, document)) });
const signed = (message: Buffer, key = KEY) => signMessage(message, key, { timeSigned: NOW }).message;
const endpointAt = (host: string) => ({ claims: { label: 'Invoices', description: 'Invoices', endpoints: { static: [{ url: `https://${host}/a2a`, protocol: 'a2a' }] } } });

/** A registry with the invoices agent (key 1, sequence 10, endpoint on agents.acme.com) and a DNS face that takes UPDATEs signed by KEY for ZONE. */
async function setUp(options: { writes?: AgentWrites; allowed?: (keyName: string, zone: string) => boolean; flatNamespaces?: string[] } = {}) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  expect((await registry.register(registrationFor(testKey(1), NAME, 10, endpointAt('agents.acme.com')))).ok).toBe(true);
  const view = new ZoneView({
    resolution: registryResolution(registry, clock),
    serial: () => store.logSize(),
    serverName: 'ns1.registry.example',
    ...(options.flatNamespaces ? { flatNamespaces: options.flatNamespaces } : {}),
  });
  const errors: unknown[] = [];
  const applied: unknown[] = [];
  const answerer = {
    view,
    tsig: { keys: [KEY, OTHER_KEY], now: () => NOW * 1000 },
    update: {
      writes: options.writes ?? registry,
      allowed: options.allowed ?? ((keyName: string, zone: string) => keyName === KEY.name && zone === ZONE),
      onApplied: (change: unknown) => applied.push(change),
    },
    onError: (error: unknown) => errors.push(error),
  };
  const ask = async (message: Buffer, transport: 'udp' | 'tcp' = 'udp') => {
    const answer = transport === 'udp' ? (await answerMessage(answerer, message, 'udp'))! : (await answerTcp(answerer, message, '127.0.0.1'))[0]!;
    const reading = readTsig(answer);
    const unsigned = reading.kind === 'signed' ? reading.signed.unsigned : answer;
    const decoded = dnsPacket.decode(unsigned);
    return { answer, decoded, rcode: answer.readUInt16BE(2) & 0x0f, ede: extendedErrorOf(answer), tsig: reading.kind === 'signed' ? reading.signed : undefined };
  };
  const targets = async () => {
    const found = await view.answer({ name: NODE, type: 'SVCB' });
    return found.kind === 'answer' ? found.records.map((record) => svcb.decode((record as unknown as { data: Buffer }).data).target) : [];
  };
  return { ...answerer, store, clock, registry, ask, targets, errors, applied };
}

/** The Extended DNS Error of an answer (RFC 8914, EDNS option 15): info-code and EXTRA-TEXT, if any. */
function extendedErrorOf(answer: Buffer): { infoCode: number; text: string } | undefined {
  const reading = readTsig(answer);
  const decoded = dnsPacket.decode(reading.kind === 'signed' ? reading.signed.unsigned : answer);
  const opt = decoded.additionals?.find((record) => record.type === 'OPT') as { options?: { code: number; data: Buffer }[] } | undefined;
  const option = opt?.options?.find((candidate) => candidate.code === 15);
  return option === undefined ? undefined : { infoCode: option.data.readUInt16BE(0), text: option.data.toString('utf8', 2) };
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10 } as const;

/** The refusal expected: the RCODE, the EDE's code (and info-code 18 for REFUSED), and nothing written. */
async function expectRefused(setup: Awaited<ReturnType<typeof setUp>>, message: Buffer, rcode: number, code: ErrorCode, text?: RegExp) {
  const before = { log: await setup.store.logSize(), targets: await setup.targets(), applied: [...setup.applied] };
  const { rcode: got, ede, decoded } = await setup.ask(message);
  expect({ rcode: got, code: ede?.text.split(':')[0] }).toEqual({ rcode, code });
  expect(ede?.infoCode).toBe(rcode === RCODE.REFUSED ? 18 : 0);
  if (text) expect(ede!.text).toMatch(text);
  expect((decoded as { opcode?: string }).opcode).toBe('UPDATE');
  expect({ log: await setup.store.logSize(), targets: await setup.targets(), applied: setup.applied }).toEqual(before);
}

describe('DNS UPDATE: publishing through the registry rules', () => {
  it('a TSIG-signed UPDATE adding a registration with a higher sequence moves the endpoint (UDP and TCP), answered NOERROR and signed', async () => {
    const setup = await setUp();
    expect(await setup.targets()).toEqual(['agents.acme.com']);
    const update = signed(updateMessage({ updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('new.acme.com')))] }));
    const { rcode, ede, tsig, decoded } = await setup.ask(update);
    expect({ rcode, ede }).toEqual({ rcode: RCODE.NOERROR, ede: undefined });
    expect(decoded).toMatchObject({ id: 42, type: 'response', opcode: 'UPDATE', questions: [{ name: ZONE, type: 'SOA' }] });
    // The answer is signed with the request's key, over the request's MAC.
    const requestMac = (readTsig(update) as { signed: { rdata: { mac: Buffer } } }).signed.rdata.mac;
    expect(verifyTsig(tsig!, [KEY], { now: NOW, priorMac: requestMac }).ok).toBe(true);
    expect(await setup.targets()).toEqual(['new.acme.com']);
    expect((await setup.registry.lookup(NAME)).ok && (await setup.registry.lookup(NAME))).toMatchObject({ value: { seq: 11 } });
    expect(decoded.additionals).toEqual([]);
    expect(setup.applied).toEqual([{ keyName: KEY.name, kind: 'registration', name: NAME }]);

    // Over TCP, and with EDNS: the answer has an OPT too (RFC 6891), without an EDE.
    const overTcp = signed(updateMessage({ edns: true, updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 12, endpointAt('tcp.acme.com')))] }));
    const tcp = await setup.ask(overTcp, 'tcp');
    expect({ rcode: tcp.rcode, ede: tcp.ede, additionals: tcp.decoded.additionals?.map((record) => record.type) }).toEqual({ rcode: RCODE.NOERROR, ede: undefined, additionals: ['OPT'] });
    expect(await setup.targets()).toEqual(['tcp.acme.com']);
  });

  it("in a namespace served whole the UPDATE's zone is the namespace; its _agents zone is then no zone of ours", async () => {
    const setup = await setUp({ flatNamespaces: ['acme.com'], allowed: (keyName, zone) => keyName === KEY.name && zone === 'acme.com' });
    const document = documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('flat.acme.com')));
    const stale = await setup.ask(signed(updateMessage({ zone: ZONE, updates: [document] })));
    expect([stale.rcode, stale.ede?.text]).toEqual([9 /* NOTAUTH */, expect.stringMatching(/^DNS_UPDATE_NOT_ZONE: _agents\.acme\.com is not a zone of this server/)]);
    expect(await setup.targets()).toEqual(['agents.acme.com']);
    expect((await setup.ask(signed(updateMessage({ zone: 'acme.com', updates: [document] })))).rcode).toBe(0);
    expect(await setup.targets()).toEqual(['flat.acme.com']);
    // A namespace below the flat one keeps its own _agents zone: the key for acme.com does not reach it.
    const size = await setup.store.logSize();
    const below = documentTxt('registration', registrationFor(testKey(5), 'agent://eu.acme.com/bot', 1, endpointAt('bot.eu.acme.com')), 'bot._agents.eu.acme.com');
    const refused = await setup.ask(signed(updateMessage({ zone: 'acme.com', updates: [below] })));
    expect([refused.rcode, refused.ede?.text]).toEqual([10 /* NOTZONE */, 'DNS_UPDATE_NOT_ZONE: the update names bot._agents.eu.acme.com, outside acme.com']);
    expect(await setup.store.logSize()).toBe(size);
  });

  it('a replay of the same UPDATE is REFUSED with SEQUENCE_STALE, and a rollback too', async () => {
    const setup = await setUp();
    const update = signed(updateMessage({ updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('new.acme.com')))] }));
    expect((await setup.ask(update)).rcode).toBe(RCODE.NOERROR);
    await expectRefused(setup, update, RCODE.REFUSED, 'SEQUENCE_STALE', /^SEQUENCE_STALE: sequence 11 is not above the stored 11 \(a replay/);
    const rollback = signed(updateMessage({ updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 5, endpointAt('old.acme.com')))] }));
    await expectRefused(setup, rollback, RCODE.REFUSED, 'SEQUENCE_STALE');
  });

  it('a forged document is REFUSED: another key for the bound name, a payload changed after signing', async () => {
    const setup = await setUp();
    const otherKey = registrationFor(testKey(2), NAME, 11, endpointAt('evil.example'));
    await expectRefused(setup, signed(updateMessage({ updates: [documentTxt('registration', otherKey)] })), RCODE.REFUSED, 'NAME_TAKEN');
    const genuine = registrationFor(testKey(1), NAME, 11, endpointAt('new.acme.com'));
    const tampered = { ...genuine, addr: { ...genuine.addr, payload: { ...genuine.addr.payload, ttl: 1 } } };
    await expectRefused(setup, signed(updateMessage({ updates: [documentTxt('registration', tampered)] })), RCODE.REFUSED, 'RECORD_SIGNATURE_INVALID');
  });

  it('a malformed document is FORMERR with the code the registry gives', async () => {
    const setup = await setUp();
    const genuine = registrationFor(testKey(1), NAME, 11);
    const { facts: _facts, ...noFacts } = genuine;
    await expectRefused(setup, signed(updateMessage({ updates: [documentTxt('registration', noFacts)] })), RCODE.FORMERR, 'REQUEST_INVALID', /facts/);
  });

  it('a status change revokes (the name holds nothing after), a tombstone deregisters, a deployment is taken', async () => {
    const setup = await setUp();
    const deployment = createDeployment(testKey(1), NAME, [{ id: 'eu-1', url: 'https://eu-1.acme.com/a2a', protocol: 'a2a' }] as never, T0 + 1000);
    const deployed = await setup.ask(signed(updateMessage({ updates: [documentTxt('deployment', deployment)] })));
    expect({ rcode: deployed.rcode, ede: deployed.ede }).toEqual({ rcode: RCODE.NOERROR, ede: undefined });
    expect((await setup.registry.lookup(NAME)).ok && (await setup.registry.lookup(NAME))).toMatchObject({ value: { deployment: { payload: { at: deployment.payload.at } } } });

    const revoke = createStatusChange(testKey(1), NAME, 'revoke', 'key leaked', T0 + 2000);
    expect((await setup.ask(signed(updateMessage({ updates: [documentTxt('status-change', revoke)] })))).rcode).toBe(RCODE.NOERROR);
    expect(await setup.view.answer({ name: NODE, type: 'TXT' })).toMatchObject({ kind: 'nodata' });
    // Revoked is final: a tombstone afterwards is refused with the registry's reason.
    const tombstone = createTombstone(testKey(1), NAME, 10 ** 9);
    await expectRefused(setup, signed(updateMessage({ updates: [documentTxt('tombstone', tombstone)] })), RCODE.REFUSED, 'AGENT_REVOKED');
  });

  it('a tombstone deregisters: the name holds nothing, and the same tombstone again is REFUSED', async () => {
    const setup = await setUp();
    const update = signed(updateMessage({ updates: [documentTxt('tombstone', createTombstone(testKey(1), NAME, 11))] }));
    expect((await setup.ask(update)).rcode).toBe(RCODE.NOERROR);
    expect(await setup.view.answer({ name: NODE, type: 'SVCB' })).toMatchObject({ kind: 'nodata' });
    await expectRefused(setup, update, RCODE.REFUSED, 'SEQUENCE_STALE');
  });
});

describe('DNS UPDATE: who may send one', () => {
  const good = () => updateMessage({ updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('new.acme.com')))] });

  it('unsigned: REFUSED; signed by a key not allowed for the zone: REFUSED; no --dns-allow-update: NOTIMP', async () => {
    const setup = await setUp();
    await expectRefused(setup, good(), RCODE.REFUSED, 'DNS_UPDATE_NOT_AUTHORIZED', /must be TSIG-signed/);
    await expectRefused(setup, signed(good(), OTHER_KEY), RCODE.REFUSED, 'DNS_UPDATE_NOT_AUTHORIZED', /TSIG key other-key may not update _agents\.acme\.com/);
    const closed = await answerMessage({ view: setup.view }, signed(good()), 'udp');
    expect({ rcode: closed!.readUInt16BE(2) & 0x0f, ede: extendedErrorOf(closed!)?.text }).toEqual({ rcode: RCODE.NOTIMP, ede: expect.stringMatching(/^DNS_UPDATE_NOT_AUTHORIZED: this server takes no UPDATE/) });
  });

  it('a bad TSIG is NOTAUTH with the TSIG error: a wrong secret BADSIG, an unknown key BADKEY, an old signature BADTIME', async () => {
    const setup = await setUp();
    const tsigErrorOf = (answer: Buffer) => (readTsig(answer) as { signed: { rdata: { error: number } } }).signed.rdata.error;
    const cases: [TsigKey, number, number][] = [
      [{ ...KEY, secret: Buffer.alloc(32, 1) }, NOW, TSIG_ERRORS.BADSIG],
      [{ ...KEY, name: 'unknown-key' }, NOW, TSIG_ERRORS.BADKEY],
      [KEY, NOW - 3600, TSIG_ERRORS.BADTIME],
    ];
    for (const [key, time, error] of cases) {
      const before = await setup.store.logSize();
      const { answer, rcode, ede } = await setup.ask(signMessage(good(), key, { timeSigned: time }).message);
      expect({ rcode, error: tsigErrorOf(answer), code: ede?.text.split(':')[0] }).toEqual({ rcode: RCODE.NOTAUTH, error, code: 'DNS_UPDATE_NOT_AUTHORIZED' });
      expect(await setup.store.logSize()).toBe(before);
    }
  });
});

describe('DNS UPDATE: what it may hold', () => {
  it('a zone not ours is NOTAUTH, a zone section that is no SOA question FORMERR, a record outside the zone NOTZONE', async () => {
    const setup = await setUp({ allowed: () => true });
    const document = documentTxt('registration', registrationFor(testKey(1), NAME, 11));
    await expectRefused(setup, signed(updateMessage({ zone: 'acme.com', updates: [document] })), RCODE.NOTAUTH, 'DNS_UPDATE_NOT_ZONE', /acme\.com is not a zone of this server/);
    await expectRefused(setup, signed(updateMessage({ zone: `billing.${ZONE}`, updates: [document] })), RCODE.NOTAUTH, 'DNS_UPDATE_NOT_ZONE');
    await expectRefused(setup, signed(updateMessage({ zoneType: 1, updates: [document] })), RCODE.FORMERR, 'REQUEST_INVALID');
    await expectRefused(setup, signed(updateMessage({ zone: '_agents.other.org', updates: [document] })), RCODE.NOTZONE, 'DNS_UPDATE_NOT_ZONE', /outside _agents\.other\.org/);
  });

  it('the TXT must be at the node of the agent the document names: elsewhere REFUSED', async () => {
    const setup = await setUp();
    const elsewhere = documentTxt('registration', registrationFor(testKey(1), NAME, 11), `refunds.billing.${ZONE}`);
    await expectRefused(setup, signed(updateMessage({ updates: [elsewhere] })), RCODE.REFUSED, 'RECORD_NAME_MISMATCH', /is for agent:\/\/acme\.com\/billing\/invoices \(node invoices\.billing\._agents\.acme\.com\), not refunds/);
  });

  it('a TXT that is not a signpost-v1 document is FORMERR: wrong first string, unknown kind, bad base64url, not JSON, too large', async () => {
    const setup = await setUp();
    const json = Buffer.from(JSON.stringify(registrationFor(testKey(1), NAME, 11)));
    const encoded = toBase64Url(json);
    const cases: [readonly (string | Buffer)[], ErrorCode, RegExp][] = [
      [['hello world'], 'DNS_UPDATE_PAYLOAD_INVALID', /first string must be "signpost-v1 <kind>"/],
      [['signpost-v2 registration', encoded.slice(0, 200)], 'DNS_UPDATE_PAYLOAD_INVALID', /first string/],
      [['signpost-v1 grant', encoded.slice(0, 200)], 'DNS_UPDATE_PAYLOAD_INVALID', /kind "grant" is not one of registration, deployment, status-change, tombstone/],
      [['signpost-v1 registration', `${encoded.slice(0, 100)}+/=`], 'DNS_UPDATE_PAYLOAD_INVALID', /not base64url/],
      [['signpost-v1 registration', toBase64Url(Buffer.from('{"addr": '))], 'REQUEST_MALFORMED_JSON', /not JSON/],
      [['signpost-v1 registration', toBase64Url(Buffer.from('{"a":1,"a":2}'))], 'REQUEST_MALFORMED_JSON', /duplicate/],
      [['signpost-v1 registration', toBase64Url(Buffer.from('[]'))], 'RECORD_INVALID', /names no agent/],
      [['signpost-v1 registration', ...Array.from({ length: 180 }, () => 'A'.repeat(255))], 'REQUEST_TOO_LARGE', /larger than 32768 bytes/],
    ];
    for (const [strings, code, text] of cases) {
      await expectRefused(setup, signed(updateMessage({ updates: [{ name: NODE, type: TYPE.TXT, rdata: txt(strings) }] })), RCODE.FORMERR, code, text);
    }
    // A broken TXT RDATA (a string running past it) and a message that does not parse.
    await expectRefused(setup, signed(updateMessage({ updates: [{ name: NODE, type: TYPE.TXT, rdata: Buffer.from([200, 1, 2]) }] })), RCODE.FORMERR, 'DNS_UPDATE_PAYLOAD_INVALID');
    const truncated = updateMessage({ updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 11))] });
    await expectRefused(setup, signed(truncated.subarray(0, truncated.length - 5)), RCODE.FORMERR, 'REQUEST_INVALID', /does not parse/);
  });

  it('deletions, other types and two documents in one UPDATE are REFUSED, nothing of them applied', async () => {
    const setup = await setUp();
    const cases: [Rr[], RegExp][] = [
      [[{ name: NODE, type: TYPE.SVCB, class: CLASS.ANY }], /deleting records .* is not supported/],
      [[{ name: NODE, type: TYPE.ANY, class: CLASS.ANY }], /deleting records/],
      [[{ name: NODE, type: TYPE.TXT, class: CLASS.NONE, rdata: txt(['x']) }], /deleting records/],
      [[{ name: NODE, type: TYPE.A, ttl: 300, rdata: Buffer.from([192, 0, 2, 1]) }], /type 1 at invoices\.billing\._agents\.acme\.com: an UPDATE adds only a TXT/],
      [
        [documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('first.acme.com'))), documentTxt('registration', registrationFor(testKey(1), NAME, 12, endpointAt('second.acme.com')))],
        /2 documents in one UPDATE/,
      ],
      // A good document beside an unsupported record: the document is not applied either.
      [[documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('first.acme.com'))), { name: NODE, type: TYPE.SVCB, class: CLASS.ANY }], /deleting records/],
    ];
    for (const [updates, text] of cases) await expectRefused(setup, signed(updateMessage({ updates })), RCODE.REFUSED, 'DNS_UPDATE_UNSUPPORTED', text);
  });

  it('prerequisites are checked against what the zone serves now (RFC 2136 3.2), before anything is written', async () => {
    const setup = await setUp();
    const document = () => documentTxt('registration', registrationFor(testKey(1), NAME, 11, endpointAt('new.acme.com')));
    const prerequisite = (name: string, type: number, klass: number): Rr => ({ name, type, class: klass });
    const unknown = `nobody.${ZONE}`;
    const failing: [Rr, number, RegExp][] = [
      [prerequisite(NODE, TYPE.ANY, CLASS.NONE), RCODE.YXDOMAIN, /invoices\.billing\._agents\.acme\.com is in use/],
      [prerequisite(unknown, TYPE.ANY, CLASS.ANY), RCODE.NXDOMAIN, /nobody\._agents\.acme\.com is not in use/],
      [prerequisite(NODE, TYPE.TXT, CLASS.NONE), RCODE.YXRRSET, /holds RRset of type 16/],
      [prerequisite(unknown, TYPE.SVCB, CLASS.ANY), RCODE.NXRRSET, /holds no RRset of type 64/],
    ];
    for (const [rr, rcode, text] of failing) await expectRefused(setup, signed(updateMessage({ prerequisites: [rr], updates: [document()] })), rcode, 'DNS_UPDATE_PREREQUISITE_FAILED', text);
    await expectRefused(setup, signed(updateMessage({ prerequisites: [{ name: NODE, type: TYPE.TXT, rdata: txt(['x']) }], updates: [document()] })), RCODE.NOTIMP, 'DNS_UPDATE_UNSUPPORTED', /value-dependent/);
    await expectRefused(setup, signed(updateMessage({ prerequisites: [{ ...prerequisite(NODE, TYPE.ANY, CLASS.ANY), ttl: 5 }], updates: [document()] })), RCODE.FORMERR, 'REQUEST_INVALID', /TTL 5/);
    await expectRefused(setup, signed(updateMessage({ prerequisites: [prerequisite('www.acme.com', TYPE.ANY, CLASS.ANY)], updates: [document()] })), RCODE.NOTZONE, 'DNS_UPDATE_NOT_ZONE');

    // All hold: the name is in use, it has an SVCB RRset, the other name is not in use; then the document is applied.
    const holding = [prerequisite(NODE, TYPE.ANY, CLASS.ANY), prerequisite(NODE, TYPE.SVCB, CLASS.ANY), prerequisite(unknown, TYPE.ANY, CLASS.NONE), prerequisite(ZONE, 6, CLASS.ANY)];
    expect((await setup.ask(signed(updateMessage({ prerequisites: holding, updates: [document()] })))).rcode).toBe(RCODE.NOERROR);
    expect(await setup.targets()).toEqual(['new.acme.com']);
    // Prerequisites alone (no update): a test of the zone, answered NOERROR.
    expect((await setup.ask(signed(updateMessage({ prerequisites: [prerequisite(NODE, TYPE.ANY, CLASS.ANY)] })))).rcode).toBe(RCODE.NOERROR);
  });

  it('a store that fails is SERVFAIL with INTERNAL, reported', async () => {
    const failing: AgentWrites = {
      register: () => Promise.reject(new Error('disk full')),
      publishDeployment: () => Promise.reject(new Error('disk full')),
      changeStatus: () => Promise.reject(new Error('disk full')),
      deregister: () => Promise.reject(new Error('disk full')),
    };
    const setup = await setUp({ writes: failing });
    await expectRefused(setup, signed(updateMessage({ updates: [documentTxt('registration', registrationFor(testKey(1), NAME, 11))] })), RCODE.SERVFAIL, 'INTERNAL');
    expect(setup.errors).toEqual([new Error('disk full')]);
  });
});

describe('DNS UPDATE: hostile bytes', () => {
  it('answers every mutation, truncation and random tail of a signed UPDATE with a header, and writes nothing', async () => {
    const setup = await setUp();
    const update = signed(updateMessage({ prerequisites: [{ name: NODE, type: TYPE.ANY, class: CLASS.ANY }], updates: [documentTxt('tombstone', createTombstone(testKey(1), NAME, 11))] }));
    const header = update.subarray(0, 12);
    const before = await setup.store.logSize();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((tail) => Buffer.concat([header, tail])),
          fc.nat({ max: update.length - 1 }).map((end) => Buffer.concat([header, update.subarray(12, Math.max(12, end))])),
          // (A "mutation" to the same byte would be the genuine UPDATE, which is applied.)
          fc.tuple(fc.integer({ min: 12, max: update.length - 1 }), fc.integer({ min: 0, max: 255 })).filter(([at, byte]) => update[at] !== byte).map(([at, byte]) => {
            const mutated = Buffer.from(update);
            mutated[at] = byte;
            return mutated;
          }),
        ),
        async (bytes) => {
          for (const transport of ['udp', 'tcp'] as const) {
            const answer = transport === 'udp' ? await answerMessage(setup, bytes, 'udp') : (await answerTcp(setup, bytes, '127.0.0.1'))[0];
            expect(answer!.readUInt16BE(0)).toBe(bytes.readUInt16BE(0));
          }
        },
      ),
      { numRuns: 300 },
    );
    // A mutation can only break the TSIG, never forge it: nothing was written.
    expect(await setup.store.logSize()).toBe(before);
  });
});

describe('rcodeOf', () => {
  it('maps every catalogued code to an RCODE: a rule that refuses REFUSED, malformed input FORMERR, a failure to serve SERVFAIL', () => {
    for (const code of Object.keys(errorCatalogue) as ErrorCode[]) expect([1, 2, 5, 10], code).toContain(rcodeOf(code));
    expect([rcodeOf('SEQUENCE_STALE'), rcodeOf('NAME_TAKEN'), rcodeOf('RECORD_SIGNATURE_INVALID'), rcodeOf('RECORD_EXPIRED'), rcodeOf('SEQUENCE_TOO_FAR_AHEAD')]).toEqual([5, 5, 5, 5, 5]);
    expect([rcodeOf('RECORD_INVALID'), rcodeOf('REQUEST_MALFORMED_JSON'), rcodeOf('FACTS_DIGEST_MISMATCH')]).toEqual([1, 1, 1]);
    expect([rcodeOf('INTERNAL'), rcodeOf('NAMESPACE_PROOF_UNAVAILABLE')]).toEqual([2, 2]);
  });
});

describe('updateTxtStrings', () => {
  it('makes the test vector of spec section 25: the tombstone of the agent key, sequence 11', () => {
    const tombstone = createTombstone(testKey(1), NAME, 11);
    expect(tombstone.sig).toBe('CRKWtAKZaUle7_DIAQ0L7oSuYBrX6UHXTSrEhI7yNt-T7fvEn3NlQ3SbVQ3SPJJjumNd-ICSw1QGyZiM-QSqCw');
    expect(updateTxtStrings('tombstone', tombstone)).toEqual([
      'signpost-v1 tombstone',
      'eyJwYXlsb2FkIjp7InR5cGUiOiJBZ2VudFRvbWJzdG9uZSIsInYiOjEsIm5hbWUiOiJhZ2VudDovL2FjbWUuY29tL2JpbGxpbmcvaW52b2ljZXMiLCJhZ2VudElkIjoiZGlkOmtleTp6Nk1rb24zTmVjZDZOa2t5Zm9Hb0h4aWQyem5HYzU5TFUzSzdtdWJhUmNGYkxmTFgiLCJzZXEiOjExfSwic2lnIjoiQ1JLV3RBS1phVWxlN19ESUFRMEw',
      '3b1N1WUJyWDZVSFhUU3JFaEk3eU50LVQ3ZnZFbjNObFEzU2JWUTNTUEpKanVtTmQtSUNTdzFRR3laaU0tUVNxQ3cifQ',
    ]);
  });


  it('is the version and kind, then base64url of the JSON in strings of at most 255 bytes', () => {
    const document = { payload: { name: NAME }, sig: 'x'.repeat(600) };
    const strings = updateTxtStrings('tombstone', document);
    expect(strings[0]).toBe('signpost-v1 tombstone');
    expect(strings.slice(1).every((text) => text.length <= 255 && /^[\w-]+$/.test(text))).toBe(true);
    expect(JSON.parse(Buffer.from(strings.slice(1).join(''), 'base64url').toString('utf8'))).toEqual(document);
  });
});
