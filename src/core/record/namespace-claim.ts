/**
 * A namespace claim: the owner of a namespace (the domain of `agent://acme.com/…`) proves it
 * controls the domain and says which agent keys may register names under which subtree. Signed
 * by the owner's key; the whole list of grants is restated by every claim, so withdrawing a grant
 * is signing the next claim without it (spec section 21).
 *
 * The proof names where the registry finds the owner's key published by the domain itself:
 *   dns-txt  a TXT record `v=signpost1; owner=<by>` at `_signpost-challenge.<namespace>`
 *   https    the same line in `https://<namespace>/.well-known/signpost-challenge`
 *   did-web  `by` is a key of `did:web:<namespace>` (its DID document, served by the domain)
 * The published line names a key, not a one-time token: the check needs no state between two
 * requests, one record serves every registry, and the registry re-checks it at every claim.
 */
import { problem, type Problem, type Result } from '../errors.js';
import { parseAgentName } from '../name/index.js';
import { didKeyProblem } from '../trust/did-key.js';
import type { SigningKey } from '../trust/ed25519.js';
import { checkTimestamp, formatUtcSeconds } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import { signRecord } from './signing.js';
import { isDidWebSigner } from './status-change.js';
import type { SignedRecord } from './types.js';

export const NAMESPACE_PROOFS = ['dns-txt', 'https', 'did-web'] as const;
export type NamespaceProof = (typeof NAMESPACE_PROOFS)[number];

/** Agent keys that may register names in one subtree of the namespace. */
export interface NamespaceGrant {
  /** Path labels joined by `/` (`billing`, `billing/eu`), or `` for the whole namespace. */
  readonly subtree: string;
  /** Ed25519 did:keys, sorted, without duplicates. */
  readonly keys: readonly string[];
}

/** A subtree of the namespace served by another registry: the NS + DS of Signpost (its URL and its key). */
export interface NamespaceDelegation {
  /** Path labels joined by `/`, or `` for the whole namespace. */
  readonly subtree: string;
  readonly registry: {
    /** Where the delegate registry answers: an https URL (http only for loopback hosts), no query or fragment. */
    readonly url: string;
    /** The delegate registry's did:key: its answers must be countersigned with it. */
    readonly id: string;
  };
}

export interface NamespaceClaim {
  readonly type: 'NamespaceClaim';
  readonly v: 1;
  /** The namespace: a lowercase DNS name, as in canonical agent names. */
  readonly namespace: string;
  /** The owner key that signs: an Ed25519 did:key, or a did:web key URL of `did:web:<namespace>` (proof did-web). */
  readonly by: string;
  readonly proof: NamespaceProof;
  /** Rises with every claim of the namespace, whoever makes it (read the stored one first). */
  readonly seq: number;
  /** RFC 3339 UTC time of signing: within 5 minutes of the registry's clock. */
  readonly at: string;
  /** Sorted by subtree, one entry per subtree. */
  readonly grants: readonly NamespaceGrant[];
  /** Subtrees served by other registries, sorted by subtree, one per subtree: names there get a referral. */
  readonly delegations: readonly NamespaceDelegation[];
}

export const MAX_NAMESPACE_GRANTS = 128;
export const MAX_KEYS_PER_GRANT = 512;
export const MAX_NAMESPACE_DELEGATIONS = 64;

export const namespaceClaimSchema = {
  $id: 'urn:signpost:schema:namespace-claim:1',
  title: 'NamespaceClaim',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'namespace', 'by', 'proof', 'seq', 'at', 'grants', 'delegations'],
  properties: {
    type: { const: 'NamespaceClaim' },
    v: { const: 1 },
    namespace: { type: 'string', minLength: 1, maxLength: 253 },
    by: { type: 'string', minLength: 1, maxLength: 256 },
    proof: { enum: NAMESPACE_PROOFS },
    seq: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
    grants: {
      type: 'array',
      maxItems: MAX_NAMESPACE_GRANTS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['subtree', 'keys'],
        properties: {
          subtree: { type: 'string', maxLength: 253 },
          keys: { type: 'array', minItems: 1, maxItems: MAX_KEYS_PER_GRANT, items: { type: 'string', minLength: 1, maxLength: 128 } },
        },
      },
    },
    delegations: {
      type: 'array',
      maxItems: MAX_NAMESPACE_DELEGATIONS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['subtree', 'registry'],
        properties: {
          subtree: { type: 'string', maxLength: 253 },
          registry: {
            type: 'object',
            additionalProperties: false,
            required: ['url', 'id'],
            properties: { url: { type: 'string', minLength: 1, maxLength: 512 }, id: { type: 'string', minLength: 1, maxLength: 128 } },
          },
        },
      },
    },
  },
} as const;

