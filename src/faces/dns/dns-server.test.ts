import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { createStatusChange } from '../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { answerDatagram, answerMessage, startDnsServer, type RunningDnsServer } from './dns-server.js';
import { cutOrMutated } from './test-support/hostile-messages.js';
import { ZoneView } from './zone-view.js';
import { DnsAnswerCache } from './answer-cache.js';

const run = promisify(execFile);
const NAME = 'agent://acme.com/billing/invoices';
const OWNER = 'invoices.billing._agents.acme.com';
const owner = testKey(1);
let server: RunningDnsServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.registry.example' });
  // With the answer cache, invalidated by every write as the app wires it.
  const cache = new DnsAnswerCache({ now: () => clock.now() });
  registry.onChange(() => cache.invalidateZone('_agents.acme.com'));
  server = await startDnsServer({ view, cache, host: '127.0.0.1', port: 0 });
  return { registry, store, view, cache, clock, port: server.port };
}

/** `dig` as an operator runs it; its full text output. */
async function dig(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('dig', [`@127.0.0.1`, '-p', String(port), '+norec', '+time=5', '+tries=1', ...args]);
  return stdout;
}

const statusOf = (text: string) => /status: (\w+)/.exec(text)?.[1];
const flagsOf = (text: string) => /;; flags: ([^;]+);/.exec(text)?.[1]?.trim().split(' ');
const section = (text: string, name: string) => {
  const match = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(text);
  return match ? match[1]!.split('\n').filter((line) => line.trim() !== '') : [];
};

describe('the DNS face, asked by dig', () => {
  it('answers SVCB per signed endpoint (alpn, port, DNS-AID keys) and a TXT with the compact signed AgentAddr, authoritatively', async () => {
    const { port } = await setUp();
    const svcbAnswer = await dig(port, OWNER, 'SVCB');
    expect(statusOf(svcbAnswer)).toBe('NOERROR');
    expect(flagsOf(svcbAnswer)).toContain('aa');
    const records = section(svcbAnswer, 'ANSWER');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatch(/^invoices\.billing\._agents\.acme\.com\.\s+3600\s+IN\s+SVCB\s+1 agents\.acme\.com\. alpn="a2a,h2" port=443 key65400="https:\/\/registry\.example\/v1\/agents\/[^"]+" key65401="[\w-]{43}" key65402="a2a" key65409="agent-card\.json"$/);
    expect(records[1]).toMatch(/SVCB\s+2 agents\.acme\.com\. alpn="h2,http\/1\.1" port=443 .* key65402="https"$/);

    const txt = section(await dig(port, OWNER, 'TXT'), 'ANSWER');
    expect(txt).toHaveLength(1);
    expect(txt[0]).toMatch(/^invoices\.billing\._agents\.acme\.com\.\s+3600\s+IN\s+TXT\s+"/);
  });

  it('NODATA with the SOA for an unknown name, a name above an agent and a type the name has not (no NXDOMAIN: black lies); REFUSED outside its zones; the serial is the log size', async () => {
    const { port, store } = await setUp();
    const missing = await dig(port, 'nobody.billing._agents.acme.com', 'SVCB');
    expect(statusOf(missing)).toBe('NOERROR');
    expect(section(missing, 'ANSWER')).toEqual([]);
    expect(flagsOf(missing)).toContain('aa');
    // An empty non-terminal above an agent is no denial of the agent (RFC 8020).
    expect(statusOf(await dig(port, 'billing._agents.acme.com', 'SVCB'))).toBe('NOERROR');
    const [soa] = section(missing, 'AUTHORITY');
    expect(soa).toMatch(new RegExp(`^_agents\\.acme\\.com\\.\\s+60\\s+IN\\s+SOA\\s+ns1\\.registry\\.example\\. hostmaster\\.ns1\\.registry\\.example\\. ${await store.logSize()} 3600 600 604800 60$`));

    const noData = await dig(port, OWNER, 'A');
    expect(statusOf(noData)).toBe('NOERROR');
    expect(section(noData, 'ANSWER')).toEqual([]);
    expect(section(noData, 'AUTHORITY')[0]).toMatch(/SOA/);

    expect(statusOf(await dig(port, 'www.example.com', 'A'))).toBe('REFUSED');
    const apex = section(await dig(port, '_agents.acme.com', 'NS'), 'ANSWER');
    expect(apex).toEqual([expect.stringMatching(/^_agents\.acme\.com\.\s+3600\s+IN\s+NS\s+ns1\.registry\.example\.$/)]);
  });

  it('a revoked agent is gone from DNS (NODATA) the moment the revocation is accepted, and the serial moves', async () => {
    const { port, registry, cache } = await setUp();
    const before = await dig(port, '_agents.acme.com', 'SOA', '+short');
    expect(section(await dig(port, OWNER, 'SVCB'), 'ANSWER')).toHaveLength(2);
    // Asked again, from the cache.
    expect(section(await dig(port, OWNER, 'SVCB'), 'ANSWER')).toHaveLength(2);
    expect(cache.size).toBe(2);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key stolen', T0 + 1000))).ok).toBe(true);
    const gone = await dig(port, OWNER, 'SVCB');
    expect(statusOf(gone)).toBe('NOERROR');
    expect(section(gone, 'ANSWER')).toEqual([]);
    const serial = (text: string) => Number(text.trim().split(' ')[2]);
    expect(serial(await dig(port, '_agents.acme.com', 'SOA', '+short'))).toBe(serial(before) + 1);
  });

  it('ANY gets one synthesized HINFO (RFC 8482); an answer too large for UDP sets TC and dig retries over TCP', async () => {
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: testKey(9), clock });
    const endpoints = Array.from({ length: 12 }, (_, i) => ({ url: `https://region-${i}.agents.acme.com/invoices/a2a`, protocol: 'a2a' }));
    const registration = registrationFor(owner, NAME, 1, { claims: { label: 'Invoices', description: 'Many endpoints', endpoints: { static: endpoints } } });
    expect((await registry.register(registration)).ok).toBe(true);
    const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.registry.example' });
    server = await startDnsServer({ view, host: '127.0.0.1', port: 0 });

    const any = await dig(server.port, OWNER, 'ANY');
    expect(section(any, 'ANSWER')).toEqual([expect.stringMatching(/HINFO\s+"RFC8482" ""$/)]);
    const udpOnly = await dig(server.port, OWNER, 'SVCB', '+noedns', '+ignore');
    expect(flagsOf(udpOnly)).toContain('tc');
    expect(section(udpOnly, 'ANSWER')).toEqual([]);
    const retried = await dig(server.port, OWNER, 'SVCB', '+noedns');
    expect(retried).toContain('Truncated, retrying in TCP mode');
    expect(section(retried, 'ANSWER')).toHaveLength(12);
    // Twelve endpoints are about 2.8 KB: past the 1,232 bytes of EDNS(0) too, whatever the client offers.
    expect(flagsOf(await dig(server.port, OWNER, 'SVCB', '+bufsize=4096', '+ignore'))).toContain('tc');
    // Two endpoints do not fit in the 512 bytes of plain DNS, and do in EDNS(0)'s 1,232.
    await server.close();
    server = undefined;
    const { port } = await setUp();
    expect(flagsOf(await dig(port, OWNER, 'SVCB', '+noedns', '+ignore'))).toContain('tc');
    expect(flagsOf(await dig(port, OWNER, 'SVCB', '+bufsize=1232', '+ignore'))).not.toContain('tc');
  });

  it('kdig parses the same records', async () => {
    const { port } = await setUp();
    const { stdout } = await run('kdig', ['@127.0.0.1', '-p', String(port), '+norec', OWNER, 'SVCB']);
    expect(stdout).toMatch(/status: NOERROR/);
    expect(stdout).toMatch(/SVCB\s+1 agents\.acme\.com\. alpn=a2a,h2 port=443 key65400=/);
  });
});

