import type { Result } from '../errors.js';
import type { SigningKey } from '../trust/ed25519.js';
import { checkAgentId, checkCanonicalName, checkTimestamp, formatUtcSeconds } from './agent-addr.js';
import { capabilityListSchema, sortedCapabilities } from './capability-grant.js';
import { checkRecord, compileSchema } from './schema-check.js';
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
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (request) => [
    checkCanonicalName(request.name, `${pointer}/name`),
    checkAgentId(request.agentId, `${pointer}/agentId`),
    checkTimestamp(request.at, `${pointer}/at`),
  ]);
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
