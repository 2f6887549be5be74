import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import { createKeyRotation, nextKeyCommitment } from '../record/key-rotation.js';
import { createCapabilityGrant } from '../record/capability-grant.js';
import { createRotation, createStatusChange, createTombstone } from '../record/registration.js';
import { signRecord } from '../record/signing.js';
import { verifyAgentRecords } from '../record/verify.js';
import { sequenceLimit } from '../record/sequence.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { Registry } from './registry.js';

const NAME = 'agent://acme.com/billing/invoices';
const first = testKey(1);
const second = testKey(3);
const third = testKey(4);
const thief = testKey(2);
const registryKey = testKey(9);

function codeOf(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.problems[0]?.code;
}

function pointerOf(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.problems[0]?.pointer;
}

const rotationFor = (from = first, to = second, seq = 200, overrides: { nextKey?: string } = {}) => {
  const plain = registrationFor(to, NAME, seq, overrides);
  return { ...plain, rotation: createKeyRotation(from, NAME, to.did, seq) };
};

/** A registry holding NAME under `first`, optionally with a pre-announced next key. */
async function registered(nextKey?: string) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  const result = await registry.register(registrationFor(first, NAME, 100, nextKey === undefined ? {} : { nextKey }));
  expect(result.ok).toBe(true);
  const snapshot = async () => JSON.stringify(await store.get(NAME));
  return { store, clock, registry, before: await snapshot(), snapshot };
}

