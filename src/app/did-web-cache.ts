/**
 * The persistent did:web cache: one JSON file per DID under `<dataDir>/did-web-cache/`, named by
 * the SHA-256 of the DID (DIDs hold characters no file name should). Files are written to a
 * temporary name and renamed, so a crash never leaves half a document; the resolver validates
 * whatever it reads back, so a damaged or edited file is dropped, never trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachedDidDocument, DidDocumentCache } from '../core/trust/did-web/caching-did-resolver.js';
import { DID_DOCUMENT_MAX_BYTES } from '../core/trust/did-web/did-document.js';

export const DID_WEB_CACHE_DIR = 'did-web-cache';

export class DirectoryDidCache implements DidDocumentCache {
  private ready: Promise<unknown> | undefined;

  constructor(readonly directory: string) {}

  async get(did: string): Promise<CachedDidDocument | undefined> {
    const file = this.fileOf(did);
    try {
      // The document limit plus room for the envelope: anything bigger was not written by us.
      if ((await stat(file)).size > 2 * DID_DOCUMENT_MAX_BYTES) return undefined;
      const value = JSON.parse(await readFile(file, 'utf8')) as Partial<CachedDidDocument>;
      if (typeof value !== 'object' || value === null || value.did !== did) return undefined;
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
  }

  async delete(did: string): Promise<void> {
    await rm(this.fileOf(did), { force: true });
  }

  fileOf(did: string): string {
    return join(this.directory, `${createHash('sha256').update(did).digest('hex')}.json`);
  }
}
