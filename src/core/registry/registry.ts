import { fail, failWith, ok, problem, type Result } from '../errors.js';
import { parseAgentName } from '../name/index.js';
import type { CertificateAuthority, Clock, RecordStore, SearchQuery, StatusChange, StatusEntry, StatusPurpose, StoredNamespaceClaim } from '../ports.js';
import { checkAddrValidity, checkAgentAddr, formatUtcSeconds, parseUtcSeconds } from '../record/agent-addr.js';
import { checkAgentFacts } from '../record/agent-facts.js';
import { checkCapabilityGrant } from '../record/capability-grant.js';
import { checkCertificateRequest } from '../record/certificate-request.js';
import { checkKeyRotation, nextKeyCommitment } from '../record/key-rotation.js';
import { sequenceLimit } from '../record/sequence.js';
import { checkSchema, compileSchema } from '../record/schema-check.js';
import { checkSignature, checkSignedEnvelope, checkSignedRecord, signedEnvelopeSchema } from '../record/signed-envelope.js';
import { countersign } from '../record/signing.js';
import { checkStatusChange, isDidWebSigner } from '../record/status-change.js';
import { checkTombstone } from '../record/tombstone.js';
import { checkNamespaceClaim } from '../record/namespace-claim.js';
import { checkDeployment } from '../record/deployment.js';
import { checkBoundaryCrossing } from '../record/boundary-crossing.js';
import { issueEndpointToken, type EndpointTokenClaims } from '../trust/endpoint-token.js';
import { checkClaimProof, namespaceAndPath, ownershipOf, type NamespaceMode, type Ownership, type ProofSources } from './namespace-claims.js';
import type {
  AgentAddr,
  AgentFacts,
  AgentStatusChange,
  CapabilityGrant,
  CountersignedRecord,
  KeyRotation,
  SignedRecord,
} from '../record/types.js';
import type { IssuedCertificate } from '../trust/certificates/capability-certificate.js';
import type { SigningKey } from '../trust/ed25519.js';
import { didKeyFromPublicKey } from '../trust/did-key.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import { controllerOf, type NamespaceOwners } from './namespace-owners.js';
import { issueCredentialFor, type RegistryCredentials } from './registry-credentials.js';
import { searchDocumentOf } from './search-document.js';
import type { ActiveAgent, AgentState, DeregisteredAgent, RevokedAgent, StoredAgent, SuspendedAgent } from './stored-agent.js';
import type { AgentEventKind } from '../log/log-event.js';
import { logEventOf } from './registry-events.js';

/** Longest validity a record may ask for; past it the agent must re-sign (and so prove it still holds its key). */
export const DEFAULT_MAX_VALIDITY_MS = 366 * 86_400_000;

export interface RegistryOptions {
  readonly store: RecordStore;
  /** When given, every registration also gets the registry's facts VC (see useCredentials). */
  readonly credentials?: RegistryCredentials;
  /** The registry's own key: it countersigns what it accepts. */
  readonly key: SigningKey;
  readonly clock: Clock;
  readonly maxValidityMs?: number;
  /** The registry's private CA; without it the registry issues no capability certificates. */
  readonly certificateAuthority?: CertificateAuthority;
  /** Who owns each namespace and how to learn their keys; without it only agents and the operator change standing. */
  readonly namespaceOwners?: NamespaceOwners;
  /** Whether names under unclaimed namespaces are accepted; `open` unless given. */
  readonly namespaceMode?: NamespaceMode;
  /** Where the proofs of namespace claims are read; without them every claim is NAMESPACE_PROOF_UNAVAILABLE. */
  readonly proofSources?: ProofSources;
  /** The did:keys of the split-horizon resolvers whose boundary crossings this registry logs. */
  readonly auditors?: readonly string[];
}

export interface Registration {
  readonly addr: SignedRecord<AgentAddr>;
  readonly facts: SignedRecord<AgentFacts>;
  /** Present when the registration moves the name to a new key: the old key's continuity proof. */
  readonly rotation?: SignedRecord<KeyRotation>;
}

export type RegistryChange = { readonly name: string; readonly agent: StoredAgent };

/** A search result: an active agent and the ownership its answers show. */
export interface OwnedAgent {
  readonly agent: ActiveAgent;
  readonly ownership: Ownership;
}

export interface OwnedSearchPage {
  readonly items: readonly OwnedAgent[];
  readonly nextCursor: string | null;
}

const registrationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['addr', 'facts'],
  properties: { addr: signedEnvelopeSchema, facts: signedEnvelopeSchema, rotation: signedEnvelopeSchema },
} as const;

const validateRegistration = compileSchema<Registration>(registrationSchema);

/**
 * The registry rules. Every write is checked in small named stages, cheapest first; the first
 * failing stage decides the error and nothing is written. Reads and writes go through the
 * RecordStore port, so the same rules run over every backend.
 */
export class Registry {
  readonly did: string;
  private readonly store: RecordStore;
  private readonly key: SigningKey;
  private readonly clock: Clock;
  private readonly maxValidityMs: number;
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private issuing: RegistryCredentials | undefined;
  private readonly ca: CertificateAuthority | undefined;
  private readonly namespaceOwners: NamespaceOwners | undefined;
  readonly namespaceMode: NamespaceMode;
  private readonly proofSources: ProofSources;
  private readonly namespaceListeners = new Set<(namespace: string) => void>();
  private readonly auditors: ReadonlySet<string>;

  constructor(options: RegistryOptions) {
    this.auditors = new Set(options.auditors ?? []);
    this.namespaceMode = options.namespaceMode ?? 'open';
    this.proofSources = options.proofSources ?? {};
    this.ca = options.certificateAuthority;
    this.namespaceOwners = options.namespaceOwners;
    this.store = options.store;
    this.key = options.key;
    this.clock = options.clock;
    this.maxValidityMs = options.maxValidityMs ?? DEFAULT_MAX_VALIDITY_MS;
    this.did = options.key.did;
    this.issuing = options.credentials;
  }

