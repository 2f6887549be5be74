/**
 * An in-process RecordStore: a Map from name to the JSON of the stored state plus a small
 * search index. For tests, demos and single-process development; nothing survives a restart.
 */
import { SignpostError } from '../../core/errors.js';
import { logEntryText, type LogEntry, type LogEventDraft } from '../../core/log/log-event.js';
import type { PutOutcome, RecordStore, SearchPage, SearchQuery, StatusChange, StatusEntry, StatusPurpose, StoredCertification, StoredNamespaceClaim } from '../../core/ports.js';
import { AGENT_STATES, type AgentState, type StoredAgent } from '../../core/registry/stored-agent.js';
import { FILTERS, type FilterKey, LABEL_WEIGHT, certificationCounts, compareCodePoints, filterValue, inNamespace, isRanked, namespaceOfName, notAfterMsOf, pageOf, planSearch, type SearchPlan, validUnder } from '../search/plan.js';
import { nameLabels, tokenize } from '../search/tokenize.js';
import { checkSequenceRises } from '../sequence-rule.js';
import { checkLogRange } from '../log-rules.js';
import { checkAllocationCount, checkStatusIndices } from '../status-rules.js';

/** What search needs of an active agent, computed once per write. */
interface IndexEntry {
  readonly textWords: readonly string[];
  readonly labelWords: readonly string[];
  readonly filters: ReadonlyMap<FilterKey, ReadonlySet<string>>;
}

interface Row {
  readonly name: string;
  /** The key the name is bound to now: only certifications about it count. */
  readonly agentId: string;
  /** The binding's status index (absent once deregistered): only certifications accepted for it count. */
  readonly statusIndex: number | undefined;
  readonly seq: number;
  readonly state: StoredAgent['state'];
  /** Epoch milliseconds of the AgentAddr's notAfter (absent for a tombstone): search leaves expired records out. */
  readonly notAfterMs: number | undefined;
  /** JSON, not the object: callers can neither mutate what is stored nor what they got back. */
  readonly json: string;
  /** Present for active agents only, so deregistered ones can never be found. */
  readonly index: IndexEntry | undefined;
}

export class MemoryRecordStore implements RecordStore {
  readonly #rows = new Map<string, Row>();
  readonly #status: Record<StatusPurpose, Map<number, StatusEntry>> = { revocation: new Map(), suspension: new Map() };
  /** Agent name → (certification, issuer) key → the StoredCertification as JSON (copies, as for rows). */
  readonly #certifications = new Map<string, Map<string, { readonly stored: StoredCertification; readonly json: string }>>();
  /** Namespace → its stored claim as JSON. */
  readonly #claims = new Map<string, { readonly seq: number; readonly json: string }>();
  #nextStatusIndex = 0;
  /** The event log: entry texts, by index. */
  readonly #log: string[] = [];
  #closed = false;

  async get(name: string): Promise<StoredAgent | undefined> {
    this.#ensureOpen();
    const row = this.#rows.get(name);
    return row === undefined ? undefined : parse(row);
  }