describe('hostile packets', () => {
  it('a datagram from port 0 (a forged source) is dropped, and a send that throws is reported, never thrown: cached and fresh answers alike', async () => {
    const { view, cache } = await setUp();
    const errors: unknown[] = [];
    const options = { view, cache, host: '127.0.0.1', port: 0, onError: (error: unknown) => errors.push(error) };
    const query = dnsPacket.encode({ id: 3, type: 'query', questions: [{ type: 'TXT', name: OWNER }] });
    const sent: Buffer[] = [];
    answerDatagram(options, query, { address: '192.0.2.1', port: 0 }, (answer) => sent.push(answer));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([]);
    const failing = () => {
      throw Object.assign(new Error('bad port'), { code: 'ERR_SOCKET_BAD_PORT' });
    };
    // The first time from the zone (a promise), the second from the cache (synchronously).
    for (let i = 0; i < 2; i++) {
      expect(() => answerDatagram(options, query, { address: '192.0.2.1', port: 5353 }, failing)).not.toThrow();
      while (errors.length < i + 1) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(['ERR_SOCKET_BAD_PORT', 'ERR_SOCKET_BAD_PORT']);
    expect(cache.size).toBe(1);
  });

  it('garbage with a readable header gets FORMERR, shorter garbage nothing, a response is never answered, another opcode NOTIMP', async () => {
    const { view } = await setUp();
    const garbage = Buffer.from('123456789012345678', 'utf8');
    const answer = await answerMessage({ view }, garbage, 'udp');
    expect(dnsPacket.decode(answer!)).toMatchObject({ id: garbage.readUInt16BE(0), type: 'response', rcode: 'FORMERR' });
    expect(await answerMessage({ view }, Buffer.from([1, 2, 3]), 'udp')).toBeUndefined();
    const response = dnsPacket.encode({ type: 'response', id: 7, questions: [{ type: 'A', name: OWNER }] });
    expect(await answerMessage({ view }, response, 'udp')).toBeUndefined();
    const notify = dnsPacket.encode({ type: 'query', id: 8, flags: 4 << 11 /* opcode NOTIFY */, questions: [{ type: 'SOA', name: '_agents.acme.com' }] });
    expect(dnsPacket.decode((await answerMessage({ view }, notify, 'udp'))!)).toMatchObject({ id: 8, rcode: 'NOTIMP' });
  });

  it('never throws or hangs on random bytes, truncations or mutations of a real query', async () => {
    const { view } = await setUp();
    const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'SVCB' as never, name: OWNER }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), cutOrMutated(query)),
        async (bytes) => {
          const answer = await answerMessage({ view }, Buffer.from(bytes), 'udp');
          if (answer !== undefined) expect(answer.length).toBeLessThanOrEqual(1232);
        },
      ),
      { numRuns: 500 },
    );
  });
});
