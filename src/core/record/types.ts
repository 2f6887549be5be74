/**
 * Wire types of the signed records. `docs/spec.md` is the normative description; the schemas in
 * agent-addr.ts / agent-facts.ts / tombstone.ts enforce it.
 */

/** The lean, hot-path pointer: who the agent is and where its facts live. Signed by the agent. */
export interface AgentAddr {
  readonly type: 'AgentAddr';
  readonly v: 1;
  /** Canonical agent name, `agent://<namespace>/<path>`. */
  readonly name: string;
  /** The agent's Ed25519 key as a did:key. */
  readonly agentId: string;
  /** Where the public AgentFacts can be fetched. */
  readonly factsUrl: string;
  /** Lowercase hex SHA-256 of the RFC 8785 bytes of the AgentFacts. */
  readonly factsSha256: string;
  /** Facts that the agent serves only to authorised requesters (the index never sees them). */
  readonly privateFactsUrl?: string;
  /** An adaptive resolver that tailors endpoints per requester. */
  readonly resolverUrl?: string;
  /** Seconds a resolver may cache this record. */
  readonly ttl: number;
  /** Monotonic sequence (a hybrid logical clock value); every update must raise it. */
  readonly seq: number;
  /** RFC 3339 UTC time, whole seconds, after which the record is void. */
  readonly notAfter: string;
}

/** A signed deregistration. `release: true` also frees the name for other keys. */
export interface AgentTombstone {
  readonly type: 'AgentTombstone';
  readonly v: 1;
  readonly name: string;
  readonly agentId: string;
  readonly seq: number;
  readonly release?: boolean;
}

/**
 * A signed change of an agent's standing: revoke (final), suspend, or reinstate a suspension.
 * Signed by the agent's key or by the registry operator's key (`by`).
 */
export interface AgentStatusChange {
  readonly type: 'AgentStatusChange';
  readonly v: 1;
  readonly name: string;
  readonly action: 'revoke' | 'suspend' | 'reinstate';
  readonly reason: string;
  /** RFC 3339 UTC time of signing; must be recent and later than the last accepted change. */
  readonly at: string;
  /** did:key of the signer. */
  readonly by: string;
}

/** One endpoint of an agent, with the properties resolution tailors on. */
export interface AgentEndpoint {
  readonly url: string;
  readonly protocol: string;
  readonly transport?: string;
  readonly version?: string;
  readonly region?: string;
  readonly cost?: number;
  readonly capacity?: number;
  readonly priority?: number;
}

/**
 * The registrant's claims about the agent: a superset of the NANDA AgentFacts appendix and the
 * A2A AgentCard. Attested fields (verified, scores, foreign certifications) are not allowed here.
 */
export interface AgentFacts {
  readonly type: 'AgentFacts';
  readonly v: 1;
  /** The agent id (did:key), as in the AgentAddr. */
  readonly id: string;
  /** The canonical agent name, as in the AgentAddr. */
  readonly agent_name: string;
  readonly [field: string]: unknown;
}

/** The agent's own signature over the RFC 8785 bytes of `payload`. */
export interface SignedRecord<T> {
  readonly payload: T;
  /** base64url (no padding) Ed25519 signature by the key of payload.agentId / payload.id. */
  readonly sig: string;
}

/** The registry's countersignature: it vouches that it accepted the agent's signed record. */
export interface Countersignature {
  /** The registry's did:key. */
  readonly by: string;
  /** RFC 3339 UTC time of acceptance. */
  readonly at: string;
  /** base64url Ed25519 signature over JCS({at, by, payload, sig}). */
  readonly sig: string;
}

export interface CountersignedRecord<T> extends SignedRecord<T> {
  readonly countersig: Countersignature;
}
