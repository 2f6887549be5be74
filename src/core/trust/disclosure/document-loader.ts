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
    return base(url);
  };
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
