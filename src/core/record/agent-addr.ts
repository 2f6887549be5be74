import { fail, ok, problem, type Problem, type Result } from '../errors.js';
import { parseAgentName } from '../name/index.js';
import { didKeyProblem } from '../trust/did-key.js';
import { checkRecord, compileSchema } from './schema-check.js';
import type { AgentAddr } from './types.js';

export const MAX_URL_LENGTH = 2048;
export const MAX_TTL_SECONDS = 86_400;
/** Whole-second UTC only, so the compact encoding (Unix seconds) round-trips to the same string. */
const RFC3339_UTC_SECONDS = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';

const urlSchema = { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH, pattern: '^https?://' } as const;

export const agentAddrSchema = {
  $id: 'urn:signpost:schema:agent-addr:1',
  title: 'AgentAddr',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'agentId', 'factsUrl', 'factsSha256', 'ttl', 'seq', 'notAfter'],
  properties: {
    type: { const: 'AgentAddr' },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    agentId: { type: 'string', minLength: 1, maxLength: 128 },
    factsUrl: urlSchema,
    factsSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    privateFactsUrl: urlSchema,
    resolverUrl: urlSchema,
    ttl: { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS },
    seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    notAfter: { type: 'string', pattern: RFC3339_UTC_SECONDS },
    nextKeySha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

const validateShape = compileSchema<AgentAddr>(agentAddrSchema);

/** Check an untrusted value is a well-formed AgentAddr (time-independent rules only). */
export function checkAgentAddr(value: unknown, pointer = ''): Result<AgentAddr> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (addr) => [
    checkCanonicalName(addr.name, `${pointer}/name`),
    checkAgentId(addr.agentId, `${pointer}/agentId`),
    checkUrl(addr.factsUrl, `${pointer}/factsUrl`),
    addr.privateFactsUrl === undefined ? undefined : checkUrl(addr.privateFactsUrl, `${pointer}/privateFactsUrl`),
    addr.resolverUrl === undefined ? undefined : checkUrl(addr.resolverUrl, `${pointer}/resolverUrl`),
    checkTimestamp(addr.notAfter, `${pointer}/notAfter`),
  ]);
}

export function checkCanonicalName(name: string, pointer: string): Problem | undefined {
  const parsed = parseAgentName(name);
  if (!parsed.ok) return { ...parsed.problems[0]!, pointer };
  if (parsed.value.canonical !== name) {
    return problem('RECORD_INVALID', `signed names must be canonical: "${name}" should be "${parsed.value.canonical}"`, pointer);
  }
  return undefined;
}

/** AGENT_ID_INVALID unless an Ed25519 did:key; KEY_WEAK for a small-order or non-canonical key (docs/spec.md section 2). */
export function checkAgentId(agentId: string, pointer: string): Problem | undefined {
  return didKeyProblem(agentId, pointer);
}

function checkUrl(url: string, pointer: string): Problem | undefined {
  return URL.canParse(url) ? undefined : problem('RECORD_INVALID', `"${url}" is not a valid URL`, pointer);
}

/** A whole-second UTC time that names a real date. */
export function checkTimestamp(text: string, pointer: string): Problem | undefined {
  const parsed = parseUtcSeconds(text);
  return parsed === undefined ? problem('RECORD_INVALID', `"${text}" is not a real UTC time`, pointer) : undefined;
}

/** Milliseconds since the epoch of a whole-second RFC 3339 UTC time; undefined if not a real date. */
export function parseUtcSeconds(text: string): number | undefined {
  const ms = Date.parse(text);
  // Date.parse rolls 2025-02-30 over to March; formatting back catches such impossible dates.
  if (Number.isNaN(ms) || formatUtcSeconds(ms) !== text) return undefined;
  return ms;
}

export function formatUtcSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Time-dependent rules: not expired, and not valid for longer than the registry allows. */
export function checkAddrValidity(addr: AgentAddr, nowMs: number, maxValidityMs: number, pointer = ''): Result<AgentAddr> {
  const notAfter = parseUtcSeconds(addr.notAfter)!;
  if (notAfter <= nowMs) return fail('RECORD_EXPIRED', `notAfter ${addr.notAfter} has passed`, `${pointer}/notAfter`);
  if (notAfter - nowMs > maxValidityMs) {
    const days = Math.floor(maxValidityMs / 86_400_000);
    return fail('RECORD_VALIDITY_TOO_LONG', `notAfter ${addr.notAfter} is more than ${days} days away`, `${pointer}/notAfter`);
  }
  return ok(addr);
}
