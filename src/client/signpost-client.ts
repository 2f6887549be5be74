import { fail, failWith, ok, problem, type Problem, type Result } from '../core/errors.js';
import type { Ownership } from '../core/registry/namespace-claims.js';
import { checkConsistency, checkInclusion, checkTreeHead, type InclusionProof, type TreeHead } from '../core/log/transparency-log.js';
import { canonicalSha256Hex } from '../core/trust/jcs.js';
import { parseAgentName } from '../core/name/index.js';
import type { Clock } from '../core/ports.js';
import { parseUtcSeconds } from '../core/record/agent-addr.js';
import type { AgentEndpoint, AgentFacts } from '../core/record/types.js';
import type { RequesterContext } from '../core/resolve/choose-endpoint.js';
import { didKeyProblem } from '../core/trust/did-key.js';
import { callRegistry, problemsOf, query, type RegistryAnswer, type RegistryIdentity, type ResolveAnswer } from './registry-client.js';
import { CredentialStatusReader, type CredentialStatus } from './credential-checks.js';
import { verifyResolveAnswerFully } from './verify-answer-fully.js';
import { ChangeWatch, type WatchedChange } from './change-watch.js';

export interface SignpostClientOptions {
  /** Base URL of the registry, e.g. http://127.0.0.1:8700. */
  readonly registry: string;
  /**
   * The registry key to trust (its did:key). Without it the client pins the key the registry
   * presents on first contact, for the life of this client (trust on first use).
   */
  readonly registryKey?: string;
  /** Upper bound on how long a verified answer is reused without asking the registry again. */
  readonly maxCacheMs?: number;
  /** How long a fetched status list is trusted (default 5 s, the registry's max-age). */
  readonly statusListMaxAgeMs?: number;
  /**
   * Require the registry's facts credential (VC proof + status lists) on every answer. Default
   * true; turn off only for registries that issue no credentials: an answer without one is then
   * verified with `status: 'unchecked'`. A credential that is present is always checked. The
   * credential is not covered by the records' signatures, so with this off a man in the middle can
   * strip it and have a stale answer from before a revocation verify: use it only over HTTPS.
   */
  readonly requireCredential?: boolean;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** Default: node:http and node:https (http-exchange.ts); a fetch given here is used instead. */
  readonly fetch?: typeof fetch;
}

export interface ResolveOptions {
  readonly context?: RequesterContext;
  /**
   * Also ask the registry's event log for the entry that published the resolved records and check
   * its inclusion proof against the signed tree head (and that head's consistency with the last one
   * this client checked). A record the registry serves but never logged is then not verified.
   */
  readonly verifyInclusion?: boolean;
}

/** Where the resolved records stand in the registry's event log (with `verifyInclusion`). */
export interface LogInclusion {
  /** The index of the entry that published the records. */
  readonly index: number;
  /** The size of the signed tree head the entry was proven in. */
  readonly treeSize: number;
}

/** What `resolve` returns: use `endpoint` only when `verified` is true. */
export interface ResolveResult {
  readonly verified: boolean;
  /** Canonical name (or the input, if it did not parse). */
  readonly name: string;
  readonly agentId: string | null;
  readonly endpoint: AgentEndpoint | null;
  readonly facts: AgentFacts | null;
  readonly errors: readonly Problem[];
  /**
   * The facts credential's revocation and suspension status, from the registry's signed status
   * lists read for this call: `good`, `revoked`, `suspended`, or `unchecked` (not read: then the
   * answer is not verified, unless `requireCredential: false` let an answer without credential through).
   */
  readonly status: CredentialStatus;
  /** True when the registry confirmed the cached answer (304): the signatures were not checked again, the status lists were. */
  readonly revalidated: boolean;
  /**
   * True when the cached answer was reused without asking the registry at all: the client's live
   * watch (`watch()`) reported no change of the name since it was verified. The status lists were read.
   */
  readonly watched?: boolean;
  /** With `verifyInclusion`: the log entry that published the records, proven in a signed head. */
  readonly logInclusion?: LogInclusion;
  /**
   * Whether the namespace's proven owner granted the agent's key the name (`proven`) or nobody
   * claimed the namespace (`unclaimed`), as the registry states it; absent from a registry that
   * predates claims, or when the answer did not verify.
   */
  readonly ownership?: Ownership;
}