  /**
   * Start issuing credentials. Separate from the constructor because a registry listening on an
   * ephemeral port learns its public URL (and so its did:web) only once it listens.
   */
  useCredentials(credentials: RegistryCredentials): void {
    this.issuing = credentials;
  }

  get credentials(): RegistryCredentials | undefined {
    return this.issuing;
  }

  /** The private CA that issues capability certificates, if this registry runs one. */
  get certificateAuthority(): CertificateAuthority | undefined {
    return this.ca;
  }

  /** Called after every accepted write, e.g. to drop cached answers for the name. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after every accepted namespace claim: every name under the namespace may answer differently. */
  onNamespaceChange(listener: (namespace: string) => void): () => void {
    this.namespaceListeners.add(listener);
    return () => this.namespaceListeners.delete(listener);
  }

  /** The stored claim of a namespace, if any. */
  async namespaceClaim(namespace: string): Promise<StoredNamespaceClaim | undefined> {
    return this.store.namespaceClaim(namespace);
  }

  /**
   * Accept a namespace claim: signed by its owner key, fresh, above the stored claim's sequence,
   * and proven by what the domain publishes now (checked last: it costs a lookup). A claim by
   * another key than the stored one's is a change of owner: the domain's proof decides.
   */
  async claimNamespace(body: unknown): Promise<Result<StoredNamespaceClaim>> {
    const checked = checkSignedRecord(body, checkNamespaceClaim, (claim) => (claim.proof === 'did-web' ? undefined : claim.by));
    if (!checked.ok) return checked;
    const claim = checked.value;
    const current = await this.store.namespaceClaim(claim.payload.namespace);
    const stages = firstFailure(claim, [
      () => checkFreshness('claim', claim.payload.at, this.clock.now()),
      () => (current === undefined || claim.payload.seq > current.seq ? ok(true) : staleSequence(claim.payload.seq, current.seq, '/payload/seq')),
      () => checkSequenceLead(claim.payload.seq, this.clock.now(), '/payload/seq'),
    ]);
    if (!stages.ok) return stages;
    const evidence = await checkClaimProof(claim, this.proofSources);
    if (!evidence.ok) return evidence;

    const at = formatUtcSeconds(this.clock.now());
    const countersigned = countersign(claim, this.key, at);
    const stored: StoredNamespaceClaim = { namespace: claim.payload.namespace, seq: claim.payload.seq, claim: countersigned, evidence: evidence.value, provenAt: at };
    const { namespace, by, proof, seq } = claim.payload;
    const event = { kind: 'namespace-claimed' as const, namespace, at, by, proof, seq, records: { claim: canonicalSha256Hex(countersigned) } };
    const outcome = await this.store.putNamespaceClaim(stored, current?.seq ?? null, event);
    if (outcome === 'conflict') return fail('WRITE_CONFLICT', `another claim of ${namespace} was accepted first`);
    for (const listener of this.namespaceListeners) listener(namespace);
    return ok(stored);
  }

  /** Whether `agentId` may hold the canonical name under its namespace's claim and this registry's mode: what every answer shows. */
  async ownershipFor(canonical: string, agentId: string): Promise<Result<Ownership>> {
    return ownershipOf(canonical, agentId, await this.store.namespaceClaim(namespaceAndPath(canonical).namespace), this.namespaceMode);
  }

  /** Register a new agent or update an existing one. `created` tells which. */
  async register(body: unknown): Promise<Result<{ agent: ActiveAgent; created: boolean; ownership: Ownership }>> {
    const checked = this.checkRegistration(body);
    if (!checked.ok) return checked;
    const { addr, facts, rotation } = checked.value;
    const current = await this.store.get(addr.payload.name);
    const allowed = rotation === undefined ? checkOwnership(current, addr.payload) : checkRotation(current, rotation.payload);
    if (!allowed.ok) return allowed;
    // The namespace's owner decides which keys hold names under it (a rotation's new key too).
    const granted = await this.ownershipFor(addr.payload.name, addr.payload.agentId);
    if (!granted.ok) return granted;

    const at = formatUtcSeconds(this.clock.now());
    // An update keeps its binding's status index; a new binding (first, after a tombstone, or a new key) gets a fresh one.
    // A rotation also continues a self-suspended binding (checkRotation allows only that one).
    const previous = current?.state === 'active' || (current?.state === 'suspended' && rotation !== undefined) ? current : undefined;
    const keeps = previous !== undefined && previous.agentId === addr.payload.agentId;
    // A rotation continues the name under a proven successor key: its standing, grants and key
    // history carry over, but the old binding's status index is revoked (see supersededStatusChanges).
    const continues = keeps || (previous !== undefined && rotation !== undefined);
    // One fresh index for the new credential, and one for the binding if it is new.
    const needed = (this.issuing ? 1 : 0) + (keeps ? 0 : 1);
    const fresh = needed === 0 ? [] : await this.store.allocateStatusIndices(needed);
    const statusIndex = keeps ? previous.statusIndex : fresh.pop()!;
    const credential = this.issuing ? await issueCredentialFor(this.issuing, facts, fresh.pop()!, at, addr.payload.notAfter) : undefined;
    // The rotation chain stays with the owner: through updates, rotations and a re-registration under the same key.
    const sameOwner = current !== undefined && (current.agentId === addr.payload.agentId || rotation !== undefined);
    const rotations = [...(sameOwner ? (current.rotations ?? []) : []), ...(rotation ? [countersign(rotation, this.key, at)] : [])];
    const agent: ActiveAgent = {
      state: 'active',
      name: addr.payload.name,
      agentId: addr.payload.agentId,
      seq: addr.payload.seq,
      updatedAt: at,
      addr: countersign(addr, this.key, at),
      facts: countersign(facts, this.key, at),
      search: searchDocumentOf(facts.payload),
      statusIndex,
      ...(continues ? (previous.boundAt === undefined ? {} : { boundAt: previous.boundAt }) : { boundAt: at }),
      ...(continues && previous.lastStatusChange ? { lastStatusChange: previous.lastStatusChange } : {}),
      // Grants belong to the name's owner: an update or a proven rotation keeps them, a new owner starts without any.
      ...(continues && previous.capabilityGrant ? { capabilityGrant: previous.capabilityGrant } : {}),
      // The deployment is signed by the agent's key: it stays while the key does.
      ...(keeps && previous.deployment ? { deployment: previous.deployment } : {}),
      ...(credential ? { credential } : {}),
      ...(rotations.length > 0 ? { rotations } : {}),
    };
    const created = current === undefined || current.state === 'deregistered';
    const kind = rotation !== undefined ? 'key-rotated' : created || !keeps ? 'registered' : 'updated';
    const written = await this.write(kind, agent, current, continues ? supersededStatusChanges(previous, agent, at, this.did) : []);
    return written.ok ? ok({ agent, created, ownership: granted.value }) : written;
  }

