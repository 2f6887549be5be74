import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { readCapped, RegistryClient } from '../../../client/registry-client.js';
import { fail, failWith, type Result } from '../../../core/errors.js';
import { DEFAULT_JSON_LIMITS, parseStrictJsonBytes } from '../../../core/json/strict-json.js';
import { planA2aImport } from '../../../core/import/a2a.js';
import { planMcpImport } from '../../../core/import/mcp.js';
import type { ImportCandidate, ImportPlan } from '../../../core/import/types.js';
import { parseAgentName, toDnsOwnerName } from '../../../core/name/index.js';
import { nextSequence } from '../../../core/record/sequence.js';
import { createRegistration } from '../../../core/record/registration.js';
import { loadOrCreateKeyFile } from '../../../app/key-file.js';
import { EXIT, registryUrlOf, unwrap } from '../cli-context.js';
import { readJsonFile } from '../json-file.js';
import { goneSequence } from '../agent-writes.js';

interface ImportFlags {
  registry?: string;
  keys: string;
  namespace?: string;
  concurrency: string;
  json?: boolean;
  quiet?: boolean;
}

type Outcome = { kind: 'created' | 'updated' | 'unchanged' } | { kind: 'skipped'; reason: string };

export function importCommand(program: Command): void {
  const command = program.command('import').description('import agents from other registries; each gets its own key and a signed record');
  withImportOptions(command.command('mcp').description('MCP registry server lists (seed.json, server.json, /v0/servers answers)').argument('<file>'))
    .action(async (file: string, flags: ImportFlags) => runImportExit(await runImport(unwrap(planMcpImport(await readJson(file))), flags)));
  withImportOptions(
    command
      .command('a2a')
      .description('A2A AgentCards (v0.3 and v1.0): a file, a card URL, or a site whose /.well-known/agent-card.json to fetch')
      .argument('<file-or-url>'),
  )
    .option('--namespace <ns>', 'namespace for the imported names (default: the host of the card)')
    .action(async (source: string, flags: ImportFlags) => {
      const { card, url } = await loadCard(source);
      runImportExit(await runImport(unwrap(planA2aImport(card, { ...(url ? { url } : {}), ...(flags.namespace ? { namespace: flags.namespace } : {}) })), flags));
    });
}

function withImportOptions(command: Command): Command {
  return command
    .requiredOption('--keys <dir>', 'directory for the agent keys (one private JWK per agent; existing ones are reused)')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--concurrency <n>', 'registrations in flight', '4')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress bar');
}

function runImportExit(summary: { failed: number }): void {
  if (summary.failed > 0) process.exitCode = EXIT.refused;
}

async function runImport(plan: ImportPlan, flags: ImportFlags): Promise<{ failed: number }> {
  const client = new RegistryClient(registryUrlOf(flags.registry));
  await mkdir(flags.keys, { recursive: true, mode: 0o700 });
  const bar = !flags.quiet && process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(plan.candidates.length, 0);
  const outcomes = new Map<string, Outcome>();
  const queue = [...plan.candidates];
  const worker = async () => {
    for (let candidate = queue.shift(); candidate !== undefined; candidate = queue.shift()) {
      outcomes.set(candidate.source, await importOne(client, candidate, flags.keys));
      bar?.increment();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Number(flags.concurrency) || 4) }, worker));
  bar?.stop();
  return report(plan, outcomes, flags.json ?? false);
}

