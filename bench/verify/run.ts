/**
 * Verification throughput: a full client-side check of a resolve answer (AgentAddr and AgentFacts:
 * schemas, canonical name, both agent signatures, both registry countersignatures, the facts
 * digest, validity, the chosen endpoint) against raw node:crypto Ed25519 verifications of the
 * same number of signatures (4), in the same run, alternating rounds so noise hits both alike.
 * Also reported, for scale: the registry's facts VC check (eddsa-jcs-2022 via Digital Bazaar).
 *
 *   npm run bench:verify
 *
 * Target (issue 3): full check >= 0.5 of the raw rate.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { verifyResolveAnswer } from '../../src/client/verify-answer.js';
import { registryCredentials, issueCredentialFor } from '../../src/core/registry/registry-credentials.js';
import { createRegistration } from '../../src/core/record/registration.js';
import { countersign } from '../../src/core/record/signing.js';
import { signingKeyFromSeed } from '../../src/core/trust/ed25519.js';
import { canonicalBytes } from '../../src/core/trust/jcs.js';
import { createDocumentLoader } from '../../src/core/trust/credentials/document-loader.js';
import { verifyFactsCredential } from '../../src/core/trust/credentials/facts-credential.js';
import { benchAgents } from '../support/agents.js';
import { machineInfo } from '../support/machine.js';
import { int, ms, table } from '../support/stats.js';

const ROUNDS = 5;
const SECONDS_PER_ROUND = 1;
const TARGET_RATIO = 0.5;
const now = Date.now();

/** A realistic answer: the first MCP seed server, signed by its key and countersigned. */
async function realisticAnswer() {
  const agentKey = signingKeyFromSeed(new Uint8Array(32).fill(1));
  const registryKey = signingKeyFromSeed(new Uint8Array(32).fill(9));
  const { candidates } = benchAgents(1);
  const candidate = candidates[0]!;
  const { addr, facts } = createRegistration({
    key: agentKey,
    name: candidate.name,
    claims: candidate.claims,
    factsUrl: 'https://registry.example/v1/agents/x/facts',
    seq: 1,
    nowMs: now,
  });
  const at = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const credentials = registryCredentials('https://registry.example', registryKey);
  const credential = await issueCredentialFor(credentials, facts, 0, at, addr.payload.notAfter);
  return {
    registryDid: registryKey.did,
    credentials,
    credential: credential.vc,
    answer: { name: candidate.name, endpoint: null, addr: countersign(addr, registryKey, at), facts: countersign(facts, registryKey, at) },
  };
}

/** Operations per second of `operation`, run for about `seconds`. */
async function rate(operation: () => unknown | Promise<unknown>, seconds: number): Promise<number> {
  let count = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) await operation();
    count += 50;
  }
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { answer, registryDid, credential, credentials } = await realisticAnswer();
  const options = { registryDid, expectedName: answer.name, nowMs: now + 1000 };
  if (!verifyResolveAnswer(answer, options).verified) throw new Error('the benchmark answer does not verify');

  // The same number of raw verifications, over messages of exactly the sizes the full check hashes.
  const { addr, facts } = answer;
  const messages = [
    canonicalBytes(addr.payload),
    canonicalBytes({ at: addr.countersig.at, by: addr.countersig.by, payload: addr.payload, sig: addr.sig }),
    canonicalBytes(facts.payload),
    canonicalBytes({ at: facts.countersig.at, by: facts.countersig.by, payload: facts.payload, sig: facts.sig }),
  ];
  const raws = messages.map((message) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { key: publicKey, message, signature: sign(null, message, privateKey) };
  });
  const rawFour = () => {
    for (const r of raws) if (!verify(null, r.message, r.key, r.signature)) throw new Error('raw verification failed');
  };
  const full = () => {
    if (!verifyResolveAnswer(answer, options).verified) throw new Error('full verification failed');
  };
  const documentLoader = createDocumentLoader({ didDocuments: (d) => (d === credentials.issuer.did ? credentials.didDocument : undefined) });
  const vc = async () => {
    const result = await verifyFactsCredential(credential, { documentLoader, now: now + 1000, trustedIssuers: [credentials.issuer.did] });
    if (!result.verified) throw new Error('VC verification failed');
  };

  await rate(rawFour, 0.5);
  await rate(full, 0.5);
  const best = { raw: 0, full: 0, vc: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    best.raw = Math.max(best.raw, await rate(rawFour, SECONDS_PER_ROUND));
    best.full = Math.max(best.full, await rate(full, SECONDS_PER_ROUND));
  }
  best.vc = await rate(vc, SECONDS_PER_ROUND);

  const machine = machineInfo();
  const ratio = best.full / best.raw;
  console.log(`\nverification throughput (best of ${ROUNDS} alternating rounds of ${SECONDS_PER_ROUND} s), one core`);
  console.log(`machine: ${machine.cpus} cpus, node ${machine.node}\n`);
  console.log(
    table(
      ['check', 'checks/s', 'µs per check'],
      [
        ['raw node:crypto: 4 Ed25519 verifications (baseline)', int(best.raw), ms(1e6 / best.raw, 1)],
        ['full AgentAddr + AgentFacts check (4 signatures + rules)', int(best.full), ms(1e6 / best.full, 1)],
        ['facts VC (eddsa-jcs-2022, Digital Bazaar), for scale', int(best.vc), ms(1e6 / best.vc, 1)],
      ],
    ),
  );
  console.log(`\nratio full / raw: ${ms(ratio, 2)}; target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`);
}

await main();
