/**
 * Ports: everything the pure core needs from the outside world comes in through these.
 * The core never reads the wall clock, the environment, the disk or the network itself.
 */
import type { Result } from './errors.js';
import type { AgentState, StoredAgent } from './registry/stored-agent.js';
import type { IssuedCertificate } from './trust/certificates/capability-certificate.js';

/** Wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
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
  /** Exact certification name (HIPAA, SOC2, kid-safe, ...). */
  readonly certification?: string;
  /** Page size, 1..100. */
  readonly limit: number;
  /** Opaque cursor from the previous page. */
  readonly cursor?: string;
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
   * state and its status-list bits never disagree.
   */
  put(agent: StoredAgent, expectedSeq: number | null, statusChanges?: readonly StatusChange[]): Promise<PutOutcome>;
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
  close(): Promise<void>;
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
