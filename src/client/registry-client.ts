import { fail, failWith, isErrorCode, ok, problem, type Problem, type Result } from '../core/errors.js';
import type { Deployment } from '../core/record/deployment.js';
import type { BoundaryCrossing } from '../core/record/boundary-crossing.js';
import type { NamespaceClaim } from '../core/record/namespace-claim.js';
import type { StoredNamespaceClaim } from '../core/ports.js';
import type { Ownership } from '../core/registry/namespace-claims.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import { fetchExchange, nodeHttpExchange, readBodyCapped, type HttpAnswer } from './http-exchange.js';
import type { RequesterContext } from '../core/resolve/choose-endpoint.js';
import type { LogEntry } from '../core/log/log-event.js';
import type { ConsistencyProof, TreeHead } from '../core/log/transparency-log.js';
import type {
  AgentAddr,
  AgentEndpoint,
  AgentFacts,
  AgentStatusChange,
  AgentTombstone,
  CapabilityGrant,
  CertificateRequest,
  CountersignedRecord,
  KeyRotation,
  SignedRecord,
} from '../core/record/types.js';

export interface RegistryIdentity {
  readonly id: string;
  readonly publicKeyJwk: { kty: string; crv: string; x: string };
  readonly software: string;
  readonly version: string;
  /** SHA-256 of the registry CA certificate, when the registry runs one. */
  readonly caFingerprintSha256?: string;
}

/** A capability certificate as POST /v1/certificates answers it (PEM, times as ISO strings). */
export interface IssuedCertificateAnswer {
  readonly certificate: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly agentName: string;
  readonly capabilities: readonly string[];
  readonly fingerprintSha256: string;
  readonly caCertificate: string;
}

export interface ResolveAnswer {
  readonly name: string;
  readonly agentId: string;
  readonly endpoint: AgentEndpoint | null;
  readonly context: RequesterContext;
  readonly addr: CountersignedRecord<AgentAddr>;
  readonly facts: CountersignedRecord<AgentFacts>;
  /** The registry's Verifiable Credential over the facts, with its revocation and suspension status entries. */
  readonly credential?: unknown;
  /** What the registry states about the name's namespace (spec section 21): not signed by the owner; its signed claim is at /v1/namespaces/<namespace>. */
  readonly ownership?: Ownership;
  readonly registry: { id: string };
}

export interface AgentRecordAnswer {
  readonly name: string;
  readonly agentId: string;
  readonly seq: number;
  readonly updatedAt: string;
  readonly addr: CountersignedRecord<AgentAddr>;
  readonly facts?: CountersignedRecord<AgentFacts>;
  /** The key rotations of the name, oldest first (absent when it never rotated). */
  readonly rotations?: readonly CountersignedRecord<KeyRotation>[];
}

export interface SearchAnswer {
  readonly items: readonly {
    name: string;
    agentId: string;
    label?: string;
    description?: string;
    protocols: string[];
    capabilities: string[];
    seq: number;
    updatedAt: string;
  }[];
  readonly nextCursor: string | null;
}

export interface SearchParams {
  readonly q?: string;
  readonly capability?: string;
  readonly protocol?: string;
  /** Only this namespace's agents (exact). */
  readonly namespace?: string;
  readonly certification?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** A failed call keeps the HTTP status and any extension members (e.g. the tombstone of a 410). */
export interface CallFailure {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/**
 * A thin HTTP client of the registry API. It moves bytes and parses answers; it does not decide
 * whether to trust them (see verifyAgentRecords). Every method returns a Result, never throws on
 * a refusal or a network failure.
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly callOptions: RegistryCallOptions;
  lastFailure: CallFailure | undefined;
  /** HTTP status of the last answer (e.g. 201 created vs 200 replaced). */
  lastStatus: number | undefined;

