/**
 * The event log against a real registry process: every write appears in the log the registry
 * publishes, `signpost log verify` recomputes it and checks it against the heads it saw before,
 * live and from a saved copy; and a registry whose database history was rewritten behind its
 * back is caught, naming the first rewritten entry.
 */
import Database from 'better-sqlite3';
import { readFile } from 'node:fs/promises';
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

  it('a copy that does not hash to its head is refused: LOG_PROOF_INVALID, exit 1', async () => {
    const copy = JSON.parse(await readFile(file('copy-1.json'), 'utf8')) as { head: unknown; entries: { index: number; text: string }[] };
    copy.entries[1]!.text = copy.entries[1]!.text.replace('log/two', 'log/tw0');
    await import('node:fs/promises').then(({ writeFile }) => writeFile(file('copy-edited.json'), JSON.stringify(copy)));
    const result = await runCli(['log', 'verify', '--from', file('copy-edited.json')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error LOG_PROOF_INVALID: the 2 entries do not hash to the tree hash the head signs\n');
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
