/**
 * Auditing a registry's event log from a copy of it (its signed head and every entry): what
 * `signpost log verify` does, live or offline. Every leaf is recomputed from the entry's bytes,
 * the tree hash must be the one the head signs, and every head the client saw before must be a
 * prefix of this log: the tree of its size must hash to what it signed. A registry that rewrote an
 * entry after a client saw a head over it cannot pass, whatever it serves; with an earlier copy
 * of the entries, the first rewritten entry is named.
 */
import { canonicalText } from '../core/trust/jcs.js';
import { fail, ok, type Result } from '../core/errors.js';
import type { LogEntry } from '../core/log/log-event.js';
import { HASH_BYTES, MerkleTree, verifyConsistency } from '../core/log/merkle-tree.js';
import { checkTreeHead, entryLeafHash, type TreeHead } from '../core/log/transparency-log.js';
import type { SignedRecord } from '../core/record/types.js';
import { fromBase64Url, toBase64Url } from '../core/trust/encoding.js';

/** A registry's log as a client keeps it: the signed head and the entries it covers. */
export interface LogCopy {
  readonly head: SignedRecord<TreeHead>;
  readonly entries: readonly LogEntry[];
}

export interface LogAudit {
  readonly head: TreeHead;
  /** Heads seen before that this log extends (all that were given, but for those newer than an older copy). */
  readonly headsChecked: number;
}

export interface LogAuditOptions {
  /** The registry key the client trusts (pinned): every head must be signed by it. */
  readonly registryKey: string;
  /** Signed heads of this log seen before (kept beside the pinned key). */
  readonly seenHeads?: readonly unknown[];
  /** An earlier copy of the log: when a head is not extended, it names the first rewritten entry. */
  readonly earlierCopy?: LogCopy;
  /**
   * The copy may be older than heads seen since (a saved copy checked later): those heads cannot
   * be compared with it and are skipped. Otherwise a seen head larger than the copy means the log
   * shrank.
   */
  readonly mayBeOlder?: boolean;
}

/** What a failed audit says of well-formed entries that an edit made hash to another tree. */
export const ENTRIES_DO_NOT_HASH = 'do not hash to the tree hash the head signs';

/** Check a copy of the log; never throws. */
export function auditLogCopy(copy: LogCopy, options: LogAuditOptions): Result<LogAudit> {
  const checkedHead = checkTreeHead(copy.head, options.registryKey);
  if (!checkedHead.ok) return checkedHead;
  const head = checkedHead.value;
  if (!Array.isArray(copy.entries)) return fail('LOG_PROOF_INVALID', `the head signs ${head.size} entries; the copy holds none`);
  // Each entry carries its own index: a removed, inserted or moved entry is named where it breaks the count.
  const tree = new MerkleTree();
  for (const [position, entry] of copy.entries.entries()) {
    const problem = entryProblem(entry, position);
    if (problem !== undefined) return fail('LOG_PROOF_INVALID', problem);
    tree.appendLeafHash(entryLeafHash(entry.text));
  }
  if (copy.entries.length < head.size) return fail('LOG_PROOF_INVALID', `entry ${copy.entries.length} is missing: the head signs ${head.size} entries, the copy holds ${copy.entries.length}`);
  if (copy.entries.length > head.size) return fail('LOG_PROOF_INVALID', `entry ${head.size} is not in the log: the head signs ${head.size} entries, the copy holds ${copy.entries.length}`);
  if (toBase64Url(tree.rootAt(head.size)) !== head.rootHash) {
    return fail('LOG_PROOF_INVALID', `the ${head.size} entries ${ENTRIES_DO_NOT_HASH}${whereSeenHeadsPlaceIt(tree, options)}`);
  }

  let headsChecked = 0;
  for (const seen of options.seenHeads ?? []) {
    const earlier = checkTreeHead(seen, options.registryKey);
    if (!earlier.ok) return earlier;
    const { size, rootHash } = earlier.value;
    if (size > head.size) {
      if (options.mayBeOlder) continue;
      return fail('LOG_INCONSISTENT', `the log shrank: a head signed at ${earlier.value.at} covers ${size} entries, this one ${head.size}`);
    }
    if (toBase64Url(tree.rootAt(size)) !== rootHash) {
      return fail('LOG_INCONSISTENT', `the first ${size} entries differ from those of the head signed at ${earlier.value.at}: the registry rewrote its log${firstRewritten(copy, options.earlierCopy, size)}`);
    }
    headsChecked++;
  }
  return ok({ head, headsChecked });
}

