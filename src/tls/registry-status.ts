/**
 * An `isRevoked` for `checkPeer` / `capabilityGuard` backed by the registry: a peer's capability
 * certificate counts only while the registry answers its agent as active under the key it had when
 * the certificate was issued.
 *
 * Reads `GET /v1/agents/{name}` (through RegistryClient) and maps it:
 *   active, no key rotation since the certificate was issued   → null (good)
 *   active, rotated to another key after the certificate was issued → 'revoked': the certificate was
 *     asked for by a key the name has left (perhaps a stolen one)
 *   AGENT_REVOKED → 'revoked'; AGENT_SUSPENDED → 'suspended'
 *   AGENT_DEREGISTERED / AGENT_NOT_FOUND → 'revoked': the name no longer stands behind it
 *   anything else (registry unreachable, a bad answer) → throws, so the check fails closed (INTERNAL)
 *
 * Answers are cached per name for `cacheMs` (default 500 ms), which bounds both the load on the
 * registry and how late a revocation is seen. Use an https registry URL: the answer is trusted as
 * the registry's word.
 */
import { RegistryClient } from '../client/registry-client.js';
import { isErrorCode } from '../core/errors.js';
import { formatUtcSeconds } from '../core/record/agent-addr.js';
import { NOT_BEFORE_BACKDATE_MS, type CapabilityCertificateInfo, type RevocationStatus } from '../core/trust/certificates/index.js';

export interface RegistryRevocationCheckOptions {
  /** How long one answer about a name is reused; 0 asks the registry on every call. */
  readonly cacheMs?: number;
  readonly timeoutMs?: number;
  /** Wall-clock milliseconds; default Date.now. */
  readonly now?: () => number;
}

/** Names remembered at most; the cache is cleared when full (entries live only `cacheMs` anyway). */
const MAX_CACHED_NAMES = 10_000;

const standingOf: Partial<Record<string, RevocationStatus>> = {
  AGENT_REVOKED: 'revoked',
  AGENT_SUSPENDED: 'suspended',
  AGENT_DEREGISTERED: 'revoked',
  AGENT_NOT_FOUND: 'revoked',
};

export function registryRevocationCheck(registryUrl: string, options: RegistryRevocationCheckOptions = {}): (certificate: CapabilityCertificateInfo) => Promise<RevocationStatus> {
  const client = new RegistryClient(registryUrl, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  const cacheMs = options.cacheMs ?? 500;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly until: number; readonly answer: Promise<Standing> }>();

  return async (certificate) => {
    const at = now();
    let entry = cache.get(certificate.agentName);
    if (entry === undefined || entry.until <= at) {
      if (cache.size >= MAX_CACHED_NAMES) cache.clear();
      entry = { until: at + cacheMs, answer: standingAtRegistry(client, certificate.agentName) };
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

async function standingAtRegistry(client: RegistryClient, name: string): Promise<Standing> {
  const answer = await client.agent(name);
  if (answer.ok) {
    const last = answer.value.rotations?.at(-1);
    return last === undefined ? { status: null } : { status: null, lastRotationAt: last.countersig.at };
  }
  const code = answer.problems[0]?.code;
  const status = code !== undefined && isErrorCode(code) ? standingOf[code] : undefined;
  if (status !== undefined) return { status };
  throw new Error(`the registry did not tell the standing of ${name}: ${answer.problems.map((p) => `${p.code} ${p.detail}`).join('; ')}`);
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
