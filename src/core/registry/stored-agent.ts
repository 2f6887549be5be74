import type { AgentAddr, AgentFacts, AgentStatusChange, AgentTombstone, CapabilityGrant, CountersignedRecord, KeyRotation } from '../record/types.js';
import type { AgentFactsCredential } from '../trust/credentials/facts-credential.js';
import type { Deployment } from '../record/deployment.js';

/** What the index of a registered agent holds for search; derived from its facts by the core. */
export interface SearchDocument {
  /** Free text: label, description, skill names and descriptions, tags, provider. */
  readonly text: string;
  /** Lowercased skill ids and tags. */
  readonly capabilities: readonly string[];
  /** Lowercased endpoint protocols. */
  readonly protocols: readonly string[];
  // No certifications here: whether a certification counts depends on the trust policy, the
  // agent's current key and the time, so search reads the stored certification credentials at
  // query time (RecordStore.putCertification, SearchQuery.certification). Self-declared
  // certifications in the facts are never searchable.
}

/**
 * The state of one name in a store. A name that was ever registered keeps a row: after a
 * tombstone its key binding stays (unless the tombstone released it) so a stale record can
 * never be replayed into it.
 */
export type StoredAgent = ActiveAgent | SuspendedAgent | RevokedAgent | DeregisteredAgent;

export type AgentState = StoredAgent['state'];
export const AGENT_STATES: readonly AgentState[] = ['active', 'suspended', 'revoked', 'deregistered'];

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
  /** This binding's index in the revocation and suspension status lists; allocated once, never reused. */
  readonly statusIndex: number;
  /**
   * When this binding of the name began: the countersignature time of its first record (a key
   * rotation continues the binding). Grants and status changes signed before it were meant for an
   * earlier owner and are refused. Absent on bindings stored before it was recorded.
   */
  readonly boundAt?: string;
  /** The last accepted status change (a reinstatement), so an older signed change cannot be replayed. */
  readonly lastStatusChange?: CountersignedRecord<AgentStatusChange>;
  /** The operator's current capability grant for this binding (absent: none ever granted). */
  readonly capabilityGrant?: CountersignedRecord<CapabilityGrant>;
  /** The registry's VC over the current facts, with its own status index (absent when the registry issues none). */
  readonly credential?: IssuedCredential;
  /** Every key rotation of the name, oldest first: the chain of continuity proofs from the first key to agentId. */
  readonly rotations?: readonly CountersignedRecord<KeyRotation>[];
  /** The instances the agent runs now, signed by its key (absent: it published none; tailoring uses the facts' endpoints). */
  readonly deployment?: CountersignedRecord<Deployment>;
}

export interface IssuedCredential {
  /** Global status index of this credential (list = index / list size, position = index % list size). */
  readonly index: number;
  readonly vc: AgentFactsCredential;
}

/** Cut off for now: the records are kept (and reinstated as they were), but never served as usable. */
export interface SuspendedAgent extends Omit<ActiveAgent, 'state'> {
  readonly state: 'suspended';
  readonly lastStatusChange: CountersignedRecord<AgentStatusChange>;
}

/** Cut off for good: the key is presumed compromised, so the name never comes back under it. */
export interface RevokedAgent extends Omit<ActiveAgent, 'state'> {
  readonly state: 'revoked';
  readonly lastStatusChange: CountersignedRecord<AgentStatusChange>;
}

export interface DeregisteredAgent extends StoredAgentBase {
  readonly state: 'deregistered';
  readonly tombstone: CountersignedRecord<AgentTombstone>;
  /** The next key the last record pre-announced: it still binds whoever registers the name again. */
  readonly nextKeySha256?: string;
  /** The rotation chain of the binding that was deregistered, so keys rotated out stay refused. */
  readonly rotations?: readonly CountersignedRecord<KeyRotation>[];
}
