/**
 * DNSSEC zone keys: Ed25519 (algorithm 15, RFC 8080) and ECDSA P-256 with SHA-256 (algorithm 13,
 * RFC 6605), held as private JWKs (RFC 7517; the data directory's `dns-zone-key.jwk`). Everything
 * is node:crypto's: key generation, JWK import and export, and the signatures, which for ECDSA are
 * asked for in IEEE P1363 form, r || s of 32 bytes each, exactly what RFC 6605 section 4 puts in
 * an RRSIG (not DER).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { fail, ok, type Result } from '../../core/errors.js';

/** The algorithms a zone key may have, by the name `--dns-zone-algorithm` takes, with their DNSSEC numbers. */
export const ZONE_ALGORITHMS = { ed25519: 15, ecdsap256: 13 } as const;
export type ZoneAlgorithmName = keyof typeof ZONE_ALGORITHMS;
export type ZoneAlgorithm = (typeof ZONE_ALGORITHMS)[ZoneAlgorithmName];

export interface ZoneKey {
  readonly algorithm: ZoneAlgorithm;
  /** The DNSKEY's public key field: Ed25519's 32 bytes, or P-256's x || y, 64 bytes (RFC 6605 section 4). */
  readonly publicKey: Buffer;
  /** The RRSIG signature field over `data`: Ed25519's 64 bytes, or ECDSA's r || s over its SHA-256. */
  sign(data: Buffer): Buffer;
}

/** The name of an algorithm number, for people (`signpost dns rollover status`). */
export function zoneAlgorithmName(algorithm: ZoneAlgorithm): ZoneAlgorithmName {
  return algorithm === ZONE_ALGORITHMS.ecdsap256 ? 'ecdsap256' : 'ed25519';
}

/** A new key of `algorithm`, and its private JWK to keep. */
export function generateZoneKey(algorithm: ZoneAlgorithmName): { readonly key: ZoneKey; readonly jwk: JsonWebKey } {
  const { privateKey } = algorithm === 'ecdsap256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { key: zoneKeyOf(privateKey), jwk: privateKey.export({ format: 'jwk' }) };
}

/**
 * The zone key of a private JWK: Ed25519 (`{kty: "OKP", crv: "Ed25519", x, d}`, the form Signpost
 * has always written) or P-256 (`{kty: "EC", crv: "P-256", x, y, d}`), whose public half must be
 * the one its private half gives (a mismatched pair would sign what never validates).
 */
export function zoneKeyFromJwk(value: unknown): Result<ZoneKey> {
  const invalid = (why: string) => fail<ZoneKey>('KEY_FILE_INVALID', why);
  if (typeof value !== 'object' || value === null) return invalid('the zone key is not a JSON object');
  const jwk = value as Record<string, unknown>;
  const ed25519 = jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  const p256 = jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.y === 'string';
  if ((!ed25519 && !p256) || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    return invalid('the zone key is not an Ed25519 ({kty: "OKP", crv: "Ed25519", x, d}) or P-256 ({kty: "EC", crv: "P-256", x, y, d}) private JWK');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d, ...(p256 ? { y: jwk.y } : {}) } as JsonWebKey, format: 'jwk' });
  } catch (error) {
    return invalid(`the zone key does not load: ${(error as Error).message}`);
  }
  const derived = createPublicKey(privateKey).export({ format: 'jwk' });
  if (derived.x !== jwk.x || (p256 && derived.y !== jwk.y)) return invalid('the public key of the zone key is not the one of its private key d');
  return ok(zoneKeyOf(privateKey));
}

function zoneKeyOf(privateKey: KeyObject): ZoneKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (privateKey.asymmetricKeyType === 'ec') {
    return {
      algorithm: ZONE_ALGORITHMS.ecdsap256,
      publicKey: Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]),
      sign: (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    };
  }
  return { algorithm: ZONE_ALGORITHMS.ed25519, publicKey: Buffer.from(jwk.x!, 'base64url'), sign: (data) => sign(null, data, privateKey) };
}
