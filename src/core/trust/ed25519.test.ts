import { describe, expect, it } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { didKeyFromPublicKey, didKeyProblem, isEd25519DidKey, publicKeyFromDidKey } from './did-key.js';
import { checkSignatureWithDidKey, checkSigningKeyJwk, signingKeyFromJwk, signingKeyFromSeed, signingKeyToJwk, verifyWithDidKey } from './ed25519.js';
import { toBase64Url } from './encoding.js';
import { canonicalSha256Hex, canonicalText } from './jcs.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

describe('Ed25519 keys', () => {
  it('matches RFC 8032 test 1 (key and signature of the empty message)', () => {
    const key = signingKeyFromSeed(hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    expect(Buffer.from(key.publicKey).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature = key.sign(new Uint8Array());
    expect(Buffer.from(signature).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(verifyWithDidKey(key.did, new Uint8Array(), signature)).toBe(true);
  });

  it('makes the did:key of the did:key spec test vector (all-zero seed)', () => {
    const key = signingKeyFromSeed(new Uint8Array(32));
    expect(key.did).toBe('did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
    expect(publicKeyFromDidKey(key.did)).toEqual(key.publicKey);
  });

  it('refuses a signature by another key, a flipped bit, and a wrong length', () => {
    const alice = signingKeyFromSeed(new Uint8Array(32).fill(1));
    const mallory = signingKeyFromSeed(new Uint8Array(32).fill(2));
    const message = new TextEncoder().encode('hello');
    const signature = alice.sign(message);
    expect(verifyWithDidKey(alice.did, message, mallory.sign(message))).toBe(false);
    const flipped = signature.slice();
    flipped[10]! ^= 1;
    expect(verifyWithDidKey(alice.did, message, flipped)).toBe(false);
    expect(verifyWithDidKey(alice.did, message, signature.slice(0, 63))).toBe(false);
  });

  it('rejects did:keys that are not Ed25519 or not well formed', () => {
    expect(publicKeyFromDidKey('did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme')).toBeUndefined(); // secp256k1
    expect(publicKeyFromDidKey('did:web:example.com')).toBeUndefined();
    expect(publicKeyFromDidKey('did:key:z0OIl')).toBeUndefined();
    expect(verifyWithDidKey('did:key:nonsense', new Uint8Array(), new Uint8Array(64))).toBe(false);
    expect(() => didKeyFromPublicKey(new Uint8Array(31))).toThrow(RangeError);
  });

  it('round-trips a private JWK and refuses one whose x does not match d', () => {
    const seed = new Uint8Array(32).fill(7);
    const key = signingKeyFromSeed(seed);
    const jwk = signingKeyToJwk(key, seed);
    expect(signingKeyFromJwk(JSON.parse(JSON.stringify(jwk)))?.key.did).toBe(key.did);
    const other = signingKeyToJwk(signingKeyFromSeed(new Uint8Array(32).fill(8)), new Uint8Array(32).fill(8));
    expect(signingKeyFromJwk({ ...jwk, x: other.x })).toBeUndefined();
    expect(signingKeyFromJwk({ ...jwk, crv: 'X25519' })).toBeUndefined();
    expect(signingKeyFromJwk({ ...jwk, d: 'short' })).toBeUndefined();
    expect(signingKeyFromJwk(null)).toBeUndefined();
  });
});

describe('weak Ed25519 keys and signatures', () => {
  const IDENTITY = hex('01' + '00'.repeat(31));
  const identityDid = didKeyFromPublicKey(IDENTITY);
  /** R = the identity point, S = 0: with the identity as the key, SB = R + hA holds for every message. */
  const universal = Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]);
  const message = new TextEncoder().encode('transfer everything');

  it('refuses the universal signature of the identity key, which OpenSSL alone accepts', () => {
    const raw = createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), IDENTITY]), format: 'der', type: 'spki' });
    expect(verify(null, message, raw, universal)).toBe(true); // why the rule exists
    expect(verifyWithDidKey(identityDid, message, universal)).toBe(false);
    expect(checkSignatureWithDidKey(identityDid, message, universal)).toEqual({ valid: false, reason: expect.stringContaining('small-order point') });
  });

  it('parses a weak did:key as KEY_WEAK, not as a key', () => {
    expect(publicKeyFromDidKey(identityDid)).toBeUndefined();
    expect(isEd25519DidKey(identityDid)).toBe(false);
    expect(didKeyProblem(identityDid, '/by')).toMatchObject({ code: 'KEY_WEAK', pointer: '/by' });
    expect(didKeyProblem('did:key:z6Mk', '/by')).toMatchObject({ code: 'AGENT_ID_INVALID' });
    expect(didKeyProblem(signingKeyFromSeed(new Uint8Array(32)).did)).toBeUndefined();
  });

  it('says why a non-canonical signature does not verify (S >= L)', () => {
    const key = signingKeyFromSeed(new Uint8Array(32).fill(4));
    const signature = key.sign(message);
    const malleated = signature.slice();
    // S + L: add L = 2^252 + 27742317777372353535851937790883648493 to the little-endian S.
    let carry = 0;
    const l = hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
    for (let i = 0; i < 32; i++) {
      const sum = malleated[32 + i]! + l[i]! + carry;
      malleated[32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    expect(carry).toBe(0); // S < L < 2^253, so S + L always fits in 32 bytes
    expect(checkSignatureWithDidKey(key.did, message, signature)).toEqual({ valid: true });
    expect(checkSignatureWithDidKey(key.did, message, malleated)).toEqual({ valid: false, reason: expect.stringMatching(/^the signature is not canonical: its S is not below the group order L/) });
  });

  it('refuses a JWK whose x is a weak key with KEY_WEAK at /x', () => {
    const jwk = signingKeyToJwk(signingKeyFromSeed(new Uint8Array(32).fill(7)), new Uint8Array(32).fill(7));
    const weak = { ...jwk, x: toBase64Url(IDENTITY) };
    expect(signingKeyFromJwk(weak)).toBeUndefined();
    const checked = checkSigningKeyJwk(weak);
    expect(checked.ok ? [] : checked.problems).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/x' })]);
    const mismatched = checkSigningKeyJwk({ ...jwk, x: toBase64Url(signingKeyFromSeed(new Uint8Array(32).fill(8)).publicKey) });
    expect(mismatched.ok ? [] : mismatched.problems.map((p) => p.code)).toEqual(['KEY_FILE_INVALID']);
    expect(checkSigningKeyJwk(jwk).ok).toBe(true);
  });
});

describe('RFC 8785 canonical JSON', () => {
  it('sorts keys by UTF-16 code units and formats numbers as ECMAScript does', () => {
    // From RFC 8785 section 3.2.3 (sorting) and appendix B (numbers).
    expect(canonicalText({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' })).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(canonicalText({ numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001] })).toBe(
      '{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}',
    );
  });

  it('hashes equal documents equally whatever their key order', () => {
    expect(canonicalSha256Hex({ a: 1, b: [1, 2] })).toBe(canonicalSha256Hex({ b: [1, 2], a: 1 }));
    expect(() => canonicalText(undefined)).toThrow(TypeError);
  });
});
