import { fail, problem, type Problem } from '../core/errors.js';
import { parseAgentName } from '../core/name/index.js';
import type { Clock } from '../core/ports.js';
import { parseUtcSeconds } from '../core/record/agent-addr.js';
import type { AgentEndpoint, AgentFacts } from '../core/record/types.js';
import type { RequesterContext } from '../core/resolve/choose-endpoint.js';
import { problemsOf, query, type RegistryIdentity, type ResolveAnswer } from './registry-client.js';
import { checkFactsCredential, StatusListCache, trustedIssuerOf, type TrustedIssuer } from './credential-checks.js';
import { verifyResolveAnswer } from './verify-answer.js';

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
   * true; turn off only for registries that issue no credentials.
   */
  readonly requireCredential?: boolean;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
}

export interface ResolveOptions {
  readonly context?: RequesterContext;
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
  /** True when the registry confirmed the cached answer (304) and no verification was redone. */
  readonly revalidated: boolean;
}

interface CachedEntry {
  readonly etag: string;
  readonly result: ResolveResult;
  /** After this the answer is not reused even if the registry confirms it (TTL, notAfter, maxCacheMs). */
  readonly expiresAtMs: number;
}

/**
 * The verifying resolver SDK. `resolve` returns an endpoint only after checking both signed
 * records, both countersignatures against the trusted registry key, the facts digest, the
 * validity period, and that the endpoint is one the agent signed.
 *
 * Revocation: every resolve revalidates with the registry by ETag. A confirmed answer (304) costs
 * one small round trip and no verification; a revoked or suspended agent answers 410/403 at
 * once (the registry drops its cached answer in the revoking transaction), so revocation takes
 * effect on the very next resolve instead of after a TTL. Verified answers are cached up to
 * their TTL, `notAfter` and `maxCacheMs`, so signatures are checked once per record version.
 *
 * Credentials: each fresh answer's facts VC is verified against the registry's did:web (bound to
 * the pinned key), and its revocation and suspension bits are read from the signed status lists
 * (cached at most `statusListMaxAgeMs`, 5 s by default, the registry's own max-age).
 *
 * Never throws on a refused or unverifiable answer; only programming errors throw.
 */
export class SignpostClient {
  private readonly registry: string;
  private readonly clock: Clock;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxCacheMs: number;
  private registryKey: string | undefined;
  private readonly cache = new Map<string, CachedEntry>();
  private readonly requireCredential: boolean;
  private readonly statusLists: StatusListCache;
  private issuer: TrustedIssuer | undefined;

  constructor(options: SignpostClientOptions) {
    if (!URL.canParse(options.registry)) throw new TypeError(`registry must be a URL, got ${options.registry}`);
    this.registry = options.registry.replace(/\/+$/, '');
    this.registryKey = options.registryKey;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxCacheMs = options.maxCacheMs ?? 3_600_000;
    this.requireCredential = options.requireCredential ?? true;
    this.statusLists = new StatusListCache((url) => this.get(url), options.statusListMaxAgeMs ?? 5_000);
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
    const response = await this.get(url, reusable?.etag);
    if ('problems' in response) return refused(canonical, response.problems);

    if (response.status === 304 && reusable) return { ...reusable.result, revalidated: true };
    if (response.status !== 200) {
      this.cache.delete(url);
      return refused(canonical, problemsOf(response.status, response.body));
    }
    const result = await this.verify(canonical, response.body, registryKey, now);
    if (result.verified && response.etag) this.remember(url, response.etag, result, response.body as ResolveAnswer, now);
    else this.cache.delete(url);
    return result;
  }

  /** Forget cached answers (all, or those of one name). */
  invalidate(name?: string): void {
    if (name === undefined) return this.cache.clear();
    const parsed = parseAgentName(name);
    const marker = `name=${encodeURIComponent(parsed.ok ? parsed.value.canonical : name)}`;
    for (const key of this.cache.keys()) if (key.includes(marker)) this.cache.delete(key);
  }

  private async verify(name: string, answer: unknown, registryKey: string, now: number): Promise<ResolveResult> {
    const check = verifyResolveAnswer(answer, { registryDid: registryKey, expectedName: name, nowMs: now });
    const document = answer as Partial<ResolveAnswer> & { credential?: unknown };
    const errors = [...check.errors];
    if (check.verified && this.requireCredential) {
      const issuer = await this.trustedIssuer(registryKey);
      if (Array.isArray(issuer)) errors.push(...(issuer as Problem[]));
      else errors.push(...(await checkFactsCredential(document.credential, document.addr!.payload.factsSha256, issuer as TrustedIssuer, this.statusLists, now)));
    }
    const verified = errors.length === 0;
    return {
      verified,
      name,
      agentId: verified ? (document.agentId ?? null) : null,
      endpoint: verified ? (document.endpoint ?? null) : null,
      facts: verified ? (document.facts?.payload ?? null) : null,
      errors,
      revalidated: false,
    };
  }

  /** The registry's credential issuer, fetched once and bound to the pinned key. */
  private async trustedIssuer(registryKey: string): Promise<TrustedIssuer | readonly Problem[]> {
    if (this.issuer) return this.issuer;
    const issuer = await trustedIssuerOf(this.registry, registryKey, (url) => this.get(url));
    if (!Array.isArray(issuer)) this.issuer = issuer as TrustedIssuer;
    return issuer;
  }

  private remember(url: string, etag: string, result: ResolveResult, answer: ResolveAnswer, now: number): void {
    const notAfter = parseUtcSeconds(answer.addr.payload.notAfter) ?? now;
    const expiresAtMs = Math.min(now + answer.addr.payload.ttl * 1000, notAfter, now + this.maxCacheMs);
    this.cache.set(url, { etag, result, expiresAtMs });
  }

  private async trustedRegistryKey(): Promise<string | readonly Problem[]> {
    if (this.registryKey !== undefined) return this.registryKey;
    const response = await this.get(`${this.registry}/v1/registry`);
    if ('problems' in response) return response.problems;
    const identity = response.body as Partial<RegistryIdentity> | undefined;
    if (response.status !== 200 || typeof identity?.id !== 'string') return [problem('REGISTRY_BAD_RESPONSE', 'the registry did not say which key it signs with')];
    this.registryKey = identity.id;
    return identity.id;
  }

  private async get(url: string, etag?: string): Promise<{ status: number; body: unknown; etag: string | null } | { problems: readonly Problem[] }> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: etag ? { accept: 'application/json', 'if-none-match': etag } : { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const failed = fail('REGISTRY_UNREACHABLE', `${url}: ${error instanceof Error ? error.message : String(error)}`);
      return { problems: failed.ok ? [] : failed.problems };
    }
    const body = response.status === 304 ? undefined : await response.json().catch(() => undefined);
    return { status: response.status, body, etag: response.headers.get('etag') };
  }
}

function refused(name: string, errors: readonly Problem[]): ResolveResult {
  return { verified: false, name, agentId: null, endpoint: null, facts: null, errors, revalidated: false };
}

