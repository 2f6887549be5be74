import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import type { CertificateAuthority } from '../ports.js';
import { createCapabilityGrant } from '../record/capability-grant.js';
import { createCertificateRequest } from '../record/certificate-request.js';
import { createStatusChange, createTombstone } from '../record/registration.js';
import { signRecord } from '../record/signing.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { issueCapabilityCertificate, verifyCapabilityCertificate } from '../trust/certificates/index.js';
import { createCsr, createTestCa, generateKeys, seededRandom } from '../trust/certificates/test-support/pki.js';
import { Registry } from './registry.js';

const NAME = 'agent://research-lab/drift-detection/concept-drift-detector';
const owner = testKey(1);
const mallory = testKey(2);
const registryKey = testKey(9);
const DAY = 86_400_000;

const ca = await createTestCa(new Date(T0 - DAY), 'Signpost registry CA', 30);
const csrPem = await createCsr(await generateKeys('p256'));

function codeOf(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.problems[0]?.code;
}

async function setup(options: { withCa?: boolean } = {}) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const issued: string[] = [];
  const certificateAuthority: CertificateAuthority = {
    certificatePem: ca.certificatePem,
    fingerprintSha256: 'test',
    issue: async (input) => {
      issued.push(input.agentName);
      return issueCapabilityCertificate({ ca, ...input, now: new Date(clock.now()), randomBytes: seededRandom(`serial:${issued.length}`) });
    },
  };
  const registry = new Registry({ store, key: registryKey, clock, ...(options.withCa === false ? {} : { certificateAuthority }) });
  expect((await registry.register(registrationFor(owner, NAME, 100))).ok).toBe(true);
  const snapshot = async () => JSON.stringify(await store.get(NAME));
  return { store, clock, registry, issued, snapshot, before: await snapshot() };
}

const grant = (capabilities: string[], at = T0 + 1000, key = registryKey, name = NAME) => createCapabilityGrant(key, name, capabilities, at);
const request = (overrides: { key?: typeof owner; capabilities?: string[]; at?: number; validitySeconds?: number; name?: string } = {}) =>
  createCertificateRequest({
    key: overrides.key ?? owner,
    name: overrides.name ?? NAME,
    csrPem,
    validitySeconds: overrides.validitySeconds ?? 3600,
    ...(overrides.capabilities ? { capabilities: overrides.capabilities } : {}),
    nowMs: overrides.at ?? T0 + 1000,
  });

