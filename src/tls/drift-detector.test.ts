/**
 * The ANS article's scenario over real TLS sockets: a concept-drift detector may ask the model
 * retrainer to `retrain` only if its certificate carries that capability.
 *
 * The retrainer is a node:https server with mutual TLS (the registry CA is its only trust anchor)
 * whose POST /retrain is guarded by capabilityGuard('retrain'). Every client below connects to
 * 127.0.0.1 on an ephemeral port with its own certificate.
 */
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../core/errors.js';
import { createTestCa, issueTestAgent, type TestAgent, type TestCa } from '../core/trust/certificates/test-support/pki.js';
import { capabilityGuard, checkPeer, clientTlsOptions, serverTlsOptions, tlsErrorProblem, type PeerCheck } from './index.js';

const RETRAINER = 'agent://research-lab/ml-ops/model-retrainer';
const DETECTOR = 'agent://research-lab/drift-detection/concept-drift-detector';
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

// OpenSSL checks validity against the wall clock, so this scenario runs at the real time.
const now = new Date();

let ca: TestCa;
let rogueCa: TestCa;
let retrainer: TestAgent;
let agents: Record<'detector' | 'detectorEd25519' | 'monitorOnly' | 'expired' | 'revoked' | 'suspended' | 'rogue', TestAgent>;
let server: Server;
let port: number;
const revocations = new Map<string, 'revoked' | 'suspended'>();
const handshakeFailures: Problem[] = [];
const handshakeWaiters: Array<(problem: Problem) => void> = [];
const retrainRequests: Array<{ by: string | undefined; model: string }> = [];

beforeAll(async () => {
  ca = await createTestCa(new Date(now.getTime() - 3 * DAY), 'Signpost registry CA');
  rogueCa = await createTestCa(now, 'Rogue CA');
  retrainer = await issueTestAgent(ca, { name: RETRAINER, capabilities: ['model-training'], now });
  agents = {
    detector: await issueTestAgent(ca, { name: DETECTOR, capabilities: ['monitor', 'retrain'], now }),
    detectorEd25519: await issueTestAgent(ca, { name: DETECTOR, capabilities: ['retrain'], now, kind: 'ed25519' }),
    monitorOnly: await issueTestAgent(ca, { name: 'agent://research-lab/drift-detection/data-quality-monitor', capabilities: ['monitor'], now }),
    // Issued two days ago for one hour: long expired by now.
    expired: await issueTestAgent(ca, { name: DETECTOR, capabilities: ['retrain'], now: new Date(now.getTime() - 2 * DAY), validityMs: HOUR }),
    revoked: await issueTestAgent(ca, { name: 'agent://research-lab/drift-detection/old-drift-detector', capabilities: ['retrain'], now }),
    suspended: await issueTestAgent(ca, { name: 'agent://research-lab/drift-detection/paused-drift-detector', capabilities: ['retrain'], now }),
    // Same name and capability, but from a CA the retrainer does not trust.
    rogue: await issueTestAgent(rogueCa, { name: DETECTOR, capabilities: ['retrain'], now }),
  };
  revocations.set(agents.revoked.name, 'revoked');
  revocations.set(agents.suspended.name, 'suspended');

  const mayRetrain = capabilityGuard('retrain', {
    caCertificatePem: ca.certificatePem,
    isRevoked: (certificate) => revocations.get(certificate.agentName) ?? null,
  });
  server = createServer(
    serverTlsOptions({ caCertificatePem: ca.certificatePem, certificatePem: retrainer.certificatePem, privateKeyPem: retrainer.privateKeyPem }),
    (req, res) => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/retrain') {
          res.writeHead(404).end();
          return;
        }
        const peer = await mayRetrain(req, res);
        if (peer === undefined) return; // answered 403 with the code
        const body = JSON.parse(await readBody(req)) as { model: string };
        retrainRequests.push({ by: peer.agentName, model: body.model });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: true, model: body.model, requestedBy: peer.agentName, capabilities: peer.capabilities }));
      })();
    },
  );
  server.on('tlsClientError', (error, socket) => {
    const refusal = tlsErrorProblem(error, socket);
    handshakeFailures.push(refusal);
    handshakeWaiters.shift()?.(refusal);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

type Outcome =
  | { kind: 'response'; status: number; contentType: string | undefined; body: Record<string, unknown>; serverPeer: PeerCheck }
  | { kind: 'refused'; error: Error & { code?: string } };

interface CallOptions {
  readonly withCertificate?: boolean;
  readonly serverName?: string;
}

/** POST /retrain as `agent` over a fresh mutual-TLS connection (no pooling, closed afterwards). */
function callRetrain(agent: TestAgent, options: CallOptions = {}): Promise<Outcome> {
  const tlsOptions = clientTlsOptions({
    caCertificatePem: ca.certificatePem,
    certificatePem: agent.certificatePem,
    privateKeyPem: agent.privateKeyPem,
    serverName: options.serverName ?? RETRAINER,
  });
  if (options.withCertificate === false) {
    delete tlsOptions.cert;
    delete tlsOptions.key;
  }
  const payload = JSON.stringify({ model: 'churn-predictor', reason: 'accuracy dropped by 15%' });
  return new Promise((resolve) => {
    const req = request(
      {
        ...tlsOptions,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/retrain',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        void (async () => {
          // The client checks the server with the same core verifier: it must be the retrainer.
          const serverPeer = await checkPeer(res.socket as TLSSocket, { caCertificatePem: ca.certificatePem, expectedName: RETRAINER });
          const text = await readBody(res);
          resolve({ kind: 'response', status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: JSON.parse(text) as Record<string, unknown>, serverPeer });
        })();
      },
    );
    req.on('error', (error) => resolve({ kind: 'refused', error }));
    req.end(payload);
  });
}

