/**
 * A DNS zone key rollover of a real registry, Ed25519 to ECDSA P-256, by the CLI on the stopped
 * registry: delv validates with the old DS before; with the old DS and with the new one while both
 * keys sign; and only with the new one after `finish` (forced: the safe interval is a day).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWithCli, removeDir, runCli, startServer, tempDir, type RunningServer } from './support.js';

const run = promisify(execFile);
let server: RunningServer | undefined;
let work: string | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await server?.stop();
  if (work) await removeDir(work);
  if (dataDir) await removeDir(dataDir);
});

/** Whether delv, trusting only `ds`, fully validates `name type` (an answer or a denial) from the running registry. */
async function validates(ds: string, name: string, type: string): Promise<boolean> {
  const port = /DNS: dns:\/\/127\.0\.0\.1:(\d+)/.exec(server!.output())![1]!;
  const [, , , tag, algorithm, digestType, digest] = ds.split(' ');
  const anchors = join(work!, 'anchors.conf');
  await writeFile(anchors, `trust-anchors { _agents.acme.com. static-ds ${tag} ${algorithm} ${digestType} "${digest}"; };\n`);
  const { stdout, stderr } = await run('delv', ['@127.0.0.1', '-p', port, '-a', anchors, '+root=_agents.acme.com', name, type]).catch((error: { stdout: string; stderr: string }) => error);
  return /; (negative response, )?fully validated/.test(stdout + stderr);
}

const dsLines = async (env: Record<string, string>) => {
  const ds = await runCli(['dns', 'ds', 'acme.com', '--data', dataDir!], env);
  expect(ds.code, ds.stderr).toBe(0);
  return ds.stdout.trim().split('\n');
};

describe('a DNS zone key rollover of a real registry', () => {
  it('ed25519 to ecdsap256: old and new DS validate during it, only the new after finish; finish is refused before the safe interval', async () => {
    work = await tempDir('rollover');
    const serve = ['--dns-port', '0', '--dns-zone-algorithm', 'ed25519'];
    server = await startServer(undefined, serve);
    dataDir = server.dataDir;
    const env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
    await registerWithCli(env, 'agent://acme.com/billing/invoices', join(work, 'invoices.jwk'));
    const [oldDs] = await dsLines(env);
    expect(oldDs).toMatch(/^_agents\.acme\.com\. IN DS \d+ 15 2 /);
    expect(await validates(oldDs!, 'invoices.billing._agents.acme.com', 'TXT')).toBe(true);
    const busy = await runCli(['dns', 'rollover', 'start', '--data', dataDir], env);
    expect(busy.stderr).toMatch(/^error DATA_DIR_IN_USE: /);
    const badAlgorithm = await runCli(['dns', 'rollover', 'start', '--algorithm', 'rsasha256', '--data', dataDir], env);
    expect([badAlgorithm.code, badAlgorithm.stderr]).toEqual([2, 'error REQUEST_INVALID: --algorithm takes ed25519 or ecdsap256, got "rsasha256"\n']);
    await server.stop();

    const started = await runCli(['dns', 'rollover', 'start', '--algorithm', 'ecdsap256', '--data', dataDir], env);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/next {3}key \d+ \(ecdsap256\): rollover started \S+, may finish after \S+/);
    const again = await runCli(['dns', 'rollover', 'start', '--data', dataDir], env);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/^error DNS_ROLLOVER_IN_PROGRESS: a rollover to key \d+ started at /)]);
    const [stillOld, newDs] = await dsLines(env);
    expect(stillOld).toBe(oldDs);
    expect(newDs).toMatch(/^_agents\.acme\.com\. IN DS \d+ 13 2 /);

    server = await startServer(dataDir, serve);
    for (const ds of [oldDs!, newDs!]) {
      expect(await validates(ds, 'invoices.billing._agents.acme.com', 'SVCB'), ds).toBe(true);
      expect(await validates(ds, 'nobody._agents.acme.com', 'SVCB'), ds).toBe(true);
    }
    await server.stop();

    const early = await runCli(['dns', 'rollover', 'finish', '--data', dataDir], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^error DNS_ROLLOVER_TOO_EARLY: resolvers may still trust only the old key \d+ until \S+ /);
    const forced = await runCli(['dns', 'rollover', 'finish', '--force', '--data', dataDir], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/^warning: finished early \(--force\)/);
    expect(await dsLines(env)).toEqual([newDs]);
    const status = await runCli(['dns', 'rollover', 'status', '--json', '--data', dataDir], env);
    expect(JSON.parse(status.stdout)).toEqual({ active: { tag: Number(newDs!.split(' ')[3]), algorithm: 'ecdsap256' } });

    server = await startServer(dataDir, serve);
    expect(server.output()).toMatch(/--dns-zone-algorithm ed25519 applies to a new zone key/);
    expect(await validates(newDs!, 'invoices.billing._agents.acme.com', 'SVCB')).toBe(true);
    expect(await validates(newDs!, 'invoices.billing._agents.acme.com', 'A')).toBe(true);
    expect(await validates(oldDs!, 'invoices.billing._agents.acme.com', 'SVCB')).toBe(false);
  });
});
