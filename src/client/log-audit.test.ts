import { describe, expect, it } from 'vitest';
import type { Result } from '../core/errors.js';
import { TransparencyLog } from '../core/log/transparency-log.js';
import { Registry } from '../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { auditLogCopy, firstEntryNotInHead, type LogCopy } from './log-audit.js';

const registryKey = testKey(9);
const agentKey = testKey(1);
const codeAndDetail = (result: Result<unknown>) => (result.ok ? 'ok' : `${result.problems[0]!.code}: ${result.problems[0]!.detail}`);

/** A registry's log after `writes` registrations, and a function that copies it as a client would. */
async function registryLog(writes: number, renamed?: { at: number; name: string }) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  const log = new TransparencyLog(store, registryKey, clock);
  const write = async (i: number) => {
    const name = renamed?.at === i ? renamed.name : `agent://acme.com/audit/a${i}`;
    expect((await registry.register(registrationFor(agentKey, name, 100))).ok).toBe(true);
  };
  for (let i = 0; i < writes; i++) await write(i);
  const copy = async (): Promise<LogCopy> => ({ head: await log.head(), entries: await store.logEntries(0, 1_000_000) });
  return { write, copy, log };
}

describe('auditLogCopy', () => {
  it('accepts a copy whose entries hash to the signed head, and which extends every head seen before', async () => {
    const { write, copy } = await registryLog(4);
    const first = await copy();
    expect(codeAndDetail(auditLogCopy(first, { registryKey: registryKey.did }))).toBe('ok');
    await write(4);
    await write(5);
    const second = await copy();
    const audit = auditLogCopy(second, { registryKey: registryKey.did, seenHeads: [first.head] });
    expect(audit.ok && audit.value).toMatchObject({ headsChecked: 1, head: { size: 6 } });
  });

  it('refuses entries that do not hash to the head, are missing, out of order, not canonical, or not events', async () => {
    const { copy } = await registryLog(3);
    const good = await copy();
    const withEntries = (entries: LogCopy['entries']) => auditLogCopy({ ...good, entries }, { registryKey: registryKey.did });
    const [e0, e1, e2] = good.entries as [LogCopy['entries'][0], LogCopy['entries'][0], LogCopy['entries'][0]];
    const edited = { ...e1, text: e1.text.replace('"registered"', '"updated"') };
    expect(codeAndDetail(withEntries([e0, edited, e2]))).toBe('LOG_PROOF_INVALID: the 3 entries do not hash to the tree hash the head signs');
    expect(codeAndDetail(withEntries([e0, e1]))).toBe('LOG_PROOF_INVALID: entry 2 is missing: the head signs 3 entries, the copy holds 2');
    expect(codeAndDetail(withEntries([e0, e2]))).toBe('LOG_PROOF_INVALID: entry 1 is missing or out of order');
    expect(codeAndDetail(withEntries([e0, e1, e1, e2]))).toBe('LOG_PROOF_INVALID: entry 2 is missing or out of order');
    expect(codeAndDetail(withEntries([e0, e1, e2, { index: 3, text: e2.text.replace('"index":2', '"index":3') }]))).toBe('LOG_PROOF_INVALID: entry 3 is not in the log: the head signs 3 entries, the copy holds 4');
    expect(codeAndDetail(withEntries([e0, e2, e1]))).toBe('LOG_PROOF_INVALID: entry 1 is missing or out of order');
    expect(codeAndDetail(withEntries([e0, { ...e1, text: ` ${e1.text}` }, e2]))).toBe('LOG_PROOF_INVALID: entry 1 is not canonical JSON (RFC 8785)');
    expect(codeAndDetail(withEntries([e0, { ...e1, text: '{"v":1,"index":2}' }, e2]))).toBe('LOG_PROOF_INVALID: entry 1 is not a version 1 event with its own index');
    expect(codeAndDetail(withEntries([e0, { ...e1, text: 'not json' }, e2]))).toBe('LOG_PROOF_INVALID: entry 1 is not JSON');
    expect(codeAndDetail(auditLogCopy(good, { registryKey: testKey(2).did }))).toMatch(/^LOG_HEAD_INVALID/);
  });

  it('a log rewritten after a head was seen fails LOG_INCONSISTENT, naming the first rewritten entry when an earlier copy is kept', async () => {
    const honest = await registryLog(5);
    const kept = await honest.copy();
    // The same registry key, entry 2 replaced, and a longer log since: internally consistent, signed.
    const rewritten = await (await registryLog(7, { at: 2, name: 'agent://acme.com/audit/other' })).copy();
    expect(codeAndDetail(auditLogCopy(rewritten, { registryKey: registryKey.did }))).toBe('ok');
    expect(codeAndDetail(auditLogCopy(rewritten, { registryKey: registryKey.did, seenHeads: [kept.head] }))).toMatch(/^LOG_INCONSISTENT: the first 5 entries differ from those of the head signed at .*: the registry rewrote its log$/);
    expect(codeAndDetail(auditLogCopy(rewritten, { registryKey: registryKey.did, seenHeads: [kept.head], earlierCopy: kept }))).toMatch(/: entry 2 is the first that differs from the earlier copy$/);
  });

  it('a log that shrank fails LOG_INCONSISTENT', async () => {
    const long = await (await registryLog(6)).copy();
    const short = await (await registryLog(4)).copy();
    expect(codeAndDetail(auditLogCopy(short, { registryKey: registryKey.did, seenHeads: [long.head] }))).toMatch(/^LOG_INCONSISTENT: the log shrank/);
    // A saved copy checked later may be older than heads seen since: those cannot be compared, and are skipped.
    const older = auditLogCopy(short, { registryKey: registryKey.did, seenHeads: [long.head], mayBeOlder: true });
    expect(older.ok && older.value.headsChecked).toBe(0);
  });
});