describe('Registry: capability grants', () => {
  it('stores the operator’s countersigned grant on the agent and raises the stored sequence', async () => {
    const { registry, store } = await setup();
    const seen: string[] = [];
    registry.onChange(({ name }) => seen.push(name));
    const result = await registry.grantCapabilities(NAME, grant(['retrain', 'monitor']));
    expect(result.ok).toBe(true);
    const agent = await store.get(NAME);
    expect(agent?.state === 'active' && agent.capabilityGrant?.payload.capabilities).toEqual(['monitor', 'retrain']);
    expect(agent?.state === 'active' && agent.capabilityGrant?.countersig.by).toBe(registryKey.did);
    expect(agent?.seq).toBe(101);
    expect(seen).toEqual([NAME]);
  });

  it('accepts any name form in the path', async () => {
    const { registry } = await setup();
    expect((await registry.grantCapabilities('concept-drift-detector.drift-detection@research-lab', grant(['retrain']))).ok).toBe(true);
  });

  it('replaces the previous grant; an empty list withdraws every grant', async () => {
    const { registry, store } = await setup();
    expect((await registry.grantCapabilities(NAME, grant(['retrain']))).ok).toBe(true);
    expect((await registry.grantCapabilities(NAME, grant([], T0 + 2000))).ok).toBe(true);
    const agent = await store.get(NAME);
    expect(agent?.state === 'active' && agent.capabilityGrant?.payload.capabilities).toEqual([]);
  });

  it.each([
    ['signed by the agent itself', () => grant(['retrain'], T0 + 1000, owner), 'GRANT_NOT_AUTHORIZED'],
    ['signed by a stranger', () => grant(['retrain'], T0 + 1000, mallory), 'GRANT_NOT_AUTHORIZED'],
    ['with a forged signature', () => ({ ...grant(['retrain']), payload: { ...grant(['retrain']).payload, capabilities: ['deploy'] } }), 'RECORD_SIGNATURE_INVALID'],
    ['signed 10 minutes ago', () => grant(['retrain'], T0 - 10 * 60_000), 'RECORD_EXPIRED'],
    ['signed 10 minutes ahead', () => grant(['retrain'], T0 + 10 * 60_000), 'RECORD_EXPIRED'],
    ['for another name', () => grant(['retrain'], T0 + 1000, registryKey, 'agent://research-lab/other'), 'RECORD_NAME_MISMATCH'],
    ['with an unsorted list', () => signRecord({ ...grant(['a']).payload, capabilities: ['retrain', 'monitor'] }, registryKey), 'RECORD_INVALID'],
    ['with an unknown field', () => signRecord({ ...grant(['a']).payload, note: 'x' }, registryKey), 'RECORD_UNKNOWN_FIELD'],
    ['not a signed envelope', () => ({ payload: grant(['a']).payload }), 'REQUEST_INVALID'],
  ])('refuses a grant %s, and changes nothing', async (_why, body, code) => {
    const { registry, snapshot, before } = await setup();
    expect(codeOf(await registry.grantCapabilities(NAME, body()))).toBe(code);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a replayed or older grant (SEQUENCE_STALE), and changes nothing', async () => {
    const { registry, snapshot } = await setup();
    const first = grant(['retrain'], T0 + 2000);
    expect((await registry.grantCapabilities(NAME, first)).ok).toBe(true);
    const after = await snapshot();
    expect(codeOf(await registry.grantCapabilities(NAME, first))).toBe('SEQUENCE_STALE');
    expect(codeOf(await registry.grantCapabilities(NAME, grant(['deploy'], T0 + 1000)))).toBe('SEQUENCE_STALE');
    expect(await snapshot()).toBe(after);
  });

  it('refuses grants for unknown, suspended, revoked and deregistered names', async () => {
    const { registry, clock } = await setup();
    expect(codeOf(await registry.grantCapabilities('agent://research-lab/nobody', grant(['a'], T0 + 1000, registryKey, 'agent://research-lab/nobody')))).toBe('AGENT_NOT_FOUND');
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'check', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await registry.grantCapabilities(NAME, grant(['a'])))).toBe('AGENT_SUSPENDED');
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'leaked', T0 + 2000))).ok).toBe(true);
    expect(codeOf(await registry.grantCapabilities(NAME, grant(['a'], T0 + 2000)))).toBe('AGENT_REVOKED');

    const other = 'agent://research-lab/gone';
    expect((await registry.register(registrationFor(owner, other, 100))).ok).toBe(true);
    expect((await registry.deregister(other, createTombstone(owner, other, 101))).ok).toBe(true);
    expect(codeOf(await registry.grantCapabilities(other, grant(['a'], T0 + 2000, registryKey, other)))).toBe('AGENT_DEREGISTERED');
  });

  it('keeps the grant across updates of the same binding and a suspension; a new binding starts without one', async () => {
    const { registry, store, clock } = await setup();
    expect((await registry.grantCapabilities(NAME, grant(['retrain']))).ok).toBe(true);
    expect((await registry.register(registrationFor(owner, NAME, 200))).ok).toBe(true);
    let agent = await store.get(NAME);
    expect(agent?.state === 'active' && agent.capabilityGrant?.payload.capabilities).toEqual(['retrain']);

    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'suspend', 'pause', T0 + 1000))).ok).toBe(true);
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'reinstate', 'resume', T0 + 2000))).ok).toBe(true);
    agent = await store.get(NAME);
    expect(agent?.state === 'active' && agent.capabilityGrant?.payload.capabilities).toEqual(['retrain']);

    // Released, then taken by another key: that binding has no grants.
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 1_000, true))).ok).toBe(true);
    expect((await registry.register(registrationFor(mallory, NAME, 2_000))).ok).toBe(true);
    agent = await store.get(NAME);
    expect(agent?.state === 'active' && agent.capabilityGrant).toBeUndefined();
  });
});

