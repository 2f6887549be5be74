import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { fail, failWith, ok, type Result } from '../errors.js';
import { didKeyFromPublicKey, didKeyProblem, publicKeyFromDidKey, weakKeyProblem } from './did-key.js';
import { ed25519SignatureWeakness } from './ed25519-point.js';
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
 * (a mismatched pair would sign records that never verify), or if `x` is a weak key.
 */
export function signingKeyFromJwk(value: unknown): { key: SigningKey; seed: Uint8Array } | undefined {
  const checked = checkSigningKeyJwk(value);
  return checked.ok ? checked.value : undefined;
}

/**
 * `signingKeyFromJwk` with the reason: KEY_WEAK (at `/x`) when `x` is a small-order or
 * non-canonical point, which no seed ever yields, KEY_FILE_INVALID for anything else.
 */
export function checkSigningKeyJwk(value: unknown): Result<{ key: SigningKey; seed: Uint8Array }> {
  const invalid = (why: string) => fail<never>('KEY_FILE_INVALID', why);
  if (typeof value !== 'object' || value === null) return invalid('the key is not a JSON object');
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    return invalid('the key is not an Ed25519 private JWK ({kty: "OKP", crv: "Ed25519", x, d})');
  }
  const x = fromBase64Url(jwk.x);
  if (x === undefined || x.length !== 32) return invalid('x is not the base64url of a 32-byte Ed25519 public key');
  const weak = weakKeyProblem(x, 'the JWK public key x', '/x');
  if (weak !== undefined) return failWith([weak]);
  const seed = fromBase64Url(jwk.d);
  if (seed === undefined || seed.length !== 32) return invalid('d is not the base64url of a 32-byte seed');
  const key = signingKeyFromSeed(seed);
  if (toBase64Url(key.publicKey) !== jwk.x) return invalid('x is not the public key of d');
  return ok({ key, seed });
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

/** The outcome of checking one signature; `reason` says why it does not verify. */
export type SignatureCheck = { readonly valid: true } | { readonly valid: false; readonly reason: string };

/**
 * Check an Ed25519 signature of `message` by the key named `did`. Weak keys, small-order or
 * non-canonical R and S >= L are refused before node:crypto sees them: OpenSSL would accept a
 * small-order key and R (the "universal" signature of the identity point). Never throws.
 */
export function checkSignatureWithDidKey(did: string, message: Uint8Array, signature: Uint8Array): SignatureCheck {
  const key = verificationKeyFor(did);
  if (key === undefined) return { valid: false, reason: didKeyProblem(did)?.detail ?? `${did} is not an Ed25519 key on the curve` };
  const weakness = ed25519SignatureWeakness(signature);
  if (weakness !== undefined) return { valid: false, reason: `the signature is not canonical: ${weakness}` };
  let valid = false;
  try {
    valid = verify(null, message, key, signature);
  } catch {
    valid = false; // OpenSSL refusing the input outright is a failed verification too
  }
  return valid ? { valid: true } : { valid: false, reason: 'it is not a signature of this content by this key' };
}

/** True iff `signature` is a valid Ed25519 signature of `message` by the key named `did`. */
export function verifyWithDidKey(did: string, message: Uint8Array, signature: Uint8Array): boolean {
  return checkSignatureWithDidKey(did, message, signature).valid;
}
