/**
 * The shape of a referral answer, apart from its checks (referral.ts), so that verifying a plain
 * answer does not load the claim schemas.
 */
import type { NamespaceClaim } from '../core/record/namespace-claim.js';
import type { CountersignedRecord } from '../core/record/types.js';

/** A referral as a registry answers it (`GET /v1/resolve`). */
export interface ReferralAnswer {
  readonly name: string;
  readonly referral: {
    readonly namespace: string;
    readonly subtree: string;
    readonly registry: { readonly url: string; readonly id: string };
    readonly claim: CountersignedRecord<NamespaceClaim>;
  };
  readonly registry: { readonly id: string };
}

/** Whether a resolve answer is a referral rather than records. */
export function isReferral(answer: unknown): answer is ReferralAnswer {
  return typeof answer === 'object' && answer !== null && 'referral' in answer;
}
