/**
 * The registry's event log: every accepted write appends one event, in the same store
 * transaction as the state it changes, at the next index (0, 1, 2, … with no gap). An entry's
 * bytes are the RFC 8785 canonical JSON of the event with its index; the leaf of the log's Merkle
 * tree (merkle-tree.ts) is those bytes. An event names the signed records the write stored by
 * the SHA-256 of their canonical JSON (countersignature included), so whoever holds a record can
 * find the event that published it, and the log stays small.
 */
import { canonicalText } from '../trust/jcs.js';

/** Writes of a name's state (its records, status, grants). */
export const AGENT_EVENT_KINDS = ['registered', 'updated', 'key-rotated', 'deregistered', 'status-changed', 'capabilities-granted', 'deployment-updated'] as const;
/** Writes of third-party certification credentials about a name. */
export const CERTIFICATION_EVENT_KINDS = ['certification-added', 'certification-removed'] as const;
export type AgentEventKind = (typeof AGENT_EVENT_KINDS)[number];
export type CertificationEventKind = (typeof CERTIFICATION_EVENT_KINDS)[number];
/** Writes of a namespace's claim (its owner and grants). */
export const NAMESPACE_EVENT_KINDS = ['namespace-claimed'] as const;
export type NamespaceEventKind = (typeof NAMESPACE_EVENT_KINDS)[number];
/** Audit records that change no state: a resolver's lookup that left the registry's horizon. */
export const AUDIT_EVENT_KINDS = ['boundary-crossed'] as const;
export type AuditEventKind = (typeof AUDIT_EVENT_KINDS)[number];
export type LogEventKind = AgentEventKind | CertificationEventKind | NamespaceEventKind | AuditEventKind;

interface EventDraftBase {
  /** RFC 3339 time the registry accepted the write. */
  readonly at: string;
  /** Lowercase hex SHA-256 of each signed record the write stored or removed, by role. */
  readonly records: Readonly<Record<string, string>>;
}

/** A write of a name's state; `records` roles: addr, facts, credential, rotation, tombstone, statusChange, grant, deployment. */
export interface AgentEventDraft extends EventDraftBase {
  readonly kind: AgentEventKind;
  /** The canonical agent name. */
  readonly name: string;
  /** The agent key the name is bound to after the write. */
  readonly agentId: string;
  /** The name's sequence after the write. */
  readonly seq: number;
  /** The name's state after the write. */
  readonly state: 'active' | 'suspended' | 'revoked' | 'deregistered';
}

/** A certification credential stored for a name, or removed (replaced, outlived its binding, revoked by its issuer); `records` role: certification. */
export interface CertificationEventDraft extends EventDraftBase {
  readonly kind: CertificationEventKind;
  /** The canonical agent name. */
  readonly name: string;
  /** The certification name (HIPAA, SOC2, …). */
  readonly certification: string;
  /** The issuer's DID. */
  readonly issuer: string;
  /** The agent key the credential is about. */
  readonly subject: string;
}

/** A namespace claim accepted (a first claim, new grants, or another owner who proved control); `records` role: claim. */
export interface NamespaceEventDraft extends EventDraftBase {
  readonly kind: NamespaceEventKind;
  /** The namespace (a DNS name): the event concerns every name under it. */
  readonly namespace: string;
  /** The owner key that signed the claim. */
  readonly by: string;
  /** How the owner proved control: dns-txt, https or did-web. */
  readonly proof: string;
  /** The claim's sequence. */
  readonly seq: number;
}

/** A resolver asked a registry outside this one's horizon (spec section 24); `records` role: audit. */
export interface AuditEventDraft extends EventDraftBase {
  readonly kind: AuditEventKind;
  /** The resolver's did:key that reported it. */
  readonly by: string;
  /** Who asked (the requester's DID, or `unknown`). */
  readonly who: string;
  /** The name looked up. */
  readonly what: string;
  /** The registry asked: its name in the search path and its URL. */
  readonly where: string;
  /** Why it was asked (the registries before it that did not hold the name). */
  readonly why: string;
}

/** An event as the registry writes it; the store gives it its index. */
export type LogEventDraft = AgentEventDraft | CertificationEventDraft | NamespaceEventDraft | AuditEventDraft;

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
