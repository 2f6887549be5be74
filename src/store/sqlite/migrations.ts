/**
 * The SQLite schema as an ordered list of migrations. `PRAGMA user_version` records how many
 * have been applied; a new schema change is appended here, never edited in place, so every
 * database walks the same path from whatever version it is at.
 */
import type Database from 'better-sqlite3';
import { SignpostError } from '../../core/errors.js';

export interface Migration {
  readonly description: string;
  readonly sql: string;
}

/** Side tables of the exact-match filters; the names are trusted constants used in SQL text. */
export const FILTER_TABLES = {
  capability: 'agent_capabilities',
  protocol: 'agent_protocols',
} as const;

/** The filter tables migration 1 created, frozen here: a released migration must never change. */
const MIGRATION_1_FILTER_TABLES = ['agent_capabilities', 'agent_protocols', 'agent_certifications'] as const;

function filterTableSql(table: string): string {
  return `
    CREATE TABLE ${table} (
      value TEXT NOT NULL,
      agent INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      PRIMARY KEY (value, agent)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ${table}_by_agent ON ${table} (agent);`;
}

export const migrations: readonly Migration[] = [
  {
    description: 'agents, exact-match filter tables and the FTS5 text index',
    sql: `
      -- id is an explicit INTEGER PRIMARY KEY (a rowid alias) because the FTS index and the filter
      -- tables point at it, and VACUUM may renumber an implicit rowid.
      CREATE TABLE agents (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        agent_id   TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'revoked', 'deregistered')),
        updated_at TEXT NOT NULL,
        doc        TEXT NOT NULL CHECK (json_valid(doc))
      ) STRICT;
      CREATE INDEX agents_by_state_name ON agents (state, name);
      ${MIGRATION_1_FILTER_TABLES.map(filterTableSql).join('\n')}
      -- Active agents only: a tombstone deletes its row here, so it can never be found.
      CREATE VIRTUAL TABLE agent_search USING fts5 (
        text,
        labels,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );`,
  },
  {
    description: 'status-list index allocation and status bits (revocation, suspension)',
    sql: `
      -- One row: the next index to hand out. Never decremented, so an index is never reused.
      CREATE TABLE status_allocation (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        next INTEGER NOT NULL CHECK (next >= 0)
      ) STRICT;
      INSERT INTO status_allocation (id, next) VALUES (1, 0);
      CREATE TABLE status_entries (
        purpose TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        idx     INTEGER NOT NULL CHECK (idx >= 0),
        reason  TEXT NOT NULL,
        at      TEXT NOT NULL,
        by      TEXT NOT NULL,
        PRIMARY KEY (purpose, idx)
      ) STRICT, WITHOUT ROWID;`,
  },
  {
    description: 'third-party certification credentials; the never-filled agent_certifications filter table goes',
    sql: `
      -- Whether a certification counts depends on the trust policy, the agent's current key and the
      -- time, all judged at query time; a filter table derived from the facts could not know them.
      DROP TABLE agent_certifications;
      -- One credential per (agent, certification, issuer): a newer one from the same issuer replaces it.
      -- No foreign key to agents: the core only stores certifications for registered names, and the
      -- memory backend must behave the same.
      CREATE TABLE certifications (
        agent_name    TEXT NOT NULL,
        certification TEXT NOT NULL,
        issuer        TEXT NOT NULL,
        subject       TEXT NOT NULL,
        valid_from    INTEGER NOT NULL,
        valid_until   INTEGER NOT NULL,
        digest        TEXT NOT NULL,
        doc           TEXT NOT NULL CHECK (json_valid(doc)),
        PRIMARY KEY (agent_name, certification, issuer)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX certifications_by_digest ON certifications (agent_name, digest);`,
  },
  {
    description: 'certifications record the agent binding (statusIndex) they were accepted for',
    sql: `
      -- A certification counts only for the binding it was accepted for, so one a missed prune left
      -- behind never counts for a later binding of the name, even under the same key. Rows stored
      -- before keep NULL and never count (the core deletes them when it meets them): whether such a
      -- row belongs to the current binding or to an earlier one under the same key cannot be told,
      -- so no backfill. Resubmitting the credential stores it for the current binding.
      ALTER TABLE certifications ADD COLUMN binding_index INTEGER CHECK (binding_index >= 0);`,
  },
  {
    description: 'agents record their notAfter, so search leaves expired records out',
    sql: `
      -- Epoch milliseconds of the AgentAddr's notAfter; NULL for a tombstone, which has none.
      ALTER TABLE agents ADD COLUMN not_after INTEGER;
      UPDATE agents SET not_after = unixepoch(json_extract(doc, '$.addr.payload.notAfter')) * 1000
        WHERE json_extract(doc, '$.addr.payload.notAfter') IS NOT NULL;`,
  },
  {
    description: 'the event log: one entry per accepted write, gap-free from index 0',
    sql: `
      -- Written in the transaction of the write it records (SqliteRecordStore.put), at MAX(idx) + 1:
      -- writers are serialised by SQLite, so the indices have no gap. A database from before this
      -- migration starts its log empty: its names enter the log at their next write.
      CREATE TABLE log_entries (
        idx   INTEGER PRIMARY KEY CHECK (idx >= 0),
        entry TEXT NOT NULL
      ) STRICT;`,
  },
  {
    description: 'namespace claims: the proven owner of a namespace and the keys it grants names to',
    sql: `
      -- One row per namespace; seq is the compare-and-set key (SqliteRecordStore.putNamespaceClaim).
      CREATE TABLE namespace_claims (
        namespace TEXT PRIMARY KEY,
        seq       INTEGER NOT NULL CHECK (seq >= 1),
        doc       TEXT NOT NULL
      ) STRICT;`,
  },
];

/**
 * Bring the database up to `list.length`, all pending steps in one IMMEDIATE transaction (so a
 * crash leaves the old version intact and two processes opening at once do not both migrate).
 * Refuses a database written by a newer Signpost: its schema may mean things this one ignores.
 */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): void {
  const apply = db.transaction(() => {
    const current = userVersion(db);
    if (current > list.length) {
      throw new SignpostError(
        'STORE_UNAVAILABLE',
        `The database ${db.name} has schema version ${current}, newer than the ${list.length} this Signpost knows; ` +
          'upgrade Signpost or open a copy made for this version',
      );
    }
    for (const migration of list.slice(current)) db.exec(migration.sql);
    if (current < list.length) db.pragma(`user_version = ${list.length}`);
  });
  apply.immediate();
}

export function userVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}
