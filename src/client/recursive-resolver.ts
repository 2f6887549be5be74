/**
 * The recursive resolver (spec section 22), as a library: it starts at configured root registries
 * and follows referrals, like a DNS resolver follows NS records from the root. The split is Knot
 * Resolver's: this driver decides *when* (which registry next, the limits, the cache), the checks
 * decide *how* (checkReferral, verifyResolveAnswerFully). Every hop is verified: a referral must be
 * signed by the namespace's owner and countersigned by the registry that gave it, and the next
 * registry's answers must carry the key the delegation names. Limits are the driver's: at most
 * `maxReferrals` referrals, no registry asked twice for one name (a loop), an overall deadline
 * measured on the injected clock. Answers are cached by their TTL, referrals by theirs, refusals
 * that say the name does not exist for `negativeTtlMs`; `explain` is the path taken.
 */
import type { Problem } from '../core/errors.js';
import { problem } from '../core/errors.js';
import { parseAgentName } from '../core/name/index.js';
import { subtreeHolds } from '../core/record/namespace-claim.js';
import type { AgentEndpoint } from '../core/record/types.js';
import { namespaceAndPath, type Ownership } from '../core/registry/namespace-claims.js';
import type { RequesterContext } from '../core/resolve/choose-endpoint.js';
import { REFERRAL_TTL_SECONDS } from '../core/resolve/resolution-pipeline.js';
import { CredentialStatusReader, type CredentialStatus } from './credential-checks.js';
import { checkReferral, isReferral } from './referral.js';
import { RegistryClient, type ResolveAnswer } from './registry-client.js';
import { verifyResolveAnswerFully } from './verify-answer-fully.js';

/** A registry to start from: its URL and the key its answers must be countersigned with. */
export interface RegistryHint {
  readonly url: string;
  readonly registryKey: string;
}

export interface RecursiveResolverOptions {
  /** Asked in order: the next one when one cannot be reached. */
  readonly roots: readonly RegistryHint[];
  readonly clock?: { now(): number };
  readonly fetch?: typeof fetch;
  /** Most referrals followed for one name (default 8). */
  readonly maxReferrals?: number;
  /** The whole resolution, every hop included (default 5,000 ms, on `clock`). */
  readonly deadlineMs?: number;
  /** Per request to one registry (default 3,000 ms). */
  readonly requestTimeoutMs?: number;
  /** How long "this name does not exist" is remembered (default 30 s). */
  readonly negativeTtlMs?: number;
  /** Most answers and referrals cached (default 10,000; the oldest goes first). */
  readonly maxCacheEntries?: number;
  /** How long a registry's status list is reused (default 5 s, the registries' max-age). */
  readonly statusListMaxAgeMs?: number;
}

/** One step of a resolution: which registry was asked (or which cached result used), and what came of it. */
export interface TraceStep {
  readonly registry: string;
  readonly registryKey: string;
  readonly outcome: 'answer' | 'referral' | 'refused' | 'unreachable';
  /** Answered from the resolver's cache, without asking. */
  readonly cached: boolean;
  /** For a referral: where it points (`<subtree> -> <url>`); for a refusal: its code. */
  readonly detail?: string;
}

export interface RecursiveResult {
  readonly verified: boolean;
  readonly name: string;
  readonly agentId: string | null;
  readonly endpoint: AgentEndpoint | null;
  readonly status: CredentialStatus;
  readonly ownership?: Ownership;
  /** The registry that answered for the name (its records are countersigned by its key). */
  readonly authority: RegistryHint | null;
  /** The answer as that registry gave it (verified when `verified`). */
  readonly answer: ResolveAnswer | null;
  readonly errors: readonly Problem[];
  readonly trace: readonly TraceStep[];
}

interface CachedReferral {
  readonly kind: 'referral';
  /** The namespace and subtree the delegation covers. */
  readonly namespace: string;
  readonly subtree: string;
  readonly to: RegistryHint;
  readonly from: RegistryHint;
  readonly expiresAtMs: number;
}

