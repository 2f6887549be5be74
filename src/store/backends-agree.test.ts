/**
 * Differential test: after the same random history of writes, the memory and SQLite stores must
 * give the same outcomes and find the same SET of agents for any query (ranked order may differ,
 * name order of listings may not).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordStore, SearchQuery, StoredCertification } from '../core/ports.js';
import type { StoredAgent } from '../core/registry/stored-agent.js';
import { MemoryRecordStore } from './memory/memory-store.js';
import { SqliteRecordStore } from './sqlite/sqlite-store.js';
import { VALID_FROM_CLOCK_SKEW_MS } from '../core/trust/credentials/proof.js';
import { activeAgent, CERTIFIED_FROM, CERTIFIED_UNTIL, deregisteredAgent, storedCertification } from './test-support/fixtures.js';

const NAMES = ['agent://acme/invoice-bot', 'agent://acme/translator', 'agent://globex/tutor', 'agent://globex/health/triage', 'agent://initech/café-reports'];
const WORDS = ['invoice', 'Invoices', 'café', 'CAFE', 'résumé', 'translate', 'Translator', 'report', 'AND', 'OR', 'NOT', 'kid-safe', 'Σοφος', '日本語', 'payroll', 'help', 'triage'];
const SEPARATORS = [' ', ', ', '. ', ' - ', ' "', '" ', ' (', ') ', '*', ': '];
const QUERY_WORDS = [...WORDS, 'inv', 'caf', 'tra', 'acme', 'globex', 'health', 'bot', 'reports', 'sofos', 'σοφος', '"', '(', '-', '*', 'x'];
const CAPABILITIES = ['ocr', 'OCR', 'translation', 'tutoring'];
const PROTOCOLS = ['a2a', 'mcp', 'https'];
// Beyond ASCII on purpose: U+FF28 sorts before U+1F9D2 in UTF-8 (SQLite) but after it in UTF-16 code units.
const CERTIFICATIONS = ['hipaa', 'HIPAA', 'SOC2', 'kid-safe', '\uFF28\uFF29\uFF30\uFF21\uFF21', '\u{1F9D2} kid-safe'];
const ISSUERS = ['did:web:auditor.example', 'did:key:z6MkgeAYjgfXDoaxMou4TKNEtGJ8cYHARPASB12ehQ8b13ie', 'did:web:rubber-stamp.example', 'did:web:\u{1F600}.example', 'did:web:\uFFFD.example'];
const SKEW = VALID_FROM_CLOCK_SKEW_MS;
const INSTANTS = [CERTIFIED_FROM - SKEW - 1, CERTIFIED_FROM - SKEW, CERTIFIED_FROM - 1, CERTIFIED_FROM, CERTIFIED_FROM + 5000, CERTIFIED_UNTIL - 1, CERTIFIED_UNTIL];

const text = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), { maxLength: 12 })
  .map((parts) => parts.map(([word, separator]) => word + separator).join(''));

const write = fc.record({
  name: fc.constantFrom(...NAMES),
  deregister: fc.boolean(),
  // A new binding of an active name under the same key (as after a missed prune of a tombstone).
  newBinding: fc.boolean(),
  text,
  capabilities: fc.subarray(CAPABILITIES),
  protocols: fc.subarray(PROTOCOLS),
  certifications: fc.subarray(CERTIFICATIONS),
  // Attested certifications submitted after the write: about the current key or another one.
  attested: fc.array(
    fc.record({
      certification: fc.constantFrom(...CERTIFICATIONS),
      issuer: fc.constantFrom(...ISSUERS),
      otherSubject: fc.boolean(),
      // Accepted for an earlier binding, or stored before bindings were recorded (no index).
      binding: fc.constantFrom('current', 'earlier', 'none'),
      validFromMs: fc.constantFrom(CERTIFIED_FROM, CERTIFIED_FROM + 5000),
      serial: fc.nat(3),
    }),
    { maxLength: 2 },
  ),
  // Stored certifications removed after the write (by position in certificationsOf, and a stale digest or not).
  removals: fc.array(fc.record({ position: fc.nat(5), staleDigest: fc.boolean(), staleBinding: fc.boolean() }), { maxLength: 2 }),
});

const query = fc.record(
  {
    text: fc.array(fc.constantFrom(...QUERY_WORDS), { maxLength: 3 }).map((words) => words.join(' ')),
    capability: fc.constantFrom(...CAPABILITIES, 'Translation'),
    protocol: fc.constantFrom(...PROTOCOLS, 'MCP'),
    certification: fc.record({
      name: fc.constantFrom(...CERTIFICATIONS, 'soc2'),
      trustedIssuers: fc.subarray(ISSUERS),
      at: fc.constantFrom(...INSTANTS),
    }),
  },
  { requiredKeys: [] },
);

type Write = typeof write extends fc.Arbitrary<infer T> ? T : never;

function nextState(current: StoredAgent | undefined, step: Write, freshIndex: () => number): StoredAgent {
  const seq = (current?.seq ?? 0) + 1;
  if (step.deregister) return deregisteredAgent({ name: step.name, seq });
  // An update keeps its binding's status index; a new binding gets a fresh one, never reused.
  const keeps = current !== undefined && current.state !== 'deregistered' && !step.newBinding;
  return activeAgent({ ...step, seq, statusIndex: keeps ? current.statusIndex : freshIndex() });
}

/** A certification for `agent`, accepted for its current binding, another one, or none recorded. */
function attestedFor(agent: StoredAgent, subject: string, attested: Write['attested'][number]): StoredCertification {
  const made = storedCertification({ agent, subject, ...attested });
  if (attested.binding === 'current') return made;
  const { bindingIndex, ...unbound } = made;
  return attested.binding === 'none' ? unbound : { ...unbound, bindingIndex: (bindingIndex ?? 0) + 1000 };
}

