import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_TREE_HASH, leafHash, MerkleTree, nodeHash, splitPoint, verifyConsistency, verifyInclusion } from './merkle-tree.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

/**
 * The leaves and tree hashes of the Certificate Transparency reference tests (RFC 6962 trees, the
 * same hashing as RFC 9162): google/certificate-transparency cpp/merkletree/merkle_tree_test.cc,
 * repeated in transparency-dev/merkle testonly. Proof vectors: transparency-dev/merkle
 * testonly/reference_test.go.
 */
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  { index: 0, size: 2, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7'] },
  { index: 1, size: 2, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CONSISTENCY: { first: number; second: number; proof: string[] }[] = [
  { first: 1, second: 1, proof: [] },
  {
    first: 1,
    second: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  { first: 2, second: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

function treeOf(leaves: readonly Uint8Array[]): MerkleTree {
  const tree = new MerkleTree();
  for (const leaf of leaves) tree.appendLeafHash(leafHash(leaf));
  return tree;
}

/** RFC 9162 2.1.1, as written: the recursive definition, the yardstick for the stored tree. */
function referenceRoot(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_TREE_HASH;
  if (hashes.length === 1) return hashes[0]!;
  const k = splitPoint(hashes.length);
  return nodeHash(referenceRoot(hashes.slice(0, k)), referenceRoot(hashes.slice(k)));
}

describe('the reference vectors of Certificate Transparency', () => {
  const tree = treeOf(LEAVES);

  it('tree hashes of every size, 0 to 8', () => {
    expect(hex(tree.rootAt(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(ROOTS.map((_, i) => hex(tree.rootAt(i + 1)))).toEqual(ROOTS);
  });

  it.each(INCLUSION)('inclusion proof of leaf $index in a tree of $size', ({ index, size, proof }) => {
    expect(tree.inclusionProof(index, size).map(hex)).toEqual(proof);
    expect(verifyInclusion(leafHash(LEAVES[index]!), index, size, proof.map(unhex), tree.rootAt(size))).toBe(true);
  });

  it.each(CONSISTENCY)('consistency proof from $first to $second', ({ first, second, proof }) => {
    expect(tree.consistencyProof(first, second).map(hex)).toEqual(proof);
    expect(verifyConsistency(first, second, tree.rootAt(first), tree.rootAt(second), proof.map(unhex))).toBe(true);
  });
});

describe('every proof of every tree up to 40 leaves', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => Uint8Array.of(i, i >> 8));
  const tree = treeOf(leaves);
  const hashes = leaves.map(leafHash);

  it('roots agree with the recursive definition at every size', () => {
    for (let size = 0; size <= leaves.length; size++) expect(hex(tree.rootAt(size)), `size ${size}`).toBe(hex(referenceRoot(hashes.slice(0, size))));
  });

  it('every inclusion proof verifies, and no other leaf, index or root passes it', () => {
    for (let size = 1; size <= leaves.length; size++) {
      const root = tree.rootAt(size);
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index, size);
        expect(verifyInclusion(hashes[index]!, index, size, proof, root), `${index} of ${size}`).toBe(true);
        expect(verifyInclusion(hashes[(index + 1) % size]!, index, size, proof, root) && size > 1).toBe(false);
        expect(verifyInclusion(hashes[index]!, index + 1, size, proof, root)).toBe(false);
        // (The size itself is not proven by the path: leaf 0 of 3 and of 4 have paths of one shape.
        // A signed tree head binds the size to its root; a proof is only checked against one.)
        expect(verifyInclusion(hashes[index]!, index, size, proof, tree.rootAt(size - 1))).toBe(false);
        if (proof.length > 0) {
          expect(verifyInclusion(hashes[index]!, index, size, proof.slice(1), root)).toBe(false);
          expect(verifyInclusion(hashes[index]!, index, size, [...proof, proof[0]!], root)).toBe(false);
        }
      }
    }
  });

  it('every consistency proof verifies, and none passes for other sizes or roots', () => {
    for (let second = 1; second <= leaves.length; second++) {
      for (let first = 1; first <= second; first++) {
        const proof = tree.consistencyProof(first, second);
        const [firstRoot, secondRoot] = [tree.rootAt(first), tree.rootAt(second)];
        expect(verifyConsistency(first, second, firstRoot, secondRoot, proof), `${first} -> ${second}`).toBe(true);
        if (first < second) {
          expect(verifyConsistency(first, second, secondRoot, firstRoot, proof)).toBe(false);
          expect(verifyConsistency(first, second, firstRoot, tree.rootAt(second - 1), proof)).toBe(false);
          expect(verifyConsistency(first, second, firstRoot, secondRoot, [])).toBe(false);
          expect(verifyConsistency(first, second, firstRoot, secondRoot, proof.slice(1))).toBe(false);
          if (second < leaves.length) expect(verifyConsistency(first, second + 1, firstRoot, tree.rootAt(second + 1), proof)).toBe(false);
        }
      }
    }
  });
});

describe('a rewritten history never verifies', () => {
  it('any changed leaf breaks consistency with every earlier head that included it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.nat(), fc.nat(), (size, changedSeed, firstSeed) => {
        const leaves = Array.from({ length: size }, (_, i) => Uint8Array.of(i));
        const honest = treeOf(leaves);
        const changed = changedSeed % size;
        const first = changed + 1 + (firstSeed % (size - changed));
        const rewritten = treeOf(leaves.map((leaf, i) => (i === changed ? Uint8Array.of(255, i) : leaf)));
        // The rewritten log proves consistency from its own old head, never from the one a client kept.
        const proof = rewritten.consistencyProof(first, size);
        return !verifyConsistency(first, size, honest.rootAt(first), rewritten.rootAt(size), proof) && verifyConsistency(first, size, rewritten.rootAt(first), rewritten.rootAt(size), proof);
      }),
    );
  });
});

describe('bad input', () => {
  const tree = treeOf(LEAVES);

  it('refuses ranges outside the tree and leaf hashes of the wrong length, and verifies nothing malformed', () => {
    expect(() => tree.inclusionProof(8, 8)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, 9)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0, 8)).toThrow(RangeError);
    expect(() => tree.consistencyProof(5, 4)).toThrow(RangeError);
    expect(() => tree.rootAt(9)).toThrow(RangeError);
    expect(() => tree.appendLeafHash(new Uint8Array(31))).toThrow(RangeError);
    const root = tree.rootAt(8);
    const proof = tree.inclusionProof(3, 8);
    expect(verifyInclusion(leafHash(LEAVES[3]!), 3, 8, [...proof.slice(0, 2), proof[2]!.subarray(0, 31)], root)).toBe(false);
    expect(verifyInclusion(leafHash(LEAVES[3]!), -1, 8, proof, root)).toBe(false);
    expect(verifyInclusion(leafHash(LEAVES[3]!), 3, 2 ** 60, proof, root)).toBe(false);
    expect(verifyConsistency(0, 8, EMPTY_TREE_HASH, root, [])).toBe(false);
    expect(verifyConsistency(9, 8, root, root, [])).toBe(false);
  });

  it('a leaf can never pass for an inner node: leaf and node hashes are domain-separated', () => {
    const [a, b] = [leafHash(LEAVES[1]!), leafHash(LEAVES[2]!)];
    const forgedLeaf = Buffer.concat([a, b]);
    expect(hex(leafHash(forgedLeaf))).not.toBe(hex(nodeHash(a, b)));
  });
});
