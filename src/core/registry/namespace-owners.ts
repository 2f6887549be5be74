/**
 * Namespace owners: the organisation that controls the domain of a namespace may revoke, suspend
 * and reinstate every agent registered under it, without holding the agents' keys. The owner of
 * `agent://acme.com/…` is `did:web:acme.com` (control of the domain's web server is the proof,
 * the same one DNS already trusts), unless the operator names another DID for that namespace.
 *
 * The owner signs with a key its DID document lists for assertions; the registry learns that key
 * through the VerificationKeys port (the app resolves did:web offline-first, from pinned documents
 * or a cache, before it fetches).
 */
import { fail, ok, type Result } from '../errors.js';

/** Resolves a DID URL (`did:web:acme.com#key-1`) to the raw Ed25519 public key it names, if its controller lists it for assertions. */
export interface VerificationKeys {
  ed25519Key(didUrl: string): Promise<Result<Uint8Array>>;
}

export interface NamespaceOwnersOptions {
  readonly keys: VerificationKeys;
  /** Namespace → owner DID, replacing the default `did:web:<namespace>` (e.g. an organisation on another domain). */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** The DID of a DID URL: everything before the fragment. */
export function controllerOf(didUrl: string): string {
  const hash = didUrl.indexOf('#');
  return hash < 0 ? didUrl : didUrl.slice(0, hash);
}

export class NamespaceOwners {
  private readonly keys: VerificationKeys;
  private readonly overrides: Readonly<Record<string, string>>;

  constructor(options: NamespaceOwnersOptions) {
    this.keys = options.keys;
    this.overrides = options.overrides ?? {};
  }

  /** The DID that owns a namespace (a DNS name, lowercase, as in canonical agent names). */
  ownerOf(namespace: string): string {
    return Object.hasOwn(this.overrides, namespace) ? this.overrides[namespace]! : `did:web:${namespace}`;
  }

  /** Whether `signer` (a DID URL) speaks for the owner of `namespace`, and the key it signs with. */
  async keyFor(namespace: string, signer: string, pointer: string): Promise<Result<Uint8Array>> {
    const owner = this.ownerOf(namespace);
    if (controllerOf(signer) !== owner) {
      return fail('REVOCATION_NOT_AUTHORIZED', `${signer} is not a key of ${owner}, the owner of the namespace ${namespace}`, pointer);
    }
    const key = await this.keys.ed25519Key(signer);
    return key.ok ? ok(key.value) : key;
  }
}
