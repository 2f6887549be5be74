/**
 * The registry's DID resolver: pinned documents (configuration, and the registry's own), then a
 * cache on disk under the data directory, then HTTPS. Offline-first: a registry restarted with
 * the network down still resolves every DID it fetched within the last week, and a registry given
 * only pinned documents never opens a connection at all. Bounded against abuse: the disk cache is
 * capped (LRU), failures are remembered briefly, and at most a few fetches run at once.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, SignpostError, type Problem, type Result } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import type { Clock } from '../core/ports.js';
import type { DidCachePolicy } from '../core/trust/did-web/cache-policy.js';
import { CachingDidResolver } from '../core/trust/did-web/caching-did-resolver.js';
import { DID_DOCUMENT_MAX_BYTES, validateDidDocument } from '../core/trust/did-web/did-document.js';
import type { ServeConfig } from './config.js';
import { DID_WEB_CACHE_DIR, DirectoryDidCache, type DidCacheLimits } from '../adapters/did-web-cache.js';
import { httpsDidFetcher, type HttpsDidFetcherOptions } from '../adapters/did-web-fetch.js';

export interface DidWebResolverOptions {
  /** Directory of the persistent cache; usually `didWebCacheDir(dataDir)`. Without it the cache lives in memory only. */
  readonly cacheDir?: string;
  /** Documents answered as they are and never fetched (see `loadPinnedDidDocuments`). */
  readonly pinned?: readonly unknown[];
  readonly clock?: Clock;
  readonly fetch?: HttpsDidFetcherOptions;
  readonly policy?: DidCachePolicy;
  /** Told about failed fetches, with the connection detail callers never see (the app logs them). */
  readonly onProblem?: (did: string, problem: Problem) => void;
  /** Caps of the disk cache (default 5 000 documents, 64 MiB; least recently used evicted first). */
  readonly cacheLimits?: DidCacheLimits;
  /** Fetches running at once across all DIDs (default 4), and waiting for a slot (default 16; beyond, fail at once). */
  readonly maxConcurrentFetches?: number;
  readonly maxQueuedFetches?: number;
  /**
   * DIDs the operator relies on: trust-policy issuers and namespace-owner overrides. Their cached
   * copies are never evicted for other DIDs (memory and disk) and their fetches are never turned
   * away by the fetch limits. Later additions: `resolver.protect(did)`.
   */
  readonly protected?: readonly string[];
}

const wallClock: Clock = { now: () => Date.now() };

export function didWebCacheDir(dataDir: string): string {
  return join(dataDir, DID_WEB_CACHE_DIR);
}

/** Build the resolver; throws (TypeError) if a pinned document is invalid, which is a configuration error. */
export function createDidWebResolver(options: DidWebResolverOptions = {}): CachingDidResolver {
  return new CachingDidResolver({
    fetcher: httpsDidFetcher(options.fetch),
    clock: options.clock ?? wallClock,
    ...(options.cacheDir === undefined ? {} : { cache: new DirectoryDidCache(options.cacheDir, options.cacheLimits) }),
    ...(options.pinned === undefined ? {} : { pinned: options.pinned }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.onProblem === undefined ? {} : { onProblem: options.onProblem }),
    ...(options.maxConcurrentFetches === undefined ? {} : { maxConcurrentFetches: options.maxConcurrentFetches }),
    ...(options.maxQueuedFetches === undefined ? {} : { maxQueuedFetches: options.maxQueuedFetches }),
    ...(options.protected === undefined ? {} : { protected: options.protected }),
  });
}

/**
 * Read pinned DID documents from files and directories (every `*.json` in a directory, not
 * recursive). Each must be a valid DID document for its own `id`, and no DID may be pinned twice:
 * a configuration mistake is reported at start-up, not at the first verification.
 */
export async function loadPinnedDidDocuments(paths: readonly string[]): Promise<Result<unknown[]>> {
  const files: string[] = [];
  for (const path of paths) {
    try {
      if ((await stat(path)).isDirectory()) {
        const names = (await readdir(path)).filter((n) => n.endsWith('.json')).sort();
        files.push(...names.map((n) => join(path, n)));
      } else {
        files.push(path);
      }
    } catch (error) {
      return fail('DID_DOCUMENT_INVALID', `--did-document ${path}: ${(error as Error).message}`);
    }
  }
  const documents: unknown[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let text: Buffer;
    try {
      text = await readFile(file);
    } catch (error) {
      return fail('DID_DOCUMENT_INVALID', `${file} is not a readable file: ${(error as Error).message}`);
    }
    if (text.byteLength > DID_DOCUMENT_MAX_BYTES) return fail('DID_DOCUMENT_INVALID', `${file} is larger than ${DID_DOCUMENT_MAX_BYTES} bytes`);
    const parsed = parseStrictJsonBytes(text);
    if (!parsed.ok) return fail('DID_DOCUMENT_INVALID', `${file} is not usable JSON: ${parsed.problems[0]!.detail}`);
    const value = parsed.value;
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !id.startsWith('did:')) return fail('DID_DOCUMENT_INVALID', `${file} has no DID as its id`);
    const validated = validateDidDocument(id, value);
    if (!validated.ok) return fail('DID_DOCUMENT_INVALID', `${file}: ${validated.problems.map((p) => p.detail).join('; ')}`);
    const earlier = seen.get(id);
    if (earlier !== undefined) return fail('DID_DOCUMENT_INVALID', `${id} is pinned twice (${earlier} and ${file})`);
    seen.set(id, file);
    documents.push(value);
  }
  return ok(documents);
}

/**
 * The resolver of a `signpost serve` process: its cache in `<dataDir>/did-web-cache`, the
 * `--did-document` pins, `--allow-http-did-web` and `--allow-private-did-web`. A pin that cannot be read or validated stops
 * the start (SignpostError DID_DOCUMENT_INVALID) rather than surfacing at the first verification.
 */
export async function registryDidResolver(
  config: Pick<ServeConfig, 'dataDir' | 'didDocuments' | 'allowHttpDidWeb' | 'allowPrivateDidWeb'>,
  options: { clock?: Clock; onProblem?: (did: string, problem: Problem) => void; protected?: readonly string[] } = {},
): Promise<CachingDidResolver> {
  const pinned = await loadPinnedDidDocuments(config.didDocuments ?? []);
  if (!pinned.ok) throw SignpostError.from(pinned.problems);
  return createDidWebResolver({
    cacheDir: didWebCacheDir(config.dataDir),
    pinned: pinned.value,
    ...(config.allowHttpDidWeb || config.allowPrivateDidWeb
      ? { fetch: { ...(config.allowHttpDidWeb ? { allowHttpLoopback: true } : {}), ...(config.allowPrivateDidWeb ? { allowPrivateNetwork: true } : {}) } }
      : {}),
    ...options,
  });
}
