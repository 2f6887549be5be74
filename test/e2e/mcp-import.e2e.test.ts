import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planMcpImport } from '../../src/core/import/mcp.js';
import { registryFixture, runCli, SEED } from './support.js';

const fixture = registryFixture('mcp');
let expected: { name: string; description: string; endpoints: number }[];

beforeAll(async () => {
  const plan = planMcpImport(JSON.parse(await readFile(SEED, 'utf8')));
  if (!plan.ok) throw new Error('the seed does not plan');
  expected = plan.value.candidates.map((c) => ({
    name: c.name,
    description: String(c.claims.description ?? ''),
    endpoints: ((c.claims.endpoints as { static?: unknown[] } | undefined)?.static ?? []).length,
  }));
});

describe('importing the 471 servers of the MCP registry seed', () => {
  it('imports every server with its own key and a signed record', async () => {
    const result = await runCli(['import', 'mcp', SEED, '--keys', join(fixture.work, 'keys'), '--json'], fixture.env, 300_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.created + summary.skipped).toBe(471);
    // The seed holds 7 entries whose every field is empty; all 464 real servers are imported.
    expect(summary.created).toBe(464);
    expect(summary.skippedItems.map((s: { reason: string }) => s.reason.split(':')[0])).toEqual(Array(7).fill('NAME_EMPTY'));
    expect((await readdir(join(fixture.work, 'keys'))).filter((f) => f.endsWith('.jwk'))).toHaveLength(summary.created);
    const health = await fetch(`${fixture.server.url}/healthz`).then((r) => r.json());
    expect(health).toEqual({ status: 'ok', agents: summary.created });
  }, 300_000);

  it('re-importing changes nothing', async () => {
    const result = await runCli(['import', 'mcp', SEED, '--keys', join(fixture.work, 'keys'), '--json'], fixture.env, 300_000);
    expect(JSON.parse(result.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: expected.length });
  }, 300_000);

  it('resolves every imported server through the CLI, each verified client-side', async () => {
    const names = expected.map((e) => e.name);
    const batches = [0, 1, 2, 3].map((i) => names.filter((_, j) => j % 4 === i));
    const results = [];
    for (const batch of batches) results.push(await runCli(['resolve', ...batch, '--json'], fixture.env, 300_000));
    const outputs = results.flatMap((r) => r.stdout.trim().split('\n').map((line) => JSON.parse(line)));
    expect(outputs).toHaveLength(names.length);
    const failures = outputs.filter((o) => !o.verified);
    expect(failures).toEqual([]);
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(new Set(outputs.map((o) => o.name))).toEqual(new Set(names));
    // Servers with a package (npm, PyPI, Docker) or a remote have signed endpoints; 'unknown' packages have none.
    const endpointsByName = new Map(expected.map((e) => [e.name, e.endpoints]));
    for (const output of outputs) expect(output.endpoints.length, output.name).toBe(endpointsByName.get(output.name));
    expect(outputs.filter((o) => o.endpoint !== null)).toHaveLength(149);
  }, 300_000);

  it('finds servers by words of their descriptions', async () => {
    // The rarest word of each description must find that server (following the pages).
    const wordsOf = (text: string) => new Set(text.toLowerCase().match(/[a-z][a-z0-9]{4,}/g) ?? []);
    const frequency = new Map<string, number>();
    for (const e of expected) for (const word of wordsOf(e.description)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
    const misses: string[] = [];
    let searched = 0;
    for (const { name, description } of expected) {
      const word = [...wordsOf(description)].sort((a, b) => frequency.get(a)! - frequency.get(b)!)[0];
      if (word === undefined) continue;
      searched++;
      if (!(await searchFinds(word, name))) misses.push(`${word} -> ${name}`);
    }
    expect(misses).toEqual([]);
    expect(searched).toBeGreaterThan(380);
    const cli = await runCli(['search', 'kubernetes', '--json', '--all'], fixture.env);
    const found = cli.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(found.length).toBeGreaterThan(0);
    for (const item of found) expect(`${item.description} ${item.label} ${item.name}`.toLowerCase()).toContain('kubernetes');
  });
});

/** Walk every page of a word search until the name turns up. */
async function searchFinds(word: string, name: string): Promise<boolean> {
  let cursor: string | null = null;
  do {
    const query: string = `q=${encodeURIComponent(word)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = (await fetch(`${fixture.server.url}/v1/search?${query}`).then((r) => r.json())) as { items: { name: string }[]; nextCursor: string | null };
    if (page.items.some((item) => item.name === name)) return true;
    cursor = page.nextCursor;
  } while (cursor);
  return false;
}
