import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
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
import { generateZoneKey, zoneKeyFromJwk, type ZoneKey } from './zone-key.js';

const run = promisify(execFile);
const NAME = 'agent://acme.com/billing/invoices';
const OWNER = 'invoices.billing._agents.acme.com';
const ZONE = '_agents.acme.com';
const owner = testKey(1);
const KEYS = { ed25519: generateZoneKey('ed25519').key, ecdsap256: generateZoneKey('ecdsap256').key } as const;
let server: RunningDnsServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A server signing with `keys` (two during a rollover). The signer's clock is the real time of the run, since delv checks signatures against it. */
async function setUp(keys: readonly ZoneKey[]) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  const signerClock = manualClock(Date.now());
  const signer = new ZoneSigner(keys, { now: () => signerClock.now() });
  const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.registry.example', dnskeys: (zone) => signer.dnskeys(zone) });
  server = await startDnsServer({ view, signer, host: '127.0.0.1', port: 0 });
  dir ??= await mkdtemp(join(tmpdir(), 'signpost-dnssec-'));
  return { registry, signer, signerClock, port: server.port };
}

/** delv, validating from a trust anchor for the zone: the DNSKEY itself, or the DS the parent would hold. */
async function delv(port: number, anchor: string, ...args: string[]): Promise<string> {
  const file = join(dir!, 'anchors.conf');
  await writeFile(file, `trust-anchors {\n  ${anchor};\n};\n`);
  const { stdout, stderr } = await run('delv', [`@127.0.0.1`, '-p', String(port), '-a', file, `+root=${ZONE}`, ...args]).catch((error: { stdout: string; stderr: string }) => error);
  return stdout + stderr;
}

const keyAnchor = (key: ZoneKey): string => `${ZONE}. static-key 257 3 ${key.algorithm} "${key.publicKey.toString('base64')}"`;
const dsAnchor = (ds: string) => {
  const [, , , tag, algorithm, digestType, digest] = ds.split(' ');
  return `${ZONE}. static-ds ${tag} ${algorithm} ${digestType} "${digest}"`;
};
/** The questions a client asks, answered and denied. */
const ANSWERED = [
  [OWNER, 'SVCB'],
  [OWNER, 'TXT'],
  [ZONE, 'SOA'],
  [ZONE, 'DNSKEY'],
] as const;
const DENIED = [
  ['nobody.billing._agents.acme.com', 'SVCB'],
  ['billing._agents.acme.com', 'SVCB'],
  [OWNER, 'A'],
] as const;

for (const [algorithmName, zoneKey] of Object.entries(KEYS)) {
  describe(`DNSSEC with ${algorithmName} (algorithm ${zoneKey.algorithm}), checked by delv`, () => {
    it('SVCB, TXT, SOA and DNSKEY answers are fully validated from the zone key, and from the DS the parent would publish', async () => {
      const { signer, port } = await setUp([zoneKey]);
      for (const [name, type] of ANSWERED) {
        const validated = await delv(port, keyAnchor(zoneKey), name, type);
        expect(validated, `${name} ${type}`).toContain('; fully validated');
      }
      expect(await delv(port, dsAnchor(signer.ds(ZONE)[0]!), OWNER, 'SVCB')).toContain('; fully validated');
    });

    it('the denial of a missing name, a name above an agent, a missing type and a revoked agent is validated (one black-lie NSEC)', async () => {
      const { registry, port } = await setUp([zoneKey]);
      for (const [name, type] of DENIED) {
        const denied = await delv(port, keyAnchor(zoneKey), name, type);
        expect(denied, `${name} ${type}`).toMatch(/; negative response, fully validated/);
      }
      expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key stolen', T0 + 1000))).ok).toBe(true);
      expect(await delv(port, keyAnchor(zoneKey), OWNER, 'SVCB')).toMatch(/; negative response, fully validated/);
    });

    it('a wrong trust anchor fails validation: the answers are really signed by the zone key', async () => {
      const { port } = await setUp([zoneKey]);
      const failed = await delv(port, keyAnchor(generateZoneKey(algorithmName as keyof typeof KEYS).key), OWNER, 'SVCB');
      expect(failed).not.toContain('fully validated');
      expect(failed).toMatch(/resolution failed|validation failure|no valid/i);
    });
  });
}

