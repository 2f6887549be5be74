/**
 * The single-node RecordStore: one SQLite file via better-sqlite3.
 *
 * Durability: WAL with synchronous=FULL fsyncs the log on every commit, so a registration the
 * registry acknowledged survives a crash or power loss. Each put is one IMMEDIATE transaction
 * that does the compare-and-set and re-indexes the agent, so the row, its filter values and its
 * FTS entry can never disagree. User text reaches FTS5 only as quoted prefix terms.
 */
import Database from 'better-sqlite3';
import { SignpostError } from '../../core/errors.js';
import type { PutOutcome, RecordStore, SearchPage, SearchQuery, StatusChange, StatusEntry, StatusPurpose, StoredCertification, StoredNamespaceClaim } from '../../core/ports.js';
import { AGENT_STATES, type ActiveAgent, type AgentState, type StoredAgent } from '../../core/registry/stored-agent.js';
import { FILTERS, type FilterKey, LABEL_WEIGHT, filterValue, isRanked, latestCountingValidFrom, notAfterMsOf, pageOf, planSearch, type SearchPlan } from '../search/plan.js';
import { nameLabels } from '../search/tokenize.js';
import { checkSequenceRises } from '../sequence-rule.js';
import { checkAllocationCount, checkStatusIndices } from '../status-rules.js';
import { FILTER_TABLES, migrate, userVersion } from './migrations.js';
import { logEntryText, type LogEntry, type LogEventDraft } from '../../core/log/log-event.js';
import { checkLogRange } from '../log-rules.js';

const BUSY_TIMEOUT_MS = 5000;

type Db = Database.Database;

interface AgentRow {
  readonly name: string;
  readonly agentId: string;
  readonly seq: number;
  readonly state: string;
  readonly updatedAt: string;
  /** Epoch milliseconds of the AgentAddr's notAfter; null for a tombstone. */
  readonly notAfter: number | null;
  readonly doc: string;
}

/** The settings a durable store must run with; exposed for health checks and tests. */
export interface SqliteDiagnostics {
  readonly journalMode: string;
  /** 2 is FULL. */
  readonly synchronous: number;
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
  readonly schemaVersion: number;
}

export class SqliteRecordStore implements RecordStore {
  readonly #db: Db;
  readonly #statements: Statements;
  /** Search SQL depends on which filters are given; each shape is prepared once, on first use. */
  readonly #searchStatements = new Map<string, Database.Statement<[Record<string, unknown>], { doc: string }>>();
  readonly #write: (agent: StoredAgent, expectedSeq: number | null, statusChanges: readonly StatusChange[], event: LogEventDraft | undefined) => boolean;
  readonly #allocate: (count: number) => number;
  readonly #setStatus: (purpose: StatusPurpose, indices: readonly number[], entry: Omit<StatusEntry, 'index'> | null) => void;
  readonly #putCertification: (certification: StoredCertification, expectedDigest: string | null, event: LogEventDraft | undefined) => boolean;
  readonly #removeCertification: (name: string, digest: string, bindingIndex: number | null, event: LogEventDraft | undefined) => boolean;
  readonly #append: (event: LogEventDraft) => number;
  readonly #putNamespaceClaim: (claim: StoredNamespaceClaim, expectedSeq: number | null, event: LogEventDraft | undefined) => boolean;

