import { describe, expect, it } from 'vitest';
import { T0, testKey } from '../test-support/agents.js';
import { checkCertificateRequest, createCertificateRequest } from './certificate-request.js';
import { verifyRecordSignature } from './signing.js';

const NAME = 'agent://research-lab/drift-detection/concept-drift-detector';
const agent = testKey(1);
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

function codeOf(value: unknown): string | undefined {
  const result = checkCertificateRequest(value, '/payload');
  return result.ok ? undefined : result.problems[0]!.code;
}

describe('CertificateRequest', () => {
  it('is signed by the agent key, names it, and passes its own check', () => {
    const request = createCertificateRequest({ key: agent, name: NAME, csrPem: CSR, validitySeconds: 3600, capabilities: ['retrain', 'monitor'], nowMs: T0 });
    expect(request.payload).toEqual({
      type: 'CertificateRequest',
      v: 1,
      name: NAME,
      agentId: agent.did,
      csr: CSR,
      validitySeconds: 3600,
      capabilities: ['monitor', 'retrain'],
      at: '2026-01-01T00:00:00Z',
    });
    expect(verifyRecordSignature(request, agent.did)).toBe(true);
    expect(checkCertificateRequest(request.payload).ok).toBe(true);
  });

  it('leaves capabilities out when none are asked for (the registry then uses every granted one)', () => {
    const request = createCertificateRequest({ key: agent, name: NAME, csrPem: CSR, validitySeconds: 60, nowMs: T0 });
    expect('capabilities' in request.payload).toBe(false);
    expect(checkCertificateRequest(request.payload).ok).toBe(true);
  });

  const valid = createCertificateRequest({ key: agent, name: NAME, csrPem: CSR, validitySeconds: 3600, nowMs: T0 }).payload;
  it.each([
    ['an unknown field', { ...valid, extra: true }, 'RECORD_UNKNOWN_FIELD'],
    ['validity under 60 s', { ...valid, validitySeconds: 59 }, 'RECORD_INVALID'],
    ['validity over 24 h', { ...valid, validitySeconds: 86_401 }, 'RECORD_INVALID'],
    ['a fractional validity', { ...valid, validitySeconds: 60.5 }, 'RECORD_INVALID'],
    ['an empty CSR', { ...valid, csr: '' }, 'RECORD_INVALID'],
    ['a huge CSR', { ...valid, csr: 'x'.repeat(8193) }, 'RECORD_INVALID'],
    ['a bad capability', { ...valid, capabilities: ['Retrain!'] }, 'RECORD_INVALID'],
    ['duplicate capabilities', { ...valid, capabilities: ['a', 'a'] }, 'RECORD_INVALID'],
    ['a non-canonical name', { ...valid, name: 'agent://Research-Lab/x' }, 'RECORD_INVALID'],
    ['a bad agent id', { ...valid, agentId: 'did:key:nope' }, 'AGENT_ID_INVALID'],
    ['a bad time', { ...valid, at: '2026-01-01T00:00:00.5Z' }, 'RECORD_INVALID'],
  ])('refuses %s', (_why, value, code) => {
    expect(codeOf(value)).toBe(code);
  });
});
