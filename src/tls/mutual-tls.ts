/**
 * `signpost/tls`: mutual TLS between agents with Signpost capability certificates.
 *
 * Two layers check a peer, on purpose:
 *   1. OpenSSL, during the handshake (options below): the chain to the registry CA (the only trust
 *      anchor), the validity period, the key usage and purpose. A peer that fails here never gets
 *      a request through; the reason is visible as a `tlsClientError` (server) or a connection
 *      error (client), which `tlsErrorProblem` maps to a catalogued code.
 *   2. The core verifier, per call (`checkPeer`, `capabilityGuard`): the same chain and validity
 *      again, plus what OpenSSL cannot know: the capability this call requires, the expected
 *      agent name, and the agent's revocation or suspension status. Failures come back as
 *      catalogued codes (CAPABILITY_MISSING, AGENT_REVOKED, ...), answered as problem+json.
 *
 * This module reads the clock (`now` defaults to the wall clock); it is not part of the pure core.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket, type ConnectionOptions, type PeerCertificate, type TlsOptions } from 'node:tls';
import { isErrorCode, problem, SignpostError, titleOf, type ErrorCode, type Problem } from '../core/errors.js';
import { parseAgentName } from '../core/name/index.js';
import {
  readCapabilityCertificate,
  verifyCapabilityCertificate,
  type CapabilityCertificateInfo,
  type VerifyCapabilityCertificateOptions,
} from '../core/trust/certificates/index.js';

/** What one agent holds to speak mutual TLS: the registry CA, its certificate, its private key. */
export interface TlsIdentity {
  /** The registry CA certificate: the only trust anchor for peers. */
  readonly caCertificatePem: string;
  /** This agent's capability certificate. */
  readonly certificatePem: string;
  /** This agent's private key, PKCS #8 PEM. */
  readonly privateKeyPem: string;
}

/** TLS 1.3 only: every Signpost peer is new, and 1.3 encrypts the client certificate. */
export const MIN_TLS_VERSION = 'TLSv1.3';

/**
 * Options for `tls.createServer` / `https.createServer`: the server presents its certificate,
 * asks every client for one and refuses the handshake unless it chains to the registry CA.
 */
export function serverTlsOptions(identity: TlsIdentity): TlsOptions & { requestCert: true; rejectUnauthorized: true } {
  return {
    ca: [identity.caCertificatePem],
    cert: identity.certificatePem,
    key: identity.privateKeyPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: MIN_TLS_VERSION,
  };
}

export interface ClientTlsIdentity extends TlsIdentity {
  /**
   * The agent the client means to reach (any accepted name form). The server's certificate must
   * carry exactly this name as its URI SAN; host names and IP addresses are not what is checked,
   * because an agent's identity is its name, wherever it runs.
   */
  readonly serverName: string;
}

/**
 * Options for `tls.connect` / `https.request`: the client presents its certificate, trusts only
 * the registry CA, and accepts the server only if its certificate names `serverName`.
 * Throws SignpostError (NAME_*) if `serverName` is not an agent name: that is a programming error.
 */
export function clientTlsOptions(identity: ClientTlsIdentity): ConnectionOptions {
  const expected = parseAgentName(identity.serverName);
  if (!expected.ok) throw SignpostError.from(expected.problems);
  const expectedName = expected.value.canonical;
  return {
    ca: [identity.caCertificatePem],
    cert: identity.certificatePem,
    key: identity.privateKeyPem,
    rejectUnauthorized: true,
    minVersion: MIN_TLS_VERSION,
    checkServerIdentity: (_host: string, certificate: PeerCertificate): Error | undefined => {
      const read = readCapabilityCertificate(new Uint8Array(certificate.raw));
      if (!read.ok) return codedError('CERT_INVALID', read.problems[0]?.detail ?? 'the server certificate is not a capability certificate');
      if (read.value.agentName !== expectedName) {
        return codedError('CERT_NAME_MISMATCH', `the server is ${read.value.agentName}, not ${expectedName}`);
      }
      return undefined;
    },
  };
}

