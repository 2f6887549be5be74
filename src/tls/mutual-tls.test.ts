import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignpostError } from '../core/errors.js';
import { createTestCa, issueTestAgent, type TestAgent, type TestCa } from '../core/trust/certificates/test-support/pki.js';
import { checkPeer, clientTlsOptions, peerProblemDocument, serverTlsOptions, tlsErrorProblem } from './index.js';

const RETRAINER = 'agent://research-lab/ml-ops/model-retrainer';
let ca: TestCa;
let retrainer: TestAgent;

beforeAll(async () => {
  const now = new Date();
  ca = await createTestCa(now);
  retrainer = await issueTestAgent(ca, { name: RETRAINER, capabilities: ['model-training'], now });
});

function peerCertificate(pem: string): PeerCertificate {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return { raw: der } as PeerCertificate;
}

describe('TLS options', () => {
  it('server: client certificates required and verified against the registry CA only, TLS 1.3', () => {
    const options = serverTlsOptions({ caCertificatePem: ca.certificatePem, certificatePem: retrainer.certificatePem, privateKeyPem: retrainer.privateKeyPem });
    expect(options).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3', ca: [ca.certificatePem] });
  });

  it('client: the server must carry the expected agent name as its URI SAN (not a host name)', () => {
    const options = clientTlsOptions({ caCertificatePem: ca.certificatePem, certificatePem: retrainer.certificatePem, privateKeyPem: retrainer.privateKeyPem, serverName: 'model-retrainer.ml-ops@research-lab' });
    expect(options).toMatchObject({ rejectUnauthorized: true, minVersion: 'TLSv1.3', ca: [ca.certificatePem] });
    const check = options.checkServerIdentity;
    expect(check?.('127.0.0.1', peerCertificate(retrainer.certificatePem))).toBeUndefined();
    expect(check?.('127.0.0.1', peerCertificate(ca.certificatePem))).toMatchObject({ code: 'CERT_INVALID' });
    const other = clientTlsOptions({ caCertificatePem: ca.certificatePem, certificatePem: '', privateKeyPem: '', serverName: 'agent://research-lab/ml-ops/model-deployer' });
    expect(other.checkServerIdentity?.('127.0.0.1', peerCertificate(retrainer.certificatePem))).toMatchObject({ code: 'CERT_NAME_MISMATCH' });
  });

  it('client: a server name that is not an agent name is a programming error', () => {
    expect(() => clientTlsOptions({ caCertificatePem: '', certificatePem: '', privateKeyPem: '', serverName: 'not a name' })).toThrow(SignpostError);
  });
});

describe('checkPeer', () => {
  it('a plain TCP socket has no peer certificate: CERT_INVALID, no throw', async () => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const result = await checkPeer(socket as TLSSocket, { caCertificatePem: ca.certificatePem });
    expect(result).toMatchObject({ verified: false, errors: [{ code: 'CERT_INVALID' }] });
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('problems', () => {
  it('maps handshake failures to catalogued codes', () => {
    expect(tlsErrorProblem(new Error('socket hang up'), { authorizationError: 'CERT_HAS_EXPIRED' }).code).toBe('CERT_EXPIRED');
    expect(tlsErrorProblem(new Error('socket hang up'), { authorizationError: 'CERT_NOT_YET_VALID' }).code).toBe('CERT_EXPIRED');
    expect(tlsErrorProblem(new Error('socket hang up'), { authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }).code).toBe('CERT_INVALID');
    expect(tlsErrorProblem(Object.assign(new Error('x'), { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED' })).code).toBe('CERT_EXPIRED');
    expect(tlsErrorProblem(Object.assign(new Error('CERT_NAME_MISMATCH: the server is a, not b'), { code: 'CERT_NAME_MISMATCH' }))).toEqual({
      code: 'CERT_NAME_MISMATCH',
      detail: 'the server is a, not b',
    });
    expect(tlsErrorProblem('anything').code).toBe('CERT_INVALID');
  });

  it('answers a refused peer with 403 whatever the code, and 500 when its status could not be read', () => {
    expect(peerProblemDocument([{ code: 'AGENT_REVOKED', detail: 'x' }], '/retrain')).toEqual({
      type: 'urn:signpost:error:AGENT_REVOKED',
      title: 'The agent was revoked; its records must not be used',
      status: 403,
      code: 'AGENT_REVOKED',
      detail: 'x',
      instance: '/retrain',
      errors: [{ code: 'AGENT_REVOKED', detail: 'x' }],
    });
    expect(peerProblemDocument([{ code: 'CAPABILITY_MISSING', detail: 'x' }]).status).toBe(403);
    expect(peerProblemDocument([{ code: 'INTERNAL', detail: 'x' }]).status).toBe(500);
  });
});
