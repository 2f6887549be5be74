import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { createStatusChange } from '../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import dnsPacket, { type Answer } from 'dns-packet';
import { answerMessage, answerTcp, startDnsServer, type RunningDnsServer } from './dns-server.js';
import { ZoneSigner } from './dnssec.js';
import { cutOrMutated } from './test-support/hostile-messages.js';
import { ZoneView } from './zone-view.js';
import { generateZoneKey, type ZoneKey } from './zone-key.js';
import { readTsig, signMessage, type TsigKey } from './tsig.js';
import { ZoneJournal } from './zone-journal.js';

const run = promisify(execFile);
const ZONE = '_agents.acme.com';
let server: RunningDnsServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/**
 * Agents under acme.com (and one under another namespace, and `more` numbered ones), served signed
 * or not; transfers allowed from loopback only if asked, and only with `transferKey` when given.
 */
async function setUp(options: { signed: boolean; allow: boolean; keys?: ZoneKey[]; tsigKeys?: TsigKey[]; transferKey?: string; more?: number }) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  const names = ['agent://acme.com/billing/invoices', 'agent://acme.com/billing/refunds', 'agent://acme.com/support', 'agent://other.org/x'];
  for (let i = 0; i < (options.more ?? 0); i++) names.push(`agent://acme.com/fleet/agent-${i}`);
  for (const [i, name] of names.entries()) expect((await registry.register(registrationFor(testKey(10 + i), name, 1))).ok).toBe(true);
  // Set from the real time of the run, since dig and kdig sign and check TSIG (and delv DNSSEC) by it; then moved by hand.
  const signerClock = manualClock(Date.now());
  const signer = options.signed ? new ZoneSigner(options.keys ?? generateZoneKey('ed25519').key, { now: () => signerClock.now() }) : undefined;
  const view = new ZoneView({
    resolution: registryResolution(registry, clock),
    serial: () => store.logSize(),
    serverName: 'ns1.registry.example',
    ...(signer ? { dnskeys: (zone: string) => signer.dnskeys(zone) } : {}),
    names: async function* () {
      for (let cursor: string | undefined = undefined; ; ) {
        const page = await registry.search({ limit: 100, ...(cursor ? { cursor } : {}) });
        for (const { agent } of page.items) yield agent.name;
        if (page.nextCursor === null) return;
        cursor = page.nextCursor;
      }
    },
  });
  const journal = new ZoneJournal();
  server = await startDnsServer({
    view,
    signer,
    journal,
    host: '127.0.0.1',
    port: 0,
    transferAllowed: (address, keyName) => options.allow && address === '127.0.0.1' && (options.transferKey === undefined || keyName === options.transferKey),
    tsig: { keys: options.tsigKeys ?? [], now: () => signerClock.now() },
  });
  dir = await mkdtemp(join(tmpdir(), 'signpost-axfr-'));
  return { registry, view, signer, journal, signerClock, port: server.port };
}

const axfr = async (port: number) => (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', ZONE, 'AXFR'])).stdout;
const records = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith(';'));

