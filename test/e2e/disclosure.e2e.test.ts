/**
 * Selective disclosure end to end, with real processes: a registry (`signpost serve`), the operator
 * granting retrain + monitor + deploy, the agent asking for its bbs-2023 capability credential with
 * `signpost disclose request`, deriving a proof that reveals only `retrain`, and three verifiers
 * (the CLI, the registry's HTTP API, the SDK) accepting it, and refusing everything else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/adapters/key-file.js';
import { checkDisclosureAtRegistry, deriveCapabilityDisclosure, fetchIssuerDidDocument, verifyCapabilityDisclosure } from '../../src/client/disclosure.js';
import { createCapabilityCredentialRequest, REGISTRY_MANDATORY_POINTERS } from '../../src/core/registry/registry-disclosure.js';
import { signRecord } from '../../src/core/record/signing.js';
import { issueCapabilityCredential } from '../../src/core/trust/disclosure/capability-credential.js';
import { createIssuerKeyPair, exportIssuerKeyPair, importIssuerKeyPair } from '../../src/core/trust/disclosure/issuer-keys.js';
import { registryFixture, runCli, registerWithCli } from './support.js';

const TRAINER = 'agent://research-lab/ml-ops/model-retrainer';
const IDLE = 'agent://research-lab/ml-ops/idle-agent';

const fixture = registryFixture('disclosure');
const file = (name: string) => join(fixture.work, name);
const operatorKey = () => join(fixture.server.dataDir, 'registry-key.jwk');

const registerAgent = (name: string, key: string) => registerWithCli(fixture.env, name, key, 'https=https://agents.research-lab.example/x');

async function httpVerify(credential: unknown, capability: string): Promise<{ status: number; body: { verified: boolean; revealed: string[]; errors: { code: string }[] } }> {
  const response = await fetch(`${fixture.server.url}/v1/disclosures/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ credential, capability }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

async function postRequest(body: unknown): Promise<{ status: number; code: string }> {
  const response = await fetch(`${fixture.server.url}/v1/agents/${encodeURIComponent(TRAINER)}/capability-credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, code: ((await response.json()) as { code: string }).code };
}

/**
 * A man in the middle in front of the registry: a loopback HTTP server that forwards every request
 * and lets `rewrite` change the JSON answers (undefined: unchanged). It holds no registry key.
 */
async function manInTheMiddle(target: string, rewrite: (path: string, body: unknown) => unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
        const upstream = await fetch(`${target}${request.url}`, {
          method: request.method ?? 'GET',
          headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body } : {}),
        });
        const text = await upstream.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const changed = json === undefined ? undefined : rewrite(new URL(request.url ?? '/', target).pathname, json);
        response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        response.end(changed === undefined ? text : JSON.stringify(changed));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** How many capability credentials the registry has handed out, from its own metrics. */
