import { problem, type Problem } from '../errors.js';
import { ed25519PointWeakness } from './ed25519-point.js';
import { fromBase58, toBase58 } from './encoding.js';

/** Multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint: 0xed 0x01). */
const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01);
const DID_KEY_PREFIX = 'did:key:z';

/** `did:key:z6Mk…` of a raw 32-byte Ed25519 public key (did:key v0.7, multibase base58btc). */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key has 32 bytes');
  const bytes = new Uint8Array(34);
  bytes.set(ED25519_PUB_MULTICODEC, 0);
  bytes.set(publicKey, 2);
  return DID_KEY_PREFIX + toBase58(bytes);
}

/**
 * The raw Ed25519 public key inside a did:key, or undefined if it is not an Ed25519 did:key or
 * names a key no signature may be believed from (small order, non-canonical: see ed25519-point.ts).
 */
export function publicKeyFromDidKey(did: string): Uint8Array | undefined {
  const raw = decodeDidKey(did);
  return raw !== undefined && ed25519PointWeakness(raw) === undefined ? raw : undefined;
}

export function isEd25519DidKey(did: string): boolean {
  return publicKeyFromDidKey(did) !== undefined;
}

/** AGENT_ID_INVALID for what is not an Ed25519 did:key, KEY_WEAK for a weak key; undefined if `did` is usable. */
export function didKeyProblem(did: string, pointer?: string): Problem | undefined {
  const raw = decodeDidKey(did);
  if (raw === undefined) return problem('AGENT_ID_INVALID', `"${did}" is not an Ed25519 did:key`, pointer);
  return weakKeyProblem(raw, `"${did}"`, pointer);
}

/** KEY_WEAK naming `what` when the raw key is small-order or non-canonical; undefined for a usable key. */
export function weakKeyProblem(raw: Uint8Array, what: string, pointer?: string): Problem | undefined {
  const weakness = ed25519PointWeakness(raw);
  return weakness === undefined ? undefined : problem('KEY_WEAK', `${what} is refused as an Ed25519 key: ${weakness}`, pointer);
}

/**
 * The 32 bytes a did:key spells, whatever point they are (undefined if it is no Ed25519 did:key).
 * Only for reporting why a key is refused: trust keys from `publicKeyFromDidKey` alone.
 */
export function decodeDidKey(did: string): Uint8Array | undefined {
  // 48 base58 characters encode the 34 bytes; refuse anything longer before decoding it.
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX) || did.length > DID_KEY_PREFIX.length + 60) return undefined;
  const bytes = fromBase58(did.slice(DID_KEY_PREFIX.length));
  if (bytes === undefined || bytes.length !== 34) return undefined;
  if (bytes[0] !== ED25519_PUB_MULTICODEC[0] || bytes[1] !== ED25519_PUB_MULTICODEC[1]) return undefined;
  return bytes.slice(2);
}