interface CachedResult {
  readonly kind: 'result';
  readonly result: RecursiveResult;
  readonly expiresAtMs: number;
}

const REFERRAL_TTL_MS = REFERRAL_TTL_SECONDS * 1000;

export class RecursiveResolver {
  private readonly roots: readonly RegistryHint[];
  private readonly clock: { now(): number };
  private readonly maxReferrals: number;
  private readonly deadlineMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly requestTimeoutMs: number;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly statusListMaxAgeMs: number | undefined;
  /** Answers by name and context; referrals by `namespace/subtree`. Insertion order is age. */
  private readonly cache = new Map<string, CachedResult | CachedReferral>();
  private readonly statusReaders = new Map<string, CredentialStatusReader>();

  constructor(options: RecursiveResolverOptions) {
    if (options.roots.length === 0) throw new RangeError('a recursive resolver needs at least one root registry');
    this.roots = options.roots;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.maxReferrals = options.maxReferrals ?? 8;
    this.deadlineMs = options.deadlineMs ?? 5_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 30_000;
    this.maxCacheEntries = options.maxCacheEntries ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 3_000;
    this.fetchImpl = options.fetch;
    this.statusListMaxAgeMs = options.statusListMaxAgeMs;
  }

  async resolve(name: string, context: RequesterContext = {}): Promise<RecursiveResult> {
    const parsed = parseAgentName(name);
    if (!parsed.ok) return failed(name, parsed.problems, []);
    const canonical = parsed.value.canonical;
    const started = this.clock.now();
    const key = `answer ${JSON.stringify([canonical, context])}`;
    const hit = this.fresh(key, started);
    if (hit?.kind === 'result') return this.reuse(key, hit.result, started);

    const trace: TraceStep[] = [];
    const asked = new Set<string>();
    // Start at the deepest cached referral for the name, else at the roots.
    const cut = this.closestReferral(canonical, started);
    let servers: readonly RegistryHint[] = cut === undefined ? this.roots : [cut.to];
    if (cut !== undefined) trace.push({ registry: cut.from.url, registryKey: cut.from.registryKey, outcome: 'referral', cached: true, detail: `${cut.subtree || '*'} -> ${cut.to.url}` });
    let covered = cut === undefined ? undefined : { namespace: cut.namespace, subtree: cut.subtree };
    for (let referrals = 0; ; ) {
      if (this.clock.now() - started > this.deadlineMs) return failed(canonical, [problem('RESOLUTION_DEADLINE', `resolving ${canonical} took longer than ${this.deadlineMs} ms`)], trace);
      const reached = await this.askFirst(servers, canonical, context, asked, trace);
      if (!reached.ok) return failed(canonical, reached.problems, trace);
      const { server, answer } = reached;
      if (!isReferral(answer)) return this.finish(key, canonical, server, answer, trace);

      const delegation = checkReferral(answer, canonical, server.registryKey);
      if (!delegation.ok) {
        trace.push({ registry: server.url, registryKey: server.registryKey, outcome: 'refused', cached: false, detail: delegation.problems[0]!.code });
        return failed(canonical, delegation.problems, trace);
      }
      const next = { url: delegation.value.registry.url, registryKey: delegation.value.registry.id };
      trace.push({ registry: server.url, registryKey: server.registryKey, outcome: 'referral', cached: false, detail: `${delegation.value.subtree || '*'} -> ${next.url}` });
      // A referral must descend: a delegate that refers the same or a wider subtree does not serve it.
      const { namespace } = namespaceAndPath(canonical);
      if (covered !== undefined && covered.namespace === namespace && !descends(covered.subtree, delegation.value.subtree)) {
        return failed(canonical, [problem('DELEGATION_LAME', `${server.url} was delegated ${covered.subtree || '*'} of ${namespace} but refers ${delegation.value.subtree || '*'} onward instead of answering`)], trace);
      }
      covered = { namespace, subtree: delegation.value.subtree };
      this.remember(`referral ${namespace}/${delegation.value.subtree}`, { kind: 'referral', namespace, subtree: delegation.value.subtree, to: next, from: server, expiresAtMs: this.clock.now() + REFERRAL_TTL_MS });
      referrals += 1;
      if (referrals > this.maxReferrals) return failed(canonical, [problem('RESOLUTION_TOO_DEEP', `${canonical} needs more than ${this.maxReferrals} referrals`)], trace);
      servers = [next];
    }
  }

