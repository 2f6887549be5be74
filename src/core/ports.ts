/**
 * Ports: everything the pure core needs from the outside world comes in through these.
 * The core never reads the wall clock, the environment, the disk or the network itself.
 */
import type { Result } from './errors.js';
import type { AgentState, StoredAgent } from './registry/stored-agent.js';
import type { IssuedCertificate } from './trust/certificates/capability-certificate.js';
import type { CertificationCredential } from './trust/credentials/certification-credential.js';
import type { LogEntry, LogEventDraft } from './log/log-event.js';
import type { NamespaceClaim } from './record/namespace-claim.js';
import type { CountersignedRecord } from './record/types.js';

/** Wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/**
 * Repeating timers (watch heartbeats): the core and the faces never start one themselves, so tests
 * drive them by hand. `every` returns the function that stops the timer.
 */
export interface Timers {
  every(intervalMs: number, run: () => void): () => void;
}

/** One-shot timers (NOTIFY retries), for the same reason: `after` returns the function that cancels it. */
export interface Delays {
  after(delayMs: number, run: () => void): () => void;
}

/** Cryptographically strong random bytes. */
export interface Random {
  bytes(length: number): Uint8Array;
}

export type PutOutcome = 'written' | 'conflict';

export interface SearchQuery {
  /** Free text; every word must match a word (or word prefix) of the indexed text. */
  readonly text?: string;
  /** Exact capability / skill id or tag (case-insensitive). */
  readonly capability?: string;
  /** Exact protocol of an endpoint (a2a, mcp, https, ...). */
  readonly protocol?: string;
  /** Only agents holding a certification credential that counts (see CertificationFilter). */
  readonly certification?: CertificationFilter;
  /**
   * Epoch milliseconds: only agents whose record is still valid then (`notAfter` after it), so
   * search never lists what resolve refuses as expired. The registry always sets it (its clock).
   */
  readonly validAt?: number;
  /**
   * Only agents whose namespace has a stored claim (`claimed`), or has none (`unclaimed`). Whether
   * the claim grants the agent's key is the core's to decide, on each page.
   */
  readonly namespaceClaim?: 'claimed' | 'unclaimed';
  /** Only agents of this namespace (exact: `acme.com` holds `agent://acme.com/…`, not `agent://eu.acme.com/…`). */
  readonly namespace?: string;
  /** Page size, 1..100. */
  readonly limit: number;
  /** Opaque cursor from the previous page. */
  readonly cursor?: string;
}

/**
 * Which stored certification credentials count, decided by the caller at query time: the trust
 * policy and the clock live in the core, so a policy change or the passing of time needs no
 * re-indexing. A stored credential counts when its certification name equals `name` exactly
 * (case-sensitive, like the trust policy), its issuer is one of `trustedIssuers`, its subject is
 * the agent's current agentId (a key change leaves old certifications behind), its bindingIndex
 * is the agent's current statusIndex (a deregistration and return leaves them behind too), and
 * `validFromMs - VALID_FROM_CLOCK_SKEW_MS <= at < validUntilMs`: the credential library's
 * tolerance for an issuer's clock, so a listing's "counts" and search agree. No trusted issuers:
 * nothing counts.
 */
export interface CertificationFilter {
  readonly name: string;
  readonly trustedIssuers: readonly string[];
  /** Epoch milliseconds the validity windows are judged at. */
  readonly at: number;
}

/**
 * A third-party certification credential the core accepted for a name. At most one is stored per
 * (agentName, certification, issuer); the store keeps it as given and never verifies it.
 */
