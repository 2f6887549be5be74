import { ok, type Problem, type Result } from '../errors.js';
import { checkAgentId, checkCanonicalName } from './agent-addr.js';
import { checkSchema, compileSchema } from './schema-check.js';
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
  const shapeProblem = checkSchema(validateShape, value, 'RECORD_INVALID', pointer);
  if (shapeProblem) return { ok: false, problems: [shapeProblem] };
  const tombstone = value as AgentTombstone;
  const problems = [checkCanonicalName(tombstone.name, `${pointer}/name`), checkAgentId(tombstone.agentId, `${pointer}/agentId`)].filter(
    (p): p is Problem => p !== undefined,
  );
  return problems.length === 0 ? ok(tombstone) : { ok: false, problems };
}
