import { describe, expect, it } from 'vitest';
import { ResolveCache } from './resolve-cache.js';

const answer = (name: string, expiresAtMs = 10_000) => ({ name, body: Buffer.from(name), etag: `"${name}"`, expiresAtMs });

describe('ResolveCache', () => {
  it('serves an answer until it expires', () => {
    const cache = new ResolveCache();
    cache.set('/v1/resolve?name=a', answer('a', 1000));
    expect(cache.get('/v1/resolve?name=a', 999)?.name).toBe('a');
    expect(cache.get('/v1/resolve?name=a', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops every cached form of a name when it changes, and only that name', () => {
    const cache = new ResolveCache();
    cache.set('/v1/resolve?name=a', answer('a'));
    cache.set('/v1/resolve?name=a&protocol=mcp', answer('a'));
    cache.set('/v1/resolve?name=b', answer('b'));
    cache.invalidate('a');
    expect(cache.get('/v1/resolve?name=a', 0)).toBeUndefined();
    expect(cache.get('/v1/resolve?name=a&protocol=mcp', 0)).toBeUndefined();
    expect(cache.get('/v1/resolve?name=b', 0)?.name).toBe('b');
  });

  it('evicts the oldest answer when full, and its invalidation index with it', () => {
    const cache = new ResolveCache(2);
    cache.set('k1', answer('a'));
    cache.set('k2', answer('b'));
    cache.set('k3', answer('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('k1', 0)).toBeUndefined();
    cache.invalidate('b');
    expect(cache.size).toBe(1);
    expect(cache.get('k3', 0)?.name).toBe('c');
  });
});
