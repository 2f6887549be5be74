import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aliasBytes, answerBytes, MAX_ALIASES_PER_ANSWER, ResolveCache, type CachedAnswer, type EvictionReason } from './resolve-cache.js';

const answer = (name: string, expiresAtMs = 10_000, bodyBytes = 10): CachedAnswer => ({ name, body: Buffer.alloc(bodyBytes, 1), etag: `"${name}"`, expiresAtMs });

/** A cache whose evictions are tallied by reason. */
function observedCache(limits: ConstructorParameters<typeof ResolveCache>[0] = {}) {
  const evictions: EvictionReason[] = [];
  const cache = new ResolveCache({ ...limits, observer: { changed: () => {}, evicted: (reason) => evictions.push(reason) } });
  return { cache, evictions };
}

describe('ResolveCache', () => {
  it('serves an answer until it expires', () => {
    const { cache, evictions } = observedCache();
    cache.set('a', '/v1/resolve?name=a', answer('a', 1000), cache.generation);
    expect(cache.get('/v1/resolve?name=a', 999)?.name).toBe('a');
    expect(cache.get('/v1/resolve?name=a', 1000)).toBeUndefined();
    expect({ size: cache.size, bytes: cache.bytes, evictions }).toEqual({ size: 0, bytes: 0, evictions: ['expired'] });
  });

  it('stores one answer for every spelling that shares its key', () => {
    const cache = new ResolveCache();
    const stored = answer('a', 10_000, 5000);
    cache.set('key-a', '/v1/resolve?name=a', stored, cache.generation);
    expect(cache.get('/v1/resolve?name=A', 0)).toBeUndefined();
    expect(cache.share('key-a', '/v1/resolve?name=A', 0)).toBe(stored);
    expect(cache.get('/v1/resolve?name=A', 0)).toBe(stored);
    expect(cache.share('key-b', '/v1/resolve?name=b', 0)).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(answerBytes('key-a', stored) + aliasBytes('/v1/resolve?name=a') + aliasBytes('/v1/resolve?name=A'));
  });

  it('drops every answer and alias of a name when it changes, and only that name', () => {
    const { cache, evictions } = observedCache();
    cache.set('a', '/v1/resolve?name=a', answer('a'), cache.generation);
    cache.share('a', '/v1/resolve?name=A', 0);
    cache.set('a mcp', '/v1/resolve?name=a&protocol=mcp', answer('a'), cache.generation);
    cache.set('b', '/v1/resolve?name=b', answer('b'), cache.generation);
    cache.invalidate('a');
    for (const url of ['/v1/resolve?name=a', '/v1/resolve?name=A', '/v1/resolve?name=a&protocol=mcp']) expect(cache.get(url, 0)).toBeUndefined();
    expect(cache.share('a', '/v1/resolve?name=a', 0)).toBeUndefined();
    expect(cache.get('/v1/resolve?name=b', 0)?.name).toBe('b');
    expect(cache.bytes).toBe(answerBytes('b', answer('b')) + aliasBytes('/v1/resolve?name=b'));
    expect(evictions).toEqual(['invalidated', 'invalidated']);
  });

  it('evicts the oldest answer when full, its aliases and its invalidation index with it', () => {
    const { cache, evictions } = observedCache({ maxEntries: 2 });
    cache.set('k1', 'u1', answer('a'), cache.generation);
    cache.share('k1', 'u1-other-spelling', 0);
    cache.set('k2', 'u2', answer('b'), cache.generation);
    cache.set('k3', 'u3', answer('c'), cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.get('u1', 0)).toBeUndefined();
    expect(cache.get('u1-other-spelling', 0)).toBeUndefined();
    cache.invalidate('b');
    expect(cache.size).toBe(1);
    expect(cache.get('u3', 0)?.name).toBe('c');
    expect(evictions).toEqual(['capacity', 'invalidated']);
  });

  it('evicts the oldest answers to stay within its bytes, and does not hold an answer too large for them', () => {
    const unit = answerBytes('k0', answer('a', 10_000, 1000)) + aliasBytes('u0');
    const { cache, evictions } = observedCache({ maxBytes: 4 * unit, maxAnswerShare: 1 / 3 });
    for (let i = 0; i < 6; i++) cache.set(`k${i}`, `u${i}`, answer(`n${i}`, 10_000, 1000), cache.generation);
    expect({ size: cache.size, bytes: cache.bytes }).toEqual({ size: 4, bytes: 4 * unit });
    expect(evictions).toEqual(['bytes', 'bytes']);
    expect(cache.get('u0', 0)).toBeUndefined();
    expect(cache.get('u5', 0)?.name).toBe('n5');
    // A new spelling of the oldest answer makes room by evicting the next oldest, never the answer it names.
    expect(cache.share('k2', 'u2-other', 0)?.name).toBe('n2');
    expect(cache.get('u2-other', 0)?.name).toBe('n2');
    expect(cache.get('u3', 0)).toBeUndefined();
    expect(cache.bytes).toBe(3 * unit + aliasBytes('u2-other'));
    // Over a third of the budget: answered, never held.
    cache.set('big', 'u-big', answer('big', 10_000, 2 * unit), cache.generation);
    expect(cache.get('u-big', 0)).toBeUndefined();
    expect(cache.size).toBe(3);
    expect(evictions).toEqual(['bytes', 'bytes', 'bytes']);
  });

  it(`keeps at most ${MAX_ALIASES_PER_ANSWER} spellings of an answer, replacing the oldest`, () => {
    const cache = new ResolveCache();
    cache.set('k', 'spelling-0', answer('a'), cache.generation);
    for (let i = 1; i <= MAX_ALIASES_PER_ANSWER; i++) cache.share('k', `spelling-${i}`, 0);
    expect(cache.get('spelling-0', 0)).toBeUndefined();
    expect(cache.get('spelling-1', 0)?.name).toBe('a');
    expect(cache.get(`spelling-${MAX_ALIASES_PER_ANSWER}`, 0)?.name).toBe('a');
    let aliases = 0;
    for (let i = 1; i <= MAX_ALIASES_PER_ANSWER; i++) aliases += aliasBytes(`spelling-${i}`);
    expect(cache.bytes).toBe(answerBytes('k', answer('a')) + aliases);
  });

  it('does not hold an answer built from a read that a write of any name overtook', () => {
    const cache = new ResolveCache();
    const builtAt = cache.generation;
    // The record is read, then a revocation lands and drops the (not yet held) answers of its name.
    cache.invalidate('a');
    cache.set('a', '/v1/resolve?name=a', answer('a'), builtAt);
    expect(cache.get('/v1/resolve?name=a', 0)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('a', '/v1/resolve?name=a', answer('a'), cache.generation);
    expect(cache.get('/v1/resolve?name=a', 0)).toBeDefined();
  });

  it('reports what it holds and why it dropped answers', () => {
    const seen: unknown[] = [];
    const cache = new ResolveCache({ maxEntries: 1, observer: { changed: (entries, bytes) => seen.push({ entries, bytes }), evicted: (reason) => seen.push(reason) } });
    cache.set('k1', 'u1', answer('a'), cache.generation);
    cache.set('k2', 'u2', answer('b'), cache.generation);
    cache.invalidate('b');
    const one = answerBytes('k1', answer('a')) + aliasBytes('u1');
    expect(seen).toEqual([{ entries: 1, bytes: one }, 'capacity', { entries: 1, bytes: one }, 'invalidated', { entries: 0, bytes: 0 }]);
  });
});

describe('ResolveCache: bounds and answers under any sequence of operations (property)', () => {
  const KEYS = 6;
  const VARIANTS = MAX_ALIASES_PER_ANSWER + 4;
  const NAMES = 3;
  const keyOf = (k: number) => `key-${k}`;
  const nameOf = (k: number) => `name-${k % NAMES}`;
  // A URL always normalises to one key, as a request URL does; lengths vary so that aliases weigh differently.
  const urlOf = (k: number, variant: number) => `/v1/resolve?name=${k}&spelling=${variant}${'x'.repeat(variant * 37)}`;

  const operation = fc.oneof(
    fc.record({ op: fc.constant('set' as const), k: fc.nat(KEYS - 1), variant: fc.nat(VARIANTS - 1), bodyBytes: fc.nat(2000), ttlMs: fc.integer({ min: 1, max: 5000 }) }),
    fc.record({ op: fc.constant('get' as const), k: fc.nat(KEYS - 1), variant: fc.nat(VARIANTS - 1) }),
    fc.record({ op: fc.constant('share' as const), k: fc.nat(KEYS - 1), variant: fc.nat(VARIANTS - 1) }),
    fc.record({ op: fc.constant('invalidate' as const), name: fc.nat(NAMES - 1) }),
    fc.record({ op: fc.constant('advance' as const), ms: fc.nat(2000) }),
  );
  const limits = fc.record({
    maxEntries: fc.integer({ min: 1, max: 4 }),
    // Small against the answers, so that the byte bound is what evicts most of the time.
    maxBytes: fc.integer({ min: 1000, max: 8000 }),
    maxAnswerShare: fc.constantFrom(1 / 4, 1 / 2, 1),
  });

  it('never exceeds its bounds, accounts exactly what it holds, and only ever answers what was last set for a live key', () => {
    fc.assert(
      fc.property(limits, fc.array(operation, { maxLength: 60 }), (bounds, operations) => {
        const cache = new ResolveCache(bounds);
        const lastSet = new Map<string, CachedAnswer>();
        const keyOfAnswer = new Map<CachedAnswer, string>();
        let now = 0;
        const checkAnswer = (k: number, got: CachedAnswer | undefined) => {
          if (got === undefined) return;
          expect(got).toBe(lastSet.get(keyOf(k)));
          expect(got.expiresAtMs).toBeGreaterThan(now);
        };
        for (const o of operations) {
          if (o.op === 'set') {
            const stored = answer(nameOf(o.k), now + o.ttlMs, o.bodyBytes);
            lastSet.set(keyOf(o.k), stored);
            keyOfAnswer.set(stored, keyOf(o.k));
            cache.set(keyOf(o.k), urlOf(o.k, o.variant), stored, cache.generation);
          } else if (o.op === 'get') checkAnswer(o.k, cache.get(urlOf(o.k, o.variant), now));
          else if (o.op === 'share') checkAnswer(o.k, cache.share(keyOf(o.k), urlOf(o.k, o.variant), now));
          else if (o.op === 'invalidate') {
            for (let k = 0; k < KEYS; k++) if (nameOf(k) === nameOf(o.name)) lastSet.delete(keyOf(k));
            cache.invalidate(nameOf(o.name));
          } else now += o.ms;

          expect(cache.size).toBeLessThanOrEqual(bounds.maxEntries);
          expect(cache.bytes).toBeLessThanOrEqual(bounds.maxBytes);
          // What is held, seen through every URL: a first look drops what expired, the second only reads.
          const held = () => {
            const aliases = new Map<string, CachedAnswer>();
            for (let k = 0; k < KEYS; k++) {
              for (let variant = 0; variant < VARIANTS; variant++) {
                const got = cache.get(urlOf(k, variant), now);
                checkAnswer(k, got);
                if (got !== undefined) aliases.set(urlOf(k, variant), got);
              }
            }
            return aliases;
          };
          held();
          const aliases = held();
          const answers = new Set(aliases.values());
          let bytes = 0;
          for (const url of aliases.keys()) bytes += aliasBytes(url);
          for (const a of answers) bytes += answerBytes(keyOfAnswer.get(a)!, a);
          expect({ size: cache.size, bytes: cache.bytes }).toEqual({ size: answers.size, bytes });
        }
      }),
      { numRuns: 500 },
    );
  });
});
