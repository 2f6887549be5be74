/**
 * Third-party certification credentials (HIPAA, SOC2, kid-safe, ...): an auditor or a compliance
 * body issues them about an agent; the registry stores, serves and verifies them, and search
 * counts them, but it never issues one. What the registrant claims (its facts) and what an issuer
 * attests (these credentials) are kept apart: only the latter ever satisfies `certification=`.
 *
 * Anyone may submit a credential, because it authenticates itself: the issuer signed it, and the
 * trust policy says which issuers count for which certification. Whether a stored credential
 * counts is judged again at every read (the policy may change, time passes), so nothing is
 * re-indexed when one of those changes.
 *
 * A stored credential lives as long as the binding it was accepted for (it records the binding's
 * `statusIndex`, which is never reused): once its name is deregistered or revoked, or bound to
 * another key, it can never count again and is deleted (`prune`, which the app calls after every
 * registry write, and again lazily by `list` and `submit`). The deletion is best-effort (a crash
 * may skip a prune), so neither the listing nor search ever counts one of another binding.
 *
 * Reads go certifications first, then the agent: a credential read before the agent was stored
 * for a binding that existed then, so if the agent read afterwards is another binding, that one is
 * over for good and the credential may be deleted. The other order could judge a credential
 * stored for a newer binding by an older view of the agent, and delete a valid one.
 */
import { canonicalAgentName } from '../name/index.js';
import { fail, failWith, ok, problem, type Problem, type Result } from '../errors.js';
import type { CertificationFilter, Clock, RecordStore, StatusListSource, StoredCertification } from '../ports.js';
import { formatUtcSeconds } from '../record/agent-addr.js';
import { didKeyProblem } from '../trust/did-key.js';
import { parseDidWeb } from '../trust/did-web/did-web-url.js';
import {
  trustedFor,
  verifyCertificationCredential,
  type CertificationCredential,
  type CertificationVerification,
  type TrustPolicy,
} from '../trust/credentials/certification-credential.js';
import type { DocumentLoader } from '../trust/credentials/document-loader.js';
import { checkCredentialStatus, parseStatusEntries, type ParsedStatusEntry } from '../trust/credentials/status-list.js';
import { canonicalSha256Hex, canonicalText } from '../trust/jcs.js';
import { activeAgentOf } from './registry.js';
import { certificationEventOf } from './registry-events.js';
import type { ActiveAgent, StoredAgent } from './stored-agent.js';

/**
 * The largest certification credential accepted, in RFC 8785 bytes (so whitespace does not count).
 * A real one is about 1 KiB; the limit leaves room for evidence links and status entries while
 * keeping what anyone may submit, and every reader re-verifies, small.
 */
export const MAX_CERTIFICATION_BYTES = 16 * 1024;

/**
 * The most `credentialStatus` entries a stored certification may carry (a revocation and a
 * suspension list are two): every one is a fetch on submission, listing and sweep.
 */
export const MAX_CERTIFICATION_STATUS_ENTRIES = 4;

const NO_STATUS_LISTS: StatusListSource = {
  fetch: async (url) => fail('STATUS_LIST_UNAVAILABLE', `${url}: this registry fetches no status lists`),
};

/** Certification names in a trust policy: the length the credential library accepts. */
const MAX_CERTIFICATION_NAME = 256;

export interface CertificationRegistryOptions {
  readonly store: RecordStore;
  readonly clock: Clock;
  /** Certification name → the issuer DIDs that count for it. Empty: nothing counts. */
  readonly trustPolicy: TrustPolicy;
  /** Resolves issuer DIDs: did:key offline, did:web from whatever documents the app knows. */
  readonly documentLoader: DocumentLoader;
  /**
   * Fetches the issuers' Bitstring Status Lists named in `credentialStatus` (the app caches them).
   * Without one, no list can be had: a certification naming one is refused (STATUS_LIST_UNAVAILABLE)
   * rather than accepted unchecked.
   */
  readonly statusLists?: StatusListSource;
}

