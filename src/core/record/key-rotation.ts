import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '../errors.js';
import { publicKeyFromDidKey } from '../trust/did-key.js';
import type { SigningKey } from '../trust/ed25519.js';
import { checkAgentId, checkCanonicalName } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import { checkRecordSignature, signRecord, verifyCountersignature } from './signing.js';
import type { CountersignedRecord, KeyRotation, SignedRecord } from './types.js';

export const keyRotationSchema = {
  $id: 'urn:signpost:schema:key-rotation:1',
  title: 'KeyRotation',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'from', 'to', 'seq'],
  properties: {
    type: { const: 'KeyRotation' },
    v: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 512 },
    from: { type: 'string', minLength: 1, maxLength: 128 },
    to: { type: 'string', minLength: 1, maxLength: 128 },
    seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
} as const;

const validateShape = compileSchema<KeyRotation>(keyRotationSchema);

/** Check an untrusted value is a well-formed KeyRotation (who may sign it is the registry's rule). */
export function checkKeyRotation(value: unknown, pointer = ''): Result<KeyRotation> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (rotation) => [
    checkCanonicalName(rotation.name, `${pointer}/name`),
    checkAgentId(rotation.from, `${pointer}/from`),
    checkAgentId(rotation.to, `${pointer}/to`),
  ]);
}

/**
 * The pre-rotation commitment to a key: lowercase hex SHA-256 of its raw 32-byte Ed25519 public
 * key (not of the did:key text, so the commitment does not depend on how the key is spelled).
 */
export function nextKeyCommitment(didKey: string): string {
  const publicKey = publicKeyFromDidKey(didKey);
  if (publicKey === undefined) throw new TypeError(`not an Ed25519 did:key: ${didKey}`);
  return createHash('sha256').update(publicKey).digest('hex');
}

/** The continuity proof for handing `name` from `from` (which signs) to the key `to`, for the AgentAddr of sequence `seq`. */
export function createKeyRotation(from: SigningKey, name: string, to: string, seq: number): SignedRecord<KeyRotation> {
  return signRecord<KeyRotation>({ type: 'KeyRotation', v: 1, name, from: from.did, to, seq }, from);
}

/**
 * Follow a name's rotation chain (as `GET /v1/agents/{name}` shows it) from a key the verifier
 * already trusts for the name to the key it is bound to now. Every link must be signed by the key
 * it hands over from, countersigned by the registry, for the same name, with rising sequences, and
 * the chain must end at `currentKey`. Returns the keys walked, or the problem with the first bad link.
 */
export function followRotations(
  chain: readonly CountersignedRecord<KeyRotation>[],
  options: { readonly name: string; readonly trustedKey: string; readonly currentKey: string; readonly registryDid: string },
): Result<readonly string[]> {
  const walked = [options.trustedKey];
  let seq = -1;
  const start = chain.findIndex((link) => link.payload?.from === options.trustedKey);
  if (options.trustedKey === options.currentKey && start < 0) return ok(walked);
  if (start < 0) return fail('KEY_ROTATION_INVALID', `no rotation of ${options.name} starts at ${options.trustedKey}`);
  for (const [i, link] of chain.slice(start).entries()) {
    const pointer = `/rotations/${start + i}`;
    const checked = checkKeyRotation(link.payload, `${pointer}/payload`);
    if (!checked.ok) return checked;
    const { name, from, to } = checked.value;
    if (name !== options.name) return fail('RECORD_NAME_MISMATCH', `the rotation is for ${name}, not ${options.name}`, `${pointer}/payload/name`);
    if (from !== walked.at(-1)) return fail('KEY_ROTATION_INVALID', `the chain breaks: this rotation starts at ${from}, not ${walked.at(-1)}`, `${pointer}/payload/from`);
    if (checked.value.seq <= seq) return fail('KEY_ROTATION_INVALID', `sequence ${checked.value.seq} does not rise along the chain`, `${pointer}/payload/seq`);
    const signature = checkRecordSignature(link, from);
    if (!signature.valid) return fail('RECORD_SIGNATURE_INVALID', `the rotation is not signed by ${from}: ${signature.reason}`, `${pointer}/sig`);
    if (!verifyCountersignature(link, options.registryDid)) {
      return fail('RECORD_COUNTERSIGNATURE_INVALID', `the rotation is not countersigned by ${options.registryDid}`, `${pointer}/countersig`);
    }
    walked.push(to);
    seq = checked.value.seq;
  }
  return walked.at(-1) === options.currentKey ? ok(walked) : fail('KEY_ROTATION_INVALID', `the chain ends at ${walked.at(-1)}, but the name is bound to ${options.currentKey}`);
}
