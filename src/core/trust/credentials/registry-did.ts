/**
 * The registry's did:web identity: the DID derived from its public URL, the DID document it serves,
 * and the signers that issue credentials under it. The did:web key is the registry's countersigning
 * key, so `#key-1` and the registry's did:key name the same 32 bytes.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { fail, failWith, ok, type Result } from '../../errors.js';
import { didKeyFromPublicKey, didKeyProblem, publicKeyFromDidKey } from '../did-key.js';
import type { Ed25519PrivateJwk, SigningKey } from '../ed25519.js';
import { DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT } from './contexts.js';
import type { CredentialIssuer, DataIntegritySigner } from './types.js';

export const REGISTRY_KEY_FRAGMENT = 'key-1';
/** The registry's BLS12-381 G2 key for bbs-2023 capability credentials (selective disclosure). */
export const REGISTRY_DISCLOSURE_KEY_FRAGMENT = 'bbs-1';

/**
 * A DID document with one Ed25519 Multikey, as served at `/.well-known/did.json`; when the registry
 * issues capability credentials, `assertionMethod` also embeds its BLS12-381 key (see registryDidDocument).
 */
export interface DidDocument {
  readonly '@context': readonly string[];
  readonly id: string;
  readonly alsoKnownAs?: readonly string[];
  readonly verificationMethod: readonly MultikeyVerificationMethod[];
  /** Key ids (references into verificationMethod), or a method embedded here, usable for assertions only. */
  readonly assertionMethod: readonly (string | MultikeyVerificationMethod)[];
  readonly authentication: readonly string[];
}

export interface MultikeyVerificationMethod {
  readonly id: string;
  readonly type: 'Multikey';
  readonly controller: string;
  /** `z6Mk…`: base58btc of the Ed25519 multicodec key, the same text as the did:key's suffix. */
  readonly publicKeyMultibase: string;
}

/**
 * did:web of a base URL: the host (port colon as `%3A`) then each path segment after a colon.
 * `http://127.0.0.1:8700` → `did:web:127.0.0.1%3A8700`; `https://acme.com/reg` → `did:web:acme.com:reg`.
 * did:web resolves over https only; an http URL (local development) still gets its DID, which then
 * resolves only through the injected lookup of the document loader.
 */
export function didWebFromUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`did:web needs an http(s) URL, not ${publicUrl}`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(`did:web cannot encode credentials, a query or a fragment: ${publicUrl}`);
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  return ['did:web', encodeURIComponent(url.host), ...segments.map((s) => didSegment(decodeURIComponent(s)))].join(':');
}

/** DID Core allows only letters, digits, `.`, `-`, `_` and %-escapes in an id; encodeURIComponent leaves `! ' ( ) * ~` as they are. */
function didSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path at which the DID document of `didWebFromUrl(publicUrl)` must be served. */
export function didDocumentPath(publicUrl: string): string {
  const path = new URL(publicUrl).pathname.replace(/\/+$/, '');
  return path === '' ? '/.well-known/did.json' : `${path}/did.json`;
}

export function registryKeyId(didWeb: string): string {
  return `${didWeb}#${REGISTRY_KEY_FRAGMENT}`;
}

/** `z6Mk…` of a raw Ed25519 public key. */
export function publicKeyMultibase(publicKey: Uint8Array): string {
  return didKeyFromPublicKey(publicKey).slice('did:key:'.length);
}

export function registryDisclosureKeyId(didWeb: string): string {
  return `${didWeb}#${REGISTRY_DISCLOSURE_KEY_FRAGMENT}`;
}

export interface RegistryDidDocumentOptions {
  /** The registry's BLS12-381 G2 issuer key (`zUC7…`), when it issues bbs-2023 capability credentials. */
  readonly disclosureKey?: { readonly publicKeyMultibase: string };
}

/**
 * The registry's DID document. Its Ed25519 key (`#key-1`) asserts and authenticates. The BLS12-381
 * key (`#bbs-1`), when given, is embedded in `assertionMethod` instead of listed under
 * `verificationMethod`: DID Core allows both, and embedding scopes the key to assertions (it never
 * authenticates). It also keeps the one referenced assertion key the Ed25519 key, which is what
 * SDK clients pin the did:web to (pinnedRegistryDocument refuses any other referenced key). Nothing
 * here binds the embedded key to the registry key: the registry signs a DisclosureKeyBinding for
 * that (trust/disclosure/key-binding.ts), and clients believe `#bbs-1` only through it.
 */