interface CachedEntry {
  readonly etag: string;
  readonly result: ResolveResult;
  /** The facts credential of the cached answer, whose status is read again on every 304. */
  readonly credential: unknown;
  /** SHA-256 of the answer's countersigned records: what its log entry names. */
  readonly recordDigests: RecordDigests;
  /** After this the answer is not reused even if the registry confirms it (TTL, notAfter, maxCacheMs). */
  readonly expiresAtMs: number;
  /** No change of any name reached the watch while this answer was fetched: the watch may vouch for it. */
  readonly watchable: boolean;
}

export interface WatchOptions {
  /** Every change of the registry's log, after the client dropped the cached answers of its name. */
  readonly onChange?: (change: WatchedChange) => void;
  /** The stream dropped; the watch reconnects by itself and resumes where it stopped. Until then, resolve asks the registry. */
  readonly onDisconnect?: (reason: string) => void;
  /** The first reconnection delay (default 2 s, doubling to 30 s while reconnections fail). */
  readonly reconnectMs?: number;
}

/**
 * The verifying resolver SDK. `resolve` returns an endpoint only after checking both signed
 * records, both countersignatures against the trusted registry key, the facts digest, the
 * validity period, and that the endpoint is one the agent signed.
 *
 * Verification is verifyResolveAnswerFully, the function `signpost resolve`, `signpost verify` and
 * signpost/tls run too: records, countersignatures, digest, validity, endpoint, then the facts VC
 * against the registry's did:web (bound to the pinned key) and its revocation and suspension bits
 * in the signed status lists (cached at most `statusListMaxAgeMs`, 5 s by default, the registry's
 * own max-age).
 *
 * Revocation: every resolve revalidates with the registry by ETag. A confirmed answer (304) costs
 * one small round trip and no signature check, but its status is read again from the status lists:
 * a 304 is not signed, and a proxy could keep answering it after a revocation. A revoked or
 * suspended agent answers 410/403 at once (the registry drops its cached answer in the revoking
 * transaction), so revocation takes effect on the very next resolve instead of after a TTL.
 * Verified answers are cached up to their TTL, `notAfter` and `maxCacheMs`, so signatures are
 * checked once per record version.
 *
 * With `watch()`, the client follows the registry's live watch: a change of a name (a revocation,
 * an update, a rotation) drops its cached answers the moment it arrives, and the application hears
 * of it without resolving. While the watch is live, a cached answer is reused without any request
 * (the status lists are still read, as on a 304: the stream is not signed).
 *
 * Never throws on a refused or unverifiable answer; only programming errors throw.
 */
export class SignpostClient {
  private readonly registry: string;
  private readonly clock: Clock;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly timeoutMs: number;
  private readonly maxCacheMs: number;
  private registryKey: string | undefined;
  private readonly cache = new Map<string, CachedEntry>();
  private readonly requireCredential: boolean;
  private readonly statusReader: CredentialStatusReader;
  /** The last log head this client checked an inclusion against: every later one must extend it. */
  private lastLogHead: TreeHead | undefined;
  private liveWatch: ChangeWatch | undefined;
  /** Changes the watch delivered: an answer fetched while this moved may predate one of them. */
  private changesSeen = 0;

