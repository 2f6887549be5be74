/**
 * Ready-to-send resolve answers, keyed by the raw request URL so that a hit costs one map
 * lookup: no name parsing, no store read, no serialisation. Every registry write drops the
 * answers of its name; an answer also expires with its TTL.
 */
export interface CachedAnswer {
  readonly name: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly expiresAtMs: number;
}

export class ResolveCache {
  private readonly answers = new Map<string, CachedAnswer>();
  private readonly keysByName = new Map<string, Set<string>>();

  constructor(private readonly capacity = 100_000) {}

  get(key: string, nowMs: number): CachedAnswer | undefined {
    const answer = this.answers.get(key);
    if (answer === undefined) return undefined;
    if (answer.expiresAtMs <= nowMs) {
      this.drop(key, answer.name);
      return undefined;
    }
    return answer;
  }

  set(key: string, answer: CachedAnswer): void {
    if (this.answers.size >= this.capacity) this.evictOldest();
    this.answers.set(key, answer);
    let keys = this.keysByName.get(answer.name);
    if (keys === undefined) this.keysByName.set(answer.name, (keys = new Set()));
    keys.add(key);
  }

  invalidate(name: string): void {
    for (const key of this.keysByName.get(name) ?? []) this.answers.delete(key);
    this.keysByName.delete(name);
  }

  get size(): number {
    return this.answers.size;
  }

  private evictOldest(): void {
    // Maps iterate in insertion order, so the first key is the oldest answer.
    const oldest = this.answers.keys().next();
    if (oldest.done) return;
    const answer = this.answers.get(oldest.value)!;
    this.drop(oldest.value, answer.name);
  }

  private drop(key: string, name: string): void {
    this.answers.delete(key);
    const keys = this.keysByName.get(name);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByName.delete(name);
  }
}