async function importOne(client: RegistryClient, candidate: ImportCandidate, keysDir: string): Promise<Outcome> {
  const parsed = parseAgentName(candidate.name);
  if (!parsed.ok) return { kind: 'skipped', reason: `${parsed.problems[0]!.code}: ${parsed.problems[0]!.detail}` };
  const { key } = await loadOrCreateKeyFile(join(keysDir, `${toDnsOwnerName(parsed.value.name)}.jwk`));
  const now = Date.now();
  const current = await client.agent(candidate.name);
  const status = client.lastFailure?.status;
  if (!current.ok && status !== 404 && status !== 410) return { kind: 'skipped', reason: `${current.problems[0]!.code}: ${current.problems[0]!.detail}` };
  const previousSeq = current.ok ? current.value.seq : goneSequence(client);
  const registration = createRegistration({
    key,
    name: candidate.name,
    claims: candidate.claims,
    factsUrl: client.factsUrl(candidate.name),
    seq: nextSequence(now, previousSeq),
    nowMs: now,
  });
  if (current.ok && current.value.agentId === key.did && current.value.addr.payload.factsSha256 === registration.addr.payload.factsSha256) {
    return { kind: 'unchanged' };
  }
  const stored = await client.register(registration);
  if (!stored.ok) return { kind: 'skipped', reason: `${stored.problems[0]!.code}: ${stored.problems[0]!.detail}` };
  return { kind: current.ok ? 'updated' : 'created' };
}

function report(plan: ImportPlan, outcomes: Map<string, Outcome>, json: boolean): { failed: number } {
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: plan.skipped.length };
  const skipped = [...plan.skipped];
  for (const [source, outcome] of outcomes) {
    if (outcome.kind === 'skipped') {
      counts.skipped++;
      skipped.push({ source, reason: outcome.reason });
    } else counts[outcome.kind]++;
  }
  const failed = skipped.length - plan.skipped.length;
  if (json) {
    process.stdout.write(JSON.stringify({ ...counts, imported: counts.created + counts.updated, skippedItems: skipped }) + '\n');
    return { failed };
  }
  process.stdout.write(
    `imported ${counts.created + counts.updated} (created ${counts.created}, updated ${counts.updated}), unchanged ${counts.unchanged}, skipped ${counts.skipped}\n`,
  );
  for (const { source, reason } of skipped) process.stdout.write(`  skipped ${source}: ${reason}\n`);
  return { failed };
}

/** Registry lists hold many servers: more members per array than a request body may. */
const IMPORT_JSON_LIMITS = { ...DEFAULT_JSON_LIMITS, maxMembers: 1_000_000 };
/** An agent card is a few KiB; a site that sends more is not sending a card. */
const MAX_CARD_BYTES = 1024 * 1024;

async function readJson(file: string): Promise<unknown> {
  return unwrap(await readJsonFile(file, IMPORT_JSON_LIMITS));
}

/** A card from a file, a card URL, or a site (its well-known card, then the pre-1.0 location). */
async function loadCard(source: string): Promise<{ card: unknown; url?: string }> {
  if (!/^https?:\/\//i.test(source)) return { card: await readJson(source) };
  const url = new URL(source);
  const candidates = url.pathname === '/' || url.pathname === '' ? ['/.well-known/agent-card.json', '/.well-known/agent.json'].map((p) => new URL(p, url).href) : [url.href];
  let last: Result<unknown> = fail('REGISTRY_UNREACHABLE', `no agent card at ${source}`);
  for (const candidate of candidates) {
    last = await fetchJson(candidate);
    if (last.ok) return { card: last.value, url: candidate };
  }
  return { card: unwrap(last) };
}

async function fetchJson(url: string): Promise<Result<unknown>> {
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return fail('REGISTRY_BAD_RESPONSE', `${url} answered HTTP ${response.status}`);
    const bytes = await readCapped(response, MAX_CARD_BYTES);
    if (bytes === undefined) return fail('REQUEST_TOO_LARGE', `${url} sent more than an agent card holds (${MAX_CARD_BYTES} bytes)`);
    const parsed = parseStrictJsonBytes(bytes);
    return parsed.ok ? parsed : failWith(parsed.problems.map((p) => ({ ...p, detail: `${url}: ${p.detail}` })));
  } catch (error) {
    return fail('REGISTRY_UNREACHABLE', `${url}: ${(error as Error).message}`);
  }
}