describe('zone transfer (AXFR)', () => {
  it('lists the zone between two SOAs: apex NS, each agent of the namespace (and no other) with its SVCB and TXT', async () => {
    const { port, registry } = await setUp({ signed: false, allow: true });
    const lines = records(await axfr(port));
    expect(lines[0]).toMatch(/^_agents\.acme\.com\.\s+3600\s+IN\s+SOA\s/);
    expect(lines.at(-1)).toBe(lines[0]);
    const owners = [...new Set(lines.slice(1, -1).map((line) => line.split(/\s+/)[0]))];
    // The one-label agent also has its DNS-AID DNS-SD label for the protocol it speaks (a2a), an AliasMode SVCB.
    expect(owners).toEqual(['_agents.acme.com.', '_support._a2a._agents.acme.com.', 'invoices.billing._agents.acme.com.', 'refunds.billing._agents.acme.com.', 'support._agents.acme.com.']);
    expect(lines.filter((line) => /\sSVCB\s/.test(line))).toHaveLength(7);
    expect(lines).toContainEqual(expect.stringMatching(/^_support\._a2a\._agents\.acme\.com\.\s+\d+\s+IN\s+SVCB\s+0 support\._agents\.acme\.com\.$/));
    expect(lines.filter((line) => /\sTXT\s/.test(line))).toHaveLength(3);

    // A revoked agent leaves the zone, and the serial moves.
    const name = 'agent://acme.com/support';
    expect((await registry.changeStatus(name, createStatusChange(testKey(12), name, 'revoke', 'retired', T0 + 1000))).ok).toBe(true);
    const after = records(await axfr(port));
    expect(after.some((line) => line.startsWith('support.') || line.startsWith('_support.'))).toBe(false);
    expect(Number(after[0]!.split(/\s+/)[6])).toBe(Number(lines[0]!.split(/\s+/)[6]) + 1);
  });

  it('a signed zone transfers with RRSIGs and an NSEC chain that ldns-verify-zone accepts, with one key or two of two algorithms (a rollover)', async () => {
    for (const keys of [[generateZoneKey('ed25519').key], [generateZoneKey('ed25519').key, generateZoneKey('ecdsap256').key]]) {
      const { port } = await setUp({ signed: true, allow: true, keys });
      const text = await axfr(port);
      expect(records(text).filter((line) => /\sIN\s+NSEC\s/.test(line))).toHaveLength(5);
      expect(records(text).filter((line) => /\sIN\s+RRSIG\s+NSEC 13 /.test(line))).toHaveLength(keys.length - 1 ? 5 : 0);
      const file = join(dir!, 'zone.txt');
      await writeFile(file, records(text).slice(0, -1).join('\n') + '\n');
      const verified = await run('ldns-verify-zone', [file]);
      expect(verified.stdout + verified.stderr).toMatch(/Zone is verified and complete/);
      await server!.close();
      await rm(dir!, { recursive: true, force: true });
      [server, dir] = [undefined, undefined];
    }
  });

  it('refused to a client not allowed to transfer, and over UDP sends the client to TCP (IXFR: below)', async () => {
    const { port, view } = await setUp({ signed: false, allow: false });
    expect(await axfr(port)).toMatch(/Transfer failed|REFUSED/);
    const query = dnsPacket.encode({ type: 'query', id: 3, questions: [{ type: 'AXFR', name: ZONE }] });
    const overUdp = dnsPacket.decode((await answerMessage({ view }, query, 'udp'))!);
    expect({ tc: overUdp.flag_tc, answers: overUdp.answers }).toEqual({ tc: true, answers: [] });
  });
});

const SECRET = 'c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=';
const TRANSFER_KEY: TsigKey = { name: 'transfer-key', algorithm: 'hmac-sha256', secret: Buffer.from(SECRET, 'base64') };
const OTHER_KEY: TsigKey = { name: 'other-key', algorithm: 'hmac-sha512', secret: Buffer.from(SECRET, 'base64') };

/** A client's transfer: what it printed (stdout and stderr), whether it failed. */
async function transfer(client: 'dig' | 'kdig', port: number, ...args: string[]): Promise<{ text: string; failed: boolean; records: string[] }> {
  const result = await run(client, ['@127.0.0.1', '-p', String(port), ...(client === 'dig' ? ['+norec', '+tries=1'] : ['+retry=0']), ...args, ZONE, 'AXFR']).then(
    ({ stdout, stderr }) => ({ text: stdout + stderr, failed: false }),
    (error: { stdout?: string; stderr?: string }) => ({ text: (error.stdout ?? '') + (error.stderr ?? ''), failed: true }),
  );
  return { ...result, records: records(result.text).filter((line) => /\sIN\s/.test(line)) };
}