const validateShape = compileSchema<NamespaceClaim>(namespaceClaimSchema);

export function checkNamespaceClaim(value: unknown, pointer = ''): Result<NamespaceClaim> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (claim) => [
    checkNamespace(claim.namespace, `${pointer}/namespace`),
    checkOwnerKey(claim, pointer),
    checkTimestamp(claim.at, `${pointer}/at`),
    ...checkGrants(claim, `${pointer}/grants`),
    ...checkDelegations(claim, `${pointer}/delegations`),
  ]);
}

/** A namespace as canonical agent names spell it: `acme.com`, never `ACME.com.` or `acme.com/x`. */
export function checkNamespace(namespace: string, pointer: string): Problem | undefined {
  const parsed = parseAgentName(`agent://${namespace}/x`);
  if (!parsed.ok) return problem('RECORD_INVALID', `"${namespace}" is not a namespace: ${parsed.problems[0]!.detail}`, pointer);
  if (parsed.value.name.namespace !== namespace) return problem('RECORD_INVALID', `the namespace must be written ${parsed.value.name.namespace}, not "${namespace}"`, pointer);
  return undefined;
}

/** did-web claims are signed by a key of `did:web:<namespace>` itself; the others by an Ed25519 did:key. */
function checkOwnerKey(claim: NamespaceClaim, pointer: string): Problem | undefined {
  if (claim.proof === 'did-web') {
    const owner = `did:web:${claim.namespace}`;
    if (!isDidWebSigner(claim.by) || !claim.by.startsWith(`${owner}#`)) return problem('RECORD_INVALID', `a did-web claim is signed by a key of ${owner} (${owner}#<key id>), not ${claim.by}`, `${pointer}/by`);
    return undefined;
  }
  return didKeyProblem(claim.by, `${pointer}/by`);
}

/** Sorted by subtree, one per subtree, each a subtree of the namespace. */
function checkSubtrees(namespace: string, entries: readonly { readonly subtree: string }[], what: string, pointer: string): (Problem | undefined)[] {
  return entries.flatMap((entry, i) => {
    if (i > 0 && !(entries[i - 1]!.subtree < entry.subtree)) return [problem('RECORD_INVALID', `${what} must be sorted by subtree, one per subtree`, `${pointer}/${i}/subtree`)];
    if (entry.subtree === '') return [];
    const parsed = parseAgentName(`agent://${namespace}/${entry.subtree}`);
    if (parsed.ok && parsed.value.name.path.join('/') === entry.subtree) return [];
    return [problem('RECORD_INVALID', `"${entry.subtree}" is not a subtree of ${namespace}: lowercase labels joined by "/", or "" for all of it`, `${pointer}/${i}/subtree`)];
  });
}

