/**
 * Ready-to-send resolve answers. Each answer is stored once, under its normalised key (the
 * canonical name plus the requester context that shaped it), and reached through aliases: raw
 * request URLs already found to normalise to that key. A hit is one map lookup on the raw URL: no
 * name parsing, no store read, no serialisation. A new spelling of a known request costs a parse
 * and an alias, never a second copy of the body.
 *
 * Memory is bounded by answers and by bytes (bodies, keys and aliases, each with an estimate of
 * its bookkeeping), so that no stream of distinct URLs can grow it. Every registry write drops the
 * answers of its name with their aliases; an answer also expires with its TTL.
 */
export interface CachedAnswer {
  readonly name: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly expiresAtMs: number;
}

export type EvictionReason = 'capacity' | 'bytes' | 'expired' | 'invalidated';

export interface ResolveCacheLimits {
  /** Most answers held (aliases are bounded by bytes and per answer); default 100,000. */
  readonly maxEntries?: number | undefined;
  /** Most bytes accounted for (see answerBytes and aliasBytes); default 64 MiB. */
  readonly maxBytes?: number | undefined;
  /** An answer (or alias) costing more than this share of maxBytes is not cached; default 1/16. */
  readonly maxAnswerShare?: number | undefined;
}

/** Told of every change, for the metrics; nothing on a plain hit. */
export interface ResolveCacheObserver {
  changed(entries: number, bytes: number): void;
  evicted(reason: EvictionReason): void;
}

const DEFAULT_RESOLVE_CACHE_ENTRIES = 100_000;
const DEFAULT_RESOLVE_CACHE_BYTES = 64 * 1024 * 1024;
/** At least 16 of the largest answers fit together, so one huge agent cannot flush everyone else. */
const DEFAULT_MAX_ANSWER_SHARE = 1 / 16;
/**
 * Spellings kept per answer; a 17th replaces the oldest. A flood of spellings of one name then
 * churns that name's aliases instead of evicting other names' answers.
 */
export const MAX_ALIASES_PER_ANSWER = 16;

// Measured on Node 20 (heap growth per item): a Map slot, a string header and the alias list slot
// cost about 100 bytes beyond the characters; an answer's entry, answer, Buffer object, etag and
// index slots about 500. Strings from the HTTP parser are one byte per character.
const ALIAS_OVERHEAD_BYTES = 128;
const ANSWER_OVERHEAD_BYTES = 512;

/** What holding an answer under `key` is accounted as. */
export function answerBytes(key: string, answer: CachedAnswer): number {
  return ANSWER_OVERHEAD_BYTES + key.length + answer.body.length;
}

/** What holding a raw request URL as an alias is accounted as. */
export function aliasBytes(url: string): number {
  return ALIAS_OVERHEAD_BYTES + url.length;
}

interface Entry {
  readonly key: string;
  readonly answer: CachedAnswer;
  /** Its aliases, oldest first. */
  readonly aliases: string[];
}

export class ResolveCache {
  /** By normalised key; Maps iterate in insertion order, so the first is the oldest answer. */
  private readonly entries = new Map<string, Entry>();
  /** By raw request URL. */
  private readonly aliases = new Map<string, Entry>();
  private readonly entriesByName = new Map<string, Set<Entry>>();
  private heldBytes = 0;
  /** Counts invalidations: an answer built from a read that a write overtook must not be held. */
  private invalidations = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxItemBytes: number;
  private readonly observer: ResolveCacheObserver | undefined;

  constructor(options: ResolveCacheLimits & { readonly observer?: ResolveCacheObserver } = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_RESOLVE_CACHE_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_RESOLVE_CACHE_BYTES;
    this.maxItemBytes = this.maxBytes * (options.maxAnswerShare ?? DEFAULT_MAX_ANSWER_SHARE);
    this.observer = options.observer;
  }

  /** The answer a raw request URL was found to share: the fast path's one lookup. */
  get(url: string, nowMs: number): CachedAnswer | undefined {
    const entry = this.aliases.get(url);
    if (entry === undefined) return undefined;
    return this.unlessExpired(entry, nowMs);
  }

