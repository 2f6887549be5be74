/**
 * The DNS benchmarks' agents: `agent://bench.example/dns/agent-<i>`, each with an A2A and an MCP
 * endpoint and a key derived from its number, registered over HTTP with a real registry.
 */
import { createHash } from 'node:crypto';
import { createRegistration } from '../../src/core/record/registration.js';
import { nextSequence } from '../../src/core/record/sequence.js';
import { signingKeyFromSeed, type SigningKey } from '../../src/core/trust/ed25519.js';

export const BENCH_ZONE = '_agents.bench.example';

export interface BenchDnsAgent {
  readonly name: string;
  /** Its DNS owner name in BENCH_ZONE. */
  readonly owner: string;
  readonly key: SigningKey;
}

/** Register `count` agents with the registry at `url`, one after another. */
export async function registerDnsAgents(url: string, count: number): Promise<BenchDnsAgent[]> {
  const agents: BenchDnsAgent[] = [];
  for (let i = 0; i < count; i++) {
    const name = `agent://bench.example/dns/agent-${i}`;
    const key = signingKeyFromSeed(createHash('sha256').update(`signpost-bench-dns/${i}`).digest());
    const now = Date.now();
    const registration = createRegistration({
      key,
      name,
      claims: {
        description: 'DNS benchmark agent',
        endpoints: { static: [{ url: `https://a2a-${i}.agents.example/a2a`, protocol: 'a2a' }, { url: `https://mcp-${i}.agents.example/mcp`, protocol: 'mcp' }] },
      },
      factsUrl: `${url}/v1/agents/${encodeURIComponent(name)}/facts`,
      seq: nextSequence(now),
      nowMs: now,
    });
    const response = await fetch(`${url}/v1/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registration) });
    if (response.status !== 201) throw new Error(`register ${name}: ${response.status} ${await response.text()}`);
    agents.push({ name, owner: `agent-${i}.dns.${BENCH_ZONE}`, key });
  }
  return agents;
}