describe('zone transfer with TSIG (RFC 8945)', () => {
  it('dig -y and kdig -y transfer a signed zone of several messages, every one signed and checked by the client', async () => {
    const { port } = await setUp({ signed: true, allow: true, tsigKeys: [OTHER_KEY, TRANSFER_KEY], transferKey: 'transfer-key', more: 40 });
    const viaDig = await transfer('dig', port, '-y', `hmac-sha256:transfer-key:${SECRET}`);
    expect(viaDig.failed, viaDig.text).toBe(false);
    expect(viaDig.text).not.toMatch(/verify failure|Transfer failed|Couldn't verify|BAD(SIG|KEY|TIME)/i);
    expect(viaDig.records.filter((line) => /\sIN\s+SOA\s/.test(line))).toHaveLength(2);
    expect(viaDig.records.filter((line) => /\sIN\s+TXT\s/.test(line))).toHaveLength(43);
    const viaKdig = await transfer('kdig', port, '-y', `hmac-sha256:transfer-key:${SECRET}`);
    expect(viaKdig.text).toMatch(/;; Received \d+ B \(([2-9]|\d\d+) messages/);
    expect(viaKdig.text).not.toMatch(/WARNING|;; ERROR|failed/);
    expect(viaKdig.records).toHaveLength(viaDig.records.length);
  });

  it('refused without a TSIG, NOTAUTH with BADSIG for a wrong secret, BADKEY for an unknown key, BADTIME past the fudge: nothing transferred', async () => {
    const { port, signerClock } = await setUp({ signed: false, allow: true, tsigKeys: [TRANSFER_KEY], transferKey: 'transfer-key' });
    const unsigned = await transfer('kdig', port);
    expect(unsigned.text).toMatch(/REFUSED/);
    expect(unsigned.records).toEqual([]);
    // A key the server has, but not the one this address must use: refused too.
    const wrongSecret = await transfer('kdig', port, '-y', `hmac-sha256:transfer-key:${Buffer.from('another-secret-of-32-bytes-long!!').toString('base64')}`);
    expect(wrongSecret.text).toMatch(/server replied with error 'BADSIG'/);
    expect(wrongSecret.records).toEqual([]);
    const unknownKey = await transfer('kdig', port, '-y', `hmac-sha256:unknown-key:${SECRET}`);
    expect(unknownKey.text).toMatch(/server replied with error 'BADKEY'/);
    expect(unknownKey.records).toEqual([]);
    const viaDig = await transfer('dig', port, '-y', `hmac-sha256:unknown-key:${SECRET}`);
    expect(viaDig.text).toMatch(/Transfer failed|NOTAUTH|BADKEY/);
    expect(viaDig.records).toEqual([]);
    signerClock.advance(3_600_000);
    const late = await transfer('kdig', port, '-y', `hmac-sha256:transfer-key:${SECRET}`);
    expect(late.text).toMatch(/server replied with error 'BADTIME'/);
    expect(late.records).toEqual([]);
    signerClock.advance(-3_600_000);
    expect((await transfer('kdig', port, '-y', `hmac-sha256:transfer-key:${SECRET}`)).records.length).toBeGreaterThan(2);
  });

  it('each bad request is one NOTAUTH message with the TSIG error and no records; a bad TSIG is NOTAUTH even where transfers are refused', async () => {
    const { view, signerClock } = await setUp({ signed: false, allow: false, tsigKeys: [TRANSFER_KEY] });
    const request = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'AXFR', name: ZONE }] });
    const now = Math.floor(signerClock.now() / 1000);
    const answerer = { view, tsig: { keys: [TRANSFER_KEY], now: () => signerClock.now() }, transferAllowed: () => true };
    for (const [key, time, error] of [
      [{ ...TRANSFER_KEY, secret: Buffer.from('another-secret-of-32-bytes-long!!') }, now, 16],
      [{ ...TRANSFER_KEY, name: 'unknown-key' }, now, 17],
      [TRANSFER_KEY, now - 301, 18],
    ] as const) {
      const answers = await answerTcp(answerer, signMessage(request, key, { timeSigned: time }).message, '127.0.0.1');
      expect(answers).toHaveLength(1);
      const decoded = dnsPacket.decode(answers[0]!);
      expect({ rcode: (decoded as { rcode?: string }).rcode, answers: decoded.answers }).toEqual({ rcode: 'NOTAUTH', answers: [] });
      const tsig = readTsig(answers[0]!);
      expect(tsig.kind === 'signed' && tsig.signed.rdata.error).toBe(error);
    }
  });

  it('an address allowed with one key refuses a transfer signed with another key the server knows', async () => {
    const { port } = await setUp({ signed: false, allow: true, tsigKeys: [TRANSFER_KEY, OTHER_KEY], transferKey: 'transfer-key' });
    const other = await transfer('kdig', port, '-y', `hmac-sha512:other-key:${SECRET}`);
    expect(other.text).toMatch(/REFUSED/);
    expect(other.records).toEqual([]);
  });

  it('a signed ordinary query gets a signed answer (a secondary asks for the SOA so)', async () => {
    const { port } = await setUp({ signed: false, allow: true, tsigKeys: [TRANSFER_KEY] });
    const { stdout, stderr } = await run('kdig', ['@127.0.0.1', '-p', String(port), '+retry=0', '-y', `hmac-sha256:transfer-key:${SECRET}`, ZONE, 'SOA']);
    expect(stdout + stderr).toMatch(/status: NOERROR/);
    expect(stdout).toMatch(/;; TSIG PSEUDOSECTION:\s+transfer-key\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\./);
    expect(stdout + stderr).not.toMatch(/WARNING/);
  });
});

