import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
import { fromBase64Url, toBase64Url } from './encoding.js';

/** DER prefix of a PKCS #8 Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an SPKI Ed25519 public key; the 32 raw bytes follow it. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An Ed25519 key pair held in memory. The private half never leaves the process that made it. */
export interface SigningKey {
  /** The did:key naming this key. */
  readonly did: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Private JWK (RFC 8037) as stored in key files. */
export interface Ed25519PrivateJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  /** base64url public key */
  readonly x: string;
  /** base64url 32-byte seed */
  readonly d: string;
  /** the did:key of the key, for people reading the file */
  readonly kid?: string;
}

/** Build a key pair from a 32-byte seed; randomness comes from the caller (a Random port). */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed has 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(publicDer.subarray(SPKI_ED25519_PREFIX.length));
  return signingKeyFrom(privateKey, publicKey);
}

function signingKeyFrom(privateKey: KeyObject, publicKey: Uint8Array): SigningKey {
  return {
    did: didKeyFromPublicKey(publicKey),
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

export function signingKeyToJwk(key: SigningKey, seed: Uint8Array): Ed25519PrivateJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(key.publicKey), d: toBase64Url(seed), kid: key.did };
}

/**
 * Read a private JWK; undefined if it is not a well-formed Ed25519 key whose `x` matches its `d`
 * (a mismatched pair would sign records that never verify).
 */
export function signingKeyFromJwk(value: unknown): { key: SigningKey; seed: Uint8Array } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') return undefined;
  const seed = fromBase64Url(jwk.d);
  if (seed === undefined || seed.length !== 32) return undefined;
  const key = signingKeyFromSeed(seed);
  if (toBase64Url(key.publicKey) !== jwk.x) return undefined;
  return { key, seed };
}

/**
 * Verification keys are cached by did: building a KeyObject costs more than the verification
 * itself, and the hot path (resolve, gossip) sees the same few thousand keys again and again.
 */
const verificationKeys = new Map<string, KeyObject | null>();
const VERIFICATION_KEY_CACHE_LIMIT = 50_000;

function verificationKeyFor(did: string): KeyObject | undefined {
  const cached = verificationKeys.get(did);
  if (cached !== undefined) return cached ?? undefined;
  const raw = publicKeyFromDidKey(did);
  let key: KeyObject | null = null;
  if (raw !== undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    } catch {
      key = null; // not a point on the curve
    }
  }
  if (verificationKeys.size >= VERIFICATION_KEY_CACHE_LIMIT) verificationKeys.clear();
  verificationKeys.set(did, key);
  return key ?? undefined;
}

/** True iff `signature` is a valid Ed25519 signature of `message` by the key named `did`. */
export function verifyWithDidKey(did: string, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const key = verificationKeyFor(did);
  if (key === undefined) return false;
  return verify(null, message, key, signature);
}
