/**
 * Proven namespace ownership (spec section 21). A namespace's owner claims it with a signed
 * NamespaceClaim whose proof the registry checks against what the domain itself publishes, and
 * grants agent keys the subtrees they may register names in. Once a namespace is claimed, only
 * granted keys hold names under it: on every write and on every read, so withdrawing a grant
 * (the next claim without it) takes effect at once, and a name registered before the claim by a
 * key the owner did not grant is refused until the owner grants it.
 *
 * A namespace nobody claimed is open to the first key (mode `open`) or closed (`claimed-only`);
 * every answer says which (`ownership: proven | unclaimed`).
 */
import { fail, ok, type Result } from '../errors.js';
import type { NamespaceEvidence, StoredNamespaceClaim } from '../ports.js';
import {
  challengeDnsName,
  CHALLENGE_WELL_KNOWN_PATH,
  delegationFor,
  grantFor,
  ownerLine,
  ownersPublishedIn,
  type NamespaceClaim,
  type NamespaceProof,
} from '../record/namespace-claim.js';
import { checkSignature } from '../record/signed-envelope.js';
import type { SignedRecord } from '../record/types.js';
import { didKeyFromPublicKey } from '../trust/did-key.js';
import { ed25519KeysOf } from '../trust/did-web/did-document.js';
import type { DidResolver } from '../trust/did-web/did-resolver.js';

/** Whether names under a namespace nobody claimed are accepted (and answered). */
export const NAMESPACE_MODES = ['open', 'claimed-only'] as const;
export type NamespaceMode = (typeof NAMESPACE_MODES)[number];

/** What every answer says about the namespace of the name. */
export type Ownership =
  | {
      readonly status: 'proven';
      readonly namespace: string;
      /** The owner key that signed the claim. */
      readonly owner: string;
      readonly proof: NamespaceProof;
      /** When the registry last checked the proof. */
      readonly provenAt: string;
      /** The subtree whose grant holds the agent's key (`` for the whole namespace). */
      readonly subtree: string;
    }
  | { readonly status: 'unclaimed'; readonly namespace: string };

/** The namespace and path labels of a canonical agent name (`agent://acme.com/billing/x`). */
export function namespaceAndPath(canonical: string): { readonly namespace: string; readonly path: readonly string[] } {
  const [namespace, ...path] = canonical.slice('agent://'.length).split('/');
  return { namespace: namespace!, path };
}

/**
 * Whether the agent key may hold the name, and the ownership every answer shows: the rule for
 * writes and reads alike.
 */
export function ownershipOf(canonical: string, agentId: string, stored: StoredNamespaceClaim | undefined, mode: NamespaceMode): Result<Ownership> {
  const { namespace, path } = namespaceAndPath(canonical);
  if (stored === undefined) {
    if (mode === 'open') return ok({ status: 'unclaimed', namespace });
    return fail('NAMESPACE_UNCLAIMED', `${namespace} has no proven owner, and this registry holds names only under claimed namespaces: its owner claims it first (spec section 21)`);
  }
  const claim = stored.claim.payload;
  const delegation = delegationFor(claim, path);
  if (delegation !== undefined) {
    const where = delegation.subtree === '' ? namespace : `${namespace}/${delegation.subtree}`;
    return fail('NAMESPACE_DELEGATED', `the owner of ${namespace} delegated ${where} to the registry at ${delegation.registry.url} (${delegation.registry.id}): its names are held and answered there`);
  }
  const grant = grantFor(claim, path, agentId);
  if (grant === undefined) {
    return fail('NAMESPACE_NOT_AUTHORIZED', `${namespace} is claimed by ${claim.by}, whose claim (sequence ${claim.seq}) grants ${agentId} no subtree holding ${canonical}`);
  }
  return ok({ status: 'proven', namespace, owner: claim.by, proof: claim.proof, provenAt: stored.provenAt, subtree: grant.subtree });
}

/** How the registry reads what a domain publishes: DNS TXT and HTTPS through the evidence port, did:web through the resolver. */
export interface ProofSources {
  readonly evidence?: NamespaceEvidence;
  readonly didResolver?: DidResolver;
}

/**
 * Check the claim's proof against what the domain publishes now, and for did-web its signature
 * (the key comes from the DID document). The signature of a did:key claimant was checked with the
 * envelope. Returns what was found, kept with the claim as evidence.
 */
export async function checkClaimProof(record: SignedRecord<NamespaceClaim>, sources: ProofSources): Promise<Result<string>> {
  const claim = record.payload;
  switch (claim.proof) {
    case 'dns-txt': {
      if (sources.evidence === undefined) return fail('NAMESPACE_PROOF_UNAVAILABLE', 'this registry makes no DNS lookups; claim with another proof');
      const where = challengeDnsName(claim.namespace);
      const texts = await sources.evidence.txt(where);
      if (!texts.ok) return texts;
      return publishedOwner(claim, texts.value, `TXT at ${where}`);
    }
    case 'https': {
      if (sources.evidence === undefined) return fail('NAMESPACE_PROOF_UNAVAILABLE', 'this registry makes no HTTPS lookups; claim with another proof');
      const body = await sources.evidence.wellKnown(claim.namespace);
      if (!body.ok) return body;
      return publishedOwner(claim, [body.value], `https://${claim.namespace}${CHALLENGE_WELL_KNOWN_PATH}`);
    }
    case 'did-web': {
      if (sources.didResolver === undefined) return fail('NAMESPACE_PROOF_UNAVAILABLE', 'this registry resolves no did:web documents; claim with another proof');
      const owner = `did:web:${claim.namespace}`;
      const resolved = await sources.didResolver.resolve(owner);
      if (!resolved.ok) return resolved;
      const key = ed25519KeysOf(resolved.value.document, 'assertionMethod').find((k) => k.id === claim.by);
      if (key === undefined) return fail('NAMESPACE_PROOF_FAILED', `the DID document of ${owner} lists no Ed25519 assertion key ${claim.by}`, '/payload/by');
      const signed = checkSignature(record, didKeyFromPublicKey(key.publicKey), '/sig');
      return signed.ok ? ok(`assertionMethod ${claim.by} of ${owner}`) : signed;
    }
  }
}

function publishedOwner(claim: NamespaceClaim, texts: readonly string[], where: string): Result<string> {
  const owners = ownersPublishedIn(texts);
  if (owners.includes(claim.by)) return ok(`${where}: "${ownerLine(claim.by)}"`);
  const found = owners.length === 0 ? 'no owner line' : `owner lines for ${owners.join(', ')} only`;
  return fail('NAMESPACE_PROOF_FAILED', `${where} has ${found}; publish "${ownerLine(claim.by)}" there to claim ${claim.namespace} with this key`, '/payload/by');
}
