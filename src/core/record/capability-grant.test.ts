import { describe, expect, it } from 'vitest';
import { T0, testKey } from '../test-support/agents.js';
import { checkCapabilityGrant, createCapabilityGrant, sortedCapabilities } from './capability-grant.js';
import { verifyRecordSignature } from './signing.js';

const NAME = 'agent://research-lab/drift-detection/concept-drift-detector';
const operator = testKey(9);

function codeOf(value: unknown): string | undefined {
  const result = checkCapabilityGrant(value, '/payload');
  return result.ok ? undefined : result.problems[0]!.code;
}

describe('CapabilityGrant', () => {
  it('is built sorted and without duplicates, signed by the operator key, and passes its own check', () => {
    const grant = createCapabilityGrant(operator, NAME, ['retrain', 'monitor', 'retrain'], T0);
    expect(grant.payload).toEqual({ type: 'CapabilityGrant', v: 1, name: NAME, capabilities: ['monitor', 'retrain'], at: '2026-01-01T00:00:00Z', by: operator.did });
    expect(verifyRecordSignature(grant, operator.did)).toBe(true);
    expect(checkCapabilityGrant(grant.payload)).toEqual({ ok: true, value: grant.payload });
    expect(sortedCapabilities(['b', 'a', 'b'])).toEqual(['a', 'b']);
  });

  it('allows an empty list (withdraws every grant)', () => {
    expect(checkCapabilityGrant(createCapabilityGrant(operator, NAME, [], T0).payload).ok).toBe(true);
  });

  const valid = createCapabilityGrant(operator, NAME, ['monitor', 'retrain'], T0).payload;
  it.each([
    ['an unknown field', { ...valid, extra: 1 }, 'RECORD_UNKNOWN_FIELD'],
    ['a missing field', { ...valid, at: undefined }, 'RECORD_INVALID'],
    ['another type', { ...valid, type: 'AgentStatusChange' }, 'RECORD_INVALID'],
    ['an upper-case capability', { ...valid, capabilities: ['Retrain'] }, 'RECORD_INVALID'],
    ['a capability with a space', { ...valid, capabilities: ['re train'] }, 'RECORD_INVALID'],
    ['an empty capability', { ...valid, capabilities: [''] }, 'RECORD_INVALID'],
    ['a 65-character capability', { ...valid, capabilities: ['a'.repeat(65)] }, 'RECORD_INVALID'],
    ['65 capabilities', { ...valid, capabilities: Array.from({ length: 65 }, (_, i) => `c${String(i).padStart(2, '0')}`) }, 'RECORD_INVALID'],
    ['duplicates', { ...valid, capabilities: ['retrain', 'retrain'] }, 'RECORD_INVALID'],
    ['an unsorted list', { ...valid, capabilities: ['retrain', 'monitor'] }, 'RECORD_INVALID'],
    ['a non-canonical name', { ...valid, name: 'concept-drift-detector.drift-detection@research-lab' }, 'RECORD_INVALID'],
    ['a bad signer id', { ...valid, by: 'did:web:example.com' }, 'AGENT_ID_INVALID'],
    ['an impossible date', { ...valid, at: '2026-02-30T00:00:00Z' }, 'RECORD_INVALID'],
  ])('refuses %s', (_why, value, code) => {
    expect(codeOf(value)).toBe(code);
  });

  it('accepts exactly 64 capabilities of 64 characters', () => {
    const capabilities = Array.from({ length: 64 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(62)}`);
    expect(codeOf({ ...valid, capabilities })).toBeUndefined();
  });
});