/**
 * What the issuer's status lists say of a credential: `none` when it names no list, `ok` when no
 * bit is set, `revoked` or `suspended` when one is, `unknown` when a list could not be fetched or
 * verified, and `unchecked` when the credential failed before its lists were looked at.
 */
export type CertificationStatus = 'none' | 'ok' | 'revoked' | 'suspended' | 'unknown' | 'unchecked';

/** What one status sweep did (see `sweepStatus`). */
export interface StatusSweep {
  /** Stored certifications with status entries whose lists were looked at. */
  readonly checked: number;
  /** Those removed because their issuer revoked or suspended them. */
  readonly removed: readonly StoredCertification[];
  /** Those kept although a list could not be fetched or verified (stale-if-error), with why. */
  readonly unverified: readonly { readonly certification: StoredCertification; readonly problems: readonly Problem[] }[];
}

/** One stored credential with a verdict made at read time: does it count now, and if not, why not. */
export interface CertificationVerdict {
  readonly stored: StoredCertification;
  readonly verified: boolean;
  readonly errors: readonly Problem[];
  /** What the issuer's status lists say, fetched for this read. */
  readonly status: CertificationStatus;
}

export interface CertificationListing {
  readonly name: string;
  /** The agent's current key: only credentials about it can count. */
  readonly agentId: string;
  readonly items: readonly CertificationVerdict[];
}

export interface SubmittedCertification {
  readonly certification: StoredCertification;
  /** False when it replaced an older one of the same issuer and certification (or was already stored). */
  readonly created: boolean;
}

export class CertificationRegistry {
  readonly #store: RecordStore;
  readonly #clock: Clock;
  readonly #policy: TrustPolicy;
  readonly #documentLoader: DocumentLoader;
  readonly #statusLists: StatusListSource;

  constructor(options: CertificationRegistryOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#policy = options.trustPolicy;
    this.#documentLoader = options.documentLoader;
    this.#statusLists = options.statusLists ?? NO_STATUS_LISTS;
  }

  get trustPolicy(): TrustPolicy {
    return this.#policy;
  }

  /**
   * Verify and store a certification credential for a name. Stages, cheapest first; the first
   * failure decides the error and nothing is stored: the name; the size; an active agent; the
   * credential (envelope, subject = the agent's current key, issuer trusted for this
   * certification, proof, validity); a validUntil; the agent name it names; its issuer's status
   * lists (each fetched and verified: signed by the same issuer, fresh, the bit clear; a revoked or
   * suspended one is CREDENTIAL_REVOKED, a list that cannot be had STATUS_LIST_UNAVAILABLE or
   * STATUS_LIST_INVALID); then, against what is stored, that it is not older than the one of the
   * same issuer it would replace.
   *
   * A deregistration, revocation or key change may land while the credential is verified: the
   * agent is read again after the write, and a credential that outlived its binding meanwhile is
   * deleted again and refused (the registry's `prune` may have run before it was stored).
   */
  async submit(name: string, body: unknown): Promise<Result<SubmittedCertification>> {
    const canonical = canonicalAgentName(name);
    if (!canonical.ok) return canonical;
    const size = checkSize(body);
    if (!size.ok) return size;
    const current = await this.#readPruned(canonical.value);
    const now = this.#clock.now();
    const agent = activeAgentOf(canonical.value, current.agent, now);
    if (!agent.ok) return agent;
    const { errors, verification } = await this.#verify(body, agent.value, now);
    if (errors.length > 0) return failWith(errors);
    const status = await this.#checkStatus(verification.statusEntries ?? [], verification.attested!.issuer, now, new Map());
    if (status.errors.length > 0) return failWith(status.errors);
    const stored = storedCertificationOf(agent.value, body as CertificationCredential, verification, now);
    const kept = await this.#keep(stored);
    if (!kept.ok) return kept;
    const after = await this.#store.get(canonical.value);
    if (!outlived(kept.value.certification, after)) return kept;
    await this.#remove(kept.value.certification);
    const still = activeAgentOf(canonical.value, after, now);
    return still.ok ? fail('WRITE_CONFLICT', `${canonical.value} was bound to ${still.value.agentId} while the certification was checked; it is about ${stored.subject}`) : still;
  }