  /** The path `resolve` takes for a name, as readable lines (`signpost resolve --trace`). */
  static explain(result: RecursiveResult): string[] {
    return result.trace.map((step, i) => `${i + 1}. ${step.registry} (${step.registryKey})${step.cached ? ' [cached]' : ''}: ${step.outcome}${step.detail ? ` ${step.detail}` : ''}`);
  }

  /** Drop every cached answer and referral. */
  clear(): void {
    this.cache.clear();
  }

  /** Ask the servers in order until one answers; a loop or no answer at all is a problem. */
  private async askFirst(
    servers: readonly RegistryHint[],
    canonical: string,
    context: RequesterContext,
    asked: Set<string>,
    trace: TraceStep[],
  ): Promise<{ ok: true; server: RegistryHint; answer: ResolveAnswer } | { ok: false; problems: readonly Problem[] }> {
    let last: readonly Problem[] = [];
    for (const server of servers) {
      const id = `${server.url} ${server.registryKey}`;
      if (asked.has(id)) return { ok: false, problems: [problem('DELEGATION_LOOP', `the referrals for ${canonical} lead back to ${server.url}, asked before`)] };
      asked.add(id);
      const client = new RegistryClient(server.url, { timeoutMs: this.requestTimeoutMs, ...(this.fetchImpl === undefined ? {} : { fetch: this.fetchImpl }) });
      const answered = await client.resolve(canonical, context);
      if (answered.ok) return { ok: true, server, answer: answered.value };
      const code = answered.problems[0]!.code;
      if (code === 'REGISTRY_UNREACHABLE' || code === 'REGISTRY_BAD_RESPONSE') {
        trace.push({ registry: server.url, registryKey: server.registryKey, outcome: 'unreachable', cached: false, detail: code });
        // A delegate that cannot be reached is lame; a root that cannot is skipped for the next.
        last = servers === this.roots ? answered.problems : [problem('DELEGATION_LAME', `${server.url}, the registry delegated ${canonical}, did not answer: ${answered.problems[0]!.detail}`)];
        continue;
      }
      trace.push({ registry: server.url, registryKey: server.registryKey, outcome: 'refused', cached: false, detail: code });
      const result = failed(canonical, answered.problems, trace, server);
      if (code === 'AGENT_NOT_FOUND') this.remember(`answer ${JSON.stringify([canonical, context])}`, { kind: 'result', result, expiresAtMs: this.clock.now() + this.negativeTtlMs });
      return { ok: false, problems: answered.problems };
    }
    return { ok: false, problems: last };
  }

