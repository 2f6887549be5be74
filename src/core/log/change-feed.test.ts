import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { activeAgent } from '../../store/test-support/fixtures.js';
import type { Result } from '../errors.js';
import type { LogEventDraft } from './log-event.js';
import { changesSince, type ChangePage } from './change-feed.js';

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);
const page = (result: Result<ChangePage>): ChangePage => {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
};

/** Write `count` names, each with its event, starting at `from`. */
async function write(store: MemoryRecordStore, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const agent = activeAgent({ name: `agent://acme/feed/a${i}`, text: `A${i}` });
    const event: LogEventDraft = { kind: 'registered', name: agent.name, at: agent.updatedAt, agentId: agent.agentId, seq: agent.seq, state: 'active', records: {} };
    expect(await store.put(agent, null, [], event)).toBe('written');
  }
}

describe('changesSince', () => {
  it('pages through 10,000 events while writes go on: every index once, in order, none lost', async () => {
    const store = new MemoryRecordStore();
    await write(store, 0, 2_000);
    const seen: number[] = [];
    let cursor = 0;
    let written = 2_000;
    // A reader and a writer take turns: each page is followed by more writes, until 10,000.
    for (;;) {
      const { changes, next, size } = page(await changesSince(store, cursor, 700));
      seen.push(...changes.map((change) => change.index));
      expect(next).toBe(cursor + changes.length);
      cursor = next;
      if (written < 10_000) {
        await write(store, written, 1_000);
        written += 1_000;
      } else if (next === size) break;
    }
    expect(seen).toEqual([...Array(10_000).keys()]);
  });

  it('an up-to-date reader gets an empty page and keeps its cursor; a cursor past the end or a bad limit is refused', async () => {
    const store = new MemoryRecordStore();
    await write(store, 0, 3);
    expect(page(await changesSince(store, 3, 10))).toEqual({ changes: [], next: 3, size: 3 });
    expect(codeOf(await changesSince(store, 4, 10))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await changesSince(store, -1, 10))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await changesSince(store, 0, 0))).toBe('REQUEST_INVALID');
    expect(codeOf(await changesSince(store, 0, 1001))).toBe('REQUEST_INVALID');
  });

  it('the visibility seam: a change the requester may not see is left out, and the cursor still moves past it', async () => {
    const store = new MemoryRecordStore();
    await write(store, 0, 4);
    const onlyEven = page(await changesSince(store, 0, 10, (event) => (event.index as number) % 2 === 0));
    expect(onlyEven.changes.map((change) => change.index)).toEqual([0, 2]);
    expect(onlyEven.next).toBe(4);
  });
});
