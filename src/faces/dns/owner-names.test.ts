/**
 * The DNS-AID owner names beside the `_agents` one: the organization index, the DNS-SD labels
 * scanners probe, the flat names of a namespace served whole, and TLSA for endpoints there; checked
 * in the zone view, by dig and kdig (which must parse every record), and by delv (which must
 * validate them).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { createStatusChange } from '../../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { startDnsServer, type RunningDnsServer } from './dns-server.js';
import { ZoneSigner } from './dnssec.js';
import { svcb } from './svcb.js';
import { generateZoneKey } from './zone-key.js';
import { ZoneView, type ZoneAnswer } from './zone-view.js';
import { transferRecords } from './zone-transfer.js';

const run = promisify(execFile);
const SPKI_SHA256 = 'a3'.repeat(32);
/** A one-label agent speaking A2A and MCP at its own flat name (with its TLS key's digest), and a two-label one. */
const AGENTS = [
  {
    name: 'agent://acme.com/support',
    key: testKey(1),
    endpoints: [
      { url: 'https://support.acme.com:8443/a2a', protocol: 'a2a', tlsSpkiSha256: SPKI_SHA256 },
      { url: 'https://mcp.example.net/support', protocol: 'mcp' },
    ],
  },
  { name: 'agent://acme.com/billing/invoices', key: testKey(2), endpoints: [{ url: 'https://agents.acme.com/invoices', protocol: 'a2a', tlsSpkiSha256: SPKI_SHA256 }] },
] as const;

let server: RunningDnsServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function viewOf(options: { flat?: boolean; registryUrl?: string; signed?: boolean } = {}) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  for (const agent of AGENTS) {
    const registration = registrationFor(agent.key, agent.name, 1, { claims: { label: 'x', description: 'x', endpoints: { static: agent.endpoints as never } } });
    expect((await registry.register(registration)).ok).toBe(true);
  }
  const signer = options.signed ? new ZoneSigner(generateZoneKey('ed25519').key, { now: () => Date.now() }) : undefined;
  const view = new ZoneView({
    resolution: registryResolution(registry, clock),
    serial: () => store.logSize(),
    serverName: 'ns1.registry.example',
    names: async function* () {
      for (const agent of AGENTS) yield agent.name;
    },
    ...(signer ? { dnskeys: (zone: string) => signer.dnskeys(zone) } : {}),
    ...(options.flat ? { flatNamespaces: ['acme.com'] } : {}),
    ...(options.registryUrl === undefined ? {} : { registryUrl: options.registryUrl }),
  });
  return { view, registry, signer, clock };
}

function records(answer: ZoneAnswer): { name: string; type: string; data: unknown }[] {
  if (answer.kind !== 'answer') throw new Error(`expected records, got ${answer.kind}`);
  return answer.records as never;
}

const decoded = (answer: ZoneAnswer) => records(answer).map((record) => svcb.decode(record.data as Buffer));

describe('DNS-AID owner names in the _agents zone', () => {
  it('_index._agents.<namespace> points at the registry: ServiceMode SVCB to its host and port, cap = the search URL; nothing without an https public URL', async () => {
    const { view } = await viewOf({ registryUrl: 'https://registry.example:8443/base' });
    const [index] = decoded(await view.answer({ name: '_index._agents.acme.com', type: 'SVCB' }));
    expect(index).toEqual({
      priority: 1,
      target: 'registry.example',
      params: [
        { key: 'alpn', protocols: ['h2', 'http/1.1'] },
        { key: 'port', port: 8443 },
        { key: 'cap', value: 'https://registry.example:8443/base/v1/search?namespace=acme.com' },
      ],
    });
    for (const registryUrl of [undefined, 'http://registry.example', 'https://10.0.0.1']) {
      const { view: without } = await viewOf(registryUrl === undefined ? {} : { registryUrl });
      expect((await without.answer({ name: '_index._agents.acme.com', type: 'SVCB' })).kind).toBe('nodata');
    }
  });

  it('a one-label agent has a DNS-SD label per protocol it speaks, an AliasMode SVCB to its owner name; none for a protocol it does not speak, for a two-label agent, or once revoked', async () => {
    const { view, registry } = await viewOf();
    for (const protocol of ['a2a', 'mcp']) {
      expect(decoded(await view.answer({ name: `_support._${protocol}._agents.acme.com`, type: 'SVCB' }))).toEqual([{ priority: 0, target: 'support._agents.acme.com', params: [] }]);
    }
    expect((await view.answer({ name: '_invoices._a2a._agents.acme.com', type: 'SVCB' })).kind).toBe('nodata');
    expect((await view.answer({ name: '_support._https._agents.acme.com', type: 'SVCB' })).kind).toBe('nodata');
    expect((await view.answer({ name: '_support._a2a._agents.other.org', type: 'SVCB' })).kind).toBe('nodata');

    const name = AGENTS[0].name;
    expect((await registry.changeStatus(name, createStatusChange(AGENTS[0].key, name, 'revoke', 'retired', T0 + 1000))).ok).toBe(true);
    expect((await view.answer({ name: '_support._a2a._agents.acme.com', type: 'SVCB' })).kind).toBe('nodata');
  });

  it('no TLSA outside a namespace served whole: the endpoint hosts are not names of the _agents zone', async () => {
    const { view } = await viewOf();
    expect((await view.answer({ name: '_8443._tcp.support.acme.com', type: 'TLSA' })).kind).toBe('refused');
    expect((await view.answer({ name: '_8443._tcp.support._agents.acme.com', type: 'TLSA' })).kind).toBe('nodata');
  });
});

