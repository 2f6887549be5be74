import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { createCapabilityGrant } from '../record/capability-grant.js';
import { createKeyRotation } from '../record/key-rotation.js';
import { createStatusChange, createTombstone } from '../record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import { Registry } from './registry.js';

const NAME = 'agent://acme.com/billing/invoices';
const first = testKey(1);
const second = testKey(3);
const thief = testKey(2);
const registryKey = testKey(9);

async function setUp() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  const events = async () => (await store.logEntries(0, 1000)).map((entry) => JSON.parse(entry.text) as Record<string, unknown> & { records: Record<string, string> });
  return { store, clock, registry, events };
}

describe('Registry: one log event per accepted write', () => {
  it('register, update, grant, suspend, reinstate, rotate and deregister each append one event, naming what they stored', async () => {
    const { store, clock, registry, events } = await setUp();
    expect((await registry.register(registrationFor(first, NAME, 100))).ok).toBe(true);
    expect((await registry.register(registrationFor(first, NAME, 101))).ok).toBe(true);
    expect((await registry.grantCapabilities(NAME, createCapabilityGrant(registryKey, NAME, ['invoice.send'], T0 + 1000))).ok).toBe(true);
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'suspend', 'audit', T0 + 1000))).ok).toBe(true);
    // A later status change is signed later.
    clock.set(T0 + 2000);
    expect((await registry.changeStatus(NAME, createStatusChange(registryKey, NAME, 'reinstate', 'audit done', T0 + 2000))).ok).toBe(true);
    expect((await registry.register({ ...registrationFor(second, NAME, 200), rotation: createKeyRotation(first, NAME, second.did, 200) })).ok).toBe(true);
    const rotated = await store.get(NAME);
    expect((await registry.deregister(NAME, createTombstone(second, NAME, 201))).ok).toBe(true);

    const log = await events();
    expect(log.map((event) => [event.index, event.kind, event.state])).toEqual([
      [0, 'registered', 'active'],
      [1, 'updated', 'active'],
      [2, 'capabilities-granted', 'active'],
      [3, 'status-changed', 'suspended'],
      [4, 'status-changed', 'active'],
      [5, 'key-rotated', 'active'],
      [6, 'deregistered', 'deregistered'],
    ]);
    expect(log.every((event) => event.v === 1 && event.name === NAME)).toBe(true);
    expect(log.map((event) => event.seq)).toEqual([100, 101, 102, 103, 104, 200, 201]);
    // The rotation event names the records a resolver got, so it can find the event of its answer.
    if (rotated?.state !== 'active') throw new Error('expected the rotated agent');
    expect(log[5]!.records).toEqual({
      addr: canonicalSha256Hex(rotated.addr),
      facts: canonicalSha256Hex(rotated.facts),
      rotation: canonicalSha256Hex(rotated.rotations!.at(-1)),
    });
    expect(log[5]!.agentId).toBe(second.did);
    const deregistered = await store.get(NAME);
    if (deregistered?.state !== 'deregistered') throw new Error('expected a tombstone');
    expect(log[6]!.records).toEqual({ tombstone: canonicalSha256Hex(deregistered.tombstone) });
  });

  it('a refused write appends nothing: a stranger, a stale record, a forged status change', async () => {
    const { registry, events } = await setUp();
    expect((await registry.register(registrationFor(first, NAME, 100))).ok).toBe(true);
    expect((await registry.register(registrationFor(thief, NAME, 150))).ok).toBe(false);
    expect((await registry.register(registrationFor(first, NAME, 90))).ok).toBe(false);
    expect((await registry.changeStatus(NAME, createStatusChange(thief, NAME, 'revoke', 'mine now', T0 + 1000))).ok).toBe(false);
    expect((await events()).map((event) => event.kind)).toEqual(['registered']);
  });

  it('the log and the state agree: every stored sequence of the name was logged, in order', async () => {
    const { store, registry, events } = await setUp();
    for (let seq = 100; seq < 110; seq++) expect((await registry.register(registrationFor(first, NAME, seq))).ok).toBe(true);
    const log = await events();
    expect(log.map((event) => event.seq)).toEqual([...Array(10).keys()].map((i) => 100 + i));
    expect(log.at(-1)!.records.addr).toBe(canonicalSha256Hex((await store.get(NAME) as { addr: unknown }).addr));
  });
});
