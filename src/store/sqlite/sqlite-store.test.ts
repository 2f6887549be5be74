import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignpostError } from '../../core/errors.js';
import { recordStoreContract } from '../store.contract.js';
import { activeAgent, deregisteredAgent, nextVersion, storedCertification } from '../test-support/fixtures.js';
import { type Migration, migrate, migrations } from './migrations.js';
import { SqliteRecordStore, ftsMatch } from './sqlite-store.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'signpost-sqlite-'));
}

recordStoreContract('SqliteRecordStore (file)', async () => {
  const dir = await tempDir();
  const file = join(dir, 'signpost.db');
  let current = SqliteRecordStore.open(file);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = SqliteRecordStore.open(file);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

recordStoreContract('SqliteRecordStore (:memory:)', async () => {
  const store = SqliteRecordStore.open(':memory:');
  return { store, cleanup: () => store.close() };
});

describe('SqliteRecordStore specifics', () => {
  let dir: string;
  let file: string;
  const opened: SqliteRecordStore[] = [];

  function open(): SqliteRecordStore {
    const store = SqliteRecordStore.open(file);
    opened.push(store);
    return store;
  }

  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir, 'signpost.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs with WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    expect(open().diagnostics()).toEqual({
      journalMode: 'wal',
      synchronous: 2,
      foreignKeys: true,
      busyTimeoutMs: 5000,
      schemaVersion: migrations.length,
    });
  });

  it('records the number of applied migrations in user_version, and applies them only once', async () => {
    await open().close();
    await open().close();
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(migrations.length);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('keeps the file across close and reopen', async () => {
    const first = open();
    const agent = activeAgent({ name: 'agent://acme/persistent', text: 'Still here', capabilities: ['memory'] });
    await first.put(agent, null);
    await first.close();
    const second = open();
    expect(await second.get(agent.name)).toEqual(agent);
    expect((await second.search({ limit: 10, text: 'still' })).items).toEqual([agent]);
    expect((await second.search({ limit: 10, capability: 'memory' })).items).toEqual([agent]);
  });

  it('holds the compare-and-set across two connections to one file', async () => {
    const a = open();
    const b = open();
    const agent = activeAgent({ name: 'agent://acme/shared', text: 'Shared between processes' });
    expect(await a.put(agent, null)).toBe('written');
    expect(await b.put(agent, null)).toBe('conflict');
    expect(await b.get(agent.name)).toEqual(agent);
    const fromB = nextVersion(agent, { text: 'Written through B' });
    expect(await b.put(fromB, agent.seq)).toBe('written');
    expect(await a.put(nextVersion(agent, { text: 'Stale write through A' }), agent.seq)).toBe('conflict');
    expect(await a.get(agent.name)).toEqual(fromB);
    expect((await a.search({ limit: 10, text: 'through' })).items).toEqual([fromB]);
  });

  it('upgrades a database of an older schema in place, keeping its agents', async () => {
    const raw = new Database(file);
    migrate(raw, migrations.slice(0, 1));
    raw.close();
    // Write an agent with the version-1 schema, then open with the current code.
    const v1 = new Database(file);
    const agent = activeAgent({ name: 'agent://acme/legacy', text: 'From before status lists' });
    v1.prepare('INSERT INTO agents (name, agent_id, seq, state, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?)').run(
      agent.name, agent.agentId, agent.seq, agent.state, agent.updatedAt, JSON.stringify(agent),
    );
    v1.close();
    const store = SqliteRecordStore.open(file);
    try {
      expect(store.diagnostics().schemaVersion).toBe(migrations.length);
      expect(await store.get(agent.name)).toEqual(agent);
      expect(await store.allocateStatusIndices(1)).toEqual([0]);
    } finally {
      await store.close();
    }
  });

  it('migrates a version-2 database to certification credentials: the old filter table goes, agents stay', async () => {
    const raw = new Database(file);
    migrate(raw, migrations.slice(0, 2));
    const agent = activeAgent({ name: 'agent://acme/clinic', text: 'From before certifications', capabilities: ['intake'] });
    const { id } = raw
      .prepare('INSERT INTO agents (name, agent_id, seq, state, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?) RETURNING id')
      .get(agent.name, agent.agentId, agent.seq, agent.state, agent.updatedAt, JSON.stringify(agent)) as { id: number };
    raw.prepare('INSERT INTO agent_capabilities (value, agent) VALUES (?, ?)').run('intake', id);
    // A version-2 database could only ever hold self-declared values here; they must not survive.
    raw.prepare('INSERT INTO agent_certifications (value, agent) VALUES (?, ?)').run('hipaa', id);
    raw.close();
    const store = open();
    expect(store.diagnostics().schemaVersion).toBe(migrations.length);
    expect(await store.get(agent.name)).toEqual(agent);
    expect((await store.search({ limit: 10, capability: 'intake' })).items).toEqual([agent]);
    const filter = { name: 'HIPAA', trustedIssuers: ['did:web:auditor.example'], at: Date.UTC(2026, 5, 1) };
    expect((await store.search({ limit: 10, certification: filter })).items).toEqual([]);
    const hipaa = storedCertification({ agent, certification: 'HIPAA', issuer: 'did:web:auditor.example' });
    expect(await store.putCertification(hipaa, null)).toBe('written');
    expect((await store.search({ limit: 10, certification: filter })).items).toEqual([agent]);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'agent_certifications'").get()).toEqual({ n: 0 });
    } finally {
      check.close();
    }
  });

  it('migrates a version-4 database to recorded notAfter times: search leaves its expired agents out', async () => {
    const raw = new Database(file);
    migrate(raw, migrations.slice(0, 4));
    const agent = activeAgent({ name: 'agent://acme/old-timer', text: 'Registered before notAfter was a column' });
    raw
      .prepare('INSERT INTO agents (name, agent_id, seq, state, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?)')
      .run(agent.name, agent.agentId, agent.seq, agent.state, agent.updatedAt, JSON.stringify(agent));
    raw.close();
    const store = open();
    const notAfter = Date.parse(agent.addr.payload.notAfter);
    expect((await store.search({ limit: 10, validAt: notAfter - 1 })).items).toEqual([agent]);
    expect((await store.search({ limit: 10, validAt: notAfter })).items).toEqual([]);
  });

  it('migrates a version-3 database to bindings: certifications stored before never count, and go with a null binding', async () => {
    const raw = new Database(file);
    migrate(raw, migrations.slice(0, 3));
    const agent = activeAgent({ name: 'agent://acme/clinic', text: 'Certified before bindings', statusIndex: 4 });
    raw
      .prepare('INSERT INTO agents (name, agent_id, seq, state, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?)')
      .run(agent.name, agent.agentId, agent.seq, agent.state, agent.updatedAt, JSON.stringify(agent));
    // A version-3 row: no binding, neither as a column nor in its doc. It may be left over from an
    // earlier binding of the same key (a missed prune), which nothing in it can tell apart.
    const { bindingIndex: _binding, ...legacy } = storedCertification({ agent, certification: 'HIPAA', issuer: 'did:web:auditor.example' });
    raw
      .prepare('INSERT INTO certifications (agent_name, certification, issuer, subject, valid_from, valid_until, digest, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(legacy.agentName, legacy.certification, legacy.issuer, legacy.subject, legacy.validFromMs, legacy.validUntilMs, legacy.digest, JSON.stringify(legacy));
    raw.close();
    const store = open();
    expect(store.diagnostics().schemaVersion).toBe(migrations.length);
    expect(await store.certificationsOf(agent.name)).toEqual([legacy]);
    const filter = { name: 'HIPAA', trustedIssuers: ['did:web:auditor.example'], at: Date.UTC(2026, 5, 1) };
    expect((await store.search({ limit: 10, certification: filter })).items, 'no binding: never counts').toEqual([]);
    expect(await store.removeCertification(agent.name, legacy.digest, agent.statusIndex)).toBe(false);
    expect(await store.removeCertification(agent.name, legacy.digest, null)).toBe(true);
    // Submitted again, it is stored for the current binding and counts.
    const again = storedCertification({ agent, certification: 'HIPAA', issuer: 'did:web:auditor.example' });
    expect(await store.putCertification(again, null)).toBe('written');
    expect((await store.search({ limit: 10, certification: filter })).items).toEqual([agent]);
  });

  it('holds the certification compare-and-set across two connections to one file', async () => {
    const a = open();
    const b = open();
    const agent = activeAgent({ name: 'agent://acme/audited' });
    await a.put(agent, null);
    const first = storedCertification({ agent, certification: 'SOC2', issuer: 'did:web:auditor.example' });
    const second = storedCertification({ agent, certification: 'SOC2', issuer: 'did:web:auditor.example', serial: 2 });
    expect(await a.putCertification(first, null)).toBe('written');
    expect(await b.putCertification(second, null)).toBe('conflict');
    expect(await b.putCertification(second, first.digest)).toBe('written');
    expect(await a.putCertification(first, first.digest)).toBe('conflict');
    expect(await a.certificationsOf(agent.name)).toEqual([second]);
  });

  it('refuses a database written by a newer schema version, with a clear error', async () => {
    await open().close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    const error = captureError(() => SqliteRecordStore.open(file));
    expect(error).toBeInstanceOf(SignpostError);
    expect((error as SignpostError).code).toBe('STORE_UNAVAILABLE');
    expect((error as SignpostError).message).toContain(`schema version ${migrations.length + 1}, newer than the ${migrations.length}`);
  });

  it('refuses a file that is not a SQLite database', async () => {
    await writeFile(file, 'this is not a database, just some text long enough to have a header '.repeat(20));
    const error = captureError(() => SqliteRecordStore.open(file));
    expect(error).toBeInstanceOf(SignpostError);
    expect((error as SignpostError).code).toBe('STORE_UNAVAILABLE');
  });

  it('reports STORE_UNAVAILABLE when the directory does not exist', () => {
    const error = captureError(() => SqliteRecordStore.open(join(dir, 'missing', 'x.db')));
    expect((error as SignpostError).code).toBe('STORE_UNAVAILABLE');
  });

  it('rolls a failing migration back entirely, version included', () => {
    const broken: Migration[] = [
      ...migrations,
      { description: 'half good, half broken', sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE broken (' },
    ];
    const raw = new Database(file);
    try {
      migrate(raw);
      expect(() => migrate(raw, broken)).toThrow();
      expect(raw.pragma('user_version', { simple: true })).toBe(migrations.length);
      const half = raw.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half'").get() as { n: number };
      expect(half.n).toBe(0);
    } finally {
      raw.close();
    }
  });

  it('keeps the FTS index and the filter tables in step with active agents only', async () => {
    const store = open();
    const agent = activeAgent({ name: 'agent://acme/indexed', text: 'Indexed words', capabilities: ['a', 'A', 'b'], protocols: ['mcp'] });
    await store.put(agent, null);
    expect(indexSizes()).toEqual({ fts: 1, capabilities: 2, protocols: 1 });
    const updated = nextVersion(agent, { text: 'Other words', capabilities: ['c'], certifications: ['soc2'] });
    await store.put(updated, agent.seq);
    expect(indexSizes()).toEqual({ fts: 1, capabilities: 1, protocols: 0 });
    await store.put(deregisteredAgent({ name: agent.name, seq: updated.seq + 1, agentId: agent.agentId }), updated.seq);
    expect(indexSizes()).toEqual({ fts: 0, capabilities: 0, protocols: 0 });
  });

  it('turns query words into quoted prefix terms, doubling quotes', () => {
    expect(ftsMatch(['invoice', 'bot'])).toBe('"invoice"* AND "bot"*');
    expect(ftsMatch(['a"b'])).toBe('"a""b"*');
  });

  function indexSizes(): Record<string, number> {
    const raw = new Database(file, { readonly: true });
    try {
      const size = (table: string): number => (raw.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        fts: size('agent_search'),
        capabilities: size('agent_capabilities'),
        protocols: size('agent_protocols'),
      };
    } finally {
      raw.close();
    }
  }
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