  /**
   * Every credential stored for an active agent, each with a fresh verdict. Credentials that
   * outlived their binding (about another key, or of a name no longer registered) are deleted
   * on the way, not listed.
   */
  async list(name: string): Promise<Result<CertificationListing>> {
    const canonical = canonicalAgentName(name);
    if (!canonical.ok) return canonical;
    const current = await this.#readPruned(canonical.value);
    const now = this.#clock.now();
    const agent = activeAgentOf(canonical.value, current.agent, now);
    if (!agent.ok) return agent;
    const items: CertificationVerdict[] = [];
    const lists = new Map<string, Promise<Result<unknown>>>();
    for (const stored of current.kept) {
      const { errors, verification } = await this.#verify(stored.credential, agent.value, now);
      if (errors.length > 0) {
        items.push({ stored, verified: false, errors, status: 'unchecked' });
        continue;
      }
      const status = await this.#checkStatus(verification.statusEntries ?? [], stored.issuer, now, lists);
      items.push({ stored, verified: status.errors.length === 0, errors: status.errors, status: status.status });
    }
    return ok({ name: agent.value.name, agentId: agent.value.agentId, items });
  }

  /**
   * Delete the credentials of `name` that can never count again: all of them once the name is
   * deregistered or revoked, and those about a key the name is no longer bound to (a rotation,
   * or a new owner after a release). Suspension is reversible: a suspended agent keeps them.
   * The app calls this after every registry write (`registry.onChange`); returns how many went.
   * Removal is by digest, so a credential replaced meanwhile by a fresh one is never lost.
   */
  async prune(name: string): Promise<number> {
    const stored = await this.#store.certificationsOf(name);
    if (stored.length === 0) return 0;
    return stored.length - (await this.#drop(await this.#store.get(name), stored)).length;
  }

  /**
   * Re-check the status lists of the stored certifications search can find, and remove those
   * whose issuer revoked or suspended them. The app runs it periodically, so search sees an
   * issuer's revocation at most one sweep interval plus the list's cache lifetime late. A
   * certification whose list cannot be fetched or verified is kept (stale-if-error) and reported
   * in `unverified` for the log; the listing, which fetches the lists on every read, shows it as
   * not verified meanwhile. Each list is fetched once per sweep.
   *
   * Only what search can count is looked at: the agents it finds for each certification name of
   * the policy (active, with a certification of a trusted issuer valid now), and of those the
   * stored certifications with status entries.
   */
  async sweepStatus(): Promise<StatusSweep> {
    const now = this.#clock.now();
    const names = new Set<string>();
    for (const certification of Object.keys(this.#policy)) {
      const filter: CertificationFilter = { name: certification, trustedIssuers: trustedFor(this.#policy, certification), at: now };
      let cursor: string | undefined;
      do {
        const page = await this.#store.search({ certification: filter, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
        for (const agent of page.items) names.add(agent.name);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    const lists = new Map<string, Promise<Result<unknown>>>();
    const removed: StoredCertification[] = [];
    const unverified: { certification: StoredCertification; problems: readonly Problem[] }[] = [];
    let checked = 0;
    for (const name of names) {
      for (const stored of await this.#store.certificationsOf(name)) {
        const entries = parseStatusEntries(stored.credential.credentialStatus);
        if (!entries.ok || entries.value.length === 0) continue;
        checked++;
        const status = await this.#checkStatus(entries.value, stored.issuer, now, lists);
        if (status.status === 'revoked' || status.status === 'suspended') {
          if (await this.#remove(stored)) removed.push(stored);
        } else if (status.errors.length > 0) {
          unverified.push({ certification: stored, problems: status.errors });
        }
      }
    }
    return { checked, removed, unverified };
  }

  /**
   * Every status entry checked against its list, fetched through the source (once per URL per
   * `lists`) and verified as the issuer's: signed by `issuer` itself, fresh, for the entry's purpose.
   * Revocations and suspensions come first among the errors, so they decide the answer's code.
   */
  async #checkStatus(
    entries: readonly ParsedStatusEntry[],
    issuer: string,
    now: number,
    lists: Map<string, Promise<Result<unknown>>>,
  ): Promise<{ status: CertificationStatus; errors: readonly Problem[] }> {
    if (entries.length === 0) return { status: 'none', errors: [] };
    const withdrawn: Problem[] = [];
    const failed: Problem[] = [];
    let status: CertificationStatus = 'ok';
    for (const entry of entries) {
      let list = lists.get(entry.statusListCredential);
      if (list === undefined) {
        list = this.#statusLists.fetch(entry.statusListCredential);
        lists.set(entry.statusListCredential, list);
      }
      const fetched = await list;
      if (!fetched.ok) {
        failed.push(...fetched.problems);
        if (status === 'ok') status = 'unknown';
        continue;
      }
      const raw = { type: 'BitstringStatusListEntry', statusPurpose: entry.statusPurpose, statusListIndex: String(entry.index), statusListCredential: entry.statusListCredential };
      const result = await checkCredentialStatus(raw, fetched.value, { documentLoader: this.#documentLoader, now, trustedIssuers: [issuer] });
      if (result.status === 'revoked' || result.status === 'suspended') {
        withdrawn.push(...result.errors);
        // A revocation outranks a suspension: it is final.
        if (status !== 'revoked') status = result.status;
      } else if (result.status === 'unknown') {
        failed.push(...result.errors.map((p) => ({ ...p, detail: `status list ${entry.statusListCredential}: ${p.detail}` })));
        if (status === 'ok') status = 'unknown';
      }
    }
    return { status, errors: [...withdrawn, ...failed] };
  }

  /**
   * The agent and those of its stored credentials that did not outlive their binding, deleting the
   * rest. Certifications are read first, then the agent (see the module comment): never the other way.
   */
  async #readPruned(name: string): Promise<{ agent: StoredAgent | undefined; kept: StoredCertification[] }> {
    const stored = await this.#store.certificationsOf(name);
    const agent = await this.#store.get(name);
    return { agent, kept: await this.#drop(agent, stored) };
  }

  /**
   * The search filter for a certification asked for by name, under the current policy and time.
   * A name that is not a policy key but matches exactly one ignoring case is taken as that key,
   * so `hipaa` finds HIPAA certifications; credentials still must name it exactly.
   */
  searchFilter(requested: string): CertificationFilter {
    const name = policyKeyFor(this.#policy, requested.trim());
    return { name, trustedIssuers: trustedFor(this.#policy, name), at: this.#clock.now() };
  }

  /** Delete those of `stored` that outlived their binding under `agent`; the rest are returned. */
  async #drop(agent: StoredAgent | undefined, stored: readonly StoredCertification[]): Promise<StoredCertification[]> {
    const kept: StoredCertification[] = [];
    for (const certification of stored) {
      if (outlived(certification, agent)) await this.#remove(certification);
      else kept.push(certification);
    }
    return kept;
  }

  /** Compare-and-delete: the same credential stored again meanwhile for a later binding stays. */
  async #remove(certification: StoredCertification): Promise<boolean> {
    const event = certificationEventOf('certification-removed', certification, formatUtcSeconds(this.#clock.now()));
    return this.#store.removeCertification(certification.agentName, certification.digest, certification.bindingIndex ?? null, event);
  }

  /** The library's verdict, plus the registry's own rules: a validUntil, and the right agent name. */
  async #verify(vc: unknown, agent: ActiveAgent, now: number): Promise<{ errors: readonly Problem[]; verification: CertificationVerification }> {
    const verification = await verifyCertificationCredential(vc, {
      documentLoader: this.#documentLoader,
      now,
      trustPolicy: this.#policy,
      subject: agent.agentId,
    });
    if (!verification.verified) return { errors: verification.errors, verification };
    const ruleProblem = checkRegistryRules(vc as CertificationCredential, agent);
    return { errors: ruleProblem ? [ruleProblem] : [], verification };
  }

  /** Create, or replace the same issuer's credential for the same certification (compare-and-set). */
  async #keep(stored: StoredCertification): Promise<Result<SubmittedCertification>> {
    const current = (await this.#store.certificationsOf(stored.agentName)).find(
      (c) => c.certification === stored.certification && c.issuer === stored.issuer,
    );
    // The very same credential again for the same binding: nothing to write, and no error for a
    // harmless retry. Stored for an earlier binding (a prune missed), it is stored anew for this one.
    if (current?.digest === stored.digest && current.bindingIndex === stored.bindingIndex) return ok({ certification: current, created: false });
    // An older credential must not push out a newer one of the same issuer about the same key
    // (a replay of a superseded certification). One about an old key never counts again: replace it.
    if (current !== undefined && current.subject === stored.subject && stored.validFromMs < current.validFromMs) {
      return fail(
        'SEQUENCE_STALE',
        `${stored.issuer} issued a newer ${stored.certification} certification (valid from ${new Date(current.validFromMs).toISOString()}) for ${stored.agentName}`,
        '/validFrom',
      );
    }
    const outcome = await this.#store.putCertification(stored, current?.digest ?? null, certificationEventOf('certification-added', stored, stored.storedAt));
    if (outcome === 'conflict') return fail('WRITE_CONFLICT', `another ${stored.certification} certification by ${stored.issuer} was stored first`);
    return ok({ certification: stored, created: current === undefined });
  }
}

function checkSize(body: unknown): Result<true> {
  let bytes: number;
  try {
    bytes = new TextEncoder().encode(canonicalText(body)).length;
  } catch (error) {
    return fail('CREDENTIAL_INVALID', `the credential has no JSON form: ${(error as Error).message}`);
  }
  return bytes > MAX_CERTIFICATION_BYTES
    ? fail('REQUEST_TOO_LARGE', `the certification credential is ${bytes} bytes (RFC 8785); the limit is ${MAX_CERTIFICATION_BYTES}`)
    : ok(true);
}

/** Rules the registry adds to the credential library's: run only on a credential that verified. */
function checkRegistryRules(vc: CertificationCredential, agent: ActiveAgent): Problem | undefined {
  // A certification without an end would count forever; audits expire, so the issuer must say when.
  if (vc.validUntil === undefined) return problem('CREDENTIAL_INVALID', 'a certification credential must carry validUntil', '/validUntil');
  // Stores compare certification names as UTF-8; a lone surrogate has no UTF-8 form, so no stable order or match.
  const status = vc.credentialStatus === undefined ? 0 : Array.isArray(vc.credentialStatus) ? vc.credentialStatus.length : 1;
  if (status > MAX_CERTIFICATION_STATUS_ENTRIES) {
    return problem('CREDENTIAL_INVALID', `a certification may name at most ${MAX_CERTIFICATION_STATUS_ENTRIES} status entries, not ${status}`, '/credentialStatus');
  }
  if (/\p{Cs}/u.test(vc.credentialSubject.certification.name)) {
    return problem('CREDENTIAL_INVALID', 'certification.name must be well-formed Unicode (no lone surrogates)', '/credentialSubject/certification/name');
  }
  // The issuer examined a named agent: the credential must not be moved to another name of the same key.
  const named = canonicalAgentName(vc.credentialSubject.agentName);
  if (!named.ok || named.value !== agent.name) {
    return problem('CREDENTIAL_INVALID', `the certification is for ${vc.credentialSubject.agentName}, not ${agent.name}`, '/credentialSubject/agentName');
  }
  return undefined;
}

function storedCertificationOf(agent: ActiveAgent, vc: CertificationCredential, verification: CertificationVerification, now: number): StoredCertification {
  const attested = verification.attested!;
  return {
    agentName: agent.name,
    certification: attested.certification.name,
    issuer: attested.issuer,
    subject: attested.subject,
    bindingIndex: agent.statusIndex,
    validFromMs: Date.parse(vc.validFrom),
    validUntilMs: Date.parse(vc.validUntil!),
    digest: canonicalSha256Hex(vc),
    storedAt: formatUtcSeconds(now),
    credential: vc,
  };
}

/**
 * Whether a stored certification is garbage: the binding it was accepted for is over. That is so
 * once the name is deregistered (a return, even with the same key, is a new binding with a new
 * statusIndex, which the issuers certify anew) or revoked (final), or bound to another key than
 * the one it names (a rotation, or a new owner after a release), or is any other binding than the
 * one it records (a deregistration and return the prune missed; a row stored before bindings were
 * recorded). A suspension is reversible and keeps the binding, so a suspended agent keeps them.
 */
function outlived(certification: StoredCertification, agent: StoredAgent | undefined): boolean {
  if (agent === undefined || agent.state === 'deregistered' || agent.state === 'revoked') return true;
  return certification.subject !== agent.agentId || certification.bindingIndex !== agent.statusIndex;
}

function policyKeyFor(policy: TrustPolicy, requested: string): string {
  if (Object.hasOwn(policy, requested)) return requested;
  const folded = requested.toLowerCase();
  const matches = Object.keys(policy).filter((key) => key.toLowerCase() === folded);
  return matches.length === 1 ? matches[0]! : requested;
}

// --- the trust policy file -----------------------------------------------------------------

/**
 * Check a trust policy as read from JSON: `{"HIPAA": ["did:web:auditor.example", "did:key:z6Mk…"]}`.
 * Issuers must be Ed25519 did:key (resolved offline) or did:web DIDs; duplicates are dropped.
 * Every problem is reported, each with a pointer into the document.
 */
export function parseTrustPolicy(value: unknown): Result<TrustPolicy> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('REQUEST_INVALID', 'a trust policy is a JSON object: {"HIPAA": ["did:web:auditor.example"], ...}', '');
  }
  const problems: Problem[] = [];
  const entries: [string, readonly string[]][] = [];
  for (const [name, issuers] of Object.entries(value)) {
    const at = `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (name.trim() === '' || name.length > MAX_CERTIFICATION_NAME || name !== name.trim()) {
      problems.push(problem('REQUEST_INVALID', `certification name ${JSON.stringify(name)} must be 1-${MAX_CERTIFICATION_NAME} characters without surrounding spaces`, at));
      continue;
    }
    if (!Array.isArray(issuers)) {
      problems.push(problem('REQUEST_INVALID', `${JSON.stringify(name)} must map to an array of issuer DIDs`, at));
      continue;
    }
    issuers.forEach((issuer: unknown, i) => {
      const why = issuerProblem(issuer);
      if (why) problems.push(problem('REQUEST_INVALID', `${JSON.stringify(name)}[${i}]: ${why}`, `${at}/${i}`));
    });
    entries.push([name, Object.freeze([...new Set(issuers as string[])])]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data and never a prototype.
  return problems.length > 0 ? failWith(problems) : ok(Object.freeze(Object.fromEntries(entries)));
}

function issuerProblem(issuer: unknown): string | undefined {
  if (typeof issuer !== 'string') return `an issuer must be a DID string, not ${JSON.stringify(issuer)}`;
  if (issuer.startsWith('did:key:')) return didKeyProblem(issuer)?.detail;
  if (issuer.startsWith('did:web:')) {
    // The parser the DID resolver uses: a policy must never list an issuer it could not resolve.
    const parsed = parseDidWeb(issuer);
    return parsed.ok ? undefined : (parsed.problems[0]?.detail ?? `${issuer} is not a well-formed did:web`);
  }
  return `${JSON.stringify(issuer)} is not a did:key or did:web DID (the only issuers Signpost can resolve)`;
}