  constructor(options: SignpostClientOptions) {
    if (!URL.canParse(options.registry)) throw new TypeError(`registry must be a URL, got ${options.registry}`);
    this.registry = options.registry.replace(/\/+$/, '');
    this.registryKey = options.registryKey;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.fetchImpl = options.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxCacheMs = options.maxCacheMs ?? 3_600_000;
    this.requireCredential = options.requireCredential ?? true;
    this.statusReader = new CredentialStatusReader({
      registry: this.registry,
      statusListMaxAgeMs: options.statusListMaxAgeMs ?? 5_000,
      timeoutMs: this.timeoutMs,
      ...(this.fetchImpl === undefined ? {} : { fetch: this.fetchImpl }),
    });
  }

  async resolve(name: string, options: ResolveOptions = {}): Promise<ResolveResult> {
    const parsed = parseAgentName(name);
    if (!parsed.ok) return refused(name, parsed.problems);
    const canonical = parsed.value.canonical;
    const registryKey = await this.trustedRegistryKey();
    if (typeof registryKey !== 'string') return refused(canonical, registryKey);

    const url = `${this.registry}/v1/resolve?${query({ name: canonical, ...options.context })}`;
    const now = this.clock.now();
    const cached = this.cache.get(url);
    const reusable = cached !== undefined && cached.expiresAtMs > now ? cached : undefined;
    if (reusable?.watchable && this.liveWatch?.live) {
      const result = await this.revalidated(url, reusable, registryKey, now, 'watched');
      return options.verifyInclusion ? this.withInclusion(result, reusable.recordDigests, registryKey) : result;
    }
    const changesBefore = this.changesSeen;
    const answered = await this.get(url, reusable?.etag);
    if (!answered.ok) return refused(canonical, answered.problems);
    const response = answered.value;

    if (response.status === 304 && reusable) {
      const result = await this.revalidated(url, reusable, registryKey, now);
      return options.verifyInclusion ? this.withInclusion(result, reusable.recordDigests, registryKey) : result;
    }
    if (response.status !== 200) {
      this.cache.delete(url);
      return refused(canonical, problemsOf(response.status, response.body));
    }
    const result = await this.verify(canonical, response.body, registryKey, now);
    if (result.verified && response.etag) this.remember(url, response.etag, result, response.body as ResolveAnswer, now, changesBefore === this.changesSeen);
    else this.cache.delete(url);
    return options.verifyInclusion && result.verified ? this.withInclusion(result, recordDigestsOf(response.body as ResolveAnswer), registryKey) : result;
  }

  /**
   * The verified result, also proven in the registry's log: the entry that published these very
   * records, its inclusion in a head the pinned key signed, and that head's consistency with the
   * last head this client checked. Any failure makes the result unverified.
   */
  private async withInclusion(result: ResolveResult, digests: RecordDigests, registryKey: string): Promise<ResolveResult> {
    if (!result.verified) return result;
    const inclusion = await this.logInclusionOf(result.name, digests, registryKey);
    return inclusion.ok ? { ...result, logInclusion: inclusion.value } : { ...refused(result.name, inclusion.problems), status: result.status };
  }

  private async logInclusionOf(name: string, digests: RecordDigests, registryKey: string): Promise<Result<LogInclusion>> {
    const headAnswer = await this.getOk(`${this.registry}/v1/log/head`);
    if (!headAnswer.ok) return headAnswer;
    const head = checkTreeHead(headAnswer.value, registryKey);
    if (!head.ok) return head;
    const consistent = await this.consistentWithLastHead(head.value);
    if (!consistent.ok) return consistent;
    const proofAnswer = await this.getOk(`${this.registry}/v1/log/proof/inclusion?${query({ record: digests.addr, size: head.value.size })}`);
    if (!proofAnswer.ok) return proofAnswer;
    const proof = proofAnswer.value as InclusionProof;
    const event = parseEvent(proof?.entry);
    if (event?.name !== name || event.records?.addr !== digests.addr || event.records?.facts !== digests.facts) {
      return fail('LOG_PROOF_INVALID', `the log entry the registry offers for ${name} does not publish the resolved records`);
    }
    const included = checkInclusion(proof.entry, proof, head.value);
    if (!included.ok) return included;
    this.lastLogHead = head.value;
    return ok({ index: proof.index, treeSize: head.value.size });
  }