  /** Deregister with a tombstone signed by the key the name is bound to. */
  async deregister(name: string, body: unknown): Promise<Result<DeregisteredAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const checked = checkSignedTombstone(body);
    if (!checked.ok) return checked;
    const tombstone = checked.value;
    if (tombstone.payload.name !== canonical.value) {
      return fail('RECORD_NAME_MISMATCH', `the tombstone is for ${tombstone.payload.name}, not ${canonical.value}`, '/payload/name');
    }
    const current = await this.store.get(canonical.value);
    if (current === undefined) return fail('AGENT_NOT_FOUND', `${canonical.value} is not registered`);
    // A revoked key is presumed stolen: nothing it signs may change the name any more.
    if (current.state === 'revoked') return revokedProblem(current);
    // Deregistering and registering again would otherwise lift a suspension without its authority.
    if (current.state === 'suspended') return suspendedProblem(current);
    if (current.agentId !== tombstone.payload.agentId) return notTheBoundKey(current, tombstone.payload.agentId, '/payload/agentId');
    if (tombstone.payload.seq <= current.seq) return staleSequence(tombstone.payload.seq, current.seq, '/payload/seq');
    const lead = checkSequenceLead(tombstone.payload.seq, this.clock.now(), '/payload/seq');
    if (!lead.ok) return lead;
    const committed = committedNextKey(current);
    // Releasing would hand the name to any key, around the commitment: rotate to the announced key first.
    if (committed !== undefined && tombstone.payload.release === true) {
      return fail('KEY_ROTATION_INVALID', `${current.name} pre-announced its next key; rotate to it (announcing none) before releasing the name`, '/payload/release');
    }