async function issuedCount(): Promise<number> {
  const metrics = await (await fetch(`${fixture.server.url}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('signpost_registry_writes_total{') && l.includes('operation="capability-credential"') && l.includes('outcome="accepted"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('bbs-2023 selective disclosure through the CLI, the HTTP API and the SDK, against a real registry process', () => {
  it('the agent proves retrain without revealing monitor or deploy; every verifier accepts it and refuses the rest', async () => {
    // The registry made its BLS12-381 key on first start and publishes it as #bbs-1 of its did:web.
    const keyFile = join(fixture.server.dataDir, 'disclosure-key.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const { publicKeyMultibase } = JSON.parse(await readFile(keyFile, 'utf8')) as { publicKeyMultibase: string };
    const did = (await (await fetch(`${fixture.server.url}/.well-known/did.json`)).json()) as { id: string; assertionMethod: unknown[] };
    expect(did.assertionMethod).toContainEqual({ id: `${did.id}#bbs-1`, type: 'Multikey', controller: did.id, publicKeyMultibase });

    await registerAgent(TRAINER, file('trainer.jwk'));
    const granted = await runCli(['grant', TRAINER, '--capability', 'retrain', '--capability', 'monitor', '--capability', 'deploy', '--key', operatorKey()], fixture.env);
    expect(granted.stdout).toContain(`${TRAINER} is granted deploy, monitor, retrain`);

    const requested = await runCli(['disclose', 'request', TRAINER, '--key', file('trainer.jwk'), '--out', file('cred.json')], fixture.env);
    expect(requested.stderr).toBe('');
    expect(requested.code).toBe(0);
    expect(requested.stdout).toContain('capabilities: deploy, monitor, retrain');
    expect((await stat(file('cred.json'))).mode & 0o777).toBe(0o600);
    const credential = JSON.parse(await readFile(file('cred.json'), 'utf8')) as { issuer: string; credentialSubject: { id: string; name: string; capabilities: object } };
    expect(credential.issuer).toBe(did.id);
    expect(credential.credentialSubject).toMatchObject({ name: TRAINER, capabilities: { deploy: {}, monitor: {}, retrain: {} } });
    expect(credential.credentialSubject.id).toBe((await readKeyFile(file('trainer.jwk'))).did);

    const derived = await runCli(['disclose', 'derive', file('cred.json'), '--capability', 'retrain', '--out', file('proof.json')], fixture.env);
    expect(derived.stderr).toBe('');
    expect(derived.stdout).toContain('revealing retrain (2 other capabilities hidden)');
    const proofText = await readFile(file('proof.json'), 'utf8');
    expect(proofText).not.toContain('monitor');
    expect(proofText).not.toContain('deploy');
    const proof = JSON.parse(proofText) as { proof: { proofValue: string }; credentialSubject: object };
    expect(proof.credentialSubject).toEqual({ id: credential.credentialSubject.id, name: TRAINER, capabilities: { retrain: {} } });

    // The CLI verifier, offline against the DID document, and online at the registry.
    const verified = await runCli(['disclose', 'verify', file('proof.json'), '--capability', 'retrain'], fixture.env);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`verified: ${TRAINER} may retrain`);
    expect((await runCli(['disclose', 'verify', file('proof.json'), '--capability', 'retrain', '--online'], fixture.env)).code).toBe(0);
    // The HTTP verifier.
    expect(await httpVerify(proof, 'retrain')).toEqual({ status: 200, body: expect.objectContaining({ verified: true, revealed: ['retrain'], errors: [] }) });
    // The SDK verifier: the DID document fetched once, then offline.
    const document = await fetchIssuerDidDocument(fixture.server.url);
    if (!document.ok) throw new Error(JSON.stringify(document.problems));
    expect(await verifyCapabilityDisclosure(proof, { capability: 'retrain', issuerDidDocument: document.value })).toMatchObject({ verified: true, revealed: ['retrain'], errors: [] });

    // Asking for deploy with this proof: refused by all three, with the precise code.
    const deployCli = await runCli(['disclose', 'verify', file('proof.json'), '--capability', 'deploy'], fixture.env);
    expect(deployCli.code).toBe(1);
    expect(deployCli.stderr).toContain('error CAPABILITY_MISSING');
    expect((await httpVerify(proof, 'deploy')).body).toMatchObject({ verified: false, errors: [{ code: 'CAPABILITY_MISSING' }] });
    expect(await verifyCapabilityDisclosure(proof, { capability: 'deploy', issuerDidDocument: document.value })).toMatchObject({ verified: false, errors: [{ code: 'CAPABILITY_MISSING' }] });

    // One flipped byte of the proof: refused.
    const value = proof.proof.proofValue;
    const at = Math.floor(value.length / 2);
    const flipped = { ...proof, proof: { ...proof.proof, proofValue: value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1) } };
    await writeFile(file('flipped.json'), JSON.stringify(flipped));
    const flippedCli = await runCli(['disclose', 'verify', file('flipped.json'), '--capability', 'retrain'], fixture.env);
    expect(flippedCli.code).toBe(1);
    expect(flippedCli.stderr).toContain('error DISCLOSURE_INVALID');
    expect((await httpVerify(flipped, 'retrain')).body).toMatchObject({ verified: false, revealed: [], errors: [{ code: 'DISCLOSURE_INVALID' }] });
    // The base credential itself is not a presentation.
    expect((await httpVerify(credential, 'retrain')).body).toMatchObject({ verified: false, errors: [{ code: 'DISCLOSURE_INVALID' }] });
    expect(await issuedCount()).toBe(1);
  });

  it("a man in the middle swapping in its own #bbs-1 cannot pass a forged payments.admin proof (CLI and SDK, offline and online)", async () => {
    const did = (await (await fetch(`${fixture.server.url}/.well-known/did.json`)).json()) as { id: string };
    const registryKey = ((await (await fetch(`${fixture.server.url}/v1/registry`)).json()) as { id: string }).id;
    const trainer = await readKeyFile(file('trainer.jwk'));
    // The attacker's own BLS key, named as the registry's #bbs-1, signs a capability never granted.
    const own = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(66) });
    const named = await importIssuerKeyPair({ ...exportIssuerKeyPair(own), controller: did.id, id: `${did.id}#bbs-1` });
    if (!named.ok) throw new Error('cannot name the key');
    const now = Date.now();
    const forged = await issueCapabilityCredential({
      issuer: { did: did.id, keyPair: named.value },
      subject: { id: trainer.did, name: TRAINER },
      capabilities: { 'payments.admin': {} },
      validFrom: new Date(now - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      validUntil: new Date(now + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      mandatoryPointers: REGISTRY_MANDATORY_POINTERS,
    });
    const proof = await deriveCapabilityDisclosure(forged, 'payments.admin');
    if (!proof.ok) throw new Error('cannot derive');
    await writeFile(file('forged.json'), JSON.stringify(proof.value));

    const proxy = await manInTheMiddle(fixture.server.url, (path, body) => {
      if (path === '/.well-known/did.json') {
        const document = body as { assertionMethod: unknown[] };
        return { ...document, assertionMethod: document.assertionMethod.map((m) => (typeof m === 'string' ? m : { ...(m as object), publicKeyMultibase: own.publicKeyMultibase })) };
      }
      if (path === '/v1/disclosures/verify') return { ...(body as object), verified: true, revealed: ['payments.admin'], errors: [] };
      return undefined;
    });
    try {
      // The CLI pins the genuine registry key (the proxy passes GET /v1/registry through), then refuses the document.
      const offline = await runCli(['disclose', 'verify', file('forged.json'), '--capability', 'payments.admin', '--registry', proxy.url, '--registry-key', registryKey], fixture.env);
      expect(offline.stdout).not.toContain('verified:');
      expect(offline.stderr).toContain('error ISSUER_UNTRUSTED');
      expect(offline.code).toBe(1);
      // Online, the forged {verified: true} is not what the registry signed.
      const online = await runCli(['disclose', 'verify', file('forged.json'), '--capability', 'payments.admin', '--registry', proxy.url, '--registry-key', registryKey, '--online'], fixture.env);
      expect(online.code).toBe(1);
      expect(online.stderr).toContain('error DISCLOSURE_INVALID');
      // The SDK, pinned to the registry key.
      const document = await fetchIssuerDidDocument(proxy.url, { registryKey });
      expect(document.ok ? [] : document.problems.map((p) => p.code)).toEqual(['ISSUER_UNTRUSTED']);
      expect(await verifyCapabilityDisclosure(proof.value, { capability: 'payments.admin', registryUrl: proxy.url, registryKey })).toMatchObject({
        verified: false,
        errors: [{ code: 'ISSUER_UNTRUSTED' }],
      });
      const verdict = await checkDisclosureAtRegistry(proxy.url, { credential: proof.value, capability: 'payments.admin' }, { registryKey });
      expect(verdict.ok && verdict.value).toMatchObject({ verified: false, errors: [{ code: 'DISCLOSURE_INVALID' }] });
    } finally {
      await proxy.close();
    }
    // Straight to the registry, the genuine document refuses the forgery too.
    const direct = await runCli(['disclose', 'verify', file('forged.json'), '--capability', 'payments.admin'], fixture.env);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('error DISCLOSURE_INVALID');
  });

  it('refuses a request signed by the wrong key, a stale one, and one for an agent without grants; nothing is issued', async () => {
    const before = await issuedCount();
    const owner = await readKeyFile(file('trainer.jwk'));
    expect((await runCli(['keygen', '--out', file('mallory.jwk')], fixture.env)).code).toBe(0);
    const mallory = await readKeyFile(file('mallory.jwk'));

    // Mallory's own key, for the trainer's name.
    const stolen = await runCli(['disclose', 'request', TRAINER, '--key', file('mallory.jwk'), '--out', file('mallory-cred.json')], fixture.env);
    expect(stolen.code).toBe(1);
    expect(stolen.stderr).toContain('error NAME_TAKEN');
    await expect(stat(file('mallory-cred.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The owner's request, but signed by mallory's key.
    const genuine = createCapabilityCredentialRequest({ key: owner, name: TRAINER, nowMs: Date.now() });
    expect(await postRequest(signRecord(genuine.payload, mallory))).toEqual({ status: 403, code: 'RECORD_SIGNATURE_INVALID' });
    // Signed by the owner ten minutes ago.
    expect(await postRequest(createCapabilityCredentialRequest({ key: owner, name: TRAINER, nowMs: Date.now() - 10 * 60_000 }))).toEqual({ status: 400, code: 'RECORD_EXPIRED' });

    await registerAgent(IDLE, file('idle.jwk'));
    const idle = await runCli(['disclose', 'request', IDLE, '--key', file('idle.jwk'), '--out', file('idle-cred.json')], fixture.env);
    expect(idle.code).toBe(1);
    expect(idle.stderr).toContain('error CAPABILITY_MISSING');
    await expect(stat(file('idle-cred.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await issuedCount()).toBe(before);
  });

  it('a revoked agent gets no credential, and the registry refuses its proofs from then on', async () => {
    expect((await runCli(['revoke', TRAINER, '--key', file('trainer.jwk'), '--reason', 'key leaked'], fixture.env)).code).toBe(0);
    const again = await runCli(['disclose', 'request', TRAINER, '--key', file('trainer.jwk'), '--out', file('cred-again.json')], fixture.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error AGENT_REVOKED');
    await expect(stat(file('cred-again.json'))).rejects.toMatchObject({ code: 'ENOENT' });

    const online = await runCli(['disclose', 'verify', file('proof.json'), '--capability', 'retrain', '--online'], fixture.env);
    expect(online.code).toBe(1);
    expect(online.stderr).toContain('error AGENT_REVOKED');
    // An offline verifier cannot know until the credential expires (no status entry; see the disclosure README).
    expect((await runCli(['disclose', 'verify', file('proof.json'), '--capability', 'retrain'], fixture.env)).code).toBe(0);
  });
});