describe('Registry: certificate requests', () => {
  it('issues a certificate with every granted capability by default; it verifies against the CA; nothing is stored', async () => {
    const { registry, snapshot, clock } = await setup();
    expect((await registry.grantCapabilities(NAME, grant(['retrain', 'monitor']))).ok).toBe(true);
    const before = await snapshot();
    const issued = await registry.issueCertificate(request());
    expect(issued.ok).toBe(true);
    if (!issued.ok) return;
    expect(issued.value).toMatchObject({ agentName: NAME, capabilities: ['monitor', 'retrain'] });
    expect(issued.value.notAfter.getTime()).toBe(Math.floor((clock.now() + 3600_000) / 1000) * 1000);
    const check = await verifyCapabilityCertificate(issued.value.certificatePem, {
      caCertificatePem: ca.certificatePem,
      now: new Date(clock.now()),
      expectedName: NAME,
      requiredCapability: 'retrain',
    });
    expect(check.verified).toBe(true);
    expect(await snapshot()).toBe(before);
  });

  it('issues only the requested subset', async () => {
    const { registry } = await setup();
    expect((await registry.grantCapabilities(NAME, grant(['retrain', 'monitor']))).ok).toBe(true);
    const issued = await registry.issueCertificate(request({ capabilities: ['retrain'] }));
    expect(issued.ok && issued.value.capabilities).toEqual(['retrain']);
  });

  it('issues an identity-only certificate to an agent without grants', async () => {
    const { registry } = await setup();
    const issued = await registry.issueCertificate(request());
    expect(issued.ok && issued.value.capabilities).toEqual([]);
  });

  it.each([
    ['a capability that was never granted', () => request({ capabilities: ['deploy'] }), 'CAPABILITY_MISSING'],
    ['signed by another key than the bound one', () => request({ key: mallory }), 'NAME_TAKEN'],
    ['with a forged signature', () => ({ ...request(), payload: { ...request().payload, validitySeconds: 86_400 } }), 'RECORD_SIGNATURE_INVALID'],
    ['signed 10 minutes ago', () => request({ at: T0 - 10 * 60_000 }), 'RECORD_EXPIRED'],
    ['signed 10 minutes ahead', () => request({ at: T0 + 10 * 60_000 }), 'RECORD_EXPIRED'],
    ['for a name never registered', () => request({ name: 'agent://research-lab/nobody' }), 'AGENT_NOT_FOUND'],
    ['with a validity over 24 h', () => signRecord({ ...request().payload, validitySeconds: 90_000 }, owner), 'RECORD_INVALID'],
    ['with an unknown field', () => signRecord({ ...request().payload, subject: 'CN=admin' }, owner), 'RECORD_UNKNOWN_FIELD'],
    ['with a CSR that is not one', () => signRecord({ ...request().payload, csr: 'not a csr' }, owner), 'CSR_INVALID'],
  ])('refuses a request %s, issues nothing and changes nothing', async (_why, body, code) => {
    const { registry, snapshot, issued } = await setup();
    expect((await registry.grantCapabilities(NAME, grant(['retrain']))).ok).toBe(true);
    const before = await snapshot();
    expect(codeOf(await registry.issueCertificate(body()))).toBe(code);
    if (code !== 'CSR_INVALID') expect(issued).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses suspended and revoked agents', async () => {
    const { registry, clock } = await setup();
    expect((await registry.grantCapabilities(NAME, grant(['retrain']))).ok).toBe(true);
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'check', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await registry.issueCertificate(request()))).toBe('AGENT_SUSPENDED');
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'leaked', T0 + 2000))).ok).toBe(true);
    expect(codeOf(await registry.issueCertificate(request({ at: T0 + 2000 })))).toBe('AGENT_REVOKED');
  });

  it('refuses clearly when the registry runs no CA', async () => {
    const { registry } = await setup({ withCa: false });
    const result = await registry.issueCertificate(request());
    expect(codeOf(result)).toBe('ROUTE_NOT_FOUND');
    expect(!result.ok && result.problems[0]!.detail).toContain('no certificate authority');
    expect(registry.certificateAuthority).toBeUndefined();
  });
});