/** The copy with entry `index` edited as a forger would: its index and canonical form intact. */
function editedAt(copy: LogCopy, index: number): LogCopy {
  const entries = copy.entries.map((entry) => (entry.index === index ? { ...entry, text: entry.text.replace('"registered"', '"updated"') } : entry));
  return { ...copy, entries };
}

describe('naming an edited entry', () => {
  it('offline, heads seen before bound it: to one entry when two of them are one apart', async () => {
    const { write, copy } = await registryLog(3);
    const at3 = await copy();
    await write(3);
    const at4 = await copy();
    await write(4);
    await write(5);
    const at6 = await copy();
    await write(6);
    await write(7);
    const full = await copy();
    const audit = (edited: number, seen: LogCopy[]) => codeAndDetail(auditLogCopy(editedAt(full, edited), { registryKey: registryKey.did, seenHeads: seen.map((c) => c.head) }));
    expect(audit(3, [at3, at4])).toMatch(/: entry 3 was edited \(heads seen before vouch for those around it\)$/);
    expect(audit(4, [at3, at6])).toMatch(/: an entry from 3 to 5 was edited \(heads seen before vouch for the others\)$/);
    expect(audit(7, [at6])).toMatch(/: an entry from 6 to 7 was edited/);
    expect(audit(1, [])).toBe('LOG_PROOF_INVALID: the 8 entries do not hash to the tree hash the head signs');
  });

  it("with the registry's consistency proofs, bisection names every edited entry exactly, in O(log n) proofs", async () => {
    const { copy, log } = await registryLog(37);
    const good = await copy();
    let proofs = 0;
    const proofSource = async (first: number, second: number) => {
      proofs++;
      const proof = await log.consistencyProof(first, second);
      return proof.ok ? { ok: true as const, value: proof.value.proof } : proof;
    };
    expect(await firstEntryNotInHead(good, proofSource)).toBeUndefined();
    for (const index of [0, 1, 15, 16, 17, 35, 36]) {
      proofs = 0;
      expect(await firstEntryNotInHead(editedAt(good, index), proofSource), `entry ${index}`).toBe(index);
      expect(proofs).toBeLessThanOrEqual(6);
    }
    // Two edits: the first is named.
    expect(await firstEntryNotInHead(editedAt(editedAt(good, 30), 9), proofSource)).toBe(9);
    // No proof to be had: nothing is named (rather than a guess).
    expect(await firstEntryNotInHead(editedAt(good, 5), async () => ({ ok: false as const, problems: [{ code: 'REGISTRY_UNREACHABLE' as const, detail: 'down' }] }))).toBeUndefined();
  });
});