describe('names at the length limit', () => {
  it('an agent whose owner name fills 253 octets gets no DNS-SD label or TLSA (they would be longer): its zone still transfers and parses', async () => {
    const namespace = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(49)}.com`;
    const name = `agent://${namespace}/${'d'.repeat(63)}`;
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: testKey(9), clock });
    const endpoints = [{ url: `https://${'d'.repeat(63)}.${namespace}/a2a`, protocol: 'a2a', tlsSpkiSha256: SPKI_SHA256 }];
    expect((await registry.register(registrationFor(testKey(3), name, 1, { claims: { label: 'x', description: 'x', endpoints: { static: endpoints as never } } }))).ok).toBe(true);
    const view = new ZoneView({
      resolution: registryResolution(registry, clock),
      serial: () => store.logSize(),
      serverName: 'ns1.registry.example',
      flatNamespaces: [namespace],
      names: async function* () {
        yield name;
      },
    });
    const records = await transferRecords(view, namespace);
    expect(Math.max(...records.map((record) => record.name.length))).toBe(253);
    expect(records.some((record) => record.type === 'TLSA' || record.name.startsWith('_d'))).toBe(false);
    const message = dnsPacket.encode({ type: 'response', id: 1, answers: records });
    expect(dnsPacket.decode(message).answers).toHaveLength(records.length);
  });
});

describe('a namespace served whole (--dns-flat-zone)', () => {
  it('is one zone at the namespace: flat names, the _agents names and the DNS-SD labels all fall in it; other namespaces keep their _agents zone', async () => {
    const { view } = await viewOf({ flat: true });
    for (const name of ['acme.com', 'support.acme.com', 'invoices.billing.acme.com', 'support._agents.acme.com', '_support._a2a._agents.acme.com', 'www.acme.com']) {
      expect(view.zoneOf(name)).toBe('acme.com');
    }
    expect(view.zoneOf('x._agents.other.org')).toBe('_agents.other.org');
    expect(view.zoneOf('www.other.org')).toBeUndefined();
    expect(view.zoneOfNamespace('acme.com')).toBe('acme.com');
    expect(view.zoneOfNamespace('other.org')).toBe('_agents.other.org');
    expect((await view.answer({ name: 'acme.com', type: 'SOA' })).kind).toBe('answer');
    expect((await view.answer({ name: '_agents.acme.com', type: 'SOA' })).kind).toBe('nodata');
  });

  it('an agent answers at its flat name as at its _agents name; its DNS-SD labels alias the flat name; a name that is no agent is NODATA', async () => {
    const { view } = await viewOf({ flat: true });
    const flat = records(await view.answer({ name: 'invoices.billing.acme.com', type: 'SVCB' }));
    const underAgents = records(await view.answer({ name: 'invoices.billing._agents.acme.com', type: 'SVCB' }));
    expect(flat.map((record) => record.data)).toEqual(underAgents.map((record) => record.data));
    expect(flat[0]!.name).toBe('invoices.billing.acme.com');
    expect(records(await view.answer({ name: 'support.acme.com', type: 'TXT' }))[0]!.data).toEqual(records(await view.answer({ name: 'support._agents.acme.com', type: 'TXT' }))[0]!.data);
    expect(decoded(await view.answer({ name: '_support._mcp._agents.acme.com', type: 'SVCB' }))).toEqual([{ priority: 0, target: 'support.acme.com', params: [] }]);
    expect((await view.answer({ name: 'www.acme.com', type: 'SVCB' })).kind).toBe('nodata');
    expect((await view.answer({ name: 'billing.acme.com', type: 'SVCB' })).kind).toBe('nodata');
  });

  it('TLSA 3 1 1 at _<port>._tcp.<flat name> for an endpoint served at the flat name with its key digest signed; none for an endpoint elsewhere, another port, or without a digest', async () => {
    const { view } = await viewOf({ flat: true });
    expect(records(await view.answer({ name: '_8443._tcp.support.acme.com', type: 'TLSA' }))).toEqual([
      { type: 'TLSA', name: '_8443._tcp.support.acme.com', ttl: 3600, class: 'IN', data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(SPKI_SHA256, 'hex') } },
    ]);
    expect((await view.answer({ name: '_443._tcp.support.acme.com', type: 'TLSA' })).kind).toBe('nodata');
    // invoices' endpoint lives at agents.acme.com, which is no agent's name.
    expect((await view.answer({ name: '_443._tcp.invoices.billing.acme.com', type: 'TLSA' })).kind).toBe('nodata');
    expect((await view.answer({ name: '_443._tcp.agents.acme.com', type: 'TLSA' })).kind).toBe('nodata');
  });

  it('a transfer of the whole namespace lists every name (flat, _agents, DNS-SD, TLSA) once, in canonical order', async () => {
    const { view } = await viewOf({ flat: true, registryUrl: 'https://registry.example' });
    const owners = [...new Set((await transferRecords(view, 'acme.com')).map((record) => record.name))];
    expect(owners).toEqual([
      'acme.com',
      // Labels compare from the right: `_a2a` < `_index` < `_mcp`.
      '_support._a2a._agents.acme.com',
      '_index._agents.acme.com',
      '_support._mcp._agents.acme.com',
      'invoices.billing._agents.acme.com',
      'support._agents.acme.com',
      'invoices.billing.acme.com',
      'support.acme.com',
      '_8443._tcp.support.acme.com',
    ]);
  });
});

