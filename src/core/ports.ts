/**
 * Ports: everything the pure core needs from the outside world comes in through these.
 * The core never reads the wall clock, the environment, the disk or the network itself.
 */
import type { StoredAgent } from './registry/stored-agent.js';

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
   * and changes nothing.
   */
  put(agent: StoredAgent, expectedSeq: number | null): Promise<PutOutcome>;
  /** Active agents only (deregistered ones never appear), best match first. */
  search(query: SearchQuery): Promise<SearchPage>;
  /** Number of names stored, by state. */
  count(): Promise<{ active: number; deregistered: number }>;
  close(): Promise<void>;
}
