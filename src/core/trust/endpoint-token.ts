/**
 * Signed endpoint tokens (spec section 23): the registry that chose an endpoint for a requester
 * signs, for at most 60 seconds, which requester may call which agent at which endpoint for what
 * purpose. The target agent checks it offline with the registry's key alone: a JWS (RFC 7515,
 * compact) with EdDSA over Ed25519 (RFC 8037), `typ` `signpost-endpoint+jwt`. Checking returns a
 * result with a stable code; it never throws.
 */
import { fail, ok, type Result } from '../errors.js';
import { checkSignatureWithDidKey, type SigningKey } from './ed25519.js';
import { fromBase64Url, toBase64Url } from './encoding.js';

export const ENDPOINT_TOKEN_TYPE = 'signpost-endpoint+jwt';
/** The longest a token may live: the adaptive-routing tier of the NANDA papers is 30-60 s. */
export const MAX_ENDPOINT_TOKEN_SECONDS = 60;
/** Clock difference tolerated between the registry and the agent checking a token. */
export const ENDPOINT_TOKEN_SKEW_SECONDS = 5;

export interface EndpointTokenClaims {
  /** The registry's did:key (also the header's `kid`). */
  readonly iss: string;
  /** The requester the token was issued to: its DID, as the requester stated it. */
  readonly sub: string;
  /** The canonical name of the target agent: who checks the token. */
  readonly aud: string;
  /** The agent key the name was bound to when the token was issued. */
  readonly agentId: string;
  /** The endpoint URL chosen. */
  readonly endpoint: string;
  /** The deployment instance chosen, when the agent publishes instances. */
  readonly instance?: string;
  /** What the requester said it calls the agent for (`invoke` unless given). */
  readonly purpose: string;
  /** Issued at, expires at: seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  /** Unique per token (hex), for agents that keep a replay cache. */
  readonly jti: string;
}

const HEADER = (kid: string) => ({ alg: 'EdDSA', typ: ENDPOINT_TOKEN_TYPE, kid });
const encodeJson = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** Sign the claims with the registry key (its did:key must be `claims.iss`). */
export function issueEndpointToken(key: SigningKey, claims: EndpointTokenClaims): string {
  if (claims.iss !== key.did) throw new RangeError(`the token's issuer ${claims.iss} is not the signing key ${key.did}`);
  const input = `${encodeJson(HEADER(key.did))}.${encodeJson(claims)}`;
  return `${input}.${toBase64Url(key.sign(new TextEncoder().encode(input)))}`;
}

/** What the checking agent expects; `requester`, `endpoint` and `purpose` are checked when given. */
export interface EndpointTokenExpectations {
  /** The registry key the agent trusts. */
  readonly registryKey: string;
  /** The agent's own canonical name. */
  readonly agent: string;
  /** The DID of whoever presents the token (from its mutual TLS certificate or HTTP message signature). */
  readonly requester?: string;
  readonly endpoint?: string;
  readonly purpose?: string;
  readonly nowMs: number;
}

export function verifyEndpointToken(token: string | undefined, expected: EndpointTokenExpectations): Result<EndpointTokenClaims> {
  if (token === undefined || token === '') return fail('ENDPOINT_TOKEN_MISSING', `no endpoint token was presented; ${expected.agent} accepts calls only with one from its registry`);
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 4096) return fail('ENDPOINT_TOKEN_INVALID', 'the endpoint token is not a compact JWS (three base64url parts)');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart) as Partial<EndpointTokenClaims> | undefined;
  const signature = fromBase64Url(signaturePart);
  if (header === undefined || claims === undefined || signature === undefined) return fail('ENDPOINT_TOKEN_INVALID', 'a part of the endpoint token is not base64url JSON');
  if (header.alg !== 'EdDSA' || header.typ !== ENDPOINT_TOKEN_TYPE) return fail('ENDPOINT_TOKEN_INVALID', `the token's header must say alg EdDSA and typ ${ENDPOINT_TOKEN_TYPE}`);
  if (header.kid !== expected.registryKey || claims.iss !== expected.registryKey) {
    return fail('ENDPOINT_TOKEN_INVALID', `the token was issued by ${String(claims.iss)}, not by the trusted registry ${expected.registryKey}`);
  }
  const check = checkSignatureWithDidKey(expected.registryKey, new TextEncoder().encode(`${headerPart}.${payloadPart}`), signature);
  if (!check.valid) return fail('ENDPOINT_TOKEN_INVALID', `the token's signature does not verify with ${expected.registryKey}: ${check.reason}`);
  const shape = checkClaims(claims);
  if (!shape.ok) return shape;
  const nowSeconds = expected.nowMs / 1000;
  if (shape.value.iat > nowSeconds + ENDPOINT_TOKEN_SKEW_SECONDS) return fail('ENDPOINT_TOKEN_INVALID', `the token was issued in the future (${shape.value.iat})`);
  if (shape.value.exp <= nowSeconds - ENDPOINT_TOKEN_SKEW_SECONDS) return fail('ENDPOINT_TOKEN_EXPIRED', `the token expired at ${new Date(shape.value.exp * 1000).toISOString()}`);
  const mismatch = (what: string, got: string, want: string) => fail('ENDPOINT_TOKEN_MISMATCH', `the token is for ${what} ${got}, not ${want}`);
  if (shape.value.aud !== expected.agent) return mismatch('the agent', shape.value.aud, expected.agent);
  if (expected.requester !== undefined && shape.value.sub !== expected.requester) return mismatch('the requester', shape.value.sub, expected.requester);
  if (expected.endpoint !== undefined && shape.value.endpoint !== expected.endpoint) return mismatch('the endpoint', shape.value.endpoint, expected.endpoint);
  if (expected.purpose !== undefined && shape.value.purpose !== expected.purpose) return mismatch('the purpose', shape.value.purpose, expected.purpose);
  return shape;
}

function checkClaims(claims: Partial<EndpointTokenClaims>): Result<EndpointTokenClaims> {
  const strings = ['iss', 'sub', 'aud', 'agentId', 'endpoint', 'purpose', 'jti'] as const;
  for (const name of strings) if (typeof claims[name] !== 'string') return fail('ENDPOINT_TOKEN_INVALID', `the token has no ${name}`);
  if (claims.instance !== undefined && typeof claims.instance !== 'string') return fail('ENDPOINT_TOKEN_INVALID', 'the token has an instance that is not a string');
  const { iat, exp } = claims;
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || exp! <= iat! || exp! - iat! > MAX_ENDPOINT_TOKEN_SECONDS) {
    return fail('ENDPOINT_TOKEN_INVALID', `the token must live 1 to ${MAX_ENDPOINT_TOKEN_SECONDS} seconds (iat, exp in whole seconds)`);
  }
  return ok(claims as EndpointTokenClaims);
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  const bytes = fromBase64Url(part);
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
