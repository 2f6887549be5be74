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

/** The raw Ed25519 public key inside a did:key, or undefined if it is not an Ed25519 did:key. */
export function publicKeyFromDidKey(did: string): Uint8Array | undefined {
  // 48 base58 characters encode the 34 bytes; refuse anything longer before decoding it.
  if (!did.startsWith(DID_KEY_PREFIX) || did.length > DID_KEY_PREFIX.length + 60) return undefined;
  const bytes = fromBase58(did.slice(DID_KEY_PREFIX.length));
  if (bytes === undefined || bytes.length !== 34) return undefined;
  if (bytes[0] !== ED25519_PUB_MULTICODEC[0] || bytes[1] !== ED25519_PUB_MULTICODEC[1]) return undefined;
  return bytes.slice(2);
}

export function isEd25519DidKey(did: string): boolean {
  return publicKeyFromDidKey(did) !== undefined;
}
