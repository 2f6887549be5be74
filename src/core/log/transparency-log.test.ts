import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import { Registry } from '../registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { checkConsistency, checkInclusion, checkTreeHead, TransparencyLog } from './transparency-log.js';

const registryKey = testKey(9);
const agentKey = testKey(1);
const NAME = (i: number) => `agent://acme.com/log/agent-${i}`;

const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problems)}`);
  return result.value;
};
const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);

async function registryWithLog(writes: number) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  for (let i = 0; i < writes; i++) value(await registry.register(registrationFor(agentKey, NAME(i), 100)));
  return { store, registry, log: new TransparencyLog(store, registryKey, clock) };
}

describe('TransparencyLog', () => {
  it('signs a head over every entry the store holds, and proves each entry in it', async () => {
    const { store, log } = await registryWithLog(7);
    const head = value(checkTreeHead(await log.head(), registryKey.did));
    expect(head).toMatchObject({ type: 'LogTreeHead', v: 1, log: registryKey.did, size: 7 });
    for (const entry of await store.logEntries(0, 7)) {
      const proof = value(await log.inclusionProof(entry.index));
      expect(checkInclusion(entry.text, proof, head).ok, `entry ${entry.index}`).toBe(true);
      // The same proof, asked by the entry's leaf hash.
      expect(value(await log.inclusionProofOfLeaf(proof.leafHash))).toEqual(proof);
      // Another entry's text is not proven by it.
      const other = (await store.logEntries((entry.index + 1) % 7, (entry.index + 1) % 7 + 1))[0]!;
      expect(codeOf(checkInclusion(other.text, proof, head))).toBe('LOG_PROOF_INVALID');
    }
  });

  it('follows the store: writes after a head are in the next one, which is consistent with it', async () => {
    const { registry, log } = await registryWithLog(3);
    const older = value(checkTreeHead(await log.head(), registryKey.did));
    for (let i = 3; i < 10; i++) value(await registry.register(registrationFor(agentKey, NAME(i), 100)));
    const newer = value(checkTreeHead(await log.head(), registryKey.did));
    expect(newer.size).toBe(10);
    const proof = value(await log.consistencyProof(older.size, newer.size));
    expect(checkConsistency(older, newer, proof.proof).ok).toBe(true);
    expect(codeOf(checkConsistency(newer, older, proof.proof))).toBe('LOG_INCONSISTENT');
  });

  it('a log that rewrote an entry cannot prove consistency with a head a client kept', async () => {
    const honest = await registryWithLog(5);
    const kept = value(checkTreeHead(await honest.log.head(), registryKey.did));
    // The same registry key, a history that differs in entry 2 (another agent registered there).
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: registryKey, clock });
    for (let i = 0; i < 6; i++) value(await registry.register(registrationFor(agentKey, i === 2 ? 'agent://acme.com/log/rewritten' : NAME(i), 100)));
    const rewritten = new TransparencyLog(store, registryKey, clock);
    const newer = value(checkTreeHead(await rewritten.head(), registryKey.did));
    const proof = value(await rewritten.consistencyProof(kept.size, newer.size));
    expect(codeOf(checkConsistency(kept, newer, proof.proof))).toBe('LOG_INCONSISTENT');
  });

  it('refuses heads that are altered, of another key, or not heads', async () => {
    const { log } = await registryWithLog(2);
    const head = await log.head();
    expect(codeOf(checkTreeHead({ ...head, payload: { ...head.payload, size: 3 } }, registryKey.did))).toBe('LOG_HEAD_INVALID');
    expect(codeOf(checkTreeHead(head, testKey(2).did))).toBe('LOG_HEAD_INVALID');
    for (const junk of [null, 7, 'head', {}, { payload: { type: 'AgentAddr' }, sig: 'x' }, { ...head, payload: { ...head.payload, rootHash: 'AAAA' } }]) {
      expect(codeOf(checkTreeHead(junk, registryKey.did))).toBe('LOG_HEAD_INVALID');
    }
  });

  it('refuses ranges and sizes outside the log with LOG_RANGE_INVALID, and an unknown leaf with LOG_ENTRY_NOT_FOUND', async () => {
    const { log } = await registryWithLog(4);
    expect(codeOf(await log.inclusionProof(4))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.inclusionProof(0, 5))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.inclusionProof(-1))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.consistencyProof(0, 4))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.consistencyProof(3, 2))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.consistencyProof(1, 5))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.entries(5, 6))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await log.entries(2, 1))).toBe('LOG_RANGE_INVALID');
    expect(value(await log.entries(2, 100)).map((entry) => entry.index)).toEqual([2, 3]);
    expect(codeOf(await log.inclusionProofOfLeaf('A'.repeat(43)))).toBe('LOG_ENTRY_NOT_FOUND');
  });

  it('concurrent readers sync once: no entry is appended to the tree twice', async () => {
    const { log } = await registryWithLog(30);
    const heads = await Promise.all(Array.from({ length: 10 }, () => log.head()));
    expect(new Set(heads.map((head) => head.payload.rootHash)).size).toBe(1);
    expect(log.size).toBe(30);
  });
});
