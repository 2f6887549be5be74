import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { kindOf, SignpostError, type Problem, type Result } from '../../core/errors.js';
import { parseStrictJsonBytes } from '../../core/json/strict-json.js';
import { didKeyProblem } from '../../core/trust/did-key.js';
import { RegistryClient } from '../../client/registry-client.js';

/**
 * Exit codes: 0 success; 1 the answer was a refusal or did not verify; 2 bad usage or input;
 * 3 the registry could not be reached or answered nonsense.
 */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export const DEFAULT_REGISTRY = 'http://127.0.0.1:8700';

export function registryUrlOf(option: string | undefined): string {
  return option ?? process.env.SIGNPOST_REGISTRY ?? DEFAULT_REGISTRY;
}

/** Where the CLI keeps its own state (pinned registry keys). */
export function signpostHome(): string {
  return process.env.SIGNPOST_HOME ?? join(homedir(), '.signpost');
}

export function exitCodeOf(problems: readonly Problem[]): number {
  const kind = problems[0] === undefined ? 'internal' : kindOf(problems[0].code);
  if (kind === 'unavailable') return EXIT.unreachable;
  if (kind === 'invalid' || kind === 'unsupported' || kind === 'too-large') return EXIT.usage;
  return EXIT.refused;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `error ${p.code}: ${p.detail}${p.pointer ? ` (at ${p.pointer})` : ''}`).join('\n');
}

/** Stop the command with the problems of a failed Result. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw SignpostError.from(result.problems);
}

/**
 * Trust on first use, as SSH does for host keys: the first registry key seen for a URL is
 * pinned in $SIGNPOST_HOME/known-registries.json; a different key later is refused loudly.
 * `--registry-key` pins explicitly and wins.
 */
export async function trustedRegistryKey(client: RegistryClient, explicit: string | undefined): Promise<Result<{ did: string; firstUse: boolean }>> {
  const identity = await client.identity();
  if (!identity.ok) return identity;
  const presented = identity.value.id;
  // A small-order key verifies a forged countersignature on anything: it is never trusted, nor pinned.
  for (const did of explicit === undefined ? [presented] : [presented, explicit]) {
    const weak = didKeyProblem(did, '/id');
    if (weak !== undefined) return { ok: false, problems: [weak] };
  }
  if (explicit !== undefined) {
    return presented === explicit
      ? { ok: true, value: { did: explicit, firstUse: false } }
      : { ok: false, problems: [{ code: 'REGISTRY_KEY_CHANGED', detail: `${client.baseUrl} presents ${presented}, expected ${explicit}` }] };
  }
  const known = await readKnownRegistries();
  const pinned = known[client.baseUrl];
  if (pinned === undefined) {
    await writeKnownRegistries({ ...known, [client.baseUrl]: presented });
    return { ok: true, value: { did: presented, firstUse: true } };
  }
  if (pinned !== presented) {
    const file = knownRegistriesFile();
    return {
      ok: false,
      problems: [{ code: 'REGISTRY_KEY_CHANGED', detail: `${client.baseUrl} now presents ${presented}; ${file} pins ${pinned}. If the registry really changed its key, remove that entry.` }],
    };
  }
  return { ok: true, value: { did: pinned, firstUse: false } };
}

/** Registry keys pinned for any URL: an offline `verify` accepts a countersignature by one of them. */
export async function pinnedRegistryKeys(): Promise<Set<string>> {
  return new Set(Object.values(await readKnownRegistries()).filter((did) => didKeyProblem(did) === undefined));
}

function knownRegistriesFile(): string {
  return join(signpostHome(), 'known-registries.json');
}

async function readKnownRegistries(): Promise<Record<string, string>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(knownRegistriesFile());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SignpostError('KEY_FILE_INVALID', `${knownRegistriesFile()} is unreadable: ${(error as Error).message}`);
  }
  const parsed = parseStrictJsonBytes(bytes);
  const value = parsed.ok ? parsed.value : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((did) => typeof did === 'string')) {
    throw new SignpostError('KEY_FILE_INVALID', `${knownRegistriesFile()} is not a JSON object of registry URLs to did:keys${parsed.ok ? '' : `: ${parsed.problems[0]!.detail}`}`);
  }
  return value as Record<string, string>;
}

async function writeKnownRegistries(known: Record<string, string>): Promise<void> {
  const file = knownRegistriesFile();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Write then rename, so concurrent CLI runs never see a half-written file.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(known, null, 2) + '\n', { mode: 0o600 });
  await rename(temporary, file);
}
