/**
 * The RecordStore contract: every backend runs this suite against itself, so the registry can
 * swap one for another without noticing. It tests only the RecordStore interface.
 *
 *   recordStoreContract('MyStore', async () => ({ store, reopen?, cleanup }));
 *
 * `open` is called before every test and must return an empty store; `reopen` (for durable
 * backends) closes it and opens the same data again; `cleanup` releases everything, also when
 * the test closed the store itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ErrorCode, SignpostError } from '../core/errors.js';
import type { CertificationFilter, RecordStore, SearchQuery, StoredCertification, StoredNamespaceClaim } from '../core/ports.js';
import type { ActiveAgent, StoredAgent } from '../core/registry/stored-agent.js';
import { logEntryText, type AgentEventDraft, type LogEventDraft } from '../core/log/log-event.js';
import { VALID_FROM_CLOCK_SKEW_MS } from '../core/trust/credentials/proof.js';
import { activeAgent, CERTIFIED_FROM, CERTIFIED_UNTIL, deregisteredAgent, nextVersion, storedCertification } from './test-support/fixtures.js';

export interface OpenedStore {
  readonly store: RecordStore;
  readonly reopen?: () => Promise<RecordStore>;
  readonly cleanup: () => Promise<void>;
}

export function recordStoreContract(label: string, open: () => Promise<OpenedStore>): void {
  describe(`RecordStore contract: ${label}`, () => {
    let opened: OpenedStore;
    let store: RecordStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.cleanup();
    });

    describe('get and put (compare-and-set)', () => {
      const agent = activeAgent({ name: 'agent://acme/billing/invoice-bot', text: 'Reads invoices', capabilities: ['ocr'] });

      it('returns undefined for a name never stored', async () => {
        expect(await store.get('agent://nobody/here')).toBeUndefined();
      });

      it('stores a new name with expectedSeq null and returns it deep-equal', async () => {
        expect(await store.put(agent, null)).toBe('written');
        expect(await store.get(agent.name)).toEqual(agent);
      });

      it('refuses expectedSeq null for a name that exists, and keeps the stored value', async () => {
        await store.put(agent, null);
        const other = activeAgent({ name: agent.name, seq: 7, text: 'An impostor' });
        expect(await store.put(other, null)).toBe('conflict');
        expect(await store.get(agent.name)).toEqual(agent);
      });

      it('writes when expectedSeq is the stored sequence', async () => {
        await store.put(agent, null);
        const updated = nextVersion(agent, { text: 'Reads and pays invoices' });
        expect(await store.put(updated, agent.seq)).toBe('written');
        expect(await store.get(agent.name)).toEqual(updated);
      });

      it('refuses a wrong expectedSeq (lower, higher, or for a missing name) and changes nothing', async () => {
        await store.put(agent, null);
        const updated = nextVersion(agent, { text: 'Changed' });
        expect(await store.put(updated, agent.seq - 1)).toBe('conflict');
        expect(await store.put(updated, agent.seq + 1)).toBe('conflict');
        expect(await store.get(agent.name)).toEqual(agent);
        const missing = activeAgent({ name: 'agent://acme/missing', seq: 2 });
        expect(await store.put(missing, 1)).toBe('conflict');
        expect(await store.get(missing.name)).toBeUndefined();
      });

      it('lets exactly one of 10 concurrent writes with the same expectedSeq win', async () => {
        await store.put(agent, null);
        const candidates = Array.from({ length: 10 }, (_, i) => nextVersion(agent, { text: `Candidate number ${i}` }));
        const outcomes = await Promise.all(candidates.map((candidate) => store.put(candidate, agent.seq)));
        expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
        const winner = candidates[outcomes.indexOf('written')];
        expect(await store.get(agent.name)).toEqual(winner);
      });

      it('lets exactly one of 10 concurrent first registrations of a name win', async () => {
        const candidates = Array.from({ length: 10 }, (_, i) => activeAgent({ name: 'agent://race/prize', text: `Racer ${i}`, agentId: `did:key:z6MkRacer${i}` }));
        const outcomes = await Promise.all(candidates.map((candidate) => store.put(candidate, null)));
        expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
        expect(await store.get('agent://race/prize')).toEqual(candidates[outcomes.indexOf('written')]);
      });

      it('keeps its own copy: mutating what was put or what was got changes nothing stored', async () => {
        const mine = structuredClone(agent) as { search: { text: string } };
        await store.put(mine as unknown as StoredAgent, null);
        mine.search.text = 'mutated after put';
        const got = (await store.get(agent.name)) as unknown as { search: { text: string } };
        expect(got.search.text).toBe('Reads invoices');
        got.search.text = 'mutated after get';
        expect(await store.get(agent.name)).toEqual(agent);
      });
    });

    describe('states and count', () => {
      it('counts nothing in an empty store', async () => {
        expect(await store.count()).toEqual({ active: 0, suspended: 0, revoked: 0, deregistered: 0 });
      });

      it('goes active → deregistered → active again under the same name', async () => {
        const first = activeAgent({ name: 'agent://acme/phoenix', seq: 1, text: 'Rises from ashes', capabilities: ['rebirth'] });
        await store.put(first, null);
        await store.put(activeAgent({ name: 'agent://acme/bystander', text: 'Watches' }), null);
        expect(await store.count()).toEqual({ active: 2, suspended: 0, revoked: 0, deregistered: 0 });

        const gone = deregisteredAgent({ name: first.name, seq: 2, agentId: first.agentId });
        expect(await store.put(gone, 1)).toBe('written');
        expect(await store.get(first.name)).toEqual(gone);
        expect(await store.count()).toEqual({ active: 1, suspended: 0, revoked: 0, deregistered: 1 });
        expect(await names(store, { text: 'ashes' })).toEqual([]);
        expect(await names(store, { capability: 'rebirth' })).toEqual([]);

        const back = nextVersion(gone, { text: 'Rises again from ashes', capabilities: ['rebirth'] });
        expect(await store.put(back, 2)).toBe('written');
        expect(await store.get(first.name)).toEqual(back);
        expect(await store.count()).toEqual({ active: 2, suspended: 0, revoked: 0, deregistered: 0 });
        expect(await names(store, { text: 'ashes' })).toEqual([first.name]);
        expect(await names(store, { capability: 'rebirth' })).toEqual([first.name]);
      });

      it('stores a deregistered state as the first write of a name', async () => {
        const gone = deregisteredAgent({ name: 'agent://acme/ghost', seq: 5, release: true });
        expect(await store.put(gone, null)).toBe('written');
        expect(await store.get(gone.name)).toEqual(gone);
        expect(await store.count()).toEqual({ active: 0, suspended: 0, revoked: 0, deregistered: 1 });
      });
    });

    describe('search: text and filters', () => {
      beforeEach(async () => {
        await seed(store, CATALOGUE);
      });

      it('lists every active agent by name when there is no text and no filter', async () => {
        expect(await names(store, {})).toEqual(ACTIVE_NAMES);
        expect(await names(store, { text: '' })).toEqual(ACTIVE_NAMES);
        expect(await names(store, { text: '   ' })).toEqual(ACTIVE_NAMES);
      });

      it('never finds deregistered agents, by text or by filter', async () => {
        expect(await names(store, { text: 'legacy' })).toEqual([]);
        expect(await names(store, { text: 'invoicer' })).toEqual([]);
        expect(await names(store, { capability: 'invoice-processing' })).toEqual([INVOICE_BOT]);
        expect(await names(store, { certification: counting('PCI-DSS') })).toEqual([]);
      });

      it('leaves out records expired at validAt (notAfter at or before it), by listing, text and filter', async () => {
        const notAfter = Date.parse(((await store.get(INVOICE_BOT)) as ActiveAgent).addr.payload.notAfter);
        expect(await names(store, { validAt: notAfter - 1 })).toContain(INVOICE_BOT);
        expect(await names(store, { validAt: notAfter })).not.toContain(INVOICE_BOT);
        expect(await names(store, { text: 'invoice', validAt: notAfter })).toEqual([]);
        expect(await names(store, { capability: 'invoice-processing', validAt: notAfter })).toEqual([]);
        expect(await names(store, { text: 'invoice', validAt: notAfter - 1 })).toEqual([INVOICE_BOT]);
      });

      it('matches text case-insensitively, by whole word or word prefix', async () => {
        for (const text of ['invoice', 'INVOICE', 'Invoices', 'inv', 'reconcil']) {
          expect(await names(store, { text }), text).toEqual([INVOICE_BOT]);
        }
        expect(await names(store, { text: 'voice' }), 'not a mid-word substring').toEqual([]);
        expect(await names(store, { text: 'invoicesx' }), 'not longer than the word').toEqual([]);
      });

      it('folds diacritics on both sides', async () => {
        expect(await names(store, { text: 'cafe' })).toEqual([TRANSLATE]);
        expect(await names(store, { text: 'CAFÉ' })).toEqual([TRANSLATE]);
        expect(await names(store, { text: 'resume' })).toEqual([TUTOR]);
        expect(await names(store, { text: 'résumé' })).toEqual([TUTOR]);
      });

      it('requires every query word to match (AND)', async () => {
        expect(await names(store, { text: 'translates german' })).toEqual([TRANSLATE]);
        expect(await names(store, { text: 'translates invoices' })).toEqual([]);
        expect(await names(store, { text: 'acme invoices' })).toEqual([INVOICE_BOT]);
      });

      it("matches the labels of the agent's name", async () => {
        expect(await sortedNames(store, { text: 'globex' })).toEqual([TRIAGE, TUTOR]);
        expect(await names(store, { text: 'bot' })).toEqual([INVOICE_BOT]);
        expect(await names(store, { text: 'invoice-bot' })).toEqual([INVOICE_BOT]);
        expect(await sortedNames(store, { text: 'acme' })).toEqual([INVOICE_BOT, TRANSLATE]);
        expect(await names(store, { text: 'agent' }), 'the scheme is not a label').toEqual([]);
      });

      it('filters by capability and protocol: exact and case-insensitive', async () => {
        expect(await names(store, { capability: 'OCR' })).toEqual([INVOICE_BOT]);
        expect(await names(store, { capability: 'tutoring' })).toEqual([TUTOR]);
        expect(await names(store, { capability: 'invoice' }), 'no prefix match on filters').toEqual([]);
        expect(await names(store, { protocol: 'A2A' })).toEqual([INVOICE_BOT, TRIAGE]);
        expect(await names(store, { protocol: 'mcp' })).toEqual([TRANSLATE]);
      });

      it('filters by namespace: exactly its agents (no prefix, no subdomain), case-insensitive, with text and other filters, paged', async () => {
        expect(await names(store, { namespace: 'acme' })).toEqual([INVOICE_BOT, TRANSLATE]);
        expect(await names(store, { namespace: 'ACME.' })).toEqual([INVOICE_BOT, TRANSLATE]);
        expect(await names(store, { namespace: 'acm' }), 'not a prefix of a namespace').toEqual([]);
        expect(await names(store, { namespace: 'globex', text: 'tutor' })).toEqual([TUTOR]);
        expect(await names(store, { namespace: 'globex', protocol: 'a2a' })).toEqual([TRIAGE]);
        expect(await names(store, { namespace: 'initech' })).toEqual([REPORTS]);
        expect(await names(store, { namespace: 'legacy' }), 'deregistered').toEqual([]);
        const first = await store.search({ limit: 1, namespace: 'acme' });
        expect(first.items.map((agent) => agent.name)).toEqual([INVOICE_BOT]);
        const second = await store.search({ limit: 1, namespace: 'acme', cursor: first.nextCursor! });
        expect(second.items.map((agent) => agent.name)).toEqual([TRANSLATE]);
        await expectCode(store.search({ limit: 1, namespace: 'globex', cursor: first.nextCursor! }), 'SEARCH_BAD_CURSOR');
      });

      it('filters by certification: only attested ones that count, by exact name', async () => {
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([TRIAGE]);
        expect(await names(store, { certification: counting('SOC2') })).toEqual([INVOICE_BOT, TRIAGE]);
        expect(await names(store, { certification: counting('kid-safe') })).toEqual([TUTOR]);
        expect(await names(store, { certification: counting('  kid-safe ') }), 'trimmed').toEqual([TUTOR]);
        // Names are exact, like the trust policy's keys: another spelling is another certification.
        expect(await names(store, { certification: counting('hipaa') })).toEqual([]);
        // Self-declared in the facts (REPORTS claims ISO 27001) never counts.
        expect(await names(store, { certification: counting('ISO 27001') })).toEqual([]);
        // An empty name is no filter.
        expect(await names(store, { certification: counting('') })).toEqual(ACTIVE_NAMES);
      });

      it('combines filters with each other and with text (AND)', async () => {
        expect(await names(store, { protocol: 'a2a', certification: counting('HIPAA') })).toEqual([TRIAGE]);
        expect(await names(store, { capability: 'ocr', certification: counting('HIPAA') })).toEqual([]);
        expect(await names(store, { capability: 'ocr', certification: counting('SOC2') })).toEqual([INVOICE_BOT]);
        expect(await names(store, { text: 'clinics', certification: counting('SOC2') })).toEqual([TRIAGE]);
        expect(await names(store, { protocol: 'a2a', text: 'clinics' })).toEqual([TRIAGE]);
        expect(await names(store, { protocol: 'a2a', text: 'translates' })).toEqual([]);
        expect(await names(store, { protocol: 'https', certification: counting('kid-safe'), text: 'homework' })).toEqual([TUTOR]);
      });

      it('treats text made only of punctuation or operators as no text, without error', async () => {
        for (const text of ['"', '-', '(', ')', '*', '^', ':', '{}', '+', "'", ';', '--', '/*', '\\', '%', '_', '""', '"*"', '( ) * " -']) {
          expect(await names(store, { text }), JSON.stringify(text)).toEqual(ACTIVE_NAMES);
        }
      });

      it('treats FTS syntax in query text as plain words', async () => {
        expect(await names(store, { text: 'AND OR NOT' })).toEqual([REPORTS]);
        expect(await names(store, { text: 'NOT development' })).toEqual([REPORTS]);
        expect(await names(store, { text: 'research -development' })).toEqual([REPORTS]);
        expect(await names(store, { text: '"quoted"' })).toEqual([REPORTS]);
        expect(await names(store, { text: 'text:quoted' })).toEqual([REPORTS]);
        expect(await names(store, { text: 'labels:acme' }), 'no column filter').toEqual([]);
        expect(await names(store, { text: 'reports*' })).toEqual([REPORTS]);
        expect(await names(store, { text: 'parenthesised)' })).toEqual([REPORTS]);
        expect(await names(store, { text: '"unterminated' })).toEqual([]);
        expect(await names(store, { text: 'NEAR(research development)' })).toEqual([]);
        expect(await names(store, { text: 'research NEAR development' })).toEqual([]);
        expect(await names(store, { text: "research' OR 1=1 --" })).toEqual([]);
      });

      it('ranks a hit on the name above a mere mention in a long description', async () => {
        const named = activeAgent({ name: 'agent://zeta/payroll', text: 'Handles salaries for Zeta Corp.' });
        const mention = activeAgent({
          name: 'agent://aardvark/helper',
          text:
            'A general helper that can summarise meetings, draft emails, plan trips, compare offers, ' +
            'explain contracts, book rooms, track parcels, sort files, and sometimes look at payroll ' +
            'questions when nobody else is around to answer them, among many other small chores.',
        });
        await seed(store, [named, mention]);
        expect(await names(store, { text: 'payroll' })).toEqual([named.name, mention.name]);
      });

      it('re-indexes an agent on update: old words and filters stop matching, new ones match', async () => {
        const before = activeAgent({ name: 'agent://acme/chameleon', text: 'Alpha bravo', capabilities: ['old-cap'], protocols: ['mcp'] });
        await store.put(before, null);
        const after = nextVersion(before, { text: 'Charlie delta', capabilities: ['new-cap'], protocols: ['grpc'] });
        expect(await store.put(after, before.seq)).toBe('written');
        expect(await names(store, { text: 'alpha' })).toEqual([]);
        expect(await names(store, { capability: 'old-cap' })).toEqual([]);
        expect(await names(store, { text: 'charlie' })).toEqual([before.name]);
        expect(await names(store, { capability: 'new-cap', protocol: 'grpc' })).toEqual([before.name]);
        expect(await names(store, { text: 'chameleon' })).toEqual([before.name]);
      });
    });

    describe('search: paging', () => {
      beforeEach(async () => {
        await seed(store, CATALOGUE);
      });

      it('walks every page of the listing: each agent once, in name order, null cursor at the end', async () => {
        for (const limit of [1, 2, 3, 5, 100]) {
          expect(await walk(store, {}, limit), `limit ${limit}`).toEqual(ACTIVE_NAMES);
        }
        const whole = await store.search({ limit: ACTIVE_NAMES.length });
        expect(whole.nextCursor).toBeNull();
        const first = await store.search({ limit: 2 });
        expect(first.items).toHaveLength(2);
        expect(first.nextCursor).toEqual(expect.any(String));
      });

      it('walks every page of a text search in the order of the one-page answer', async () => {
        await seed(store, translators(7));
        const onePage = await names(store, { text: 'translator' });
        expect(onePage).toHaveLength(7);
        for (const limit of [1, 2, 3]) {
          expect(await walk(store, { text: 'translator' }, limit), `limit ${limit}`).toEqual(onePage);
        }
      });

      it('walks every page of a filtered search', async () => {
        await seed(store, translators(5));
        const expected = await names(store, { capability: 'translation', protocol: 'https' });
        expect(expected).toHaveLength(5);
        expect(await walk(store, { capability: 'translation', protocol: 'https' }, 2)).toEqual(expected);
      });

      it('returns no duplicates and misses nothing when unrelated writes land between pages', async () => {
        const seen = await walk(store, {}, 2, async (page) => {
          await store.put(activeAgent({ name: `agent://aaa/newcomer-${page}`, text: 'Arrived late' }), null);
          const bystander = await store.get(TRANSLATE);
          if (bystander !== undefined) await store.put(nextVersion(bystander, { text: `Rewritten ${page}` }), bystander.seq);
        });
        expect(new Set(seen).size).toBe(seen.length);
        for (const name of ACTIVE_NAMES) expect(seen).toContain(name);
      });

      it('keeps filtered pages stable across unrelated writes', async () => {
        await seed(store, translators(6));
        const query = { capability: 'translation', protocol: 'https' };
        const expected = await names(store, query);
        expect(expected).toHaveLength(6);
        const seen = await walk(store, query, 4, async (page) => {
          await store.put(activeAgent({ name: `agent://aaa/unrelated-${page}`, text: 'Gardening tips', capabilities: ['garden'] }), null);
          await store.put(activeAgent({ name: `agent://lingua/translator-000-${page}`, text: 'Translator', protocols: ['mcp'] }), null);
        });
        expect(seen).toEqual(expected);
      });

      it('rejects a garbage cursor with SEARCH_BAD_CURSOR', async () => {
        const garbage = [
          'garbage!!',
          'Z2FyYmFnZQ',
          Buffer.from('{"v":1,"q":"x","after":"a"}').toString('base64url'),
          Buffer.from('[1,2,3]').toString('base64url'),
          'x'.repeat(5000),
        ];
        for (const cursor of garbage) {
          await expectCode(store.search({ limit: 2, cursor }), 'SEARCH_BAD_CURSOR');
          await expectCode(store.search({ limit: 2, cursor, text: 'acme' }), 'SEARCH_BAD_CURSOR');
        }
      });

      it('rejects a cursor from another query with SEARCH_BAD_CURSOR', async () => {
        await seed(store, translators(4));
        const listing = (await store.search({ limit: 1 })).nextCursor;
        const text = (await store.search({ limit: 1, text: 'translator' })).nextCursor;
        const filtered = (await store.search({ limit: 1, capability: 'translation' })).nextCursor;
        if (listing === null || text === null || filtered === null) throw new Error('expected more pages');
        await expectCode(store.search({ limit: 1, cursor: listing, text: 'translator' }), 'SEARCH_BAD_CURSOR');
        await expectCode(store.search({ limit: 1, cursor: listing, capability: 'translation' }), 'SEARCH_BAD_CURSOR');
        await expectCode(store.search({ limit: 1, cursor: text, text: 'invoice' }), 'SEARCH_BAD_CURSOR');
        await expectCode(store.search({ limit: 1, cursor: text }), 'SEARCH_BAD_CURSOR');
        await expectCode(store.search({ limit: 1, cursor: filtered, capability: 'ocr' }), 'SEARCH_BAD_CURSOR');
        await expectCode(store.search({ limit: 1, cursor: filtered, capability: 'translation', protocol: 'mcp' }), 'SEARCH_BAD_CURSOR');
        // The same query in another spelling is the same query.
        expect((await store.search({ limit: 1, cursor: text, text: 'TRANSLATOR' })).items).toHaveLength(1);
        expect((await store.search({ limit: 1, cursor: filtered, capability: 'Translation' })).items).toHaveLength(1);
      });

      it('rejects a page size outside 1..100 with REQUEST_INVALID', async () => {
        for (const limit of [0, -1, 101, 1.5, Number.NaN]) {
          await expectCode(store.search({ limit }), 'REQUEST_INVALID');
        }
        expect((await store.search({ limit: 100 })).items).toHaveLength(ACTIVE_NAMES.length);
      });
    });

    describe('the event log', () => {
      const first = activeAgent({ name: 'agent://acme/log/first', text: 'First' });
      const second = activeAgent({ name: 'agent://acme/log/second', text: 'Second' });
      const eventOf = (agent: StoredAgent, kind: AgentEventDraft['kind'] = 'registered'): LogEventDraft => ({
        kind,
        name: agent.name,
        at: agent.updatedAt,
        agentId: agent.agentId,
        seq: agent.seq,
        state: agent.state,
        records: { addr: 'a'.repeat(64) },
      });

      it('appends the event of each write at the next index, gap-free from 0, as canonical text', async () => {
        expect(await store.logSize()).toBe(0);
        expect(await store.put(first, null, [], eventOf(first))).toBe('written');
        expect(await store.put(second, null, [], eventOf(second))).toBe('written');
        const updated = nextVersion(first, { text: 'First, updated' });
        expect(await store.put(updated, first.seq, [], eventOf(updated, 'updated'))).toBe('written');
        expect(await store.logSize()).toBe(3);
        const entries = await store.logEntries(0, 10);
        expect(entries.map((entry) => entry.index)).toEqual([0, 1, 2]);
        expect(entries.map((entry) => entry.text)).toEqual([logEntryText(0, eventOf(first)), logEntryText(1, eventOf(second)), logEntryText(2, eventOf(updated, 'updated'))]);
        expect(JSON.parse(entries[2]!.text)).toMatchObject({ v: 1, index: 2, kind: 'updated', name: first.name, seq: updated.seq });
        expect(await store.logEntries(1, 2)).toEqual([entries[1]]);
        expect(await store.logEntries(3, 5)).toEqual([]);
      });

      it('appends an audit event that changes no state at the next index', async () => {
        await store.put(first, null, [], eventOf(first));
        const audit: LogEventDraft = { kind: 'boundary-crossed', at: '2026-01-01T00:00:00Z', by: 'did:key:z6MkResolver', who: 'did:key:z6MkAsker', what: 'agent://acme/x', where: 'public http://127.0.0.1:1', why: 'not held by internal', records: { audit: 'd'.repeat(64) } };
        expect(await store.appendEvent(audit)).toBe(1);
        expect(await store.logSize()).toBe(2);
        expect((await store.logEntries(1, 2))[0]!.text).toBe(logEntryText(1, audit));
        expect(await store.get(first.name)).toEqual(first);
      });

      it('a write that loses its race appends nothing; a write without an event appends nothing', async () => {
        await store.put(first, null, [], eventOf(first));
        expect(await store.put(activeAgent({ name: first.name, seq: 9, text: 'An impostor' }), null, [], eventOf(first))).toBe('conflict');
        expect(await store.put(nextVersion(first), 99, [], eventOf(first, 'updated'))).toBe('conflict');
        expect(await store.put(second, null)).toBe('written');
        expect(await store.logSize()).toBe(1);
      });

      it('a write and its event are stored together or not at all: an event that cannot be written leaves the state untouched', async () => {
        await store.put(first, null, [], eventOf(first));
        const updated = nextVersion(first, { text: 'Never stored' });
        // NaN has no canonical JSON form (RFC 8785): making the entry throws, mid-write.
        const unwritable = { ...eventOf(updated, 'updated'), seq: Number.NaN };
        await expect(store.put(updated, first.seq, [], unwritable)).rejects.toThrow();
        expect(await store.get(first.name)).toEqual(first);
        expect(await store.logSize()).toBe(1);
        // And the store goes on: the next write gets index 1.
        expect(await store.put(updated, first.seq, [], eventOf(updated, 'updated'))).toBe('written');
        expect((await store.logEntries(0, 2)).map((entry) => entry.index)).toEqual([0, 1]);
      });

      it('concurrent writes to different names get distinct, consecutive indices', async () => {
        const agents = Array.from({ length: 20 }, (_, i) => activeAgent({ name: `agent://acme/log/n${i}`, text: `N${i}` }));
        await Promise.all(agents.map((agent) => store.put(agent, null, [], eventOf(agent))));
        const entries = await store.logEntries(0, 100);
        expect(entries.map((entry) => entry.index)).toEqual([...Array(20).keys()]);
        expect(new Set(entries.map((entry) => JSON.parse(entry.text).name)).size).toBe(20);
      });

      it('certification credentials stored and removed append their events with the write; a lost race or nothing to remove appends none', async () => {
        const stored = storedCertification({ agent: first, certification: 'HIPAA', issuer: 'did:key:z6MkAuditor' });
        const eventOfCertification = (kind: 'certification-added' | 'certification-removed'): LogEventDraft => ({
          kind,
          name: stored.agentName,
          at: stored.storedAt,
          certification: stored.certification,
          issuer: stored.issuer,
          subject: stored.subject,
          records: { certification: stored.digest },
        });
        expect(await store.putCertification(stored, null, eventOfCertification('certification-added'))).toBe('written');
        expect(await store.putCertification(stored, null, eventOfCertification('certification-added'))).toBe('conflict');
        expect(await store.removeCertification(stored.agentName, 'f'.repeat(64), stored.bindingIndex ?? null, eventOfCertification('certification-removed'))).toBe(false);
        expect(await store.removeCertification(stored.agentName, stored.digest, stored.bindingIndex ?? null, eventOfCertification('certification-removed'))).toBe(true);
        const kinds = (await store.logEntries(0, 10)).map((entry) => JSON.parse(entry.text) as { index: number; kind: string; records: unknown });
        expect(kinds.map(({ index, kind }) => [index, kind])).toEqual([
          [0, 'certification-added'],
          [1, 'certification-removed'],
        ]);
        expect(kinds[0]!.records).toEqual({ certification: stored.digest });
      });

      it('refuses a range that is not one', async () => {
        await expect(store.logEntries(-1, 2)).rejects.toThrow(RangeError);
        await expect(store.logEntries(3, 2)).rejects.toThrow(RangeError);
        await expect(store.logEntries(0.5, 2)).rejects.toThrow(RangeError);
      });

      it('keeps the log across a reopen (durable backends)', async ({ skip }) => {
        if (opened.reopen === undefined) return skip('this backend is not durable');
        await store.put(first, null, [], eventOf(first));
        store = await opened.reopen();
        expect(await store.logEntries(0, 5)).toEqual([{ index: 0, text: logEntryText(0, eventOf(first)) }]);
        await store.put(second, null, [], eventOf(second));
        expect(await store.logSize()).toBe(2);
      });
    });

    describe('status lists', () => {
      const revoked = { reason: 'key compromised', at: '2026-01-01T00:00:00Z', by: 'did:key:z6MkOperator' };

      it('hands out consecutive indices, never the same one twice, even when asked at once', async () => {
        expect(await store.allocateStatusIndices(2)).toEqual([0, 1]);
        const batches = await Promise.all(Array.from({ length: 10 }, () => store.allocateStatusIndices(3)));
        const all = batches.flat();
        expect(new Set(all).size).toBe(30);
        expect(Math.min(...all)).toBe(2);
        expect(Math.max(...all)).toBe(31);
      });

      it('keeps allocations across a reopen (durable backends)', async ({ skip }) => {
        if (opened.reopen === undefined) return skip('this backend is not durable');
        await store.allocateStatusIndices(5);
        await store.setStatus('revocation', [3], revoked);
        store = await opened.reopen();
        expect(await store.allocateStatusIndices(1)).toEqual([5]);
        expect(await store.statusEntries('revocation')).toEqual([{ index: 3, ...revoked }]);
      });

      it('sets and clears bits per purpose, with the reason, in index order', async () => {
        await store.allocateStatusIndices(10);
        await store.setStatus('revocation', [7, 2], revoked);
        await store.setStatus('suspension', [4], { ...revoked, reason: 'under review' });
        expect(await store.statusEntries('revocation')).toEqual([
          { index: 2, ...revoked },
          { index: 7, ...revoked },
        ]);
        expect((await store.statusEntries('suspension')).map((e) => e.reason)).toEqual(['under review']);
        await store.setStatus('revocation', [7], { ...revoked, reason: 'superseded' });
        await store.setStatus('suspension', [4], null);
        expect((await store.statusEntries('revocation')).map((e) => `${e.index}:${e.reason}`)).toEqual(['2:key compromised', '7:superseded']);
        expect(await store.statusEntries('suspension')).toEqual([]);
      });

      it('applies status bits with a put in one transaction, or neither', async () => {
        const [index] = await store.allocateStatusIndices(1);
        const agent = activeAgent({ name: 'agent://acme/standing', text: 'Changes standing', capabilities: ['standing'] });
        await store.put(agent, null);
        const { state: _state, ...rest } = agent;
        const suspended = { ...rest, state: 'suspended' as const, seq: agent.seq + 1, lastStatusChange: agent.addr as never };
        await expectCode(store.put(suspended, agent.seq, [{ purpose: 'suspension', indices: [index!, 99], entry: revoked }]), 'INTERNAL');
        expect(await store.get(agent.name)).toEqual(agent);
        expect(await store.statusEntries('suspension')).toEqual([]);

        expect(await store.put(suspended, agent.seq, [{ purpose: 'suspension', indices: [index!], entry: revoked }])).toBe('written');
        expect(await store.statusEntries('suspension')).toEqual([{ index, ...revoked }]);
        expect(await store.count()).toEqual({ active: 0, suspended: 1, revoked: 0, deregistered: 0 });
        // A suspended agent is not found by search, by text, filter or listing.
        expect(await names(store, { text: 'standing' })).toEqual([]);
        expect(await names(store, { capability: 'standing' })).toEqual([]);
        expect(await names(store, {})).toEqual([]);
        // A stale compare-and-set writes neither the agent nor the bits.
        expect(await store.put(agent, agent.seq, [{ purpose: 'suspension', indices: [index!], entry: null }])).toBe('conflict');
        expect(await store.statusEntries('suspension')).toHaveLength(1);
      });

      it('never lets a stored sequence go back or stand still: such a put fails (INTERNAL) and changes nothing', async () => {
        const agent = activeAgent({ name: 'agent://acme/rising', text: 'Rises' });
        await store.put(agent, null);
        await expectCode(store.put({ ...agent, seq: agent.seq - 1 }, agent.seq), 'INTERNAL');
        await expectCode(store.put({ ...agent, seq: agent.seq }, agent.seq), 'INTERNAL');
        expect(await store.get(agent.name)).toEqual(agent);
        expect(await store.put({ ...agent, seq: agent.seq + 1 }, agent.seq)).toBe('written');
      });

      it('refuses indices never allocated and absurd allocation sizes, changing nothing', async () => {
        await store.allocateStatusIndices(2);
        await expectCode(store.setStatus('revocation', [0, 2], revoked), 'INTERNAL');
        await expectCode(store.setStatus('revocation', [-1], revoked), 'INTERNAL');
        expect(await store.statusEntries('revocation')).toEqual([]);
        await expectCode(store.allocateStatusIndices(0), 'INTERNAL');
        await expectCode(store.allocateStatusIndices(1025), 'INTERNAL');
        expect(await store.allocateStatusIndices(1)).toEqual([2]);
      });
    });

    describe('certification credentials', () => {
      const holder = activeAgent({ name: 'agent://acme/health/intake', text: 'Takes patient intake forms', capabilities: ['intake'], statusIndex: 5 });
      const hipaa = storedCertification({ agent: holder, certification: 'HIPAA', issuer: AUDITOR });

      beforeEach(async () => {
        await store.put(holder, null);
      });

      it('stores several per name and lists them by certification, then issuer, deep-equal', async () => {
        const soc2ByKids = storedCertification({ agent: holder, certification: 'SOC2', issuer: KIDS_BODY });
        const soc2ByAuditor = storedCertification({ agent: holder, certification: 'SOC2', issuer: AUDITOR });
        for (const c of [soc2ByKids, hipaa, soc2ByAuditor]) expect(await store.putCertification(c, null)).toBe('written');
        expect(await store.certificationsOf(holder.name)).toEqual([hipaa, soc2ByAuditor, soc2ByKids]);
        expect(await store.certificationsOf('agent://acme/nobody')).toEqual([]);
      });

      it('orders by code point (UTF-8 bytes, as SQLite BINARY), also beyond U+FFFF', async () => {
        // UTF-16 code units would put U+1F9D2 (a surrogate pair, 0xD83E…) before U+FF28; code points do not.
        const names = ['\u{1F9D2} kid-safe', '\uFF28\uFF29\uFF30\uFF21\uFF21', 'HIPAA', '\u03A9-audit', '\uE000 private'];
        const issuers = ['did:web:\u{1F600}.example', 'did:web:\uFFFD.example', 'did:web:z.example'];
        const all = names.flatMap((certification) => issuers.map((issuer) => storedCertification({ agent: holder, certification, issuer })));
        for (const c of [...all].reverse()) expect(await store.putCertification(c, null)).toBe('written');
        const expected = [...all].sort((a, b) => Buffer.compare(Buffer.from(a.certification), Buffer.from(b.certification)) || Buffer.compare(Buffer.from(a.issuer), Buffer.from(b.issuer)));
        expect(expected.map((c) => c.certification).slice(-3), 'the fixture crosses the UTF-16 / UTF-8 difference').toEqual(Array(3).fill(names[0]));
        expect((await store.certificationsOf(holder.name)).map((c) => [c.certification, c.issuer])).toEqual(expected.map((c) => [c.certification, c.issuer]));
      });

      it('keeps one per (certification, issuer): replacing needs the digest stored there (compare-and-set)', async () => {
        expect(await store.putCertification(hipaa, null)).toBe('written');
        const renewed = storedCertification({ agent: holder, certification: 'HIPAA', issuer: AUDITOR, validFromMs: CERTIFIED_FROM + 1000, serial: 2 });
        expect(await store.putCertification(renewed, null), 'one is stored already').toBe('conflict');
        expect(await store.putCertification(renewed, 'f'.repeat(64)), 'another digest').toBe('conflict');
        expect(await store.certificationsOf(holder.name)).toEqual([hipaa]);
        expect(await store.putCertification(renewed, hipaa.digest)).toBe('written');
        expect(await store.certificationsOf(holder.name)).toEqual([renewed]);
        expect(await store.putCertification(storedCertification({ agent: holder, certification: 'HIPAA', issuer: KIDS_BODY }), hipaa.digest), 'nothing stored there').toBe('conflict');
        expect(await store.certificationsOf(holder.name)).toEqual([renewed]);
      });

      it('lets exactly one of 10 concurrent replacements with the same expected digest win', async () => {
        await store.putCertification(hipaa, null);
        const candidates = Array.from({ length: 10 }, (_, i) => storedCertification({ agent: holder, certification: 'HIPAA', issuer: AUDITOR, serial: 10 + i }));
        const outcomes = await Promise.all(candidates.map((c) => store.putCertification(c, hipaa.digest)));
        expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
        expect(await store.certificationsOf(holder.name)).toEqual([candidates[outcomes.indexOf('written')]]);
      });

      it('removes one by digest, and only that one', async () => {
        const soc2 = storedCertification({ agent: holder, certification: 'SOC2', issuer: AUDITOR });
        await store.putCertification(hipaa, null);
        await store.putCertification(soc2, null);
        expect(await store.removeCertification('agent://acme/other', hipaa.digest, holder.statusIndex)).toBe(false);
        expect(await store.removeCertification(holder.name, hipaa.digest, holder.statusIndex + 1), 'another binding').toBe(false);
        expect(await store.removeCertification(holder.name, hipaa.digest, null), 'no binding').toBe(false);
        expect(await store.removeCertification(holder.name, hipaa.digest, holder.statusIndex)).toBe(true);
        expect(await store.removeCertification(holder.name, hipaa.digest, holder.statusIndex)).toBe(false);
        expect(await store.certificationsOf(holder.name)).toEqual([soc2]);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([]);
        expect(await store.putCertification(hipaa, null), 'the slot is free again').toBe('written');
      });

      it('removes by digest only: a certification replaced meanwhile is not removed with the old digest (compare-and-delete)', async () => {
        await store.putCertification(hipaa, null);
        const renewed = storedCertification({ agent: holder, certification: 'HIPAA', issuer: AUDITOR, serial: 2 });
        expect(await store.putCertification(renewed, hipaa.digest)).toBe('written');
        expect(await store.removeCertification(holder.name, hipaa.digest, holder.statusIndex), 'the old digest is gone').toBe(false);
        expect(await store.certificationsOf(holder.name)).toEqual([renewed]);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([holder.name]);
      });

      it('removing every certification of a name leaves nothing behind, for listing, search and the slots', async () => {
        const soc2 = storedCertification({ agent: holder, certification: 'SOC2', issuer: KIDS_BODY });
        const other = activeAgent({ name: 'agent://acme/health/billing', text: 'Bills patients' });
        const othersHipaa = storedCertification({ agent: other, certification: 'HIPAA', issuer: AUDITOR });
        await store.put(other, null);
        for (const c of [hipaa, soc2, othersHipaa]) await store.putCertification(c, null);
        for (const c of await store.certificationsOf(holder.name)) expect(await store.removeCertification(holder.name, c.digest, c.bindingIndex ?? null)).toBe(true);
        expect(await store.certificationsOf(holder.name)).toEqual([]);
        expect(await store.certificationsOf(other.name)).toEqual([othersHipaa]);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([other.name]);
        expect(await names(store, { certification: counting('SOC2') })).toEqual([]);
        expect(await store.putCertification(hipaa, hipaa.digest), 'nothing is stored there any more').toBe('conflict');
        expect(await store.putCertification(soc2, null)).toBe('written');
      });

      it('keeps its own copy of a certification', async () => {
        const mine = structuredClone(hipaa) as { certification: string; credential: { issuer: string } };
        await store.putCertification(mine as unknown as StoredCertification, null);
        mine.credential.issuer = 'did:web:mutated.example';
        const [got] = (await store.certificationsOf(holder.name)) as unknown as { credential: { issuer: string } }[];
        expect(got!.credential.issuer).toBe(AUDITOR);
        got!.credential.issuer = 'did:web:mutated-after-get.example';
        expect(await store.certificationsOf(holder.name)).toEqual([hipaa]);
      });

      it('counts one only from a trusted issuer: the policy comes with each query, no re-indexing', async () => {
        await store.putCertification(hipaa, null);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([holder.name]);
        expect(await names(store, { certification: counting('HIPAA', { trustedIssuers: [KIDS_BODY] }) })).toEqual([]);
        expect(await names(store, { certification: counting('HIPAA', { trustedIssuers: [] }) }), 'no trusted issuer: nothing counts').toEqual([]);
        expect(await names(store, { certification: counting('HIPAA', { trustedIssuers: [KIDS_BODY, AUDITOR, AUDITOR] }) })).toEqual([holder.name]);
      });

      it('counts one only inside its validity window: validFrom - VALID_FROM_CLOCK_SKEW_MS <= at < validUntil', async () => {
        await store.putCertification(hipaa, null);
        const at = (ms: number) => names(store, { certification: counting('HIPAA', { at: ms }) });
        // The credential library's tolerance for an issuer's clock running fast, so search and listings agree.
        expect(await at(CERTIFIED_FROM - VALID_FROM_CLOCK_SKEW_MS - 1)).toEqual([]);
        expect(await at(CERTIFIED_FROM - VALID_FROM_CLOCK_SKEW_MS)).toEqual([holder.name]);
        expect(await at(CERTIFIED_FROM)).toEqual([holder.name]);
        expect(await at(CERTIFIED_UNTIL - 1)).toEqual([holder.name]);
        expect(await at(CERTIFIED_UNTIL)).toEqual([]);
      });

      it("counts one only about the agent's current key: a key change leaves it behind", async () => {
        await store.putCertification(hipaa, null);
        const rekeyed = activeAgent({ name: holder.name, seq: holder.seq + 1, agentId: 'did:key:z6MkNewKeyAfterRotation', text: 'Takes patient intake forms' });
        expect(await store.put(rekeyed, holder.seq)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([]);
        expect(await store.certificationsOf(holder.name), 'still stored, for the record').toEqual([hipaa]);
        // One about the new key counts again.
        const forNewKey = storedCertification({ agent: rekeyed, certification: 'HIPAA', issuer: AUDITOR });
        expect(await store.putCertification(forNewKey, hipaa.digest)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([holder.name]);
      });

      it('never counts one of a deregistered or suspended agent', async () => {
        await store.putCertification(hipaa, null);
        const gone = deregisteredAgent({ name: holder.name, seq: holder.seq + 1, agentId: holder.agentId });
        expect(await store.put(gone, holder.seq)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([]);
        // Back under the same key: a new binding (a fresh status index), so what a missed prune
        // left behind of the old binding does not count.
        const back = nextVersion(gone, { text: 'Takes patient intake forms', statusIndex: holder.statusIndex + 1 });
        expect(await store.put(back, gone.seq)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') }), 'same key, new binding: it does not count').toEqual([]);
        const again = storedCertification({ agent: back, certification: 'HIPAA', issuer: AUDITOR });
        expect(again.digest, 'the very same credential').toBe(hipaa.digest);
        expect(await store.putCertification(again, hipaa.digest)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') }), 'stored again for the new binding: it counts').toEqual([holder.name]);
        const { state: _state, ...rest } = back;
        const suspended = { ...rest, state: 'suspended' as const, seq: back.seq + 1, lastStatusChange: back.addr as never };
        expect(await store.put(suspended, back.seq)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([]);
      });

      it('counts one only for the binding it was accepted for: same key, name and issuer, another status index', async () => {
        const update = nextVersion(holder, { text: 'Takes patient intake forms, faster' });
        expect(update.statusIndex, 'an update keeps its binding').toBe(holder.statusIndex);
        await store.putCertification(hipaa, null);
        expect(await store.put(update, holder.seq)).toBe('written');
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([holder.name]);
        const earlier = storedCertification({ agent: holder, certification: 'SOC2', issuer: AUDITOR, bindingIndex: holder.statusIndex + 7 });
        await store.putCertification(earlier, null);
        expect(await names(store, { certification: counting('SOC2') })).toEqual([]);
        expect(await store.certificationsOf(holder.name), 'stored as given, binding included').toEqual([hipaa, earlier]);
      });

      it('never counts one stored without a binding (before bindings were recorded), and removes it with null', async () => {
        const { bindingIndex: _binding, ...unbound } = hipaa;
        await store.putCertification(unbound as StoredCertification, null);
        expect(await store.certificationsOf(holder.name)).toEqual([unbound]);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([]);
        expect(await store.removeCertification(holder.name, hipaa.digest, holder.statusIndex)).toBe(false);
        expect(await store.removeCertification(holder.name, hipaa.digest, null)).toBe(true);
        expect(await store.certificationsOf(holder.name)).toEqual([]);
      });

      it('removes by digest and binding: the same credential stored again for a later binding is not removed with the old one', async () => {
        await store.putCertification(hipaa, null);
        const later = activeAgent({ name: holder.name, seq: holder.seq + 2, agentId: holder.agentId, statusIndex: holder.statusIndex + 1, text: 'Takes patient intake forms' });
        expect(await store.put(later, holder.seq)).toBe('written');
        const again = storedCertification({ agent: later, certification: 'HIPAA', issuer: AUDITOR });
        expect(await store.putCertification(again, hipaa.digest)).toBe('written');
        expect(await store.removeCertification(holder.name, hipaa.digest, holder.statusIndex), 'a stale view of the old binding').toBe(false);
        expect(await store.certificationsOf(holder.name)).toEqual([again]);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([holder.name]);
      });

      it('pages a certification search; the policy and time may change between pages, the name may not', async () => {
        const certified = Array.from({ length: 5 }, (_, i) => activeAgent({ name: `agent://clinic/doc-${i}`, text: `Doctor number ${i}` }));
        for (const agent of certified) {
          await store.put(agent, null);
          await store.putCertification(storedCertification({ agent, certification: 'HIPAA', issuer: AUDITOR }), null);
        }
        const expected = [...certified.map((a) => a.name), holder.name].sort();
        await store.putCertification(hipaa, null);
        expect(await walk(store, { certification: counting('HIPAA') }, 2)).toEqual(expected);
        const first = await store.search({ limit: 2, certification: counting('HIPAA') });
        const next = await store.search({ limit: 2, cursor: first.nextCursor!, certification: counting('HIPAA', { at: NOW + 1000, trustedIssuers: [AUDITOR] }) });
        expect(next.items.map((a) => a.name)).toEqual(expected.slice(2, 4));
        await expectCode(store.search({ limit: 2, cursor: first.nextCursor!, certification: counting('SOC2') }), 'SEARCH_BAD_CURSOR');
        await expectCode(store.search({ limit: 2, cursor: first.nextCursor! }), 'SEARCH_BAD_CURSOR');
        const ranked = await store.search({ limit: 2, text: 'doctor', certification: counting('HIPAA') });
        await expectCode(store.search({ limit: 2, cursor: ranked.nextCursor!, text: 'doctor' }), 'SEARCH_BAD_CURSOR');
        expect(await walk(store, { text: 'doctor', certification: counting('HIPAA') }, 2)).toHaveLength(5);
      });

      it('keeps certifications across a reopen (durable backends)', async ({ skip }) => {
        if (opened.reopen === undefined) return skip('this backend is not durable');
        await store.putCertification(hipaa, null);
        store = await opened.reopen();
        expect(await store.certificationsOf(holder.name)).toEqual([hipaa]);
        expect(await names(store, { certification: counting('HIPAA') })).toEqual([holder.name]);
      });
    });

    describe('namespace claims', () => {
      const claimOf = (namespace: string, seq: number, by = 'did:key:z6MkOwner'): StoredNamespaceClaim => ({
        namespace,
        seq,
        claim: {
          payload: { type: 'NamespaceClaim', v: 1, namespace, by, proof: 'dns-txt', seq, at: '2026-01-01T00:00:00Z', grants: [{ subtree: '', keys: ['did:key:z6MkAgent'] }], delegations: [] },
          sig: 'c2ln',
          countersig: { by: 'did:key:z6MkRegistry', at: '2026-01-01T00:00:01Z', sig: 'Y291bnRlcg' },
        },
        evidence: `TXT _signpost-challenge.${namespace} "v=signpost1; owner=${by}"`,
        provenAt: '2026-01-01T00:00:01Z',
      });
      const claimEvent = (claim: StoredNamespaceClaim): LogEventDraft => ({
        kind: 'namespace-claimed',
        namespace: claim.namespace,
        at: claim.provenAt,
        by: claim.claim.payload.by,
        proof: claim.claim.payload.proof,
        seq: claim.seq,
        records: { claim: 'c'.repeat(64) },
      });

      it('stores a first claim with expectedSeq null, returns it deep-equal, and appends its event', async () => {
        const claim = claimOf('acme.com', 5);
        expect(await store.namespaceClaim('acme.com')).toBeUndefined();
        expect(await store.putNamespaceClaim(claim, null, claimEvent(claim))).toBe('written');
        expect(await store.namespaceClaim('acme.com')).toEqual(claim);
        expect(await store.namespaceClaim('acme.org')).toBeUndefined();
        expect(JSON.parse((await store.logEntries(0, 1))[0]!.text)).toMatchObject({ index: 0, kind: 'namespace-claimed', namespace: 'acme.com', seq: 5 });
      });

      it('replaces a claim only from the stored sequence, upward; a lost race changes nothing and appends nothing', async () => {
        const first = claimOf('acme.com', 5);
        await store.putNamespaceClaim(first, null, claimEvent(first));
        expect(await store.putNamespaceClaim(claimOf('acme.com', 6, 'did:key:z6MkThief'), null, claimEvent(first))).toBe('conflict');
        expect(await store.putNamespaceClaim(claimOf('acme.com', 7), 4, claimEvent(first))).toBe('conflict');
        expect(await store.namespaceClaim('acme.com')).toEqual(first);
        expect(await store.logSize()).toBe(1);
        const next = claimOf('acme.com', 6, 'did:key:z6MkNewOwner');
        expect(await store.putNamespaceClaim(next, 5, claimEvent(next))).toBe('written');
        expect(await store.namespaceClaim('acme.com')).toEqual(next);
        await expect(store.putNamespaceClaim(claimOf('acme.com', 6), 6)).rejects.toThrow(/never goes back/);
        expect(await store.namespaceClaim('acme.com')).toEqual(next);
      });

      it('search keeps agents of claimed namespaces, or of unclaimed ones, by the namespace exactly', async () => {
        for (const name of ['agent://acme.com/a', 'agent://acme.com.evil/b', 'agent://sub.acme.com/c', 'agent://other.org/d']) await store.put(activeAgent({ name, text: 'Claims test' }), null);
        await store.putNamespaceClaim(claimOf('acme.com', 1), null);
        await store.putNamespaceClaim(claimOf('other.org', 1), null);
        expect(await names(store, { namespaceClaim: 'claimed' })).toEqual(['agent://acme.com/a', 'agent://other.org/d']);
        expect(await names(store, { namespaceClaim: 'unclaimed' })).toEqual(['agent://acme.com.evil/b', 'agent://sub.acme.com/c']);
        expect(await names(store, { namespaceClaim: 'claimed', text: 'claims' })).toEqual(['agent://acme.com/a', 'agent://other.org/d']);
        const first = await store.search({ namespaceClaim: 'claimed', limit: 1 });
        await expect(store.search({ namespaceClaim: 'unclaimed', limit: 1, cursor: first.nextCursor! })).rejects.toMatchObject({ code: 'SEARCH_BAD_CURSOR' });
      });

      it('keeps claims across a reopen (durable backends)', async ({ skip }) => {
        if (opened.reopen === undefined) return skip('this backend is not durable');
        const claim = claimOf('acme.com', 3);
        await store.putNamespaceClaim(claim, null);
        store = await opened.reopen();
        expect(await store.namespaceClaim('acme.com')).toEqual(claim);
      });
    });

    describe('lifecycle', () => {
      it('keeps what was written across a reopen (durable backends)', async ({ skip }) => {
        if (opened.reopen === undefined) return skip('this backend is not durable');
        const kept = activeAgent({ name: 'agent://acme/durable', text: 'Survives restarts', capabilities: ['persistence'] });
        const gone = deregisteredAgent({ name: 'agent://acme/tombstoned', seq: 3, release: false });
        await store.put(kept, null);
        await store.put(gone, null);
        store = await opened.reopen();
        expect(await store.get(kept.name)).toEqual(kept);
        expect(await store.get(gone.name)).toEqual(gone);
        expect(await store.count()).toEqual({ active: 1, suspended: 0, revoked: 0, deregistered: 1 });
        expect(await names(store, { text: 'restarts' })).toEqual([kept.name]);
        expect(await names(store, { capability: 'persistence' })).toEqual([kept.name]);
        expect(await store.put(nextVersion(kept), kept.seq)).toBe('written');
      });

      it('fails every call with STORE_UNAVAILABLE once closed; closing twice is harmless', async () => {
        await store.put(activeAgent({ name: 'agent://acme/closing' }), null);
        await store.close();
        await store.close();
        await expectCode(store.get('agent://acme/closing'), 'STORE_UNAVAILABLE');
        await expectCode(store.put(activeAgent({ name: 'agent://acme/late' }), null), 'STORE_UNAVAILABLE');
        await expectCode(store.search({ limit: 10 }), 'STORE_UNAVAILABLE');
        await expectCode(store.count(), 'STORE_UNAVAILABLE');
        await expectCode(store.certificationsOf('agent://acme/closing'), 'STORE_UNAVAILABLE');
        await expectCode(store.putCertification(storedCertification({ agent: activeAgent({ name: 'agent://acme/closing' }), certification: 'HIPAA', issuer: AUDITOR }), null), 'STORE_UNAVAILABLE');
        await expectCode(store.removeCertification('agent://acme/closing', 'a'.repeat(64), 0), 'STORE_UNAVAILABLE');
      });
    });
  });
}

// --- the catalogue the search tests run on -------------------------------------------------

const INVOICE_BOT = 'agent://acme/billing/invoice-bot';
const TRANSLATE = 'agent://acme/translate';
const TRIAGE = 'agent://globex/health/triage';
const TUTOR = 'agent://globex/tutor';
const REPORTS = 'agent://initech/reports';

const CATALOGUE: readonly StoredAgent[] = [
  activeAgent({
    name: INVOICE_BOT,
    text: 'Reads Invoices and reconciles payments for small businesses.',
    capabilities: ['invoice-processing', 'ocr'],
    protocols: ['a2a', 'https'],
    certifications: ['soc2'],
  }),
  activeAgent({
    name: TRANSLATE,
    text: 'Translates documents between English, German and Japanese. Café menus too.',
    capabilities: ['translation'],
    protocols: ['mcp'],
  }),
  activeAgent({
    name: TRIAGE,
    text: 'Triage assistant for clinics; schedules appointments.',
    capabilities: ['triage', 'scheduling'],
    protocols: ['a2a'],
    certifications: ['HIPAA', 'SOC2'],
  }),
  activeAgent({
    name: TUTOR,
    text: 'Kid-safe math tutor: résumé of lessons, homework help.',
    capabilities: ['Tutoring'],
    protocols: ['https'],
    certifications: ['kid-safe'],
  }),
  activeAgent({
    name: REPORTS,
    text: 'Research AND development reports, or NOT: "quoted" (parenthesised) text*',
    capabilities: ['reporting'],
    protocols: ['https'],
    certifications: ['ISO 27001'],
  }),
  deregisteredAgent({ name: 'agent://acme/billing/old-invoicer', seq: 4 }),
  deregisteredAgent({ name: 'agent://legacy/pci', seq: 9, release: true }),
];

/** Attested certifications of the catalogue: [agent, certification, issuer]. */
const AUDITOR = 'did:key:z6MkgeAYjgfXDoaxMou4TKNEtGJ8cYHARPASB12ehQ8b13ie';
const KIDS_BODY = 'did:web:kids.example';
const UNTRUSTED = 'did:web:rubber-stamp.example';
const TRUSTED = [AUDITOR, KIDS_BODY];
const NOW = CERTIFIED_FROM + 30 * 86_400_000;
const CATALOGUE_CERTIFICATIONS: readonly (readonly [string, string, string])[] = [
  [INVOICE_BOT, 'SOC2', AUDITOR],
  [TRIAGE, 'HIPAA', AUDITOR],
  [TRIAGE, 'SOC2', AUDITOR],
  [TUTOR, 'kid-safe', KIDS_BODY],
  // Counts for nobody under the policy of these tests.
  [TRANSLATE, 'HIPAA', UNTRUSTED],
  ['agent://acme/billing/old-invoicer', 'PCI-DSS', AUDITOR],
  ['agent://legacy/pci', 'PCI-DSS', AUDITOR],
];

