import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import { createCapabilityGrant } from '../record/capability-grant.js';
import { createStatusChange, createTombstone } from '../record/registration.js';
import { signRecord } from '../record/signing.js';
import { verifyAgentRecords } from '../record/verify.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import { Registry } from './registry.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
const mallory = testKey(2);
const registryKey = testKey(9);

function setup() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  return { store, clock, registry };
}

function codeOf(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.problems[0]?.code;
}

/** Register once, then return a snapshot function proving later refusals changed nothing. */
async function registered() {
  const context = setup();
  const first = await context.registry.register(registrationFor(owner, NAME, 100));
  expect(first.ok).toBe(true);
  const snapshot = async () => JSON.stringify(await context.store.get(NAME));
  return { ...context, before: await snapshot(), snapshot };
}

describe('Registry: registration', () => {
  it('binds a new name to the key, countersigns both records, and the result verifies', async () => {
    const { registry } = setup();
    const result = await registry.register(registrationFor(owner, NAME, 100));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.created).toBe(true);
    const agent = result.value.agent;
    expect(agent.agentId).toBe(owner.did);
    expect(agent.addr.countersig.by).toBe(registryKey.did);
    expect(agent.search.protocols).toEqual(['a2a', 'https']);
    const check = verifyAgentRecords({ addr: agent.addr, facts: agent.facts }, { registryDid: registryKey.did, expectedName: NAME, nowMs: T0 + 2000 });
    expect(check).toEqual({ verified: true, errors: [] });
  });

  it('accepts an update signed by the same key with a higher sequence', async () => {
    const { registry } = await registered();
    const update = await registry.register(registrationFor(owner, NAME, 101));
    expect(update.ok && update.value.created).toBe(false);
    expect((await registry.lookup(NAME)).ok && (await registry.lookup(NAME))).toMatchObject({ value: { seq: 101 } });
  });

  it.each([
    ['a replay of the same record', 100],
    ['a rollback to an older sequence', 99],
  ])('refuses %s with SEQUENCE_STALE and keeps the stored record', async (_why, seq) => {
    const { registry, before, snapshot } = await registered();
    expect(codeOf(await registry.register(registrationFor(owner, NAME, seq)))).toBe('SEQUENCE_STALE');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a name bound to another key (NAME_TAKEN)', async () => {
    const { registry, before, snapshot } = await registered();
    expect(codeOf(await registry.register(registrationFor(mallory, NAME, 10_000)))).toBe('NAME_TAKEN');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a record that claims the owner key but is signed by another (RECORD_SIGNATURE_INVALID)', async () => {
    const { registry, before, snapshot } = await registered();
    const genuine = registrationFor(owner, NAME, 200);
    const forged = { addr: signRecord(genuine.addr.payload, mallory), facts: genuine.facts };
    expect(codeOf(await registry.register(forged))).toBe('RECORD_SIGNATURE_INVALID');
    const forgedFacts = { addr: genuine.addr, facts: signRecord(genuine.facts.payload, mallory) };
    expect(codeOf(await registry.register(forgedFacts))).toBe('RECORD_SIGNATURE_INVALID');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a tampered signature, facts that do not match the digest, and unknown signed fields', async () => {
    const { registry, before, snapshot } = await registered();
    const genuine = registrationFor(owner, NAME, 200);
    const badSig = { ...genuine, addr: { ...genuine.addr, sig: genuine.addr.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } };
    expect(codeOf(await registry.register(badSig))).toBe('RECORD_SIGNATURE_INVALID');

    const otherFacts = signRecord({ ...genuine.facts.payload, description: 'something else' }, owner);
    expect(codeOf(await registry.register({ addr: genuine.addr, facts: otherFacts }))).toBe('FACTS_DIGEST_MISMATCH');

    const extraAddr = signRecord({ ...genuine.addr.payload, verified: true }, owner);
    const unknownAddr = await registry.register({ addr: extraAddr, facts: genuine.facts });
    expect(codeOf(unknownAddr)).toBe('RECORD_UNKNOWN_FIELD');
    expect(!unknownAddr.ok && unknownAddr.problems[0]?.pointer).toBe('/addr/payload/verified');

    const extraFactsPayload = { ...genuine.facts.payload, favouriteColour: 'blue' };
    const extraFacts = signRecord(extraFactsPayload, owner);
    const addrForExtra = signRecord({ ...genuine.addr.payload, factsSha256: canonicalSha256Hex(extraFactsPayload) }, owner);
    expect(codeOf(await registry.register({ addr: addrForExtra, facts: extraFacts }))).toBe('RECORD_UNKNOWN_FIELD');
    expect(codeOf(await registry.register({ ...genuine, extra: 1 }))).toBe('RECORD_UNKNOWN_FIELD');
    expect(await snapshot()).toBe(before);
  });

  it.each([
    ['verified', { verified: true }],
    ['a trust score', { trustScore: 0.99 }],
    ['evaluations', { evaluations: { performanceScore: 5 } }],
    ['a certification issued by someone else', { certifications: [{ name: 'HIPAA', issuer: 'did:web:auditor.example' }] }],
    ['verified, hidden in an open extension object', { extensions: { acme: { badge: { verified: true } } } }],
    ['a trust score inside a skill', { skills: [{ id: 'x', trustScore: 1 }] }],
  ])('refuses a registrant that sets %s (FACTS_ATTESTED_FIELD)', async (_what, claims) => {
    const { registry, store } = setup();
    const registration = registrationFor(owner, NAME, 1, { claims });
    expect(codeOf(await registry.register(registration))).toBe('FACTS_ATTESTED_FIELD');
    expect(await store.get(NAME)).toBeUndefined();
  });

  it('accepts a certification the agent declares about itself, but does not index it as attested', async () => {
    const { registry } = setup();
    const result = await registry.register(registrationFor(owner, NAME, 1, { claims: { certifications: [{ name: 'ISO 27001', issuer: owner.did }] } }));
    expect(result.ok).toBe(true);
    // Even with the agent itself trusted as issuer: only stored certification credentials are searchable.
    const found = await registry.search({ certification: { name: 'ISO 27001', trustedIssuers: [owner.did], at: T0 + 2000 }, limit: 10 });
    expect(found.items).toEqual([]);
    expect((await registry.search({ text: 'invoices', limit: 10 })).items).toHaveLength(1);
  });

  it('refuses invalid names, expired records and too-long validity, storing nothing', async () => {
    const { registry, store, clock } = setup();
    const bad = registrationFor(owner, NAME, 1);
    const renamed = signRecord({ ...bad.addr.payload, name: 'agent://acme.com/Bad_Name' }, owner);
    expect(codeOf(await registry.register({ addr: renamed, facts: bad.facts }))).toBe('NAME_BAD_CHARACTER');
    const nonCanonical = signRecord({ ...bad.addr.payload, name: 'urn:agent:acme.com:billing:invoices' }, owner);
    expect(codeOf(await registry.register({ addr: nonCanonical, facts: bad.facts }))).toBe('RECORD_INVALID');

    clock.set(T0 + 91 * 86_400_000);
    expect(codeOf(await registry.register(registrationFor(owner, NAME, 2)))).toBe('RECORD_EXPIRED');
    clock.set(T0);
    expect(codeOf(await registry.register(registrationFor(owner, NAME, 3, { validityMs: 400 * 86_400_000 })))).toBe('RECORD_VALIDITY_TOO_LONG');
    expect(await store.get(NAME)).toBeUndefined();
  });

  it('refuses facts about another agent (FACTS_SUBJECT_MISMATCH)', async () => {
    const { registry, store } = setup();
    const genuine = registrationFor(owner, NAME, 1);
    const other = registrationFor(owner, 'agent://acme.com/billing/other', 1);
    const addr = signRecord({ ...genuine.addr.payload, factsSha256: other.addr.payload.factsSha256 }, owner);
    expect(codeOf(await registry.register({ addr, facts: other.facts }))).toBe('FACTS_SUBJECT_MISMATCH');
    expect(await store.get(NAME)).toBeUndefined();
  });

  it('refuses bodies that are not registrations at all', async () => {
    const { registry } = setup();
    for (const body of [null, 42, 'x', [], {}, { addr: {} }, { addr: { payload: {}, sig: 'x' }, facts: null }]) {
      expect(codeOf(await registry.register(body))).toMatch(/^(REQUEST_INVALID|RECORD_INVALID)$/);
    }
    expect(await registry.count()).toEqual({ active: 0, suspended: 0, revoked: 0, deregistered: 0 });
  });

  it('notifies listeners of accepted writes only', async () => {
    const { registry } = setup();
    const seen: string[] = [];
    registry.onChange(({ name }) => seen.push(name));
    await registry.register(registrationFor(owner, NAME, 1));
    await registry.register(registrationFor(owner, NAME, 1));
    expect(seen).toEqual([NAME]);
  });
});

