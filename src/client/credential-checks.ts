import { problem, type Problem } from '../core/errors.js';
import { createDocumentLoader, type DocumentLoader } from '../core/trust/credentials/document-loader.js';
import { verifyFactsCredential } from '../core/trust/credentials/facts-credential.js';
import { pinnedRegistryDocument } from '../core/trust/credentials/registry-did.js';
import { checkCredentialStatus } from '../core/trust/credentials/status-list.js';

type Get = (url: string) => Promise<{ status: number; body: unknown } | { problems: readonly Problem[] }>;

/** The registry's credential issuer, trusted because its did:web key is the pinned registry key. */
export interface TrustedIssuer {
  readonly did: string;
  readonly documentLoader: DocumentLoader;
}

/**
 * Bind the registry's did:web to the key the client already trusts: the DID document must name
 * exactly that key for assertions, or its credentials are not believed. The loader gets the
 * document rebuilt from the pinned key alone (pinnedRegistryDocument): a method embedded in the
 * served document (the registry's `#bbs-1`, or a key a man in the middle added) never reaches it,
 * because the loader would resolve it and believe credentials signed with it.
 */
export async function trustedIssuerOf(registry: string, registryKey: string, get: Get): Promise<TrustedIssuer | readonly Problem[]> {
  const response = await get(`${registry}/.well-known/did.json`);
  if ('problems' in response) return response.problems;
  if (response.status !== 200) {
    return [problem('DID_UNRESOLVABLE', `${registry}/.well-known/did.json is not the registry's DID document (HTTP ${response.status})`)];
  }
  const pinned = pinnedRegistryDocument(response.body, registryKey);
  if (!pinned.ok) return pinned.problems;
  const document = pinned.value;
  const did = document.id;
  return { did, documentLoader: createDocumentLoader({ didDocuments: (d) => (d === did ? (document as object) : undefined) }) };
}

/** Signed status lists, kept at most `maxAgeMs` (the registry serves them with max-age 5 s). */
export class StatusListCache {
  private readonly lists = new Map<string, { body: unknown; fetchedAtMs: number }>();

  constructor(
    private readonly get: Get,
    private readonly maxAgeMs: number,
  ) {}

  async fetch(url: string, nowMs: number): Promise<unknown | readonly Problem[]> {
    const cached = this.lists.get(url);
    if (cached && nowMs - cached.fetchedAtMs < this.maxAgeMs) return cached.body;
    const response = await this.get(url);
    if ('problems' in response) return response.problems;
    if (response.status !== 200) return [problem('STATUS_LIST_INVALID', `${url} answered HTTP ${response.status}`)];
    this.lists.set(url, { body: response.body, fetchedAtMs: nowMs });
    return response.body;
  }
}

/**
 * Verify the registry's facts credential of a resolve answer: its proof by the trusted issuer, its
 * validity, that it is about exactly the facts the AgentAddr commits to, and that neither its
 * revocation nor its suspension bit is set in the issuer's signed status lists.
 */
export async function checkFactsCredential(
  credential: unknown,
  factsSha256: string,
  issuer: TrustedIssuer,
  statusLists: StatusListCache,
  nowMs: number,
): Promise<Problem[]> {
  if (credential === undefined) return [problem('CREDENTIAL_INVALID', 'the answer carries no facts credential', '/credential')];
  const verified = await verifyFactsCredential(credential, {
    documentLoader: issuer.documentLoader,
    now: nowMs,
    trustedIssuers: [issuer.did],
    expectedFactsSha256: factsSha256,
  });
  if (!verified.verified) return [...verified.errors];
  const entries = (credential as { credentialStatus: unknown[] }).credentialStatus;
  const errors: Problem[] = [];
  for (const entry of entries) {
    const url = (entry as { statusListCredential: string }).statusListCredential;
    const list = await statusLists.fetch(url, nowMs);
    if (Array.isArray(list)) {
      errors.push(...(list as Problem[]));
      continue;
    }
    const status = await checkCredentialStatus(entry, list, { documentLoader: issuer.documentLoader, now: nowMs, trustedIssuers: [issuer.did] });
    if (status.status === 'revoked' || status.status === 'suspended') {
      errors.push(problem('CREDENTIAL_REVOKED', `the facts credential is ${status.status} in ${url}`, '/credential/credentialStatus'));
    } else if (!status.verified) errors.push(...status.errors);
  }
  return errors;
}