export function registryDidDocument(didWeb: string, registryKey: Pick<SigningKey, 'publicKey'>, options: RegistryDidDocumentOptions = {}): DidDocument {
  const keyId = registryKeyId(didWeb);
  const disclosure = options.disclosureKey;
  return {
    '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
    id: didWeb,
    // The same key as the registry's did:key, which countersigns records.
    alsoKnownAs: [didKeyFromPublicKey(registryKey.publicKey)],
    verificationMethod: [{ id: keyId, type: 'Multikey', controller: didWeb, publicKeyMultibase: publicKeyMultibase(registryKey.publicKey) }],
    assertionMethod:
      disclosure === undefined
        ? [keyId]
        : [keyId, { id: registryDisclosureKeyId(didWeb), type: 'Multikey', controller: didWeb, publicKeyMultibase: disclosure.publicKeyMultibase }],
    authentication: [keyId],
  };
}

/**
 * The registry DID document a client may believe, given the registry did:key it pinned: the
 * document served must assert with that key, and with no other *referenced* key; the answer is
 * rebuilt from the pinned key alone (`#key-1`), so nothing else the document carries reaches a
 * document loader. In particular an *embedded* assertion method (the registry's `#bbs-1`, or an
 * attacker's key a man in the middle added) is dropped: the loaders resolve embedded methods, so
 * one left in would let its holder issue credentials in the registry's name. A disclosure key is
 * only kept when it is bound to the pinned key by a signed record (trust/disclosure/key-binding.ts).
 *
 * KEY_WEAK when the pinned key is a small-order or non-canonical point; DID_UNRESOLVABLE when it
 * is not a did:web document at all; ISSUER_UNTRUSTED when it asserts with another key than the
 * pinned one. Never throws.
 */
export function pinnedRegistryDocument(document: unknown, registryKey: string): Result<DidDocument> {
  const keyProblem = didKeyProblem(registryKey);
  if (keyProblem?.code === 'KEY_WEAK') return failWith([keyProblem]);
  const pinned = publicKeyFromDidKey(registryKey);
  if (pinned === undefined) return fail('REQUEST_INVALID', `the pinned registry key must be an Ed25519 did:key, not ${registryKey}`);
  const served = document as Partial<Record<'id' | 'verificationMethod' | 'assertionMethod', unknown>> | null | undefined;
  const id = typeof served === 'object' && served !== null ? served.id : undefined;
  if (typeof id !== 'string' || !id.startsWith('did:web:')) return fail('DID_UNRESOLVABLE', 'the answer is not a did:web DID document');
  const expected = publicKeyMultibase(pinned);
  const methods = Array.isArray(served!.verificationMethod) ? (served!.verificationMethod as unknown[]) : [];
  const referenced = Array.isArray(served!.assertionMethod) ? (served!.assertionMethod as unknown[]).filter((m): m is string => typeof m === 'string') : [];
  const asserting = referenced.map((ref) => methods.find((m) => (m as { id?: unknown } | null)?.id === ref) as { publicKeyMultibase?: unknown } | undefined);
  if (asserting.length === 0 || asserting.some((m) => m?.publicKeyMultibase !== expected)) {
    return fail('ISSUER_UNTRUSTED', `${id} asserts with another key than the pinned registry key ${registryKey}`, '/assertionMethod');
  }
  return ok(registryDidDocument(id, { publicKey: pinned }));
}

/**
 * A Data Integrity signer over our own SigningKey: the private key stays in its Node KeyObject and
 * Ed25519 is deterministic, so this signs exactly what the Digital Bazaar Multikey signer would.
 */
export function credentialSigner(key: SigningKey, verificationMethod: string): DataIntegritySigner {
  return { id: verificationMethod, algorithm: 'Ed25519', sign: async ({ data }) => key.sign(data) };
}

/** The registry as issuer: its did:web, `#key-1`, signed with the registry key. */
export function registryIssuer(didWeb: string, registryKey: SigningKey): CredentialIssuer {
  const keyId = registryKeyId(didWeb);
  return { did: didWeb, keyId, signer: credentialSigner(registryKey, keyId) };
}

/** An issuer identified by its did:key (an auditor, a test issuer): `did:key:z…#z…`. */
export function didKeyIssuer(key: SigningKey): CredentialIssuer {
  const keyId = `${key.did}#${key.did.slice('did:key:'.length)}`;
  return { did: key.did, keyId, signer: credentialSigner(key, keyId) };
}

/** The part of a Digital Bazaar Ed25519 Multikey key pair that callers use. */
export interface MultikeyKeyPair {
  readonly id?: string;
  readonly controller?: string;
  readonly publicKeyMultibase: string;
  signer(): DataIntegritySigner;
}

/**
 * The Digital Bazaar Ed25519 Multikey key pair of a private JWK (key files), for code that wants the
 * library's own signer (`.signer()`); `id` defaults to `controller#z6Mk…`.
 */
export async function multikeyFromJwk(jwk: Ed25519PrivateJwk, options: { controller: string; id?: string }): Promise<MultikeyKeyPair> {
  return Ed25519Multikey.fromJwk({ jwk, secretKey: true, controller: options.controller, ...(options.id === undefined ? {} : { id: options.id }) });
}