  /** A head is held to the last one this client checked: same size, same hash; larger, a consistency proof. */
  private async consistentWithLastHead(head: TreeHead): Promise<Result<true>> {
    const last = this.lastLogHead;
    if (last === undefined || last.size === 0) return ok(true);
    if (last.size >= head.size) {
      return last.size === head.size && last.rootHash === head.rootHash ? ok(true) : fail('LOG_INCONSISTENT', `the log's head of ${head.size} entries does not extend the one of ${last.size} this client checked`);
    }
    const proof = await this.getOk(`${this.registry}/v1/log/proof/consistency?${query({ first: last.size, second: head.size })}`);
    return proof.ok ? checkConsistency(last, head, (proof.value as { proof: string[] }).proof) : proof;
  }

  /** A 200 answer's body, or what went wrong. */
  private async getOk(url: string): Promise<Result<unknown>> {
    const answer = await this.get(url);
    if (!answer.ok) return answer;
    return answer.value.status === 200 ? ok(answer.value.body) : failWith(problemsOf(answer.value.status, answer.value.body));
  }

  /** Forget cached answers (all, or those of one name). */
  invalidate(name?: string): void {
    if (name === undefined) return this.cache.clear();
    const parsed = parseAgentName(name);
    const marker = `name=${encodeURIComponent(parsed.ok ? parsed.value.canonical : name)}`;
    // The marker ends at the next parameter or the URL's end: agent://a/x is not agent://a/xy.
    for (const key of this.cache.keys()) if (key.includes(`?${marker}&`) || key.endsWith(`?${marker}`)) this.cache.delete(key);
  }

  /** Drop the cached answers of every name under a namespace. */
  invalidateNamespace(namespace: string): void {
    const marker = `name=${encodeURIComponent(`agent://${namespace}/`)}`;
    for (const key of this.cache.keys()) if (key.includes(`?${marker}`)) this.cache.delete(key);
  }

  private async verify(name: string, answer: unknown, registryKey: string, now: number): Promise<ResolveResult> {
    const check = await verifyResolveAnswerFully(answer, { registryKey, expectedName: name, nowMs: now, requireCredential: this.requireCredential }, this.statusReader);
    const document = answer as Partial<ResolveAnswer>;
    const verified = check.verified;
    return {
      verified,
      name,
      // From the signed AgentAddr: the answer's top-level agentId is a convenience copy nobody signed.
      agentId: verified ? (document.addr?.payload.agentId ?? null) : null,
      endpoint: verified ? (document.endpoint ?? null) : null,
      facts: verified ? (document.facts?.payload ?? null) : null,
      errors: check.errors,
      status: check.status,
      revalidated: false,
      ...(verified && document.ownership !== undefined ? { ownership: document.ownership } : {}),
    };
  }

  /** A 304 (or the live watch) confirms the records; the status lists still decide whether they may be used now. */
  private async revalidated(url: string, cached: CachedEntry, registryKey: string, now: number, by: 'registry' | 'watched' = 'registry'): Promise<ResolveResult> {
    const confirmed = by === 'registry' ? { revalidated: true } : { revalidated: false, watched: true };
    if (cached.credential === undefined) return { ...cached.result, ...confirmed };
    const status = await this.statusReader.recheck(cached.credential, registryKey, now);
    if (status.status === 'good' && status.errors.length === 0) return { ...cached.result, status: 'good', ...confirmed };
    this.cache.delete(url);
    return { ...refused(cached.result.name, status.errors), status: status.status };
  }

