import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { createStatusChange } from '../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import dnsPacket from 'dns-packet';
import { answerMessage, answerTcp, startDnsServer, type RunningDnsServer } from './dns-server.js';
import { ZoneSigner } from './dnssec.js';
import { ZoneView } from './zone-view.js';
import { generateZoneKey, type ZoneKey } from './zone-key.js';
import { readTsig, signMessage, type TsigKey } from './tsig.js';

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
  server = await startDnsServer({
    view,
    signer,
    host: '127.0.0.1',
    port: 0,
    transferAllowed: (address, keyName) => options.allow && address === '127.0.0.1' && (options.transferKey === undefined || keyName === options.transferKey),
    tsig: { keys: options.tsigKeys ?? [], now: () => signerClock.now() },
  });
  dir = await mkdtemp(join(tmpdir(), 'signpost-axfr-'));
  return { registry, view, signerClock, port: server.port };
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

  it('refused to a client not allowed to transfer, and over UDP sends the client to TCP', async () => {
    const { port, view } = await setUp({ signed: false, allow: false });
    expect(await axfr(port)).toMatch(/Transfer failed|REFUSED/);
    for (const type of ['AXFR', 'IXFR']) {
      const query = dnsPacket.encode({ type: 'query', id: 3, questions: [{ type: type as never, name: ZONE }] });
      const overUdp = dnsPacket.decode((await answerMessage({ view }, query, 'udp'))!);
      expect({ type, tc: overUdp.flag_tc, answers: overUdp.answers }).toEqual({ type, tc: true, answers: [] });
    }
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