export interface StoredCertification {
  /** Canonical name of the agent it is stored under. */
  readonly agentName: string;
  /** The certification name as attested (HIPAA, SOC2, kid-safe, ...), exact. */
  readonly certification: string;
  /** The issuer's DID. */
  readonly issuer: string;
  /** The agent did:key the credential is about (its credentialSubject.id). */
  readonly subject: string;
  /** The credential's validity window in epoch milliseconds. */
  readonly validFromMs: number;
  readonly validUntilMs: number;
  /**
   * The `statusIndex` of the agent binding it was accepted for (ActiveAgent.statusIndex: every
   * binding gets a fresh one, never reused). It counts only while the name is still that binding,
   * so one a missed prune left behind never counts for a later binding, even under the same key.
   * The core always sets it; it is absent only on rows stored before bindings were recorded
   * (SQLite migration 4), and those never count.
   */
  readonly bindingIndex?: number;
  /** Lowercase hex SHA-256 of the credential's RFC 8785 bytes: names this stored credential. */
  readonly digest: string;
  /** RFC 3339 time the registry accepted it. */
  readonly storedAt: string;
  /** The credential as the issuer signed it. */
  readonly credential: CertificationCredential;
}

/** The accepted claim of a namespace, as the registry stored it. */
export interface StoredNamespaceClaim {
  readonly namespace: string;
  /** The claim's sequence (compare-and-set key). */
  readonly seq: number;
  /** The owner's signed claim with the registry's countersignature. */
  readonly claim: CountersignedRecord<NamespaceClaim>;
  /** What the registry found when it checked the proof (the TXT or well-known line, or the DID document's key). */
  readonly evidence: string;
  /** RFC 3339 time the registry checked the proof. */
  readonly provenAt: string;
}

export interface SearchPage {
  readonly items: readonly StoredAgent[];
  /** Cursor for the next page, or null on the last page. */
  readonly nextCursor: string | null;
}

/** The two Bitstring Status List purposes Signpost maintains. */
export type StatusPurpose = 'revocation' | 'suspension';

/** Why and by whom a status bit was set. */
export interface StatusEntry {
  readonly index: number;
  readonly reason: string;
  /** RFC 3339 time the bit was set. */
  readonly at: string;
  /** The did of whoever authorised it (agent key, namespace owner, registry operator). */
  readonly by: string;
}

/** Bits to set (entry) or clear (null) along with a write. */
export interface StatusChange {
  readonly purpose: StatusPurpose;
  readonly indices: readonly number[];
  readonly entry: Omit<StatusEntry, 'index'> | null;
}

/**
 * The one storage contract every backend (memory, SQLite, PostgreSQL) fulfils; the shared
 * contract suite in src/store/store.contract.ts checks it.
 */
