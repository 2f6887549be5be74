import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, didKeyProblem, publicKeyFromDidKey } from './did-key.js';
import { ed25519PointWeakness, ed25519SignatureWeakness, isAcceptableEd25519PublicKey } from './ed25519-point.js';
import { checkSignatureWithDidKey, signingKeyFromSeed } from './ed25519.js';

// --- an independent derivation of the small-order points (affine twisted Edwards arithmetic) ---

const p = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (n: bigint) => ((n % p) + p) % p;
const pow = (base: bigint, exponent: bigint): bigint => {
  let result = 1n;
  for (let b = mod(base), e = exponent; e > 0n; e >>= 1n, b = mod(b * b)) if (e & 1n) result = mod(result * b);
  return result;
};
const inverse = (n: bigint) => pow(n, p - 2n);
const d = mod(-121665n * inverse(121666n));
const SQRT_MINUS_ONE = pow(2n, (p - 1n) / 4n);

type Point = { x: bigint; y: bigint };
const IDENTITY: Point = { x: 0n, y: 1n };
const add = (a: Point, b: Point): Point => {
  const t = mod(d * a.x * b.x * a.y * b.y);
  return { x: mod((a.x * b.y + a.y * b.x) * inverse(1n + t)), y: mod((a.y * b.y + a.x * b.x) * inverse(1n - t)) };
};
const times = (n: bigint, point: Point): Point => {
  let result = IDENTITY;
  for (let q = point, k = n; k > 0n; k >>= 1n, q = add(q, q)) if (k & 1n) result = add(result, q);
  return result;
};
/** The point with this y and an even x, if there is one (RFC 8032 5.1.3, without the sign). */
const pointWithY = (y: bigint): Point | undefined => {
  const u = mod((y * y - 1n) * inverse(d * y * y + 1n));
  let x = pow(u, (p + 3n) / 8n);
  if (mod(x * x) !== u) x = mod(x * SQRT_MINUS_ONE);
  if (mod(x * x) !== u) return undefined;
  return { x: x & 1n ? p - x : x, y };
};
const encode = (y: bigint, signBit: boolean): Uint8Array => {
  const bytes = Uint8Array.from(Buffer.from(y.toString(16).padStart(64, '0'), 'hex').reverse());
  if (signBit) bytes[31]! |= 0x80;
  return bytes;
};
const same = (a: Point, b: Point) => a.x === b.x && a.y === b.y;

/** The torsion subgroup: L times any point of full order 8L is a point of order 8, whose multiples are all eight. */
function smallOrderPoints(): Point[] {
  for (let y = 2n; ; y++) {
    const point = pointWithY(y);
    if (point === undefined) continue;
    const torsion = times(L, point);
    if (same(times(4n, torsion), IDENTITY)) continue; // order below 8: try another point
    return Array.from({ length: 8 }, (_, k) => times(BigInt(k), torsion));
  }
}

const torsion = smallOrderPoints();
const canonicalEncodings = torsion.map((point) => encode(point.y, (point.x & 1n) === 1n));
/** The other spellings of the same points: x = -0 (sign bit set on x = 0) and y + p where that stays below 2^255. */
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const nonCanonicalEncodings = [
  ...new Map(
    torsion
      .flatMap((point) => [
        ...(point.x === 0n ? [encode(point.y, true)] : []),
        ...(point.y + p < 2n ** 255n ? [encode(point.y + p, false), encode(point.y + p, true)] : []),
      ])
      .map((encoded) => [hex(encoded), encoded] as const),
  ).values(),
];