const codecs = dnsPacket as unknown as Record<'answer', { encode(value: unknown): Buffer }>;
const keyOf = (record: Answer) => codecs.answer.encode(record).toString('hex');
const soaSerial = (record: Answer | undefined) => (record as { data: { serial: number } } | undefined)?.data.serial;

/** An IXFR query from a client holding `serial` (RFC 1995 3: its SOA in the authority section). */
function ixfrQuery(serial: number, authority: Partial<Answer> = {}): Buffer {
  const soa = { type: 'SOA', name: ZONE, ttl: 3600, class: 'IN', data: { mname: 'x', rname: 'y', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 }, ...authority } as Answer;
  return dnsPacket.encode({ type: 'query', id: 11, questions: [{ type: 'IXFR', name: ZONE }], authorities: [soa] });
}

/** Every record of a transfer's messages, in order. */
const recordsOf = (messages: readonly Buffer[]) => messages.flatMap((message) => dnsPacket.decode(message).answers ?? []);

/**
 * A client's copy of the zone after an IXFR answer (RFC 1995 4): a single SOA leaves it, an AXFR-form
 * answer replaces it, an incremental one applies each changeset (its deletions must all be there).
 */
function applyTransfer(copy: ReadonlyMap<string, Answer>, records: readonly Answer[]): { kind: 'up to date' | 'full' | 'incremental'; copy: Map<string, Answer>; steps: number } {
  if (records.length === 1) return { kind: 'up to date', copy: new Map(copy), steps: 0 };
  if (records[1]!.type !== 'SOA') return { kind: 'full', copy: new Map(records.slice(1, -1).map((record) => [keyOf(record), record])), steps: 0 };
  const next = new Map(copy);
  let steps = 0;
  let at = 1;
  while (at < records.length - 1) {
    steps++;
    at++; // the changeset's old SOA
    for (; records[at]!.type !== 'SOA'; at++) expect(next.delete(keyOf(records[at]!)), `deleted ${records[at]!.name} ${records[at]!.type}`).toBe(true);
    at++; // its new SOA
    for (; records[at]!.type !== 'SOA'; at++) next.set(keyOf(records[at]!), records[at]!);
  }
  return { kind: 'incremental', copy: next, steps };
}