/** The filter a core with the tests' trust policy would build, judged at NOW. */
function counting(name: string, changes: Partial<CertificationFilter> = {}): CertificationFilter {
  return { name, trustedIssuers: TRUSTED, at: NOW, ...changes };
}

const ACTIVE_NAMES = CATALOGUE.filter((agent) => agent.state === 'active')
  .map((agent) => agent.name)
  .sort();

/**
 * Deregistered fixtures are first stored active (with words and filters that would match) and
 * then tombstoned, so the tests see that a tombstone really removes them from the index.
 */
async function seed(store: RecordStore, agents: readonly StoredAgent[]): Promise<void> {
  for (const agent of agents) {
    if (agent.state === 'active') {
      expect(await store.put(agent, null)).toBe('written');
      continue;
    }
    const before = activeAgent({
      name: agent.name,
      seq: agent.seq - 1,
      agentId: agent.agentId,
      text: 'Legacy invoicer for card payments',
      capabilities: ['invoice-processing'],
      certifications: ['PCI-DSS'],
    });
    expect(await store.put(before, null)).toBe('written');
    expect(await store.put(agent, before.seq)).toBe('written');
  }
  for (const [name, certification, issuer] of CATALOGUE_CERTIFICATIONS) {
    const agent = agents.find((a) => a.name === name);
    if (agent === undefined) continue;
    // Deregistered agents got theirs while active, about the key they still hold.
    expect(await store.putCertification(storedCertification({ agent, certification, issuer }), null)).toBe('written');
  }
}

