import { ok, problem, type Problem, type Result } from '../errors.js';
import type { SigningKey } from '../trust/ed25519.js';
import { checkAgentId, checkCanonicalName, formatUtcSeconds, parseUtcSeconds } from './agent-addr.js';
import { capabilityListSchema, sortedCapabilities } from './capability-grant.js';
import { checkSchema, compileSchema } from './schema-check.js';
import { signRecord } from './signing.js';
import type { CertificateRequest, SignedRecord } from './types.js';

export const MIN_CERTIFICATE_VALIDITY_SECONDS = 60;
export const MAX_CERTIFICATE_VALIDITY_SECONDS = 86_400;
/** Far above a PEM CSR of any accepted key type (the certificate module refuses more than 16 KiB of DER). */
const MAX_CSR_LENGTH = 8192;

export const certificateRequestSchema = {
  $id: 'urn:signpost:schema:certificate-request:1',
  title: 'CertificateRequest',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'agentId', 'csr', 'validitySeconds', 'at'],
  properties: {
    type: { const: 'CertificateRequest' },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    agentId: { type: 'string', minLength: 1, maxLength: 128 },
    csr: { type: 'string', minLength: 1, maxLength: MAX_CSR_LENGTH },
    validitySeconds: { type: 'integer', minimum: MIN_CERTIFICATE_VALIDITY_SECONDS, maximum: MAX_CERTIFICATE_VALIDITY_SECONDS },
    capabilities: capabilityListSchema,
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
  },
} as const;

const validateShape = compileSchema<CertificateRequest>(certificateRequestSchema);

export function checkCertificateRequest(value: unknown, pointer = ''): Result<CertificateRequest> {
  const shapeProblem = checkSchema(validateShape, value, 'RECORD_INVALID', pointer);
  if (shapeProblem) return { ok: false, problems: [shapeProblem] };
  const request = value as CertificateRequest;
  const problems = [
    checkCanonicalName(request.name, `${pointer}/name`),
    checkAgentId(request.agentId, `${pointer}/agentId`),
    parseUtcSeconds(request.at) === undefined ? problem('RECORD_INVALID', `"${request.at}" is not a real UTC time`, `${pointer}/at`) : undefined,
  ].filter((p): p is Problem => p !== undefined);
  return problems.length === 0 ? ok(request) : { ok: false, problems };
}

export interface CertificateRequestInput {
  readonly key: SigningKey;
  /** Canonical agent name. */
  readonly name: string;
  readonly csrPem: string;
  readonly validitySeconds: number;
  /** Absent: every capability granted to the agent. */
  readonly capabilities?: readonly string[];
  readonly nowMs: number;
}

/** A certificate request signed by the agent's key (what POST /v1/certificates takes). */
export function createCertificateRequest(input: CertificateRequestInput): SignedRecord<CertificateRequest> {
  const request: CertificateRequest = {
    type: 'CertificateRequest',
    v: 1,
    name: input.name,
    agentId: input.key.did,
    csr: input.csrPem,
    validitySeconds: input.validitySeconds,
    ...(input.capabilities === undefined ? {} : { capabilities: sortedCapabilities(input.capabilities) }),
    at: formatUtcSeconds(input.nowMs),
  };
  return signRecord(request, input.key);
}
