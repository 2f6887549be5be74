/**
 * The registry's event log as a transparency log: the Merkle tree (merkle-tree.ts) over the
 * entries the store holds (log-event.ts), signed tree heads, and the proofs a client checks.
 *
 * The store is the truth: the tree is rebuilt from its entries at start and follows them, by
 * reading what was appended since (sync), so a write that is in the store is in the tree before
 * any head or proof is made. A tree head is signed with the registry's Ed25519 key over RFC 8785
 * JSON like every record (signing.ts), with the type `LogTreeHead`.
 */
import { fail, ok, type Result } from '../errors.js';
import type { Clock, RecordStore } from '../ports.js';
import { signRecord, checkRecordSignature } from '../record/signing.js';
import type { SignedRecord } from '../record/types.js';
import type { SigningKey } from '../trust/ed25519.js';
import { fromBase64Url, toBase64Url } from '../trust/encoding.js';
import { formatUtcSeconds } from '../record/agent-addr.js';
import type { LogEntry } from './log-event.js';
import { HASH_BYTES, leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle-tree.js';

/** What a tree head says: the log had `size` entries, with this tree hash, at this time. */
export interface TreeHead {
  readonly type: 'LogTreeHead';
  readonly v: 1;
  /** The registry's did:key, which signs the head. */
  readonly log: string;
  readonly size: number;
  /** base64url of the RFC 9162 tree hash of the first `size` entries. */
  readonly rootHash: string;
  /** RFC 3339 time the head was signed. */
  readonly at: string;
}

export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  /** The entry's text: its exact bytes, whose leaf hash the proof starts from. */
  readonly entry: string;
  /** base64url of the entry's leaf hash. */
  readonly leafHash: string;
  /** base64url hashes, from the leaf's sibling up. */
  readonly proof: readonly string[];
}

export interface ConsistencyProof {
  readonly first: number;
  readonly second: number;
  readonly proof: readonly string[];
}

/** The most entries one read returns. */
export const MAX_ENTRIES_PER_READ = 1000;

/** The leaf of an entry: its UTF-8 bytes, hashed as RFC 9162 says. */
export function entryLeafHash(text: string): Uint8Array {
  return leafHash(new TextEncoder().encode(text));
}