    const at = formatUtcSeconds(this.clock.now());
    const agent: DeregisteredAgent = {
      state: 'deregistered',
      name: current.name,
      agentId: current.agentId,
      seq: tombstone.payload.seq,
      updatedAt: at,
      tombstone: countersign(tombstone, this.key, at),
      ...(committed === undefined ? {} : { nextKeySha256: committed }),
      ...(current.rotations ? { rotations: current.rotations } : {}),
    };
    const written = await this.write('deregistered', agent, current);
    return written.ok ? ok(agent) : written;
  }

  /**
   * Revoke (final), suspend, or reinstate an agent. Signed by the agent's own key or by the
   * registry operator's; takes effect for every later resolve at once, and the status-list bit of
   * the agent's binding changes in the same store transaction.
   */
  async changeStatus(name: string, body: unknown): Promise<Result<StoredAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const checked = checkSignedStatusChange(body);
    if (!checked.ok) return checked;
    const change = checked.value;
    if (change.payload.name !== canonical.value) {
      return fail('RECORD_NAME_MISMATCH', `the status change is for ${change.payload.name}, not ${canonical.value}`, '/payload/name');
    }
    const current = await this.store.get(canonical.value);
    if (current === undefined) return fail('AGENT_NOT_FOUND', `${canonical.value} is not registered`);
    if (current.state === 'deregistered') return fail('AGENT_DEREGISTERED', `${canonical.value} was deregistered at ${current.updatedAt}`);
    if (current.state === 'revoked') return revokedProblem(current);
    // A revocation is final, so replaying one can change nothing: it is not ordered after the last
    // change. Otherwise a key holder could sign a suspension dated up to 5 minutes ahead and so
    // hold off the operator's or the owner's revocation until then.
    const orderedAfter = change.payload.action === 'revoke' ? undefined : current.lastStatusChange?.payload.at;
    const claimOwner = (await this.store.namespaceClaim(namespaceAndPath(canonical.value).namespace))?.claim.payload.by;
    const stages = firstFailure(change, [
      () => this.checkStatusAuthority(current, change.payload, claimOwner),
      () => checkFreshness('status change', change.payload.at, this.clock.now(), orderedAfter),
      () => checkSignedForBinding('status change', change.payload.at, current),
      () => checkTransition(current, change.payload),
    ]);
    if (!stages.ok) return stages;
    // Last, as it may fetch the owner's DID document: a stale or impossible change costs no lookup.
    if (isDidWebSigner(change.payload.by)) {
      const signed = await this.checkNamespaceOwnerSignature(current, change);
      if (!signed.ok) return signed;
    }

    const at = formatUtcSeconds(this.clock.now());
    const countersigned = countersign(change, this.key, at);
    const next = nextStanding(current, change.payload.action, countersigned, at);
    const entry = { reason: change.payload.reason, at: change.payload.at, by: change.payload.by };
    // The binding and its current credential change together.
    const indices = [current.statusIndex, ...(current.credential ? [current.credential.index] : [])];
    const bits: StatusChange[] = [
      change.payload.action === 'revoke'
        ? { purpose: 'revocation', indices, entry }
        : { purpose: 'suspension', indices, entry: change.payload.action === 'suspend' ? entry : null },
    ];
    const written = await this.write('status-changed', next, current, bits);
    return written.ok ? ok(next) : written;
  }

  /**
   * The agent's own key, the owner of its namespace (the did:key of its proven claim, or a did:web
   * key, whose signature is checked against the owner's DID document last), or the registry
   * operator's key may change an agent's standing. A suspension is lifted only by an authority at least as high as the one that imposed it, so an agent cannot
   * lift what its namespace owner or the operator decided.
   */
  private checkStatusAuthority(current: ActiveAgent | SuspendedAgent, change: AgentStatusChange, claimOwner: string | undefined): Result<true> {
    const { by, action } = change;
    const rank = this.authorityOf(current, by, claimOwner);
    if (rank === undefined) {
      if (rotatedOutKeys(current).includes(by)) return notTheBoundKey(current, by, '/payload/by');
      return fail('REVOCATION_NOT_AUTHORIZED', `${by} is neither the key of ${current.name}, nor its namespace owner, nor the registry operator`, '/payload/by');
    }
    // An imposer this registry no longer recognises (its configuration changed) counts as the operator: fail closed.
    const imposedBy = current.state === 'suspended' ? (this.authorityOf(current, current.lastStatusChange.payload.by, claimOwner) ?? 'registry operator') : undefined;
    if (action === 'reinstate' && imposedBy !== undefined && AUTHORITY_RANK[rank] < AUTHORITY_RANK[imposedBy]) {
      return fail('REVOCATION_NOT_AUTHORIZED', `only the ${imposedBy} (or a higher authority) may lift a suspension the ${imposedBy} imposed`, '/payload/by');
    }
    return ok(true);
  }

  /** `claimOwner`: the key that signed the namespace's proven claim, which speaks for the namespace as its owner. */
  private authorityOf(current: StoredAgent, by: string, claimOwner: string | undefined): Authority | undefined {
    if (by === this.did) return 'registry operator';
    if (by === current.agentId) return 'agent';
    // A did:web owner is recognised below, with its key checked against its DID document.
    if (claimOwner !== undefined && !isDidWebSigner(claimOwner) && by === claimOwner) return 'namespace owner';
    if (this.namespaceOwners !== undefined) {
      const namespace = parseAgentName(current.name);
      const owner = namespace.ok ? this.namespaceOwners.ownerOf(namespace.value.name.namespace) : undefined;
      // A did:web owner signs with a key of its DID document; an owner named by did:key signs with that key itself.
      if (owner !== undefined && (isDidWebSigner(by) ? controllerOf(by) === owner : by === owner)) return 'namespace owner';
    }
    return undefined;
  }

  /** The owner's key comes from its DID document (pinned, cached or fetched by the app); the signature is checked with it. */
  private async checkNamespaceOwnerSignature(current: StoredAgent, change: SignedRecord<AgentStatusChange>): Promise<Result<true>> {
    const namespace = parseAgentName(current.name);
    if (!namespace.ok) return namespace;
    const key = await this.namespaceOwners!.keyFor(namespace.value.name.namespace, change.payload.by, '/payload/by');
    if (!key.ok) return key;
    return checkSignature(change, didKeyFromPublicKey(key.value), '/sig');
  }

  /**
   * Attest what an agent may do: a CapabilityGrant signed by the registry operator's key replaces
   * the agent's previous grant (an empty list withdraws them all). Capability certificates carry
   * only granted capabilities, never what the agent claims about itself in its AgentFacts.
   */
  async grantCapabilities(name: string, body: unknown): Promise<Result<ActiveAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const checked = checkSignedGrant(body);
    if (!checked.ok) return checked;
    const grant = checked.value;
    if (grant.payload.name !== canonical.value) {
      return fail('RECORD_NAME_MISMATCH', `the grant is for ${grant.payload.name}, not ${canonical.value}`, '/payload/name');
    }
    const current = activeAgentOf(canonical.value, await this.store.get(canonical.value), this.clock.now());
    if (!current.ok) return current;
    const agent = current.value;
    const stages = firstFailure(grant, [
      () => this.checkGrantAuthority(grant.payload),
      () => checkFreshness('grant', grant.payload.at, this.clock.now(), agent.capabilityGrant?.payload.at),
      () => checkSignedForBinding('grant', grant.payload.at, agent),
    ]);
    if (!stages.ok) return stages;

    const at = formatUtcSeconds(this.clock.now());
    // Like a status change, the registry's own write raises the stored sequence by one, so
    // concurrent writes to the name still meet the store's compare-and-set.
    const next: ActiveAgent = { ...agent, seq: agent.seq + 1, updatedAt: at, capabilityGrant: countersign(grant, this.key, at) };
    const written = await this.write('capabilities-granted', next, agent);
    return written.ok ? ok(next) : written;
  }

  /**
   * Publish the instances an agent runs now: a Deployment signed by the key the name is bound to,
   * fresh and later than the last one, replacing it. Cheap and frequent by design (load, health),
   * so no new facts credential is issued; like a grant, the write raises the stored sequence by one.
   */
  async publishDeployment(name: string, body: unknown): Promise<Result<ActiveAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const checked = checkSignedRecord(body, checkDeployment, () => undefined);
    if (!checked.ok) return checked;
    const deployment = checked.value;
    if (deployment.payload.name !== canonical.value) return fail('RECORD_NAME_MISMATCH', `the deployment is for ${deployment.payload.name}, not ${canonical.value}`, '/payload/name');
    const current = await this.lookup(canonical.value);
    if (!current.ok) return current;
    const agent = current.value;
    const stages = firstFailure(deployment, [
      () => checkSignature(deployment, agent.agentId, '/sig'),
      () => checkFreshness('deployment', deployment.payload.at, this.clock.now(), agent.deployment?.payload.at),
      () => checkSignedForBinding('deployment', deployment.payload.at, agent),
    ]);
    if (!stages.ok) return stages;
    const at = formatUtcSeconds(this.clock.now());
    const next: ActiveAgent = { ...agent, seq: agent.seq + 1, updatedAt: at, deployment: countersign(deployment, this.key, at) };
    const written = await this.write('deployment-updated', next, agent);
    return written.ok ? ok(next) : written;
  }

  /**
   * Log a boundary crossing reported by one of this registry's split-horizon resolvers: signed by
   * a resolver key the operator named (AUDIT_NOT_AUTHORIZED otherwise) and fresh. It is appended
   * to the event log as it is, and changes no state.
   */
  async recordBoundaryCrossing(body: unknown): Promise<Result<{ index: number }>> {
    const checked = checkSignedRecord(body, checkBoundaryCrossing, (crossing) => crossing.by);
    if (!checked.ok) return checked;
    const crossing = checked.value;
    if (!this.auditors.has(crossing.payload.by)) return fail('AUDIT_NOT_AUTHORIZED', `${crossing.payload.by} is not a resolver this registry takes audit records from (serve --audit-from)`, '/payload/by');
    const fresh = checkFreshness('boundary crossing', crossing.payload.at, this.clock.now());
    if (!fresh.ok) return fresh;
    const { who, what, where, why, by } = crossing.payload;
    const at = formatUtcSeconds(this.clock.now());
    const index = await this.store.appendEvent({ kind: 'boundary-crossed', at, by, who, what, where, why, records: { audit: canonicalSha256Hex(crossing) } });
    return ok({ index });
  }

  /** Sign an endpoint token with the registry key (spec section 23); `iss` is this registry. */
  issueEndpointToken(claims: Omit<EndpointTokenClaims, 'iss'>): string {
    return issueEndpointToken(this.key, { iss: this.did, ...claims });
  }

  private checkGrantAuthority(grant: CapabilityGrant): Result<true> {
    return grant.by === this.did ? ok(true) : fail('GRANT_NOT_AUTHORIZED', `${grant.by} is not the registry operator (${this.did})`, '/payload/by');
  }

  /**
   * Issue a short-lived capability certificate for a CertificateRequest signed by the agent's key.
   * The certificate carries the requested capabilities (default: all granted ones), which must all
   * be granted. Nothing is stored.
   *
   * No per-name sequence guards against replay: a request replayed within its 5 minutes only
   * yields another certificate for the same CSR, whose private key only the requester holds, so a
   * replayer gains nothing it could use.
   */
  async issueCertificate(body: unknown): Promise<Result<IssuedCertificate>> {
    const ca = this.ca;
    if (ca === undefined) return fail('ROUTE_NOT_FOUND', 'this registry runs no certificate authority, so it issues no capability certificates');
    const checked = checkSignedCertificateRequest(body);
    if (!checked.ok) return checked;
    const request = checked.value.payload;
    const current = activeAgentOf(request.name, await this.store.get(request.name), this.clock.now());
    if (!current.ok) return current;
    const agent = current.value;
    const granted = agent.capabilityGrant?.payload.capabilities ?? [];
    const stages = firstFailure(request, [
      () => (request.agentId === agent.agentId ? ok(true) : notTheBoundKey(agent, request.agentId, '/payload/agentId')),
      () => checkFreshness('request', request.at, this.clock.now()),
      () => {
        const missing = (request.capabilities ?? []).filter((c) => !granted.includes(c));
        return missing.length === 0
          ? ok(true)
          : fail('CAPABILITY_MISSING', `not granted to ${agent.name}: ${missing.join(', ')} (granted: ${granted.join(', ') || 'none'})`, '/payload/capabilities');
      },
    ]);
    if (!stages.ok) return stages;
    return ca.issue({ csrPem: request.csr, agentName: agent.name, capabilities: request.capabilities ?? granted, validityMs: request.validitySeconds * 1000 });
  }

  /** The active record of a name, in any accepted input form. */
  async lookup(name: string): Promise<Result<ActiveAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const active = activeAgentOf(canonical.value, await this.store.get(canonical.value), this.clock.now());
    if (!active.ok) return active;
    const owned = await this.ownershipFor(canonical.value, active.value.agentId);
    return owned.ok ? active : owned;
  }

  /** The stored state of a name already in canonical form (the resolution pipeline parsed it), or undefined. */
  storedState(canonical: string): Promise<StoredAgent | undefined> {
    return this.store.get(canonical);
  }

  /** Any stored state of a name (for clients that need the current sequence, tombstones included). */
  async state(name: string): Promise<Result<StoredAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const agent = await this.store.get(canonical.value);
    return agent === undefined ? fail('AGENT_NOT_FOUND', `${canonical.value} is not registered`) : ok(agent);
  }

  /**
   * Active agents whose record is valid now, each with the ownership resolve would show: search
   * never lists what resolve refuses (expired, or under a claimed namespace without a grant, which
   * is left out of the page, so a page may hold fewer than `limit`). `ownership` keeps only names
   * proven by their namespace's owner, or only those of unclaimed namespaces.
   */
  async search(query: Omit<SearchQuery, 'validAt' | 'namespaceClaim'> & { readonly ownership?: Ownership['status'] }): Promise<OwnedSearchPage> {
    const { ownership, ...rest } = query;
    const namespaceClaim = ownership === undefined ? {} : { namespaceClaim: ownership === 'proven' ? ('claimed' as const) : ('unclaimed' as const) };
    const page = await this.store.search({ ...rest, ...namespaceClaim, validAt: this.clock.now() });
    const claims = new Map<string, Promise<StoredNamespaceClaim | undefined>>();
    const items: OwnedAgent[] = [];
    for (const agent of page.items) {
      if (agent.state !== 'active') continue;
      const { namespace } = namespaceAndPath(agent.name);
      let claim = claims.get(namespace);
      if (claim === undefined) claims.set(namespace, (claim = this.store.namespaceClaim(namespace)));
      const owned = ownershipOf(agent.name, agent.agentId, await claim, this.namespaceMode);
      if (owned.ok) items.push({ agent, ownership: owned.value });
    }
    return { items, nextCursor: page.nextCursor };
  }

  /** Every set bit of one of the registry's status lists. */
  statusEntries(purpose: StatusPurpose): Promise<StatusEntry[]> {
    return this.store.statusEntries(purpose);
  }

  count(): Promise<Record<AgentState, number>> {
    return this.store.count();
  }

  private checkRegistration(body: unknown): Result<Registration> {
    const shapeProblem = checkSchema(validateRegistration, body, 'REQUEST_INVALID', '');
    if (shapeProblem) return failWith([shapeProblem]);
    const { addr, facts, rotation } = body as Registration;
    return firstFailure(body as Registration, [
      () => checkAgentAddr(addr.payload, '/addr/payload'),
      ...(rotation === undefined ? [] : [() => checkRotationProof(rotation, addr.payload)]),
      () => checkSignature(addr, addr.payload.agentId, '/addr/sig'),
      () => checkAgentFacts(facts.payload, '/facts/payload'),
      () => checkFactsSubject(addr.payload, facts.payload),
      () => checkSignature(facts, addr.payload.agentId, '/facts/sig'),
      () => checkFactsDigest(addr.payload, facts.payload),
      () => checkAddrValidity(addr.payload, this.clock.now(), this.maxValidityMs, '/addr/payload'),
      () => checkSequenceLead(addr.payload.seq, this.clock.now(), '/addr/payload/seq'),
    ]);
  }

  /** Every write of a name goes through here: its state, its status bits and its log event, in one store transaction. */
  private async write(kind: AgentEventKind, agent: StoredAgent, current: StoredAgent | undefined, statusChanges: readonly StatusChange[] = []): Promise<Result<StoredAgent>> {
    const outcome = await this.store.put(agent, current?.seq ?? null, statusChanges, logEventOf(kind, agent));
    if (outcome === 'conflict') return fail('WRITE_CONFLICT', `another write to ${agent.name} was accepted first`);
    for (const listener of this.listeners) listener({ name: agent.name, agent });
    return ok(agent);
  }
}

