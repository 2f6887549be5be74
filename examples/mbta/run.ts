/**
 * The scenario of the adaptive-resolver paper, with one command:
 *
 *   npm run example:mbta
 *
 * Two real registries on loopback: a root registry and DataWorks AI's own organisation registry.
 * dataworksai.com proves it owns its namespace (did:web, its DID document pinned in both
 * registries, as `serve --did-document` does for a domain that is not reachable here) and
 * delegates it from the root to its registry. The MBTA transit agents (alerts, stopfinder,
 * planner) are registered there, each with instances in Boston and Frankfurt. An exchange agent
 * resolves each name through its recursive resolver from the root, prints the path, and then asks
 * for the endpoint tailored to a requester in Boston and to one in Berlin, with the signed endpoint
 * token the transit agent checks before it answers. Every process it starts is stopped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecursiveResolver, type RegistryHint } from '../../src/client/recursive-resolver.js';
import { RegistryClient } from '../../src/client/registry-client.js';
import { createDeployment, type DeploymentInstance } from '../../src/core/record/deployment.js';
import type { NamespaceClaim, NamespaceDelegation, NamespaceGrant } from '../../src/core/record/namespace-claim.js';
import { createRegistration } from '../../src/core/record/registration.js';
import { signRecord } from '../../src/core/record/signing.js';
import { formatUtcSeconds } from '../../src/core/record/agent-addr.js';
import { nextSequence } from '../../src/core/record/sequence.js';
import { signingKeyFromSeed, type SigningKey } from '../../src/core/trust/ed25519.js';
import { verifyEndpointToken } from '../../src/core/trust/endpoint-token.js';

const CLI = fileURLToPath(new URL('../../bin/signpost.js', import.meta.url));
const NAMESPACE = 'dataworksai.com';
const OWNER = `did:web:${NAMESPACE}#owner`;
const AGENTS = ['alerts', 'stopfinder', 'planner'];
const REQUESTERS = [
  { city: 'Boston', latitude: 42.3601, longitude: -71.0589 },
  { city: 'Berlin', latitude: 52.52, longitude: 13.405 },
];

const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), 'signpost-mbta-'));
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const newKey = (): SigningKey => signingKeyFromSeed(new Uint8Array(randomBytes(32)));

/** A registry process (`signpost serve`) on a free loopback port, with the namespace's DID document pinned. */
function startRegistry(label: string, didDocument: string): Promise<RegistryHint> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', join(work, label), '--did-document', didDocument, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${label} registry exited (${code}): ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const key = /registry key[^:]*: (did:key:\w+)\)/.exec(output)?.[1];
      if (url !== undefined && key !== undefined) resolve({ url, registryKey: key });
    });
  });
}

