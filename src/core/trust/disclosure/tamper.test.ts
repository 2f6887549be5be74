/**
 * Tamper tests: change any byte of a signed artefact (the derived proof, the disclosed claims, the
 * issuer and the other mandatory fields, the base proof before derivation) and verification fails
 * with DISCLOSURE_INVALID, without throwing; the one exception, the base proof's HMAC key, may also
 * change nothing at all, but never what is proven. A BBS verification costs about 0.1 s, so the long
 * proof values are sampled densely (every position of their CBOR header and trailer, evenly
 * spaced positions across the BBS proof) rather than exhaustively: a few seconds per test alone,
 * up to 13 s on a loaded machine, well within the limit of vitest.config.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '../../test-support/agents.js';
import { toBase64Url } from '../encoding.js';
import { capabilityPointer, deriveDisclosure, verifyDisclosure, type CapabilityCredential, type DerivedCapabilityCredential } from './capability-credential.js';
import { credential, DAY, disclose, documentLoader, flipChar, ISSUER, otherIssuerKey, samplePositions, T0, tamper, utc, verifyOptions } from './test-support/fixtures.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Replace one character by the next base64url character, so the text stays base64url and reaches the crypto. */
const nextChar = (text: string, at: number) => {
  const index = ALPHABET.indexOf(text[at] ?? '');
  const replacement = index < 0 ? 'A' : ALPHABET[(index + 1) % ALPHABET.length];
  return text.slice(0, at) + replacement + text.slice(at + 1);
};

/**
 * The characters of a base proofValue (`u` + base64url of tag d9 5d 02 and a CBOR array of five:
 * BBS signature, BBS header, public key, HMAC key, mandatory pointers) that carry bits of the HMAC key.
 */
function hmacKeyCharacters(proofValue: string): Set<number> {
  const bytes = Buffer.from(proofValue.slice(1), 'base64url');
  expect([...bytes.subarray(0, 4)]).toEqual([0xd9, 0x5d, 0x02, 0x85]);
  let offset = 4;
  let start = 0;
  let end = 0;
  for (let component = 0; component < 4; component++) {
    expect(bytes[offset], `component ${component} is a byte string with a one-byte length`).toBe(0x58);
    start = offset + 2;
    end = start + bytes[offset + 1]!;
    offset = end;
  }
  const characters = new Set<number>();
  for (let at = 1; at < proofValue.length; at++) {
    const firstBit = (at - 1) * 6;
    if (firstBit + 6 > start * 8 && firstBit < end * 8) characters.add(at);
  }
  return characters;
}

async function expectRefused(forged: unknown, code = 'DISCLOSURE_INVALID', options: Parameters<typeof verifyDisclosure>[1] = verifyOptions, label = '') {
  const result = await verifyDisclosure(forged, options); // never throws: a rejection would fail the test here
  expect(result.verified, label).toBe(false);
  expect(result.errors.map((e) => e.code), label).toEqual([code]);
  expect(result.disclosed, label).toEqual([]);
}

