import { describe, expect, it } from 'vitest';
import type { Problem } from '../../errors.js';
import { testKey } from '../../test-support/agents.js';
import { checkDisclosureVerdict, DISCLOSURE_VERDICT_LIMITS, fitDisclosureCheck, signDisclosureVerdict, type DisclosureCheck } from './disclosure-check.js';

const registryKey = testKey(9);
const NOW = Date.UTC(2026, 0, 1);
const credential = { any: 'derived credential' };
const input = { credential, capability: 'retrain', challenge: 'c'.repeat(DISCLOSURE_VERDICT_LIMITS.challenge) };
const expected = { ...input, registryKey: registryKey.did, nowMs: NOW };

describe('the signed DisclosureVerdict: signer and checker agree on its limits', () => {
  it('a genuine verdict with long pointers, long details, many errors and a long did:web is accepted', () => {
    const longDid = `did:web:registry.example:${'tenant-segment:'.repeat(60)}signpost`;
    expect(longDid.length).toBeGreaterThan(512);
    const errors: Problem[] = Array.from({ length: 100 }, (_, i) => ({
      code: 'CREDENTIAL_INVALID',
      detail: `credentialSubject has no member ${JSON.stringify('n'.repeat(6000))} (${i})`,
      pointer: `/credentialSubject/${'n'.repeat(1100 + i * 50)}`,
    }));
    const check: DisclosureCheck = { verified: false, revealed: ['retrain'], errors, issuer: longDid, subject: { id: registryKey.did, name: 'agent://acme.com/x' }, validUntil: '2026-01-02T00:00:00Z' };
    const verdict = signDisclosureVerdict(input, check, registryKey, NOW);
    const checked = checkDisclosureVerdict(verdict, expected);
    expect(checked).toEqual({ ok: true, value: verdict.payload.check });
    const value = checked.ok ? checked.value : check;
    expect(value.issuer).toBe(longDid);
    expect(value.errors).toHaveLength(DISCLOSURE_VERDICT_LIMITS.errors);
    // 1,150 characters: kept whole; longer ones cut with a final "…".
    expect(value.errors[1]?.pointer).toBe(errors[1]?.pointer);
    expect(value.errors[63]?.pointer).toHaveLength(DISCLOSURE_VERDICT_LIMITS.pointer);
    expect(value.errors[63]?.pointer?.endsWith('…')).toBe(true);
    expect(value.errors[0]?.detail).toHaveLength(DISCLOSURE_VERDICT_LIMITS.detail);
  });

  it('cuts by code point (no lone surrogate), and leaves out what cannot be cut without changing it', () => {
    const emoji = '😀'.repeat(5000);
    const fitted = fitDisclosureCheck({
      verified: true,
      revealed: ['retrain', 'r'.repeat(65)],
      errors: [{ code: 'CREDENTIAL_INVALID', detail: emoji, pointer: `/${emoji}` }],
      issuer: `did:web:${'a'.repeat(3000)}`,
      subject: { id: registryKey.did, name: 'n'.repeat(2000) },
      validUntil: 'x'.repeat(100),
    });
    expect(fitted).toEqual({ verified: true, revealed: ['retrain'], errors: [expect.any(Object)], subject: { id: registryKey.did } });
    expect([...fitted.errors[0]!.detail]).toHaveLength(DISCLOSURE_VERDICT_LIMITS.detail);
    expect(fitted.errors[0]!.detail).toBe(`${'😀'.repeat(DISCLOSURE_VERDICT_LIMITS.detail - 1)}…`);
    const verdict = signDisclosureVerdict(input, fitted, registryKey, NOW);
    expect(checkDisclosureVerdict(verdict, expected).ok).toBe(true);
    // A check that already fits is signed unchanged.
    const small: DisclosureCheck = { verified: false, revealed: [], errors: [{ code: 'CAPABILITY_MISSING', detail: 'no', pointer: '/x' }] };
    expect(fitDisclosureCheck(small)).toEqual(small);
  });
});
