import type { Result } from '../errors.js';
import { checkAgentId, checkCanonicalName } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import type { AgentTombstone } from './types.js';

export const tombstoneSchema = {
  $id: 'urn:signpost:schema:agent-tombstone:1',
  title: 'AgentTombstone',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'agentId', 'seq'],
  properties: {
    type: { const: 'AgentTombstone' },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    agentId: { type: 'string', minLength: 1, maxLength: 128 },
    seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    release: { type: 'boolean' },
  },
} as const;

const validateShape = compileSchema<AgentTombstone>(tombstoneSchema);

export function checkTombstone(value: unknown, pointer = ''): Result<AgentTombstone> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (tombstone) => [
    checkCanonicalName(tombstone.name, `${pointer}/name`),
    checkAgentId(tombstone.agentId, `${pointer}/agentId`),
  ]);
}