/**
 * The active record among a name's stored states at `nowMs`, or why there is none. Every read
 * goes through here, so resolve, the record and facts routes, credentials, certifications,
 * certificates and disclosures all agree: a record past its notAfter is AGENT_EXPIRED for each.
 */
export function activeAgentOf(name: string, agent: StoredAgent | undefined, nowMs: number): Result<ActiveAgent> {
  if (agent === undefined) return fail('AGENT_NOT_FOUND', `${name} is not registered`);
  switch (agent.state) {
    case 'active':
      return isExpired(agent, nowMs) ? fail('AGENT_EXPIRED', `the record of ${name} expired at ${agent.addr.payload.notAfter}`) : ok(agent);
    case 'deregistered':
      return fail('AGENT_DEREGISTERED', `${name} was deregistered at ${agent.updatedAt}`);
    case 'revoked':
      return revokedProblem(agent);
    case 'suspended':
      return suspendedProblem(agent);
  }
}

/** Past its notAfter: the owner must re-sign (and so show it still holds its key) to come back. */
function isExpired(agent: ActiveAgent, nowMs: number): boolean {
  return parseUtcSeconds(agent.addr.payload.notAfter)! <= nowMs;
}

function suspendedProblem(agent: SuspendedAgent): Result<never> {
  return fail('AGENT_SUSPENDED', `${agent.name} is suspended since ${agent.lastStatusChange.payload.at}: ${agent.lastStatusChange.payload.reason}`);
}

