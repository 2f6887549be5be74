/**
 * The DNS face of a real registry process (`serve --dns-port 0`): an agent registered with the CLI
 * is answered by dig over UDP and TCP, and is gone from DNS as soon as the CLI's revocation returns.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWithCli, removeDir, runCli, startServer, tempDir, type RunningServer } from './support.js';

const run = promisify(execFile);
let server: RunningServer | undefined;
let flatServer: RunningServer | undefined;
let work: string | undefined;

afterAll(async () => {
  await server?.stop();
  await flatServer?.stop();
  if (work) await removeDir(work);
  if (server) await removeDir(server.dataDir);
  if (flatServer) await removeDir(flatServer.dataDir);
});

describe('the DNS face of a real registry', () => {
  it('answers dig for a registered agent over UDP and TCP, and nothing (NODATA) once it is revoked; dns sizes reports the stopped registry', async () => {
    server = await startServer(undefined, ['--dns-port', '0', '--dns-server-name', 'ns1.registry.example']);
    const dnsUrl = /DNS: dns:\/\/127\.0\.0\.1:(\d+) \(UDP and TCP\)/.exec(server.output());
    expect(dnsUrl, server.output()).not.toBeNull();
    const port = dnsUrl![1]!;
    work = await tempDir('dns');
    const env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
    await registerWithCli(env, 'agent://acme.com/billing/invoices', join(work, 'invoices.jwk'), 'a2a=https://agents.acme.com:8443/a2a');

    const dig = async (...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', port, '+norec', '+time=5', '+tries=1', ...args])).stdout;
    for (const transport of ['+notcp', '+tcp']) {
      const answer = await dig(transport, 'invoices.billing._agents.acme.com', 'SVCB');
      expect(answer).toMatch(/status: NOERROR/);
      expect(answer).toMatch(/IN\s+SVCB\s+1 agents\.acme\.com\. alpn="a2a,h2" port=8443 key65400="[^"]+" key65401="[\w-]{43}" key65402="a2a" key65409="agent-card\.json"/);
    }
    expect(await dig('_agents.acme.com', 'NS', '+short')).toBe('ns1.registry.example.\n');

    // DNSSEC: the DS that `signpost dns ds` prints for the parent is a trust anchor delv validates from.
    const ds = await runCli(['dns', 'ds', 'acme.com', '--data', server.dataDir], env);
    expect(ds.code, ds.stderr).toBe(0);
    const [, , , tag, algorithm, digestType, digest] = ds.stdout.trim().split(' ');
    expect(ds.stdout).toMatch(/^_agents\.acme\.com\. IN DS \d+ 15 2 [0-9A-F]{64}\n$/);
    await writeFile(join(work, 'anchors.conf'), `trust-anchors { _agents.acme.com. static-ds ${tag} ${algorithm} ${digestType} "${digest}"; };\n`);
    const delv = await run('delv', ['@127.0.0.1', '-p', port, '-a', join(work, 'anchors.conf'), '+root=_agents.acme.com', 'invoices.billing._agents.acme.com', 'SVCB']);
    expect(delv.stdout).toContain('; fully validated');
    const badNamespace = await runCli(['dns', 'ds', 'acme com', '--data', server.dataDir], env);
    expect(badNamespace.code).toBe(2);
    expect(badNamespace.stderr).toMatch(/^error NAME_\w+: namespace "acme com": /);
    const noKey = await runCli(['dns', 'ds', 'acme.com', '--data', work], env);
    expect(noKey.stderr).toBe(`error KEY_FILE_INVALID: ${join(work, 'dns-zone-key.jwk')} does not exist: start the registry once with --dns-port to make the DNS zone key\n`);

    const revoked = await runCli(['revoke', 'agent://acme.com/billing/invoices', '--key', join(work, 'invoices.jwk'), '--reason', 'retired'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const gone = await dig('invoices.billing._agents.acme.com', 'SVCB');
    expect(gone).toMatch(/status: NOERROR/);
    expect(gone).toMatch(/ANSWER: 0,/);

    // dns sizes reads a stopped registry's data directory; while the server runs it is refused.
    await registerWithCli(env, 'agent://acme.com/support', join(work, 'support.jwk'), 'mcp=https://mcp.acme.com/support');
    const busy = await runCli(['dns', 'sizes', '--data', server.dataDir], env);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toMatch(/^error DATA_DIR_IN_USE: /);
    const received = Number(/MSG SIZE {2}rcvd: (\d+)/.exec(await dig('+tcp', '+dnssec', 'support._agents.acme.com', 'SVCB'))![1]);
    await server.stop();
    const sizes = await runCli(['dns', 'sizes', '--data', server.dataDir, '--json'], env);
    expect(sizes.code, sizes.stderr).toBe(0);
    const report = JSON.parse(sizes.stdout) as { agents: number; zoneKey: string; svcb: { count: number; max: number; overBudget: number }; largest: { owner: string; type: string; bytes: number }[] };
    expect(report).toMatchObject({ agents: 1, zoneKey: 'data directory', svcb: { count: 1, overBudget: 0 } });
    expect(report.largest.map((answer) => [answer.owner, answer.type])).toEqual(expect.arrayContaining([['support._agents.acme.com', 'SVCB'], ['support._agents.acme.com', 'TXT']]));
    // The size a client got from the running server, to the byte.
    expect(report.svcb.max).toBe(received);
    const text = await runCli(['dns', 'sizes', '--data', server.dataDir], env);
    expect(text.stdout).toMatch(/^DNS answer sizes of 1 agents, signed \(DO, Ed25519\), whole messages in bytes; UDP budget 1232\n/);
  });

  it('with --dns-flat-zone serves the namespace whole: the flat DNS-AID name, the DNS-SD label, the index at the --public-url, validated from the DS of `dns ds --flat`', async () => {
    flatServer = await startServer(undefined, ['--dns-port', '0', '--dns-flat-zone', 'agents.example', '--public-url', 'https://registry.example']);
    const port = /DNS: dns:\/\/127\.0\.0\.1:(\d+) \(UDP and TCP\)/.exec(flatServer.output())![1]!;
    work ??= await tempDir('dns');
    const env = { SIGNPOST_REGISTRY: flatServer.url, SIGNPOST_HOME: join(work, 'flat-home') };
    await registerWithCli(env, 'agent://agents.example/support', join(work, 'flat-support.jwk'), 'a2a=https://support.agents.example/a2a');
    const dig = async (...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', port, '+norec', '+time=5', '+tries=1', '+short', ...args])).stdout;
    expect(await dig('support.agents.example', 'SVCB')).toMatch(/^1 support\.agents\.example\. alpn="a2a,h2" port=443 /);
    expect(await dig('_support._a2a._agents.agents.example', 'SVCB')).toBe('0 support.agents.example.\n');
    expect(await dig('_index._agents.agents.example', 'SVCB')).toBe('1 registry.example. alpn="h2,http/1.1" port=443 key65400="https://registry.example/v1/search?namespace=agents.example"\n');
    expect(await dig('agents.example', 'NS')).toBe('localhost.\n');

    const ds = await runCli(['dns', 'ds', '--flat', 'agents.example', '--data', flatServer.dataDir], env);
    expect(ds.stdout, ds.stderr).toMatch(/^agents\.example\. IN DS \d+ 15 2 [0-9A-F]{64}\n$/);
    const [, , , tag, algorithm, digestType, digest] = ds.stdout.trim().split(' ');
    await writeFile(join(work, 'flat-anchors.conf'), `trust-anchors { agents.example. static-ds ${tag} ${algorithm} ${digestType} "${digest}"; };\n`);
    const delv = await run('delv', ['@127.0.0.1', '-p', port, '-a', join(work, 'flat-anchors.conf'), '+root=agents.example', 'support.agents.example', 'SVCB']);
    expect(delv.stdout).toContain('; fully validated');

    // A revocation takes the agent off every name at once.
    const revoked = await runCli(['revoke', 'agent://agents.example/support', '--key', join(work, 'flat-support.jwk'), '--reason', 'retired'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    for (const name of ['support.agents.example', 'support._agents.agents.example', '_support._a2a._agents.agents.example']) expect(await dig(name, 'SVCB'), name).toBe('');
  });
});
