/**
 * The one check of a signed envelope `{payload, sig}` as it arrives over the wire: its closed shape,
 * the payload's own check, then the Ed25519 signature by the key the payload names. Every write
 * and every signed record a client checks goes through it, so that a shape or signature rule
 * changes in one place. Whether that key may do what the payload asks is for the caller to check
 * against its state afterwards.
 */
import { fail, failWith, ok, type Result } from '../errors.js';
import { checkSchema, compileSchema } from './schema-check.js';
import { checkRecordSignature } from './signing.js';
import type { SignedRecord } from './types.js';

/** `{payload, sig}`, closed: an unknown member is refused rather than carried along unsigned. */
export const signedEnvelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['payload', 'sig'],
  properties: { payload: {}, sig: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const validateSignedEnvelope = compileSchema<SignedRecord<unknown>>(signedEnvelopeSchema);

/** The envelope's shape only (REQUEST_INVALID, RECORD_UNKNOWN_FIELD), at `pointer`. */
export function checkSignedEnvelope(body: unknown, pointer = ''): Result<SignedRecord<unknown>> {
  const shapeProblem = checkSchema(validateSignedEnvelope, body, 'REQUEST_INVALID', pointer);
  return shapeProblem ? failWith([shapeProblem]) : ok(body as SignedRecord<unknown>);
}

/** The signature of `signer` (a did:key) over the JCS bytes of the payload, or RECORD_SIGNATURE_INVALID at `pointer`. */
export function checkSignature(record: SignedRecord<unknown>, signer: string, pointer: string): Result<true> {
  const check = checkRecordSignature(record, signer);
  return check.valid ? ok(true) : fail('RECORD_SIGNATURE_INVALID', `the signature does not verify with the key of ${signer}: ${check.reason}`, pointer);
}

/**
 * A signed envelope whose payload passes `checkPayload` and whose signature is by the key
 * `signerOf` names; `undefined` from `signerOf` leaves the signature to a later stage (a signer
 * whose key must be looked up first). Pointers are relative to `pointer` (`/payload/…`, `/sig`).
 */
export function checkSignedRecord<T>(
  body: unknown,
  checkPayload: (value: unknown, pointer: string) => Result<T>,
  signerOf: (payload: T) => string | undefined,
  pointer = '',
): Result<SignedRecord<T>> {
  const envelope = checkSignedEnvelope(body, pointer);
  if (!envelope.ok) return envelope;
  const payload = checkPayload(envelope.value.payload, `${pointer}/payload`);
  if (!payload.ok) return payload;
  const signed = envelope.value as SignedRecord<T>;
  const signer = signerOf(payload.value);
  if (signer === undefined) return ok(signed);
  const signature = checkSignature(signed, signer, `${pointer}/sig`);
  return signature.ok ? ok(signed) : signature;
}
