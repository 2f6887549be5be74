import { describe, expect, it } from 'vitest';
import { registrationFor, T0, testKey } from '../test-support/agents.js';
import { countersign, signRecord } from './signing.js';
import { verifyAgentRecords } from './verify.js';

const NAME = 'agent://acme.com/billing/invoices';
const agent = testKey(1);
const registry = testKey(9);
const options = { registryDid: registry.did, expectedName: NAME, nowMs: T0 + 1000 };

function stored() {
  const { addr, facts } = registrationFor(agent, NAME, 7);
  return { addr: countersign(addr, registry, '2026-01-01T00:00:01Z'), facts: countersign(facts, registry, '2026-01-01T00:00:01Z') };
}

const codes = (result: { errors: readonly { code: string }[] }) => result.errors.map((e) => e.code);

describe('verifyAgentRecords', () => {
  it('verifies a genuine countersigned AgentAddr and AgentFacts', () => {
    expect(verifyAgentRecords(stored(), options)).toEqual({ verified: true, errors: [] });
  });

  it('fails when any signed field changes (every field of the AgentAddr payload)', () => {
    const genuine = stored();
    const changes: Record<string, unknown> = { ttl: 60, seq: 8, factsUrl: 'https://evil.example/facts', notAfter: '2026-03-01T00:00:00Z', factsSha256: '0'.repeat(64) };
    for (const [field, value] of Object.entries(changes)) {
      const tampered = { ...genuine, addr: { ...genuine.addr, payload: { ...genuine.addr.payload, [field]: value } } };
      const result = verifyAgentRecords(tampered, options);
      expect(result.verified, field).toBe(false);
      expect(codes(result), field).toEqual(expect.arrayContaining(['RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID']));
    }
  });

  it('fails on tampered facts, a re-signed record without the registry, another registry, a wrong name, expiry', () => {
    const genuine = stored();
    const facts = { ...genuine.facts, payload: { ...genuine.facts.payload, description: 'evil' } };
    expect(codes(verifyAgentRecords({ ...genuine, facts }, options))).toEqual(['FACTS_DIGEST_MISMATCH', 'RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID']);

    // The agent re-signs a changed record itself: its signature is fine, but no registry vouched for it.
    const resigned = { ...signRecord({ ...genuine.addr.payload, ttl: 5 }, agent), countersig: genuine.addr.countersig };
    expect(codes(verifyAgentRecords({ addr: resigned }, options))).toEqual(['RECORD_COUNTERSIGNATURE_INVALID']);

    expect(codes(verifyAgentRecords(genuine, { ...options, registryDid: testKey(4).did }))).toEqual([
      'RECORD_COUNTERSIGNATURE_INVALID',
      'RECORD_COUNTERSIGNATURE_INVALID',
    ]);
    expect(codes(verifyAgentRecords(genuine, { ...options, expectedName: 'agent://acme.com/other' }))).toEqual(['RECORD_NAME_MISMATCH']);
    expect(codes(verifyAgentRecords(genuine, { ...options, nowMs: T0 + 365 * 86_400_000 }))).toEqual(['RECORD_EXPIRED']);
  });

  it('refuses a countersignature time that is malformed or in the future', () => {
    const genuine = stored();
    const future = { ...genuine, addr: countersign({ payload: genuine.addr.payload, sig: genuine.addr.sig }, registry, '2026-01-01T00:10:00Z') };
    expect(codes(verifyAgentRecords(future, options))).toEqual(['RECORD_COUNTERSIGNATURE_INVALID']);
    expect(verifyAgentRecords(future, { ...options, nowMs: T0 + 10 * 60_000 }).verified).toBe(true);
    const sloppy = { ...genuine, addr: countersign({ payload: genuine.addr.payload, sig: genuine.addr.sig }, registry, '2026-01-01T00:00:01.5Z') };
    expect(codes(verifyAgentRecords(sloppy, options))).toEqual(['RECORD_COUNTERSIGNATURE_INVALID']);
  });

  it('never throws on garbage, it reports', () => {
    for (const addr of [null, 1, 'x', {}, { payload: {}, sig: 'x' }, { payload: null, sig: 1, countersig: {} }]) {
      const result = verifyAgentRecords({ addr }, options);
      expect(result.verified).toBe(false);
      expect(result.errors.length).toBeGreaterThan(0);
    }
    expect(verifyAgentRecords({ addr: stored().addr, facts: 'nope' }, options).verified).toBe(false);
  });
});
