/**
 * Checking a referral (spec section 22): the registry that gave it countersigned the namespace
 * owner's claim, the owner signed it, and the claim delegates the subtree holding the name to
 * exactly the registry (URL and key) the referral names. Only then is the next registry asked,
 * and its answers must carry that key's countersignature. Never throws.
 */
import { fail, ok, type Result } from '../core/errors.js';
import { checkNamespaceClaim, delegationFor, type NamespaceDelegation } from '../core/record/namespace-claim.js';
import { checkRecordSignature, verifyCountersignature } from '../core/record/signing.js';
import { namespaceAndPath } from '../core/registry/namespace-claims.js';
import type { ReferralAnswer } from './referral-answer.js';

export { isReferral, type ReferralAnswer } from './referral-answer.js';

/** The delegation a referral proves for `canonical`, checked against the key of the registry that gave it. */
export function checkReferral(answer: ReferralAnswer, canonical: string, registryKey: string): Result<NamespaceDelegation> {
  const forged = (detail: string) => fail('DELEGATION_FORGED', `the referral for ${canonical}: ${detail}`);
  const referral = answer.referral as Partial<ReferralAnswer['referral']> | null;
  const claim = referral?.claim;
  if (typeof claim !== 'object' || claim === null || typeof claim.countersig !== 'object' || claim.countersig === null) return forged('it carries no countersigned claim');
  const payload = checkNamespaceClaim(claim.payload);
  if (!payload.ok) return forged(`its claim is malformed (${payload.problems[0]!.detail})`);
  if (!verifyCountersignature(claim, registryKey)) return forged(`its claim is not countersigned by ${registryKey}, the registry asked`);
  // A did:web owner's key is in its DID document: the countersignature says the registry checked it.
  if (payload.value.proof !== 'did-web') {
    const signed = checkRecordSignature(claim, payload.value.by);
    if (!signed.valid) return forged(`its claim is not signed by the owner ${payload.value.by} (${signed.reason})`);
  }
  const { namespace, path } = namespaceAndPath(canonical);
  if (payload.value.namespace !== namespace) return forged(`its claim is for ${payload.value.namespace}, not ${namespace}`);
  const delegation = delegationFor(payload.value, path);
  if (delegation === undefined) return forged(`the owner's claim delegates no subtree holding it`);
  if (referral?.subtree !== delegation.subtree || referral.registry?.url !== delegation.registry.url || referral.registry.id !== delegation.registry.id) {
    return forged(`it names another registry or subtree than the owner's claim delegates (${delegation.subtree || '*'} to ${delegation.registry.url})`);
  }
  return ok(delegation);
}
