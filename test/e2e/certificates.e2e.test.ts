/**
 * Capability certificates end to end, with real processes: a registry (`signpost serve`), the
 * operator granting `retrain` with the data directory's registry-key.jwk, agents asking for
 * certificates with `signpost cert issue`, and then a real mutual-TLS handshake in this process
 * between the model retrainer and the concept-drift detector, both holding certificates from the
 * registry CA, the retrainer's POST /retrain guarded by capabilityGuard('retrain').
 */
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/registry-client.js';
import type { RevocationStatus } from '../../src/core/trust/certificates/index.js';
import { capabilityGuard, clientTlsOptions, serverTlsOptions } from '../../src/tls/index.js';
import { registryFixture, runCli, registerWithCli } from './support.js';

const DETECTOR = 'agent://research-lab/drift-detection/concept-drift-detector';
const RETRAINER = 'agent://research-lab/ml-ops/model-retrainer';
const MONITOR = 'agent://research-lab/drift-detection/data-quality-monitor';

const fixture = registryFixture('certificates');
let server: Server | undefined;

afterAll(async () => {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server!.close(() => resolve()));
});

const file = (name: string) => join(fixture.work, name);
const operatorKey = () => join(fixture.server.dataDir, 'registry-key.jwk');

const registerAgent = (name: string, key: string) => registerWithCli(fixture.env, name, key, 'https=https://agents.research-lab.example/x');

/** `signpost cert issue` with the key `<agent>.jwk`, writing `<out>.cert.pem`, `<out>.tls-key.pem` and `<out>.ca.pem`. */
function issueArgs(agent: string, name: string, capability?: string, out = agent): string[] {
  return [
    'cert',
    'issue',
    '--key',
    file(`${agent}.jwk`),
    '--name',
    name,
    ...(capability === undefined ? [] : ['--capability', capability]),
    '--validity',
    '1h',
    '--out',
    file(`${out}.cert.pem`),
    '--tls-key-out',
    file(`${out}.tls-key.pem`),
    '--ca-out',
    file(`${out}.ca.pem`),
  ];
}

/** Whether the registry still lets a name be used: what the retrainer asks before it trusts a certificate. */
async function registryStatus(name: string): Promise<RevocationStatus> {
  const client = new RegistryClient(fixture.server.url);
  const answer = await client.agent(name);
  if (answer.ok) return null;
  const code = answer.problems[0]?.code;
  if (code === 'AGENT_REVOKED') return 'revoked';
  if (code === 'AGENT_SUSPENDED') return 'suspended';
  throw new Error(`cannot tell the status of ${name}: ${code}`);
}

function post(port: number, ca: string, agent: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return Promise.all([readFile(file(`${agent}.cert.pem`), 'utf8'), readFile(file(`${agent}.tls-key.pem`), 'utf8')]).then(
    ([certificatePem, privateKeyPem]) =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify({ model: 'churn-predictor' });
        const req = request(
          {
            ...clientTlsOptions({ caCertificatePem: ca, certificatePem, privateKeyPem, serverName: RETRAINER }),
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/retrain',
            agent: false,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
  );
}

describe('capability certificates through the CLI, against a real registry process', () => {
  it('the operator grants retrain; the detector gets a certificate and calls the retrainer over mutual TLS; revocation ends it', async () => {
    expect(fixture.server.output()).toMatch(/certificate authority: .*ca\.cert\.pem \(created\), SHA-256 fingerprint [0-9a-f]{64}/);
    await registerAgent(DETECTOR, file('detector.jwk'));
    await registerAgent(RETRAINER, file('retrainer.jwk'));

    const granted = await runCli(['grant', DETECTOR, '--capability', 'retrain', '--capability', 'monitor', '--key', operatorKey()], fixture.env);
    expect(granted.stderr).toBe('');
    expect(granted.stdout).toContain(`${DETECTOR} is granted monitor, retrain`);
    expect((await runCli(['grant', RETRAINER, '--capability', 'model-training', '--key', operatorKey()], fixture.env)).code).toBe(0);
    // Only the operator may grant: the agent's own key is refused.
    const selfGrant = await runCli(['grant', DETECTOR, '--capability', 'deploy', '--key', file('detector.jwk')], fixture.env);
    expect(selfGrant.code).toBe(1);
    expect(selfGrant.stderr).toContain('GRANT_NOT_AUTHORIZED');

    const issued = await runCli(issueArgs('detector', DETECTOR, 'retrain'), fixture.env);
    expect(issued.stderr).toBe('');
    expect(issued.stdout).toContain(`issued a certificate for ${DETECTOR}`);
    expect((await stat(file('detector.tls-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await runCli(issueArgs('retrainer', RETRAINER), fixture.env)).code).toBe(0);

    const shown = await runCli(['cert', 'show', file('detector.cert.pem'), '--ca', file('detector.ca.pem')], fixture.env);
    expect(shown.stdout).toContain(`agent: ${DETECTOR}`);
    expect(shown.stdout).toContain('capabilities: retrain\n');
    expect(shown.stdout).toContain('verified against the CA');

    // The trust anchor, fetched from the registry itself, is the CA the CLI wrote, and the one serve printed.
    const ca = await (await fetch(`${fixture.server.url}/v1/certificates/ca`)).json() as { certificate: string; fingerprintSha256: string };
    expect(await readFile(file('detector.ca.pem'), 'utf8')).toBe(ca.certificate);
    expect(fixture.server.output()).toContain(ca.fingerprintSha256);

    const [retrainerCert, retrainerKey] = await Promise.all([readFile(file('retrainer.cert.pem'), 'utf8'), readFile(file('retrainer.tls-key.pem'), 'utf8')]);
    const mayRetrain = capabilityGuard('retrain', { caCertificatePem: ca.certificate, isRevoked: (certificate) => registryStatus(certificate.agentName) });
    server = createServer(serverTlsOptions({ caCertificatePem: ca.certificate, certificatePem: retrainerCert, privateKeyPem: retrainerKey }), (req, res) => {
      void (async () => {
        const peer = await mayRetrain(req, res);
        if (peer === undefined) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: true, requestedBy: peer.agentName, capabilities: peer.capabilities }));
      })();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;

    expect(await post(port, ca.certificate, 'detector')).toEqual({ status: 200, body: { accepted: true, requestedBy: DETECTOR, capabilities: ['retrain'] } });
    // The retrainer's own certificate identifies it, but carries no retrain capability.
    expect(await post(port, ca.certificate, 'retrainer')).toMatchObject({ status: 403, body: { code: 'CAPABILITY_MISSING' } });

    // Revoked: the registry refuses a new certificate, and the guard refuses the one already issued.
    expect((await runCli(['revoke', DETECTOR, '--key', file('detector.jwk'), '--reason', 'key leaked'], fixture.env)).code).toBe(0);
    const again = await runCli(issueArgs('detector', DETECTOR, 'retrain', 'detector-again'), fixture.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('AGENT_REVOKED');
    expect(await post(port, ca.certificate, 'detector')).toMatchObject({ status: 403, body: { code: 'AGENT_REVOKED' } });
  });

  it('an agent without the grant cannot even obtain a retrain certificate', async () => {
    await registerAgent(MONITOR, file('monitor.jwk'));
    const refused = await runCli(issueArgs('monitor', MONITOR, 'retrain'), fixture.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('CAPABILITY_MISSING');
    // Nothing was written: no key, no certificate.
    await expect(stat(file('monitor.tls-key.pem'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(file('monitor.cert.pem'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