describe('Registry: key rotation', () => {
  it('a record signed before a rotation is never replayed into the name, not even after the new key releases it', async () => {
    const { registry, store } = await registered();
    const oldRecord = registrationFor(first, NAME, 150);
    expect((await registry.register(oldRecord)).ok).toBe(true);
    expect((await registry.register(rotationFor(first, second, 200))).ok).toBe(true);
    expect((await registry.deregister(NAME, createTombstone(second, NAME, 201, true))).ok).toBe(true);
    const before = JSON.stringify(await store.get(NAME));
    expect(codeOf(await registry.register(oldRecord))).toBe('SEQUENCE_STALE');
    expect(JSON.stringify(await store.get(NAME))).toBe(before);
    // The key rotated out may take the released name anew, with a record newer than the tombstone.
    expect((await registry.register(registrationFor(first, NAME, 202))).ok).toBe(true);
  });

  it('moves the name to a new key with the old key’s continuity proof; the old key can then do nothing', async () => {
    const { registry, store } = await registered();
    const old = await store.get(NAME);
    const rotated = await registry.register(rotationFor());
    expect(rotated.ok).toBe(true);
    if (!rotated.ok) return;
    const agent = rotated.value.agent;
    expect(rotated.value.created).toBe(false);
    expect(agent.agentId).toBe(second.did);
    expect(agent.rotations).toHaveLength(1);
    expect(agent.rotations![0]!.payload).toEqual({ type: 'KeyRotation', v: 1, name: NAME, from: first.did, to: second.did, seq: 200 });
    expect(agent.rotations![0]!.countersig.by).toBe(registryKey.did);
    expect(verifyAgentRecords({ addr: agent.addr, facts: agent.facts }, { registryDid: registryKey.did, expectedName: NAME, nowMs: T0 + 2000 }).verified).toBe(true);
    // The old binding's status index is revoked in the same write, so a cached old AgentAddr stops counting.
    const oldIndex = old?.state === 'active' ? old.statusIndex : -1;
    expect(agent.statusIndex).not.toBe(oldIndex);
    expect(await store.statusEntries('revocation')).toEqual([expect.objectContaining({ index: oldIndex, reason: `key rotated to ${second.did} at sequence 200` })]);

    // A stolen old key cannot take the name back, by any record it can sign.
    const before = JSON.stringify(await store.get(NAME));
    expect(codeOf(await registry.register(registrationFor(first, NAME, 10_000)))).toBe('KEY_ROTATED_OUT');
    expect(codeOf(await registry.register(rotationFor(first, thief, 10_000)))).toBe('KEY_ROTATED_OUT');
    expect(codeOf(await registry.deregister(NAME, createTombstone(first, NAME, 10_000, true)))).toBe('KEY_ROTATED_OUT');
    expect(codeOf(await registry.changeStatus(NAME, createStatusChange(first, NAME, 'revoke', 'take it down', T0 + 1000)))).toBe('KEY_ROTATED_OUT');
    // Replaying the very rotation that was accepted is refused too: its signer is the key rotated out.
    expect(codeOf(await registry.register(rotationFor()))).toBe('KEY_ROTATED_OUT');
    expect(JSON.stringify(await store.get(NAME))).toBe(before);

    // The new key carries on, and can rotate again; the chain grows oldest first.
    expect((await registry.register(registrationFor(second, NAME, 300))).ok).toBe(true);
    const again = await registry.register(rotationFor(second, third, 400));
    expect(again.ok && again.value.agent.rotations!.map((r) => r.payload.to)).toEqual([second.did, third.did]);
  });

  it('keeps the operator’s capability grant across a rotation (the owner proved continuity)', async () => {
    const { registry, clock } = await registered();
    const grant = createCapabilityGrant(registryKey, NAME, ['retrain'], clock.now());
    expect((await registry.grantCapabilities(NAME, grant)).ok).toBe(true);
    const stored = await registry.state(NAME);
    const seq = stored.ok ? stored.value.seq + 1 : 0;
    const rotated = await registry.register(rotationFor(first, second, seq));
    expect(rotated.ok && rotated.value.agent.capabilityGrant?.payload.capabilities).toEqual(['retrain']);
  });

  it('holds a thief with only the current key to the pre-announced next key', async () => {
    const { registry, before, snapshot } = await registered(second.did);
    const stored = await registry.lookup(NAME);
    expect(stored.ok && stored.value.addr.payload.nextKeySha256).toBe(nextKeyCommitment(second.did));
    // Rotating to any other key is refused, though the proof is genuinely signed by the current key.
    const elsewhere = await registry.register(rotationFor(first, thief, 200));
    expect(codeOf(elsewhere)).toBe('KEY_ROTATION_INVALID');
    expect(pointerOf(elsewhere)).toBe('/rotation/payload/to');
    // Nor can an update under the current key drop or change the commitment.
    const dropped = await registry.register(registrationFor(first, NAME, 200));
    expect(codeOf(dropped)).toBe('KEY_ROTATION_INVALID');
    expect(pointerOf(dropped)).toBe('/addr/payload/nextKeySha256');
    expect(codeOf(await registry.register(registrationFor(first, NAME, 200, { nextKey: thief.did })))).toBe('KEY_ROTATION_INVALID');
    expect(await snapshot()).toBe(before);
    // An update that keeps the commitment is fine, and the owner rotates to the announced key, announcing the next one.
    expect((await registry.register(registrationFor(first, NAME, 150, { nextKey: second.did }))).ok).toBe(true);
    const rotated = await registry.register(rotationFor(first, second, 200, { nextKey: third.did }));
    expect(rotated.ok && rotated.value.agent.addr.payload.nextKeySha256).toBe(nextKeyCommitment(third.did));
  });

  it('refuses forged, mismatched and misplaced rotations, storing nothing', async () => {
    const { registry, before, snapshot } = await registered();
    const genuine = rotationFor();
    const cases: [string, unknown, string, string][] = [
      ['proof signed by the new key instead of the old', { ...genuine, rotation: signRecord(genuine.rotation.payload, second) }, 'RECORD_SIGNATURE_INVALID', '/rotation/sig'],
      ['proof by a key the name is not bound to', rotationFor(thief, second), 'NAME_TAKEN', '/rotation/payload/from'],
      ['proof for another sequence', { ...genuine, rotation: createKeyRotation(first, NAME, second.did, 199) }, 'KEY_ROTATION_INVALID', '/rotation/payload/seq'],
      ['proof for another key than the AgentAddr', { ...genuine, rotation: createKeyRotation(first, NAME, third.did, 200) }, 'KEY_ROTATION_INVALID', '/rotation/payload/to'],
      ['proof for another name', { ...genuine, rotation: createKeyRotation(first, 'agent://acme.com/other', second.did, 200) }, 'RECORD_NAME_MISMATCH', '/rotation/payload/name'],
      ['rotation to the key already bound', rotationFor(first, first, 200), 'KEY_ROTATION_INVALID', '/rotation/payload/to'],
      ['stale sequence', rotationFor(first, second, 100), 'SEQUENCE_STALE', '/addr/payload/seq'],
      ['a proof that is not a KeyRotation', { ...genuine, rotation: { payload: { type: 'KeyRotation', v: 1, name: NAME }, sig: 'x' } }, 'RECORD_INVALID', '/rotation/payload'],
      ['a proof with an unknown field', { ...genuine, rotation: signRecord({ ...genuine.rotation.payload, extra: 1 }, first) }, 'RECORD_UNKNOWN_FIELD', '/rotation/payload/extra'],
      ['a proof that is not an envelope', { ...genuine, rotation: 'rotate please' }, 'REQUEST_INVALID', '/rotation'],
    ];
    for (const [why, body, code, pointer] of cases) {
      const result = await registry.register(body);
      expect({ why, code: codeOf(result), pointer: pointerOf(result) }).toEqual({ why, code, pointer });
    }
    expect(await snapshot()).toBe(before);
  });

  it('refuses to rotate a name that is not registered, deregistered, suspended or revoked', async () => {
    const fresh = await registered();
    const other = 'agent://acme.com/nobody';
    const unknown = { ...registrationFor(second, other, 200), rotation: createKeyRotation(first, other, second.did, 200) };
    expect(codeOf(await fresh.registry.register(unknown))).toBe('KEY_ROTATION_INVALID');

    const suspended = await registered();
    expect((await suspended.registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'audit', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await suspended.registry.register(rotationFor()))).toBe('AGENT_SUSPENDED');

    const revoked = await registered();
    expect((await revoked.registry.changeStatus(NAME, createStatusChange(first, NAME, 'revoke', 'key lost', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await revoked.registry.register(rotationFor()))).toBe('AGENT_REVOKED');

    const gone = await registered();
    expect((await gone.registry.deregister(NAME, createTombstone(first, NAME, 150))).ok).toBe(true);
    expect(codeOf(await gone.registry.register(rotationFor()))).toBe('KEY_ROTATION_INVALID');
  });

  it('createRotation builds the same body the registry takes', async () => {
    const { registry } = await registered();
    const body = createRotation({ from: first, to: second, name: NAME, claims: { label: 'Invoices' }, factsUrl: 'https://registry.example/facts', seq: 200, nowMs: T0 });
    expect(body.rotation.payload.to).toBe(second.did);
    expect((await registry.register(body)).ok).toBe(true);
  });

  it('keeps the commitment through a deregistration: a thief cannot deregister, re-register and rotate away', async () => {
    const { registry, store } = await registered(second.did);
    // Releasing would free the name for any key: refused while a next key is announced.
    const release = await registry.deregister(NAME, createTombstone(first, NAME, 150, true));
    expect(codeOf(release)).toBe('KEY_ROTATION_INVALID');
    expect(pointerOf(release)).toBe('/payload/release');
    // A plain tombstone keeps the commitment, so coming back under the stolen key must carry it …
    expect((await registry.deregister(NAME, createTombstone(first, NAME, 150))).ok).toBe(true);
    const gone = await store.get(NAME);
    expect(gone?.state === 'deregistered' && gone.nextKeySha256).toBe(nextKeyCommitment(second.did));
    expect(codeOf(await registry.register(registrationFor(first, NAME, 160)))).toBe('KEY_ROTATION_INVALID');
    expect(codeOf(await registry.register(registrationFor(first, NAME, 160, { nextKey: thief.did })))).toBe('KEY_ROTATION_INVALID');
    // … and from there only the announced key can take the name.
    expect((await registry.register(registrationFor(first, NAME, 160, { nextKey: second.did }))).ok).toBe(true);
    expect(codeOf(await registry.register(rotationFor(first, thief, 170)))).toBe('KEY_ROTATION_INVALID');
    expect((await registry.register(rotationFor(first, second, 170))).ok).toBe(true);
  });

  it('keeps keys rotated out refused after a deregistration, with KEY_ROTATED_OUT', async () => {
    const { registry } = await registered();
    expect((await registry.register(rotationFor())).ok).toBe(true);
    expect((await registry.deregister(NAME, createTombstone(second, NAME, 300))).ok).toBe(true);
    expect(codeOf(await registry.register(registrationFor(first, NAME, 400)))).toBe('KEY_ROTATED_OUT');
    expect(codeOf(await registry.deregister(NAME, createTombstone(first, NAME, 400)))).toBe('KEY_ROTATED_OUT');
    // The owner comes back under the current key, and the chain is still there.
    const back = await registry.register(registrationFor(second, NAME, 400));
    expect(back.ok && back.value.agent.rotations?.map((r) => r.payload.from)).toEqual([first.did]);
  });

  it('bounds sequences to a day ahead of the registry clock, so nobody can use up the sequence space', async () => {
    const { registry, clock, before, snapshot } = await registered(second.did);
    const limit = sequenceLimit(T0 + 1000);
    const exhausting = await registry.register(registrationFor(first, NAME, Number.MAX_SAFE_INTEGER, { nextKey: second.did }));
    expect(codeOf(exhausting)).toBe('SEQUENCE_TOO_FAR_AHEAD');
    expect(pointerOf(exhausting)).toBe('/addr/payload/seq');
    expect(codeOf(await registry.register(registrationFor(first, NAME, limit + 1, { nextKey: second.did })))).toBe('SEQUENCE_TOO_FAR_AHEAD');
    expect(codeOf(await registry.deregister(NAME, createTombstone(first, NAME, limit + 1)))).toBe('SEQUENCE_TOO_FAR_AHEAD');
    expect(await snapshot()).toBe(before);
    // At the limit is fine, and the owner's rotation a moment later can still go above it.
    expect((await registry.register(registrationFor(first, NAME, limit, { nextKey: second.did }))).ok).toBe(true);
    clock.advance(1);
    expect((await registry.register(rotationFor(first, second, sequenceLimit(T0 + 1001)))).ok).toBe(true);
  });

  it('lets the owner rotate to the announced key out of a thief’s self-suspension or plain deregistration, and nothing else', async () => {
    // The thief, holding only the current key, suspends the name itself to block the recovery.
    const suspended = await registered(second.did);
    expect((await suspended.registry.changeStatus(NAME, createStatusChange(first, NAME, 'suspend', 'blocking', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await suspended.registry.register(rotationFor(first, thief, 10_000)))).toBe('AGENT_SUSPENDED');
    const recovered = await suspended.registry.register(rotationFor(first, second, 10_000));
    expect(recovered.ok && recovered.value.agent).toMatchObject({ state: 'active', agentId: second.did });

    // An operator's suspension stands, even against the announced key.
    const byOperator = await registered(second.did);
    expect((await byOperator.registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'abuse', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await byOperator.registry.register(rotationFor(first, second, 10_000)))).toBe('AGENT_SUSPENDED');

    // Or the thief deregisters it (a release is refused while a key is announced).
    const deregistered = await registered(second.did);
    expect((await deregistered.registry.deregister(NAME, createTombstone(first, NAME, 150))).ok).toBe(true);
    expect(codeOf(await deregistered.registry.register(rotationFor(first, thief, 200)))).toBe('KEY_ROTATION_INVALID');
    const back = await deregistered.registry.register(rotationFor(first, second, 200));
    expect(back.ok && back.value.agent).toMatchObject({ state: 'active', agentId: second.did, rotations: [expect.objectContaining({ payload: expect.objectContaining({ to: second.did }) })] });
  });
});
