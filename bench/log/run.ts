/**
 * The Merkle tree of the event log (src/core/log/merkle-tree.ts) at 1,000,000 leaves: appending,
 * inclusion and consistency proofs (made by the registry), and their checks (made by clients),
 * against raw node:crypto SHA-256 of the same number of 65-byte node inputs a proof check hashes
 * (its irreducible work), measured in the same run.
 *
 *   npm run bench:log [-- --leaves 1000000 --proofs 20000]
 *
 * Target (issue 9): an inclusion proof at 1,000,000 entries "well under a millisecond".
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '../../src/core/log/merkle-tree.js';
import { machineInfo } from '../support/machine.js';
import { int, ms, percentile, table } from '../support/stats.js';

const { values: options } = parseArgs({ options: { leaves: { type: 'string', default: '1000000' }, proofs: { type: 'string', default: '20000' } } });
const LEAVES = Number(options.leaves);
const PROOFS = Number(options.proofs);
const TARGET_MS = 1;

/** Microseconds of each call, sorted. */
function timed(count: number, operation: (i: number) => void): Float64Array {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    operation(i);
    samples[i] = (performance.now() - started) * 1000;
  }
  return samples.sort();
}

const row = (label: string, samples: Float64Array) => [label, ms(percentile(samples, 50), 1), ms(percentile(samples, 99), 1), ms(samples[samples.length - 1]!, 1)];

function main(): void {
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const tree = new MerkleTree();
  const leafHashes = Array.from({ length: 1024 }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
  const appendStarted = performance.now();
  for (let i = 0; i < LEAVES; i++) tree.appendLeafHash(leafHashes[i % leafHashes.length]!);
  const appendSeconds = (performance.now() - appendStarted) / 1000;
  const memory = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
  const root = tree.rootAt();

  // Random leaves and earlier sizes, chosen before timing.
  const indices = Array.from({ length: PROOFS }, () => Math.floor(Math.random() * LEAVES));
  const firsts = Array.from({ length: PROOFS }, () => 1 + Math.floor(Math.random() * (LEAVES - 1)));
  const inclusionProofs = indices.map((index) => tree.inclusionProof(index));
  const firstRoots = firsts.map((first) => tree.rootAt(first));
  const consistencyProofs = firsts.map((first) => tree.consistencyProof(first));

  // Baseline: as many raw SHA-256 hashes of 65 bytes (0x01 || left || right) as a check computes.
  const nodeInput = randomBytes(65);
  const hashes = inclusionProofs[0]!.length;
  const raw = timed(PROOFS, () => {
    for (let h = 0; h < hashes; h++) createHash('sha256').update(nodeInput).digest();
  });
  const makeInclusion = timed(PROOFS, (i) => tree.inclusionProof(indices[i]!));
  const checkInclusion = timed(PROOFS, (i) => {
    if (!verifyInclusion(tree.leafHashAt(indices[i]!), indices[i]!, LEAVES, inclusionProofs[i]!, root)) throw new Error('an inclusion proof failed');
  });
  const makeConsistency = timed(PROOFS, (i) => tree.consistencyProof(firsts[i]!));
  const checkConsistency = timed(PROOFS, (i) => {
    if (!verifyConsistency(firsts[i]!, LEAVES, firstRoots[i]!, root, consistencyProofs[i]!)) throw new Error('a consistency proof failed');
  });
  const makeRoot = timed(Math.min(PROOFS, 2000), (i) => tree.rootAt(firsts[i]!));

  const machine = machineInfo();
  console.log(`\nthe event log's Merkle tree at ${int(LEAVES)} leaves, ${int(PROOFS)} random proofs of each kind`);
  console.log(`machine: ${machine.cpus} cpus, node ${machine.node}`);
  console.log(`append: ${int(LEAVES / appendSeconds)} leaves/s; memory ${ms(memory / LEAVES, 1)} bytes a leaf (${ms(memory / 2 ** 20, 1)} MiB)\n`);
  console.log(
    table(
      ['operation', 'p50 µs', 'p99 µs', 'max µs'],
      [
        row(`raw node:crypto: ${hashes} SHA-256 of 65 bytes (baseline)`, raw),
        row('inclusion proof: make (registry)', makeInclusion),
        row('inclusion proof: check (client)', checkInclusion),
        row('consistency proof: make (registry)', makeConsistency),
        row('consistency proof: check (client)', checkConsistency),
        row('tree hash at an earlier size', makeRoot),
      ],
    ),
  );
  const p99 = percentile(makeInclusion, 99) / 1000;
  console.log(`\ninclusion proof p99 ${ms(p99, 4)} ms; target well under ${TARGET_MS} ms: ${p99 < TARGET_MS / 10 ? 'PASS' : 'FAIL'} (counted as under a tenth of it)`);
  console.log(`check / raw at p50: ${ms(percentile(checkInclusion, 50) / percentile(raw, 50), 2)} (1.0 would be hashing alone)`);
}

main();