  private constructor(db: Db) {
    this.#db = db;
    this.#statements = prepareStatements(db);
    const write = db.transaction((agent: StoredAgent, expectedSeq: number | null, statusChanges: readonly StatusChange[], event: LogEventDraft | undefined) => {
      if (!this.#writeInTransaction(agent, expectedSeq)) return false;
      for (const change of statusChanges) this.#statusInTransaction(change);
      // The event goes in with the state: if either fails, the transaction rolls both back.
      this.#logInTransaction(event);
      return true;
    });
    this.#write = (agent, expectedSeq, statusChanges, event) => write.immediate(agent, expectedSeq, statusChanges, event);
    const allocate = db.transaction((count: number) => this.#statements.allocateStatus.get({ count })!.first);
    this.#allocate = (count) => allocate.immediate(count);
    const setStatus = db.transaction((purpose: StatusPurpose, indices: readonly number[], entry: Omit<StatusEntry, 'index'> | null) =>
      this.#statusInTransaction({ purpose, indices, entry }),
    );
    this.#setStatus = (purpose, indices, entry) => setStatus.immediate(purpose, indices, entry);
    // Read the digest and write in one IMMEDIATE transaction: the compare-and-set of a certification.
    const putCertification = db.transaction((certification: StoredCertification, expectedDigest: string | null, event: LogEventDraft | undefined) => {
      const row = certificationRow(certification);
      const current = this.#statements.selectCertificationDigest.get(row)?.digest ?? null;
      if (current !== expectedDigest) return false;
      this.#statements.upsertCertification.run(row);
      this.#logInTransaction(event);
      return true;
    });
    this.#putCertification = (certification, expectedDigest, event) => putCertification.immediate(certification, expectedDigest, event);
    // Compare-and-delete and its event in one transaction: an event only for a credential that was there.
    const removeCertification = db.transaction((name: string, digest: string, bindingIndex: number | null, event: LogEventDraft | undefined) => {
      if (this.#statements.deleteCertification.run(name, digest, bindingIndex).changes === 0) return false;
      this.#logInTransaction(event);
      return true;
    });
    this.#removeCertification = (name, digest, bindingIndex, event) => removeCertification.immediate(name, digest, bindingIndex, event);
    // The compare-and-set of a namespace claim and its event, in one transaction.
    const putNamespaceClaim = db.transaction((claim: StoredNamespaceClaim, expectedSeq: number | null, event: LogEventDraft | undefined) => {
      const current = this.#statements.selectClaimSeq.get(claim.namespace)?.seq ?? null;
      if (current !== expectedSeq) return false;
      if (expectedSeq !== null) checkSequenceRises(claim.seq, expectedSeq);
      this.#statements.upsertClaim.run(claim.namespace, claim.seq, JSON.stringify(claim));
      this.#logInTransaction(event);
      return true;
    });
    this.#putNamespaceClaim = (claim, expectedSeq, event) => putNamespaceClaim.immediate(claim, expectedSeq, event);
    const append = db.transaction((event: LogEventDraft) => {
      this.#logInTransaction(event);
      return this.#statements.logSize.get()!.size - 1;
    });
    this.#append = (event) => append.immediate(event);
  }

  /** Open (creating if needed) and migrate a database file; ':memory:' gives a private one. */
  static open(file: string): SqliteRecordStore {
    let db: Db | undefined;
    try {
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      configure(db);
      migrate(db);
      return new SqliteRecordStore(db);
    } catch (error) {
      db?.close();
      throw unavailable(error, `Cannot open the SQLite record store at ${file}`);
    }
  }

  async get(name: string): Promise<StoredAgent | undefined> {
    return this.#guard(() => {
      const row = this.#statements.selectDoc.get(name);
      return row === undefined ? undefined : parseDoc(row.doc);
    });
  }

  async put(agent: StoredAgent, expectedSeq: number | null, statusChanges: readonly StatusChange[] = [], event?: LogEventDraft): Promise<PutOutcome> {
    return this.#guard(() => (this.#write(agent, expectedSeq, statusChanges, event) ? 'written' : 'conflict'));
  }

  async logSize(): Promise<number> {
    return this.#guard(() => this.#statements.logSize.get()!.size);
  }

  async appendEvent(event: LogEventDraft): Promise<number> {
    return this.#guard(() => this.#append(event));
  }

  async logEntries(start: number, end: number): Promise<LogEntry[]> {
    checkLogRange(start, end);
    return this.#guard(() => this.#statements.selectLogEntries.all(start, end));
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const plan = planSearch(query);
    return this.#guard(() => {
      const rows = this.#searchStatement(plan).all(searchParameters(plan));
      return pageOf(plan, rows.map((row) => parseDoc(row.doc)));
    });
  }

  async allocateStatusIndices(count: number): Promise<number[]> {
    checkAllocationCount(count);
    return this.#guard(() => {
      const first = this.#allocate(count);
      return Array.from({ length: count }, (_, i) => first + i);
    });
  }

  async setStatus(purpose: StatusPurpose, indices: readonly number[], entry: Omit<StatusEntry, 'index'> | null): Promise<void> {
    return this.#guard(() => this.#setStatus(purpose, indices, entry));
  }

  async statusEntries(purpose: StatusPurpose): Promise<StatusEntry[]> {
    return this.#guard(() => this.#statements.selectStatus.all(purpose));
  }

  async count(): Promise<Record<AgentState, number>> {
    return this.#guard(() => {
      const counts = Object.fromEntries(AGENT_STATES.map((state) => [state, 0])) as Record<AgentState, number>;
      for (const { state, n } of this.#statements.countByState.all()) counts[state as AgentState] = n;
      return counts;
    });
  }

  async putCertification(certification: StoredCertification, expectedDigest: string | null, event?: LogEventDraft): Promise<PutOutcome> {
    return this.#guard(() => (this.#putCertification(certification, expectedDigest, event) ? 'written' : 'conflict'));
  }

  async certificationsOf(name: string): Promise<StoredCertification[]> {
    return this.#guard(() => this.#statements.selectCertifications.all(name).map((row) => JSON.parse(row.doc) as StoredCertification));
  }

  async removeCertification(name: string, digest: string, bindingIndex: number | null, event?: LogEventDraft): Promise<boolean> {
    return this.#guard(() => this.#removeCertification(name, digest, bindingIndex, event));
  }

  async namespaceClaim(namespace: string): Promise<StoredNamespaceClaim | undefined> {
    return this.#guard(() => {
      const row = this.#statements.selectClaim.get(namespace);
      return row === undefined ? undefined : (JSON.parse(row.doc) as StoredNamespaceClaim);
    });
  }

  async putNamespaceClaim(claim: StoredNamespaceClaim, expectedSeq: number | null, event?: LogEventDraft): Promise<PutOutcome> {
    return this.#guard(() => (this.#putNamespaceClaim(claim, expectedSeq, event) ? 'written' : 'conflict'));
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    try {
      // Lets SQLite refresh planner statistics it found stale during this session.
      this.#db.pragma('optimize');
    } finally {
      this.#db.close();
    }
  }

  diagnostics(): SqliteDiagnostics {
    return this.#guard(() => ({
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.#db.pragma('synchronous', { simple: true })),
      foreignKeys: Number(this.#db.pragma('foreign_keys', { simple: true })) === 1,
      busyTimeoutMs: Number(this.#db.pragma('busy_timeout', { simple: true })),
      schemaVersion: userVersion(this.#db),
    }));
  }

  /** Append the event at the next index, inside the caller's transaction (a throw rolls the write back too). */
  #logInTransaction(event: LogEventDraft | undefined): void {
    if (event === undefined) return;
    const index = this.#statements.logSize.get()!.size;
    this.#statements.insertLogEntry.run(index, logEntryText(index, event));
  }

  /** Set or clear status bits; a never-allocated index throws, rolling the whole transaction back. */
  #statusInTransaction({ purpose, indices, entry }: StatusChange): void {
    checkStatusIndices(indices, this.#statements.allocatedStatus.get()!.next);
    for (const index of indices) {
      if (entry === null) this.#statements.clearStatus.run(purpose, index);
      else this.#statements.putStatus.run({ purpose, index, ...entry });
    }
  }

  /** Compare-and-set, then re-index; false (nothing written) when the sequence moved on. */
  #writeInTransaction(agent: StoredAgent, expectedSeq: number | null): boolean {
    const row = agentRow(agent);
    const written = expectedSeq === null ? this.#statements.insertNew.get(row) : this.#statements.updateIfSeq.get({ ...row, expectedSeq });
    if (written === undefined) return false;
    // Throwing here rolls the whole transaction back.
    if (expectedSeq !== null) checkSequenceRises(agent.seq, expectedSeq);
    this.#reindex(written.id, agent);
    return true;
  }

  #reindex(id: number, agent: StoredAgent): void {
    const s = this.#statements;
    s.deleteText.run(id);
    for (const { key } of FILTERS) s.deleteFilter[key].run(id);
    if (agent.state !== 'active') return;
    s.insertText.run(id, agent.search.text, nameLabels(agent.name));
    for (const { key, value } of filterValues(agent)) s.insertFilter[key].run(value, id);
  }

  #searchStatement(plan: SearchPlan): Database.Statement<[Record<string, unknown>], { doc: string }> {
    const keys = FILTERS.map(({ key }) => key).filter((key) => plan.filters.has(key));
    const certified = plan.certification !== undefined;
    const scoped = plan.namespaceRange !== undefined;
    const shape = `${isRanked(plan) ? 'ranked' : 'listed'}:${keys.join(',')}${certified ? ':certified' : ''}:${plan.namespaceClaim ?? ''}${scoped ? ':namespace' : ''}`;
    let statement = this.#searchStatements.get(shape);
    if (statement === undefined) {
      statement = this.#db.prepare<[Record<string, unknown>], { doc: string }>(searchSql(isRanked(plan), keys, certified, plan.namespaceClaim, scoped));
      this.#searchStatements.set(shape, statement);
    }
    return statement;
  }

  /**
   * Every SQLite failure (busy past the timeout, I/O, corruption, closed) surfaces as
   * STORE_UNAVAILABLE; anything else is a bug and propagates unchanged.
   */
  #guard<T>(work: () => T): T {
    if (!this.#db.open) throw new SignpostError('STORE_UNAVAILABLE', `The SQLite record store ${this.#db.name} is closed`);
    try {
      return work();
    } catch (error) {
      if (error instanceof Database.SqliteError) throw unavailable(error, `The SQLite record store ${this.#db.name} failed`);
      throw error;
    }
  }
}

