/**
 * The event log against a real registry process: every write appears in the log the registry
 * publishes, `signpost log verify` recomputes it and checks it against the heads it saw before,
 * live and from a saved copy; and a registry whose database history was rewritten behind its
 * back is caught, naming the first rewritten entry.
 */
import Database from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWithCli, removeDir, runCli, startServer, tempDir, type RunningServer } from './support.js';

let server: RunningServer;
let work: string;
let env: Record<string, string>;
const file = (name: string) => join(work, name);

beforeAll(async () => {
  server = await startServer();
  work = await tempDir('event-log');
  env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
});

afterAll(async () => {
  await server?.stop();
  if (work) await removeDir(work);
  if (server) await removeDir(server.dataDir);
});

const entriesOf = async (url: string) => ((await (await fetch(`${url}/v1/log/entries?start=0&end=1000`)).json()) as { entries: { index: number; text: string }[] }).entries;

describe('the event log of a real registry', () => {
  it('logs every write, in order, and log verify accepts it live, again after more writes, and from a saved copy', async () => {
    await registerWithCli(env, 'agent://acme.com/log/one', file('one.jwk'));
    await registerWithCli(env, 'agent://acme.com/log/two', file('two.jwk'));
    const first = await runCli(['log', 'verify', '--save', file('copy-1.json')], env);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^verified: the log of http:\/\/127\.0\.0\.1:\d+, 2 entries, head signed at \S+ by did:key:z6Mk\w+\n {2}extends 0 heads seen before\n$/);

    expect((await runCli(['revoke', 'agent://acme.com/log/one', '--key', file('one.jwk'), '--reason', 'retired'], env)).code).toBe(0);
    const events = (await entriesOf(server.url)).map((entry) => JSON.parse(entry.text) as { index: number; kind: string; name: string; state: string });
    expect(events.map(({ index, kind, name, state }) => [index, kind, name, state])).toEqual([
      [0, 'registered', 'agent://acme.com/log/one', 'active'],
      [1, 'registered', 'agent://acme.com/log/two', 'active'],
      [2, 'status-changed', 'agent://acme.com/log/one', 'revoked'],
    ]);

    const second = await runCli(['log', 'verify', '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ verified: true, size: 3, headsChecked: 1 });
    // Offline, from the copy saved at 2 entries: no registry needed.
    const offline = await runCli(['log', 'verify', '--from', file('copy-1.json'), '--registry', 'http://127.0.0.1:1'], env);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain(`the log of ${file('copy-1.json')}, 2 entries`);
  });

  it('a tampered copy is refused with the index of the entry: edited, removed, reordered or inserted; LOG_PROOF_INVALID, exit 1', async () => {
    const saved = await runCli(['log', 'verify', '--save', file('copy-3.json')], env);
    expect(saved.code, saved.stderr).toBe(0);
    const original = JSON.parse(await readFile(file('copy-3.json'), 'utf8')) as { head: unknown; entries: { index: number; text: string }[] };
    const tampered = async (label: string, entries: { index: number; text: string }[], registry = server.url) => {
      await writeFile(file(`copy-${label}.json`), JSON.stringify({ ...original, entries }));
      const result = await runCli(['log', 'verify', '--from', file(`copy-${label}.json`), '--registry', registry], env);
      expect(result.code, label).toBe(1);
      return result.stderr;
    };
    const [e0, e1, e2] = original.entries as [(typeof original.entries)[0], (typeof original.entries)[0], (typeof original.entries)[0]];
    const edited = { ...e1, text: e1.text.replace('log/two', 'log/tw0') };
    // With the registry reachable, its consistency proofs place the edit.
    expect(await tampered('edited', [e0, edited, e2])).toBe(
      "error LOG_PROOF_INVALID: the 3 entries do not hash to the tree hash the head signs: entry 1 was edited (the registry's consistency proofs hold for the entries before it, not with it)\n",
    );
    // Offline, the heads this client saw before bound it (it saw the heads of 2 and 3 entries).
    expect(await tampered('edited-offline', [e0, edited, e2], 'http://127.0.0.1:1')).toBe('error LOG_PROOF_INVALID: the 3 entries do not hash to the tree hash the head signs: an entry from 0 to 1 was edited (heads seen before vouch for the others)\n');
    expect(await tampered('removed', [e0, e2])).toBe('error LOG_PROOF_INVALID: entry 1 is missing or out of order\n');
    expect(await tampered('reordered', [e0, e2, e1])).toBe('error LOG_PROOF_INVALID: entry 1 is missing or out of order\n');
    expect(await tampered('inserted', [e0, e1, e1, e2])).toBe('error LOG_PROOF_INVALID: entry 2 is missing or out of order\n');
    expect(await tampered('truncated', [e0, e1])).toBe('error LOG_PROOF_INVALID: entry 2 is missing: the head signs 3 entries, the copy holds 2\n');
    // A head signed by another key than the registry's is refused before any entry is read.
    const foreign = JSON.parse(JSON.stringify(original)) as { head: { payload: { log: string } } };
    foreign.head.payload.log = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    await writeFile(file('copy-foreign.json'), JSON.stringify(foreign));
    const refused = await runCli(['log', 'verify', '--from', file('copy-foreign.json'), '--registry-key', (await runCli(['log', 'verify', '--json'], env)).stdout.match(/"registryKey":"([^"]+)"/)![1]!], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error LOG_HEAD_INVALID: the head is of the log of did:key:z6MkhaX\w+, not of did:key:z6Mk\w+\n$/);
  });

  it('a registry whose history was rewritten in its database fails LOG_INCONSISTENT, and the first rewritten entry is named', async () => {
    // Rewrite entry 1 in the store of the stopped registry, as an operator with disk access could.
    const { port } = new URL(server.url);
    await server.stop();
    const db = new Database(join(server.dataDir, 'signpost.db'));
    const { entry } = db.prepare('SELECT entry FROM log_entries WHERE idx = 1').get() as { entry: string };
    db.prepare('UPDATE log_entries SET entry = ? WHERE idx = 1').run(entry.replace('log/two', 'log/tw0'));
    db.close();
    server = await startServer(server.dataDir, ['--port', port]);

    const caught = await runCli(['log', 'verify'], env);
    expect(caught.code).toBe(1);
    expect(caught.stderr).toMatch(/^error LOG_INCONSISTENT: the first \d entries differ from those of the head signed at \S+: the registry rewrote its log\n$/);
    const named = await runCli(['log', 'verify', '--against', file('copy-1.json')], env);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('entry 1 is the first that differs from the earlier copy');
    // A client that never saw a head before has nothing to hold it to: the log is consistent in itself.
    const fresh = await runCli(['log', 'verify'], { ...env, SIGNPOST_HOME: join(work, 'fresh-home') });
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});
