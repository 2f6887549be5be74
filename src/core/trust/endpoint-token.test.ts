import { describe, expect, it } from 'vitest';
import type { Result } from '../errors.js';
import { T0, testKey } from '../test-support/agents.js';
import { toBase64Url, fromBase64Url } from './encoding.js';
import { issueEndpointToken, verifyEndpointToken, type EndpointTokenClaims } from './endpoint-token.js';

const registry = testKey(9);
const foreign = testKey(8);
const requester = testKey(3).did;
const NAME = 'agent://dataworksai.com/mbta-transit-ci/alerts';
const iat = T0 / 1000;
const claims: EndpointTokenClaims = { iss: registry.did, sub: requester, aud: NAME, agentId: testKey(1).did, endpoint: 'https://us.mbta.example/a2a', instance: 'us-east-1', purpose: 'invoke', iat, exp: iat + 60, jti: 'ab12' };
const expected = { registryKey: registry.did, agent: NAME, requester, nowMs: T0 + 1000 };
const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);

describe('endpoint tokens', () => {
  it('a token the registry signed verifies offline with its key, for the agent, requester, endpoint and purpose it names', () => {
    const token = issueEndpointToken(registry, claims);
    expect(JSON.parse(new TextDecoder().decode(fromBase64Url(token.split('.')[0]!)))).toEqual({ alg: 'EdDSA', typ: 'signpost-endpoint+jwt', kid: registry.did });
    expect(verifyEndpointToken(token, { ...expected, endpoint: claims.endpoint, purpose: 'invoke' })).toEqual({ ok: true, value: claims });
  });

  it('refuses a missing, expired, foreign-signed, tampered, or another requester\'s token', () => {
    const token = issueEndpointToken(registry, claims);
    expect(codeOf(verifyEndpointToken(undefined, expected))).toBe('ENDPOINT_TOKEN_MISSING');
    expect(codeOf(verifyEndpointToken('', expected))).toBe('ENDPOINT_TOKEN_MISSING');
    expect(codeOf(verifyEndpointToken(token, { ...expected, nowMs: T0 + 66_000 }))).toBe('ENDPOINT_TOKEN_EXPIRED');
    expect(verifyEndpointToken(token, { ...expected, nowMs: T0 + 64_000 }).ok, 'within the skew').toBe(true);
    expect(codeOf(verifyEndpointToken(issueEndpointToken(foreign, { ...claims, iss: foreign.did }), expected))).toBe('ENDPOINT_TOKEN_INVALID');
    expect(codeOf(verifyEndpointToken(token, { ...expected, requester: testKey(4).did }))).toBe('ENDPOINT_TOKEN_MISMATCH');
    expect(codeOf(verifyEndpointToken(token, { ...expected, agent: 'agent://dataworksai.com/other' }))).toBe('ENDPOINT_TOKEN_MISMATCH');
    expect(codeOf(verifyEndpointToken(token, { ...expected, endpoint: 'https://evil.example' }))).toBe('ENDPOINT_TOKEN_MISMATCH');
    const [header, , signature] = token.split('.');
    const rewritten = toBase64Url(new TextEncoder().encode(JSON.stringify({ ...claims, sub: testKey(4).did })));
    expect(codeOf(verifyEndpointToken(`${header}.${rewritten}.${signature}`, { ...expected, requester: testKey(4).did }))).toBe('ENDPOINT_TOKEN_INVALID');
    expect(codeOf(verifyEndpointToken('a.b', expected))).toBe('ENDPOINT_TOKEN_INVALID');
    expect(codeOf(verifyEndpointToken(issueEndpointToken(registry, { ...claims, exp: iat + 3600 }), expected)), 'too long-lived').toBe('ENDPOINT_TOKEN_INVALID');
    expect(codeOf(verifyEndpointToken(issueEndpointToken(registry, { ...claims, iat: iat + 600, exp: iat + 660 }), expected)), 'from the future').toBe('ENDPOINT_TOKEN_INVALID');
  });
});
