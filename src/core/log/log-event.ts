/**
 * The registry's event log: every accepted write appends one event, in the same store
 * transaction as the state it changes, at the next index (0, 1, 2, … with no gap). An entry's
 * bytes are the RFC 8785 canonical JSON of the event with its index; the leaf of the log's Merkle
 * tree (merkle-tree.ts) is those bytes. An event names the signed records the write stored by
 * the SHA-256 of their canonical JSON (countersignature included), so whoever holds a record can
 * find the event that published it, and the log stays small.
 */
import { canonicalText } from '../trust/jcs.js';

export const LOG_EVENT_KINDS = ['registered', 'updated', 'key-rotated', 'deregistered', 'status-changed', 'capabilities-granted'] as const;
export type LogEventKind = (typeof LOG_EVENT_KINDS)[number];

/** An event as the registry writes it; the store gives it its index. */
export interface LogEventDraft {
  readonly kind: LogEventKind;
  /** The canonical agent name. */
  readonly name: string;
  /** RFC 3339 time the registry accepted the write (its countersignature time). */
  readonly at: string;
  /** The agent key the name is bound to after the write. */
  readonly agentId: string;
  /** The name's sequence after the write. */
  readonly seq: number;
  /** The name's state after the write. */
  readonly state: 'active' | 'suspended' | 'revoked' | 'deregistered';
  /** Lowercase hex SHA-256 of each signed record the write stored, by role (addr, facts, tombstone, statusChange, grant, rotation). */
  readonly records: Readonly<Record<string, string>>;
}

/** An appended event: its index and its bytes (canonical JSON text). */
export interface LogEntry {
  readonly index: number;
  readonly text: string;
}

/** Version of the entry format; a change of format gets a new one. */
export const LOG_ENTRY_VERSION = 1;

/** The canonical text of the event at `index`: what the store keeps and the tree hashes. */
export function logEntryText(index: number, draft: LogEventDraft): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`a log index is a natural number, not ${index}`);
  return canonicalText({ v: LOG_ENTRY_VERSION, index, ...draft });
}