// --- setup ---------------------------------------------------------------------------------

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  // FULL, not the WAL-usual NORMAL: NORMAL may lose the last commits on power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // The schema is ours alone: never let it run functions with side effects.
  db.pragma('trusted_schema = OFF');
}

type Statements = ReturnType<typeof prepareStatements>;

/** Every fixed statement, prepared once per connection. */
function prepareStatements(db: Db) {
  const columns = 'name, agent_id, seq, state, updated_at, not_after, doc';
  const values = '@name, @agentId, @seq, @state, @updatedAt, @notAfter, @doc';
  const perFilter = <T>(make: (table: string) => T): Record<FilterKey, T> => ({
    capability: make(FILTER_TABLES.capability),
    protocol: make(FILTER_TABLES.protocol),
  });
  return {
    selectDoc: db.prepare<[string], { doc: string }>('SELECT doc FROM agents WHERE name = ?'),
    logSize: db.prepare<[], { size: number }>('SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM log_entries'),
    insertLogEntry: db.prepare<[number, string]>('INSERT INTO log_entries (idx, entry) VALUES (?, ?)'),
    selectLogEntries: db.prepare<[number, number], { index: number; text: string }>('SELECT idx AS "index", entry AS text FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
    insertNew: db.prepare<[AgentRow], { id: number }>(
      `INSERT INTO agents (${columns}) VALUES (${values}) ON CONFLICT (name) DO NOTHING RETURNING id`,
    ),
    updateIfSeq: db.prepare<[AgentRow & { expectedSeq: number }], { id: number }>(
      `UPDATE agents SET agent_id = @agentId, seq = @seq, state = @state, updated_at = @updatedAt, not_after = @notAfter, doc = @doc
       WHERE name = @name AND seq = @expectedSeq RETURNING id`,
    ),
    countByState: db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM agents GROUP BY state'),
    allocateStatus: db.prepare<[{ count: number }], { first: number }>(
      'UPDATE status_allocation SET next = next + @count WHERE id = 1 RETURNING next - @count AS first',
    ),
    allocatedStatus: db.prepare<[], { next: number }>('SELECT next FROM status_allocation WHERE id = 1'),
    putStatus: db.prepare<[{ purpose: string; index: number; reason: string; at: string; by: string }]>(
      `INSERT INTO status_entries (purpose, idx, reason, at, by) VALUES (@purpose, @index, @reason, @at, @by)
       ON CONFLICT (purpose, idx) DO UPDATE SET reason = excluded.reason, at = excluded.at, by = excluded.by`,
    ),
    clearStatus: db.prepare<[string, number]>('DELETE FROM status_entries WHERE purpose = ? AND idx = ?'),
    selectStatus: db.prepare<[string], StatusEntry>('SELECT idx AS "index", reason, at, by FROM status_entries WHERE purpose = ? ORDER BY idx'),
    deleteText: db.prepare<[number]>('DELETE FROM agent_search WHERE rowid = ?'),
    insertText: db.prepare<[number, string, string]>('INSERT INTO agent_search (rowid, text, labels) VALUES (?, ?, ?)'),
    deleteFilter: perFilter((table) => db.prepare<[number]>(`DELETE FROM ${table} WHERE agent = ?`)),
    insertFilter: perFilter((table) => db.prepare<[string, number]>(`INSERT OR IGNORE INTO ${table} (value, agent) VALUES (?, ?)`)),
    selectCertificationDigest: db.prepare<[CertificationRow], { digest: string }>(
      'SELECT digest FROM certifications WHERE agent_name = @agentName AND certification = @certification AND issuer = @issuer',
    ),
    upsertCertification: db.prepare<[CertificationRow]>(
      `INSERT INTO certifications (agent_name, certification, issuer, subject, binding_index, valid_from, valid_until, digest, doc)
       VALUES (@agentName, @certification, @issuer, @subject, @bindingIndex, @validFromMs, @validUntilMs, @digest, @doc)
       ON CONFLICT (agent_name, certification, issuer) DO UPDATE SET subject = excluded.subject, binding_index = excluded.binding_index,
         valid_from = excluded.valid_from, valid_until = excluded.valid_until, digest = excluded.digest, doc = excluded.doc`,
    ),
    selectCertifications: db.prepare<[string], { doc: string }>('SELECT doc FROM certifications WHERE agent_name = ? ORDER BY certification, issuer'),
    selectClaim: db.prepare<[string], { doc: string }>('SELECT doc FROM namespace_claims WHERE namespace = ?'),
    selectClaimSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM namespace_claims WHERE namespace = ?'),
    upsertClaim: db.prepare<[string, number, string]>(
      'INSERT INTO namespace_claims (namespace, seq, doc) VALUES (?, ?, ?) ON CONFLICT (namespace) DO UPDATE SET seq = excluded.seq, doc = excluded.doc',
    ),
    // IS, not =: null removes a row stored without a binding (before migration 4).
    deleteCertification: db.prepare<[string, string, number | null]>('DELETE FROM certifications WHERE agent_name = ? AND digest = ? AND binding_index IS ?'),
  };
}

// --- rows ----------------------------------------------------------------------------------

function agentRow(agent: StoredAgent): AgentRow {
  return {
    name: agent.name,
    agentId: agent.agentId,
    seq: agent.seq,
    state: agent.state,
    updatedAt: agent.updatedAt,
    notAfter: notAfterMsOf(agent) ?? null,
    doc: JSON.stringify(agent),
  };
}

interface CertificationRow {
  readonly agentName: string;
  readonly certification: string;
  readonly issuer: string;
  readonly subject: string;
  readonly bindingIndex: number | null;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  readonly digest: string;
  readonly doc: string;
}

function certificationRow(c: StoredCertification): CertificationRow {
  const { agentName, certification, issuer, subject, validFromMs, validUntilMs, digest } = c;
  return { agentName, certification, issuer, subject, bindingIndex: c.bindingIndex ?? null, validFromMs, validUntilMs, digest, doc: JSON.stringify(c) };
}

function parseDoc(doc: string): StoredAgent {
  return JSON.parse(doc) as StoredAgent;
}

function filterValues(agent: ActiveAgent): { key: FilterKey; value: string }[] {
  return FILTERS.flatMap(({ key, field }) => agent.search[field].map((raw) => ({ key, value: filterValue(raw) })));
}

// --- search --------------------------------------------------------------------------------

/**
 * Ranked (text) search orders by BM25 with name words weighted up, then by name so equal ranks
 * page deterministically; listings order by name and page by keyset.
 */
function searchSql(ranked: boolean, filters: readonly FilterKey[], certified: boolean, namespaceClaim: SearchPlan['namespaceClaim'], scoped: boolean): string {
  const filterSql =
    filters.map((key) => `AND a.id IN (SELECT agent FROM ${FILTER_TABLES[key]} WHERE value = @${key})`).join(' ') +
    (certified ? ` ${CERTIFIED_SQL}` : '') +
    (namespaceClaim === undefined ? '' : ` AND ${namespaceClaim === 'claimed' ? '' : 'NOT '}${CLAIMED_SQL}`) +
    // A range of names: the name index reads only the namespace's rows (inNamespace() of search/plan.ts).
    (scoped ? ' AND a.name >= @namespaceFrom AND a.name < @namespaceTo' : '');
  if (ranked) {
    return `SELECT a.doc FROM agent_search JOIN agents a ON a.id = agent_search.rowid
      WHERE agent_search MATCH @match AND a.state = 'active' ${VALID_SQL} ${filterSql}
      ORDER BY bm25(agent_search, 1.0, ${LABEL_WEIGHT}.0), a.name
      LIMIT @limit OFFSET @offset`;
  }
  return `SELECT a.doc FROM agents a
    WHERE a.state = 'active' AND a.name > @after ${VALID_SQL} ${filterSql}
    ORDER BY a.name
    LIMIT @limit`;
}

/**
 * The agent holds a certification credential that counts: the same rule as certificationCounts()
 * in search/plan.ts. The trusted issuers arrive as one JSON array parameter. The binding's
 * statusIndex is read from the agent's doc (only active agents get here, and every one has it);
 * a row without a binding_index (NULL) never equals it.
 */
const CERTIFIED_SQL = `AND EXISTS (SELECT 1 FROM certifications c
  WHERE c.agent_name = a.name AND c.certification = @certification AND c.subject = a.agent_id
    AND c.binding_index = json_extract(a.doc, '$.statusIndex')
    AND c.valid_from <= @latestValidFrom AND @certifiedAt < c.valid_until
    AND c.issuer IN (SELECT value FROM json_each(@trustedIssuers)))`;

/** The agent's namespace has a stored claim: namespaceOfName() of search/plan.ts in SQL ('agent://' is 8 characters). */
const CLAIMED_SQL = `EXISTS (SELECT 1 FROM namespace_claims n WHERE n.namespace = substr(a.name, 9, instr(substr(a.name, 9), '/') - 1))`;

/** Not expired at the query's time, when it gives one: the same rule as validUnder() in search/plan.ts. */
const VALID_SQL = 'AND (@validAt IS NULL OR a.not_after > @validAt)';

function searchParameters(plan: SearchPlan): Record<string, unknown> {
  const parameters: Record<string, unknown> = { limit: plan.limit + 1, validAt: plan.validAt ?? null };
  for (const [key, value] of plan.filters) parameters[key] = value;
  if (plan.namespaceRange !== undefined) {
    parameters['namespaceFrom'] = plan.namespaceRange.from;
    parameters['namespaceTo'] = plan.namespaceRange.to;
  }
  if (plan.certification !== undefined) {
    parameters['certification'] = plan.certification.name;
    parameters['certifiedAt'] = plan.certification.at;
    parameters['latestValidFrom'] = latestCountingValidFrom(plan.certification.at);
    parameters['trustedIssuers'] = JSON.stringify(plan.certification.trustedIssuers);
  }
  if (plan.start.kind === 'offset') {
    parameters['match'] = ftsMatch(plan.words);
    parameters['offset'] = plan.start.offset;
  } else {
    parameters['after'] = plan.start.name;
  }
  return parameters;
}

/**
 * User words as FTS5 syntax that cannot be anything else: each word becomes a quoted string
 * (quotes doubled) with a prefix star, all ANDed. Operators, column filters, NEAR and
 * parentheses in the user's text were already cut away as separators by the tokenizer.
 */
export function ftsMatch(words: readonly string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' AND ');
}

function unavailable(error: unknown, detail: string): SignpostError {
  if (error instanceof SignpostError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SignpostError('STORE_UNAVAILABLE', `${detail}: ${reason}`, { cause: error });
}
