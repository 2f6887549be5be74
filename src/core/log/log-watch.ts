/**
 * The live watch: the event log pushed to subscribers as it grows, for caches and clients that
 * must learn of a revocation or a change at once, without asking.
 *
 * One `LogWatch` follows the store for the whole process: `poke()` (after every write, see
 * `notifyingStore`) reads what was appended once and hands the same entry objects to every
 * subscriber that is up to date. A subscriber that starts behind (a resume from an earlier index)
 * reads its way up from the store in pages first, then joins the live stream; it never misses an
 * entry between the two, and never sees one twice.
 *
 * Memory per subscriber is bounded: the entries it has not taken yet are at most `maxPendingBytes`.
 * Reading behind the live edge stops once half of that is queued (one page may cross it), so only
 * a subscriber that does not keep up with the live stream overflows; it is then cut off with the index to resume from, and catches up
 * from the store on its next subscription instead of growing memory here.
 *
 * The face takes entries when its socket can write (`take`, `onReady`); the core opens no socket.
 */
import { fail, ok, type Result } from '../errors.js';
import type { RecordStore } from '../ports.js';
import { everyChangeIsPublic, type ChangeVisibility } from './change-feed.js';

/** An entry of the log as the watch hands it out: one object, shared by every subscriber. */
export interface WatchedEntry {
  readonly index: number;
  /** The entry's exact bytes (RFC 8785 JSON, no line breaks). */
  readonly text: string;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Why a subscription ended: it fell too far behind, or the registry is shutting down. */
export interface WatchEnd {
  readonly code: 'WATCH_TOO_SLOW' | 'WATCH_CLOSED';
  readonly detail: string;
  /** The index of the first entry the subscriber did not get: resume from here. */
  readonly resumeFrom: number;
}

export interface WatchSubscriberHooks {
  /** Entries are waiting: take them (called once per batch, not per entry). */
  readonly onReady: () => void;
  /** The subscription ended; nothing more comes. */
  readonly onEnd: (end: WatchEnd) => void;
  /** Which changes the subscriber may see (the cursor moves past the others). */
  readonly visible?: ChangeVisibility;
}

export interface LogWatchOptions {
  /** Bytes of entries a subscriber may leave untaken before it is cut off (default 1 MiB). */
  readonly maxPendingBytes?: number;
  /** Subscribers at once (default 1,000); more are refused with WATCH_FULL. */
  readonly maxSubscribers?: number;
  /** Entries per store read (default 500). */
  readonly pageSize?: number;
}

export const DEFAULT_WATCH_PENDING_BYTES = 1024 * 1024;
export const DEFAULT_WATCH_SUBSCRIBERS = 1000;

type LogReader = Pick<RecordStore, 'logSize' | 'logEntries'>;

export class LogWatch {
  readonly #store: LogReader;
  readonly #subscriptions = new Set<WatchSubscription>();
  readonly maxPendingBytes: number;
  readonly maxSubscribers: number;
  readonly pageSize: number;
  /** How many entries have been handed out live: the log's size as the watch last read it. */
  #known: number | undefined;
  #poking: Promise<void> | undefined;
  #pokeAgain = false;
  #closed = false;
  /** Subscriptions under way (reading where the log ends): pokes must read for them. */
  #subscribing = 0;

  constructor(store: LogReader, options: LogWatchOptions = {}) {
    this.#store = store;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_WATCH_PENDING_BYTES;
    this.maxSubscribers = options.maxSubscribers ?? DEFAULT_WATCH_SUBSCRIBERS;
    this.pageSize = options.pageSize ?? 500;
  }

  /** The number of subscriptions open now. */
  get subscribers(): number {
    return this.#subscriptions.size;
  }

  /** The log's size as the watch last read it (undefined before the first read). */
  get size(): number | undefined {
    return this.#known;
  }

