/**
 * Small-order and non-canonical Ed25519 keys (docs/spec.md section 2): an agent id, a signer or a
 * namespace owner's key that is such a point is refused with KEY_WEAK wherever it enters the
 * registry, and nothing is stored. Their "signatures" are the universal one (R = identity, S = 0),
 * which OpenSSL accepts for the identity key and every message.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { fail, type Result } from '../errors.js';
import type { CertificateAuthority } from '../ports.js';
import { createCapabilityGrant } from '../record/capability-grant.js';
import { createCertificateRequest } from '../record/certificate-request.js';
import { createRotation, createStatusChange, createTombstone } from '../record/registration.js';
import { signRecord } from '../record/signing.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { didKeyFromPublicKey } from '../trust/did-key.js';
import { CachingDidResolver } from '../trust/did-web/caching-did-resolver.js';
import { createIssuerKeyPair } from '../trust/disclosure/issuer-keys.js';
import type { SigningKey } from '../trust/ed25519.js';
import { NamespaceOwners } from './namespace-owners.js';
import { Registry } from './registry.js';
import { registryCredentials } from './registry-credentials.js';
import { createCapabilityCredentialRequest, RegistryDisclosure } from './registry-disclosure.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
const registryKey = testKey(9);
const IDENTITY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);
const UNIVERSAL_SIGNATURE = Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]);

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
/** Every small-order point (canonical, and the sign-bit and y >= p spellings), and one other non-canonical y. */
const WEAK_KEYS: [string, Uint8Array][] = [
  ['the identity', IDENTITY],
  ['the identity with x = -0', fromHex(`01${'00'.repeat(30)}80`)],
  ['(0, -1), of order 2', fromHex(`ec${'ff'.repeat(30)}7f`)],
  ['(sqrt(-1), 0), of order 4', fromHex('00'.repeat(32))],
  ['(-sqrt(-1), 0), of order 4', fromHex(`${'00'.repeat(31)}80`)],
  ['a point of order 8', fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')],
  ['another point of order 8', fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa')],
  ['y = p (0, non-canonical)', fromHex(`ed${'ff'.repeat(30)}7f`)],
  ['y = p + 2 (non-canonical)', fromHex(`ef${'ff'.repeat(30)}7f`)],
];

/** A "key" anyone holds: it names a weak point and "signs" everything with the universal signature. */
function forger(raw: Uint8Array = IDENTITY): SigningKey {
  return { did: didKeyFromPublicKey(raw), publicKey: raw, sign: () => UNIVERSAL_SIGNATURE };
}

const problemsOf = (result: Result<unknown>) => (result.ok ? [] : result.problems);

async function setup(options: { registered?: boolean; namespaceOwners?: NamespaceOwners } = {}) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const issued: string[] = [];
  const certificateAuthority: CertificateAuthority = {
    certificatePem: '',
    fingerprintSha256: 'test',
    issue: async (input) => (issued.push(input.agentName), fail('INTERNAL', 'this test CA never issues')),
  };
  const registry = new Registry({ store, key: registryKey, clock, certificateAuthority, ...(options.namespaceOwners ? { namespaceOwners: options.namespaceOwners } : {}) });
  if (options.registered !== false) expect((await registry.register(registrationFor(owner, NAME, 100))).ok).toBe(true);
  const snapshot = async () =>
    JSON.stringify([await store.count(), await store.get(NAME), await store.statusEntries('revocation'), await store.statusEntries('suspension')]);
  return { store, clock, registry, issued, snapshot, before: await snapshot() };
}

describe('Registry: weak agent keys are refused with KEY_WEAK, and nothing is stored', () => {
  it.each(WEAK_KEYS)('refuses to register an agent whose did:key is %s', async (_what, raw) => {
    const { registry, store, snapshot, before } = await setup({ registered: false });
    const result = await registry.register(registrationFor(forger(raw), NAME, 100));
    expect(problemsOf(result)).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/addr/payload/agentId' })]);
    expect(await snapshot()).toBe(before);
    expect(await store.get(NAME)).toBeUndefined();
    expect(problemsOf(await registry.lookup(NAME))[0]?.code).toBe('AGENT_NOT_FOUND');
  });

  it('refuses AgentFacts whose id is a weak key, even under a genuine AgentAddr', async () => {
    const { registry, snapshot, before } = await setup();
    const genuine = registrationFor(owner, NAME, 101);
    const facts = signRecord({ ...genuine.facts.payload, id: forger().did }, owner);
    const result = await registry.register({ addr: genuine.addr, facts });
    expect(problemsOf(result)).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/facts/payload/id' })]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a rotation of a bound name to a weak key', async () => {
    const { registry, snapshot, before } = await setup();
    const rotation = createRotation({ ...registrationInput(101), from: owner, to: forger() });
    expect(problemsOf(await registry.register(rotation))[0]).toMatchObject({ code: 'KEY_WEAK', pointer: '/addr/payload/agentId' });
    expect(await snapshot()).toBe(before);
  });

  it('refuses a revocation and a suspension "signed" by a weak did:key', async () => {
    const { registry, snapshot, before } = await setup();
    for (const action of ['revoke', 'suspend'] as const) {
      const change = createStatusChange(forger(), NAME, action, 'forged', T0 + 1000);
      expect(problemsOf(await registry.changeStatus(NAME, change))).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/payload/by' })]);
    }
    expect(await snapshot()).toBe(before);
    expect((await registry.lookup(NAME)).ok).toBe(true);
  });

  it('refuses a revocation by a namespace owner whose DID document lists a weak key', async () => {
    const did = 'did:web:acme.com';
    const weakDocument = {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: did,
      verificationMethod: [{ id: '#key-1', type: 'Multikey', controller: did, publicKeyMultibase: forger().did.slice('did:key:'.length) }],
      assertionMethod: ['#key-1'],
    };
    const resolver = new CachingDidResolver({
      clock: manualClock(T0),
      fetcher: { fetch: async () => ({ kind: 'document' as const, body: JSON.stringify(weakDocument), cacheControl: 'max-age=600' }) },
    });
    const { registry, snapshot, before } = await setup({ namespaceOwners: new NamespaceOwners({ resolver }) });
    const change = createStatusChange(forger(), NAME, 'revoke', 'forged by the namespace owner', T0 + 1000, `${did}#key-1`);
    expect(problemsOf(await registry.changeStatus(NAME, change))).toEqual([expect.objectContaining({ code: 'KEY_WEAK', detail: expect.stringContaining('small-order point') })]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a tombstone for a weak key', async () => {
    const { registry, snapshot, before } = await setup();
    expect(problemsOf(await registry.deregister(NAME, createTombstone(forger(), NAME, 101, true)))).toEqual([
      expect.objectContaining({ code: 'KEY_WEAK', pointer: '/payload/agentId' }),
    ]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a capability grant "signed" by a weak key', async () => {
    const { registry, snapshot, before } = await setup();
    const grant = createCapabilityGrant(forger(), NAME, ['invoice.send'], T0 + 1000);
    expect(problemsOf(await registry.grantCapabilities(NAME, grant))).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/payload/by' })]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a certificate request for a weak agent id; the CA is never asked', async () => {
    const { registry, issued } = await setup();
    const request = createCertificateRequest({ key: forger(), name: NAME, csrPem: '-----BEGIN CERTIFICATE REQUEST-----', validitySeconds: 3600, nowMs: T0 + 1000 });
    expect(problemsOf(await registry.issueCertificate(request))).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/payload/agentId' })]);
    expect(issued).toEqual([]);
  });

  it('refuses a capability credential request for a weak agent id', async () => {
    const { registry, clock } = await setup();
    const disclosure = new RegistryDisclosure({ registry, clock });
    await disclosure.useIssuer(registryCredentials('https://registry.example', registryKey), registryKey, await createIssuerKeyPair({ seed: new Uint8Array(32).fill(5) }));
    const request = createCapabilityCredentialRequest({ key: forger(), name: NAME, nowMs: T0 + 1000 });
    expect(problemsOf(await disclosure.issue(NAME, request))[0]).toMatchObject({ code: 'KEY_WEAK', pointer: '/payload/agentId' });
  });

  it('says why a non-canonical signature by a genuine key does not verify (S >= L)', async () => {
    const { registry, snapshot, before } = await setup();
    const update = registrationFor(owner, NAME, 101);
    const malleated = { ...update, addr: { ...update.addr, sig: withSPlusL(update.addr.sig) } };
    expect(problemsOf(await registry.register(malleated))).toEqual([
      expect.objectContaining({ code: 'RECORD_SIGNATURE_INVALID', pointer: '/addr/sig', detail: expect.stringContaining('S is not below the group order L') }),
    ]);
    expect(await snapshot()).toBe(before);
  });
});

function registrationInput(seq: number) {
  return {
    name: NAME,
    claims: { label: 'Invoices', endpoints: { static: [{ url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a' }] } },
    factsUrl: `https://registry.example/v1/agents/${encodeURIComponent(NAME)}/facts`,
    seq,
    nowMs: T0,
  };
}

/** The same signature with S + L (S < L < 2^253, so it still fits in 32 bytes). */
function withSPlusL(sig: string): string {
  const bytes = Buffer.from(sig, 'base64url');
  const order = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = bytes[32 + i]! + order[i]! + carry;
    bytes[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  return bytes.toString('base64url');
}

