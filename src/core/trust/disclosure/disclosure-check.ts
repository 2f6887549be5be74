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
import { MAX_DID_LENGTH } from './key-binding.js';

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

/**
 * The sizes a verdict's check may have. The registry fits every check to them before it signs
 * (`fitDisclosureCheck`) and clients refuse a verdict that exceeds them, so the two always agree: a
 * genuine verdict is never refused for its size. Free text (details, pointers: a pointer names a
 * member of the credential, which can be long) is cut, with a final `…`; a member that cannot be
 * cut without changing what it names (issuer, subject, validUntil, a capability) is left out.
 * Lengths count Unicode code points, as the schema does.
 */
export const DISCLOSURE_VERDICT_LIMITS = {
  errors: 64,
  code: 64,
  detail: 4096,
  pointer: 4096,
  revealed: 256,
  capability: 64,
  issuer: MAX_DID_LENGTH,
  subjectId: 128,
  subjectName: 1024,
  validUntil: 64,
  challenge: 1024,
} as const;

const L = DISCLOSURE_VERDICT_LIMITS;

const problemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'detail'],
  properties: { code: { type: 'string', maxLength: L.code }, detail: { type: 'string', maxLength: L.detail }, pointer: { type: 'string', maxLength: L.pointer } },
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
    capability: { type: 'string', maxLength: L.capability },
    challenge: { type: 'string', maxLength: L.challenge },
    check: {
      type: 'object',
      additionalProperties: false,
      required: ['verified', 'revealed', 'errors'],
      properties: {
        verified: { type: 'boolean' },
        revealed: { type: 'array', maxItems: L.revealed, items: { type: 'string', maxLength: L.capability } },
        errors: { type: 'array', maxItems: L.errors, items: problemSchema },
        issuer: { type: 'string', maxLength: L.issuer },
        subject: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', maxLength: L.subjectId }, name: { type: 'string', maxLength: L.subjectName } },
        },
        validUntil: { type: 'string', maxLength: L.validUntil },
      },
    },
  },
});

const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/** `text` cut to at most `max` code points, the last one `…` when it was cut. */
function cut(text: string, max: number): string {
  if (text.length <= max || codePoints(text) <= max) return text;
  return `${Array.from(text).slice(0, max - 1).join('')}…`;
}

const fits = (text: string | undefined, max: number): text is string => typeof text === 'string' && codePoints(text) <= max;

/**
 * The check as the registry signs it: within DISCLOSURE_VERDICT_LIMITS, and with only the members
 * the verdict schema names. Free text is cut; the first errors are kept; a capability, issuer,
 * subject or date too long to carry is left out rather than changed. Never throws.
 */
export function fitDisclosureCheck(check: DisclosureCheck): DisclosureCheck {
  const errors = check.errors.slice(0, L.errors).map((p): Problem => {
    const detail = cut(String(p.detail), L.detail);
    const code = cut(String(p.code), L.code) as Problem['code'];
    return typeof p.pointer === 'string' ? { code, detail, pointer: cut(p.pointer, L.pointer) } : { code, detail };
  });
  const revealed = check.revealed.filter((c) => fits(c, L.capability)).slice(0, L.revealed);
  const subject = check.subject;
  return {
    verified: check.verified,
    revealed,
    errors,
    ...(fits(check.issuer, L.issuer) ? { issuer: check.issuer } : {}),
    ...(subject !== undefined && fits(subject.id, L.subjectId)
      ? { subject: fits(subject.name, L.subjectName) ? { id: subject.id, name: subject.name } : { id: subject.id } }
      : {}),
    ...(fits(check.validUntil, L.validUntil) ? { validUntil: check.validUntil } : {}),
  };
}

/**
 * The registry's signed verdict over `check` (fitted to DISCLOSURE_VERDICT_LIMITS first, so that
 * every client accepts it), the answer to `input`, at `nowMs`. Answer `payload.check`, not `check`,
 * as the unsigned members, so both say the same.
 */
export function signDisclosureVerdict(input: DisclosureCheckInput, check: DisclosureCheck, registryKey: SigningKey, nowMs: number): SignedRecord<DisclosureVerdict> {
  return signRecord(
    {
      type: DISCLOSURE_VERDICT_TYPE,
      v: 1,
      at: formatUtcSeconds(nowMs),
      credentialSha256: canonicalSha256Hex(input.credential),
      capability: input.capability,
      ...(input.challenge === undefined ? {} : { challenge: input.challenge }),
      check: fitDisclosureCheck(check),
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
