/**
 * Which Ed25519 encodings Signpost accepts: the one rule for every public key and every signature
 * that enters (docs/spec.md sections 2 and 4).
 *
 * RFC 8032 verification (and node:crypto / OpenSSL, which implements it cofactorless) accepts a
 * *small-order* public key: a point of order 1, 2, 4 or 8, which is the public key of no secret.
 * For the identity point, R = identity and S = 0 "verify" for every message, so anyone could sign
 * for an agent whose did:key is such a point. We refuse these keys the way libsodium does: a
 * blocklist of the small-order encodings (whatever the sign bit says, which also catches the
 * non-canonical "negative zero" spellings of x = 0), plus a canonical-encoding check (y < p). The
 * same rule applies to a signature's R, and a signature's S must be below the group order L, so
 * that no signature has a second, malleable spelling.
 */

/** Little-endian 32-byte encodings of y (the sign bit of x cleared) of every small-order point. */
const SMALL_ORDER_Y = [
  // y = 0: the two points (±sqrt(-1), 0), of order 4
  '0000000000000000000000000000000000000000000000000000000000000000',
  // y = 1: the identity (0, 1), of order 1
  '0100000000000000000000000000000000000000000000000000000000000000',
  // y = p - 1: (0, -1), of order 2
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  // the two y of the four points of order 8 (one is p minus the other)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  // y = p and y = p + 1: non-canonical spellings of y = 0 and y = 1 (refused as y >= p too)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));

/** p = 2^255 - 19, little-endian. */
const FIELD_PRIME = Uint8Array.from(Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'));
/** L = 2^252 + 27742317777372353535851937790883648493, the order of the base point, little-endian. */
const GROUP_ORDER = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'));

/** Why an encoded point may not be used as a public key or as a signature's R; undefined if it may. */
export function ed25519PointWeakness(encoded: Uint8Array): string | undefined {
  if (encoded.length !== 32) return 'it is not 32 bytes long';
  if (isSmallOrder(encoded)) return 'it is a small-order point, for which signatures can be forged';
  if (!isBelow(withoutSignBit(encoded), FIELD_PRIME)) return 'it is not canonically encoded (y >= 2^255 - 19)';
  return undefined;
}

/** True iff `raw` may be an Ed25519 public key: 32 bytes, canonically encoded, not of small order. */
export function isAcceptableEd25519PublicKey(raw: Uint8Array): boolean {
  return ed25519PointWeakness(raw) === undefined;
}

/**
 * Why a 64-byte signature R ‖ S is refused before any verification; undefined if it may be
 * verified. Such a signature never verifies: a small-order or non-canonical R, or S >= L.
 */
export function ed25519SignatureWeakness(signature: Uint8Array): string | undefined {
  if (signature.length !== 64) return 'an Ed25519 signature is 64 bytes long';
  const r = ed25519PointWeakness(signature.subarray(0, 32));
  if (r !== undefined) return `its R is refused: ${r}`;
  if (!isBelow(signature.subarray(32), GROUP_ORDER)) return 'its S is not below the group order L (a non-canonical, malleable signature)';
  return undefined;
}

function isSmallOrder(encoded: Uint8Array): boolean {
  const y = withoutSignBit(encoded);
  return SMALL_ORDER_Y.some((listed) => listed.every((byte, i) => byte === y[i]));
}

function withoutSignBit(encoded: Uint8Array): Uint8Array {
  const y = encoded.slice(0, 32);
  y[31]! &= 0x7f;
  return y;
}

/** a < b for 32-byte little-endian integers. */
function isBelow(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return false;
}
