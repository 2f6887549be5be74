/**
 * The JSON-LD document loader every credential function takes. It never fetches: contexts come
 * from the bundle, did:key documents are computed from the key itself, and did:web (or https
 * controller) documents come only from lookups the application injects (the registry serves and
 * caches its own DID document; it decides which foreign ones it knows). A lookup may be
 * asynchronous, so an application can back it with a DID resolver that fetches and caches
 * (`didDocumentLookup` in ../did-web/did-resolver.ts); the loader itself still opens nothing.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { driver as didKeyDriver } from '@digitalbazaar/did-method-key';
import { didKeyProblem, weakKeyProblem } from '../did-key.js';
import { ed25519KeyOfMethod } from '../did-web/did-document.js';
import { bundledContexts, MULTIKEY_V1_CONTEXT } from './contexts.js';

/** What a JSON-LD document loader answers (the shape jsonld.js and jsonld-signatures expect). */
export interface LoadedDocument {
  readonly contextUrl: null;
  readonly documentUrl: string;
  readonly document: object;
}

export type DocumentLoader = (url: string) => Promise<LoadedDocument>;

/**
 * A document lookup: the whole document for a URL without fragment, or undefined when unknown.
 * It may answer with a promise; a lookup that throws (or rejects) makes the DID unresolvable, and a
 * DidUnresolvableError it throws keeps its detail (why a did:web could not be fetched).
 */
export type DocumentLookup = (url: string) => object | undefined | Promise<object | undefined>;

export interface DocumentLoaderOptions {
  /** did:web DID → its DID document (e.g. the registry's own, as served at `/.well-known/did.json`). */
  readonly didDocuments?: DocumentLookup;
  /** https controller document URL → the document (issuers identified by a URL instead of a DID). */
  readonly controllerDocuments?: DocumentLookup;
}

/** Thrown by the loader for a DID (or controller URL) it cannot resolve; verification maps it to DID_UNRESOLVABLE. */
export class DidUnresolvableError extends Error {
  readonly code = 'DID_UNRESOLVABLE';

  constructor(message: string) {
    super(message);
    this.name = 'DidUnresolvableError';
  }
}

/**
 * Thrown for a small-order or non-canonically encoded Ed25519 key (a did:key, or a verification
 * method a lookup answers): anyone could sign as it, so no proof by it is checked. Reported as KEY_WEAK.
 */
export class WeakKeyError extends Error {
  readonly code = 'KEY_WEAK';

  constructor(message: string) {
    super(message);
    this.name = 'WeakKeyError';
  }
}

export function createDocumentLoader(options: DocumentLoaderOptions = {}): DocumentLoader {
  const resolveDidKey = didKeyResolver();
  return async (url) => {
    const context = bundledContexts.get(url);
    if (context !== undefined) return loaded(url, context);
    if (url.startsWith('did:key:')) return loaded(url, await resolveDidKey(url));
    if (url.startsWith('did:web:')) return loaded(url, await fromLookup(options.didDocuments, url));
    if (url.startsWith('did:')) throw new DidUnresolvableError(`DID method not supported offline: ${url}`);
    if (options.controllerDocuments && /^https?:\/\//.test(url)) return loaded(url, await fromLookup(options.controllerDocuments, url));
    throw new Error(`${url} is not bundled, and this document loader never fetches`);
  };
}

function loaded(url: string, document: object): LoadedDocument {
  return { contextUrl: null, documentUrl: url, document };
}

/** Entries kept per loader: documents are derived from the key, so a bounded cache only saves work. */
const DID_KEY_CACHE_LIMIT = 10_000;

/**
 * did:key documents via did-method-key with Ed25519 Multikey. Only the key's own fragment names
 * a verification method (the library would otherwise answer with an absent key-agreement key).
 */
function didKeyResolver(): (url: string) => Promise<object> {
  const resolver = didKeyDriver();
  resolver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });
  const cache = new Map<string, object>();
  return async (url) => {
    const cached = cache.get(url);
    if (cached !== undefined) return structuredClone(cached);
    const [did = '', fragment] = splitFragment(url);
    const keyProblem = didKeyProblem(did);
    if (keyProblem?.code === 'KEY_WEAK') throw new WeakKeyError(keyProblem.detail);
    if (keyProblem !== undefined) throw new DidUnresolvableError(`not an Ed25519 did:key: ${did}`);
    if (fragment !== undefined && fragment !== did.slice('did:key:'.length)) {
      throw new DidUnresolvableError(`${did} has no verification method #${fragment}`);
    }
    const document = await resolver.get({ did: url });
    if (cache.size >= DID_KEY_CACHE_LIMIT) cache.clear();
    cache.set(url, document);
    return structuredClone(document);
  };
}

/** A whole document, or one verification method of it when the URL has a fragment. */
async function fromLookup(lookup: DocumentLookup | undefined, url: string): Promise<object> {
  const [base = '', fragment] = splitFragment(url);
  let document: object | undefined;
  try {
    document = await lookup?.(base);
  } catch (error) {
    if (error instanceof DidUnresolvableError) throw error;
    throw new DidUnresolvableError(`looking up ${base} failed: ${(error as Error)?.message ?? String(error)}`);
  }
  if (typeof document !== 'object' || document === null) throw new DidUnresolvableError(`no document is known for ${base}`);
  const { id } = document as { id?: unknown };
  // A lookup wired to the wrong document must not let one identifier speak for another.
  if (id !== base) throw new DidUnresolvableError(`the document found for ${base} names ${String(id)}`);
  if (fragment === undefined) return structuredClone(document);
  return verificationMethodOf(document as Record<string, unknown>, base, url);
}

function verificationMethodOf(document: Record<string, unknown>, base: string, url: string): object {
  // Methods may also be embedded in a relationship (DID Core 5.3), e.g. an assertionMethod of its own.
  const embedded = EMBEDDING_RELATIONSHIPS.flatMap((r) => (Array.isArray(document[r]) ? (document[r] as unknown[]) : [])).filter(
    (m) => typeof m === 'object' && m !== null,
  );
  const methods = [...(Array.isArray(document.verificationMethod) ? (document.verificationMethod as unknown[]) : []), ...embedded];
  const method = methods.find((m): m is Record<string, unknown> => {
    const id = (m as { id?: unknown } | null)?.id;
    return id === url || (typeof id === 'string' && id.startsWith('#') && base + id === url);
  });
  if (method === undefined) throw new DidUnresolvableError(`${base} has no verification method ${url}`);
  const key = ed25519KeyOfMethod(method);
  const weak = key instanceof Uint8Array ? weakKeyProblem(key, `the key of verification method ${url}`) : undefined;
  if (weak !== undefined) throw new WeakKeyError(weak.detail);
  // ed25519-multikey accepts a Multikey only with its context; relative ids are made absolute.
  const context = method.type === 'Multikey' ? MULTIKEY_V1_CONTEXT : document['@context'];
  return { '@context': context, ...structuredClone(method), id: url, controller: method.controller ?? base };
}

const EMBEDDING_RELATIONSHIPS = ['assertionMethod', 'authentication', 'capabilityInvocation', 'capabilityDelegation', 'keyAgreement'];

function splitFragment(url: string): [string, string | undefined] {
  const hash = url.indexOf('#');
  return hash < 0 ? [url, undefined] : [url.slice(0, hash), url.slice(hash + 1)];
}
