import { writeFile } from 'node:fs/promises';
import { auditLogCopy, ENTRIES_DO_NOT_HASH, firstEntryNotInHead, type LogCopy } from '../../client/log-audit.js';
import { fail, SignpostError, type Result } from '../../core/errors.js';
import type { LogEntry } from '../../core/log/log-event.js';
import { checkConsistency, checkTreeHead, MAX_ENTRIES_PER_READ, type TreeHead } from '../../core/log/transparency-log.js';
import type { SignedRecord } from '../../core/record/types.js';
import { unwrap } from '../cli-context.js';
import type { RegistryFlags } from '../commands/options.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry, pinnedRegistryKeys } from '../registry-connection.js';
import { readStateObject, stateFile, writeStateObject } from '../state-files.js';

export interface LogVerifyFlags extends RegistryFlags {
  from?: string;
  save?: string;
  against?: string;
  json?: boolean;
}

/** A saved copy holds every entry: far more members than any other document the CLI reads. */
const COPY_LIMITS = { maxDepth: 8, maxMembers: 100_000_000 };

/** How many accepted heads are kept per registry key; each new one must extend them all. */
const HEADS_KEPT = 16;

export async function verifyLog(flags: LogVerifyFlags): Promise<void> {
  const { copy, registryKey, source, serverConsistency } = flags.from === undefined ? await fetchCopy(flags) : await savedCopy(flags);
  const seenHeads = await readSeenHeads(registryKey);
  const earlierCopy = flags.against === undefined ? undefined : unwrap(asCopy(unwrap(await readJsonFile(flags.against, COPY_LIMITS)), flags.against));
  const offline = flags.from !== undefined;
  const audited = auditLogCopy(copy, { registryKey, seenHeads, mayBeOlder: offline, ...(earlierCopy ? { earlierCopy } : {}) });
  if (!audited.ok && audited.problems[0]!.detail.includes(ENTRIES_DO_NOT_HASH)) {
    // Well-formed entries that do not hash to their head: the registry's consistency proofs name the edited one.
    const index = await locateEdit(flags, copy, registryKey);
    if (index !== undefined) {
      throw new SignpostError('LOG_PROOF_INVALID', `the ${copy.entries.length} entries ${ENTRIES_DO_NOT_HASH}: entry ${index} was edited (the registry's consistency proofs hold for the entries before it, not with it)`);
    }
  }
  const audit = unwrap(audited);
  // The registry's own proof from the last head seen must hold as well: a log that only
  // recomputation catches would still mislead clients that check proofs alone.
  if (serverConsistency !== undefined) unwrap(await serverConsistency(seenHeads, audit.head));
  // A saved copy may be older than heads seen since: only a live head moves the record on.
  if (!offline) await keepSeenHead(registryKey, copy.head, seenHeads);
  if (flags.save !== undefined) await writeFile(flags.save, JSON.stringify(copy) + '\n');
  const { head, headsChecked } = audit;
  if (flags.json) process.stdout.write(JSON.stringify({ verified: true, source, registryKey, size: head.size, rootHash: head.rootHash, at: head.at, headsChecked }) + '\n');
  else process.stdout.write(`verified: the log of ${source}, ${head.size} entries, head signed at ${head.at} by ${registryKey}\n  extends ${headsChecked} head${headsChecked === 1 ? '' : 's'} seen before${offline ? ' (of those no larger than this copy)' : ''}\n`);
}

type Consistency = (seen: readonly unknown[], head: TreeHead) => Promise<Result<true>>;

async function fetchCopy(flags: LogVerifyFlags): Promise<{ copy: LogCopy; registryKey: string; source: string; serverConsistency: Consistency }> {
  const { client, url, registryKey } = await connectToRegistry(flags);
  const head = unwrap(await client.logHead());
  const size = unwrap(checkTreeHead(head, registryKey)).size;
  const entries: LogEntry[] = [];
  while (entries.length < size) {
    const page = unwrap(await client.logEntries(entries.length, Math.min(size, entries.length + MAX_ENTRIES_PER_READ))).entries;
    if (page.length === 0) throw new SignpostError('LOG_PROOF_INVALID', `${url} signs a head of ${size} entries but serves only ${entries.length}`);
    entries.push(...page);
  }
  const serverConsistency: Consistency = async (seen, current) => {
    const last = seen.map((value) => checkTreeHead(value, registryKey)).flatMap((checked) => (checked.ok ? [checked.value] : [])).at(-1);
    if (last === undefined || last.size === 0 || last.size === current.size) return { ok: true, value: true };
    const proof = await client.logConsistency(last.size, current.size);
    return proof.ok ? checkConsistency(last, current, proof.value.proof) : proof;
  };
  return { copy: { head, entries: entries.slice(0, size) }, registryKey, source: url, serverConsistency };
}

async function savedCopy(flags: LogVerifyFlags): Promise<{ copy: LogCopy; registryKey: string; source: string; serverConsistency?: undefined }> {
  const copy = unwrap(asCopy(unwrap(await readJsonFile(flags.from!, COPY_LIMITS)), flags.from!));
  const signer = (copy.head.payload as Partial<TreeHead> | undefined)?.log;
  const registryKey = flags.registryKey ?? ((await pinnedRegistryKeys()).has(String(signer)) ? String(signer) : undefined);
  if (registryKey === undefined) throw new SignpostError('LOG_HEAD_INVALID', `${flags.from} is signed by ${signer}, which is not a pinned registry key: give --registry-key`);
  return { copy, registryKey, source: flags.from! };
}

/**
 * Where a copy first differs from the log its head signs, by bisection with the registry's
 * consistency proofs; undefined when no registry of that key answers (offline: then only the
 * heads seen before can narrow it down, see auditLogCopy).
 */
async function locateEdit(flags: LogVerifyFlags, copy: LogCopy, registryKey: string): Promise<number | undefined> {
  try {
    const { client, registryKey: registryKeyThere } = await connectToRegistry(flags);
    if (registryKeyThere !== registryKey) return undefined;
    return await firstEntryNotInHead(copy, async (first, second) => {
      const proof = await client.logConsistency(first, second);
      return proof.ok ? { ok: true, value: proof.value.proof } : proof;
    });
  } catch {
    return undefined;
  }
}

function asCopy(value: unknown, file: string): Result<LogCopy> {
  const copy = value as Partial<LogCopy> | null;
  if (typeof copy !== 'object' || copy === null || typeof copy.head !== 'object' || !Array.isArray(copy.entries)) {
    return fail('REQUEST_INVALID', `${file} is not a saved log copy ({head, entries}, as log verify --save writes)`);
  }
  return { ok: true, value: copy as LogCopy };
}

function seenHeadsFile(): string {
  return stateFile('log-heads.json');
}

function readAllSeenHeads(): Promise<Record<string, unknown[]>> {
  return readStateObject(seenHeadsFile(), (heads): heads is unknown[] => Array.isArray(heads), 'registry keys to lists of signed log heads');
}

async function readSeenHeads(registryKey: string): Promise<unknown[]> {
  return (await readAllSeenHeads())[registryKey] ?? [];
}

/** Keep `head` after `seen`; the file is read again first, so a concurrent run's heads for other keys stay. */
async function keepSeenHead(registryKey: string, head: SignedRecord<TreeHead>, seen: readonly unknown[]): Promise<void> {
  const all = await readAllSeenHeads();
  all[registryKey] = [...seen, head].slice(-HEADS_KEPT);
  await writeStateObject(seenHeadsFile(), all);
}
