import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { readCapped } from '../../client/http-exchange.js';
import type { RegistryClient } from '../../client/registry-client.js';
import { fail, failWith, type Result } from '../../core/errors.js';
import { DEFAULT_JSON_LIMITS, parseStrictJsonBytes } from '../../core/json/strict-json.js';
import { planA2aImport } from '../../core/import/a2a.js';
import { planMcpImport } from '../../core/import/mcp.js';
import type { ImportCandidate, ImportPlan } from '../../core/import/types.js';
import { parseAgentName, toDnsOwnerName } from '../../core/name/index.js';
import { nextSequence } from '../../core/record/sequence.js';
import { createRegistration } from '../../core/record/registration.js';
import { loadOrCreateKeyFile } from '../../adapters/key-file.js';
import { goneSequence } from '../agent-writes.js';
import { EXIT, unwrap } from '../cli-context.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry } from '../registry-connection.js';
import { secretDestination, warnIfCommittable } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface ImportFlags extends RegistryFlags {
  keys: string;
  namespace?: string;
  concurrency: string;
  json?: boolean;
  quiet?: boolean;
}

type Outcome = { kind: 'created' | 'updated' | 'unchanged' } | { kind: 'skipped'; reason: string };

export async function importMcp(file: string, flags: ImportFlags): Promise<void> {
  await runImport(unwrap(planMcpImport(await readJson(file))), flags);
}

export async function importA2a(source: string, flags: ImportFlags): Promise<void> {
  const { card, url } = await loadCard(source);
  await runImport(unwrap(planA2aImport(card, { ...(url ? { url } : {}), ...(flags.namespace ? { namespace: flags.namespace } : {}) })), flags);
}

async function runImport(plan: ImportPlan, flags: ImportFlags): Promise<void> {
  const { client } = await connectToRegistry(flags);
  const keysDir = await secretDestination(flags.keys);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const bar = !flags.quiet && process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(plan.candidates.length, 0);
  const outcomes = new Map<string, Outcome>();
  const keysCreated: string[] = [];
  const queue = [...plan.candidates];
  const worker = async () => {
    for (let candidate = queue.shift(); candidate !== undefined; candidate = queue.shift()) {
      outcomes.set(candidate.source, await importOne(client, candidate, keysDir, keysCreated));
      bar?.increment();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Number(flags.concurrency) || 4) }, worker));
  bar?.stop();
  const { failed } = report(plan, outcomes, flags.json ?? false);
  if (keysCreated.length > 0) await warnIfCommittable(keysCreated[0]!, `one of the ${keysCreated.length} private keys this import wrote to ${keysDir}`);
  if (failed > 0) process.exitCode = EXIT.refused;
}

/** Import one candidate with its own key (reused, or created and then added to `keysCreated`). */
async function importOne(client: RegistryClient, candidate: ImportCandidate, keysDir: string, keysCreated: string[]): Promise<Outcome> {
  const parsed = parseAgentName(candidate.name);
  if (!parsed.ok) return { kind: 'skipped', reason: `${parsed.problems[0]!.code}: ${parsed.problems[0]!.detail}` };
  const keyFile = join(keysDir, `${toDnsOwnerName(parsed.value.name)}.jwk`);
  const { key, created } = await loadOrCreateKeyFile(keyFile);
  if (created) keysCreated.push(keyFile);
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
