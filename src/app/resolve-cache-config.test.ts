import { describe, expect, it } from 'vitest';
import { byteSize, serveConfig } from './config.js';

describe('serveConfig: resolve answer cache bounds', () => {
  it('takes --resolve-cache-entries and --resolve-cache-bytes over their environment variables; unset, the cache defaults apply', () => {
    expect(serveConfig({ resolveCacheEntries: '5000', resolveCacheBytes: '1MiB' }, { SIGNPOST_RESOLVE_CACHE_BYTES: '2GiB' })).toMatchObject({
      ok: true,
      value: { resolveCacheEntries: 5000, resolveCacheBytes: 1024 * 1024 },
    });
    expect(serveConfig({}, { SIGNPOST_RESOLVE_CACHE_ENTRIES: '10', SIGNPOST_RESOLVE_CACHE_BYTES: '512KiB' })).toMatchObject({
      ok: true,
      value: { resolveCacheEntries: 10, resolveCacheBytes: 512 * 1024 },
    });
    const plain = serveConfig({}, {});
    expect(plain.ok && ('resolveCacheEntries' in plain.value || 'resolveCacheBytes' in plain.value)).toBe(false);
  });

  it.each([{ resolveCacheEntries: '0' }, { resolveCacheEntries: '-1' }, { resolveCacheEntries: '1e3' }, { resolveCacheEntries: '20000000' }, { resolveCacheBytes: '64MB' }, { resolveCacheBytes: '1KiB' }, { resolveCacheBytes: 'lots' }, { resolveCacheBytes: '65GiB' }])(
    'refuses %j',
    (flags) => {
      expect(serveConfig(flags, {})).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID', detail: expect.stringMatching(/resolve cache/) }] });
    },
  );

  it('reads sizes in bytes and powers of 1024', () => {
    expect(['1048576', '100b', '512KiB', '512k', '64MiB', '64 M', '1GiB', '1g'].map(byteSize)).toEqual([1048576, 100, 524288, 524288, 67108864, 67108864, 1073741824, 1073741824]);
    expect(['', 'MiB', '1.5MiB', '64MB', '-1'].map(byteSize)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
