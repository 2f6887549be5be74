import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../app/main.js';
import { serveConfig } from '../app/config.js';
import { readKeyFile } from '../adapters/key-file.js';
import { formatUtcSeconds } from '../core/record/agent-addr.js';
import { createRegistration, createRotation, createStatusChange } from '../core/record/registration.js';
import { nextSequence } from '../core/record/sequence.js';
import { testKey } from '../core/test-support/agents.js';
import { NOT_BEFORE_BACKDATE_MS, type CapabilityCertificateInfo } from '../core/trust/certificates/index.js';
import type { SigningKey } from '../core/trust/ed25519.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
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
    // A revocation need not be signed after the suspension: it is final, and never held off by an earlier change.
    expect((await running.registry.changeStatus(name, createStatusChange(operator, name, 'revoke', 'compromised', Date.now()))).ok).toBe(true);
    expect(await check(certificate)).toBe('revoked');
    expect(await check(certificateFor('agent://research-lab.example/nobody', Date.now()))).toBe('revoked');
    // Nothing listens there: the check throws, which checkPeer turns into a refusal (INTERNAL).
    const unreachable = registryRevocationCheck(`http://127.0.0.1:${await closedLoopbackPort()}`, { cacheMs: 0 });
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

  it('cannot be made to report a peer good by a proxy replaying the registry’s answers from before a revocation or a rotation', async () => {
    const frozen = new Map<string, string>();
    let replaying = false;
    // Records every resolve and agent answer, then serves the recorded ones, as a stale cache in the path would.
    const proxy: typeof fetch = async (input, init) => {
      const url = String(input);
      const replayable = url.includes('/v1/resolve?') || url.includes('/v1/agents/');
      if (replaying && replayable && frozen.has(url)) return new Response(frozen.get(url), { status: 200, headers: { 'content-type': 'application/json' } });
      const response = await fetch(input, init);
      if (!replayable || replaying || response.status !== 200) return response;
      const text = await response.text();
      frozen.set(url, text);
      return new Response(text, { status: 200, headers: response.headers });
    };
    const revokedName = 'agent://research-lab.example/ml-ops/replayed-revoked';
    const suspendedName = 'agent://research-lab.example/ml-ops/replayed-suspended';
    const rotatedName = 'agent://research-lab.example/ml-ops/replayed-rotated';
    await register(revokedName, testKey(45));
    await register(suspendedName, testKey(46));
    const rotatedSeq = await register(rotatedName, testKey(47));
    const check = registryRevocationCheck(running.url, { cacheMs: 0, registryKey: operator.did, fetch: proxy });
    const issued = Date.now() - 5000;
    for (const name of [revokedName, suspendedName, rotatedName]) expect(await check(certificateFor(name, issued))).toBeNull();

    expect((await running.registry.changeStatus(revokedName, createStatusChange(operator, revokedName, 'revoke', 'compromised', Date.now()))).ok).toBe(true);
    expect((await running.registry.changeStatus(suspendedName, createStatusChange(operator, suspendedName, 'suspend', 'audit', Date.now()))).ok).toBe(true);
    const now = Date.now();
    const rotation = createRotation({ from: testKey(47), to: testKey(48), name: rotatedName, claims: { label: 'tls peer' }, factsUrl: `${running.url}/facts`, seq: nextSequence(now, rotatedSeq), nowMs: now });
    expect((await running.registry.register(rotation)).ok).toBe(true);
    replaying = true;

    // The replayed answers verify, but the status lists are read fresh: never good.
    await expect(check(certificateFor(revokedName, issued))).rejects.toThrow(/CREDENTIAL_REVOKED/);
    expect(await check(certificateFor(suspendedName, issued))).toBe('suspended');
    await expect(check(certificateFor(rotatedName, issued))).rejects.toThrow(/CREDENTIAL_REVOKED/);
  });

  it('refuses a record that names another key than the verified answer (an old copy from before a rotation)', async () => {
    const name = 'agent://research-lab.example/ml-ops/old-record';
    const seq = await register(name, testKey(49));
    const oldRecord = await fetch(`${running.url}/v1/agents/${encodeURIComponent(name)}`).then((r) => r.text());
    const now = Date.now();
    const rotation = createRotation({ from: testKey(49), to: testKey(50), name, claims: { label: 'tls peer' }, factsUrl: `${running.url}/facts`, seq: nextSequence(now, seq), nowMs: now });
    expect((await running.registry.register(rotation)).ok).toBe(true);
    const staleRecords: typeof fetch = async (input, init) =>
      String(input).includes('/v1/agents/') ? new Response(oldRecord, { status: 200, headers: { 'content-type': 'application/json' } }) : fetch(input, init);
    const check = registryRevocationCheck(running.url, { cacheMs: 0, registryKey: operator.did, fetch: staleRecords });
    await expect(check(certificateFor(name, now - 5000))).rejects.toThrow(/names did:key:.* its verified answer did:key:/);
  });

  it('fails closed when the status lists cannot be read, and refuses a registry that signs with another key', async () => {
    const name = 'agent://research-lab.example/ml-ops/lists-down';
    await register(name, testKey(51));
    const listsDown: typeof fetch = async (input, init) => (String(input).includes('/v1/status/') ? new Response('down', { status: 503 }) : fetch(input, init));
    await expect(registryRevocationCheck(running.url, { cacheMs: 0, fetch: listsDown })(certificateFor(name, Date.now()))).rejects.toThrow(/STATUS_LIST_UNAVAILABLE/);
    await expect(registryRevocationCheck(running.url, { cacheMs: 0, registryKey: testKey(52).did })(certificateFor(name, Date.now()))).rejects.toThrow(/RECORD_COUNTERSIGNATURE_INVALID/);
  });
});