/** Why an entry is not the one at `position` of a well-formed log, if it is not. */
function entryProblem(entry: LogEntry, position: number): string | undefined {
  if (typeof entry !== 'object' || entry === null || entry.index !== position || typeof entry.text !== 'string') return `entry ${position} is missing or out of order`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.text);
  } catch {
    return `entry ${position} is not JSON`;
  }
  const event = parsed as { v?: unknown; index?: unknown };
  if (typeof parsed !== 'object' || parsed === null || event.v !== 1 || event.index !== position) return `entry ${position} is not a version 1 event with its own index`;
  if (canonicalText(parsed) !== entry.text) return `entry ${position} is not canonical JSON (RFC 8785)`;
  return undefined;
}

/**
 * Offline, the heads seen before bound where an edit is: a seen head whose tree hash the copy's
 * first entries reproduce vouches for them; one they do not reproduce puts the edit below its size.
 */
function whereSeenHeadsPlaceIt(tree: MerkleTree, options: LogAuditOptions): string {
  let good = 0;
  let bad = tree.size;
  for (const seen of options.seenHeads ?? []) {
    const head = checkTreeHead(seen, options.registryKey);
    if (!head.ok || head.value.size === 0 || head.value.size > tree.size) continue;
    if (toBase64Url(tree.rootAt(head.value.size)) === head.value.rootHash) good = Math.max(good, head.value.size);
    else bad = Math.min(bad, head.value.size);
  }
  if (good === 0 && bad === tree.size) return '';
  return bad - good === 1 ? `: entry ${good} was edited (heads seen before vouch for those around it)` : `: an entry from ${good} to ${bad - 1} was edited (heads seen before vouch for the others)`;
}

/**
 * The first entry of `copy` that is not the one the head signs, found by bisection: the copy's
 * first m entries are the log's iff the registry's consistency proof from size m to the head's
 * size checks against the head (RFC 9162 2.1.4.2), which a registry cannot fake for entries that
 * differ. O(log n) proofs. Undefined when the copy hashes to its head, or a proof cannot be had.
 * The copy's head must be checked first (auditLogCopy): this trusts its tree hash.
 */
export async function firstEntryNotInHead(copy: LogCopy, consistencyProof: (first: number, second: number) => Promise<Result<readonly string[]>>): Promise<number | undefined> {
  const head = copy.head.payload;
  const signedRoot = fromBase64Url(head.rootHash);
  if (signedRoot === undefined || copy.entries.length !== head.size) return undefined;
  const tree = new MerkleTree();
  for (const entry of copy.entries) tree.appendLeafHash(entryLeafHash(entry.text));
  if (toBase64Url(tree.rootAt(head.size)) === head.rootHash) return undefined;
  // Invariant: the first `good` entries are the log's, the first `bad` are not.
  let good = 0;
  let bad = head.size;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    const proof = await consistencyProof(middle, head.size);
    if (!proof.ok) return undefined;
    const hashes = proof.value.map((hash) => fromBase64Url(hash));
    const holds = hashes.every((hash): hash is Uint8Array => hash?.length === HASH_BYTES) && verifyConsistency(middle, head.size, tree.rootAt(middle), signedRoot, hashes);
    if (holds) good = middle;
    else bad = middle;
  }
  return bad - 1;
}

/** ": entry N is the first that differs", when an earlier copy tells. */
function firstRewritten(copy: LogCopy, earlier: LogCopy | undefined, size: number): string {
  if (earlier === undefined) return '';
  const limit = Math.min(size, earlier.entries.length, copy.entries.length);
  for (let index = 0; index < limit; index++) {
    if (earlier.entries[index]?.text !== copy.entries[index]?.text) return `: entry ${index} is the first that differs from the earlier copy`;
  }
  return '';
}