describe('Registry: deregistration', () => {
  it('takes a tombstone signed by the owner; lookups then answer AGENT_DEREGISTERED', async () => {
    const { registry } = await registered();
    const result = await registry.deregister('invoices.billing@acme.com', createTombstone(owner, NAME, 101));
    expect(result.ok).toBe(true);
    expect(codeOf(await registry.lookup(NAME))).toBe('AGENT_DEREGISTERED');
    expect(await registry.count()).toEqual({ active: 0, suspended: 0, revoked: 0, deregistered: 1 });
  });

  it('refuses tombstones by another key, stale ones, for another name, or for unknown names', async () => {
    const { registry, before, snapshot } = await registered();
    expect(codeOf(await registry.deregister(NAME, createTombstone(mallory, NAME, 500)))).toBe('NAME_TAKEN');
    const forged = signRecord(createTombstone(owner, NAME, 500).payload, mallory);
    expect(codeOf(await registry.deregister(NAME, forged))).toBe('RECORD_SIGNATURE_INVALID');
    expect(codeOf(await registry.deregister(NAME, createTombstone(owner, NAME, 100)))).toBe('SEQUENCE_STALE');
    expect(codeOf(await registry.deregister(NAME, createTombstone(owner, 'agent://acme.com/other', 500)))).toBe('RECORD_NAME_MISMATCH');
    expect(codeOf(await registry.deregister('agent://acme.com/nobody', createTombstone(owner, 'agent://acme.com/nobody', 5)))).toBe('AGENT_NOT_FOUND');
    expect(await snapshot()).toBe(before);
  });

  it('keeps the name bound after a plain tombstone, and frees it after a releasing one', async () => {
    const { registry } = await registered();
    await registry.deregister(NAME, createTombstone(owner, NAME, 101));
    expect(codeOf(await registry.register(registrationFor(mallory, NAME, 10_000)))).toBe('NAME_TAKEN');
    expect(codeOf(await registry.register(registrationFor(owner, NAME, 100)))).toBe('SEQUENCE_STALE');
    const back = await registry.register(registrationFor(owner, NAME, 102));
    expect(back.ok && back.value.created).toBe(true);

    await registry.deregister(NAME, createTombstone(owner, NAME, 103, true));
    // The old owner still cannot replay its older records into the released name ...
    expect(codeOf(await registry.register(registrationFor(owner, NAME, 102)))).toBe('SEQUENCE_STALE');
    // ... nor can a new key come back with a record older than the tombstone ...
    expect(codeOf(await registry.register(registrationFor(mallory, NAME, 1)))).toBe('SEQUENCE_STALE');
    // ... but a new key may take it with a newer one.
    expect((await registry.register(registrationFor(mallory, NAME, 104))).ok).toBe(true);
  });

  it('never accepts a record older than the latest state of a name, whatever key signed either (replay after two releases)', async () => {
    const { registry, store } = setup();
    const bob = testKey(3);
    const aliceOld = registrationFor(owner, NAME, 100);
    expect((await registry.register(aliceOld)).ok).toBe(true);
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 101, true))).ok).toBe(true);
    expect((await registry.register(registrationFor(bob, NAME, 200))).ok).toBe(true);
    expect((await registry.deregister(NAME, createTombstone(bob, NAME, 201, true))).ok).toBe(true);
    const before = JSON.stringify(await store.get(NAME));
    // Alice's old record is public (any resolve answer carried it) and needs no key to replay.
    expect(codeOf(await registry.register(aliceOld))).toBe('SEQUENCE_STALE');
    expect(codeOf(await registry.register(registrationFor(bob, NAME, 200)))).toBe('SEQUENCE_STALE');
    expect(JSON.stringify(await store.get(NAME))).toBe(before);
    expect(codeOf(await registry.lookup(NAME))).toBe('AGENT_DEREGISTERED');
  });
});