function revokedProblem(agent: RevokedAgent): Result<never> {
  return fail('AGENT_REVOKED', `${agent.name} was revoked at ${agent.lastStatusChange.payload.at}: ${agent.lastStatusChange.payload.reason}`);
}

/** How far a status change's signing time may be from the registry clock. */
export const STATUS_CHANGE_WINDOW_MS = 5 * 60_000;

/**
 * Signed within the window around now and, when there was an earlier record of the same kind,
 * after it: an old signed status change, grant or request can never be replayed.
 */
function checkFreshness(what: string, at: string, nowMs: number, lastAt?: string): Result<true> {
  const signedAt = parseUtcSeconds(at)!;
  if (Math.abs(signedAt - nowMs) > STATUS_CHANGE_WINDOW_MS) {
    return fail('RECORD_EXPIRED', `the ${what} was signed at ${at}, more than 5 minutes from now`, '/payload/at');
  }
  if (lastAt !== undefined && signedAt <= parseUtcSeconds(lastAt)!) {
    return fail('SEQUENCE_STALE', `the ${what} was signed at ${at}, not after the last accepted one (${lastAt})`, '/payload/at');
  }
  return ok(true);
}

/**
 * Signed no earlier than the current binding of the name began. Neither a grant nor a status
 * change names the key it was meant for, so without this one signed for an earlier owner (public:
 * reads show the last one) could be replayed onto whoever holds the name now.
 */
