/**
 * The persistent did:web cache: one JSON file per DID under `<dataDir>/did-web-cache/`, named by
 * the SHA-256 of the DID (DIDs hold characters no file name should). Files are written to a
 * temporary name and renamed, so a crash never leaves half a document; the resolver validates
 * whatever it reads back, so a damaged or edited file is dropped, never trusted.
 *
 * The directory is capped in entries and bytes: whoever can make the registry verify something
 * names the DIDs it fetches, and must not be able to fill the disk with did:web:evil.com:1…N. The
 * least recently used entries are evicted first; a file's mtime records its last use, so the order
 * survives restarts. Each host has a share (`maxEntriesPerHost`): a host over it evicts its own
 * oldest documents, so did:web:evil.com:1…5000 cannot push out other organisations' copies (and
 * their week of stale-if-error). DIDs the operator relies on are `protect`ed: never evicted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CachedDidDocument, DidDocumentCache } from '../core/trust/did-web/caching-did-resolver.js';
import { DID_DOCUMENT_MAX_BYTES } from '../core/trust/did-web/did-document.js';
import { DID_WEB_MAX_LENGTH, parseDidWeb } from '../core/trust/did-web/did-web-url.js';

export const DID_WEB_CACHE_DIR = 'did-web-cache';

export interface DidCacheLimits {
  /** Documents kept on disk. Default 5 000. */
  readonly maxEntries?: number;
  /** Bytes of cache files kept on disk. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Documents of one host kept on disk (protected DIDs do not count). Default 32. */
  readonly maxEntriesPerHost?: number;
}

export const DEFAULT_DID_CACHE_LIMITS = { maxEntries: 5_000, maxBytes: 64 * 1024 * 1024, maxEntriesPerHost: 32 } as const;

/** One file of the index: its size and the host of its DID (undefined: unknown, an unreadable file). */
interface Indexed {
  readonly size: number;
  readonly host: string | undefined;
}

const ENTRY_FILE = /^[0-9a-f]{64}\.json$/;

export class DirectoryDidCache implements DidDocumentCache {
  private ready: Promise<unknown> | undefined;
  /** File name → size and host, least recently used first (Map order); loaded from the directory on first use. */
  private index: Promise<Map<string, Indexed>> | undefined;
  private bytes = 0;
  /** File names of protected DIDs: never evicted. */
  private readonly protectedFiles = new Set<string>();
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxEntriesPerHost: number;

  constructor(
    readonly directory: string,
    limits: DidCacheLimits = {},
  ) {
    this.maxEntries = Math.max(1, limits.maxEntries ?? DEFAULT_DID_CACHE_LIMITS.maxEntries);
    this.maxBytes = Math.max(1, limits.maxBytes ?? DEFAULT_DID_CACHE_LIMITS.maxBytes);
    this.maxEntriesPerHost = Math.max(1, limits.maxEntriesPerHost ?? DEFAULT_DID_CACHE_LIMITS.maxEntriesPerHost);
  }

  /** Never evict this DID's file to make room (the resolver's `protect`). */
  protect(did: string): void {
    this.protectedFiles.add(nameOf(this.fileOf(did)));
  }

