import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { activeAgent } from '../../store/test-support/fixtures.js';
import type { Result } from '../errors.js';
import type { LogEventDraft } from './log-event.js';
import { LogWatch, notifyingStore, type WatchEnd, type WatchSubscription, type WatchedEntry } from './log-watch.js';

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);
const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
};
/** Let queued reads and wake-ups run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A store that pokes the watch after every write, as main.ts wires it. */
function watchedStore(options: ConstructorParameters<typeof LogWatch>[1] = {}) {
  const memory = new MemoryRecordStore();
  let watch: LogWatch | undefined;
  const store = notifyingStore(memory, () => void watch?.poke());
  watch = new LogWatch(store, options);
  return { store, watch };
}

async function write(store: MemoryRecordStore, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const agent = activeAgent({ name: `agent://acme/watch/a${i}`, text: `A${i}` });
    const event: LogEventDraft = { kind: 'registered', name: agent.name, at: agent.updatedAt, agentId: agent.agentId, seq: agent.seq, state: 'active', records: {} };
    expect(await store.put(agent, null, [], event)).toBe('written');
  }
}

/** A subscriber that takes whatever is ready at once, and records how it ended. */
async function follow(watch: LogWatch, since: number | undefined, visible?: (event: Readonly<Record<string, unknown>>) => boolean) {
  const got: WatchedEntry[] = [];
  const ends: WatchEnd[] = [];
  let wakeUps = 0;
  let subscription: WatchSubscription | undefined = undefined;
  subscription = value(
    await watch.subscribe(since, {
      onReady: () => {
        wakeUps++;
        got.push(...subscription!.take());
      },
      onEnd: (end) => ends.push(end),
      ...(visible ? { visible } : {}),
    }),
  );
  return { subscription, got, ends, wakeUps: () => wakeUps };
}

