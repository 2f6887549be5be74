/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, over SHA-256: the
 * tree hash of a list of entries, inclusion proofs (an entry is in the tree of a given size) and
 * consistency proofs (the tree of one size is a prefix of the tree of a larger one), and the
 * checks of both. The registry's event log is such a tree (issue 9); the functions here know
 * nothing of events: a leaf is bytes.
 *
 * The tree keeps every complete subtree's hash, level by level (level 0: the leaf hashes; level k:
 * one hash per complete block of 2^k leaves), in one growing buffer per level: about 64 bytes a
 * leaf. The hash of any range the RFC's recursion asks for is then a few lookups, and a proof at a
 * million leaves costs microseconds, with no hashing beyond the incomplete right edge
 * (bench/log measures it).
 *
 * Sizes and indices are plain numbers: exact up to 2^53, far beyond any log this registry keeps.
 */
import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;

/** RFC 9162 2.1.1: the hash of the empty tree, SHA-256 of nothing. */
export const EMPTY_TREE_HASH: Uint8Array = createHash('sha256').digest();

/** RFC 9162 2.1.1: a leaf is hashed with a 0x00 prefix ... */
export function leafHash(leaf: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** ... and an inner node with 0x01, so that no leaf can pass for a node (second preimages). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** The largest power of two smaller than n (n >= 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** One level of the tree: fixed-size hashes in one buffer that doubles as it fills. */
class HashColumn {
  private bytes = new Uint8Array(64 * HASH_BYTES);
  length = 0;

  push(hash: Uint8Array): void {
    if ((this.length + 1) * HASH_BYTES > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(hash, this.length * HASH_BYTES);
    this.length++;
  }

  at(index: number): Uint8Array {
    return this.bytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }
}

export class MerkleTree {
  /** levels[k].at(i): the hash of leaves [i * 2^k, (i + 1) * 2^k). */
  private readonly levels: HashColumn[] = [new HashColumn()];

  /** The number of leaves. */
  get size(): number {
    return this.levels[0]!.length;
  }

  /** Append a leaf, given as its leaf hash (see leafHash); completes the subtrees it closes. */
  appendLeafHash(hash: Uint8Array): void {
    if (hash.length !== HASH_BYTES) throw new RangeError(`a leaf hash is ${HASH_BYTES} bytes, not ${hash.length}`);
    this.levels[0]!.push(hash);
    // A leaf with an odd index closes a block of two, which may close a block of four, ...
    for (let level = 0, index = this.size - 1; index % 2 === 1; level++, index = (index - 1) / 2) {
      const column = this.levels[level]!;
      const parent = (this.levels[level + 1] ??= new HashColumn());
      parent.push(nodeHash(column.at(index - 1), column.at(index)));
    }
  }

  /** The leaf hash at an index. */
  leafHashAt(index: number): Uint8Array {
    this.checkRange(index, index + 1);
    return this.levels[0]!.at(index);
  }

  /** RFC 9162 2.1.1: the tree hash of the first `size` leaves (the tree as it was at that size). */
  rootAt(size: number = this.size): Uint8Array {
    if (size === 0) return EMPTY_TREE_HASH;
    this.checkRange(0, size);
    return this.rangeHash(0, size);
  }

  /** RFC 9162 2.1.3.1: the inclusion proof of leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.checkRange(index, index + 1);
    this.checkRange(0, size);
    if (index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
    const proof: Uint8Array[] = [];
    // PATH(m, D[start:start+n]), iteratively: the sibling hashes, collected from the root down.
    let start = 0;
    let n = size;
    let m = index;
    while (n > 1) {
      const k = splitPoint(n);
      if (m < k) {
        proof.push(this.rangeHash(start + k, start + n));
        n = k;
      } else {
        proof.push(this.rangeHash(start, start + k));
        start += k;
        m -= k;
        n -= k;
      }
    }
    return proof.reverse();
  }

  /** RFC 9162 2.1.4.1: the consistency proof from the tree of `first` leaves to the tree of `second`. */
  consistencyProof(first: number, second: number = this.size): Uint8Array[] {
    this.checkRange(0, second);
    if (first < 1 || first > second) throw new RangeError(`no consistency proof from ${first} to ${second}`);
    // SUBPROOF(m, D[start:start+n], b), iteratively from the root down.
    const proof: Uint8Array[] = [];
    let start = 0;
    let n = second;
    let m = first;
    let complete = true;
    while (m !== n) {
      const k = splitPoint(n);
      if (m <= k) {
        proof.push(this.rangeHash(start + k, start + n));
        n = k;
      } else {
        proof.push(this.rangeHash(start, start + k));
        start += k;
        m -= k;
        n -= k;
        complete = false;
      }
    }
    if (!complete) proof.push(this.rangeHash(start, start + n));
    return proof.reverse();
  }

  /**
   * MTH(D[start:end]) for the ranges the RFC's recursion produces: `start` is a multiple of a
   * power of two at least as large as the range's left part, so the left part is a stored complete
   * subtree and only the right edge recurses.
   */
  private rangeHash(start: number, end: number): Uint8Array {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) return this.levels[log2(n)]!.at(start / n);
    const k = splitPoint(n);
    return nodeHash(this.rangeHash(start, start + k), this.rangeHash(start + k, end));
  }

  private checkRange(start: number, end: number): void {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.size || start > end) {
      throw new RangeError(`[${start}, ${end}) is outside a tree of ${this.size} leaves`);
    }
  }
}

/**
 * RFC 9162 2.1.3.2: whether `proof` shows the leaf with hash `leaf` at `index` in the tree of
 * `size` leaves whose hash is `root`.
 */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (proof.some((p) => p.length !== HASH_BYTES)) return false;
  let r = leaf;
  const reachesRoot = climb(index, size - 1, proof, {
    leftSibling: (p) => (r = nodeHash(p, r)),
    rightSibling: (p) => (r = nodeHash(r, p)),
  });
  return reachesRoot && equalHashes(r, root);
}

/**
 * RFC 9162 2.1.4.2: whether `proof` shows that the tree of `first` leaves, with hash `firstRoot`,
 * is a prefix of the tree of `second` leaves, with hash `secondRoot`. Equal sizes need an empty
 * proof and equal hashes.
 */
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false;
  if (proof.some((p) => p.length !== HASH_BYTES)) return false;
  if (first === second) return proof.length === 0 && equalHashes(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Both trees climb the same path: a left sibling is in both, a right sibling only in the second.
  let fr = path[0]!;
  let sr = path[0]!;
  const reachesRoot = climb(fn, sn, path.slice(1), {
    leftSibling: (c) => {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    },
    rightSibling: (c) => (sr = nodeHash(sr, c)),
  });
  return reachesRoot && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}

/**
 * The climb both checks of RFC 9162 make (2.1.3.2 and 2.1.4.2), from node `fn` of a level whose
 * last node is `sn`: each hash of `path` is the left sibling when the node is a right child or the
 * last of its level (and then the levels where the node is a lone left child are skipped), else the
 * right sibling. True when the path ends exactly at the root.
 */
function climb(fn: number, sn: number, path: readonly Uint8Array[], sibling: { leftSibling(hash: Uint8Array): void; rightSibling(hash: Uint8Array): void }): boolean {
  for (const hash of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      sibling.leftSibling(hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sibling.rightSibling(hash);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === HASH_BYTES && b.length === HASH_BYTES && Buffer.compare(a, b) === 0;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && 2 ** log2(n) === n;
}

function log2(n: number): number {
  return Math.round(Math.log2(n));
}
