/**
 * Realistic agents for benchmarks: the servers of the MCP registry seed
 * (`../shared/data/mcp-registry-seed.json`: real names, descriptions, packages), mapped by the
 * MCP importer, each signed with its own deterministic Ed25519 key and registered over HTTP like
 * `signpost import mcp` does. Without the seed file, one hand-written agent stands in.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planMcpImport, type ImportCandidate } from '../../src/core/import/index.js';
import { createRegistration } from '../../src/core/record/registration.js';
import { nextSequence } from '../../src/core/record/sequence.js';
import { signingKeyFromSeed } from '../../src/core/trust/ed25519.js';
import { REPO_ROOT } from './children.js';

export const SEED_FILE = join(REPO_ROOT, '..', 'shared', 'data', 'mcp-registry-seed.json');

const FALLBACK: ImportCandidate = {
  source: 'built-in',
  name: 'agent://acme.com/billing/invoices',
  claims: {
    label: 'Invoices',
    description: 'Creates, sends and reconciles invoices for Acme billing; answers questions about invoice status.',
    version: '2.1.0',
    provider: { name: 'Acme', url: 'https://acme.com' },
    tags: ['billing', 'invoices'],
    skills: [{ id: 'create-invoice', name: 'Create invoice', description: 'Create and send an invoice', tags: ['billing'] }],
    endpoints: {
      static: [
        { url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a' },
        { url: 'https://agents.acme.com/invoices/mcp', protocol: 'mcp', transport: 'streamable-http' },
      ],
    },
  },
};

/** The first `count` importable servers of the seed, or the built-in agent if the seed is absent. */
export function benchAgents(count: number): { candidates: ImportCandidate[]; source: string } {
  if (!existsSync(SEED_FILE)) return { candidates: [FALLBACK], source: 'built-in agent (seed file not found)' };
  const plan = planMcpImport(JSON.parse(readFileSync(SEED_FILE, 'utf8')));
  if (!plan.ok) throw new Error(`seed: ${plan.problems[0]?.detail}`);
  return { candidates: plan.value.candidates.slice(0, count), source: `MCP registry seed (${SEED_FILE})` };
}

/** The candidate's registration, signed now with its own deterministic key, as a registry at `baseUrl` names its facts. */
export function signedRegistration(candidate: ImportCandidate, baseUrl: string): ReturnType<typeof createRegistration> {
  const key = signingKeyFromSeed(createHash('sha256').update(`signpost-bench/${candidate.name}`).digest());
  const now = Date.now();
  return createRegistration({
    key,
    name: candidate.name,
    claims: candidate.claims,
    factsUrl: `${baseUrl}/v1/agents/${encodeURIComponent(candidate.name)}/facts`,
    seq: nextSequence(now),
    nowMs: now,
  });
}

/** Register every candidate with its own key; `concurrency` POSTs in flight. */
export async function registerAll(baseUrl: string, candidates: readonly ImportCandidate[], concurrency = 4): Promise<void> {
  const queue = [...candidates];
  const worker = async () => {
    for (let candidate = queue.shift(); candidate !== undefined; candidate = queue.shift()) {
      const registration = signedRegistration(candidate, baseUrl);
      const response = await fetch(`${baseUrl}/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(registration),
      });
      if (response.status !== 201 && response.status !== 200) {
        throw new Error(`registering ${candidate.name}: HTTP ${response.status} ${await response.text()}`);
      }
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
