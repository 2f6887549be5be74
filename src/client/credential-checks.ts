/**
 * The registry's facts credential of a resolve answer, and the revocation and suspension bits its
 * signed status lists hold for it: the part of verifying an answer that needs the registry now.
 * verifyResolveAnswerFully (verify-answer-fully.ts) runs it after the offline checks.
 */
import { fail, failWith, ok, problem, type Problem, type Result } from '../core/errors.js';
import { didKeyProblem, publicKeyFromDidKey } from '../core/trust/did-key.js';
import { createDocumentLoader, type DocumentLoader } from '../core/trust/credentials/document-loader.js';
import { verifyFactsCredential } from '../core/trust/credentials/facts-credential.js';
import { pinnedRegistryDocument, registryDidDocument, type DidDocument } from '../core/trust/credentials/registry-did.js';
import { parseStatusEntries, statusInList, verifyStatusList, type ParsedStatusEntry, type VerifiedStatusList } from '../core/trust/credentials/status-list.js';
import { callRegistry, type RegistryAnswer, type RegistryCallOptions } from './registry-client.js';

/**
 * What the registry's signed status lists say about a facts credential:
 * - `good`: both lists were fetched fresh, verified against the pinned key, and neither bit is set;
 * - `revoked` / `suspended`: that bit is set (an update or a key rotation also revokes the credential
 *   of the record it replaces, so a stale answer reads `revoked`);
 * - `unchecked`: the status is not known (offline, a list that could not be fetched or is stale or
 *   forged, no credential, or the records failed before the credential was looked at). An answer
 *   whose status is unchecked is never `verified`; `errors` says why.
 */
export type CredentialStatus = 'good' | 'revoked' | 'suspended' | 'unchecked';

export interface CredentialCheck {
  readonly status: CredentialStatus;
  readonly errors: readonly Problem[];
}

/** The registry's credential issuer, trusted because its did:web key is the pinned registry key. */
interface TrustedIssuer {
  readonly did: string;
  readonly documentLoader: DocumentLoader;
}

/** Reads a URL as strict JSON: callRegistry with a client's fetch and timeout. */
type JsonGet = (url: string) => Promise<Result<RegistryAnswer>>;

export interface CredentialStatusReaderOptions {
  /**
   * The registry whose DID document (`/.well-known/did.json`) names the issuer, as a client that
   * talks to the registry knows it. Without it (a saved answer checked later) the issuer is the
   * did:web the credential names; either way only the pinned key's signatures count.
   */
  readonly registry?: string;
  /** Never fetch a status list: every status is `unchecked` (STATUS_LIST_UNAVAILABLE). */
  readonly offline?: boolean;
  /** How long a fetched status list is reused (default 5 s, the registry's max-age). */
  readonly statusListMaxAgeMs?: number;
  readonly timeoutMs?: number;
  /** Default: node:http and node:https (http-exchange.ts); a fetch given here is used instead. */
  readonly fetch?: typeof fetch;
}

/**
 * What the facts credential of an answer is checked against: the trusted issuer, bound to the
 * pinned registry key, and the registry's status lists, fetched through the credential's own
 * `statusListCredential` URLs and kept briefly. One per client (it caches), shared by all its answers.
 */
export class CredentialStatusReader {
  private readonly registry: string | undefined;
  private readonly offline: boolean;
  private readonly get: JsonGet;
  private readonly statusLists: StatusListCache;
  /** The issuer of the registry's DID document, per pinned key (fetched once). */
  private readonly issuers = new Map<string, TrustedIssuer>();

