import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { problem, type Result } from '../errors.js';
import { CachingDidResolver } from '../trust/did-web/caching-did-resolver.js';
import type { DidWebLocation } from '../trust/did-web/did-web-url.js';
import { createStatusChange, createTombstone } from '../record/registration.js';
import { signRecord } from '../record/signing.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { NamespaceOwners } from './namespace-owners.js';
import { Registry } from './registry.js';

const NAME = 'agent://acme.com/billing/invoices';
const agent = testKey(1);
const ownerKey = testKey(5);
const otherOrgKey = testKey(6);
const registryKey = testKey(9);
const OWNER = 'did:web:acme.com#key-1';

/** A DID document listing `key` as an Ed25519 Multikey under assertionMethod. */
function documentOf(did: string, fragment: string, key: { publicKey: Uint8Array; did: string }) {
  const id = `${did}#${fragment}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: key.did.slice('did:key:'.length) }],
    assertionMethod: [id],
  };
}

/**
 * The core resolver with the organisations' documents pinned, as `serve --did-document` does; its
 * fetcher refuses everything, so nothing here reaches a network (the fetching side is tested in
 * src/app/did-web-resolver.test.ts and e2e).
 */
function resolverOf(...documents: object[]) {
  const asked: string[] = [];
  const resolver = new CachingDidResolver({
    pinned: documents,
    clock: { now: () => T0 },
    fetcher: {
      fetch: async ({ did }: DidWebLocation) => {
        asked.push(did);
        return { kind: 'failed' as const, problem: problem('DID_UNRESOLVABLE', `${did} is not pinned, and this test never fetches`) };
      },
    },
  });
  return { resolver, asked };
}

async function setup(overrides?: Record<string, string>) {
  const store = new MemoryRecordStore();
  const { resolver, asked } = resolverOf(
    documentOf('did:web:acme.com', 'key-1', ownerKey),
    documentOf('did:web:evil.example', 'key-1', otherOrgKey),
    documentOf('did:web:acme-holding.example', 'k', ownerKey),
  );
  const registry = new Registry({ store, key: registryKey, clock: manualClock(T0 + 1000), namespaceOwners: new NamespaceOwners({ resolver, ...(overrides ? { overrides } : {}) }) });
  expect((await registry.register(registrationFor(agent, NAME, 100))).ok).toBe(true);
  const snapshot = async () => JSON.stringify([await store.get(NAME), await store.statusEntries('revocation'), await store.statusEntries('suspension')]);
  return { registry, store, asked, before: await snapshot(), snapshot };
}

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]?.code);
const change = (key = ownerKey, action: 'revoke' | 'suspend' | 'reinstate' = 'revoke', by = OWNER, at = T0 + 1000) => createStatusChange(key, NAME, action, `${action} by the namespace owner`, at, by);

describe('Registry: namespace owners change the standing of the agents in their namespace', () => {
  it('lets did:web:acme.com revoke an agent of agent://acme.com/, with the key its DID document lists', async () => {
    const { registry, store, asked } = await setup();
    const result = await registry.changeStatus(NAME, change());
    expect(result.ok && result.value.state).toBe('revoked');
    expect(asked).toEqual([]);
    expect(await store.statusEntries('revocation')).toEqual([expect.objectContaining({ by: OWNER, reason: 'revoke by the namespace owner' })]);
  });

  it('refuses another organisation, a forged signature and an unresolvable key, storing nothing', async () => {
    const { registry, before, snapshot } = await setup();
    expect(codeOf(await registry.changeStatus(NAME, change(otherOrgKey, 'revoke', 'did:web:evil.example#key-1')))).toBe('REVOCATION_NOT_AUTHORIZED');
    // Signed by another key than the one acme.com's document lists under #key-1.
    expect(codeOf(await registry.changeStatus(NAME, change(otherOrgKey)))).toBe('RECORD_SIGNATURE_INVALID');
    expect(codeOf(await registry.changeStatus(NAME, signRecord({ ...change().payload, reason: 'altered' }, agent)))).toBe('RECORD_SIGNATURE_INVALID');
    expect(codeOf(await registry.changeStatus(NAME, change(ownerKey, 'revoke', 'did:web:acme.com#key-2')))).toBe('REVOCATION_NOT_AUTHORIZED');
    // Owner documents that are neither pinned nor fetchable: DID_UNRESOLVABLE, and nothing changes.
    const unpinned = await setup({ 'acme.com': 'did:web:acme-unreachable.example' });
    expect(codeOf(await unpinned.registry.changeStatus(NAME, change(ownerKey, 'revoke', 'did:web:acme-unreachable.example#key-1')))).toBe('DID_UNRESOLVABLE');
    expect(unpinned.asked).toEqual(['did:web:acme-unreachable.example']);
    expect(await unpinned.snapshot()).toBe(unpinned.before);
    expect(codeOf(await registry.changeStatus(NAME, change(ownerKey, 'revoke', 'did:web:acme.com')))).toBe('AGENT_ID_INVALID');
    expect(await snapshot()).toBe(before);
  });

  it('ranks authorities: an agent cannot lift its owner’s suspension, the owner cannot lift the operator’s', async () => {
    const { registry } = await setup();
    expect((await registry.changeStatus(NAME, change(ownerKey, 'suspend'))).ok).toBe(true);
    expect(codeOf(await registry.changeStatus(NAME, createStatusChange(agent, NAME, 'reinstate', 'not me', T0 + 2000)))).toBe('REVOCATION_NOT_AUTHORIZED');
    expect((await registry.changeStatus(NAME, change(ownerKey, 'reinstate', OWNER, T0 + 2000))).ok).toBe(true);

    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'abuse', T0 + 3000))).ok).toBe(true);
    expect(codeOf(await registry.changeStatus(NAME, change(ownerKey, 'reinstate', OWNER, T0 + 4000)))).toBe('REVOCATION_NOT_AUTHORIZED');
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'reinstate', 'resolved', T0 + 4000))).ok).toBe(true);
  });

  it('follows the operator’s override of who owns a namespace', async () => {
    const { registry } = await setup({ 'acme.com': 'did:web:acme-holding.example' });
    expect(codeOf(await registry.changeStatus(NAME, change()))).toBe('REVOCATION_NOT_AUTHORIZED');
    expect((await registry.changeStatus(NAME, change(ownerKey, 'suspend', 'did:web:acme-holding.example#k'))).ok).toBe(true);
  });

  it('without namespace owners configured, a did:web signer has no authority', async () => {
    const store = new MemoryRecordStore();
    const registry = new Registry({ store, key: registryKey, clock: manualClock(T0 + 1000) });
    expect((await registry.register(registrationFor(agent, NAME, 100))).ok).toBe(true);
    expect(codeOf(await registry.changeStatus(NAME, change()))).toBe('REVOCATION_NOT_AUTHORIZED');
  });

  it('lets an owner named by did:key act with that key itself', async () => {
    const { registry } = await setup({ 'acme.com': ownerKey.did });
    expect((await registry.changeStatus(NAME, change(ownerKey, 'suspend', ownerKey.did))).ok).toBe(true);
    expect(codeOf(await registry.changeStatus(NAME, createStatusChange(agent, NAME, 'reinstate', 'not me', T0 + 2000)))).toBe('REVOCATION_NOT_AUTHORIZED');
  });

  it('keeps a suspension in force when its imposer is no longer recognised, and forbids deregistering around it', async () => {
    const { registry, store } = await setup();
    expect((await registry.changeStatus(NAME, change(ownerKey, 'suspend'))).ok).toBe(true);
    // The same store under a registry that no longer knows namespace owners: the agent still cannot lift it.
    const reconfigured = new Registry({ store, key: registryKey, clock: manualClock(T0 + 1000) });
    expect(codeOf(await reconfigured.changeStatus(NAME, createStatusChange(agent, NAME, 'reinstate', 'nobody objects now', T0 + 2000)))).toBe('REVOCATION_NOT_AUTHORIZED');
    // Nor can it deregister and register again to come back with a clean slate.
    expect(codeOf(await reconfigured.deregister(NAME, createTombstone(agent, NAME, 10_000)))).toBe('AGENT_SUSPENDED');
    expect(codeOf(await reconfigured.register(registrationFor(agent, NAME, 10_001)))).toBe('AGENT_SUSPENDED');
    expect((await store.get(NAME))?.state).toBe('suspended');
  });
});
