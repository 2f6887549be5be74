/**
 * An agent's request for a bbs-2023 capability credential of its granted capabilities (what
 * POST /v1/agents/{name}/capability-credential takes; docs/spec.md section 16).
 */
import type { Result } from '../errors.js';
import type { SigningKey } from '../trust/ed25519.js';
import { checkAgentId, checkCanonicalName, checkTimestamp, formatUtcSeconds } from './agent-addr.js';
import { capabilityListSchema, sortedCapabilities } from './capability-grant.js';
import { checkRecord, compileSchema } from './schema-check.js';
import { signRecord } from './signing.js';
import type { SignedRecord } from './types.js';

export const CAPABILITY_CREDENTIAL_REQUEST_TYPE = 'CapabilityCredentialRequest';
export const MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS = 60;
/** The default lifetime of a capability credential: short, because it carries no status entry (see README). */
export const DEFAULT_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS = 86_400;
/** The longest lifetime an operator may configure. */
export const MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS = 7 * 86_400;

/**
 * An agent's request for a capability credential. Signed by the agent key the name is bound to
 * (`agentId`), like a CertificateRequest.
 */
export interface CapabilityCredentialRequest {
  readonly type: typeof CAPABILITY_CREDENTIAL_REQUEST_TYPE;
  readonly v: 1;
  /** Canonical agent name. */
  readonly name: string;
  /** The did:key the name is bound to; the signer, and the credential's subject. */
  readonly agentId: string;
  /** A subset of the granted capabilities, sorted; absent: every granted one a credential can carry. */
  readonly capabilities?: readonly string[];
  /** Absent: the registry's configured validity, which is also the most it grants. */
  readonly validitySeconds?: number;
  /** RFC 3339 UTC time of signing; must be within 5 minutes of the registry clock. */
  readonly at: string;
}

export const capabilityCredentialRequestSchema = {
  $id: 'urn:signpost:schema:capability-credential-request:1',
  title: 'CapabilityCredentialRequest',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'agentId', 'at'],
  properties: {
    type: { const: CAPABILITY_CREDENTIAL_REQUEST_TYPE },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    agentId: { type: 'string', minLength: 1, maxLength: 128 },
    capabilities: { ...capabilityListSchema, minItems: 1 },
    validitySeconds: { type: 'integer', minimum: MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS, maximum: MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS },
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
  },
} as const;

const validateRequest = compileSchema<CapabilityCredentialRequest>(capabilityCredentialRequestSchema);

export function checkCapabilityCredentialRequest(value: unknown, pointer = ''): Result<CapabilityCredentialRequest> {
  return checkRecord(validateRequest, value, pointer, 'RECORD_INVALID', (request) => [
    checkCanonicalName(request.name, `${pointer}/name`),
    checkAgentId(request.agentId, `${pointer}/agentId`),
    checkTimestamp(request.at, `${pointer}/at`),
  ]);
}

export interface CapabilityCredentialRequestInput {
  readonly key: SigningKey;
  /** Canonical agent name. */
  readonly name: string;
  /** Absent: every granted capability. */
  readonly capabilities?: readonly string[];
  readonly validitySeconds?: number;
  readonly nowMs: number;
}

/** A capability credential request signed by the agent's key (what POST /v1/agents/{name}/capability-credential takes). */
export function createCapabilityCredentialRequest(input: CapabilityCredentialRequestInput): SignedRecord<CapabilityCredentialRequest> {
  const request: CapabilityCredentialRequest = {
    type: CAPABILITY_CREDENTIAL_REQUEST_TYPE,
    v: 1,
    name: input.name,
    agentId: input.key.did,
    ...(input.capabilities === undefined ? {} : { capabilities: sortedCapabilities(input.capabilities) }),
    ...(input.validitySeconds === undefined ? {} : { validitySeconds: input.validitySeconds }),
    at: formatUtcSeconds(input.nowMs),
  };
  return signRecord(request, input.key);
}