function nextHandshakeFailure(): Promise<Problem> {
  return new Promise((resolve) => handshakeWaiters.push(resolve));
}

describe('the concept-drift detector asks the model retrainer to retrain (ANS scenario, real TLS)', () => {
  it('a detector whose certificate carries `retrain` is served (200), and both sides know who the other is', async () => {
    const outcome = await callRetrain(agents.detector);
    expect(outcome.kind).toBe('response');
    if (outcome.kind !== 'response') return;
    expect(outcome.status).toBe(200);
    expect(outcome.body).toEqual({ accepted: true, model: 'churn-predictor', requestedBy: DETECTOR, capabilities: ['monitor', 'retrain'] });
    expect(outcome.serverPeer).toMatchObject({ verified: true, errors: [], agentName: RETRAINER, capabilities: ['model-training'] });
    expect(retrainRequests.at(-1)).toEqual({ by: DETECTOR, model: 'churn-predictor' });
  });

  it('an Ed25519 detector key works too (OpenSSL accepts Ed25519 client certificates in TLS 1.3)', async () => {
    const outcome = await callRetrain(agents.detectorEd25519);
    expect(outcome.kind === 'response' && outcome.status).toBe(200);
  });

  it('a certificate without `retrain` (only `monitor`) gets 403 CAPABILITY_MISSING as problem+json', async () => {
    const before = retrainRequests.length;
    const outcome = await callRetrain(agents.monitorOnly);
    expect(outcome.kind).toBe('response');
    if (outcome.kind !== 'response') return;
    expect(outcome.status).toBe(403);
    expect(outcome.contentType).toBe('application/problem+json');
    expect(outcome.body).toMatchObject({ status: 403, code: 'CAPABILITY_MISSING', type: 'urn:signpost:error:CAPABILITY_MISSING', instance: '/retrain' });
    expect(String(outcome.body.detail)).toContain('"retrain"');
    expect(retrainRequests.length).toBe(before);
  });

  it('an expired certificate is refused in the handshake: the server learns CERT_EXPIRED, the client only a reset; no request reaches the handler', async () => {
    const before = retrainRequests.length;
    const failure = nextHandshakeFailure();
    const outcome = await callRetrain(agents.expired);
    // Node closes the connection of a client that failed verification without an alert ...
    expect(outcome.kind === 'refused' && outcome.error.code).toMatch(/^(ECONNRESET|EPIPE)$/);
    // ... and the server side keeps OpenSSL's reason (CERT_HAS_EXPIRED) on the socket.
    const refusal = await failure;
    expect(refusal.code).toBe('CERT_EXPIRED');
    expect(refusal.detail).toContain('CERT_HAS_EXPIRED');
    expect(retrainRequests.length).toBe(before);
  });

  it('a revoked agent gets 403 AGENT_REVOKED (the handshake cannot know; the guard asks isRevoked)', async () => {
    const outcome = await callRetrain(agents.revoked);
    expect(outcome.kind === 'response' && outcome.status).toBe(403);
    if (outcome.kind === 'response') expect(outcome.body.code).toBe('AGENT_REVOKED');
  });

  it('a suspended agent gets 403 AGENT_SUSPENDED', async () => {
    const outcome = await callRetrain(agents.suspended);
    expect(outcome.kind === 'response' && outcome.body.code).toBe('AGENT_SUSPENDED');
  });

  it('a certificate from another CA is refused in the handshake (CERT_INVALID), even with the right name and capability', async () => {
    const before = retrainRequests.length;
    const failure = nextHandshakeFailure();
    const outcome = await callRetrain(agents.rogue);
    expect(outcome.kind === 'refused' && outcome.error.code).toMatch(/^(ECONNRESET|EPIPE)$/);
    const refusal = await failure;
    expect(refusal.code).toBe('CERT_INVALID');
    expect(refusal.detail).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(retrainRequests.length).toBe(before);
  });

  it('a client without a certificate is refused in the handshake (TLS 1.3 certificate_required alert)', async () => {
    const failure = nextHandshakeFailure();
    const outcome = await callRetrain(agents.detector, { withCertificate: false });
    expect(outcome.kind === 'refused' && outcome.error.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    if (outcome.kind === 'refused') expect(tlsErrorProblem(outcome.error).code).toBe('CERT_INVALID');
    const refusal = await failure;
    expect(refusal.code).toBe('CERT_INVALID');
    expect(refusal.detail).toContain('no certificate');
  });

  it('the client refuses a server that is not the agent it meant to reach (CERT_NAME_MISMATCH)', async () => {
    const outcome = await callRetrain(agents.detector, { serverName: 'agent://research-lab/ml-ops/model-deployer' });
    expect(outcome.kind).toBe('refused');
    if (outcome.kind !== 'refused') return;
    expect(outcome.error.code).toBe('CERT_NAME_MISMATCH');
    expect(tlsErrorProblem(outcome.error)).toMatchObject({ code: 'CERT_NAME_MISMATCH' });
  });

  it('only the two detectors holding `retrain` reached the handler; the handshake refusals came in order', () => {
    expect(retrainRequests.map((r) => r.by)).toEqual([DETECTOR, DETECTOR]);
    // (the name-mismatch client hangs up after its handshake; whether the server counts that as a
    // handshake failure depends on timing, so only the first three are compared)
    expect(handshakeFailures.slice(0, 3).map((p) => p.code)).toEqual(['CERT_EXPIRED', 'CERT_INVALID', 'CERT_INVALID']);
  });
});
