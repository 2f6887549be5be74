/**
 * An `isRevoked` for `checkPeer` / `capabilityGuard` backed by the registry: a peer's capability
 * certificate counts only while a fresh, verified answer of the registry shows its agent active
 * under the key it had when the certificate was issued.
 *
 * The standing comes from `SignpostClient.resolve`, so it is verified exactly as the SDK,
 * `signpost resolve` and `signpost verify` verify an answer (verifyResolveAnswerFully): signatures
 * and countersignatures by the pinned registry key, and the facts credential's bits in the
 * registry's signed status lists, read now. A resolve answer replayed by a proxy after a
 * revocation, a suspension, a key rotation or an update therefore never reads as good. Mapped:
 *
 *   verified, no key rotation since the certificate was issued → null (good)
 *   verified, rotated to another key after the certificate was issued → 'revoked': the certificate
 *     was asked for by a key the name has left (perhaps a stolen one)
 *   the registry refuses: AGENT_REVOKED, AGENT_DEREGISTERED, AGENT_NOT_FOUND → 'revoked';
 *     AGENT_SUSPENDED → 'suspended'
 *   the answer's credential is suspended in the status lists → 'suspended'
 *   anything else (registry or status lists unreachable, a stale, tampered or unverifiable answer,
 *   a revoked credential, which may be a revocation or only a stale answer) → throws, so the check
 *   fails closed (INTERNAL): it never reports a peer good without a fresh answer.
 *
 * The key rotations come from `GET /v1/agents/{name}`, which must name the key the verified answer
 * names (an older copy, from before a rotation, does not).
 *
 * Answers, and the status lists behind them, are reused for `cacheMs` (default 500 ms), which
 * bounds both the load on the registry and how late a revocation is seen; verified answers are
 * revalidated by ETag, so an unchanged record is not verified again.
 */
import { RegistryClient } from '../client/registry-client.js';
import { SignpostClient, type ResolveResult } from '../client/signpost-client.js';
import { isErrorCode } from '../core/errors.js';
import { formatUtcSeconds } from '../core/record/agent-addr.js';
import { NOT_BEFORE_BACKDATE_MS, type CapabilityCertificateInfo, type RevocationStatus } from '../core/trust/certificates/index.js';

export interface RegistryRevocationCheckOptions {
  /** How long one answer about a name is reused; 0 asks the registry on every call. */
  readonly cacheMs?: number;
  readonly timeoutMs?: number;
  /** Wall-clock milliseconds; default Date.now. */
  readonly now?: () => number;
  /** The registry key to trust (its did:key). Without it the key the registry presents first is pinned for the life of the check. */
  readonly registryKey?: string;
  /** Default: node:http and node:https (client/http-exchange.ts); a fetch given here is used instead. */
  readonly fetch?: typeof fetch;
}

/** Names remembered at most; the cache is cleared when full (entries live only `cacheMs` anyway). */
const MAX_CACHED_NAMES = 10_000;

/** The registry's refusals that tell the standing (unsigned, but they can only refuse). */
const refusedStanding: Partial<Record<string, RevocationStatus>> = {
  AGENT_REVOKED: 'revoked',
  AGENT_SUSPENDED: 'suspended',
  AGENT_DEREGISTERED: 'revoked',
  AGENT_NOT_FOUND: 'revoked',
};

export function registryRevocationCheck(registryUrl: string, options: RegistryRevocationCheckOptions = {}): (certificate: CapabilityCertificateInfo) => Promise<RevocationStatus> {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 500;
  const transport = { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
  const resolver = new SignpostClient({
    registry: registryUrl,
    clock: { now },
    // Status lists are reused no longer than answers, so cacheMs alone bounds how late a revocation is seen.
    statusListMaxAgeMs: cacheMs,
    ...transport,
    ...(options.registryKey === undefined ? {} : { registryKey: options.registryKey }),
  });
  const records = new RegistryClient(registryUrl, transport);
  const cache = new Map<string, { readonly until: number; readonly answer: Promise<Standing> }>();

  return async (certificate) => {
    const at = now();
    let entry = cache.get(certificate.agentName);
    if (entry === undefined || entry.until <= at) {
      if (cache.size >= MAX_CACHED_NAMES) cache.clear();
      entry = { until: at + cacheMs, answer: standingAtRegistry(resolver, records, certificate.agentName) };
      cache.set(certificate.agentName, entry);
      // A failed lookup is not remembered: the next call asks again.
      entry.answer.catch(() => cache.delete(certificate.agentName));
    }
    const standing = await entry.answer;
    if (standing.status !== null) return standing.status;
    return issuedBefore(certificate, standing.lastRotationAt) ? 'revoked' : null;
  };
}

interface Standing {
  readonly status: RevocationStatus;
  /** Countersignature time of the name's last key rotation, if it ever rotated. */
  readonly lastRotationAt?: string;
}

async function standingAtRegistry(resolver: SignpostClient, records: RegistryClient, name: string): Promise<Standing> {
  const resolved = await resolver.resolve(name);
  if (!resolved.verified) return standingOfRefusal(name, resolved);
  const record = await records.agent(name);
  if (!record.ok) throw cannotTell(name, record.problems);
  // An older copy of the record (from before a rotation) would hide the rotation: it must name the verified key.
  const recordKey = record.value.addr?.payload?.agentId;
  if (recordKey !== resolved.agentId) {
    throw new Error(`the registry did not tell the standing of ${name}: its record names ${String(recordKey)}, its verified answer ${resolved.agentId}`);
  }
  const last = record.value.rotations?.at(-1);
  return last === undefined ? { status: null } : { status: null, lastRotationAt: last.countersig.at };
}

function standingOfRefusal(name: string, resolved: ResolveResult): Standing {
  const code = resolved.errors[0]?.code;
  const refused = code !== undefined && isErrorCode(code) ? refusedStanding[code] : undefined;
  if (refused !== undefined) return { status: refused };
  // A set suspension bit with a clear revocation bit is the current credential's: the agent is suspended now.
  if (resolved.status === 'suspended') return { status: 'suspended' };
  throw cannotTell(name, resolved.errors);
}

function cannotTell(name: string, problems: readonly { code: string; detail: string }[]): Error {
  return new Error(`the registry did not tell the standing of ${name}: ${problems.map((p) => `${p.code} ${p.detail}`).join('; ')}`);
}

/**
 * The registry issues with notBefore = issue time − NOT_BEFORE_BACKDATE_MS, in whole seconds, and
 * countersigns a rotation in whole seconds: a certificate whose issue second precedes the rotation's
 * was asked for by the key the name left. (One issued in the very second of the rotation counts.)
 */
function issuedBefore(certificate: CapabilityCertificateInfo, rotationAt: string | undefined): boolean {
  if (rotationAt === undefined) return false;
  return formatUtcSeconds(certificate.notBefore.getTime() + NOT_BEFORE_BACKDATE_MS) < rotationAt;
}