describe('incremental zone transfer (IXFR, RFC 1995)', () => {
  const allowed = '127.0.0.1';
  const revoke = async (registry: Registry, name: string, keySeed: number) =>
    expect((await registry.changeStatus(name, createStatusChange(testKey(keySeed), name, 'revoke', 'retired', T0 + 1000))).ok).toBe(true);

  async function transferred(answerer: Parameters<typeof answerTcp>[0], query: Buffer) {
    const records = recordsOf(await answerTcp(answerer, query, allowed));
    return { records, serial: soaSerial(records[0]), zone: new Map(records.slice(1, -1).map((record) => [keyOf(record), record])) };
  }

  for (const signed of [false, true]) {
    it(`${signed ? 'signed' : 'unsigned'}: a revocation and a registration later the client gets only the change, and its copy then equals a fresh AXFR to the byte`, async () => {
      const { registry, view, signer, journal } = await setUp({ signed, allow: true });
      const answerer = { view, signer, journal, transferAllowed: () => true };
      const axfrQuery = dnsPacket.encode({ type: 'query', id: 5, questions: [{ type: 'AXFR', name: ZONE }] });
      const first = await transferred(answerer, axfrQuery);
      await revoke(registry, 'agent://acme.com/support', 12);
      expect((await registry.register(registrationFor(testKey(30), 'agent://acme.com/billing/disputes', 1))).ok).toBe(true);

      const answer = recordsOf(await answerTcp(answerer, ixfrQuery(first.serial!), allowed));
      const applied = applyTransfer(first.zone, answer);
      expect(applied).toMatchObject({ kind: 'incremental', steps: 1 });
      const fresh = await transferred(answerer, axfrQuery);
      expect(soaSerial(answer[0])).toBe(fresh.serial);
      expect([...applied.copy.keys()].sort()).toEqual([...fresh.zone.keys()].sort());
      // Only what changed travels: the revoked agent's RRsets (its DNS-SD alias too) and the new
      // agent's (and, signed, their RRSIGs, the SOA's RRSIG, and the NSECs before them: the apex's
      // and refunds', not invoices').
      const owners = new Set(answer.filter((record) => record.type !== 'SOA').map((record) => record.name));
      const changed = ['_support._a2a._agents.acme.com', 'disputes.billing._agents.acme.com', 'support._agents.acme.com'];
      expect([...owners].sort()).toEqual(signed ? [ZONE, ...changed.slice(0, 2), 'refunds.billing._agents.acme.com', changed[2]] : changed);
      const deletedTypes = answer.slice(2, answer.findIndex((record, i) => i > 1 && record.type === 'SOA')).filter((record) => record.name === 'support._agents.acme.com').map((record) => record.type);
      expect(new Set(deletedTypes)).toEqual(new Set(signed ? ['UNKNOWN_64', 'TXT', 'RRSIG', 'NSEC'] : ['UNKNOWN_64', 'TXT']));
      if (signed) {
        // The copy after the IXFR is a zone that validates.
        const file = join(dir!, 'zone.txt');
        const text = (await run('dig', ['@127.0.0.1', '-p', String(server!.port), '+norec', ZONE, 'AXFR'])).stdout;
        await writeFile(file, records(text).slice(0, -1).join('\n') + '\n');
        const verified = await run('ldns-verify-zone', [file]);
        expect(verified.stdout + verified.stderr).toMatch(/Zone is verified and complete/);
      }
    });
  }

  it('up to date: the SOA alone; several steps behind: the changesets chained; an unknown or dropped serial: the whole zone', async () => {
    const { registry, view, journal } = await setUp({ signed: true, allow: true });
    const answerer = { view, journal, transferAllowed: () => true };
    const axfrQuery = dnsPacket.encode({ type: 'query', id: 5, questions: [{ type: 'AXFR', name: ZONE }] });
    const first = await transferred(answerer, axfrQuery);
    const upToDate = recordsOf(await answerTcp(answerer, ixfrQuery(first.serial!), allowed));
    expect(upToDate.map((record) => [record.type, soaSerial(record)])).toEqual([['SOA', first.serial]]);
    // A client ahead of us (RFC 1995 2) is told our SOA too.
    expect(recordsOf(await answerTcp(answerer, ixfrQuery(first.serial! + 5), allowed))).toHaveLength(1);

    await revoke(registry, 'agent://acme.com/support', 12);
    const second = applyTransfer(first.zone, recordsOf(await answerTcp(answerer, ixfrQuery(first.serial!), allowed)));
    expect(second).toMatchObject({ kind: 'incremental', steps: 1 });
    await revoke(registry, 'agent://acme.com/billing/refunds', 11);
    // Another secondary still at the first serial: two changesets, one after the other.
    const both = applyTransfer(first.zone, recordsOf(await answerTcp(answerer, ixfrQuery(first.serial!), allowed)));
    expect(both).toMatchObject({ kind: 'incremental', steps: 2 });
    const fresh = await transferred(answerer, axfrQuery);
    expect([...both.copy.keys()].sort()).toEqual([...fresh.zone.keys()].sort());
    expect([...both.copy.values()].some((record) => record.name.startsWith('refunds.') || record.name.startsWith('support.'))).toBe(false);

    // Older than any version kept, older still (RFC 1982: across the wrap), and 2^31 away (no order).
    for (const serial of [first.serial! - 1, (first.serial! - 1000 + 2 ** 32) % 2 ** 32, (fresh.serial! + 2 ** 31) % 2 ** 32]) {
      const full = recordsOf(await answerTcp(answerer, ixfrQuery(serial), allowed));
      expect(applyTransfer(new Map(), full).kind, `serial ${serial}`).toBe('full');
      expect(soaSerial(full[0])).toBe(fresh.serial);
    }
    // Without a journal, an IXFR behind gets the whole zone.
    expect(applyTransfer(new Map(), recordsOf(await answerTcp({ view, transferAllowed: () => true }, ixfrQuery(first.serial!), allowed))).kind).toBe('full');
  });

  it('a malformed IXFR is FORMERR (no SOA in the authority section, the SOA of another zone), a refused client is refused, and nothing throws', async () => {
    const { view, journal } = await setUp({ signed: false, allow: true });
    const answerer = { view, journal, transferAllowed: (address: string) => address === allowed };
    const rcodeOf = (messages: Buffer[]) => messages.map((message) => (dnsPacket.decode(message) as { rcode?: string }).rcode);
    const noAuthority = dnsPacket.encode({ type: 'query', id: 3, questions: [{ type: 'IXFR', name: ZONE }] });
    expect(rcodeOf(await answerTcp(answerer, noAuthority, allowed))).toEqual(['FORMERR']);
    expect(rcodeOf(await answerTcp(answerer, ixfrQuery(1, { name: '_agents.other.org' }), allowed))).toEqual(['FORMERR']);
    expect(rcodeOf(await answerTcp(answerer, ixfrQuery(1, { type: 'NS', data: 'ns1.example' } as Partial<Answer>), allowed))).toEqual(['FORMERR']);
    expect(rcodeOf(await answerTcp(answerer, ixfrQuery(1), '192.0.2.1'))).toEqual(['REFUSED']);
    // An authority section cut short does not parse: FORMERR from the message reader.
    const cut = ixfrQuery(1).subarray(0, -6);
    expect(rcodeOf(await answerTcp(answerer, cut, allowed))).toEqual(['FORMERR']);
  });

  it('never throws on truncations or mutations of an IXFR over TCP: every answer is one or more messages that parse', async () => {
    const { registry, view, journal } = await setUp({ signed: true, allow: true });
    const answerer = { view, journal, transferAllowed: () => true };
    await answerTcp(answerer, dnsPacket.encode({ type: 'query', id: 5, questions: [{ type: 'AXFR', name: ZONE }] }), allowed);
    await revoke(registry, 'agent://acme.com/support', 12);
    const query = ixfrQuery(5);
    await fc.assert(
      fc.asyncProperty(
        cutOrMutated(query),
        async (bytes) => {
          for (const message of await answerTcp(answerer, Buffer.from(bytes), allowed)) expect(() => dnsPacket.decode(message)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('over UDP an IXFR gets the current SOA alone, so a client behind asks again over TCP', async () => {
    const { view, journal } = await setUp({ signed: false, allow: true });
    const overUdp = dnsPacket.decode((await answerMessage({ view, journal }, ixfrQuery(1), 'udp'))!);
    expect({ tc: overUdp.flag_tc, aa: overUdp.flag_aa, answers: overUdp.answers?.map((record) => record.type) }).toEqual({ tc: false, aa: true, answers: ['SOA'] });
  });

  it('dig and kdig IXFR=serial get the incremental answer from a real server (over UDP, dig the new SOA alone)', async () => {
    const { registry, port } = await setUp({ signed: true, allow: true, tsigKeys: [TRANSFER_KEY] });
    const axfrText = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', ZONE, 'AXFR'])).stdout;
    const serial = Number(records(axfrText)[0]!.split(/\s+/)[6]);
    await revoke(registry, 'agent://acme.com/support', 12);
    const overUdp = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+notcp', ZONE, `IXFR=${serial}`])).stdout;
    expect(records(overUdp).map((line) => Number(line.split(/\s+/)[6])), overUdp).toEqual([serial + 1]);
    for (const args of [['dig', '+norec'], ['dig', '+norec', '-y', `hmac-sha256:transfer-key:${SECRET}`], ['kdig', '+retry=0'], ['kdig', '+retry=0', '-y', `hmac-sha256:transfer-key:${SECRET}`]]) {
      const [client, ...options] = args as [string, ...string[]];
      const { stdout, stderr } = await run(client, ['@127.0.0.1', '-p', String(port), ...options, ZONE, `IXFR=${serial}`]);
      const lines = records(stdout).filter((line) => /\sIN\s/.test(line));
      const soas = lines.filter((line) => /\sIN\s+SOA\s/.test(line)).map((line) => Number(line.split(/\s+/)[6]));
      // The new SOA, the old one, the deletions, the new one, the additions, the new one.
      expect(soas, `${args.join(' ')}\n${stdout}${stderr}`).toEqual([serial + 1, serial, serial + 1, serial + 1]);
      expect(lines.some((line) => line.startsWith('support._agents.acme.com.') && /\sTXT\s/.test(line))).toBe(true);
      expect(lines.length).toBeLessThan(records(axfrText).length);
      expect(stdout + stderr).not.toMatch(/Transfer failed|Couldn't verify|WARNING|;; ERROR/);
    }
  });
});