  constructor(options: CredentialStatusReaderOptions = {}) {
    this.registry = options.registry?.replace(/\/+$/, '');
    this.offline = options.offline ?? false;
    const callOptions: RegistryCallOptions = { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
    this.get = (url) => callRegistry(url, 'GET', undefined, callOptions);
    this.statusLists = new StatusListCache(this.get, options.statusListMaxAgeMs ?? 5_000);
  }

  /**
   * Verify the facts credential (its proof by the trusted issuer, its validity, that it is about
   * exactly the facts the AgentAddr commits to), then read its status. Never throws.
   */
  async check(credential: unknown, factsSha256: string, registryKey: string, nowMs: number): Promise<CredentialCheck> {
    if (credential === undefined) return unchecked([problem('CREDENTIAL_INVALID', 'the answer carries no facts credential, so its revocation status cannot be checked', '/credential')]);
    const issuer = await this.issuerOf(credential, registryKey);
    if (!issuer.ok) return unchecked(issuer.problems);
    const verified = await verifyFactsCredential(credential, {
      documentLoader: issuer.value.documentLoader,
      now: nowMs,
      trustedIssuers: [issuer.value.did],
      expectedFactsSha256: factsSha256,
    });
    if (!verified.verified) return unchecked(verified.errors);
    return this.statusOf(verified.statusEntries ?? [], issuer.value, nowMs);
  }

  /**
   * Read the status again of a credential that `check` accepted before (a cached answer the
   * registry confirmed with 304): its proof is not verified again, the status lists are.
   */
  async recheck(credential: unknown, registryKey: string, nowMs: number): Promise<CredentialCheck> {
    const entries = parseStatusEntries((credential as { credentialStatus?: unknown } | undefined)?.credentialStatus);
    if (!entries.ok) return unchecked(entries.problems);
    const issuer = await this.issuerOf(credential, registryKey);
    if (!issuer.ok) return unchecked(issuer.problems);
    return this.statusOf(entries.value, issuer.value, nowMs);
  }

  /** Both bits, from fresh lists; a set revocation bit outranks the rest, an unknown bit leaves the status unchecked. */
  private async statusOf(entries: readonly ParsedStatusEntry[], issuer: TrustedIssuer, nowMs: number): Promise<CredentialCheck> {
    if (this.offline) {
      return unchecked([problem('STATUS_LIST_UNAVAILABLE', 'revocation status not checked: offline, the status lists were not fetched', '/credential/credentialStatus')]);
    }
    if (entries.length === 0) return unchecked([problem('CREDENTIAL_INVALID', 'the facts credential has no status entries', '/credential/credentialStatus')]);
    const found = new Set<CredentialStatus>();
    const errors: Problem[] = [];
    for (const entry of entries) {
      const url = entry.statusListCredential;
      const list = await this.statusLists.verified(url, issuer, nowMs);
      if (!list.ok) {
        found.add('unchecked');
        errors.push(...list.problems);
        continue;
      }
      const checked = statusInList(entry, list.value, nowMs);
      found.add(checked.status === 'ok' ? 'good' : checked.status === 'unknown' ? 'unchecked' : checked.status);
      if (checked.status === 'revoked' || checked.status === 'suspended') {
        errors.push(problem('CREDENTIAL_REVOKED', `the facts credential is ${checked.status} in ${url}`, '/credential/credentialStatus'));
      } else errors.push(...checked.errors);
    }
    const status: CredentialStatus = (['revoked', 'suspended', 'unchecked'] as const).find((s) => found.has(s)) ?? 'good';
    return { status, errors };
  }

  private async issuerOf(credential: unknown, registryKey: string): Promise<Result<TrustedIssuer>> {
    if (this.registry === undefined) return issuerNamedBy(credential, registryKey);
    const known = this.issuers.get(registryKey);
    if (known) return ok(known);
    const issuer = await trustedIssuerOf(this.registry, registryKey, this.get);
    if (issuer.ok) this.issuers.set(registryKey, issuer.value);
    return issuer;
  }
}

function unchecked(errors: readonly Problem[]): CredentialCheck {
  return { status: 'unchecked', errors };
}

/**
 * Bind the registry's did:web to the key the client already trusts: the DID document must name
 * exactly that key for assertions, or its credentials are not believed. The loader gets the
 * document rebuilt from the pinned key alone (pinnedRegistryDocument): a method embedded in the
 * served document (the registry's `#bbs-1`, or a key a man in the middle added) never reaches it,
 * because the loader would resolve it and believe credentials signed with it.
 */
async function trustedIssuerOf(registry: string, registryKey: string, get: JsonGet): Promise<Result<TrustedIssuer>> {
  const response = await get(`${registry}/.well-known/did.json`);
  if (!response.ok) return response;
  if (response.value.status !== 200) {
    return fail('DID_UNRESOLVABLE', `${registry}/.well-known/did.json is not the registry's DID document (HTTP ${response.value.status})`);
  }
  const pinned = pinnedRegistryDocument(response.value.body, registryKey);
  return pinned.ok ? ok(issuerWith(pinned.value)) : pinned;
}

/**
 * The did:web a credential names as its issuer, with a document built from the pinned key alone:
 * for an answer checked away from its registry. Naming any did:web gains nothing, as only the pinned
 * key's proofs verify against that document.
 */
function issuerNamedBy(credential: unknown, registryKey: string): Result<TrustedIssuer> {
  const pinned = publicKeyFromDidKey(registryKey);
  if (pinned === undefined) return failWith([didKeyProblem(registryKey, '/registryKey') ?? problem('REQUEST_INVALID', `the pinned registry key must be an Ed25519 did:key, not ${registryKey}`)]);
  const did = (credential as { issuer?: unknown } | null)?.issuer;
  if (typeof did !== 'string' || !did.startsWith('did:web:')) return fail('ISSUER_UNTRUSTED', 'the facts credential is not issued by a registry did:web', '/credential/issuer');
  return ok(issuerWith(registryDidDocument(did, { publicKey: pinned })));
}

function issuerWith(document: DidDocument): TrustedIssuer {
  const did = document.id;
  return { did, documentLoader: createDocumentLoader({ didDocuments: (d) => (d === did ? (document as object) : undefined) }) };
}

/**
 * Signed status lists, fetched and verified once, then kept at most `maxAgeMs` (the registry serves
 * them with max-age 5 s): a revalidated answer costs a bit lookup, not a signature and a gunzip.
 * Freshness (validUntil) is still judged at every lookup, by statusInList.
 */
class StatusListCache {
  private readonly lists = new Map<string, { list: VerifiedStatusList; issuer: string; fetchedAtMs: number }>();

