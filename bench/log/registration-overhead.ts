/**
 * What the event log costs a write: registrations per second through the Registry on the durable
 * SQLite store, with the log (the build as it ships: every write appends its event in the same
 * transaction) against the same build with the log bypassed (a store wrapper that drops the event),
 * in alternating rounds of the same run, each on a fresh database of its own.
 *
 *   npm run bench:log-overhead [-- --per-round 400 --rounds 5]
 *
 * Target (issue 9): throughput with the log >= 0.9 of without.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RecordStore } from '../../src/core/ports.js';
import { createRegistration } from '../../src/core/record/registration.js';
import { nextSequence } from '../../src/core/record/sequence.js';
import { Registry } from '../../src/core/registry/registry.js';
import { signingKeyFromSeed } from '../../src/core/trust/ed25519.js';
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-store.js';
import { benchAgents } from '../support/agents.js';
import { machineInfo } from '../support/machine.js';
import { int, ms, table } from '../support/stats.js';

const { values: options } = parseArgs({ options: { 'per-round': { type: 'string', default: '400' }, rounds: { type: 'string', default: '5' } } });
const PER_ROUND = Number(options['per-round']);
const ROUNDS = Number(options.rounds);
const TARGET = 0.9;

/** The same store, with every event dropped: the build without the log. */
function withoutLog(store: RecordStore): RecordStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'put') return (agent: Parameters<RecordStore['put']>[0], expectedSeq: number | null, statusChanges?: Parameters<RecordStore['put']>[2]) => target.put(agent, expectedSeq, statusChanges);
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Signed registrations of distinct names, made before any timing. */
function registrations(count: number, round: number) {
  const { candidates } = benchAgents(1);
  const claims = candidates[0]!.claims;
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const key = signingKeyFromSeed(createHash('sha256').update(`bench-log/${round}/${i}`).digest());
    const name = `agent://bench.example/round-${round}/agent-${i}`;
    return createRegistration({ key, name, claims, factsUrl: `https://registry.example/v1/agents/${encodeURIComponent(name)}/facts`, seq: nextSequence(now), nowMs: now });
  });
}

async function rate(logged: boolean, round: number): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'signpost-bench-log-'));
  const sqlite = SqliteRecordStore.open(join(directory, 'signpost.db'));
  try {
    const store = logged ? sqlite : withoutLog(sqlite);
    const registry = new Registry({ store, key: signingKeyFromSeed(new Uint8Array(32).fill(9)), clock: { now: () => Date.now() } });
    const bodies = registrations(PER_ROUND, round);
    const started = performance.now();
    for (const body of bodies) {
      const result = await registry.register(body);
      if (!result.ok) throw new Error(`registration refused: ${JSON.stringify(result.problems)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    if ((await sqlite.logSize()) !== (logged ? PER_ROUND : 0)) throw new Error('the log does not hold what this round wrote');
    return PER_ROUND / seconds;
  } finally {
    await sqlite.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await rate(true, -1);
  await rate(false, -2);
  const best = { logged: 0, bypassed: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so a drift of the machine's speed hits both alike.
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const logged of order) {
      const value = await rate(logged, round * 2 + (logged ? 0 : 1));
      if (logged) best.logged = Math.max(best.logged, value);
      else best.bypassed = Math.max(best.bypassed, value);
    }
  }
  const machine = machineInfo();
  const ratio = best.logged / best.bypassed;
  console.log(`\nregistrations through the Registry on SQLite (durable), ${PER_ROUND} per round, best of ${ROUNDS} alternating rounds`);
  console.log(`machine: ${machine.cpus} cpus, node ${machine.node}\n`);
  console.log(
    table(
      ['build', 'registrations/s', 'ms each'],
      [
        ['the same build, log bypassed (baseline)', int(best.bypassed), ms(1000 / best.bypassed, 2)],
        ['with the event log', int(best.logged), ms(1000 / best.logged, 2)],
      ],
    ),
  );
  console.log(`\nratio with / without: ${ms(ratio, 3)}; target >= ${TARGET}: ${ratio >= TARGET ? 'PASS' : 'FAIL'}`);
}

await main();
