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
  /**
   * Pre-rotation commitment: lowercase hex SHA-256 of the raw 32-byte Ed25519 public key the name
   * will rotate to next. Once announced, the name can only rotate to that key, and an update under
   * the current key cannot change the commitment: a thief holding only the current key can neither
   * move the name to a key of its own nor re-commit.
   */
  readonly nextKeySha256?: string;
}

/**
 * Continuity proof of a key rotation: the key the name is bound to (`from`) hands it to a new key
 * (`to`). Signed by `from`; it travels with the new AgentAddr (signed by `to`, sequence `seq`).
 */
export interface KeyRotation {
  readonly type: 'KeyRotation';
  readonly v: 1;
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** The sequence of the AgentAddr it accompanies, so the proof cannot be paired with another record. */
  readonly seq: number;
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
  /** SHA-256 of the endpoint's TLS SubjectPublicKeyInfo, lowercase hex: published as TLSA 3 1 1 where the DNS face serves the endpoint's host name. */
  readonly tlsSpkiSha256?: string;
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

/**
 * The registry operator's attestation of what an agent may do: the capabilities its capability
 * certificates may carry. Signed by the registry operator's key only (`by`); it replaces the
 * previous grant, and an empty list withdraws every grant.
 */
export interface CapabilityGrant {
  readonly type: 'CapabilityGrant';
  readonly v: 1;
  /** Canonical agent name. */
  readonly name: string;
  /** Capability tokens `[a-z0-9][a-z0-9._:-]{0,63}`, at most 64, sorted, without duplicates. */
  readonly capabilities: readonly string[];
  /** RFC 3339 UTC time of signing; must be recent and later than the previous grant. */
  readonly at: string;
  /** did:key of the signer: the registry operator. */
  readonly by: string;
}

/**
 * An agent's request for a short-lived capability certificate for a key it made (PKCS #10 CSR).
 * Signed by the agent key the name is bound to (`agentId`).
 */
export interface CertificateRequest {
  readonly type: 'CertificateRequest';
  readonly v: 1;
  /** Canonical agent name. */
  readonly name: string;
  /** The did:key the name is bound to; the signer. */
  readonly agentId: string;
  /** PKCS #10 request, PEM. */
  readonly csr: string;
  /** 60 .. 86 400. */
  readonly validitySeconds: number;
  /** A subset of the granted capabilities; absent: all granted ones. */
  readonly capabilities?: readonly string[];
  /** RFC 3339 UTC time of signing; must be within 5 minutes of the registry clock. */
  readonly at: string;
}