  constructor(
    private readonly get: JsonGet,
    private readonly maxAgeMs: number,
  ) {}

  /** The list at `url`, verified as the issuer's; STATUS_LIST_UNAVAILABLE when it cannot be had, STATUS_LIST_INVALID when it does not verify. */
  async verified(url: string, issuer: TrustedIssuer, nowMs: number): Promise<Result<VerifiedStatusList>> {
    const cached = this.lists.get(url);
    if (cached && cached.issuer === issuer.did && nowMs - cached.fetchedAtMs < this.maxAgeMs) return ok(cached.list);
    const body = await this.fetch(url);
    if (!body.ok) return body;
    const list = await verifyStatusList(body.value, { documentLoader: issuer.documentLoader, trustedIssuers: [issuer.did] });
    if (list.ok) this.lists.set(url, { list: list.value, issuer: issuer.did, fetchedAtMs: nowMs });
    return list;
  }

  private async fetch(url: string): Promise<Result<unknown>> {
    const response = await this.get(url);
    if (!response.ok) {
      const [first, ...rest] = response.problems;
      return first?.code === 'REGISTRY_BAD_RESPONSE'
        ? failWith([problem('STATUS_LIST_INVALID', first.detail), ...rest])
        : fail('STATUS_LIST_UNAVAILABLE', `revocation status not checked: ${url} could not be fetched (${first?.detail ?? 'no answer'})`);
    }
    if (response.value.status !== 200) return fail('STATUS_LIST_UNAVAILABLE', `revocation status not checked: ${url} answered HTTP ${response.value.status}`);
    return ok(response.value.body);
  }
}
