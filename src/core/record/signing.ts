import { checkSignatureWithDidKey, verifyWithDidKey, type SignatureCheck, type SigningKey } from '../trust/ed25519.js';
import { fromBase64Url, toBase64Url } from '../trust/encoding.js';
import { canonicalBytes } from '../trust/jcs.js';
import type { Countersignature, CountersignedRecord, SignedRecord } from './types.js';

/** The agent signs the RFC 8785 bytes of the payload itself; the payload's `type` separates domains. */
export function signRecord<T>(payload: T, key: SigningKey): SignedRecord<T> {
  return { payload, sig: toBase64Url(key.sign(canonicalBytes(payload))) };
}

export function verifyRecordSignature(record: SignedRecord<unknown>, signerDid: string): boolean {
  return checkRecordSignature(record, signerDid).valid;
}

/** The signature check of `verifyRecordSignature`, with the reason when it fails (a non-canonical signature, a weak key). */
export function checkRecordSignature(record: SignedRecord<unknown>, signerDid: string): SignatureCheck {
  const sig = typeof record.sig === 'string' ? fromBase64Url(record.sig) : undefined;
  if (sig === undefined) return { valid: false, reason: 'sig is not canonical unpadded base64url' };
  return checkSignatureWithDidKey(signerDid, canonicalBytes(record.payload), sig);
}

/** What the registry signs: the agent's payload and signature, its own id and the acceptance time. */
function countersignatureInput(record: SignedRecord<unknown>, by: string, at: string): Uint8Array {
  return canonicalBytes({ at, by, payload: record.payload, sig: record.sig });
}

export function countersign<T>(record: SignedRecord<T>, registryKey: SigningKey, at: string): CountersignedRecord<T> {
  const sig = toBase64Url(registryKey.sign(countersignatureInput(record, registryKey.did, at)));
  const countersig: Countersignature = { by: registryKey.did, at, sig };
  return { payload: record.payload, sig: record.sig, countersig };
}

/** True iff the countersignature is by `registryDid` and verifies over this exact record. */
export function verifyCountersignature(record: CountersignedRecord<unknown>, registryDid: string): boolean {
  const { countersig } = record;
  if (countersig.by !== registryDid) return false;
  const sig = fromBase64Url(countersig.sig);
  return sig !== undefined && verifyWithDidKey(registryDid, countersignatureInput(record, countersig.by, countersig.at), sig);
}