export interface RecordStore {
  /** The stored state of a name, deregistered ones included; undefined if never registered. */
  get(name: string): Promise<StoredAgent | undefined>;
  /**
   * Write the state of a name atomically and durably, if and only if the stored sequence is
   * still `expectedSeq` (null: the name must not exist yet). Losing that race yields 'conflict'
   * and changes nothing. `statusChanges` are applied in the same transaction, so an agent's
   * state and its status-list bits never disagree. `event` is appended to the event log in the
   * same transaction, at the next index (the log's size before the write): a write and its event
   * are stored together or not at all. The registry gives one with every write.
   */
  put(agent: StoredAgent, expectedSeq: number | null, statusChanges?: readonly StatusChange[], event?: LogEventDraft): Promise<PutOutcome>;
  /** The number of events in the log: the index the next one gets. */
  logSize(): Promise<number>;
  /** Append an event that changes no state (an audit record), at the next index; its index. */
  appendEvent(event: LogEventDraft): Promise<number>;
  /** The log's entries with index in [start, end), ascending; end is capped at the log's size. */
  logEntries(start: number, end: number): Promise<LogEntry[]>;
  /** Active agents only (deregistered ones never appear), best match first. */
  search(query: SearchQuery): Promise<SearchPage>;
  /**
   * Hand out `count` fresh status-list indices. An index is never handed out twice, not even
   * across restarts, so a revoked credential can never come back to life under a new owner.
   */
  allocateStatusIndices(count: number): Promise<number[]>;
  /** Set (entry given) or clear (null) the bits of `indices` in one status list, atomically. */
  setStatus(purpose: StatusPurpose, indices: readonly number[], entry: Omit<StatusEntry, 'index'> | null): Promise<void>;
  /** Every set bit of a status list with its reason, ascending by index. */
  statusEntries(purpose: StatusPurpose): Promise<StatusEntry[]>;
  /** Number of names stored, by state. */
  count(): Promise<Record<AgentState, number>>;
  /**
   * Store a certification credential under (agentName, certification, issuer), replacing the one
   * there, if and only if the digest stored there is still `expectedDigest` (null: none may be
   * stored). Losing that race yields 'conflict' and changes nothing. `event` is appended to the
   * log in the same transaction, as with `put`.
   */
  putCertification(certification: StoredCertification, expectedDigest: string | null, event?: LogEventDraft): Promise<PutOutcome>;
  /**
   * The certification credentials stored for a name, by certification name, then issuer, each in
   * code point order (UTF-8 bytes), so every backend lists them alike.
   */
  certificationsOf(name: string): Promise<StoredCertification[]>;
  /**
   * Remove the certification credential of `name` with this digest stored for this binding
   * (`bindingIndex`; null: one stored without a binding); false if there is none. A
   * compare-and-delete: one replaced meanwhile (another digest, or the same credential stored
   * again for a later binding) stays. `event` is appended in the same transaction, only when one
   * was removed.
   */
  removeCertification(name: string, digest: string, bindingIndex: number | null, event?: LogEventDraft): Promise<boolean>;
  /** The stored claim of a namespace, or undefined. */
  namespaceClaim(namespace: string): Promise<StoredNamespaceClaim | undefined>;
  /**
   * Store the claim of a namespace, replacing the one there, if and only if the stored claim's
   * sequence is still `expectedSeq` (null: none may be stored). Losing that race yields
   * 'conflict' and changes nothing. `event` is appended in the same transaction, as with `put`.
   */
  putNamespaceClaim(claim: StoredNamespaceClaim, expectedSeq: number | null, event?: LogEventDraft): Promise<PutOutcome>;
  close(): Promise<void>;
}

/**
 * Fetches an issuer's Bitstring Status List credential from its `statusListCredential` URL (the
 * app's adapter: HTTPS with SSRF guards, size and time limits, and a small cache honouring the
 * list's lifetime). The body is returned parsed but unchecked: the core verifies it. Failures:
 * STATUS_LIST_UNAVAILABLE (not fetched: refused URL, no answer, an HTTP error) or
 * STATUS_LIST_INVALID (fetched, but not JSON).
 */
export interface StatusListSource {
  fetch(url: string): Promise<Result<unknown>>;
}

/**
 * Where a domain publishes the owner lines of its namespace (record/namespace-claim.ts): DNS TXT
 * and an HTTPS well-known file, read by the app's adapters. A domain that publishes nothing there
 * is an empty list / NAMESPACE_PROOF_FAILED; a lookup that could not be made (timeout, SERVFAIL,
 * refused address) is NAMESPACE_PROOF_UNAVAILABLE, so the claimant knows to retry.
 */
export interface NamespaceEvidence {
  /** The TXT records at a DNS name, each record's strings joined; [] for NXDOMAIN and NODATA. */
  txt(name: string): Promise<Result<readonly string[]>>;
  /** The body of `https://<namespace>/.well-known/signpost-challenge` (small, text). */
  wellKnown(namespace: string): Promise<Result<string>>;
}

/**
 * The registry's private certificate authority. It lives outside the core (its key is a file the
 * app loads, and issuing reads the clock and randomness); the core decides who gets what.
 */
export interface CertificateAuthority {
  /** The CA certificate (PEM): the trust anchor peers use for capability certificates. */
  readonly certificatePem: string;
  /** Lowercase hex SHA-256 of the DER CA certificate. */
  readonly fingerprintSha256: string;
  issue(input: { csrPem: string; agentName: string; capabilities: readonly string[]; validityMs: number }): Promise<Result<IssuedCertificate>>;
}
