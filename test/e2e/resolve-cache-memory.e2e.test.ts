/**
 * The resolve answer cache cannot be grown by varying the request URL: a real `signpost serve`
 * with a 1 MiB cache budget, one agent with a large AgentFacts, and 13,000 resolves that spell the
 * name and order and encode the parameters differently each time (some with an unknown parameter,
 * which is refused). Before the fix every distinct URL held its own copy of the answer: 13,000
 * requests took the server from 114 MB to 1.7 GB. No timing is asserted; only memory and answers.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { createRegistration } from '../../src/core/record/registration.js';
import { testKey } from '../../src/core/test-support/agents.js';
import { removeDir, startServer, type RunningServer } from './support.js';

const NAME = 'agent://acme.com/catalog/big';
const SPELLINGS = ['agent://acme.com/catalog/big', 'urn:agent:acme.com:catalog:big', 'big.catalog@acme.com', 'https://acme.com/agent/catalog/big'];
const BUDGET_BYTES = 1024 * 1024;
const REQUESTS = 13_000;
const CONNECTIONS = 8;

let server: RunningServer;
let pool: Pool;

beforeAll(async () => {
  server = await startServer(undefined, ['--resolve-cache-bytes', '1MiB']);
  pool = new Pool(server.url, { connections: CONNECTIONS });
});

afterAll(async () => {
  await pool?.close();
  await server?.stop();
  if (server) await removeDir(server.dataDir);
});

/** A registration whose AgentFacts is about 18 KiB (the answer, with the credential, about 40 KiB): 70 skills with descriptions. */
function largeRegistration() {
  const skills = Array.from({ length: 70 }, (_, i) => ({
    id: `catalog-skill-${i}`,
    name: `Catalog skill ${i}`,
    description: `Looks up, prices and reserves catalogue item family ${i} for a customer, with stock and delivery estimates.`.padEnd(160, '.'),
    tags: ['catalog', `family-${i}`],
  }));
  return createRegistration({
    key: testKey(81),
    name: NAME,
    claims: {
      label: 'Big catalogue',
      skills,
      endpoints: {
        static: [
          { url: 'https://eu.catalog.acme.com/a2a', protocol: 'a2a', region: 'eu', cost: 3 },
          { url: 'https://us.catalog.acme.com/a2a', protocol: 'a2a', region: 'us', cost: 8 },
          { url: 'https://catalog.acme.com/mcp', protocol: 'mcp', version: '2.1' },
        ],
      },
    },
    factsUrl: `${server.url}/v1/agents/${encodeURIComponent(NAME)}/facts`,
    seq: 1,
    nowMs: Date.now(),
  });
}

/** mulberry32: the same requests on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Resolve {
  readonly path: string;
  /** The answer's context, normalised as the registry must: requests with equal ones share an answer. */
  readonly context: string;
  readonly refused: boolean;
}

/** One resolve: a random spelling, case and percent-encoding of the name, allowed parameters in random order, sometimes an unknown one. */
function randomResolve(next: () => number, i: number): Resolve {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const spelled = [...pick(SPELLINGS)].map((c) => (next() < 0.5 ? c.toUpperCase() : c));
  const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');
  const encoded = spelled.map((c) => (next() < 0.3 ? `%${next() < 0.5 ? hex(c).toUpperCase() : hex(c)}` : c)).join('');
  const parameters: [string, string][] = [['name', encoded]];
  const protocol = pick([undefined, 'a2a', 'mcp']);
  const region = pick([undefined, 'eu', 'us']);
  const maxCost = pick([undefined, '5', '5.0', '05']);
  // A rarer dimension, so that the answers together outgrow the budget and the byte bound evicts.
  const version = next() < 0.05 ? pick(['1', '2', '2.1']) : undefined;
  if (protocol) parameters.push(['protocol', protocol]);
  if (region) parameters.push(['region', region]);
  if (maxCost) parameters.push(['maxCost', maxCost]);
  if (version) parameters.push(['version', version]);
  const refused = i % 13 === 0;
  if (refused) parameters.push([`utm_${i}`, '1']);
  parameters.sort(() => next() - 0.5);
  return {
    path: `/v1/resolve?${parameters.map(([k, v]) => `${k}=${v}`).join('&')}`,
    context: JSON.stringify([protocol, region, maxCost === undefined ? undefined : 5, version]),
    refused,
  };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

/** Send the resolves over a few keep-alive connections; tally the answers. */
async function sendAll(resolves: readonly Resolve[]) {
  const statuses = { allowed: new Map<number, number>(), refused: new Map<number, number>() };
  const etagsByContext = new Map<string, Set<string>>();
  let next = 0;
  const worker = async () => {
    while (next < resolves.length) {
      const resolve = resolves[next++]!;
      const response = await pool.request({ method: 'GET', path: resolve.path });
      await response.body.dump();
      const tally = resolve.refused ? statuses.refused : statuses.allowed;
      tally.set(response.statusCode, (tally.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode === 200) {
        let etags = etagsByContext.get(resolve.context);
        if (etags === undefined) etagsByContext.set(resolve.context, (etags = new Set()));
        etags.add(String(response.headers.etag));
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return { statuses, etagsByContext };
}

describe('the resolve answer cache under a stream of distinct URLs', () => {
  it(`stays within --resolve-cache-bytes and keeps the server's memory bounded over ${REQUESTS} resolves`, async () => {
    const registered = await fetch(`${server.url}/v1/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(largeRegistration()) });
    expect(registered.status).toBe(201);
    const sample = await fetch(`${server.url}/v1/resolve?name=${encodeURIComponent(NAME)}`);
    expect(sample.status).toBe(200);
    // Large, yet within the 1/16 of the budget that one answer may take.
    expect((await sample.arrayBuffer()).byteLength).toBeGreaterThan(32 * 1024);

    // Warm up (code compiled, pools allocated, the heap at its working size) before the baseline.
    const warmUp = random(1);
    await sendAll(Array.from({ length: 2000 }, (_, i) => randomResolve(warmUp, i)));
    const pid = server.process.pid!;
    const rssBefore = await rssBytes(pid);

    const stream = random(2);
    const resolves = Array.from({ length: REQUESTS }, (_, i) => randomResolve(stream, i + 1));
    expect(new Set(resolves.map((r) => r.path)).size).toBeGreaterThan(REQUESTS * 0.99);
    const { statuses, etagsByContext } = await sendAll(resolves);
    const rssAfter = await rssBytes(pid);

    const refused = resolves.filter((r) => r.refused).length;
    expect(Object.fromEntries(statuses.refused)).toEqual({ 400: refused });
    expect(Object.fromEntries(statuses.allowed)).toEqual({ 200: REQUESTS - refused });
    // Every spelling of one request got the same answer, and different requests different ones.
    for (const etags of etagsByContext.values()) expect(etags.size).toBe(1);
    expect(new Set([...etagsByContext.values()].flatMap((etags) => [...etags])).size).toBe(etagsByContext.size);

    expect(await metric('signpost_resolve_cache_bytes')).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(await metric('signpost_resolve_cache_entries')).toBeGreaterThan(0);
    expect(await metric('signpost_resolve_cache_evictions_total{reason="bytes"}')).toBeGreaterThan(0);
    expect(await metric('signpost_resolve_cache_total{result="hit"}')).toBeGreaterThan(await metric('signpost_resolve_cache_total{result="miss"}'));
    expect(rssAfter - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });
});
