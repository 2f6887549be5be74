import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../app/compose.js';
import { serveConfig } from '../app/config.js';
import { readKeyFile } from '../app/key-file.js';
import { formatUtcSeconds } from '../core/record/agent-addr.js';
import { createRegistration, createRotation, createStatusChange } from '../core/record/registration.js';
import { nextSequence } from '../core/record/sequence.js';
import { testKey } from '../core/test-support/agents.js';
import { NOT_BEFORE_BACKDATE_MS, type CapabilityCertificateInfo } from '../core/trust/certificates/index.js';
import type { SigningKey } from '../core/trust/ed25519.js';
import { registryRevocationCheck } from './registry-status.js';

let running: RunningRegistry;
let dataDir: string;
let operator: SigningKey;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'signpost-tls-status-'));
  const config = serveConfig({ port: 0, data: dataDir, logLevel: 'silent' }, {});
  if (!config.ok) throw new Error('bad test config');
  running = await startRegistry(config.value);
  operator = await readKeyFile(join(dataDir, 'registry-key.jwk'));
});

afterAll(async () => {
  await running?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** What a certificate issued at `issuedAtMs` looks like to the check (only the name and notBefore matter). */
function certificateFor(agentName: string, issuedAtMs: number): CapabilityCertificateInfo {
  const notBefore = new Date(Math.floor((issuedAtMs - NOT_BEFORE_BACKDATE_MS) / 1000) * 1000);
  return { agentName, capabilities: ['retrain'], serialNumber: '01', notBefore, notAfter: new Date(issuedAtMs + 3_600_000), issuer: 'CN=test', subject: '', fingerprintSha256: '00' };
}

async function register(name: string, key: SigningKey): Promise<number> {
  const now = Date.now();
  const seq = nextSequence(now);
  const result = await running.registry.register(createRegistration({ key, name, claims: { label: 'tls peer' }, factsUrl: `${running.url}/facts`, seq, nowMs: now }));
  expect(result.ok).toBe(true);
  return seq;
}

describe('registryRevocationCheck against a running registry', () => {
  it('answers null for an active agent, and revoked for a certificate issued before the name left its key', async () => {
    const name = 'agent://research-lab.example/ml-ops/drift-detector';
    const [first, second] = [testKey(41), testKey(42)];
    const seq = await register(name, first);
    const check = registryRevocationCheck(running.url, { cacheMs: 0 });
    const before = certificateFor(name, Date.now() - 5000);
    expect(await check(before)).toBeNull();

    const now = Date.now();
    const rotated = await running.registry.register(
      createRotation({ from: first, to: second, name, claims: { label: 'tls peer' }, factsUrl: `${running.url}/facts`, seq: nextSequence(now, seq), nowMs: now }),
    );
    expect(rotated.ok).toBe(true);
    const rotationAt = Date.parse(rotated.ok ? rotated.value.agent.rotations!.at(-1)!.countersig.at : '');
    // Asked for by the key the name has left: refused, even though the agent is active.
    expect(await check(before)).toBe('revoked');
    expect(await check(certificateFor(name, rotationAt - 1000))).toBe('revoked');
    // Issued under the new key: good.
    expect(await check(certificateFor(name, rotationAt + 1000))).toBeNull();
    expect(formatUtcSeconds(rotationAt)).toBe(rotated.ok ? rotated.value.agent.rotations!.at(-1)!.countersig.at : '');
  });

  it('maps suspension, revocation and unknown names, and fails closed when the registry cannot say', async () => {
    const name = 'agent://research-lab.example/ml-ops/retrainer';
    await register(name, testKey(43));
    const check = registryRevocationCheck(running.url, { cacheMs: 0 });
    const certificate = certificateFor(name, Date.now());
    expect((await running.registry.changeStatus(name, createStatusChange(operator, name, 'suspend', 'audit', Date.now()))).ok).toBe(true);
    expect(await check(certificate)).toBe('suspended');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await running.registry.changeStatus(name, createStatusChange(operator, name, 'revoke', 'compromised', Date.now()))).ok).toBe(true);
    expect(await check(certificate)).toBe('revoked');
    expect(await check(certificateFor('agent://research-lab.example/nobody', Date.now()))).toBe('revoked');
    // Nothing listens there: the check throws, which checkPeer turns into a refusal (INTERNAL).
    const unreachable = registryRevocationCheck('http://127.0.0.1:9', { cacheMs: 0, timeoutMs: 2000 });
    await expect(unreachable(certificate)).rejects.toThrow(/REGISTRY_UNREACHABLE/);
  });

  it('reuses an answer for cacheMs, then asks again', async () => {
    const name = 'agent://research-lab.example/ml-ops/cached';
    await register(name, testKey(44));
    let clock = Date.now();
    const check = registryRevocationCheck(running.url, { cacheMs: 10_000, now: () => clock });
    const certificate = certificateFor(name, Date.now());
    expect(await check(certificate)).toBeNull();
    expect((await running.registry.changeStatus(name, createStatusChange(operator, name, 'revoke', 'gone', Date.now()))).ok).toBe(true);
    expect(await check(certificate)).toBeNull();
    clock += 10_001;
    expect(await check(certificate)).toBe('revoked');
  });
});
