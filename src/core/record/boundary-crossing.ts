/**
 * A boundary crossing (spec section 24): a split-horizon resolver asked a registry outside its
 * home registry's horizon for a name, and reports who asked, what, where and why, signed with its
 * own key, so the home registry's event log keeps an audit trail of every lookup that left it.
 */
import type { Result } from '../errors.js';
import { checkAgentId, checkCanonicalName, checkTimestamp, formatUtcSeconds } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import { signRecord } from './signing.js';
import type { SigningKey } from '../trust/ed25519.js';
import type { SignedRecord } from './types.js';

export interface BoundaryCrossing {
  readonly type: 'BoundaryCrossing';
  readonly v: 1;
  /** The requester's DID, or `unknown`. */
  readonly who: string;
  /** The canonical name looked up. */
  readonly what: string;
  /** The registry asked: its name in the search path and its URL. */
  readonly where: string;
  /** Why it was asked: the registries before it that did not hold the name. */
  readonly why: string;
  readonly at: string;
  /** The resolver's did:key. */
  readonly by: string;
}

export const boundaryCrossingSchema = {
  $id: 'urn:signpost:schema:boundary-crossing:1',
  title: 'BoundaryCrossing',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'who', 'what', 'where', 'why', 'at', 'by'],
  properties: {
    type: { const: 'BoundaryCrossing' },
    v: { const: 1 },
    who: { type: 'string', minLength: 1, maxLength: 256 },
    what: { type: 'string', minLength: 1, maxLength: 512 },
    where: { type: 'string', minLength: 1, maxLength: 600 },
    why: { type: 'string', minLength: 1, maxLength: 512 },
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
    by: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

const validateShape = compileSchema<BoundaryCrossing>(boundaryCrossingSchema);

export function checkBoundaryCrossing(value: unknown, pointer = ''): Result<BoundaryCrossing> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (crossing) => [
    checkCanonicalName(crossing.what, `${pointer}/what`),
    checkTimestamp(crossing.at, `${pointer}/at`),
    checkAgentId(crossing.by, `${pointer}/by`),
  ]);
}

export function createBoundaryCrossing(key: SigningKey, report: Pick<BoundaryCrossing, 'who' | 'what' | 'where' | 'why'>, nowMs: number): SignedRecord<BoundaryCrossing> {
  return signRecord<BoundaryCrossing>({ type: 'BoundaryCrossing', v: 1, ...report, at: formatUtcSeconds(nowMs), by: key.did }, key);
}