  async put(agent: StoredAgent, expectedSeq: number | null, statusChanges: readonly StatusChange[] = [], event?: LogEventDraft): Promise<PutOutcome> {
    this.#ensureOpen();
    const current = this.#rows.get(agent.name);
    const stillExpected = expectedSeq === null ? current === undefined : current?.seq === expectedSeq;
    if (!stillExpected) return 'conflict';
    if (expectedSeq !== null) checkSequenceRises(agent.seq, expectedSeq);
    // Check every change, and make the event's entry, before applying anything: whatever throws
    // leaves the store untouched, as a rolled-back transaction would.
    for (const change of statusChanges) checkStatusIndices(change.indices, this.#nextStatusIndex);
    const entry = event === undefined ? undefined : logEntryText(this.#log.length, event);
    const row = rowOf(agent);
    this.#rows.set(agent.name, row);
    for (const change of statusChanges) this.#applyStatus(change);
    if (entry !== undefined) this.#log.push(entry);
    return 'written';
  }

  async logSize(): Promise<number> {
    this.#ensureOpen();
    return this.#log.length;
  }

  async appendEvent(event: LogEventDraft): Promise<number> {
    this.#ensureOpen();
    this.#log.push(logEntryText(this.#log.length, event));
    return this.#log.length - 1;
  }

  async logEntries(start: number, end: number): Promise<LogEntry[]> {
    this.#ensureOpen();
    checkLogRange(start, end);
    return this.#log.slice(start, end).map((text, i) => ({ index: start + i, text }));
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const plan = planSearch(query);
    this.#ensureOpen();
    const matches = [...this.#rows.values()].filter(
      (row) => inNamespace(plan, row.name) && matchesFilters(row, plan) && validUnder(plan, row.notAfterMs) && this.#claimMatches(row, plan) && this.#holdsCertification(row, plan) && matchesWords(row, plan.words),
    );
    const ordered = isRanked(plan) ? byRank(matches, plan.words) : byName(matches);
    return pageOf(plan, pageSlice(ordered, plan).map(parse));
  }

  async allocateStatusIndices(count: number): Promise<number[]> {
    this.#ensureOpen();
    checkAllocationCount(count);
    const first = this.#nextStatusIndex;
    this.#nextStatusIndex += count;
    return Array.from({ length: count }, (_, i) => first + i);
  }

  async setStatus(purpose: StatusPurpose, indices: readonly number[], entry: Omit<StatusEntry, 'index'> | null): Promise<void> {
    this.#ensureOpen();
    checkStatusIndices(indices, this.#nextStatusIndex);
    this.#applyStatus({ purpose, indices, entry });
  }

  #applyStatus({ purpose, indices, entry }: StatusChange): void {
    const list = this.#status[purpose];
    for (const index of indices) {
      if (entry === null) list.delete(index);
      else list.set(index, { index, ...entry });
    }
  }

  async statusEntries(purpose: StatusPurpose): Promise<StatusEntry[]> {
    this.#ensureOpen();
    return [...this.#status[purpose].values()].sort((a, b) => a.index - b.index).map((e) => ({ ...e }));
  }

  async count(): Promise<Record<AgentState, number>> {
    this.#ensureOpen();
    const counts = Object.fromEntries(AGENT_STATES.map((state) => [state, 0])) as Record<AgentState, number>;
    for (const row of this.#rows.values()) counts[row.state] += 1;
    return counts;
  }

  async putCertification(certification: StoredCertification, expectedDigest: string | null, event?: LogEventDraft): Promise<PutOutcome> {
    this.#ensureOpen();
    const json = JSON.stringify(certification);
    const key = certificationKey(certification);
    const ofName = this.#certifications.get(certification.agentName) ?? new Map();
    if ((ofName.get(key)?.stored.digest ?? null) !== expectedDigest) return 'conflict';
    const entry = event === undefined ? undefined : logEntryText(this.#log.length, event);
    ofName.set(key, { stored: JSON.parse(json) as StoredCertification, json });
    this.#certifications.set(certification.agentName, ofName);
    if (entry !== undefined) this.#log.push(entry);
    return 'written';
  }

  async certificationsOf(name: string): Promise<StoredCertification[]> {
    this.#ensureOpen();
    const ofName = this.#certifications.get(name);
    if (ofName === undefined) return [];
    return [...ofName.values()]
      .sort((a, b) => compareNames(a.stored.certification, b.stored.certification) || compareNames(a.stored.issuer, b.stored.issuer))
      .map(({ json }) => JSON.parse(json) as StoredCertification);
  }

  async removeCertification(name: string, digest: string, bindingIndex: number | null, event?: LogEventDraft): Promise<boolean> {
    this.#ensureOpen();
    const ofName = this.#certifications.get(name);
    for (const [key, { stored }] of ofName ?? []) {
      if (stored.digest !== digest || (stored.bindingIndex ?? null) !== bindingIndex) continue;
      if (event !== undefined) this.#log.push(logEntryText(this.#log.length, event));
      ofName!.delete(key);
      if (ofName!.size === 0) this.#certifications.delete(name);
      return true;
    }
    return false;
  }

  async namespaceClaim(namespace: string): Promise<StoredNamespaceClaim | undefined> {
    this.#ensureOpen();
    const stored = this.#claims.get(namespace);
    return stored === undefined ? undefined : (JSON.parse(stored.json) as StoredNamespaceClaim);
  }

  async putNamespaceClaim(claim: StoredNamespaceClaim, expectedSeq: number | null, event?: LogEventDraft): Promise<PutOutcome> {
    this.#ensureOpen();
    if ((this.#claims.get(claim.namespace)?.seq ?? null) !== expectedSeq) return 'conflict';
    if (expectedSeq !== null) checkSequenceRises(claim.seq, expectedSeq);
    const entry = event === undefined ? undefined : logEntryText(this.#log.length, event);
    this.#claims.set(claim.namespace, { seq: claim.seq, json: JSON.stringify(claim) });
    if (entry !== undefined) this.#log.push(entry);
    return 'written';
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #claimMatches(row: Row, plan: SearchPlan): boolean {
    if (plan.namespaceClaim === undefined) return true;
    return this.#claims.has(namespaceOfName(row.name)) === (plan.namespaceClaim === 'claimed');
  }

  #holdsCertification(row: Row, plan: SearchPlan): boolean {
    const filter = plan.certification;
    if (filter === undefined) return true;
    if (row.statusIndex === undefined) return false;
    const agent = { agentId: row.agentId, statusIndex: row.statusIndex };
    for (const { stored } of this.#certifications.get(row.name)?.values() ?? []) {
      if (certificationCounts(filter, agent, stored)) return true;
    }
    return false;
  }

  #ensureOpen(): void {
    if (this.#closed) throw new SignpostError('STORE_UNAVAILABLE', 'The memory record store is closed');
  }
}

function rowOf(agent: StoredAgent): Row {
  const index = agent.state === 'active' ? indexEntryOf(agent) : undefined;
  const statusIndex = agent.state === 'deregistered' ? undefined : agent.statusIndex;
  return { name: agent.name, agentId: agent.agentId, statusIndex, seq: agent.seq, state: agent.state, notAfterMs: notAfterMsOf(agent), json: JSON.stringify(agent), index };
}

function certificationKey(c: StoredCertification): string {
  return JSON.stringify([c.certification, c.issuer]);
}

function indexEntryOf(agent: Extract<StoredAgent, { state: 'active' }>): IndexEntry {
  const filters = new Map<FilterKey, ReadonlySet<string>>();
  for (const { key, field } of FILTERS) filters.set(key, new Set(agent.search[field].map(filterValue)));
  return { textWords: tokenize(agent.search.text), labelWords: tokenize(nameLabels(agent.name)), filters };
}

function parse(row: Row): StoredAgent {
  return JSON.parse(row.json) as StoredAgent;
}

function matchesFilters(row: Row, plan: SearchPlan): boolean {
  const index = row.index;
  if (index === undefined) return false;
  for (const [key, value] of plan.filters) if (index.filters.get(key)?.has(value) !== true) return false;
  return true;
}

/** Every query word must be a whole word or a word prefix of the text or of the name's labels. */
function matchesWords(row: Row, words: readonly string[]): boolean {
  const index = row.index;
  if (index === undefined) return false;
  return words.every((word) => hits(index.textWords, word) > 0 || hits(index.labelWords, word) > 0);
}

function hits(indexed: readonly string[], word: string): number {
  let count = 0;
  for (const candidate of indexed) if (candidate.startsWith(word)) count += 1;
  return count;
}

function byName(rows: Row[]): Row[] {
  return rows.sort((a, b) => compareNames(a.name, b.name));
}

function byRank(rows: Row[], words: readonly string[]): Row[] {
  const scored = rows.map((row) => ({ row, score: score(row, words) }));
  scored.sort((a, b) => b.score - a.score || compareNames(a.row.name, b.row.name));
  return scored.map(({ row }) => row);
}

/** Names (and certification names, issuers) sort as SQLite's BINARY collation sorts them. */
const compareNames = compareCodePoints;

function pageSlice(ordered: readonly Row[], plan: SearchPlan): readonly Row[] {
  const start = plan.start;
  const from = start.kind === 'offset' ? start.offset : ordered.findIndex((row) => compareNames(row.name, start.name) > 0);
  if (from < 0) return [];
  return ordered.slice(from, from + plan.limit + 1);
}

// --- rank: a corpus-free cousin of BM25 (term frequency saturates, long texts count less) ------

const K1 = 1.2;
const B = 0.75;
const TYPICAL_TEXT_WORDS = 32;
const TYPICAL_LABEL_WORDS = 3;

function score(row: Row, words: readonly string[]): number {
  const index = row.index;
  if (index === undefined) return 0;
  let total = 0;
  for (const word of words) {
    total += saturated(hits(index.textWords, word), index.textWords.length, TYPICAL_TEXT_WORDS);
    total += LABEL_WEIGHT * saturated(hits(index.labelWords, word), index.labelWords.length, TYPICAL_LABEL_WORDS);
  }
  return total;
}

function saturated(frequency: number, length: number, typicalLength: number): number {
  if (frequency === 0) return 0;
  return (frequency * (K1 + 1)) / (frequency + K1 * (1 - B + (B * length) / typicalLength));
}