describe('tamper', () => {
  let derived: DerivedCapabilityCredential;
  beforeAll(async () => {
    derived = await disclose();
    expect((await verifyDisclosure(derived, verifyOptions)).verified).toBe(true);
  });

  it('any character of the derived proofValue (dense sample)', async () => {
    const value = derived.proof.proofValue;
    const positions = samplePositions(value.length, 8, 20, 24);
    expect(positions.length).toBe(52);
    for (const at of positions) {
      await expectRefused(tamper(derived, ['proof', 'proofValue'], () => nextChar(value, at)), 'DISCLOSURE_INVALID', verifyOptions, `char ${at}`);
    }
    // A character outside base64url anywhere, and the multibase prefix.
    await expectRefused(tamper(derived, ['proof', 'proofValue'], () => flipChar(value, 0)));
    await expectRefused(tamper(derived, ['proof', 'proofValue'], () => `${value.slice(0, 200)}=${value.slice(201)}`));
  });

  it('any bit of the derived proof bytes (dense sample)', async () => {
    const bytes = Buffer.from(derived.proof.proofValue.slice(1), 'base64url');
    const positions = samplePositions(bytes.length, 10, 20, 12);
    for (const at of positions) {
      const flipped = Uint8Array.from(bytes);
      flipped[at]! ^= 1 << (at % 8);
      await expectRefused(tamper(derived, ['proof', 'proofValue'], () => `u${toBase64Url(flipped)}`), 'DISCLOSURE_INVALID', verifyOptions, `byte ${at}`);
    }
    // Truncated and extended proofs.
    await expectRefused(tamper(derived, ['proof', 'proofValue'], () => `u${toBase64Url(bytes.subarray(0, bytes.length - 1))}`));
    await expectRefused(tamper(derived, ['proof', 'proofValue'], () => `u${toBase64Url(Buffer.concat([bytes, Buffer.of(0)]))}`));
  });

  it('the disclosed claim values and names', async () => {
    const at = ['credentialSubject', 'capabilities', 'retrain'];
    const model = 'churn-v2';
    for (let i = 0; i < model.length; i++) {
      await expectRefused(tamper(derived, [...at, 'models', 0], () => flipChar(model, i)), 'DISCLOSURE_INVALID', verifyOptions, `models[0] char ${i}`);
    }
    await expectRefused(tamper(derived, [...at, 'maxRuns'], () => 4));
    await expectRefused(tamper(derived, [...at, 'maxRuns'], () => 6));
    await expectRefused(tamper(derived, [...at, 'maxRuns'], () => '5'));
    await expectRefused(tamper(derived, [...at, 'models'], () => ['churn-v2', 'churn-v3']));
    const { models, maxRuns } = derived.credentialSubject.capabilities?.retrain ?? {};
    await expectRefused(tamper(derived, at, () => ({ maxRuns }))); // a revealed claim dropped
    await expectRefused(tamper(derived, at, () => ({ modelz: models, maxRuns }))); // a claim renamed
    await expectRefused(tamper(derived, ['credentialSubject', 'capabilities'], () => ({ deploy: { models, maxRuns } }))); // a capability renamed
  });

  it('the issuer: untrusted as named, and not matching the proof when trusted anyway', async () => {
    const prefix = 'did:key:z'.length;
    for (const at of samplePositions(ISSUER.length - prefix, 2, 2, 6).map((i) => i + prefix)) {
      const forgedIssuer = nextChar(ISSUER, at);
      const forged = tamper(derived, ['issuer'], () => forgedIssuer);
      await expectRefused(forged, 'ISSUER_UNTRUSTED', verifyOptions, `issuer char ${at}`);
      await expectRefused(forged, 'DISCLOSURE_INVALID', { ...verifyOptions, trustedIssuers: [ISSUER, forgedIssuer] }, `issuer char ${at}, trusted`);
    }
    // Another trusted issuer's name over this issuer's proof, with or without its key named in the proof.
    const other = otherIssuerKey.controller;
    const trustingBoth = { ...verifyOptions, trustedIssuers: [ISSUER, other] };
    await expectRefused(tamper(derived, ['issuer'], () => other), 'DISCLOSURE_INVALID', trustingBoth);
    const renamed = tamper(tamper(derived, ['issuer'], () => other), ['proof', 'verificationMethod'], () => otherIssuerKey.keyId);
    await expectRefused(renamed, 'DISCLOSURE_INVALID', trustingBoth);
  });

  it('the other mandatory fields and the proof options', async () => {
    await expectRefused(tamper(derived, ['validUntil'], () => utc(T0 + 365 * DAY)));
    await expectRefused(tamper(derived, ['validUntil'], () => utc(T0 + 90 * DAY + 1000)));
    await expectRefused(tamper(derived, ['validFrom'], () => utc(T0 - DAY)));
    await expectRefused(tamper(derived, ['credentialSubject', 'id'], () => testKey(2).did));
    await expectRefused(tamper(derived, ['proof', 'proofPurpose'], () => 'authentication'));
    await expectRefused(tamper(derived, ['proof'], (p) => ({ ...(p as object), created: '2026-01-01T00:00:00Z' })));
    // A forged name the issuer never revealed is an unsigned statement too.
    await expectRefused(tamper(derived, ['credentialSubject'], (s) => ({ ...(s as object), name: 'agent://acme.com/ml/admin' })));
  });

  it('the base proof before derivation: derivation or verification fails (the HMAC key: or nothing changes)', async () => {
    const value = credential.proof.proofValue;
    const positions = samplePositions(value.length, 8, 16, 16);
    const hmacKey = hmacKeyCharacters(value);
    expect(positions.filter((at) => hmacKey.has(at)).length).toBeGreaterThan(0);
    for (const at of positions) {
      const forged = tamper(credential, ['proof', 'proofValue'], () => nextChar(value, at));
      const result = await deriveDisclosure(forged, { selectivePointers: [capabilityPointer('retrain')], documentLoader });
      if (!result.ok) {
        expect(result.problems.map((p) => p.code), `base char ${at}`).toEqual(['DISCLOSURE_INVALID']);
      } else if (!hmacKey.has(at)) {
        await expectRefused(result.value, 'DISCLOSURE_INVALID', verifyOptions, `base char ${at} (derived)`);
      } else {
        // The HMAC key only picks the order in which blank nodes are labelled (bbs-2023). The issuer
        // draws it at random, and another key picks the same order about 1 time in n! (n blank nodes):
        // then the derived proof is the genuine one's. So a changed key may verify, but never prove more.
        const verification = await verifyDisclosure(result.value, verifyOptions);
        if (verification.verified) {
          expect(verification.disclosed, `base char ${at} (HMAC key)`).toEqual(['retrain']);
          expect(result.value.credentialSubject, `base char ${at} (HMAC key)`).toEqual(derived.credentialSubject);
        } else {
          expect(verification.errors.map((e) => e.code), `base char ${at} (HMAC key)`).toEqual(['DISCLOSURE_INVALID']);
        }
      }
    }
  });

  it('the base credential content before derivation, revealed or hidden', async () => {
    const edits: [readonly (string | number)[], unknown][] = [
      [['credentialSubject', 'capabilities', 'retrain', 'maxRuns'], 50], // revealed
      [['credentialSubject', 'capabilities', 'deploy', 'approvalsRequired'], 1], // hidden
      [['credentialSubject', 'name'], 'agent://acme.com/ml/admin'], // hidden
      [['validUntil'], utc(T0 + 365 * DAY)], // mandatory
    ];
    for (const [path, replacement] of edits) {
      const forged: CapabilityCredential = tamper(credential, path, () => replacement);
      const result = await deriveDisclosure(forged, { selectivePointers: [capabilityPointer('retrain')], documentLoader });
      if (!result.ok) throw new Error('derivation failed');
      await expectRefused(result.value, 'DISCLOSURE_INVALID', verifyOptions, path.join('/'));
    }
  });
});