  private remember(url: string, etag: string, result: ResolveResult, answer: ResolveAnswer, now: number, watchable: boolean): void {
    const notAfter = parseUtcSeconds(answer.addr.payload.notAfter) ?? now;
    const expiresAtMs = Math.min(now + answer.addr.payload.ttl * 1000, notAfter, now + this.maxCacheMs);
    this.cache.set(url, { etag, result, credential: answer.credential, recordDigests: recordDigestsOf(answer), expiresAtMs, watchable });
  }

  /**
   * Follow the registry's live watch (GET /v1/watch) until `close()`: each change drops the cached
   * answers of its name at once, then reaches `onChange`. The first connection starts at the live
   * edge and drops the whole cache (an answer from before may predate a change); reconnections
   * resume where the last stream stopped, so none is missed. One watch per client: calling again
   * returns the running one.
   */
  watch(options: WatchOptions = {}): ChangeWatch {
    this.liveWatch ??= new ChangeWatch({
      registry: this.registry,
      clock: this.clock,
      ...(this.fetchImpl === undefined ? {} : { fetch: this.fetchImpl }),
      ...(options.reconnectMs === undefined ? {} : { reconnectMs: options.reconnectMs }),
      onConnect: ({ fromLiveEdge }) => {
        if (!fromLiveEdge) return;
        // Answers from before may predate a change the stream will not replay; so may those in flight.
        this.cache.clear();
        this.changesSeen++;
      },
      onChange: (change) => {
        this.changesSeen++;
        if (typeof change.event.name === 'string') this.invalidate(change.event.name);
        // A claim of a namespace changes which of its names answer: drop them all.
        if (typeof change.event.namespace === 'string') this.invalidateNamespace(change.event.namespace);
        options.onChange?.(change);
      },
      ...(options.onDisconnect ? { onDisconnect: options.onDisconnect } : {}),
    });
    return this.liveWatch;
  }

  /** Stop the live watch, if one runs; resolve then asks the registry every time again. */
  async unwatch(): Promise<void> {
    const watch = this.liveWatch;
    this.liveWatch = undefined;
    await watch?.close();
  }

  /** The key given, or the one the registry presents on first contact; a small-order key is never trusted (KEY_WEAK). */
  private async trustedRegistryKey(): Promise<string | readonly Problem[]> {
    if (this.registryKey !== undefined) {
      const weak = didKeyProblem(this.registryKey, '/registryKey');
      return weak === undefined ? this.registryKey : [weak];
    }
    const response = await this.get(`${this.registry}/v1/registry`);
    if (!response.ok) return response.problems;
    const identity = response.value.body as Partial<RegistryIdentity> | undefined;
    if (response.value.status !== 200 || typeof identity?.id !== 'string') return [problem('REGISTRY_BAD_RESPONSE', 'the registry did not say which key it signs with')];
    const weak = didKeyProblem(identity.id, '/id');
    if (weak !== undefined) return [weak];
    this.registryKey = identity.id;
    return identity.id;
  }

  private get(url: string, etag?: string): Promise<Result<RegistryAnswer>> {
    return callRegistry(url, 'GET', undefined, { timeoutMs: this.timeoutMs, ...(this.fetchImpl === undefined ? {} : { fetch: this.fetchImpl }), ...(etag ? { headers: { 'if-none-match': etag } } : {}) });
  }
}

function refused(name: string, errors: readonly Problem[]): ResolveResult {
  return { verified: false, name, agentId: null, endpoint: null, facts: null, errors, status: 'unchecked', revalidated: false };
}

interface RecordDigests {
  readonly addr: string;
  readonly facts: string;
}

function recordDigestsOf(answer: ResolveAnswer): RecordDigests {
  return { addr: canonicalSha256Hex(answer.addr), facts: canonicalSha256Hex(answer.facts) };
}

function parseEvent(text: unknown): { name?: unknown; records?: { addr?: unknown; facts?: unknown } } | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as { name?: unknown; records?: { addr?: unknown; facts?: unknown } };
  } catch {
    return undefined;
  }
}