  constructor(baseUrl: string, options: { timeoutMs?: number; fetch?: typeof fetch } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.callOptions = { timeoutMs: options.timeoutMs ?? 10_000, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
  }

  identity(): Promise<Result<RegistryIdentity>> {
    return this.call('GET', '/v1/registry');
  }

  /** Register, update, or (with `rotation`) move the name to a new key. */
  register(registration: { addr: SignedRecord<AgentAddr>; facts: SignedRecord<AgentFacts>; rotation?: SignedRecord<KeyRotation> }): Promise<Result<AgentRecordAnswer>> {
    return this.call('POST', '/v1/agents', registration);
  }

  agent(name: string): Promise<Result<AgentRecordAnswer>> {
    return this.call('GET', `/v1/agents/${encodeURIComponent(name)}`);
  }

  /** Claim a namespace, or restate its grants, with a NamespaceClaim signed by the owner key (spec section 21). */
  claimNamespace(claim: SignedRecord<NamespaceClaim>): Promise<Result<StoredNamespaceClaim>> {
    return this.call('PUT', `/v1/namespaces/${encodeURIComponent(claim.payload.namespace)}`, claim);
  }

  /** Publish the instances an agent runs now (a Deployment signed by its key, spec section 23). */
  publishDeployment(deployment: SignedRecord<Deployment>): Promise<Result<{ name: string; seq: number; deployment: CountersignedRecord<Deployment> }>> {
    return this.call('PUT', `/v1/agents/${encodeURIComponent(deployment.payload.name)}/deployment`, deployment);
  }

  /** Log a boundary crossing in this (home) registry's event log; signed by a resolver key it takes audit records from. */
  reportBoundaryCrossing(record: SignedRecord<BoundaryCrossing>): Promise<Result<{ index: number }>> {
    return this.call('POST', '/v1/audit/boundary-crossings', record);
  }

  /** The stored claim of a namespace (NAMESPACE_CLAIM_NOT_FOUND when nobody claimed it). */
  namespaceClaim(namespace: string): Promise<Result<StoredNamespaceClaim>> {
    return this.call('GET', `/v1/namespaces/${encodeURIComponent(namespace)}`);
  }

  /** Store a third-party certification credential about the agent (201 new, 200 replaced; see lastStatus). */
  submitCertification<T = unknown>(name: string, credential: unknown): Promise<Result<T>> {
    return this.call('POST', `/v1/agents/${encodeURIComponent(name)}/certifications`, credential);
  }

  /** The agent's stored certification credentials, each verified again by the registry now. */
  certifications<T = unknown>(name: string): Promise<Result<T>> {
    return this.call('GET', `/v1/agents/${encodeURIComponent(name)}/certifications`);
  }

  /** The agent's current AgentFacts, countersigned. */
  facts(name: string): Promise<Result<CountersignedRecord<AgentFacts>>> {
    return this.call('GET', `/v1/agents/${encodeURIComponent(name)}/facts`);
  }

  deregister(name: string, tombstone: SignedRecord<AgentTombstone>): Promise<Result<{ name: string; tombstone: CountersignedRecord<AgentTombstone> }>> {
    return this.call('DELETE', `/v1/agents/${encodeURIComponent(name)}`, tombstone);
  }

  changeStatus(
    name: string,
    change: SignedRecord<AgentStatusChange>,
  ): Promise<Result<{ name: string; state: string; statusChange: CountersignedRecord<AgentStatusChange> }>> {
    return this.call('POST', `/v1/agents/${encodeURIComponent(name)}/revoke`, change);
  }

  grantCapabilities(
    name: string,
    grant: SignedRecord<CapabilityGrant>,
  ): Promise<Result<{ name: string; capabilities: string[]; grant: CountersignedRecord<CapabilityGrant> }>> {
    return this.call('POST', `/v1/agents/${encodeURIComponent(name)}/capabilities`, grant);
  }

  issueCertificate(request: SignedRecord<CertificateRequest>): Promise<Result<IssuedCertificateAnswer>> {
    return this.call('POST', '/v1/certificates', request);
  }

  certificateAuthority(): Promise<Result<{ certificate: string; fingerprintSha256: string }>> {
    return this.call('GET', '/v1/certificates/ca');
  }

  resolve(name: string, context: RequesterContext = {}): Promise<Result<ResolveAnswer>> {
    return this.call('GET', `/v1/resolve?${query({ name, ...context })}`);
  }

  search(params: SearchParams): Promise<Result<SearchAnswer>> {
    return this.call('GET', `/v1/search?${query(params)}`);
  }

  /** The signed head of the registry's event log. */
  logHead(): Promise<Result<SignedRecord<TreeHead>>> {
    return this.call('GET', '/v1/log/head');
  }

  /** Entries [start, end) of the event log (the registry returns at most 1,000 at a time). */
  logEntries(start: number, end: number): Promise<Result<{ entries: LogEntry[] }>> {
    return this.call('GET', `/v1/log/entries?${query({ start, end })}`);
  }

  /** The consistency proof from the log of `first` entries to the one of `second`. */
  logConsistency(first: number, second: number): Promise<Result<ConsistencyProof>> {
    return this.call('GET', `/v1/log/proof/consistency?${query({ first, second })}`);
  }

  /** The factsUrl the registry serves for a name. */
  factsUrl(name: string): string {
    return `${this.baseUrl}/v1/agents/${encodeURIComponent(name)}/facts`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
    this.lastFailure = undefined;
    const answer = await callRegistry(this.baseUrl + path, method, body, this.callOptions);
    if (!answer.ok) return answer;
    const { status, body: parsed } = answer.value;
    this.lastStatus = status;
    if (status >= 200 && status < 300 && parsed !== undefined) return ok(parsed as T);
    this.lastFailure = { status, body: parsed as Record<string, unknown> | undefined };
    return failWith(problemsOf(status, parsed));
  }
}

export interface RegistryCallOptions {
  readonly timeoutMs?: number;
  /** Default: node:http and node:https (see http-exchange.ts); a fetch given here is used instead. */
  readonly fetch?: typeof fetch;
  /** Extra request headers, e.g. `if-none-match` for a revalidation. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One answer of a registry: its status, its body read as strict JSON (undefined when empty), its ETag. */
export interface RegistryAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly etag: string | null;
}

/**
 * One HTTP exchange with a registry: JSON in, the status and the body out. Never throws. Fails with
 * REGISTRY_UNREACHABLE when nothing answers (or it times out), and with REGISTRY_BAD_RESPONSE (then
 * the strict reader's own problem) when a 2xx body is not strict JSON: deep nesting, duplicate
 * member names or `__proto__` are refused here, before any verifier walks the value. The body of a
 * refusal that is not strict JSON (a proxy's error page) is left undefined: the caller decides what
 * the status means, and problemsOf calls it a response that is not Signpost's.
 */
export async function callRegistry(url: string, method: string, body?: unknown, options: RegistryCallOptions = {}): Promise<Result<RegistryAnswer>> {
  const exchange = options.fetch === undefined ? nodeHttpExchange : fetchExchange(options.fetch);
  let answer: HttpAnswer;
  let bytes: Uint8Array;
  try {
    answer = await exchange(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    // The body arrives under the same timeout: a registry that stalls mid-answer is unreachable too.
    const read = await readBodyCapped(answer, MAX_ANSWER_BYTES);
    if (read === undefined) return fail('REGISTRY_BAD_RESPONSE', `${method} ${url} answered more than ${MAX_ANSWER_BYTES} bytes: no Signpost answer is that large`);
    bytes = read;
  } catch (error) {
    return fail('REGISTRY_UNREACHABLE', `${method} ${url}: ${describe(error)}`);
  }
  const etag = answer.header('etag');
  // An empty body (a 304, a 204) is no value.
  const parsed = bytes.length === 0 ? ok(undefined) : parseStrictJsonBytes(bytes);
  if (parsed.ok) return ok({ status: answer.status, body: parsed.value, etag });
  if (answer.status < 200 || answer.status >= 300) return ok({ status: answer.status, body: undefined, etag });
  return failWith([problem('REGISTRY_BAD_RESPONSE', `${method} ${url} answered HTTP ${answer.status} with a body that is not strict JSON: ${parsed.problems[0]?.detail}`), ...parsed.problems]);
}

/** The largest answer a client reads: a resolve answer is tens of KiB, a full status list 16 KiB. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** A query string of the defined, non-empty parameters. */
export function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  return search.toString();
}

/** The problems of a problem+json answer; anything else is a registry that does not speak Signpost. */
export function problemsOf(status: number, body: unknown): readonly Problem[] {
  const document = body as { code?: unknown; detail?: unknown; errors?: unknown } | undefined;
  if (Array.isArray(document?.errors)) {
    const listed = document.errors.filter((e): e is Problem => isErrorCode((e as Problem)?.code) && typeof (e as Problem).detail === 'string');
    if (listed.length > 0) return listed;
  }
  if (isErrorCode(document?.code)) return [problem(document.code, String(document.detail ?? ''))];
  return [problem('REGISTRY_BAD_RESPONSE', `HTTP ${status} without a Signpost problem document`)];
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