describe('Registry: revocation and suspension', () => {
  const change = (key = owner, action: 'revoke' | 'suspend' | 'reinstate' = 'revoke', at = T0 + 1000, name = NAME) =>
    createStatusChange(key, name, action, `${action} for a test`, at);

  it('revokes with the agent key: lookups answer AGENT_REVOKED with the reason, the revocation bit is set', async () => {
    const { registry, store } = await registered();
    const seen: string[] = [];
    registry.onChange(({ agent }) => seen.push(agent.state));
    const result = await registry.changeStatus(NAME, change());
    expect(result.ok && result.value.state).toBe('revoked');
    const lookup = await registry.lookup(NAME);
    expect(codeOf(lookup)).toBe('AGENT_REVOKED');
    expect(!lookup.ok && lookup.problems[0]!.detail).toContain('revoke for a test');
    const agent = await store.get(NAME);
    expect(await store.statusEntries('revocation')).toEqual([{ index: agent!.state === 'revoked' ? agent!.statusIndex : -1, reason: 'revoke for a test', at: '2026-01-01T00:00:01Z', by: owner.did }]);
    expect(seen).toEqual(['revoked']);
    // Nothing signed by the revoked key changes the name again.
    expect(codeOf(await registry.register(registrationFor(owner, NAME, 1_000)))).toBe('AGENT_REVOKED');
    expect(codeOf(await registry.deregister(NAME, createTombstone(owner, NAME, 1_000)))).toBe('AGENT_REVOKED');
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'revoke', T0 + 2000)))).toBe('AGENT_REVOKED');
    expect(codeOf(await registry.register(registrationFor(mallory, NAME, 1_000)))).toBe('AGENT_REVOKED');
  });

  it('suspends and reinstates; the suspension bit follows, and updates wait until reinstated', async () => {
    const { registry, store, clock } = await registered();
    expect((await registry.changeStatus(NAME, change(owner, 'suspend'))).ok).toBe(true);
    expect(codeOf(await registry.lookup(NAME))).toBe('AGENT_SUSPENDED');
    expect(await store.statusEntries('suspension')).toHaveLength(1);
    expect(codeOf(await registry.register(registrationFor(owner, NAME, 500)))).toBe('AGENT_SUSPENDED');
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, change(owner, 'reinstate', T0 + 2000))).ok).toBe(true);
    expect((await registry.lookup(NAME)).ok).toBe(true);
    expect(await store.statusEntries('suspension')).toEqual([]);
    // The update after reinstatement must be above the registry's own write.
    const stored = await store.get(NAME);
    expect(codeOf(await registry.register(registrationFor(owner, NAME, stored!.seq)))).toBe('SEQUENCE_STALE');
    const updated = await registry.register(registrationFor(owner, NAME, stored!.seq + 1));
    expect(updated.ok && updated.value.agent.statusIndex).toBe(stored!.state === 'active' ? stored!.statusIndex : -1);
  });

  it('lets the registry operator act, but not another key; an operator suspension is the operator’s to lift', async () => {
    const { registry, before, snapshot } = await registered();
    expect(codeOf(await registry.changeStatus(NAME, change(mallory)))).toBe('REVOCATION_NOT_AUTHORIZED');
    expect(await snapshot()).toBe(before);
    expect((await registry.changeStatus(NAME, change(registryKey, 'suspend'))).ok).toBe(true);
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'reinstate', T0 + 2000)))).toBe('REVOCATION_NOT_AUTHORIZED');
    expect((await registry.changeStatus(NAME, change(registryKey, 'reinstate', T0 + 2000))).ok).toBe(true);
  });

  it('refuses replays, stale or future signatures, forged signatures, wrong names and impossible transitions', async () => {
    const { registry, store, clock } = await registered();
    const suspend = change(owner, 'suspend');
    expect((await registry.changeStatus(NAME, suspend)).ok).toBe(true);
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, change(owner, 'reinstate', T0 + 2000))).ok).toBe(true);
    const before = JSON.stringify(await store.get(NAME));
    // Replaying the old suspension must not suspend the agent again.
    expect(codeOf(await registry.changeStatus(NAME, suspend))).toBe('SEQUENCE_STALE');
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'suspend', T0 - 10 * 60_000)))).toBe('RECORD_EXPIRED');
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'suspend', T0 + 20 * 60_000)))).toBe('RECORD_EXPIRED');
    const forged = signRecord(change(owner, 'revoke', T0 + 3000).payload, mallory);
    expect(codeOf(await registry.changeStatus(NAME, forged))).toBe('RECORD_SIGNATURE_INVALID');
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'revoke', T0 + 3000, 'agent://acme.com/other')))).toBe('RECORD_NAME_MISMATCH');
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'reinstate', T0 + 3000)))).toBe('WRITE_CONFLICT');
    expect(codeOf(await registry.changeStatus(NAME, { payload: { ...change().payload, action: 'delete' }, sig: 'x' }))).toBe('RECORD_INVALID');
    expect(codeOf(await registry.changeStatus('agent://acme.com/nobody', change(owner, 'revoke', T0 + 3000, 'agent://acme.com/nobody')))).toBe('AGENT_NOT_FOUND');
    expect(JSON.stringify(await store.get(NAME))).toBe(before);
    expect(await store.statusEntries('revocation')).toEqual([]);
  });

  it('an operator revocation wins over a suspension the key holder dated 5 minutes ahead (was SEQUENCE_STALE until then)', async () => {
    const { registry, store } = await registered();
    const ahead = T0 + 1000 + 5 * 60_000 - 1000;
    expect((await registry.changeStatus(NAME, change(owner, 'suspend', ahead))).ok).toBe(true);
    // The holder's own reinstatement (or anything but a revocation) is still ordered after it.
    expect(codeOf(await registry.changeStatus(NAME, change(owner, 'reinstate', T0 + 2000)))).toBe('SEQUENCE_STALE');
    const revoked = await registry.changeStatus(NAME, change(registryKey, 'revoke', T0 + 2000));
    expect(revoked.ok && revoked.value.state).toBe('revoked');
    expect(codeOf(await registry.lookup(NAME))).toBe('AGENT_REVOKED');
    expect((await store.statusEntries('revocation')).map((e) => e.by)).toEqual([registryKey.did]);
    // And a revocation stays final: replaying it, or any other, changes nothing.
    expect(codeOf(await registry.changeStatus(NAME, change(registryKey, 'revoke', T0 + 2000)))).toBe('AGENT_REVOKED');
  });

  it('refuses grants and status changes signed for an earlier owner of the name, revocations included', async () => {
    const { registry, store, clock } = await registered();
    const grant = createCapabilityGrant(registryKey, NAME, ['payments.admin'], T0 + 1000);
    const suspension = change(registryKey, 'suspend', T0 + 1000);
    const revocation = change(registryKey, 'revoke', T0 + 1000);
    expect((await registry.grantCapabilities(NAME, grant)).ok).toBe(true);
    expect((await registry.changeStatus(NAME, suspension)).ok).toBe(true);
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, change(registryKey, 'reinstate', T0 + 2000))).ok).toBe(true);
    // The owner releases the name; another key takes it a second later.
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 10_000, true))).ok).toBe(true);
    clock.advance(1000);
    expect((await registry.register(registrationFor(mallory, NAME, 10_001, { nowMs: T0 + 3000 }))).ok).toBe(true);
    const before = JSON.stringify(await store.get(NAME));
    expect(codeOf(await registry.grantCapabilities(NAME, grant))).toBe('SEQUENCE_STALE');
    for (const replayed of [suspension, revocation]) expect(codeOf(await registry.changeStatus(NAME, replayed))).toBe('SEQUENCE_STALE');
    expect(JSON.stringify(await store.get(NAME))).toBe(before);
    // What the operator signs for the new binding counts.
    expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, ['payments.read'], T0 + 3000))).ok).toBe(true);
    expect((await registry.lookup(NAME)).ok && (await registry.lookup(NAME))).toMatchObject({ value: { capabilityGrant: { payload: { capabilities: ['payments.read'] } } } });
  });

  it('gives every new binding its own status index, never reused', async () => {
    const { registry, store } = await registered();
    const first = await store.get(NAME);
    await registry.deregister(NAME, createTombstone(owner, NAME, 101, true));
    await registry.register(registrationFor(mallory, NAME, 102));
    const second = await store.get(NAME);
    const indexOf = (agent: typeof first) => (agent?.state === 'active' ? agent.statusIndex : undefined);
    expect(indexOf(second)).toBeGreaterThan(indexOf(first)!);
  });
});