  async get(did: string): Promise<CachedDidDocument | undefined> {
    const file = this.fileOf(did);
    try {
      // The document limit plus room for the envelope: anything bigger was not written by us.
      if ((await stat(file)).size > 2 * DID_DOCUMENT_MAX_BYTES) return undefined;
      const value = JSON.parse(await readFile(file, 'utf8')) as Partial<CachedDidDocument>;
      if (typeof value !== 'object' || value === null || value.did !== did) return undefined;
      await this.touch(file);
      return { did, document: value.document, fetchedAt: Number(value.fetchedAt), freshUntil: Number(value.freshUntil) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async set(entry: CachedDidDocument): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      this.ready = undefined; // try again on the next write (the disk may come back)
      throw error;
    });
    await this.ready;
    const index = await this.loadIndex();
    const file = this.fileOf(entry.did);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const text = JSON.stringify({ did: entry.did, fetchedAt: entry.fetchedAt, freshUntil: entry.freshUntil, document: entry.document });
    try {
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const name = nameOf(file);
    this.drop(index, name);
    index.set(name, { size: Buffer.byteLength(text), host: hostOf(entry.did) });
    this.bytes += Buffer.byteLength(text);
    await this.evict(index, name);
  }

  async delete(did: string): Promise<void> {
    const file = this.fileOf(did);
    await rm(file, { force: true });
    if (this.index !== undefined) this.drop(await this.index, nameOf(file));
  }

  fileOf(did: string): string {
    return join(this.directory, `${createHash('sha256').update(did).digest('hex')}.json`);
  }

  /** Entries and bytes currently on disk, as far as this cache knows (for tests and diagnostics). */
  async usage(): Promise<{ entries: number; bytes: number }> {
    const index = await this.loadIndex();
    return { entries: index.size, bytes: this.bytes };
  }

  /** Mark a file most recently used, in memory and in its mtime (the order after a restart). */
  private async touch(file: string): Promise<void> {
    const index = await this.loadIndex();
    const name = nameOf(file);
    const indexed = index.get(name);
    if (indexed !== undefined) {
      index.delete(name);
      index.set(name, indexed);
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined); // best effort: only the order after a restart depends on it
  }

  /**
   * Make room after writing `keep`: first within its host's share (that host's least recently used
   * go), then until both caps hold (the least recently used overall). Protected files and `keep`
   * are never evicted.
   */
  private async evict(index: Map<string, Indexed>, keep: string): Promise<void> {
    const evictable = (name: string) => name !== keep && !this.protectedFiles.has(name);
    const host = index.get(keep)?.host;
    if (host !== undefined && !this.protectedFiles.has(keep)) {
      const ofHost = [...index].filter(([name, v]) => v.host === host && !this.protectedFiles.has(name)).map(([name]) => name);
      for (const name of ofHost.slice(0, Math.max(0, ofHost.length - this.maxEntriesPerHost))) {
        if (!evictable(name)) continue;
        this.drop(index, name);
        await rm(join(this.directory, name), { force: true });
      }
    }
    while (index.size > this.maxEntries || this.bytes > this.maxBytes) {
      let oldest: string | undefined;
      for (const name of index.keys()) {
        if (evictable(name)) {
          oldest = name;
          break;
        }
      }
      if (oldest === undefined) return;
      this.drop(index, oldest);
      await rm(join(this.directory, oldest), { force: true });
    }
  }

  private drop(index: Map<string, Indexed>, name: string): void {
    const indexed = index.get(name);
    if (indexed === undefined) return;
    index.delete(name);
    this.bytes -= indexed.size;
  }

  /** The files already in the directory (a previous run), oldest use first; leftover temporary files are removed. */
  private loadIndex(): Promise<Map<string, Indexed>> {
    this.index ??= (async () => {
      let names: string[];
      try {
        names = await readdir(this.directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map<string, Indexed>();
        throw error;
      }
      const found: { name: string; size: number; used: number; host: string | undefined }[] = [];
      for (const name of names) {
        if (name.endsWith('.tmp')) {
          await rm(join(this.directory, name), { force: true });
          continue;
        }
        if (!ENTRY_FILE.test(name)) continue;
        try {
          const info = await stat(join(this.directory, name));
          found.push({ name, size: info.size, used: info.mtimeMs, host: hostOf(await storedDid(join(this.directory, name))) });
        } catch {
          // gone meanwhile
        }
      }
      found.sort((a, b) => a.used - b.used);
      const index = new Map<string, Indexed>();
      for (const { name, size, host } of found) {
        index.set(name, { size, host });
        this.bytes += size;
      }
      return index;
    })().catch((error: unknown) => {
      this.index = undefined;
      this.bytes = 0;
      throw error;
    });
    return this.index;
  }
}

/** The host whose share an entry counts against; undefined for what is not a did:web (never written by the resolver). */
function hostOf(did: string | undefined): string | undefined {
  if (did === undefined) return undefined;
  const parsed = parseDidWeb(did);
  return parsed.ok ? parsed.value.hostname : undefined;
}

/** The DID a cache file holds, read from its start only (files are written `{"did":…` first); undefined if unreadable. */
async function storedDid(file: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const buffer = Buffer.alloc(2 * DID_WEB_MAX_LENGTH + 16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const match = /^\{"did":("(?:[^"\\]|\\.)*")/.exec(buffer.subarray(0, bytesRead).toString('utf8'));
    const did: unknown = match ? JSON.parse(match[1] as string) : undefined;
    return typeof did === 'string' ? did : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function nameOf(file: string): string {
  return basename(file);
}
