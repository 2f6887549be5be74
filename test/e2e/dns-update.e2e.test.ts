/**
 * RFC 2136 UPDATE against a real registry process (`serve --dns-port 0 --dns-allow-update`), with
 * BIND's nsupdate as the client and scripts made by `signpost dns update-script`: an endpoint
 * change published over DNS shows in dig and over HTTP, its replay is refused with the registry's
 * code in nsupdate's output, and a revocation sent the same way takes the name out of both.
 */
import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanUpAfterAll, registerWithCli, runCli, startServer, tempDir } from './support.js';

const run = promisify(execFile);
const NAME = 'agent://acme.com/billing/invoices';
const NODE = 'invoices.billing._agents.acme.com';
const SECRET = Buffer.alloc(32, 11).toString('base64');
const started = cleanUpAfterAll();

/** nsupdate's exit code and everything it printed (it exits 2 when the server refuses). */
async function nsupdate(script: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('nsupdate', ['-t', '5', ...args, script]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('DNS UPDATE on a real registry, with nsupdate', () => {
  it('publishes an endpoint change (dig and HTTP see it), refuses its replay with SEQUENCE_STALE in the EDE, and revokes', async () => {
    const work = started.dir(await tempDir('dns-update'));
    const keyFile = join(work, 'tsig.keys');
    await writeFile(keyFile, `update-key:hmac-sha256:${SECRET}\nother-zone-key:hmac-sha256:${SECRET}\n`);
    await chmod(keyFile, 0o600);
    const server = started.server(await startServer(undefined, ['--dns-port', '0', '--dns-tsig-key-file', keyFile, '--dns-allow-update', 'update-key=_agents.acme.com', '--dns-allow-update', 'other-zone-key=_agents.other.org']));
    const port = /DNS: dns:\/\/127\.0\.0\.1:(\d+) /.exec(server.output())?.[1];
    expect(port, server.output()).toBeDefined();
    const env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
    const agentKey = join(work, 'invoices.jwk');
    await registerWithCli(env, NAME, agentKey, 'a2a=https://agents.acme.com:8443/a2a');
    const dig = async (...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', port!, '+norec', '+time=5', '+tries=1', ...args])).stdout;
    expect(await dig(NODE, 'SVCB')).toMatch(/IN\s+SVCB\s+1 agents\.acme\.com\. alpn="a2a,h2" port=8443 /);

    // The endpoint moves: a new registration (a higher sequence) in an nsupdate script.
    const script = join(work, 'move.nsupdate');
    const made = await runCli(['dns', 'update-script', NAME, '--key', agentKey, '--public-url', server.url, '--endpoint', 'a2a=https://new.acme.com:9443/a2a', '--server', `127.0.0.1:${port}`], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(new RegExp(`^; registration of agent://acme\\.com/billing/invoices: .*\\nserver 127\\.0\\.0\\.1 ${port}\\nzone _agents\\.acme\\.com\\nupdate add ${NODE.replace(/\./g, '\\.')} 0 TXT "signpost-v1 registration"( "[\\w-]{1,255}")+\\nsend\\n$`));
    await writeFile(script, made.stdout);
    const published = await nsupdate(script, '-y', `hmac-sha256:update-key:${SECRET}`);
    expect(published, published.output).toEqual({ code: 0, output: '' });
    expect(await dig(NODE, 'SVCB')).toMatch(/IN\s+SVCB\s+1 new\.acme\.com\. alpn="a2a,h2" port=9443 /);
    const facts = (await (await fetch(`${server.url}/v1/agents/${encodeURIComponent(NAME)}/facts`)).json()) as { payload: { endpoints: { static: { url: string }[] } } };
    expect(facts.payload.endpoints.static.map((endpoint) => endpoint.url)).toEqual(['https://new.acme.com:9443/a2a']);

    // The same UPDATE again is a replay: REFUSED, and nsupdate -d shows the registry's reason (the EDE).
    const replayed = await nsupdate(script, '-d', '-y', `hmac-sha256:update-key:${SECRET}`);
    expect(replayed.code).not.toBe(0);
    expect(replayed.output).toMatch(/status: REFUSED/);
    expect(replayed.output).toMatch(/EDE: 18 \(Prohibited\): \(SEQUENCE_STALE: sequence \d+ is not above the stored \d+ \(a replay of the stored record\)\)/);
    // Unsigned, or signed with a key the registry does not hold: refused before any document is read.
    expect((await nsupdate(script)).output).toMatch(/update failed: REFUSED/);
    expect((await nsupdate(script, '-y', `hmac-sha256:unknown-key:${SECRET}`)).output).toMatch(/update failed: NOTAUTH\(BADKEY\)/);
    // A key the registry holds, but allowed for another zone only.
    expect((await nsupdate(script, '-d', '-y', `hmac-sha256:other-zone-key:${SECRET}`)).output).toMatch(/EDE: 18 \(Prohibited\): \(DNS_UPDATE_NOT_AUTHORIZED: TSIG key other-zone-key may not update _agents\.acme\.com/);
    expect(await dig(NODE, 'SVCB')).toMatch(/new\.acme\.com\. alpn="a2a,h2" port=9443 /);

    // The script is one document: two kinds at once, or a registration without the registry's URL, are usage errors.
    const both = await runCli(['dns', 'update-script', NAME, '--key', agentKey, '--deregister', '--status', 'revoke', '--reason', 'x'], env);
    expect({ code: both.code, stderr: both.stderr }).toEqual({ code: 2, stderr: 'error REQUEST_INVALID: --deployment, --status and --deregister exclude each other: one document per UPDATE\n' });
    expect((await runCli(['dns', 'update-script', NAME, '--key', agentKey, '--endpoint', 'a2a=https://x.acme.com/a2a'], env)).stderr).toMatch(/^error REQUEST_INVALID: a registration needs --public-url/);

    // A revocation sent the same way: the name holds nothing in DNS, and HTTP answers 410.
    const revoke = await runCli(['dns', 'update-script', NAME, '--key', agentKey, '--status', 'revoke', '--reason', 'retired', '--server', `127.0.0.1:${port}`], env);
    expect(revoke.code, revoke.stderr).toBe(0);
    await writeFile(join(work, 'revoke.nsupdate'), revoke.stdout);
    const revoked = await nsupdate(join(work, 'revoke.nsupdate'), '-y', `hmac-sha256:update-key:${SECRET}`);
    expect(revoked, revoked.output).toEqual({ code: 0, output: '' });
    expect(await dig(NODE, 'SVCB')).toMatch(/status: NOERROR.*\n(.*\n)*.*ANSWER: 0,/);
    expect(await dig(NODE, 'TXT')).toMatch(/ANSWER: 0,/);
    expect((await fetch(`${server.url}/v1/agents/${encodeURIComponent(NAME)}`)).status).toBe(410);
  });
});
