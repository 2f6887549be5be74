import { describe, expect, it } from 'vitest';
import { countersign } from '../core/record/signing.js';
import { registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { verifyResolveAnswer } from './verify-answer.js';

const NAME = 'agent://acme.com/billing/invoices';
const registry = testKey(9);

function answer(endpoint: unknown) {
  const { addr, facts } = registrationFor(testKey(1), NAME, 1);
  return { name: NAME, endpoint, addr: countersign(addr, registry, '2026-01-01T00:00:00Z'), facts: countersign(facts, registry, '2026-01-01T00:00:00Z') };
}

describe('verifyResolveAnswer', () => {
  const options = { registryDid: registry.did, expectedName: NAME, nowMs: T0 + 1 };

  it('accepts an endpoint the agent signed, or none', () => {
    const signed = { url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a' };
    expect(verifyResolveAnswer(answer(signed), options)).toMatchObject({ verified: true, errors: [] });
    expect(verifyResolveAnswer(answer(null), options).verified).toBe(true);
    expect(verifyResolveAnswer(answer(signed), options).endpoints).toHaveLength(2);
  });

  it('refuses an endpoint the registry made up (ENDPOINT_NOT_SIGNED)', () => {
    const invented = { url: 'https://evil.example/a2a', protocol: 'a2a' };
    expect(verifyResolveAnswer(answer(invented), options)).toMatchObject({ verified: false, errors: [{ code: 'ENDPOINT_NOT_SIGNED' }] });
  });

  it('reports a missing facts record instead of throwing', () => {
    const { facts: _facts, ...withoutFacts } = answer(null);
    expect(verifyResolveAnswer(withoutFacts, options).verified).toBe(false);
    expect(verifyResolveAnswer(undefined, options).verified).toBe(false);
  });
});
