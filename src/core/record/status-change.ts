import { problem, type Problem, type Result } from '../errors.js';
import { didKeyProblem } from '../trust/did-key.js';
import { checkCanonicalName, checkTimestamp } from './agent-addr.js';
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
    by: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;

const validateShape = compileSchema<AgentStatusChange>(statusChangeSchema);

export function checkStatusChange(value: unknown, pointer = ''): Result<AgentStatusChange> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (change) => [
    checkCanonicalName(change.name, `${pointer}/name`),
    checkSigner(change.by, `${pointer}/by`),
    checkTimestamp(change.at, `${pointer}/at`),
  ]);
}

/** A did:key (the agent or the registry operator), or a did:web key URL (`did:web:acme.com#key-1`: a namespace owner). */
const DID_WEB_KEY_URL = /^did:web:[a-zA-Z0-9.%:_-]+#[a-zA-Z0-9._~-]{1,64}$/;

function checkSigner(by: string, pointer: string): Problem | undefined {
  if (DID_WEB_KEY_URL.test(by)) return undefined;
  const keyProblem = didKeyProblem(by, pointer);
  if (keyProblem === undefined || keyProblem.code === 'KEY_WEAK') return keyProblem;
  return problem('AGENT_ID_INVALID', `"${by}" is neither an Ed25519 did:key nor a did:web key URL (did:web:<domain>#<key id>)`, pointer);
}

/** Whether the signer is a namespace owner's did:web key (verified against its DID document) rather than a did:key. */
export function isDidWebSigner(by: string): boolean {
  return DID_WEB_KEY_URL.test(by);
}
