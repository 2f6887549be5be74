/**
 * Ready-to-send DNS answers, by the exact question (its bytes as the client sent them, and the
 * query bits that shape the answer): a hit is one map lookup and a copy with the query's id, with
 * no decoding. The registry drops a zone's answers synchronously on every write of one of its names
 * (before the write's HTTP answer goes out), so a cached answer never outlives a revocation; answers
 * also age out after `maxAgeMs`, which bounds what time alone changes (an agent's `notAfter`).
 */
export interface DnsAnswerCacheOptions {
  /** Milliseconds, from the face's clock port. */
  readonly now: () => number;
  /** How long an answer is reused at most (default 5 s). */
  readonly maxAgeMs?: number;
  /** Most answers kept (default 50,000); past it the oldest go. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly bytes: Buffer;
  readonly zone: string;
  /** The zone's generation when the answer was built: a later write makes it stale. */
  readonly generation: number;
  readonly expiresAt: number;
}

export class DnsAnswerCache {
  readonly #answers = new Map<string, Entry>();
  /** Bumped by every write of a zone: answers built before it are not served, nor kept. */
  readonly #generations = new Map<string, number>();
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;

  constructor(options: DnsAnswerCacheOptions) {
    this.#now = options.now;
    this.#maxAgeMs = options.maxAgeMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 50_000;
  }

  get size(): number {
    return this.#answers.size;
  }

  /** The cached answer, with `id` written into its header; undefined if none, stale or aged out. */
  get(key: string, id: number): Buffer | undefined {
    const entry = this.#answers.get(key);
    if (entry === undefined) return undefined;
    if (entry.generation !== this.generation(entry.zone) || entry.expiresAt <= this.#now()) {
      this.#answers.delete(key);
      return undefined;
    }
    const answer = Buffer.from(entry.bytes);
    answer.writeUInt16BE(id, 0);
    return answer;
  }

  /** The zone's generation now: pass it to `set` with an answer built after this call. */
  generation(zone: string): number {
    return this.#generations.get(zone) ?? 0;
  }

  /** Keep an answer of `zone` built since `generation(zone)` returned `generation`; dropped if the zone was written meanwhile. */
  set(zone: string, key: string, bytes: Buffer, generation: number): void {
    if (generation !== this.generation(zone)) return;
    if (!this.#answers.has(key) && this.#answers.size >= this.#maxEntries) this.#answers.delete(this.#answers.keys().next().value!);
    this.#answers.set(key, { bytes, zone, generation, expiresAt: this.#now() + this.#maxAgeMs });
  }

  /** A name of `zone` was written: none of its answers is served again. */
  invalidateZone(zone: string): void {
    this.#generations.set(zone, this.generation(zone) + 1);
  }
}