describe('the new names, asked by real clients', () => {
  async function serve() {
    const { view, signer } = await viewOf({ flat: true, registryUrl: 'https://registry.example', signed: true });
    server = await startDnsServer({ view, signer, host: '127.0.0.1', port: 0, transferAllowed: () => true });
    dir = await mkdtemp(join(tmpdir(), 'signpost-owner-names-'));
    return { port: server.port, signer: signer! };
  }
  const QUESTIONS = [
    ['_index._agents.acme.com', 'SVCB', /SVCB\s+1 registry\.example\. alpn="h2,http\/1\.1" port=443 key65400="https:\/\/registry\.example\/v1\/search\?namespace=acme\.com"/],
    ['_support._a2a._agents.acme.com', 'SVCB', /SVCB\s+0 support\.acme\.com\.$/],
    ['support.acme.com', 'SVCB', /SVCB\s+1 support\.acme\.com\. alpn="a2a,h2" port=8443 /],
    // dig splits the digest into groups: compared without spaces below.
    ['_8443._tcp.support.acme.com', 'TLSA', new RegExp(`INTLSA311${SPKI_SHA256.toUpperCase()}$`)],
  ] as const;

  it('dig and kdig parse every record, and delv fully validates each answer and a denial at a flat name from the DS of the namespace zone', async () => {
    const { port, signer } = await serve();
    for (const [name, type, pattern] of QUESTIONS) {
      const { stdout: dug } = await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+time=5', '+tries=1', '+noall', '+answer', name, type]);
      const line = dug.trim().split('\n')[0]!;
      expect(type === 'TLSA' ? line.replace(/\s+/g, '') : line, `dig ${name} ${type}`).toMatch(pattern);
      const { stdout: kdug } = await run('kdig', ['@127.0.0.1', '-p', String(port), '+norec', '+time=5', '+retry=0', '+noall', '+answer', name, type]);
      expect(kdug, `kdig ${name} ${type}`).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}\\.\\s+\\d+\\s+IN\\s+${type}\\s`, 'm'));
    }
    const [, , , tag, algorithm, digestType, digest] = signer.ds('acme.com')[0]!.split(' ');
    const anchors = join(dir!, 'anchors.conf');
    await writeFile(anchors, `trust-anchors {\n  acme.com. static-ds ${tag} ${algorithm} ${digestType} "${digest}";\n};\n`);
    const delv = async (name: string, type: string) => {
      const { stdout, stderr } = await run('delv', ['@127.0.0.1', '-p', String(port), '-a', anchors, '+root=acme.com', name, type]).catch((error: { stdout: string; stderr: string }) => error);
      return stdout + stderr;
    };
    for (const [name, type] of QUESTIONS) expect(await delv(name, type), `delv ${name} ${type}`).toMatch(/; fully validated/);
    expect(await delv('www.acme.com', 'SVCB')).toMatch(/; negative response, fully validated/);
  });

  it('ldns-verify-zone accepts the signed transfer of the whole namespace (empty non-terminals _agents and _tcp included)', async () => {
    const { port } = await serve();
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=5', '+tries=1', '+noall', '+answer', 'acme.com', 'AXFR']);
    const lines = stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith(';'));
    expect(lines.some((line) => /\sIN\s+TLSA\s/.test(line))).toBe(true);
    const file = join(dir!, 'zone.txt');
    await writeFile(file, lines.slice(0, -1).join('\n') + '\n');
    const verified = await run('ldns-verify-zone', [file]);
    expect(verified.stdout + verified.stderr).toMatch(/Zone is verified and complete/);
  });
});