/** A did-web claim: signed by the owner's key that the namespace's DID document lists. */
function claim(owner: SigningKey, grants: NamespaceGrant[], delegations: NamespaceDelegation[]) {
  const now = Date.now();
  return signRecord<NamespaceClaim>({ type: 'NamespaceClaim', v: 1, namespace: NAMESPACE, by: OWNER, proof: 'did-web', seq: nextSequence(now), at: formatUtcSeconds(now), grants, delegations }, owner);
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; problems: readonly { code: string; detail: string }[] }, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${result.problems.map((p) => `${p.code} ${p.detail}`).join('; ')}`);
  return result.value;
}

async function main(): Promise<void> {
  const owner = newKey();
  const didDocument = join(work, 'dataworksai.did.json');
  writeFileSync(
    didDocument,
    JSON.stringify({
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: `did:web:${NAMESPACE}`,
      verificationMethod: [{ id: OWNER, type: 'Multikey', controller: `did:web:${NAMESPACE}`, publicKeyMultibase: owner.did.slice('did:key:'.length) }],
      assertionMethod: [OWNER],
    }),
  );
  const [root, org] = await Promise.all([startRegistry('root', didDocument), startRegistry('dataworksai', didDocument)]);
  console.log(`root registry         ${root.url}  ${root.registryKey}`);
  console.log(`dataworksai registry  ${org.url}  ${org.registryKey}\n`);

  // The root delegates the whole namespace to DataWorks AI's registry, which grants the agent key.
  const agentKey = newKey();
  unwrap(await new RegistryClient(root.url).claimNamespace(claim(owner, [], [{ subtree: '', registry: { url: org.url, id: org.registryKey } }])), 'claim at the root');
  unwrap(await new RegistryClient(org.url).claimNamespace(claim(owner, [{ subtree: 'mbta-transit-ci', keys: [agentKey.did] }], [])), 'claim at dataworksai');

  const orgClient = new RegistryClient(org.url);
  for (const agent of AGENTS) {
    const name = `agent://${NAMESPACE}/mbta-transit-ci/${agent}`;
    const claims = { label: `MBTA ${agent}`, description: `MBTA transit ${agent} for travellers`, requiredContext: ['requester', 'location'], endpoints: { static: [{ protocol: 'a2a', url: `https://us.mbta.dataworksai.com/${agent}` }] } };
    unwrap(await orgClient.register(createRegistration({ key: agentKey, name, claims, factsUrl: `${org.url}/v1/agents/${encodeURIComponent(name)}/facts`, seq: nextSequence(Date.now()), nowMs: Date.now() })), `register ${agent}`);
    const instances: DeploymentInstance[] = [
      { id: 'boston-1', url: `https://us.mbta.dataworksai.com/${agent}`, protocol: 'a2a', version: '2.1.0', country: 'US', city: 'Boston', latitude: 42.35, longitude: -71.06, capacity: 200, load: 40 },
      { id: 'frankfurt-1', url: `https://eu.mbta.dataworksai.com/${agent}`, protocol: 'a2a', version: '2.1.0', country: 'DE', city: 'Frankfurt', latitude: 50.11, longitude: 8.68, capacity: 100, load: 10 },
    ];
    await fetch(`${org.url}/v1/agents/${encodeURIComponent(name)}/deployment`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(createDeployment(agentKey, name, instances, Date.now())) });
  }

  // The exchange agent: one recursive resolver from the root, and a key of its own for its callers.
  const resolver = new RecursiveResolver({ roots: [root] });
  for (const agent of AGENTS) {
    const name = `agent://${NAMESPACE}/mbta-transit-ci/${agent}`;
    const resolved = await resolver.resolve(name);
    console.log(`${name}: ${resolved.verified ? 'verified' : `NOT VERIFIED ${resolved.errors.map((e) => e.code).join(', ')}`}, ownership ${resolved.ownership?.status ?? '-'}`);
    for (const line of RecursiveResolver.explain(resolved)) console.log(`  ${line}`);
    for (const requester of REQUESTERS) {
      const requesterKey = newKey();
      const response = await fetch(`${resolved.authority!.url}/v1/resolve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, context: { protocol: 'a2a', latitude: requester.latitude, longitude: requester.longitude, requester: requesterKey.did, purpose: 'plan-trip' } }),
      });
      const tailored = (await response.json()) as { endpoint: DeploymentInstance | null; selectedBy: string[]; token: string };
      // What the transit agent does with the call: check the token offline against its registry's key.
      const check = verifyEndpointToken(tailored.token, { registryKey: resolved.authority!.registryKey, agent: name, requester: requesterKey.did, endpoint: tailored.endpoint?.url, purpose: 'plan-trip', nowMs: Date.now() });
      console.log(`  from ${requester.city.padEnd(6)} -> ${tailored.endpoint?.id} ${tailored.endpoint?.url}  (${tailored.selectedBy.at(-1)})  token ${check.ok ? 'accepted by the agent' : `REFUSED ${check.problems[0]!.code}`}`);
    }
  }
  const again = await resolver.resolve(`agent://${NAMESPACE}/mbta-transit-ci/alerts`);
  console.log(`\nagain, from the resolver's cache: ${RecursiveResolver.explain(again).join('; ')}`);
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