/** Agents whose texts differ in length and repetitions, so text ranks differ. */
function translators(count: number): StoredAgent[] {
  return Array.from({ length: count }, (_, i) =>
    activeAgent({
      name: `agent://lingua/translator-${String(i).padStart(2, '0')}`,
      text: `${'Translator '.repeat(1 + (i % 3))}for language pair number ${i}${' with extra words'.repeat(i % 4)}.`,
      capabilities: ['translation'],
      protocols: ['https'],
    }),
  );
}

type Query = Omit<SearchQuery, 'limit' | 'cursor'>;

async function names(store: RecordStore, query: Query): Promise<string[]> {
  const page = await store.search({ ...query, limit: 100 });
  expect(page.nextCursor).toBeNull();
  return page.items.map((agent) => agent.name);
}

async function sortedNames(store: RecordStore, query: Query): Promise<string[]> {
  return (await names(store, query)).sort();
}

/** Follow cursors to the end, optionally doing something between pages. */
async function walk(store: RecordStore, query: Query, limit: number, between?: (page: number) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const result = await store.search(cursor === undefined ? { ...query, limit } : { ...query, limit, cursor });
    expect(result.items.length).toBeLessThanOrEqual(limit);
    seen.push(...result.items.map((agent) => agent.name));
    if (result.nextCursor === null) return seen;
    expect(result.items).toHaveLength(limit);
    cursor = result.nextCursor;
    await between?.(page);
  }
  throw new Error('paging did not end');
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected a rejection with ${code}`).toBeInstanceOf(SignpostError);
  expect((error as SignpostError).code).toBe(code);
}
