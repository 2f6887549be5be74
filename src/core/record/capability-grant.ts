import { problem, type Problem, type Result } from '../errors.js';
import type { SigningKey } from '../trust/ed25519.js';
import { CAPABILITY_PATTERN, MAX_CAPABILITIES } from '../trust/certificates/capability-certificate.js';
import { checkAgentId, checkCanonicalName, checkTimestamp, formatUtcSeconds } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import { signRecord } from './signing.js';
import type { CapabilityGrant } from './types.js';

const UTC_SECONDS = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';

/** One capability token, as the certificate extension allows it. */
export const capabilityListSchema = {
  type: 'array',
  maxItems: MAX_CAPABILITIES,
  uniqueItems: true,
  items: { type: 'string', pattern: CAPABILITY_PATTERN.source },
} as const;

export const capabilityGrantSchema = {
  $id: 'urn:signpost:schema:capability-grant:1',
  title: 'CapabilityGrant',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'capabilities', 'at', 'by'],
  properties: {
    type: { const: 'CapabilityGrant' },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    capabilities: capabilityListSchema,
    at: { type: 'string', pattern: UTC_SECONDS },
    by: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

const validateShape = compileSchema<CapabilityGrant>(capabilityGrantSchema);

/** Sorted by UTF-16 code units (the tokens are ASCII, so also by bytes) and without duplicates. */
export function sortedCapabilities(capabilities: readonly string[]): string[] {
  return [...new Set(capabilities)].sort();
}

/** A problem if the list is not in the one canonical order (sorted, unique), so a grant has one spelling. */
export function checkCapabilityOrder(capabilities: readonly string[], pointer: string): Problem | undefined {
  const sorted = sortedCapabilities(capabilities);
  const same = sorted.length === capabilities.length && sorted.every((c, i) => c === capabilities[i]);
  return same ? undefined : problem('RECORD_INVALID', 'capabilities must be sorted and without duplicates', pointer);
}

export function checkCapabilityGrant(value: unknown, pointer = ''): Result<CapabilityGrant> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (grant) => [
    checkCanonicalName(grant.name, `${pointer}/name`),
    checkCapabilityOrder(grant.capabilities, `${pointer}/capabilities`),
    checkAgentId(grant.by, `${pointer}/by`),
    checkTimestamp(grant.at, `${pointer}/at`),
  ]);
}

/** A signed grant by the registry operator's key: the capabilities are sorted and de-duplicated here. */
export function createCapabilityGrant(key: SigningKey, name: string, capabilities: readonly string[], nowMs: number): { payload: CapabilityGrant; sig: string } {
  return signRecord<CapabilityGrant>(
    { type: 'CapabilityGrant', v: 1, name, capabilities: sortedCapabilities(capabilities), at: formatUtcSeconds(nowMs), by: key.did },
    key,
  );
}