export interface CheckPeerOptions {
  readonly caCertificatePem: string;
  readonly requiredCapability?: string;
  readonly expectedName?: string;
  readonly isRevoked?: VerifyCapabilityCertificateOptions['isRevoked'];
  /** Defaults to the wall clock. */
  readonly now?: Date;
}

export interface PeerCheck {
  readonly verified: boolean;
  readonly errors: readonly Problem[];
  /** The peer's canonical agent name, when its certificate chains to the registry CA. */
  readonly agentName?: string;
  readonly capabilities?: readonly string[];
  readonly certificate?: CapabilityCertificateInfo;
}

/**
 * Verify the peer of a TLS connection with the core verifier. OpenSSL already checked the chain
 * (with rejectUnauthorized); this re-checks it and adds capability, name and revocation, so every
 * refusal carries a catalogued code. Never throws.
 */
export async function checkPeer(socket: TLSSocket, options: CheckPeerOptions): Promise<PeerCheck> {
  if (!(socket instanceof TLSSocket)) return refused('CERT_INVALID', 'the connection is not TLS, so the peer presented no certificate');
  if (!socket.authorized) {
    return refused('CERT_INVALID', `the TLS layer did not authorise the peer: ${String(socket.authorizationError ?? 'no certificate was presented')}`);
  }
  const peer = socket.getPeerX509Certificate();
  if (peer === undefined) return refused('CERT_INVALID', 'the peer presented no certificate');
  const result = await verifyCapabilityCertificate(peer, {
    caCertificatePem: options.caCertificatePem,
    now: options.now ?? new Date(),
    ...(options.expectedName === undefined ? {} : { expectedName: options.expectedName }),
    ...(options.requiredCapability === undefined ? {} : { requiredCapability: options.requiredCapability }),
    ...(options.isRevoked === undefined ? {} : { isRevoked: options.isRevoked }),
  });
  const certificate = result.certificate;
  return certificate === undefined
    ? { verified: result.verified, errors: result.errors }
    : {
        verified: result.verified,
        errors: result.errors,
        agentName: certificate.agentName,
        capabilities: certificate.capabilities,
        certificate,
      };
}

export interface CapabilityGuardOptions {
  readonly caCertificatePem: string;
  /** Restrict the call to one named agent as well (any accepted name form). */
  readonly expectedName?: string;
  readonly isRevoked?: VerifyCapabilityCertificateOptions['isRevoked'];
  /** Defaults to the wall clock, read per call. */
  readonly clock?: () => Date;
}

/**
 * Per call: resolves to the verified peer, or answers the request itself (403, or 500 when the
 * revocation status could not be read) with a problem+json body and resolves to undefined.
 */
export type CapabilityGuard = (request: IncomingMessage, response: ServerResponse) => Promise<PeerCheck | undefined>;

/**
 * A guard for an HTTPS handler: the caller's certificate must carry `requiredCapability`.
 *
 * ```ts
 * const mayRetrain = capabilityGuard('retrain', { caCertificatePem, isRevoked });
 * https.createServer(serverTlsOptions(identity), async (req, res) => {
 *   const peer = await mayRetrain(req, res);
 *   if (peer === undefined) return; // already answered 403 with the code
 *   ...
 * });
 * ```
 */
export function capabilityGuard(requiredCapability: string, options: CapabilityGuardOptions): CapabilityGuard {
  return async (request, response) => {
    const check = await checkPeer(request.socket as TLSSocket, {
      caCertificatePem: options.caCertificatePem,
      requiredCapability,
      now: options.clock?.() ?? new Date(),
      ...(options.expectedName === undefined ? {} : { expectedName: options.expectedName }),
      ...(options.isRevoked === undefined ? {} : { isRevoked: options.isRevoked }),
    });
    if (check.verified) return check;
    sendPeerProblems(response, check.errors, request.url);
    return undefined;
  };
}

/** RFC 9457 problem document, the same shape the HTTP face sends. */
export interface PeerProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly instance?: string;
  readonly errors: readonly Problem[];
}

/**
 * A refused peer gets 403 whatever the code (the resource exists; this caller may not use it),
 * except INTERNAL (its status could not be checked): 500.
 */