function checkSignedForBinding(what: string, at: string, current: ActiveAgent | SuspendedAgent): Result<true> {
  if (current.boundAt === undefined || parseUtcSeconds(at)! >= parseUtcSeconds(current.boundAt)!) return ok(true);
  return fail('SEQUENCE_STALE', `the ${what} was signed at ${at}, before the current binding of ${current.name} began (${current.boundAt}): it was meant for an earlier owner`, '/payload/at');
}

type Authority = 'agent' | 'namespace owner' | 'registry operator';
const AUTHORITY_RANK: Record<Authority, number> = { agent: 0, 'namespace owner': 1, 'registry operator': 2 };

/** Which actions each state allows. */
const allowedActions: Record<'active' | 'suspended', readonly AgentStatusChange['action'][]> = {
  active: ['revoke', 'suspend'],
  suspended: ['revoke', 'reinstate'],
};

function checkTransition(current: ActiveAgent | SuspendedAgent, change: AgentStatusChange): Result<true> {
  if (allowedActions[current.state].includes(change.action)) return ok(true);
  return fail('WRITE_CONFLICT', `${current.name} is ${current.state}; "${change.action}" does not apply`, '/payload/action');
}

/**
 * The stored state after a status change. The registry's own write raises the stored sequence by
 * one, so concurrent changes still meet the store's compare-and-set; the agent's next update simply
 * signs a higher sequence (clients take it from the stored state).
 */
function nextStanding(
  current: ActiveAgent | SuspendedAgent,
  action: AgentStatusChange['action'],
  change: CountersignedRecord<AgentStatusChange>,
  at: string,
): ActiveAgent | SuspendedAgent | RevokedAgent {
  const { state: _state, ...rest } = current;
  const base = { ...rest, seq: current.seq + 1, updatedAt: at, lastStatusChange: change };
  if (action === 'revoke') return { ...base, state: 'revoked' };
  if (action === 'suspend') return { ...base, state: 'suspended' };
  return { ...base, state: 'active' };
}

/** Run stages in order; the first failure wins, otherwise the value passes through unchanged. */
function firstFailure<T>(value: T, stages: readonly (() => Result<unknown>)[]): Result<T> {
  for (const stage of stages) {
    const result = stage();
    if (!result.ok) return result;
  }
  return ok(value);
}

function canonicalNameOf(input: string): Result<string> {
  const parsed = parseAgentName(input);
  return parsed.ok ? ok(parsed.value.canonical) : parsed;
}

function checkFactsSubject(addr: AgentAddr, facts: AgentFacts): Result<true> {
  if (facts.id !== addr.agentId) return fail('FACTS_SUBJECT_MISMATCH', `facts are about ${facts.id}, the AgentAddr is ${addr.agentId}`, '/facts/payload/id');
  if (facts.agent_name !== addr.name) {
    return fail('FACTS_SUBJECT_MISMATCH', `facts are about ${facts.agent_name}, the AgentAddr is ${addr.name}`, '/facts/payload/agent_name');
  }
  return ok(true);
}

function checkFactsDigest(addr: AgentAddr, facts: AgentFacts): Result<true> {
  const digest = canonicalSha256Hex(facts);
  return digest === addr.factsSha256
    ? ok(true)
    : fail('FACTS_DIGEST_MISMATCH', `facts hash to ${digest}, the AgentAddr commits to ${addr.factsSha256}`, '/addr/payload/factsSha256');
}

const checkSignedTombstone = (body: unknown) => checkSignedRecord(body, checkTombstone, (t) => t.agentId);
// A namespace owner's signature is checked once its DID document is known (checkNamespaceOwnerSignature).
const checkSignedStatusChange = (body: unknown) => checkSignedRecord(body, checkStatusChange, (c) => (isDidWebSigner(c.by) ? undefined : c.by));
const checkSignedGrant = (body: unknown) => checkSignedRecord(body, checkCapabilityGrant, (g) => g.by);
const checkSignedCertificateRequest = (body: unknown) => checkSignedRecord(body, checkCertificateRequest, (r) => r.agentId);

/**
 * A name belongs to the first key that registered it. It changes hands only after its owner
 * signed a releasing tombstone, or by a key rotation (checkRotation). Whatever key signed the
 * stored state and whatever key signs the new record, the new record must be newer than that
 * state: a released name comes back only with a record above its tombstone, so no record ever
 * accepted for the name (they are all public) can be replayed into it again. An update under the
 * bound key keeps any pre-announced next key.
 */
function checkOwnership(current: StoredAgent | undefined, addr: AgentAddr): Result<true> {
  if (current === undefined) return ok(true);
  if (current.state === 'revoked') return revokedProblem(current);
  if (current.state === 'suspended') return suspendedProblem(current);
  const released = current.state === 'deregistered' && current.tombstone.payload.release === true;
  if (current.agentId !== addr.agentId && !released) return notTheBoundKey(current, addr.agentId, '/addr/payload/agentId');
  if (addr.seq <= current.seq) return staleSequence(addr.seq, current.seq, '/addr/payload/seq');
  if (current.agentId !== addr.agentId) return ok(true);
  const committed = committedNextKey(current);
  if (committed !== undefined && addr.nextKeySha256 !== committed) {
    return fail(
      'KEY_ROTATION_INVALID',
      `${current.name} pre-announced its next key (${committed}); that commitment changes only by rotating to that key`,
      '/addr/payload/nextKeySha256',
    );
  }
  return ok(true);
}