  /** Verify the authoritative answer with the key the chain led to; a delegate answering with another key is lame. */
  private async finish(key: string, canonical: string, server: RegistryHint, answer: ResolveAnswer, trace: TraceStep[]): Promise<RecursiveResult> {
    const countersigner = (answer as Partial<ResolveAnswer>).addr?.countersig?.by;
    if (countersigner !== undefined && countersigner !== server.registryKey) {
      trace.push({ registry: server.url, registryKey: server.registryKey, outcome: 'refused', cached: false, detail: 'DELEGATION_LAME' });
      return failed(canonical, [problem('DELEGATION_LAME', `${server.url} answered with records countersigned by ${countersigner}, not ${server.registryKey} as the delegation says`)], trace, server);
    }
    const reader = this.statusReaderFor(server.url);
    const check = await verifyResolveAnswerFully(answer, { registryKey: server.registryKey, expectedName: canonical, nowMs: this.clock.now() }, reader);
    trace.push({ registry: server.url, registryKey: server.registryKey, outcome: check.verified ? 'answer' : 'refused', cached: false, ...(check.verified ? {} : { detail: check.errors[0]?.code ?? 'NOT_VERIFIED' }) });
    const result: RecursiveResult = {
      verified: check.verified,
      name: canonical,
      agentId: check.verified ? answer.addr.payload.agentId : null,
      endpoint: check.verified ? answer.endpoint : null,
      status: check.status,
      ...(check.verified && answer.ownership !== undefined ? { ownership: answer.ownership } : {}),
      authority: server,
      answer,
      errors: check.errors,
      trace: [...trace],
    };
    if (check.verified) this.remember(key, { kind: 'result', result, expiresAtMs: this.clock.now() + answer.addr.payload.ttl * 1000 });
    return result;
  }

  /**
   * A cached result, said to come from the cache. A verified answer is reused only while the
   * registry's signed status lists still say good (read through the status reader, which keeps a
   * list for 5 s): a revocation is never hidden behind a record's TTL.
   */
  private async reuse(key: string, cached: RecursiveResult, now: number): Promise<RecursiveResult> {
    const last = cached.trace.at(-1);
    const result = { ...cached, trace: last === undefined ? [] : [{ ...last, cached: true }] };
    if (!cached.verified || cached.authority === null || cached.answer?.credential === undefined) return result;
    const status = await this.statusReaderFor(cached.authority.url).recheck(cached.answer.credential, cached.authority.registryKey, now);
    if (status.status === 'good' && status.errors.length === 0) return result;
    this.cache.delete(key);
    return { ...failed(cached.name, status.errors, result.trace, cached.authority), status: status.status };
  }

  private closestReferral(canonical: string, now: number): CachedReferral | undefined {
    const { namespace, path } = namespaceAndPath(canonical);
    // Deepest first: the subtree of n labels, n-1, …, the whole namespace.
    for (let depth = path.length - 1; depth >= 0; depth -= 1) {
      const subtree = path.slice(0, depth).join('/');
      const cached = this.fresh(`referral ${namespace}/${subtree}`, now);
      if (cached?.kind === 'referral' && subtreeHolds(cached.subtree, path)) return cached;
    }
    return undefined;
  }

  private fresh(key: string, now: number): CachedResult | CachedReferral | undefined {
    const entry = this.cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > now) return entry;
    this.cache.delete(key);
    return undefined;
  }

  private remember(key: string, entry: CachedResult | CachedReferral): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > this.maxCacheEntries) this.cache.delete(this.cache.keys().next().value!);
  }

  private statusReaderFor(url: string): CredentialStatusReader {
    let reader = this.statusReaders.get(url);
    if (reader === undefined) {
      reader = new CredentialStatusReader({
        registry: url,
        ...(this.fetchImpl === undefined ? {} : { fetch: this.fetchImpl }),
        ...(this.statusListMaxAgeMs === undefined ? {} : { statusListMaxAgeMs: this.statusListMaxAgeMs }),
      });
      this.statusReaders.set(url, reader);
    }
    return reader;
  }
}

/** Whether `deeper` lies strictly inside `subtree` (`billing/eu` inside `billing`, anything inside ``). */
function descends(subtree: string, deeper: string): boolean {
  if (deeper === subtree) return false;
  return subtree === '' || deeper.startsWith(`${subtree}/`);
}

/** A resolution that found no verified answer, with the path it took. */
export function failed(name: string, errors: readonly Problem[], trace: readonly TraceStep[], authority?: RegistryHint): RecursiveResult {
  return { verified: false, name, agentId: null, endpoint: null, status: 'unchecked', authority: authority ?? null, answer: null, errors, trace: [...trace] };
}
