import type { Clock, StatusEntry, StatusPurpose } from '../ports.js';
import { formatUtcSeconds } from '../record/agent-addr.js';
import type { AgentFacts, SignedRecord } from '../record/types.js';
import type { SigningKey } from '../trust/ed25519.js';
import { issueFactsCredential } from '../trust/credentials/facts-credential.js';
import { registryDidDocument, registryIssuer, didWebFromUrl, type DidDocument } from '../trust/credentials/registry-did.js';
import { issueStatusListCredential, STATUS_LIST_MIN_ENTRIES, type StatusListCredential } from '../trust/credentials/status-list.js';
import type { CredentialIssuer, StatusAllocation } from '../trust/credentials/types.js';
import type { DisclosureKeyBinding } from '../trust/disclosure/key-binding.js';
import type { IssuedCredential } from './stored-agent.js';

/** Entries per status list: the herd-privacy minimum of the Bitstring Status List spec. */
export const STATUS_LIST_SIZE = STATUS_LIST_MIN_ENTRIES;

/** What a registry needs to issue credentials: its issuer identity and where its status lists live. */
export interface RegistryCredentials {
  readonly issuer: CredentialIssuer;
  /** The registry's did:web document (served at /.well-known/did.json). */
  readonly didDocument: DidDocument;
  /**
   * When the registry issues capability credentials: its registry key's signature over the `#bbs-1`
   * key of the document (served in GET /v1/registry), which clients check against the key they pinned.
   */
  readonly disclosureKeyBinding?: SignedRecord<DisclosureKeyBinding>;
  /** Absolute URL of a status list, e.g. https://registry.example/v1/status/revocation/0. */
  statusListUrl(purpose: StatusPurpose, listId: number): string;
}

/** Where a global status index lives: which list, and which bit of it. */
export function statusAllocation(credentials: RegistryCredentials, purpose: StatusPurpose, index: number): StatusAllocation {
  return { listUrl: credentials.statusListUrl(purpose, Math.floor(index / STATUS_LIST_SIZE)), index: index % STATUS_LIST_SIZE };
}

/** Issue the registry's VC over facts the agent signed, valid as long as the AgentAddr. */
export async function issueCredentialFor(
  credentials: RegistryCredentials,
  facts: SignedRecord<AgentFacts>,
  index: number,
  validFrom: string,
  validUntil: string,
): Promise<IssuedCredential> {
  const vc = await issueFactsCredential({
    issuer: credentials.issuer,
    facts: facts.payload,
    agentSignature: facts.sig,
    status: {
      revocation: statusAllocation(credentials, 'revocation', index),
      suspension: statusAllocation(credentials, 'suspension', index),
    },
    validFrom,
    validUntil,
  });
  return { index, vc };
}

/** The credentials identity of a registry reachable at `publicUrl`: did:web, its document, list URLs. */
export function registryCredentials(publicUrl: string, key: SigningKey): RegistryCredentials {
  const base = publicUrl.replace(/\/+$/, '');
  const did = didWebFromUrl(base);
  return {
    issuer: registryIssuer(did, key),
    didDocument: registryDidDocument(did, key),
    statusListUrl: (purpose, listId) => `${base}/v1/status/${purpose}/${listId}`,
  };
}

/** How long a signed status list stays valid: short, so a replayed old list cannot hide a revocation for long. */
export const STATUS_LIST_VALIDITY_MS = 10 * 60_000;

/**
 * Signed status list credentials, built from the store on demand and kept until a status bit
 * changes (the registry calls `invalidate`) or they near their validUntil.
 */
export class StatusListPublisher {
  private readonly signed = new Map<string, { credential: StatusListCredential; refreshAtMs: number }>();

  constructor(
    private readonly source: { statusEntries(purpose: StatusPurpose): Promise<StatusEntry[]> },
    private readonly credentials: () => RegistryCredentials | undefined,
    private readonly clock: Clock,
  ) {}

  invalidate(): void {
    this.signed.clear();
  }

  /** The current signed list, or undefined when this registry issues no credentials. */
  async list(purpose: StatusPurpose, listId: number): Promise<StatusListCredential | undefined> {
    const credentials = this.credentials();
    if (credentials === undefined) return undefined;
    const key = `${purpose}/${listId}`;
    const now = this.clock.now();
    const cached = this.signed.get(key);
    if (cached && cached.refreshAtMs > now) return cached.credential;
    const first = listId * STATUS_LIST_SIZE;
    const entries = await this.source.statusEntries(purpose);
    const setIndices = entries.filter((e) => e.index >= first && e.index < first + STATUS_LIST_SIZE).map((e) => e.index - first);
    const credential = await issueStatusListCredential({
      issuer: credentials.issuer,
      listUrl: credentials.statusListUrl(purpose, listId),
      purpose,
      setIndices,
      validFrom: formatUtcSeconds(now),
      validUntil: formatUtcSeconds(now + STATUS_LIST_VALIDITY_MS),
    });
    // Re-sign well before validUntil so no verifier is handed a list about to go stale.
    this.signed.set(key, { credential, refreshAtMs: now + STATUS_LIST_VALIDITY_MS / 2 });
    return credential;
  }
}