  /** The answer held under a normalised key; on a hit, `url` becomes one of its aliases. */
  share(key: string, url: string, nowMs: number): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || this.unlessExpired(entry, nowMs) === undefined) return undefined;
    this.addAlias(entry, url);
    this.changed();
    return entry.answer;
  }

  /**
   * The moment to pass to `set` for an answer about to be built: take it before reading the
   * record, so a write that lands while the answer is built keeps it out of the cache.
   */
  get generation(): number {
    return this.invalidations;
  }

  /**
   * Hold `answer` under its normalised key, reached from `url`; one too large for the budget is not
   * held, nor one built from a read taken before the latest invalidation (`builtAt`, see generation).
   */
  set(key: string, url: string, answer: CachedAnswer, builtAt: number): void {
    if (builtAt !== this.invalidations) return;
    const replaced = this.entries.get(key);
    if (replaced !== undefined) this.remove(replaced);
    const current = this.aliases.get(url);
    if (current !== undefined) this.removeAlias(current, url);
    const cost = answerBytes(key, answer) + aliasBytes(url);
    if (cost <= this.maxItemBytes && this.makeRoom(cost, 1)) {
      const entry: Entry = { key, answer, aliases: [url] };
      this.entries.set(key, entry);
      this.aliases.set(url, entry);
      let sameName = this.entriesByName.get(answer.name);
      if (sameName === undefined) this.entriesByName.set(answer.name, (sameName = new Set()));
      sameName.add(entry);
      this.heldBytes += cost;
    }
    this.changed();
  }

  /** Drop every answer of a name, with its aliases (a write of the name). */
  invalidate(name: string): void {
    this.invalidations++;
    const sameName = this.entriesByName.get(name);
    if (sameName === undefined) return;
    for (const entry of sameName) this.remove(entry, 'invalidated');
    this.changed();
  }

  /** Drop every answer of every name under a namespace (a claim of it changed who may answer). */
  invalidateNamespace(namespace: string): void {
    const prefix = `agent://${namespace}/`;
    for (const name of [...this.entriesByName.keys()]) if (name.startsWith(prefix)) this.invalidate(name);
    this.invalidations++;
  }

  /** Answers held (aliases not counted). */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes accounted for: answers and aliases, at answerBytes and aliasBytes. */
  get bytes(): number {
    return this.heldBytes;
  }

  private unlessExpired(entry: Entry, nowMs: number): CachedAnswer | undefined {
    if (entry.answer.expiresAtMs > nowMs) return entry.answer;
    this.remove(entry, 'expired');
    this.changed();
    return undefined;
  }

  private addAlias(entry: Entry, url: string): void {
    const current = this.aliases.get(url);
    if (current === entry) return;
    if (current !== undefined) this.removeAlias(current, url);
    const cost = aliasBytes(url);
    if (cost > this.maxItemBytes) return;
    if (entry.aliases.length >= MAX_ALIASES_PER_ANSWER) this.removeAlias(entry, entry.aliases[0]!);
    if (!this.makeRoom(cost, 0, entry)) return;
    entry.aliases.push(url);
    this.aliases.set(url, entry);
    this.heldBytes += cost;
  }

  /** Evict the oldest answers (never `keep`) until `bytes` and `entries` more fit; false if they cannot. */
  private makeRoom(bytes: number, entries: number, keep?: Entry): boolean {
    const fits = () => this.entries.size + entries <= this.maxEntries && this.heldBytes + bytes <= this.maxBytes;
    for (const oldest of this.entries.values()) {
      if (fits()) return true;
      if (oldest !== keep) this.remove(oldest, this.entries.size + entries > this.maxEntries ? 'capacity' : 'bytes');
    }
    return fits();
  }

  /** Drop an answer and its aliases; with a reason it counts as an eviction (a replacement does not). */
  private remove(entry: Entry, reason?: EvictionReason): void {
    this.entries.delete(entry.key);
    for (const url of entry.aliases) {
      this.aliases.delete(url);
      this.heldBytes -= aliasBytes(url);
    }
    this.heldBytes -= answerBytes(entry.key, entry.answer);
    const sameName = this.entriesByName.get(entry.answer.name);
    sameName?.delete(entry);
    if (sameName?.size === 0) this.entriesByName.delete(entry.answer.name);
    if (reason !== undefined) this.observer?.evicted(reason);
  }

  private removeAlias(entry: Entry, url: string): void {
    entry.aliases.splice(entry.aliases.indexOf(url), 1);
    this.aliases.delete(url);
    this.heldBytes -= aliasBytes(url);
  }

  private changed(): void {
    this.observer?.changed(this.entries.size, this.heldBytes);
  }
}