describe('small-order Ed25519 points', () => {
  it('derives the eight torsion points and the six non-canonical spellings of them', () => {
    expect(new Set(canonicalEncodings.map(hex)).size).toBe(8);
    expect(nonCanonicalEncodings.map(hex).sort()).toEqual(
      [
        '0100000000000000000000000000000000000000000000000000000000000080', // identity, x = -0
        'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // (0, -1), x = -0
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p (= 0)
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
        'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 (= 1)
        'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      ].sort(),
    );
  });

  it('refuses all eight in canonical form and every non-canonical spelling, as keys and as R', () => {
    for (const encoded of [...canonicalEncodings, ...nonCanonicalEncodings]) {
      expect(ed25519PointWeakness(encoded), hex(encoded)).toMatch(/small-order point/);
      expect(isAcceptableEd25519PublicKey(encoded)).toBe(false);
      expect(ed25519SignatureWeakness(Uint8Array.from([...encoded, ...new Uint8Array(32)]))).toMatch(/its R is refused: it is a small-order point/);
      const did = didKeyFromPublicKey(encoded);
      expect(publicKeyFromDidKey(did)).toBeUndefined();
      expect(didKeyProblem(did, '/agentId')).toMatchObject({ code: 'KEY_WEAK', pointer: '/agentId' });
    }
  });

  it('refuses every other y >= p as not canonically encoded', () => {
    for (let y = p + 2n; y < 2n ** 255n; y++) {
      for (const signBit of [false, true]) expect(ed25519PointWeakness(encode(y, signBit))).toMatch(/not canonically encoded \(y >= 2\^255 - 19\)/);
    }
  });

  it('accepts real keys, and p - 1 is the last canonical y', () => {
    for (const seed of [0, 1, 7, 255]) expect(isAcceptableEd25519PublicKey(signingKeyFromSeed(new Uint8Array(32).fill(seed)).publicKey)).toBe(true);
    const key = signingKeyFromSeed(new Uint8Array(32).fill(3)).publicKey;
    expect(ed25519PointWeakness(key.slice(0, 31))).toBe('it is not 32 bytes long');
  });

  it('refuses S >= L and accepts S = L - 1', () => {
    const r = signingKeyFromSeed(new Uint8Array(32)).publicKey; // any canonical point of large order
    const signatureWith = (s: bigint) => Uint8Array.from([...r, ...encode(s, false)]);
    expect(ed25519SignatureWeakness(signatureWith(L - 1n))).toBeUndefined();
    for (const s of [L, L + 1n, 2n ** 256n - 1n]) expect(ed25519SignatureWeakness(signatureWith(s))).toMatch(/S is not below the group order L/);
    expect(ed25519SignatureWeakness(new Uint8Array(63))).toBe('an Ed25519 signature is 64 bytes long');
  });
});

// --- the vectors of test-vectors/ed25519-edge-cases.json (their sources are named in the file) ---

interface EdgeCase {
  readonly name: string;
  readonly source: string;
  readonly publicKey: string;
  readonly message: string;
  readonly signature: string;
  readonly expected: 'valid' | 'invalid' | 'KEY_WEAK' | 'SIGNATURE_NOT_CANONICAL';
}

const fixture = JSON.parse(readFileSync(new URL('./test-vectors/ed25519-edge-cases.json', import.meta.url), 'utf8')) as { vectors: EdgeCase[] };
const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

describe('Ed25519 edge-case vectors (RFC 8032, "Taming the many EdDSAs", derived)', () => {
  it('covers every kind of answer', () => {
    expect(new Set(fixture.vectors.map((v) => v.expected))).toEqual(new Set(['valid', 'invalid', 'KEY_WEAK', 'SIGNATURE_NOT_CANONICAL']));
    expect(fixture.vectors.filter((v) => v.source === 'taming')).toHaveLength(12);
  });

  it.each(fixture.vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const did = didKeyFromPublicKey(bytes(vector.publicKey));
    const check = checkSignatureWithDidKey(did, bytes(vector.message), bytes(vector.signature));
    expect(check.valid).toBe(vector.expected === 'valid');
    expect(didKeyProblem(did)?.code).toBe(vector.expected === 'KEY_WEAK' ? 'KEY_WEAK' : undefined);
    if (vector.expected === 'SIGNATURE_NOT_CANONICAL') {
      expect(ed25519SignatureWeakness(bytes(vector.signature))).toBeDefined();
      expect(check.valid ? '' : check.reason).toMatch(/^the signature is not canonical: /);
    }
    if (vector.expected === 'invalid') expect(check.valid ? '' : check.reason).toBe('it is not a signature of this content by this key');
  });
});