  /**
   * Read what the store appended since the last call and hand it to every up-to-date subscriber.
   * Pokes during a read are folded into one more read after it, so a burst of writes costs one
   * or two reads, and entries go out in order.
   */
  poke(): Promise<void> {
    // Nobody watching: nothing to read. The next subscriber reads where the log ends then.
    if (this.#subscriptions.size === 0 && this.#subscribing === 0) {
      this.#known = undefined;
      return this.#poking ?? Promise.resolve();
    }
    if (this.#poking) {
      this.#pokeAgain = true;
      return this.#poking;
    }
    this.#poking = (async () => {
      try {
        do {
          this.#pokeAgain = false;
          await this.#readNew();
        } while (this.#pokeAgain && !this.#closed);
      } finally {
        this.#poking = undefined;
      }
    })();
    return this.#poking;
  }

  /**
   * Subscribe from log index `since` (default: the current size, i.e. only what comes next).
   * Refused if `since` is past the end of the log, or the watch has as many subscribers as it takes.
   */
  async subscribe(since: number | undefined, hooks: WatchSubscriberHooks): Promise<Result<WatchSubscription>> {
    // Read the store first: a subscriber starting now gets every entry written before it asked.
    this.#subscribing++;
    try {
      await this.poke();
    } finally {
      this.#subscribing--;
    }
    if (this.#closed) return fail('WATCH_FULL', 'the registry is shutting down');
    if (this.#subscriptions.size >= this.maxSubscribers) return fail('WATCH_FULL', `this registry serves at most ${this.maxSubscribers} watch subscribers at once`);
    const size = this.#known!;
    const start = since ?? size;
    if (!Number.isSafeInteger(start) || start < 0 || start > size) return fail('LOG_RANGE_INVALID', `cursor ${start} is not a position of this log (0 to ${size})`);
    const subscription = new WatchSubscription(this, start, size, hooks, () => this.#subscriptions.delete(subscription));
    this.#subscriptions.add(subscription);
    subscription.catchUp();
    return ok(subscription);
  }

  /** End every subscription (WATCH_CLOSED) and take no more. */
  close(): void {
    this.#closed = true;
    for (const subscription of [...this.#subscriptions]) subscription.end('WATCH_CLOSED', 'the registry is shutting down');
  }

  /** @internal Entries [start, end) from the store, parsed once. */
  async read(start: number, end: number): Promise<WatchedEntry[]> {
    const entries = await this.#store.logEntries(start, end);
    return entries.map((entry) => ({ index: entry.index, text: entry.text, event: JSON.parse(entry.text) as Record<string, unknown> }));
  }

  async #readNew(): Promise<void> {
    const size = await this.#store.logSize();
    if (this.#known === undefined) {
      // The first read only learns where the log ends: subscribers start from there or read back.
      this.#known = size;
      return;
    }
    while (this.#known! < size && !this.#closed) {
      const from: number = this.#known!;
      const batch = await this.read(from, Math.min(size, from + this.pageSize));
      if (batch.length === 0) throw new Error(`the store's log has ${size} entries but none after ${from}`);
      this.#known = from + batch.length;
      // Subscribers still reading their way up (behind `from`) get these from the store instead.
      for (const subscription of [...this.#subscriptions]) subscription.offerLive(from, batch);
    }
  }

  /** @internal */
  get known(): number {
    return this.#known ?? 0;
  }
}

export class WatchSubscription {
  /** The index of the next entry this subscriber gets (entries before it were queued or skipped). */
  #next: number;
  readonly #pending: WatchedEntry[] = [];
  #pendingBytes = 0;
  #reading = false;
  #ended: WatchEnd | undefined;
  #readyScheduled = false;

  constructor(
    private readonly watch: LogWatch,
    /** The index the subscription starts from. */
    readonly since: number,
    /** The log's size when it started: entries before it are read from the store, the rest come live. */
    readonly sizeAtStart: number,
    private readonly hooks: WatchSubscriberHooks,
    private readonly forget: () => void,
  ) {
    this.#next = since;
  }

  /** The index of the next entry this subscriber gets (it moves as entries are queued or skipped). */
  get next(): number {
    return this.#next;
  }

  /** How it ended, once it has. */
  get ended(): WatchEnd | undefined {
    return this.#ended;
  }

  /** Bytes of entries queued and not taken. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Everything queued, in index order; reading behind the live edge goes on once the queue is short. */
  take(): WatchedEntry[] {
    const taken = this.#pending.splice(0);
    this.#pendingBytes = 0;
    this.catchUp();
    return taken;
  }

  /** Stop: nothing more is queued or read, and the watch forgets this subscriber. */
  close(): void {
    if (this.#ended) return;
    this.#ended = { code: 'WATCH_CLOSED', detail: 'the subscriber left', resumeFrom: this.#resumeFrom() };
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    this.forget();
  }

  /** @internal End with a reason the subscriber is told. */
  end(code: WatchEnd['code'], detail: string): void {
    if (this.#ended) return;
    const end = { code, detail, resumeFrom: this.#resumeFrom() };
    this.close();
    this.#ended = end;
    this.hooks.onEnd(end);
  }

  /** @internal Entries appended live, from index `from`: queued if this subscriber is up to date. */
  offerLive(from: number, batch: readonly WatchedEntry[]): void {
    if (this.#ended || this.#next < from) return;
    const fresh = this.#next === from ? batch : batch.filter((entry) => entry.index >= this.#next);
    if (fresh.length === 0) return;
    this.#queue(fresh);
    if (this.#pendingBytes > this.watch.maxPendingBytes) {
      this.end('WATCH_TOO_SLOW', `the subscriber left more than ${this.watch.maxPendingBytes} bytes of changes untaken: resume from index ${this.#resumeFrom()}`);
    }
  }

  /** @internal Read from the store up to the live edge while the queue is short; one read at a time. */
  catchUp(): void {
    if (this.#reading || this.#ended || this.#next >= this.watch.known || this.#pendingBytes >= this.watch.maxPendingBytes / 2) return;
    this.#reading = true;
    void (async () => {
      try {
        while (!this.#ended && this.#next < this.watch.known && this.#pendingBytes < this.watch.maxPendingBytes / 2) {
          const start = this.#next;
          const page = await this.watch.read(start, Math.min(this.watch.known, start + this.watch.pageSize));
          // A live batch may have been queued meanwhile only if #next moved; it cannot have (we were behind).
          if (this.#ended || page.length === 0) break;
          this.#queue(page);
        }
      } catch (error) {
        this.end('WATCH_CLOSED', `the log could not be read: ${(error as Error).message}`);
      } finally {
        this.#reading = false;
      }
    })();
  }

  #queue(entries: readonly WatchedEntry[]): void {
    const visible = this.hooks.visible ?? everyChangeIsPublic;
    for (const entry of entries) {
      if (visible(entry.event)) {
        this.#pending.push(entry);
        this.#pendingBytes += entry.text.length;
      }
    }
    this.#next = entries[entries.length - 1]!.index + 1;
    if (this.#pending.length > 0 && !this.#readyScheduled) {
      // Once per batch, after the current turn: a catch-up page and a live batch arriving together are one wake-up.
      this.#readyScheduled = true;
      queueMicrotask(() => {
        this.#readyScheduled = false;
        if (!this.#ended && this.#pending.length > 0) this.hooks.onReady();
      });
    }
  }

  #resumeFrom(): number {
    return this.#pending[0]?.index ?? this.#next;
  }
}

/**
 * The store, telling `onAppend` after every write that may have appended to the log (register,
 * update, status, grants, certifications): the watch's poke. Reads pass straight through.
 */
export function notifyingStore<S extends RecordStore>(store: S, onAppend: () => void): S {
  const writes = new Set<PropertyKey>(['put', 'putCertification', 'removeCertification', 'putNamespaceClaim', 'appendEvent']);
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!writes.has(property)) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          onAppend();
        }
      };
    },
  });
}
