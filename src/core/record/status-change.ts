import type { Result } from '../errors.js';
import { checkAgentId, checkCanonicalName, checkTimestamp } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import type { AgentStatusChange } from './types.js';

export const MAX_REASON_LENGTH = 512;

export const statusChangeSchema = {
  $id: 'urn:signpost:schema:agent-status-change:1',
  title: 'AgentStatusChange',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'action', 'reason', 'at', 'by'],
  properties: {
    type: { const: 'AgentStatusChange' },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    action: { enum: ['revoke', 'suspend', 'reinstate'] },
    reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH },
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
    by: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

const validateShape = compileSchema<AgentStatusChange>(statusChangeSchema);

export function checkStatusChange(value: unknown, pointer = ''): Result<AgentStatusChange> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (change) => [
    checkCanonicalName(change.name, `${pointer}/name`),
    checkAgentId(change.by, `${pointer}/by`),
    checkTimestamp(change.at, `${pointer}/at`),
  ]);
}
