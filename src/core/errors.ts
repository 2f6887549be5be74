/**
 * The error catalogue: every failure Signpost reports has one stable code here.
 *
 * Faces translate a code to their wire form (HTTP problem+json status, DNS rcode, CLI exit code)
 * through its `kind`; the code and its meaning never change once released. `docs/errors.md` lists
 * the same catalogue and a test keeps the two in step.
 */

export type ErrorKind =
  | 'invalid' // the input is malformed or breaks a rule of its format
  | 'unauthorized' // a signature is missing, wrong, or made by the wrong key
  | 'forbidden' // authenticated, but the rules do not allow it
  | 'not-found'
  | 'gone' // it existed and was removed on purpose
  | 'conflict' // valid on its own, but clashes with the current state (sequence, ownership race)
  | 'too-large'
  | 'unsupported'
  | 'timeout' // the server took too long
  | 'client-timeout' // the client took too long to send its request
  | 'unavailable'
  | 'internal';

interface CatalogueEntry {
  readonly kind: ErrorKind;
  readonly title: string;
}

export const errorCatalogue = {
  // --- agent names -------------------------------------------------------------------------
  NAME_EMPTY: { kind: 'invalid', title: 'The agent name is empty' },
  NAME_UNKNOWN_SCHEME: { kind: 'invalid', title: 'The agent name uses a scheme Signpost does not know' },
  NAME_MALFORMED: { kind: 'invalid', title: 'The agent name does not match any accepted form' },
  NAME_MISSING_PATH: { kind: 'invalid', title: 'The agent name has a namespace but no path below it' },
  NAME_EMPTY_LABEL: { kind: 'invalid', title: 'The agent name has an empty label' },
  NAME_BAD_CHARACTER: {
    kind: 'invalid',
    title: 'A label of the agent name has a character outside lowercase letters, digits and inner hyphens',
  },
  NAME_LABEL_TOO_LONG: { kind: 'invalid', title: 'A label of the agent name is longer than 63 octets' },
  NAME_TOO_LONG: { kind: 'invalid', title: 'The agent name maps to a DNS name longer than 253 octets' },

  // --- requests (any face) -----------------------------------------------------------------
  REQUEST_MALFORMED_JSON: { kind: 'invalid', title: 'The request body is not valid JSON' },
  REQUEST_INVALID: { kind: 'invalid', title: 'The request does not match the schema of this operation' },
  REQUEST_TOO_LARGE: { kind: 'too-large', title: 'The request body is larger than this server accepts' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { kind: 'unsupported', title: 'The request body has a media type this operation does not accept' },
  REQUEST_TIMEOUT: { kind: 'timeout', title: 'The request took longer than this server allows' },
  REQUEST_TOO_SLOW: { kind: 'client-timeout', title: 'The request did not arrive in full within the time this server allows' },
  REQUEST_TOO_COMPLEX: {
    kind: 'invalid',
    title: 'The JSON nests deeper, or has more members in one object or array, than this server accepts',
  },
  ROUTE_NOT_FOUND: { kind: 'not-found', title: 'No operation exists at this path and method' },

  // --- signed records ----------------------------------------------------------------------
  RECORD_INVALID: { kind: 'invalid', title: 'The record does not match its schema' },
  RECORD_UNKNOWN_FIELD: { kind: 'invalid', title: 'The signed part of the record has a field its format does not define' },
  RECORD_SIGNATURE_INVALID: { kind: 'unauthorized', title: "The record's signature does not verify with the agent's key" },
  RECORD_COUNTERSIGNATURE_INVALID: {
    kind: 'unauthorized',
    title: "The registry's countersignature is missing or does not verify with the registry's key",
  },
  RECORD_EXPIRED: { kind: 'invalid', title: 'The record is past its notAfter time' },
  RECORD_VALIDITY_TOO_LONG: { kind: 'invalid', title: 'The record asks for a validity longer than this registry allows' },
  RECORD_NAME_MISMATCH: { kind: 'invalid', title: 'The record is for another agent name than the one asked for' },
  AGENT_ID_INVALID: { kind: 'invalid', title: 'The agent id is not an Ed25519 did:key' },
  KEY_WEAK: {
    kind: 'invalid',
    title: 'The public key is a small-order or non-canonically encoded Ed25519 point, for which signatures can be forged',
  },
  FACTS_INVALID: { kind: 'invalid', title: 'The AgentFacts document does not match the AgentFacts schema' },
  FACTS_DIGEST_MISMATCH: { kind: 'invalid', title: "The AgentFacts do not hash to the digest the AgentAddr commits to" },
  FACTS_SUBJECT_MISMATCH: { kind: 'invalid', title: 'The AgentFacts describe another agent than the AgentAddr' },
  FACTS_ATTESTED_FIELD: {
    kind: 'forbidden',
    title: 'The registrant set a field only an attesting issuer may set (verified, trust scores, foreign certifications)',
  },
  ENDPOINT_NOT_SIGNED: { kind: 'unauthorized', title: 'The endpoint offered is not one of the endpoints in the signed AgentFacts' },
  ENCODING_INVALID: { kind: 'invalid', title: 'The compact binary record is truncated or malformed' },

  // --- registry rules ----------------------------------------------------------------------
  AGENT_NOT_FOUND: { kind: 'not-found', title: 'No agent is registered under this name' },
  AGENT_DEREGISTERED: { kind: 'gone', title: 'The agent was deregistered by its owner' },
  AGENT_EXPIRED: { kind: 'gone', title: "The agent's record is past its notAfter time and was not renewed" },
  NAME_TAKEN: { kind: 'forbidden', title: 'The name is bound to another agent key' },
  SEQUENCE_STALE: {
    kind: 'conflict',
    title: 'The record sequence is not higher than the stored one (a replay or a rollback)',
  },
  WRITE_CONFLICT: { kind: 'conflict', title: 'Another write to the same name won the race; retry with a fresh sequence' },

  // --- namespace ownership -----------------------------------------------------------------
  NAMESPACE_UNCLAIMED: { kind: 'forbidden', title: 'The namespace has no proven owner, and this registry accepts names only under claimed namespaces' },
  NAMESPACE_NOT_AUTHORIZED: { kind: 'forbidden', title: 'The owner of the namespace has not granted this agent key the name' },
  NAMESPACE_PROOF_FAILED: { kind: 'forbidden', title: 'The domain does not publish the claiming key as the owner of the namespace' },
  NAMESPACE_PROOF_UNAVAILABLE: { kind: 'unavailable', title: "The namespace's proof of ownership could not be looked up" },
  NAMESPACE_CLAIM_NOT_FOUND: { kind: 'not-found', title: 'No claim is stored for this namespace' },
  NAMESPACE_DELEGATED: { kind: 'forbidden', title: "The namespace's owner delegated this name's subtree to another registry" },

  // --- resolution across registries (referrals) ---------------------------------------------
  RESOLUTION_REFERRED: { kind: 'not-found', title: 'The registry referred the name to another registry' },
  DELEGATION_FORGED: { kind: 'unauthorized', title: "The referral is not signed by the namespace's owner and countersigned by the registry that gave it" },
  DELEGATION_LAME: { kind: 'unavailable', title: 'The registry a referral points to does not answer for the name with the delegated key' },
  DELEGATION_LOOP: { kind: 'unavailable', title: 'The referrals lead back to a registry already asked' },
  RESOLUTION_TOO_DEEP: { kind: 'unavailable', title: 'The name needs more referrals than the resolver follows' },
  RESOLUTION_DEADLINE: { kind: 'timeout', title: 'The resolution did not finish within its deadline' },
  AUDIT_NOT_WRITTEN: { kind: 'unavailable', title: 'The lookup outside the home registry was not made: its audit record could not be written' },
  AUDIT_NOT_AUTHORIZED: { kind: 'forbidden', title: 'The audit record is not signed by a resolver this registry takes audit records from' },

  // --- tailored endpoints and endpoint tokens ---------------------------------------------------
  REQUIRED_CONTEXT_MISSING: { kind: 'invalid', title: 'The agent requires requester context the request does not give' },
  ENDPOINT_TOKEN_MISSING: { kind: 'unauthorized', title: 'No endpoint token was presented' },
  ENDPOINT_TOKEN_INVALID: { kind: 'unauthorized', title: 'The endpoint token is malformed, or not signed by the trusted registry' },
  ENDPOINT_TOKEN_EXPIRED: { kind: 'unauthorized', title: 'The endpoint token has expired' },
  ENDPOINT_TOKEN_MISMATCH: { kind: 'unauthorized', title: 'The endpoint token was issued for another agent, requester, endpoint or purpose' },

  // --- search ------------------------------------------------------------------------------
  SEARCH_BAD_CURSOR: { kind: 'invalid', title: 'The search cursor is malformed or belongs to another query' },

  // --- trust: credentials, status, certificates, disclosure ----------------------------------
  AGENT_REVOKED: { kind: 'gone', title: 'The agent was revoked; its records must not be used' },
  AGENT_SUSPENDED: { kind: 'forbidden', title: 'The agent is suspended; its records must not be used until it is reinstated' },
  REVOCATION_NOT_AUTHORIZED: {
    kind: 'forbidden',
    title: 'Only the agent key, the namespace owner or the registry operator may revoke or suspend this agent',
  },
  GRANT_NOT_AUTHORIZED: { kind: 'forbidden', title: 'Only the registry operator may grant capabilities' },
  CREDENTIAL_INVALID: { kind: 'unauthorized', title: 'The credential is malformed or its proof does not verify' },
  CREDENTIAL_EXPIRED: { kind: 'unauthorized', title: 'The credential is outside its validity period' },
  CREDENTIAL_REVOKED: { kind: 'unauthorized', title: 'The credential is revoked or suspended in its status list' },
  STATUS_LIST_INVALID: { kind: 'unauthorized', title: 'The status list credential is malformed, stale, or its proof does not verify' },
  STATUS_LIST_UNAVAILABLE: { kind: 'unavailable', title: 'The status list credential could not be fetched from its URL' },
  ISSUER_UNTRUSTED: { kind: 'forbidden', title: 'The trust policy does not accept this issuer for this claim' },
  DID_UNRESOLVABLE: { kind: 'unavailable', title: 'The DID could not be resolved to a DID document' },
  // Only for documents given to the registry (pins). A document fetched from its owner's server
  // that breaks the rules is the owner's fault, not the caller's: DID_UNRESOLVABLE (503), reason in the detail.
  DID_DOCUMENT_INVALID: {
    kind: 'invalid',
    title: 'The DID document given to the registry is malformed, too large, names another DID, or has an unusable or dangling key',
  },
  KEY_ROTATION_INVALID: {
    kind: 'unauthorized',
    title: 'The key rotation is not signed by the current key, does not match the pre-announced next key, or would bypass it',
  },
  KEY_ROTATED_OUT: { kind: 'forbidden', title: 'The key was rotated out of this name and can no longer act for it' },
  SEQUENCE_TOO_FAR_AHEAD: { kind: 'invalid', title: 'The sequence is more than a day ahead of the registry clock' },
  CSR_INVALID: { kind: 'invalid', title: 'The certificate signing request is malformed or its signature does not verify' },
  CERT_INVALID: { kind: 'unauthorized', title: 'The certificate is malformed or does not chain to the registry CA' },
  CERT_EXPIRED: { kind: 'unauthorized', title: 'The certificate is outside its validity period' },
  CERT_NAME_MISMATCH: { kind: 'unauthorized', title: 'The certificate names another agent than the one expected' },
  CAPABILITY_MISSING: { kind: 'forbidden', title: 'The certificate, credential or grant does not carry the capability asked for' },
  DISCLOSURE_INVALID: { kind: 'unauthorized', title: 'The derived (selective disclosure) proof does not verify against the issuer key' },

  // --- clients and keys --------------------------------------------------------------------
  REGISTRY_KEY_CHANGED: {
    kind: 'unauthorized',
    title: 'The registry presents another key than the one pinned for it',
  },
  REGISTRY_UNREACHABLE: { kind: 'unavailable', title: 'The registry could not be reached' },
  REGISTRY_BAD_RESPONSE: { kind: 'unavailable', title: 'The registry answered with something that is not a Signpost response' },
  KEY_FILE_INVALID: { kind: 'invalid', title: 'The key file is unreadable or not a key of the expected kind' },
  KEY_FILE_EXISTS: { kind: 'conflict', title: 'The key file already exists; refusing to overwrite a private key' },
  IMPORT_UNSUPPORTED_SHAPE: { kind: 'unsupported', title: 'The import file is not a shape this importer knows' },
  FILE_UNUSABLE: { kind: 'invalid', title: 'A file or directory named on the command line cannot be read or written' },

  // --- the event log -----------------------------------------------------------------------
  LOG_RANGE_INVALID: { kind: 'invalid', title: 'The log indices or tree sizes asked for are not within the log' },
  LOG_ENTRY_NOT_FOUND: { kind: 'not-found', title: 'No entry of the log has this leaf hash' },
  LOG_HEAD_INVALID: { kind: 'unauthorized', title: 'The log tree head is malformed or not signed by the registry key' },
  LOG_PROOF_INVALID: { kind: 'unauthorized', title: 'The log proof does not verify against the signed tree head' },
  LOG_INCONSISTENT: { kind: 'unauthorized', title: 'The log is not consistent with a tree head seen before: its history was rewritten' },
  WATCH_FULL: { kind: 'unavailable', title: 'The registry serves as many watch subscribers as it takes' },
  WATCH_TOO_SLOW: { kind: 'unavailable', title: 'The watch subscriber did not keep up with the changes and was cut off' },

  // --- server ------------------------------------------------------------------------------
  STORE_UNAVAILABLE: { kind: 'unavailable', title: 'The record store is not available' },
  DATA_DIR_IN_USE: { kind: 'conflict', title: 'Another registry process serves this data directory' },
  LISTEN_FAILED: { kind: 'invalid', title: 'The server cannot listen on the host and port asked for' },
  DNS_UPDATE_NOT_AUTHORIZED: { kind: 'forbidden', title: 'The DNS UPDATE is not TSIG-signed with a key allowed to update this zone' },
  DNS_UPDATE_NOT_ZONE: { kind: 'invalid', title: 'The DNS UPDATE names a zone this server does not serve, or a record outside its zone' },
  DNS_UPDATE_UNSUPPORTED: { kind: 'unsupported', title: 'The DNS UPDATE asks for more than adding one TXT that carries a signed Signpost document' },
  DNS_UPDATE_PAYLOAD_INVALID: { kind: 'invalid', title: 'The TXT of the DNS UPDATE is not "signpost-v1 <kind>" followed by the base64url of a JSON document' },
  DNS_UPDATE_PREREQUISITE_FAILED: { kind: 'conflict', title: 'A prerequisite of the DNS UPDATE does not hold for what the zone serves now' },
  DNS_ROLLOVER_IN_PROGRESS: { kind: 'conflict', title: 'A rollover of the DNS zone key is already in progress' },
  DNS_ROLLOVER_NOT_STARTED: { kind: 'conflict', title: 'No rollover of the DNS zone key is in progress' },
  DNS_ROLLOVER_TOO_EARLY: {
    kind: 'conflict',
    title: 'Resolvers may still trust only the old DNS zone key: the rollover has not run for the DNSKEY TTL plus the DS TTL yet',
  },
  INTERNAL: { kind: 'internal', title: 'An internal error occurred' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

/** One reported failure: a stable code plus a human detail (which field, which value). */
export interface Problem {
  readonly code: ErrorCode;
  readonly detail: string;
  /** JSON pointer (RFC 6901) to the offending part of the input, where there is one. */
  readonly pointer?: string;
}

export function problem(code: ErrorCode, detail: string, pointer?: string): Problem {
  return pointer === undefined ? { code, detail } : { code, detail, pointer };
}

export function kindOf(code: ErrorCode): ErrorKind {
  return errorCatalogue[code].kind;
}

export function titleOf(code: ErrorCode): string {
  return errorCatalogue[code].title;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}

/** A computation that can fail with catalogued problems, without throwing. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly Problem[] };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, detail: string, pointer?: string): Result<T> {
  return { ok: false, problems: [problem(code, detail, pointer)] };
}

export function failWith<T = never>(problems: readonly Problem[]): Result<T> {
  return { ok: false, problems };
}

/**
 * Thrown only across I/O boundaries (store, HTTP client) where a Result cannot be threaded;
 * faces catch it and translate it like any other Problem.
 */
export class SignpostError extends Error {
  readonly code: ErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown; problems?: readonly Problem[] }) {
    super(`${code}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SignpostError';
    this.code = code;
    this.problems = options?.problems ?? [problem(code, detail)];
  }

  static from(problems: readonly Problem[]): SignpostError {
    const first = problems[0] ?? problem('INTERNAL', 'no problem given');
    return new SignpostError(first.code, first.detail, { problems });
  }
}
