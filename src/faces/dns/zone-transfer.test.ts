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
import { answerMessage, startDnsServer, type RunningDnsServer } from './dns-server.js';
import { ZoneSigner } from './dnssec.js';
import { ZoneView } from './zone-view.js';

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

/** Agents under acme.com (and one under another namespace), served signed or not; transfers allowed from loopback only if asked. */
async function setUp(options: { signed: boolean; allow: boolean }) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  const names = ['agent://acme.com/billing/invoices', 'agent://acme.com/billing/refunds', 'agent://acme.com/support', 'agent://other.org/x'];
  for (const [i, name] of names.entries()) expect((await registry.register(registrationFor(testKey(10 + i), name, 1))).ok).toBe(true);
  const signerClock = manualClock(Date.now());
  const signer = options.signed ? new ZoneSigner(testKey(7), { now: () => signerClock.now() }) : undefined;
  const view = new ZoneView({
    resolution: registryResolution(registry, clock),
    serial: () => store.logSize(),
    serverName: 'ns1.registry.example',
    ...(signer ? { dnskey: (zone: string) => signer.dnskey(zone) } : {}),
    names: async function* () {
      for (let cursor: string | undefined = undefined; ; ) {
        const page = await registry.search({ limit: 100, ...(cursor ? { cursor } : {}) });
        for (const { agent } of page.items) yield agent.name;
        if (page.nextCursor === null) return;
        cursor = page.nextCursor;
      }
    },
  });
  server = await startDnsServer({ view, signer, host: '127.0.0.1', port: 0, transferAllowed: (address) => options.allow && address === '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'signpost-axfr-'));
  return { registry, view, port: server.port };
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
    expect(owners).toEqual(['_agents.acme.com.', 'invoices.billing._agents.acme.com.', 'refunds.billing._agents.acme.com.', 'support._agents.acme.com.']);
    expect(lines.filter((line) => /\sSVCB\s/.test(line))).toHaveLength(6);
    expect(lines.filter((line) => /\sTXT\s/.test(line))).toHaveLength(3);

    // A revoked agent leaves the zone, and the serial moves.
    const name = 'agent://acme.com/support';
    expect((await registry.changeStatus(name, createStatusChange(testKey(12), name, 'revoke', 'retired', T0 + 1000))).ok).toBe(true);
    const after = records(await axfr(port));
    expect(after.some((line) => line.startsWith('support.'))).toBe(false);
    expect(Number(after[0]!.split(/\s+/)[6])).toBe(Number(lines[0]!.split(/\s+/)[6]) + 1);
  });

  it('a signed zone transfers with RRSIGs and an NSEC chain that ldns-verify-zone accepts', async () => {
    const { port } = await setUp({ signed: true, allow: true });
    const text = await axfr(port);
    expect(records(text).filter((line) => /\sIN\s+NSEC\s/.test(line))).toHaveLength(4);
    const file = join(dir!, 'zone.txt');
    await writeFile(file, records(text).slice(0, -1).join('\n') + '\n');
    const verified = await run('ldns-verify-zone', [file]);
    expect(verified.stdout + verified.stderr).toMatch(/Zone is verified and complete/);
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
