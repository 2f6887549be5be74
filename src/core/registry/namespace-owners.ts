/**
 * Namespace owners: the organisation that controls the domain of a namespace may revoke, suspend
 * and reinstate every agent registered under it, without holding the agents' keys. The owner of
 * `agent://acme.com/…` is `did:web:acme.com` (control of the domain's web server is the proof,
 * the same one DNS already trusts), unless the operator names another DID for that namespace.
 *
 * The owner signs with an Ed25519 key its DID document lists under `assertionMethod`; the
 * document comes through the DidResolver port (the app resolves offline-first: pinned documents,
 * then its cache, then HTTPS).
 */
import { fail, ok, type Result } from '../errors.js';
import { ed25519KeysOf } from '../trust/did-web/did-document.js';
import type { DidResolver } from '../trust/did-web/did-resolver.js';

export interface NamespaceOwnersOptions {
  readonly resolver: DidResolver;
  /** Namespace → owner DID, replacing the default `did:web:<namespace>` (e.g. an organisation on another domain). */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** The DID of a DID URL: everything before the fragment. */
export function controllerOf(didUrl: string): string {
  const hash = didUrl.indexOf('#');
  return hash < 0 ? didUrl : didUrl.slice(0, hash);
}

export class NamespaceOwners {
  private readonly resolver: DidResolver;
  private readonly overrides: Readonly<Record<string, string>>;

  constructor(options: NamespaceOwnersOptions) {
    this.resolver = options.resolver;
    this.overrides = options.overrides ?? {};
  }

  /** The DID that owns a namespace (a DNS name, lowercase, as in canonical agent names). */
  ownerOf(namespace: string): string {
    return Object.hasOwn(this.overrides, namespace) ? this.overrides[namespace]! : `did:web:${namespace}`;
  }

  /** The raw Ed25519 key of `signer` (a DID URL of the namespace's owner), as its DID document lists it for assertions. */
  async keyFor(namespace: string, signer: string, pointer: string): Promise<Result<Uint8Array>> {
    const owner = this.ownerOf(namespace);
    if (controllerOf(signer) !== owner) {
      return fail('REVOCATION_NOT_AUTHORIZED', `${signer} is not a key of ${owner}, the owner of the namespace ${namespace}`, pointer);
    }
    const resolved = await this.resolver.resolve(owner);
    if (!resolved.ok) return resolved;
    const key = ed25519KeysOf(resolved.value.document, 'assertionMethod').find((k) => k.id === signer);
    // The document was found: a key it does not list simply does not speak for the owner (not a lookup failure to retry).
    return key ? ok(key.publicKey) : fail('REVOCATION_NOT_AUTHORIZED', `the DID document of ${owner} lists no Ed25519 assertion key ${signer}`, pointer);
  }
}
