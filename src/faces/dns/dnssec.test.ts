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
import { startDnsServer, type RunningDnsServer } from './dns-server.js';
import { ZoneSigner } from './dnssec.js';
import { ZoneView } from './zone-view.js';

const run = promisify(execFile);
const NAME = 'agent://acme.com/billing/invoices';
const OWNER = 'invoices.billing._agents.acme.com';
const ZONE = '_agents.acme.com';
const owner = testKey(1);
const zoneKey = testKey(7);
let server: RunningDnsServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A signed server. The signer's clock is the real time of the run, since delv checks signatures against it. */
async function setUp() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  const signerClock = manualClock(Date.now());
  const signer = new ZoneSigner(zoneKey, { now: () => signerClock.now() });
  const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.registry.example', dnskey: (zone) => signer.dnskey(zone) });
  server = await startDnsServer({ view, signer, host: '127.0.0.1', port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'signpost-dnssec-'));
  return { registry, signer, signerClock, port: server.port };
}

/** delv, validating from a trust anchor for the zone: the DNSKEY itself, or the DS the parent would hold. */
async function delv(port: number, anchor: string, ...args: string[]): Promise<string> {
  const file = join(dir!, 'anchors.conf');
  await writeFile(file, `trust-anchors {\n  ${anchor};\n};\n`);
  const { stdout, stderr } = await run('delv', [`@127.0.0.1`, '-p', String(port), '-a', file, `+root=${ZONE}`, ...args]).catch((error: { stdout: string; stderr: string }) => error);
  return stdout + stderr;
}

const keyAnchor = (_signer: ZoneSigner): string => `${ZONE}. static-key 257 3 15 "${Buffer.from(zoneKey.publicKey).toString('base64')}"`
const dsAnchor = (signer: ZoneSigner) => {
  const [, , , tag, algorithm, digestType, digest] = signer.ds(ZONE).split(' ');
  return `${ZONE}. static-ds ${tag} ${algorithm} ${digestType} "${digest}"`;
};

describe('DNSSEC, checked by delv', () => {
  it('SVCB, TXT, SOA and DNSKEY answers are fully validated from the zone key, and from the DS the parent would publish', async () => {
    const { signer, port } = await setUp();
    for (const [name, type] of [
      [OWNER, 'SVCB'],
      [OWNER, 'TXT'],
      [ZONE, 'SOA'],
      [ZONE, 'DNSKEY'],
    ] as const) {
      const validated = await delv(port, keyAnchor(signer), name, type);
      expect(validated, `${name} ${type}`).toContain('; fully validated');
    }
    expect(await delv(port, dsAnchor(signer), OWNER, 'SVCB')).toContain('; fully validated');
  });

  it('the denial of a missing name, a name above an agent, a missing type and a revoked agent is validated (one black-lie NSEC)', async () => {
    const { signer, registry, port } = await setUp();
    for (const [name, type] of [
      ['nobody.billing._agents.acme.com', 'SVCB'],
      ['billing._agents.acme.com', 'SVCB'],
      [OWNER, 'A'],
    ] as const) {
      const denied = await delv(port, keyAnchor(signer), name, type);
      expect(denied, `${name} ${type}`).toMatch(/; negative response, fully validated/);
    }
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key stolen', T0 + 1000))).ok).toBe(true);
    expect(await delv(port, keyAnchor(signer), OWNER, 'SVCB')).toMatch(/; negative response, fully validated/);
  });

  it('a wrong trust anchor fails validation: the answers are really signed by the zone key', async () => {
    const { port } = await setUp();
    const other = testKey(8);
    const failed = await delv(port, `${ZONE}. static-key 257 3 15 "${Buffer.from(other.publicKey).toString('base64')}"`, OWNER, 'SVCB');
    expect(failed).not.toContain('fully validated');
    expect(failed).toMatch(/resolution failed|validation failure|no valid/i);
  });

  it('signatures only for a query with the DO bit; dig reads the key tag we compute', async () => {
    const { signer, port } = await setUp();
    const plain = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', OWNER, 'SVCB'])).stdout;
    expect(plain).not.toContain('RRSIG');
    const signed = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+dnssec', OWNER, 'SVCB'])).stdout;
    expect(signed).toMatch(new RegExp(`RRSIG\\s+SVCB 15 5 3600 \\d{14} \\d{14} ${signer.keyTag} ${ZONE.replace(/\./g, '\\.')}\\.`));
    const dnskey = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+multi', ZONE, 'DNSKEY'])).stdout;
    expect(dnskey).toContain(`; KSK; alg = ED25519 ; key id = ${signer.keyTag}`);
  });
});

describe('ZoneSigner', () => {
  it('reuses a signature until it nears expiry, then signs again', () => {
    const clock = manualClock(T0);
    const signer = new ZoneSigner(zoneKey, { now: () => clock.now(), validitySeconds: 100, refreshSeconds: 40, backdateSeconds: 10 });
    const rrset = [{ type: 'TXT' as const, name: OWNER, ttl: 60, class: 'IN' as const, data: [Buffer.from('x')] }];
    const first = signer.sign([...rrset], ZONE) as unknown as { data: { inception: number; expiration: number } };
    expect(first.data.expiration - first.data.inception).toBe(110);
    clock.advance(59_000);
    expect(signer.sign([...rrset], ZONE)).toBe(first);
    clock.advance(2_000);
    expect(signer.sign([...rrset], ZONE)).not.toBe(first);
  });

  it('the DS names the key tag, Ed25519 and SHA-256', () => {
    const signer = new ZoneSigner(zoneKey, { now: () => T0 });
    expect(signer.ds(ZONE)).toMatch(new RegExp(`^_agents\\.acme\\.com\\. IN DS ${signer.keyTag} 15 2 [0-9A-F]{64}$`));
  });
});
