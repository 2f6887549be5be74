/**
 * The disk cache's quota: whoever can make the registry fetch names the DIDs, so the directory is
 * capped in entries and bytes, least recently used first (A6).
 */
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryDidCache } from './did-web-cache.js';

let dir: string;
const entry = (did: string, pad = 0) => ({ did, fetchedAt: 1, freshUntil: 2, document: { id: did, pad: 'x'.repeat(pad) } });
const files = async () => (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.json')).sort();

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'signpost-did-cache-')), 'did-web-cache');
});

afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('DirectoryDidCache quota', () => {
  it('keeps at most maxEntries documents, evicting the least recently used', async () => {
    const cache = new DirectoryDidCache(dir, { maxEntries: 3 });
    for (const n of [1, 2, 3]) await cache.set(entry(`did:web:org${n}.example`));
    expect(await cache.get('did:web:org1.example')).toMatchObject({ did: 'did:web:org1.example' }); // used: now the most recent
    for (const n of [4, 5]) await cache.set(entry(`did:web:org${n}.example`));
    expect(await files()).toHaveLength(3);
    expect(await cache.get('did:web:org1.example')).toBeDefined();
    expect(await cache.get('did:web:org2.example')).toBeUndefined();
    expect(await cache.get('did:web:org3.example')).toBeUndefined();
    expect(await cache.get('did:web:org5.example')).toBeDefined();
    expect(await cache.usage()).toMatchObject({ entries: 3 });
  });

  it('keeps at most maxBytes, and a rewrite or delete is counted once', async () => {
    const cache = new DirectoryDidCache(dir, { maxBytes: 10_000 });
    for (let n = 0; n < 10; n++) await cache.set(entry(`did:web:org${n}.example`, 3_000));
    const { bytes, entries } = await cache.usage();
    expect(bytes).toBeLessThanOrEqual(10_000);
    expect(entries).toBe(3);
    expect(await files()).toHaveLength(3);
    await cache.set(entry('did:web:org9.example', 3_000)); // the same DID again
    expect((await cache.usage()).entries).toBe(3);
    await cache.delete('did:web:org9.example');
    expect(await cache.usage()).toMatchObject({ entries: 2 });
    expect(await files()).toHaveLength(2);
  });

  it('counts what a previous run left (oldest use first) and removes leftover temporary files', async () => {
    const before = new DirectoryDidCache(dir);
    for (const n of [1, 2, 3, 4]) await before.set(entry(`did:web:org${n}.example`));
    // org1 was used last in the previous run; org2 least recently.
    const times: [number, number][] = [[1, 4_000], [2, 1_000], [3, 2_000], [4, 3_000]];
    for (const [n, t] of times) await utimes(before.fileOf(`did:web:org${n}.example`), t, t);
    await writeFile(join(dir, 'abc.json.123456.tmp'), 'half');
    const restarted = new DirectoryDidCache(dir, { maxEntries: 3 });
    await restarted.set(entry('did:web:org5.example'));
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await restarted.get('did:web:org2.example')).toBeUndefined();
    expect(await restarted.get('did:web:org3.example')).toBeUndefined();
    expect(await restarted.get('did:web:org1.example')).toBeDefined();
    expect(await files()).toHaveLength(3);
  });
});

describe('DirectoryDidCache per-host share and protected DIDs', () => {
  it("evicts a flooding host's own oldest documents, not other organisations'", async () => {
    const cache = new DirectoryDidCache(dir, { maxEntries: 10, maxEntriesPerHost: 3 });
    await cache.set(entry('did:web:acme.com'));
    await cache.set(entry('did:web:beta.example:team'));
    for (let i = 0; i < 200; i++) await cache.set(entry(`did:web:evil.example:u${i}`));
    expect(await cache.get('did:web:acme.com')).toBeDefined();
    expect(await cache.get('did:web:beta.example:team')).toBeDefined();
    expect(await cache.get('did:web:evil.example:u199')).toBeDefined();
    expect(await cache.get('did:web:evil.example:u196')).toBeUndefined();
    expect(await files()).toHaveLength(5);
    // Ports of one host share its share.
    await cache.set(entry('did:web:evil.example%3A8443'));
    expect(await cache.get('did:web:evil.example:u197')).toBeUndefined();
  });

  it('never evicts a protected DID, even when many hosts fill the cache', async () => {
    const cache = new DirectoryDidCache(dir, { maxEntries: 5, maxEntriesPerHost: 2 });
    cache.protect('did:web:issuer.example');
    await cache.set(entry('did:web:issuer.example'));
    for (let i = 0; i < 50; i++) await cache.set(entry(`did:web:h${i}.example`));
    expect(await cache.get('did:web:issuer.example')).toBeDefined();
    expect(await files()).toHaveLength(5);
  });

  it("knows the host of a previous run's files after a restart", async () => {
    const before = new DirectoryDidCache(dir);
    await before.set(entry('did:web:acme.com'));
    for (let i = 0; i < 3; i++) await before.set(entry(`did:web:evil.example:u${i}`));
    for (let i = 0; i < 3; i++) await utimes(before.fileOf(`did:web:evil.example:u${i}`), 1_000 + i, 1_000 + i);
    const restarted = new DirectoryDidCache(dir, { maxEntriesPerHost: 3 });
    await restarted.set(entry('did:web:evil.example:u3'));
    expect(await files()).toHaveLength(4);
    expect(await restarted.get('did:web:acme.com')).toBeDefined();
    expect(await restarted.get('did:web:evil.example:u0')).toBeUndefined();
  });
});
