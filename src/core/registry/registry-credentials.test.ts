import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { createStatusChange } from '../record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { createDocumentLoader } from '../trust/credentials/document-loader.js';
import { verifyFactsCredential } from '../trust/credentials/facts-credential.js';
import { checkCredentialStatus } from '../trust/credentials/status-list.js';
import { Registry } from './registry.js';
import { registryCredentials, STATUS_LIST_SIZE, StatusListPublisher, statusAllocation } from './registry-credentials.js';
import type { ActiveAgent } from './stored-agent.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
const registryKey = testKey(9);
const credentials = registryCredentials('https://registry.example/', registryKey);
const did = credentials.issuer.did;
const documentLoader = createDocumentLoader({ didDocuments: (d) => (d === did ? credentials.didDocument : undefined) });

function setup() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock, credentials });
  const lists = new StatusListPublisher(registry, () => registry.credentials, clock);
  registry.onChange(() => lists.invalidate());
  return { store, clock, registry, lists };
}

async function statusOf(lists: StatusListPublisher, vc: ActiveAgent['credential'] & object, purpose: 'revocation' | 'suspension', now: number) {
  const entry = vc.vc.credentialStatus?.find((e) => e.statusPurpose === purpose);
  const list = await lists.list(purpose, Math.floor(vc.index / STATUS_LIST_SIZE));
  return (await checkCredentialStatus(entry, list, { documentLoader, now, trustedIssuers: [did] })).status;
}

describe('registry credentials', () => {
  it('names the registry by did:web and lists its status lists under its public URL', () => {
    expect(did).toBe('did:web:registry.example');
    expect(statusAllocation(credentials, 'revocation', STATUS_LIST_SIZE + 7)).toEqual({ listUrl: 'https://registry.example/v1/status/revocation/1', index: 7 });
  });

  it('issues a facts VC on registration that a verifier checks with the did:web key alone', async () => {
    const { registry } = setup();
    const result = await registry.register(registrationFor(owner, NAME, 1));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { credential, addr } = result.value.agent;
    expect(credential?.vc.issuer).toBe(did);
    const verified = await verifyFactsCredential(credential!.vc, { documentLoader, now: T0 + 2000, trustedIssuers: [did], expectedFactsSha256: addr.payload.factsSha256 });
    expect(verified).toMatchObject({ verified: true, errors: [] });
    expect(credential!.index).not.toBe(result.value.agent.statusIndex);
  });

  it('revokes the credential of the old facts when the agent updates them, in the same write', async () => {
    const { registry, lists } = setup();
    const first = await registry.register(registrationFor(owner, NAME, 1));
    const second = await registry.register(registrationFor(owner, NAME, 2, { claims: { description: 'new facts' } }));
    if (!first.ok || !second.ok) throw new Error('registration failed');
    expect(await statusOf(lists, first.value.agent.credential!, 'revocation', T0 + 2000)).toBe('revoked');
    expect(await statusOf(lists, second.value.agent.credential!, 'revocation', T0 + 2000)).toBe('ok');
    expect(second.value.agent.statusIndex).toBe(first.value.agent.statusIndex);
  });

  it('sets the bits of the binding and of its credential on revocation and suspension; the served list shows it at once', async () => {
    const { registry, store, lists, clock } = setup();
    const registered = await registry.register(registrationFor(owner, NAME, 1));
    if (!registered.ok) throw new Error('registration failed');
    const agent = registered.value.agent;
    expect(await statusOf(lists, agent.credential!, 'suspension', T0 + 2000)).toBe('ok');
    await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'suspend', 'audit', T0 + 1000));
    expect(await statusOf(lists, agent.credential!, 'suspension', T0 + 2000)).toBe('suspended');
    clock.advance(1000);
    await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'leaked', T0 + 2000));
    expect(await statusOf(lists, agent.credential!, 'revocation', T0 + 3000)).toBe('revoked');
    expect((await store.statusEntries('revocation')).map((e) => e.index).sort()).toEqual([agent.statusIndex, agent.credential!.index].sort());
  });
});
