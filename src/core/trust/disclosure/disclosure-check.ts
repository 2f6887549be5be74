/**
 * The answer of a capability-disclosure check, shared by every verifier (the registry's verify
 * operation, the SDK, the CLI), and the registry's signed verdict over it.
 *
 * The registry answers `POST /v1/disclosures/verify` over plain HTTP in local setups; an answer
 * `{verified: true}` on its own proves nothing to a client that a man in the middle may be
 * talking to. So the registry also signs its verdict with its registry key, bound to the exact
 * request (the credential's digest, the capability, the challenge) and to the time, and a client
 * that pinned the registry key believes the signed verdict only.
 */
import { fail, ok, type Problem, type Result } from '../../errors.js';
import { formatUtcSeconds, parseUtcSeconds } from '../../record/agent-addr.js';
import { checkRecord, compileSchema } from '../../record/schema-check.js';
import { checkSignedRecord } from '../../record/signed-envelope.js';
import { signRecord } from '../../record/signing.js';
import type { SignedRecord } from '../../record/types.js';
import type { SigningKey } from '../ed25519.js';
import { canonicalSha256Hex } from '../jcs.js';
import type { DisclosureVerification } from './capability-credential.js';

/** The answer of a disclosure check: never an exception, the errors carry catalogue codes. */
export interface DisclosureCheck {
  readonly verified: boolean;
  /** The capabilities the proof reveals (empty unless the proof verified). */
  readonly revealed: readonly string[];
  readonly errors: readonly Problem[];
  /** Filled in once the proof verified. */
  readonly issuer?: string;
  readonly subject?: { readonly id: string; readonly name?: string };
  readonly validUntil?: string;
}

/** The library's verification result as a DisclosureCheck (the members a verifier reports, nothing more). */
export function disclosureCheckOf(result: DisclosureVerification): DisclosureCheck {
  return {
    verified: result.verified,
    revealed: result.disclosed,
    errors: result.errors,
    ...(result.issuer === undefined ? {} : { issuer: result.issuer }),
    ...(result.subject === undefined ? {} : { subject: result.subject }),
    ...(result.validUntil === undefined ? {} : { validUntil: result.validUntil }),
  };
}

export const DISCLOSURE_VERDICT_TYPE = 'DisclosureVerdict';
/** How far a verdict's `at` may lie from the client's clock: the window of every other signed request. */
export const DISCLOSURE_VERDICT_WINDOW_MS = 5 * 60_000;

/** What was asked: a verdict is about exactly this request. */
export interface DisclosureCheckInput {
  /** The derived credential, as sent; the verdict names it by the SHA-256 of its RFC 8785 bytes. */
  readonly credential: unknown;
  readonly capability: string;
  readonly challenge?: string;
}

/** Signed by the registry key: "at `at`, this credential, for this capability and challenge, checked so". */
export interface DisclosureVerdict {
  readonly type: typeof DISCLOSURE_VERDICT_TYPE;
  readonly v: 1;
  readonly at: string;
  /** Lowercase hex SHA-256 of the JCS bytes of the credential checked. */
  readonly credentialSha256: string;
  readonly capability: string;
  readonly challenge?: string;
  readonly check: DisclosureCheck;
}

const problemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'detail'],
  properties: { code: { type: 'string', maxLength: 64 }, detail: { type: 'string', maxLength: 4096 }, pointer: { type: 'string', maxLength: 1024 } },
} as const;

const validateVerdict = compileSchema<DisclosureVerdict>({
  $id: 'urn:signpost:schema:disclosure-verdict:1',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'at', 'credentialSha256', 'capability', 'check'],
  properties: {
    type: { const: DISCLOSURE_VERDICT_TYPE },
    v: { const: 1 },
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
    credentialSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    capability: { type: 'string', maxLength: 64 },
    challenge: { type: 'string', maxLength: 1024 },
    check: {
      type: 'object',
      additionalProperties: false,
      required: ['verified', 'revealed', 'errors'],
      properties: {
        verified: { type: 'boolean' },
        revealed: { type: 'array', maxItems: 256, items: { type: 'string', maxLength: 64 } },
        errors: { type: 'array', maxItems: 64, items: problemSchema },
        issuer: { type: 'string', maxLength: 512 },
        subject: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', maxLength: 128 }, name: { type: 'string', maxLength: 512 } },
        },
        validUntil: { type: 'string', maxLength: 64 },
      },
    },
  },
});

/** The registry's signed verdict over `check`, the answer to `input`, at `nowMs`. */
export function signDisclosureVerdict(input: DisclosureCheckInput, check: DisclosureCheck, registryKey: SigningKey, nowMs: number): SignedRecord<DisclosureVerdict> {
  return signRecord(
    {
      type: DISCLOSURE_VERDICT_TYPE,
      v: 1,
      at: formatUtcSeconds(nowMs),
      credentialSha256: canonicalSha256Hex(input.credential),
      capability: input.capability,
      ...(input.challenge === undefined ? {} : { challenge: input.challenge }),
      check,
    },
    registryKey,
  );
}

function checkVerdictPayload(value: unknown, pointer: string): Result<DisclosureVerdict> {
  return checkRecord(validateVerdict, value, pointer, 'RECORD_INVALID', () => []);
}

/**
 * The check inside a verdict the registry signed, after these stages (the first failure decides):
 * the envelope and its closed payload (REQUEST_INVALID, RECORD_INVALID, RECORD_UNKNOWN_FIELD), the
 * signature by the pinned `registryKey` (RECORD_SIGNATURE_INVALID), the request it answers is this
 * one (REGISTRY_BAD_RESPONSE), and `at` lies within 5 minutes of `nowMs` (RECORD_EXPIRED). Absent
 * verdict: REGISTRY_BAD_RESPONSE. Never throws.
 */
export function checkDisclosureVerdict(value: unknown, expected: DisclosureCheckInput & { readonly registryKey: string; readonly nowMs: number }): Result<DisclosureCheck> {
  if (value === undefined) return fail('REGISTRY_BAD_RESPONSE', 'the registry did not sign its verdict, so it cannot be told from a forged one', '/verdict');
  const signed = checkSignedRecord(value, checkVerdictPayload, () => expected.registryKey, '/verdict');
  if (!signed.ok) return signed;
  const verdict = signed.value.payload;
  let digest: string;
  try {
    digest = canonicalSha256Hex(expected.credential);
  } catch {
    return fail('REQUEST_INVALID', 'the credential is not JSON');
  }
  if (verdict.credentialSha256 !== digest || verdict.capability !== expected.capability || verdict.challenge !== expected.challenge) {
    return fail('REGISTRY_BAD_RESPONSE', 'the signed verdict answers another request (credential, capability or challenge)', '/verdict/payload');
  }
  const at = parseUtcSeconds(verdict.at);
  if (at === undefined || Math.abs(at - expected.nowMs) > DISCLOSURE_VERDICT_WINDOW_MS) {
    return fail('RECORD_EXPIRED', `the verdict was signed at ${verdict.at}, more than 5 minutes from now`, '/verdict/payload/at');
  }
  return ok(verdict.check);
}
