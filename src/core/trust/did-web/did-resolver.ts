/**
 * The DID resolver port: how the core (registry rules, credential checks) turns a DID into its
 * DID document without knowing where documents come from (pinned configuration, a disk cache, the
 * organisation's web server). The app provides one (src/app/did-web-resolver.ts); tests may build
 * the core's CachingDidResolver over fakes of its own ports.
 */
import type { Result } from '../../errors.js';
import { DidUnresolvableError, WeakKeyError, type DocumentLookup } from '../credentials/document-loader.js';
import type { ResolvedDidDocument } from './did-document.js';

/** Where a resolved document came from. */
export type DidDocumentSource =
  | 'pinned' // configured by the operator (or the registry's own): never fetched
  | 'computed' // did:key: derived from the key itself
  | 'cache' // an earlier fetch, from memory or the data directory
  | 'network'; // fetched from the DID's web server for this call

export interface DidResolution {
  /** The validated document, ids made absolute. */
  readonly document: ResolvedDidDocument;
  readonly source: DidDocumentSource;
  /** When the document was fetched (epoch ms); absent for pinned and computed documents. */
  readonly fetchedAt?: number;
  /** Until when it counts as fresh (epoch ms); absent for pinned and computed documents. */
  readonly freshUntil?: number;
  /** True when served past its freshness (a refresh is running, or failed: see `refreshProblem`). */
  readonly stale: boolean;
  /** Why the refresh that should have replaced this stale copy failed. */
  readonly refreshProblem?: { readonly code: string; readonly detail: string };
}

export interface DidResolveOptions {
  /**
   * false: answer only from what the resolver already holds (pins, did:key, its cache, stale or
   * not) and never reach the network. For callers anyone can drive, such as the public
   * `GET /v1/dids/{did}`: they must not make the registry fetch arbitrary DIDs. Default true.
   */
  readonly fetch?: boolean;
  /**
   * true: the caller relies on this DID (it names an issuer of the operator's trust policy, a
   * namespace owner the operator configured), so its cached copy must never be evicted for other
   * DIDs and its fetch never turned away by the fetch limits. Never set it for DIDs a request
   * names. Resolvers without eviction ignore it. Default false.
   */
  readonly keep?: boolean;
}

export interface DidResolver {
  /** Resolve a DID (did:web, did:key) to its validated DID document; never throws. */
  resolve(did: string, options?: DidResolveOptions): Promise<Result<DidResolution>>;
}

/**
 * A document-loader lookup backed by a resolver: plug it into
 * `createDocumentLoader({ didDocuments: didDocumentLookup(resolver) })`. A failure surfaces as
 * DidUnresolvableError with the resolver's detail, so proof checks report DID_UNRESOLVABLE; a
 * document refused for a weak key as WeakKeyError, reported as KEY_WEAK.
 */
export function didDocumentLookup(resolver: DidResolver): DocumentLookup {
  return async (did) => {
    const resolved = await resolver.resolve(did);
    if (resolved.ok) return resolved.value.document;
    const detail = resolved.problems.map((p) => `${p.code}: ${p.detail}`).join('; ');
    throw resolved.problems.some((p) => p.code === 'KEY_WEAK') ? new WeakKeyError(detail) : new DidUnresolvableError(detail);
  };
}