describe('LogWatch', () => {
  it('pushes each new entry to a live subscriber once, in order, with its exact bytes', async () => {
    const { store, watch } = watchedStore();
    await write(store, 0, 2);
    const subscriber = await follow(watch, undefined);
    expect(subscriber.subscription).toMatchObject({ since: 2, sizeAtStart: 2, next: 2 });
    await write(store, 2, 3);
    await settle();
    expect(subscriber.got.map((entry) => entry.index)).toEqual([2, 3, 4]);
    const [entry] = await store.logEntries(2, 3);
    expect(subscriber.got[0]!.text).toBe(entry!.text);
    expect(subscriber.got[0]!.event.name).toBe('agent://acme/watch/a2');
    expect(subscriber.ends).toEqual([]);
  });

  it('a hundred subscribers share one read per batch: the same entry objects reach each', async () => {
    const { store, watch } = watchedStore();
    const subscribers = await Promise.all(Array.from({ length: 100 }, () => follow(watch, undefined)));
    await write(store, 0, 1);
    await settle();
    for (const subscriber of subscribers) expect(subscriber.got).toHaveLength(1);
    expect(new Set(subscribers.map((s) => s.got[0])).size).toBe(1);
  });

  it('resumes from an earlier index while writes go on: 0..N-1, every index once, in order', async () => {
    const { store, watch } = watchedStore({ pageSize: 300, maxPendingBytes: 64 * 1024 });
    await write(store, 0, 2_500);
    const subscriber = await follow(watch, 0);
    // Writes interleave with the subscriber's reading up from the store.
    for (let round = 0; round < 10; round++) {
      await write(store, 2_500 + round * 50, 50);
      await settle();
    }
    for (let i = 0; i < 50 && subscriber.got.length < 3_000; i++) await settle();
    expect(subscriber.got.map((entry) => entry.index)).toEqual([...Array(3_000).keys()]);
    expect(subscriber.ends).toEqual([]);
  });

  it('reading up from far behind never overflows: it pauses while the subscriber has not taken its queue', async () => {
    const { store, watch } = watchedStore({ pageSize: 10, maxPendingBytes: 16 * 1024 });
    await write(store, 0, 3_000);
    const ends: WatchEnd[] = [];
    const subscription = value(await watch.subscribe(0, { onReady: () => {}, onEnd: (end) => ends.push(end) }));
    for (let i = 0; i < 20; i++) await settle();
    // Untaken, the queue stops at the page that crossed half the bound: the rest stays in the store.
    const entryBytes = (await store.logEntries(0, 1))[0]!.text.length + 10;
    expect(subscription.pendingBytes).toBeGreaterThanOrEqual(8 * 1024);
    expect(subscription.pendingBytes).toBeLessThan(8 * 1024 + 10 * entryBytes);
    expect(subscription.next).toBeLessThan(3_000);
    const taken: number[] = [];
    for (let i = 0; i < 500 && taken.length < 3_000; i++) {
      taken.push(...subscription.take().map((entry) => entry.index));
      await settle();
    }
    expect(taken).toEqual([...Array(3_000).keys()]);
    expect(ends).toEqual([]);
  });

  it('a subscriber that does not keep up with live changes is cut off with the index to resume from, and the resume misses nothing', async () => {
    const { store, watch } = watchedStore({ maxPendingBytes: 4 * 1024 });
    const ends: WatchEnd[] = [];
    const slow = value(await watch.subscribe(0, { onReady: () => {}, onEnd: (end) => ends.push(end) }));
    await write(store, 0, 5);
    await settle();
    const firstTaken = slow.take().map((entry) => entry.index);
    expect(firstTaken).toEqual([0, 1, 2, 3, 4]);
    await write(store, 5, 40);
    await settle();
    expect(ends).toHaveLength(1);
    expect(ends[0]!.code).toBe('WATCH_TOO_SLOW');
    expect(ends[0]!.resumeFrom).toBe(5);
    expect(watch.subscribers).toBe(0);
    // Its memory is freed at once, and nothing more is queued for it.
    expect(slow.pendingBytes).toBe(0);
    await write(store, 45, 1);
    await settle();
    expect(slow.take()).toEqual([]);
    // Resubscribing from resumeFrom gets the rest from the store.
    const resumed = await follow(watch, ends[0]!.resumeFrom);
    for (let i = 0; i < 10; i++) await settle();
    expect(resumed.got.map((entry) => entry.index)).toEqual([...Array(41).keys()].map((i) => i + 5));
  });

  it('the visibility seam: entries the subscriber may not see are skipped, and its cursor moves past them', async () => {
    const { store, watch } = watchedStore();
    const subscriber = await follow(watch, 0, (event) => (event.index as number) % 2 === 1);
    await write(store, 0, 6);
    await settle();
    expect(subscriber.got.map((entry) => entry.index)).toEqual([1, 3, 5]);
    expect(subscriber.subscription.next).toBe(6);
  });

  it('refuses a cursor past the end, more subscribers than it takes, and ends every subscription on close', async () => {
    const { store, watch } = watchedStore({ maxSubscribers: 2 });
    await write(store, 0, 3);
    expect(codeOf(await watch.subscribe(4, { onReady: () => {}, onEnd: () => {} }))).toBe('LOG_RANGE_INVALID');
    expect(codeOf(await watch.subscribe(-1, { onReady: () => {}, onEnd: () => {} }))).toBe('LOG_RANGE_INVALID');
    const a = await follow(watch, 3);
    const b = await follow(watch, 1);
    expect(codeOf(await watch.subscribe(undefined, { onReady: () => {}, onEnd: () => {} }))).toBe('WATCH_FULL');
    // A subscriber that leaves frees its place.
    b.subscription.close();
    const c = await follow(watch, undefined);
    watch.close();
    expect(a.ends.map((end) => end.code)).toEqual(['WATCH_CLOSED']);
    expect(c.ends).toEqual([{ code: 'WATCH_CLOSED', detail: 'the registry is shutting down', resumeFrom: 3 }]);
    expect(b.ends).toEqual([]);
    expect(codeOf(await watch.subscribe(undefined, { onReady: () => {}, onEnd: () => {} }))).toBe('WATCH_FULL');
  });

  it('a burst of writes is a few reads, not one per write; with no subscriber, none', async () => {
    const memory = new MemoryRecordStore();
    let reads = 0;
    const counting = new Proxy(memory, {
      get: (target, property) => {
        const member = Reflect.get(target, property, target) as unknown;
        if (property === 'logSize') reads++;
        return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(target) : member;
      },
    });
    const watch = new LogWatch(counting);
    const store = notifyingStore(memory, () => void watch.poke());
    // Nobody watching: writes cost the watch no read at all.
    await write(store, 100, 20);
    expect(reads).toBe(0);
    const subscriber = await follow(watch, undefined);
    expect(subscriber.subscription.next).toBe(20);
    reads = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => write(store, i, 1)));
    await settle();
    expect(subscriber.got).toHaveLength(50);
    expect(reads).toBeLessThan(10);
  });
});

describe('notifyingStore', () => {
  it('tells after every write, also one that lost a race, and not after reads', async () => {
    let told = 0;
    const store = notifyingStore(new MemoryRecordStore(), () => told++);
    const agent = activeAgent({ name: 'agent://acme/watch/x' });
    expect(await store.put(agent, null)).toBe('written');
    expect(await store.put(agent, null)).toBe('conflict');
    await store.get(agent.name);
    await store.logSize();
    expect(told).toBe(2);
  });
});