export class TransparencyLog {
  readonly #tree = new MerkleTree();
  /** Leaf hash (base64url) to index: the inclusion proof of a leaf a client names. */
  readonly #indexOfLeaf = new Map<string, number>();
  /** Record digest (hex) to the index of the entry that stored it: the proof of a record a client holds. */
  readonly #indexOfRecord = new Map<string, number>();
  #syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<RecordStore, 'logSize' | 'logEntries'>,
    private readonly key: SigningKey,
    private readonly clock: Clock,
  ) {}

  /** The number of entries in the tree (after the last sync). */
  get size(): number {
    return this.#tree.size;
  }

  /** Take in what the store appended since the last call; calls queue, so none appends twice. */
  sync(): Promise<void> {
    this.#syncing = this.#syncing.then(async () => {
      const size = await this.store.logSize();
      while (this.#tree.size < size) {
        const entries = await this.store.logEntries(this.#tree.size, Math.min(size, this.#tree.size + MAX_ENTRIES_PER_READ));
        for (const entry of entries) {
          if (entry.index !== this.#tree.size) throw new Error(`the store's log skips from ${this.#tree.size} to ${entry.index}`);
          const hash = entryLeafHash(entry.text);
          this.#indexOfLeaf.set(toBase64Url(hash), entry.index);
          for (const digest of recordDigestsOf(entry.text)) this.#indexOfRecord.set(digest, entry.index);
          this.#tree.appendLeafHash(hash);
        }
      }
    });
    return this.#syncing;
  }

  /** The signed head of the log as it is now. */
  async head(): Promise<SignedRecord<TreeHead>> {
    await this.sync();
    const size = this.#tree.size;
    return signRecord<TreeHead>({ type: 'LogTreeHead', v: 1, log: this.key.did, size, rootHash: toBase64Url(this.#tree.rootAt(size)), at: formatUtcSeconds(this.clock.now()) }, this.key);
  }

  /** Entries [start, end), at most MAX_ENTRIES_PER_READ of them. */
  async entries(start: number, end: number): Promise<Result<LogEntry[]>> {
    await this.sync();
    const range = checkRange(start, end, this.#tree.size, 'entries');
    if (!range.ok) return range;
    return ok(await this.store.logEntries(start, Math.min(end, start + MAX_ENTRIES_PER_READ)));
  }

  /** The inclusion proof of entry `index` in the tree of `size` entries (default: now). */
  async inclusionProof(index: number, size?: number): Promise<Result<InclusionProof>> {
    await this.sync();
    const treeSize = size ?? this.#tree.size;
    if (!isIndex(treeSize) || treeSize > this.#tree.size) return fail('LOG_RANGE_INVALID', `size ${treeSize} is not a size this log had (it has ${this.#tree.size} entries)`);
    if (!isIndex(index) || index >= treeSize) return fail('LOG_RANGE_INVALID', `index ${index} is not an entry of a tree of ${treeSize}`);
    const [entry] = await this.store.logEntries(index, index + 1);
    return ok({ index, size: treeSize, entry: entry!.text, leafHash: toBase64Url(this.#tree.leafHashAt(index)), proof: this.#tree.inclusionProof(index, treeSize).map(toBase64Url) });
  }

  /** The inclusion proof of the entry that stored the signed record with this SHA-256 (hex). */
  async inclusionProofOfRecord(digest: string, size?: number): Promise<Result<InclusionProof>> {
    await this.sync();
    const index = this.#indexOfRecord.get(digest);
    if (index === undefined) return fail('LOG_ENTRY_NOT_FOUND', `no entry of this log stored a record with the SHA-256 ${digest}`);
    return this.inclusionProof(index, size);
  }

  /** The inclusion proof of the entry whose leaf hash (base64url) is `leaf`. */
  async inclusionProofOfLeaf(leaf: string, size?: number): Promise<Result<InclusionProof>> {
    await this.sync();
    const index = this.#indexOfLeaf.get(leaf);
    if (index === undefined) return fail('LOG_ENTRY_NOT_FOUND', `no entry of this log has the leaf hash ${leaf}`);
    return this.inclusionProof(index, size);
  }

  /** The consistency proof from the tree of `first` entries to the tree of `second` (default: now). */
  async consistencyProof(first: number, second?: number): Promise<Result<ConsistencyProof>> {
    await this.sync();
    const to = second ?? this.#tree.size;
    if (!isIndex(to) || to > this.#tree.size) return fail('LOG_RANGE_INVALID', `size ${to} is not a size this log had (it has ${this.#tree.size} entries)`);
    if (!isIndex(first) || first < 1 || first > to) return fail('LOG_RANGE_INVALID', `no consistency proof from size ${first} to ${to}: 1 <= first <= second`);
    return ok({ first, second: to, proof: this.#tree.consistencyProof(first, to).map(toBase64Url) });
  }
}

/** The record digests an entry names (none if it is not an event with records). */
function recordDigestsOf(text: string): string[] {
  try {
    const records = (JSON.parse(text) as { records?: unknown }).records;
    return typeof records === 'object' && records !== null ? Object.values(records).filter((value): value is string => typeof value === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * A signed tree head, checked: its shape, and its signature by `logDid` (the registry key the
 * client trusts). Never throws.
 */
export function checkTreeHead(value: unknown, logDid: string): Result<TreeHead> {
  const record = value as SignedRecord<TreeHead> | undefined;
  const head = record?.payload;
  if (
    typeof head !== 'object' ||
    head === null ||
    typeof record?.sig !== 'string' ||
    head.type !== 'LogTreeHead' ||
    head.v !== 1 ||
    typeof head.log !== 'string' ||
    !isIndex(head.size) ||
    typeof head.at !== 'string' ||
    fromBase64Url(String(head.rootHash))?.length !== HASH_BYTES
  ) {
    return fail('LOG_HEAD_INVALID', 'not a signed log tree head (type LogTreeHead, v 1, log, size, rootHash, at)');
  }
  if (head.log !== logDid) return fail('LOG_HEAD_INVALID', `the head is of the log of ${head.log}, not of ${logDid}`);
  const signature = checkRecordSignature(record!, logDid);
  if (!signature.valid) return fail('LOG_HEAD_INVALID', `the head's signature does not verify with ${logDid}: ${signature.reason}`);
  return ok(head);
}

/** Whether `proof` shows the entry `text` at `proof.index` in the tree of `head`. */
export function checkInclusion(text: string, proof: InclusionProof, head: TreeHead): Result<true> {
  const hashes = decodeHashes(proof.proof);
  const root = fromBase64Url(head.rootHash);
  if (hashes === undefined || root === undefined || proof.size !== head.size) return fail('LOG_PROOF_INVALID', 'the inclusion proof is malformed, or for another tree size than the head');
  return verifyInclusion(entryLeafHash(text), proof.index, head.size, hashes, root)
    ? ok(true)
    : fail('LOG_PROOF_INVALID', `entry ${proof.index} is not in the tree of ${head.size} entries this head signs`);
}

/** Whether `proof` shows that the tree of `older` is a prefix of the tree of `newer`. */
export function checkConsistency(older: TreeHead, newer: TreeHead, proof: readonly string[]): Result<true> {
  const hashes = decodeHashes(proof);
  const [first, second] = [fromBase64Url(older.rootHash), fromBase64Url(newer.rootHash)];
  if (hashes === undefined || first === undefined || second === undefined) return fail('LOG_PROOF_INVALID', 'the consistency proof is malformed');
  if (older.size === 0) return ok(true);
  if (older.size > newer.size) return fail('LOG_INCONSISTENT', `the log shrank from ${older.size} to ${newer.size} entries`);
  return verifyConsistency(older.size, newer.size, first, second, hashes)
    ? ok(true)
    : fail('LOG_INCONSISTENT', `the log of ${newer.size} entries does not extend the one of ${older.size} seen before: its history was rewritten`);
}

function decodeHashes(values: readonly string[]): Uint8Array[] | undefined {
  if (!Array.isArray(values)) return undefined;
  const hashes = values.map((value) => (typeof value === 'string' ? fromBase64Url(value) : undefined));
  return hashes.every((hash): hash is Uint8Array => hash?.length === HASH_BYTES) ? hashes : undefined;
}

function checkRange(start: number, end: number, size: number, what: string): Result<true> {
  if (!isIndex(start) || !isIndex(end) || end < start) return fail('LOG_RANGE_INVALID', `${what} [${start}, ${end}) is not a range: 0 <= start <= end`);
  if (start > size) return fail('LOG_RANGE_INVALID', `${what} from ${start}: the log has ${size} entries`);
  return ok(true);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