/**
 * A rotation hands an active name from the key it is bound to (which signed the continuity proof)
 * to a new key. Once a next key was pre-announced, only that key can receive the name, so a thief
 * holding only the current key cannot move it anywhere; a key rotated out can never act again.
 */
function checkRotation(current: StoredAgent | undefined, rotation: KeyRotation): Result<true> {
  const pointer = '/rotation/payload';
  if (current === undefined) return fail('KEY_ROTATION_INVALID', `${rotation.name} is not registered; register it under the new key instead`, `${pointer}/name`);
  if (current.state === 'revoked') return revokedProblem(current);
  const committed = committedNextKey(current);
  const toCommitted = committed !== undefined && nextKeyCommitment(rotation.to) === committed;
  // A thief holding the current key may suspend the name itself or deregister it to block the
  // owner's recovery; the owner's rotation to the pre-announced key still goes through. A
  // suspension by the namespace owner or the operator stands, as does a released name.
  if (current.state === 'suspended' && !(toCommitted && current.lastStatusChange.payload.by === current.agentId)) {
    return suspendedProblem(current);
  }
  if (current.state === 'deregistered' && !(toCommitted && current.tombstone.payload.release !== true)) {
    return fail('KEY_ROTATION_INVALID', `${current.name} was deregistered; only a rotation to the key it pre-announced can bring it back`, `${pointer}/name`);
  }
  if (rotation.from !== current.agentId) return notTheBoundKey(current, rotation.from, `${pointer}/from`);
  if (rotation.to === current.agentId) return fail('KEY_ROTATION_INVALID', `${current.name} is already bound to ${rotation.to}`, `${pointer}/to`);
  if (rotation.seq <= current.seq) return staleSequence(rotation.seq, current.seq, '/addr/payload/seq');
  if (committed !== undefined && !toCommitted) {
    return fail('KEY_ROTATION_INVALID', `${rotation.to} is not the next key ${current.name} pre-announced (SHA-256 ${committed})`, `${pointer}/to`);
  }
  return ok(true);
}

/** The next key a name's last record pre-announced (kept through a deregistration), if any. */
function committedNextKey(agent: StoredAgent): string | undefined {
  return agent.state === 'deregistered' ? agent.nextKeySha256 : agent.addr.payload.nextKeySha256;
}

/** A sequence at most a day ahead of the registry's clock (see sequenceLimit). */
function checkSequenceLead(seq: number, nowMs: number, pointer: string): Result<true> {
  const limit = sequenceLimit(nowMs);
  return seq <= limit ? ok(true) : fail('SEQUENCE_TOO_FAR_AHEAD', `sequence ${seq} is more than a day ahead of the registry clock (at most ${limit} now)`, pointer);
}

/** The continuity proof belongs to this very AgentAddr and is signed by the key it hands over from. */
function checkRotationProof(rotation: SignedRecord<KeyRotation>, addr: AgentAddr): Result<true> {
  const envelope = checkSignedEnvelope(rotation, '/rotation');
  if (!envelope.ok) return envelope;
  const payload = checkKeyRotation(rotation.payload, '/rotation/payload');
  if (!payload.ok) return payload;
  const { name, to, seq, from } = payload.value;
  if (name !== addr.name) return fail('RECORD_NAME_MISMATCH', `the rotation is for ${name}, the AgentAddr for ${addr.name}`, '/rotation/payload/name');
  if (to !== addr.agentId) return fail('KEY_ROTATION_INVALID', `the rotation hands the name to ${to}, but the AgentAddr is signed for ${addr.agentId}`, '/rotation/payload/to');
  if (seq !== addr.seq) return fail('KEY_ROTATION_INVALID', `the rotation is for sequence ${seq}, the AgentAddr has ${addr.seq}`, '/rotation/payload/seq');
  return checkSignature(rotation, from, '/rotation/sig');
}

/** Keys the name was rotated away from, oldest first. */
function rotatedOutKeys(agent: StoredAgent): readonly string[] {
  return (agent.rotations ?? []).map((r) => r.payload.from);
}

/** A key other than the bound one: a key rotated out gets its own code, so its holder learns it lost the name for good. */
export function notTheBoundKey(current: StoredAgent, did: string, pointer: string): Result<never> {
  const rotation = current.rotations?.find((r) => r.payload.from === did);
  if (rotation !== undefined) {
    return fail('KEY_ROTATED_OUT', `${did} was rotated out of ${current.name} at ${rotation.countersig.at} (to ${rotation.payload.to}); it can no longer act for the name`, pointer);
  }
  return fail('NAME_TAKEN', `${current.name} is bound to ${current.agentId}, not ${did}`, pointer);
}

/**
 * Status bits that change when a binding continues under a new record: the credential over the
 * previous facts stops being current, and after a rotation so does the old binding itself, so a
 * verifier holding the old key's AgentAddr learns from the status list that it no longer counts.
 */
function supersededStatusChanges(previous: ActiveAgent | SuspendedAgent, next: ActiveAgent, at: string, by: string): StatusChange[] {
  const indices = [
    ...(previous.credential ? [previous.credential.index] : []),
    ...(previous.statusIndex === next.statusIndex ? [] : [previous.statusIndex]),
  ];
  const reason = previous.agentId === next.agentId ? `superseded by sequence ${next.seq}` : `key rotated to ${next.agentId} at sequence ${next.seq}`;
  return indices.length === 0 ? [] : [{ purpose: 'revocation', indices, entry: { reason, at, by } }];
}

function staleSequence(seq: number, stored: number, pointer: string): Result<never> {
  const why = seq === stored ? 'a replay of the stored record' : 'a rollback to an older record';
  return { ok: false, problems: [problem('SEQUENCE_STALE', `sequence ${seq} is not above the stored ${stored} (${why})`, pointer)] };
}