async function allNames(store: RecordStore, q: Omit<SearchQuery, 'limit'>): Promise<string[]> {
  return (await store.search({ ...q, limit: 100 })).items.map((agent) => agent.name);
}

async function walkedNames(store: RecordStore, q: Omit<SearchQuery, 'limit'>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.search(cursor === undefined ? { ...q, limit: 2 } : { ...q, limit: 2, cursor });
    seen.push(...page.items.map((agent) => agent.name));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return seen;
}

describe('memory and SQLite stores agree', () => {
  it('on write outcomes, counts and search results after random histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { maxLength: 25 }), fc.array(query, { minLength: 1, maxLength: 8 }), async (writes, queries) => {
        const memory = new MemoryRecordStore();
        const sqlite = SqliteRecordStore.open(':memory:');
        let nextIndex = 0;
        const freshIndex = () => nextIndex++;
        try {
          for (const step of writes) {
            const current = await memory.get(step.name);
            const next = nextState(current, step, freshIndex);
            const expectedSeq = current?.seq ?? null;
            expect(await sqlite.put(next, expectedSeq)).toBe(await memory.put(next, expectedSeq));
            for (const attested of step.attested) {
              const subject = attested.otherSubject ? 'did:key:z6MkSomeOtherKey' : next.agentId;
              const certification = attestedFor(next, subject, attested);
              const expectedDigest = (await memory.certificationsOf(next.name)).find((c) => c.certification === attested.certification && c.issuer === attested.issuer)?.digest ?? null;
              expect(await sqlite.putCertification(certification, expectedDigest)).toBe(await memory.putCertification(certification, expectedDigest));
            }
            for (const removal of step.removals) {
              const held = await memory.certificationsOf(next.name);
              const target = held[removal.position % Math.max(held.length, 1)];
              const digest = target === undefined || removal.staleDigest ? 'e'.repeat(64) : target.digest;
              const binding = removal.staleBinding ? (target?.bindingIndex ?? 0) + 1 : (target?.bindingIndex ?? null);
              expect(await sqlite.removeCertification(next.name, digest, binding)).toBe(await memory.removeCertification(next.name, digest, binding));
            }
          }
          for (const name of NAMES) expect(await sqlite.certificationsOf(name)).toEqual(await memory.certificationsOf(name));
          expect(await sqlite.count()).toEqual(await memory.count());
          for (const q of queries) {
            const fromMemory = await allNames(memory, q);
            const fromSqlite = await allNames(sqlite, q);
            expect([...fromSqlite].sort(), JSON.stringify(q)).toEqual([...fromMemory].sort());
            if ((q.text ?? '').trim() === '') expect(fromSqlite).toEqual(fromMemory);
            expect(await walkedNames(sqlite, q)).toEqual(fromSqlite);
            expect(await walkedNames(memory, q)).toEqual(fromMemory);
          }
        } finally {
          await memory.close();
          await sqlite.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