describe('a key rollover by double signature, checked by delv', () => {
  for (const [from, to] of [
    ['ed25519', 'ed25519'],
    ['ed25519', 'ecdsap256'],
  ] as const) {
    it(`${from} to ${to}: during it the old and the new trust anchor both validate answers and denials; after it only the new one`, async () => {
      const [old, next] = [KEYS[from], to === from ? generateZoneKey(to).key : KEYS[to]];
      const during = await setUp([old, next]);
      const [oldDs, newDs] = during.signer.ds(ZONE);
      for (const anchor of [keyAnchor(old), keyAnchor(next), dsAnchor(oldDs!), dsAnchor(newDs!)]) {
        for (const [name, type] of [...ANSWERED, ...DENIED]) {
          expect(await delv(during.port, anchor, name, type), `${anchor}: ${name} ${type}`).toMatch(/; (negative response, )?fully validated/);
        }
      }
      await server!.close();
      const after = await setUp([next]);
      expect(await delv(after.port, dsAnchor(newDs!), OWNER, 'SVCB')).toContain('; fully validated');
      expect(await delv(after.port, dsAnchor(newDs!), OWNER, 'A')).toMatch(/; negative response, fully validated/);
      const stale = await delv(after.port, dsAnchor(oldDs!), OWNER, 'SVCB');
      expect(stale).not.toContain('fully validated');
      expect(stale).toMatch(/resolution failed|validation failure|no valid/i);
    });
  }
});

describe('signatures on the wire', () => {
  it('signatures only for a query with the DO bit; dig reads the key tags we compute, one RRSIG per key during a rollover', async () => {
    const { signer, port } = await setUp([KEYS.ed25519, KEYS.ecdsap256]);
    const plain = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', OWNER, 'SVCB'])).stdout;
    expect(plain).not.toContain('RRSIG');
    const signed = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+dnssec', OWNER, 'SVCB'])).stdout;
    const [ed25519Tag, ecdsaTag] = signer.keyTags;
    expect(signed).toMatch(new RegExp(`RRSIG\\s+SVCB 15 5 3600 \\d{14} \\d{14} ${ed25519Tag} ${ZONE.replace(/\./g, '\\.')}\\.`));
    expect(signed).toMatch(new RegExp(`RRSIG\\s+SVCB 13 5 3600 \\d{14} \\d{14} ${ecdsaTag} ${ZONE.replace(/\./g, '\\.')}\\.`));
    const dnskey = (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+multi', ZONE, 'DNSKEY'])).stdout;
    expect(dnskey).toContain(`; KSK; alg = ED25519 ; key id = ${ed25519Tag}`);
    expect(dnskey).toContain(`; KSK; alg = ECDSAP256SHA256 ; key id = ${ecdsaTag}`);
  });
});

describe('ZoneSigner', () => {
  it('reuses a signature until it nears expiry, then signs again', () => {
    const clock = manualClock(T0);
    const signer = new ZoneSigner(KEYS.ed25519, { now: () => clock.now(), validitySeconds: 100, refreshSeconds: 40, backdateSeconds: 10 });
    const rrset = [{ type: 'TXT' as const, name: OWNER, ttl: 60, class: 'IN' as const, data: [Buffer.from('x')] }];
    const [first] = signer.sign([...rrset], ZONE) as unknown as { data: { inception: number; expiration: number } }[];
    expect(first!.data.expiration - first!.data.inception).toBe(110);
    clock.advance(59_000);
    expect(signer.sign([...rrset], ZONE)).toEqual([first]);
    clock.advance(2_000);
    expect(signer.sign([...rrset], ZONE)).not.toEqual([first]);
  });

  it('the DS names the key tag, the algorithm (15 Ed25519, 13 ECDSA P-256) and SHA-256, one per key', () => {
    const signer = new ZoneSigner([KEYS.ed25519, KEYS.ecdsap256], { now: () => T0 });
    const [ed25519, ecdsa] = signer.ds(ZONE);
    expect(ed25519).toMatch(new RegExp(`^_agents\\.acme\\.com\\. IN DS ${signer.keyTags[0]} 15 2 [0-9A-F]{64}$`));
    expect(ecdsa).toMatch(new RegExp(`^_agents\\.acme\\.com\\. IN DS ${signer.keyTags[1]} 13 2 [0-9A-F]{64}$`));
  });

  it('RFC 6605: an ECDSA P-256 DNSKEY holds x || y (64 bytes) and its signatures are r || s (64 bytes), which node:crypto verifies', () => {
    const { key, jwk } = generateZoneKey('ecdsap256');
    expect(key.publicKey).toEqual(Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]));
    expect(key.publicKey).toHaveLength(64);
    const data = Buffer.from('rrsig rdata and records');
    const signature = key.sign(data);
    expect(signature).toHaveLength(64);
    expect(verify('sha256', data, { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(zoneKeyFromJwk({ ...jwk, y: generateZoneKey('ecdsap256').jwk.y })).toMatchObject({ ok: false, problems: [{ code: 'KEY_FILE_INVALID' }] });
  });
});