export function peerProblemDocument(problems: readonly Problem[], instance?: string): PeerProblemDocument {
  const first = problems[0] ?? problem('INTERNAL', 'the peer was refused for no recorded reason');
  return {
    type: `urn:signpost:error:${first.code}`,
    title: titleOf(first.code),
    status: first.code === 'INTERNAL' ? 500 : 403,
    code: first.code,
    detail: first.detail,
    ...(instance === undefined ? {} : { instance }),
    errors: problems,
  };
}

export function sendPeerProblems(response: ServerResponse, problems: readonly Problem[], instance?: string): void {
  const document = peerProblemDocument(problems, instance);
  const body = JSON.stringify(document);
  response.writeHead(document.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * OpenSSL / Node error codes of a refused handshake, as catalogued problems. On the server these
 * come from the `tlsClientError` event; on the client from the connection or request error.
 */
const TLS_ERROR_CODES: Readonly<Record<string, { code: ErrorCode; detail: string }>> = {
  // verification failures, as seen by the side that verified
  CERT_HAS_EXPIRED: { code: 'CERT_EXPIRED', detail: 'the peer certificate has expired' },
  CERT_NOT_YET_VALID: { code: 'CERT_EXPIRED', detail: 'the peer certificate is not valid yet' },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { code: 'CERT_INVALID', detail: 'the peer certificate was not issued by the registry CA' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 'CERT_INVALID', detail: 'the peer certificate was not issued by the registry CA' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { code: 'CERT_INVALID', detail: 'the peer certificate is self-signed' },
  CERT_SIGNATURE_FAILURE: { code: 'CERT_INVALID', detail: 'the peer certificate signature does not verify' },
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: { code: 'CERT_INVALID', detail: 'the client presented no certificate' },
  // alerts, as seen by the side that was refused
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: { code: 'CERT_EXPIRED', detail: 'the server refused our certificate as expired' },
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: { code: 'CERT_INVALID', detail: 'the server requires a client certificate' },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: { code: 'CERT_INVALID', detail: 'the peer does not trust the CA that issued our certificate' },
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: { code: 'CERT_INVALID', detail: 'the peer refused our certificate' },
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: { code: 'CERT_INVALID', detail: 'the peer refused our certificate' },
};

/**
 * Why a handshake failed, as a catalogued problem. On the server pass the socket of the
 * `tlsClientError` event too: Node closes the connection of a client whose certificate failed
 * verification without an alert, so the error itself only says ECONNRESET while
 * `socket.authorizationError` holds OpenSSL's reason (CERT_HAS_EXPIRED, ...). On the client, a
 * refusal by the server shows as an alert (no certificate) or a bare ECONNRESET (bad certificate).
 * Failures that are not about a certificate still come back as CERT_INVALID: the catalogue has
 * no handshake code yet, and a peer that hangs up mid-handshake is, in practice, refusing us.
 */
export function tlsErrorProblem(error: unknown, socket?: { readonly authorizationError?: unknown }): Problem {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (isErrorCode(code)) return problem(code, message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message);
  const reason = socket?.authorizationError;
  const verifyFailure = typeof reason === 'string' ? TLS_ERROR_CODES[reason] : undefined;
  if (verifyFailure !== undefined) return problem(verifyFailure.code, `${verifyFailure.detail} (OpenSSL: ${String(reason)})`);
  if (typeof reason === 'string' || reason instanceof Error) {
    return problem('CERT_INVALID', `the peer certificate failed verification (OpenSSL: ${reason instanceof Error ? reason.message : reason})`);
  }
  const known = typeof code === 'string' ? TLS_ERROR_CODES[code] : undefined;
  if (known !== undefined) return problem(known.code, `${known.detail} (${String(code)})`);
  return problem(
    'CERT_INVALID',
    `the TLS handshake did not complete (${typeof code === 'string' ? `${code}: ` : ''}${message}); a peer that closes the connection here has usually refused our certificate`,
  );
}

function refused(code: ErrorCode, detail: string): PeerCheck {
  return { verified: false, errors: [problem(code, detail)] };
}

function codedError(code: ErrorCode, detail: string): Error & { code: ErrorCode } {
  return Object.assign(new Error(`${code}: ${detail}`), { code });
}
