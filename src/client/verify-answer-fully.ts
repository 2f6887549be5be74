/**
 * The one verification of a resolve answer that every verifying path runs: the SDK
 * (SignpostClient.resolve), `signpost resolve`, `signpost verify` and signpost/tls
 * (registryRevocationCheck). Stages, in order:
 *
 * 1. offline checks (verifyResolveAnswer): both signed records, both countersignatures by the
 *    pinned registry key, the facts digest, the validity period, the endpoint the agent signed;
 * 2. the registry's facts credential: its proof by the registry's did:web bound to the pinned key,
 *    its validity, that it covers exactly the facts the AgentAddr commits to;
 * 3. its revocation and suspension bits in the registry's signed status lists, fetched fresh.
 *
 * An answer is `verified` only when all three pass. A stale answer replayed after the agent was
 * revoked, suspended, rotated to another key or updated passes stage 1 and fails stage 3; a
 * verifier that cannot read the status lists says `status: 'unchecked'`, never `verified`.
 * Never throws.
 */
import { problem, type Problem } from '../core/errors.js';
import type { AgentEndpoint } from '../core/record/types.js';
import type { CredentialStatus, CredentialStatusReader } from './credential-checks.js';
import { isReferral } from './referral-answer.js';
import { verifyResolveAnswer } from './verify-answer.js';

export interface FullVerifyOptions {
  /** The registry key the caller trusts (pinned did:key): countersignatures, credential and status lists must be by it. */
  readonly registryKey: string;
  /** The canonical name that was asked for; the records must be for exactly it. */
  readonly expectedName?: string;
  readonly nowMs: number;
  /**
   * Default true. False only for registries that issue no credentials: an answer without one is
   * then accepted with `status: 'unchecked'`. An answer that carries a credential is always checked.
   */
  readonly requireCredential?: boolean;
}

export interface AnswerVerification {
  /** True only when the records, the credential and its status lists all check out (`status` is `good`). */
  readonly verified: boolean;
  /** Stage 1 alone: the records, countersignatures, digest, validity and endpoint. */
  readonly signaturesVerified: boolean;
  /** What the registry's signed status lists say now; `unchecked` when they were not read. */
  readonly status: CredentialStatus;
  /** Every failure found, with stable codes (STATUS_LIST_UNAVAILABLE when revocation was not checked). */
  readonly errors: readonly Problem[];
  /** The endpoints the agent signed (empty unless the signatures verified). */
  readonly endpoints: readonly AgentEndpoint[];
}

export async function verifyResolveAnswerFully(answer: unknown, options: FullVerifyOptions, statusReader: CredentialStatusReader): Promise<AnswerVerification> {
  try {
    return await verifyStages(answer, options, statusReader);
  } catch (error) {
    // Answers read with the strict JSON reader cannot get here; a value a caller built itself (nested
    // past the call stack, say) still gets a result rather than an exception.
    const detail = `the answer could not be checked: ${error instanceof Error ? error.message : String(error)}`;
    return { verified: false, signaturesVerified: false, status: 'unchecked', errors: [problem('RECORD_INVALID', detail)], endpoints: [] };
  }
}

async function verifyStages(answer: unknown, options: FullVerifyOptions, statusReader: CredentialStatusReader): Promise<AnswerVerification> {
  if (isReferral(answer)) {
    const to = answer.referral?.registry;
    const detail = `the registry referred ${answer.name} to the registry at ${String(to?.url)} (${String(to?.id)}): resolve through the roots (RecursiveResolver, signpost resolve --root) or ask that registry`;
    return { verified: false, signaturesVerified: false, status: 'unchecked', errors: [problem('RESOLUTION_REFERRED', detail)], endpoints: [] };
  }
  const records = verifyResolveAnswer(answer, { registryDid: options.registryKey, nowMs: options.nowMs, ...(options.expectedName === undefined ? {} : { expectedName: options.expectedName }) });
  // The credential is looked at only for records that verified: it is bound to their digest, and a
  // forged answer costs no network round trip.
  if (!records.verified) return { verified: false, signaturesVerified: false, status: 'unchecked', errors: records.errors, endpoints: [] };

  const document = answer as { credential?: unknown; addr: { payload: { factsSha256: string } } };
  if (document.credential === undefined && options.requireCredential === false) {
    return { verified: true, signaturesVerified: true, status: 'unchecked', errors: [], endpoints: records.endpoints };
  }
  const credential = await statusReader.check(document.credential, document.addr.payload.factsSha256, options.registryKey, options.nowMs);
  const verified = credential.status === 'good' && credential.errors.length === 0;
  return { verified, signaturesVerified: true, status: credential.status, errors: credential.errors, endpoints: records.endpoints };
}