/** A registry URL: https, or http to a loopback host (development); no credentials, query or fragment. */
const REGISTRY_URL = /^(?:https:\/\/[^/?#@\s]+|http:\/\/(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(?::\d{1,5})?)(?:\/[^?#\s]*)?$/;

function checkDelegations(claim: NamespaceClaim, pointer: string): (Problem | undefined)[] {
  return [
    ...checkSubtrees(claim.namespace, claim.delegations, 'delegations', pointer),
    ...claim.delegations.flatMap((delegation, i) => [
      REGISTRY_URL.test(delegation.registry.url) ? undefined : problem('RECORD_INVALID', `a delegate registry's URL is https (http only on loopback), without query or fragment, not "${delegation.registry.url}"`, `${pointer}/${i}/registry/url`),
      didKeyProblem(delegation.registry.id, `${pointer}/${i}/registry/id`),
    ]),
  ];
}

function checkGrants(claim: NamespaceClaim, pointer: string): (Problem | undefined)[] {
  const problems: (Problem | undefined)[] = [...checkSubtrees(claim.namespace, claim.grants, 'grants', pointer)];
  claim.grants.forEach((grant, i) => {
    const sorted = [...new Set(grant.keys)].sort();
    if (sorted.length !== grant.keys.length || sorted.some((key, k) => key !== grant.keys[k])) problems.push(problem('RECORD_INVALID', 'keys must be sorted and without duplicates', `${pointer}/${i}/keys`));
    grant.keys.forEach((key, k) => problems.push(didKeyProblem(key, `${pointer}/${i}/keys/${k}`)));
  });
  return problems;
}

/** Whether a subtree holds the name with these path labels (`billing` holds `billing/x`, not `billing` itself nor `billings/x`). */
export function subtreeHolds(subtree: string, path: readonly string[]): boolean {
  const labels = subtree === '' ? [] : subtree.split('/');
  return labels.length < path.length && labels.every((label, i) => label === path[i]);
}

/**
 * The grant that lets `agentId` register the name with these path labels, if any: the one of the
 * deepest subtree that contains the name and lists the key (a grant for `billing` covers
 * `billing/invoices` and `billing/eu/x`, not `billings/x`).
 */
export function grantFor(claim: NamespaceClaim, path: readonly string[], agentId: string): NamespaceGrant | undefined {
  let found: NamespaceGrant | undefined;
  for (const grant of claim.grants) {
    if (subtreeHolds(grant.subtree, path) && grant.keys.includes(agentId) && (found === undefined || grant.subtree.length > found.subtree.length)) found = grant;
  }
  return found;
}

/** The delegation of the shallowest subtree holding the name, if any: like a zone cut, it occludes everything below it here. */
export function delegationFor(claim: NamespaceClaim, path: readonly string[]): NamespaceDelegation | undefined {
  let found: NamespaceDelegation | undefined;
  for (const delegation of claim.delegations) {
    if (subtreeHolds(delegation.subtree, path) && (found === undefined || delegation.subtree.length < found.subtree.length)) found = delegation;
  }
  return found;
}

/** The owner line a domain publishes (TXT or well-known file) to name a key that may claim its namespace. */
export function ownerLine(by: string): string {
  return `v=signpost1; owner=${by}`;
}

/** The keys named by owner lines among published texts (other lines and other versions are ignored). */
export function ownersPublishedIn(texts: readonly string[]): string[] {
  const owners: string[] = [];
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      const fields = new Map(line.split(';').map((field) => field.trim().split('=', 2) as [string, string | undefined]));
      const owner = fields.get('owner');
      if (fields.get('v') === 'signpost1' && owner !== undefined) owners.push(owner.trim());
    }
  }
  return owners;
}

/** The owner name where DNS publishes the owner lines of a namespace. */
export function challengeDnsName(namespace: string): string {
  return `_signpost-challenge.${namespace}`;
}

export const CHALLENGE_WELL_KNOWN_PATH = '/.well-known/signpost-challenge';

/** A claim signed by an Ed25519 key (the dns-txt and https proofs); grants are put in canonical order here. */
export function createNamespaceClaim(
  key: SigningKey,
  input: { namespace: string; proof: Exclude<NamespaceProof, 'did-web'>; seq: number; grants: readonly NamespaceGrant[]; delegations?: readonly NamespaceDelegation[] },
  nowMs: number,
): SignedRecord<NamespaceClaim> {
  const delegations = [...(input.delegations ?? [])].sort((a, b) => (a.subtree < b.subtree ? -1 : a.subtree > b.subtree ? 1 : 0));
  return signRecord<NamespaceClaim>(
    { type: 'NamespaceClaim', v: 1, namespace: input.namespace, by: key.did, proof: input.proof, seq: input.seq, at: formatUtcSeconds(nowMs), grants: canonicalGrants(input.grants), delegations },
    key,
  );
}

/** Grants merged per subtree, keys sorted and deduplicated, subtrees sorted: the one spelling a claim accepts. */
export function canonicalGrants(grants: readonly NamespaceGrant[]): NamespaceGrant[] {
  const bySubtree = new Map<string, Set<string>>();
  for (const grant of grants) {
    const keys = bySubtree.get(grant.subtree) ?? new Set<string>();
    for (const key of grant.keys) keys.add(key);
    bySubtree.set(grant.subtree, keys);
  }
  return [...bySubtree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([subtree, keys]) => ({ subtree, keys: [...keys].sort() }));
}
