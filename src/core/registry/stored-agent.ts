import type { AgentAddr, AgentFacts, AgentTombstone, CountersignedRecord } from '../record/types.js';

/** What the index of a registered agent holds for search; derived from its facts by the core. */
export interface SearchDocument {
  /** Free text: label, description, skill names and descriptions, tags, provider. */
  readonly text: string;
  /** Lowercased skill ids and tags. */
  readonly capabilities: readonly string[];
  /** Lowercased endpoint protocols. */
  readonly protocols: readonly string[];
  /** Lowercased certification names (attested ones; self-declared are not indexed). */
  readonly certifications: readonly string[];
}

/**
 * The state of one name in a store. A name that was ever registered keeps a row: after a
 * tombstone its key binding stays (unless the tombstone released it) so a stale record can
 * never be replayed into it.
 */
export type StoredAgent = ActiveAgent | DeregisteredAgent;

interface StoredAgentBase {
  /** Canonical agent name. */
  readonly name: string;
  /** The did:key the name is bound to. */
  readonly agentId: string;
  /** Sequence of the last accepted write (addr or tombstone). */
  readonly seq: number;
  /** RFC 3339 time of the last accepted write (the registry countersignature time). */
  readonly updatedAt: string;
}

export interface ActiveAgent extends StoredAgentBase {
  readonly state: 'active';
  readonly addr: CountersignedRecord<AgentAddr>;
  readonly facts: CountersignedRecord<AgentFacts>;
  readonly search: SearchDocument;
}

export interface DeregisteredAgent extends StoredAgentBase {
  readonly state: 'deregistered';
  readonly tombstone: CountersignedRecord<AgentTombstone>;
}
