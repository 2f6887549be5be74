/**
 * The document loader for selective disclosure: the credentials loader (bundled contexts, Ed25519
 * did:key, injected did:web and controller documents; it never fetches) plus did:key of
 * BLS12-381 G2 keys (`did:key:zUC7…`), which bbs-2023 issuers use and the credentials loader does
 * not resolve.
 *
 * bbs-2023 needs no context beyond the bundle: the credentials carry VC v2 (which defines
 * DataIntegrityProof and its terms) and an inline context object for the capability terms, and
 * DID documents use DID v1 and Multikey v1. The cryptosuite name is a plain string, so no
 * context has to define `bbs-2023`.
 */
import {
  createDocumentLoader,
  DidUnresolvableError,
  type DocumentLoader,
  type DocumentLoaderOptions,
} from '../credentials/document-loader.js';
import { DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT } from '../credentials/contexts.js';
import { isBls12381G2Multibase } from './issuer-keys.js';

/** did:key documents of BLS12-381 G2 keys start this way (multicodec 0xeb01, base58btc). */
const BLS_DID_KEY_PREFIX = 'did:key:zUC7';

export function createDisclosureDocumentLoader(options: DocumentLoaderOptions = {}): DocumentLoader {
  const base = createDocumentLoader(options);
  return async (url) => {
    if (url.startsWith(BLS_DID_KEY_PREFIX)) return { contextUrl: null, documentUrl: url, document: blsDidKeyDocument(url) };
    const embedded = url.startsWith('did:web:') ? await embeddedAssertionMethod(options, url) : undefined;
    if (embedded !== undefined) return { contextUrl: null, documentUrl: url, document: embedded };
    return base(url);
  };
}

/**
 * A verification method embedded in a did:web document's `assertionMethod` (DID Core allows a
 * relationship to carry the method itself instead of a reference). The registry publishes its
 * BLS12-381 issuer key that way (`#bbs-1`): the key may then only assert, and clients that check
 * every *referenced* assertion key against the pinned Ed25519 registry key are not disturbed.
 * (Kept here so that disclosure does not depend on whether the credentials loader resolves
 * embedded methods too.)
 */
async function embeddedAssertionMethod(options: DocumentLoaderOptions, url: string): Promise<object | undefined> {
  const hash = url.indexOf('#');
  if (hash < 0) return undefined;
  const did = url.slice(0, hash);
  // Lookup failures are the base loader's to report (it asks the same lookup next).
  const document = (await Promise.resolve()
    .then(() => options.didDocuments?.(did))
    .catch(() => undefined)) as { id?: unknown; assertionMethod?: unknown } | undefined;
  // A lookup wired to the wrong document must not let one identifier speak for another (the base loader says why).
  if (typeof document !== 'object' || document === null || document.id !== did || !Array.isArray(document.assertionMethod)) return undefined;
  const method = (document.assertionMethod as unknown[]).find((m): m is Record<string, unknown> => {
    const id = (m as { id?: unknown } | null)?.id;
    return typeof m === 'object' && (id === url || (typeof id === 'string' && id.startsWith('#') && did + id === url));
  });
  if (method === undefined) return undefined;
  return { '@context': MULTIKEY_V1_CONTEXT, ...structuredClone(method), id: url, controller: method.controller ?? did };
}

/**
 * The did:key document of a BLS12-381 G2 key (did:key method, Multikey form), or, for the URL with
 * the key's own fragment, its verification method. The key may assert (issue) and authenticate.
 */
export function blsDidKeyDocument(url: string): object {
  const hash = url.indexOf('#');
  const did = hash < 0 ? url : url.slice(0, hash);
  const multibase = did.slice('did:key:'.length);
  if (!isBls12381G2Multibase(multibase)) throw new DidUnresolvableError(`not a BLS12-381 G2 did:key: ${did}`);
  const keyId = `${did}#${multibase}`;
  const method = { id: keyId, type: 'Multikey', controller: did, publicKeyMultibase: multibase };
  if (hash >= 0) {
    if (url !== keyId) throw new DidUnresolvableError(`${did} has no verification method ${url}`);
    return { '@context': MULTIKEY_V1_CONTEXT, ...method };
  }
  return {
    '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
    id: did,
    verificationMethod: [method],
    authentication: [keyId],
    assertionMethod: [keyId],
    capabilityDelegation: [keyId],
    capabilityInvocation: [keyId],
  };
}
