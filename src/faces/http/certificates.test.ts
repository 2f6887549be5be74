import { afterEach, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '../../core/ports.js';
import { createCapabilityGrant } from '../../core/record/capability-grant.js';
import { createCertificateRequest } from '../../core/record/certificate-request.js';
import { Registry } from '../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { issueCapabilityCertificate, readCapabilityCertificate } from '../../core/trust/certificates/index.js';
import { createCsr, createTestCa, generateKeys, seededRandom } from '../../core/trust/certificates/test-support/pki.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from './server.js';

const NAME = 'agent://research-lab/drift-detection/concept-drift-detector';
const ENCODED = encodeURIComponent(NAME);
const owner = testKey(1);
const registryKey = testKey(9);
const ca = await createTestCa(new Date(T0 - 86_400_000), 'Signpost registry CA', 30);
const csrPem = await createCsr(await generateKeys('p256'));
let app: HttpApp;

async function setup(withCa = true) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const certificateAuthority: CertificateAuthority = {
    certificatePem: ca.certificatePem,
    fingerprintSha256: 'ab'.repeat(32),
    issue: (input) => issueCapabilityCertificate({ ca, ...input, now: new Date(clock.now()), randomBytes: seededRandom('http') }),
  };
  const registry = new Registry({ store, key: registryKey, clock, ...(withCa ? { certificateAuthority } : {}) });
  app = await buildHttpFace({ registry, clock });
  expect((await registry.register(registrationFor(owner, NAME, 100))).ok).toBe(true);
  const snapshot = async () => JSON.stringify(await store.get(NAME));
  return { store, registry, snapshot };
}

afterEach(async () => {
  await app?.close();
});

const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect({ status: response.statusCode, code: response.json().code }).toEqual({ status, code });
}

async function writes(): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/metrics' })).body;
}

describe('HTTP: capability grants and certificates', () => {
  it('grants, then issues a certificate carrying the granted capability (201), and counts both writes', async () => {
    await setup();
    const granted = await post(`/v1/agents/${ENCODED}/capabilities`, createCapabilityGrant(registryKey, NAME, ['retrain', 'monitor'], T0 + 1000));
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ name: NAME, capabilities: ['monitor', 'retrain'], grant: { countersig: { by: registryKey.did } } });

    const issued = await post('/v1/certificates', createCertificateRequest({ key: owner, name: NAME, csrPem, validitySeconds: 600, capabilities: ['retrain'], nowMs: T0 + 1000 }));
    expect(issued.statusCode).toBe(201);
    const body = issued.json();
    expect(body).toMatchObject({ agentName: NAME, capabilities: ['retrain'], caCertificate: ca.certificatePem, serialNumber: expect.any(String), fingerprintSha256: expect.any(String) });
    expect(Date.parse(body.notAfter) - Date.parse(body.notBefore)).toBe(600_000 + 60_000);
    const info = readCapabilityCertificate(body.certificate);
    expect(info.ok && info.value).toMatchObject({ agentName: NAME, capabilities: ['retrain'], serialNumber: body.serialNumber });

    const metrics = await writes();
    expect(metrics).toMatch(/signpost_registry_writes_total\{operation="grant",outcome="accepted"\} 1/);
    expect(metrics).toMatch(/signpost_registry_writes_total\{operation="certificate",outcome="accepted"\} 1/);
  });

  it('refuses a grant not signed by the operator with 403 GRANT_NOT_AUTHORIZED, and changes nothing', async () => {
    const { snapshot } = await setup();
    const before = await snapshot();
    expectProblem(await post(`/v1/agents/${ENCODED}/capabilities`, createCapabilityGrant(owner, NAME, ['retrain'], T0 + 1000)), 403, 'GRANT_NOT_AUTHORIZED');
    expect(await snapshot()).toBe(before);
    expect(await writes()).toMatch(/operation="grant",outcome="GRANT_NOT_AUTHORIZED"\} 1/);
  });

  it('refuses a certificate for an ungranted capability with 403 CAPABILITY_MISSING', async () => {
    await setup();
    const response = await post('/v1/certificates', createCertificateRequest({ key: owner, name: NAME, csrPem, validitySeconds: 600, capabilities: ['retrain'], nowMs: T0 + 1000 }));
    expectProblem(response, 403, 'CAPABILITY_MISSING');
    expect(await writes()).toMatch(/operation="certificate",outcome="CAPABILITY_MISSING"\} 1/);
  });

  it('refuses malformed bodies with problem+json', async () => {
    await setup();
    expectProblem(await post('/v1/certificates', { hello: 'world' }), 400, 'REQUEST_INVALID');
    expectProblem(await post(`/v1/agents/${ENCODED}/capabilities`, []), 400, 'REQUEST_INVALID');
  });

  it('serves the CA certificate and its fingerprint, also in /v1/registry', async () => {
    await setup();
    const response = await app.inject({ method: 'GET', url: '/v1/certificates/ca' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ certificate: ca.certificatePem, fingerprintSha256: 'ab'.repeat(32) });
    expect((await app.inject({ method: 'GET', url: '/v1/registry' })).json()).toMatchObject({ caFingerprintSha256: 'ab'.repeat(32) });
  });

  it('without a CA: the CA route and issuing answer 404 ROUTE_NOT_FOUND, /v1/registry has no fingerprint', async () => {
    await setup(false);
    expectProblem(await app.inject({ method: 'GET', url: '/v1/certificates/ca' }), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await post('/v1/certificates', createCertificateRequest({ key: owner, name: NAME, csrPem, validitySeconds: 600, nowMs: T0 + 1000 })), 404, 'ROUTE_NOT_FOUND');
    expect((await app.inject({ method: 'GET', url: '/v1/registry' })).json().caFingerprintSha256).toBeUndefined();
  });

  it('documents the operations in OpenAPI under the certificates tag', async () => {
    await setup();
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(spec.paths['/v1/certificates'].post.tags).toEqual(['certificates']);
    expect(spec.paths['/v1/certificates/ca'].get.summary).toContain('CA');
    expect(spec.paths['/v1/agents/{name}/capabilities'].post.summary).toContain('Grant');
  });
});
