/**
 * A real Knot DNS secondary of a real registry process: knotd transfers `_agents.acme.com` from
 * the DNS face (AXFR, TSIG-signed with a shared key both ways), answers exactly what the registry
 * answers, and after a revocation through the CLI it is told (NOTIFY, TSIG-signed: knotd's ACL
 * takes no other), transfers again, and the agent is gone from its answers too. That second
 * transfer, and the one after a registration, are incremental (IXFR, RFC 1995): knotd says so in its
 * log, and the zone it holds then is the registry's to the record and still validates.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { closedLoopbackPort } from '../support/closed-loopback-port.js';
import { cleanUpAfterAll, registerWithCli, runCli, startServer, tempDir, until } from './support.js';

const run = promisify(execFile);
const started = cleanUpAfterAll();

async function dig(port: number, ...args: string[]): Promise<string> {
  return (await run('dig', ['@127.0.0.1', '-p', String(port), '+norec', '+time=2', '+tries=1', ...args]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }))).stdout;
}

/** The answer records of a dig, sorted: what two servers must agree on. */
const answerOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .sort();


describe('a Knot DNS secondary', () => {
  it('transfers the zone with TSIG, answers as the registry does, and follows a revocation after a signed NOTIFY', async () => {
    const work = started.dir(await tempDir('knot'));
    const knotPort = await closedLoopbackPort();
    const secret = 'c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=';
    const keyFile = join(work, 'tsig.keys');
    await writeFile(keyFile, `key "transfer-key" {\n  algorithm hmac-sha256;\n  secret "${secret}";\n};\n`);
    await chmod(keyFile, 0o600);
    const server = started.server(
      await startServer(undefined, [
        '--dns-port',
        '0',
        '--dns-server-name',
        'ns1.registry.example',
        '--dns-tsig-key-file',
        keyFile,
        '--dns-allow-transfer',
        '127.0.0.1=transfer-key',
        '--dns-notify',
        `127.0.0.1:${knotPort}=transfer-key`,
      ]),
    );
    const primaryPort = Number(/DNS: dns:\/\/127\.0\.0\.1:(\d+)/.exec(server.output())![1]);
    // The address is allowed with the key only: unsigned, nothing is transferred.
    const unsigned = await dig(primaryPort, '_agents.acme.com', 'AXFR');
    expect(unsigned).toMatch(/Transfer failed/);
    expect(unsigned).not.toMatch(/\sIN\s+SOA\s/);
    const env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
    await registerWithCli(env, 'agent://acme.com/billing/invoices', join(work, 'invoices.jwk'));
    await registerWithCli(env, 'agent://acme.com/support', join(work, 'support.jwk'), 'mcp=https://mcp.acme.com/support');

    const config = join(work, 'knot.conf');
    await writeFile(
      config,
      [
        'server:',
        `    rundir: "${work}"`,
        `    listen: 127.0.0.1@${knotPort}`,
        'database:',
        `    storage: "${work}"`,
        'log:',
        '  - target: stderr',
        '    any: info',
        'key:',
        '  - id: transfer-key',
        '    algorithm: hmac-sha256',
        `    secret: ${secret}`,
        'remote:',
        '  - id: signpost',
        `    address: 127.0.0.1@${primaryPort}`,
        '    key: transfer-key',
        'acl:',
        '  - id: notify_from_signpost',
        '    address: 127.0.0.1',
        '    key: transfer-key',
        '    action: notify',
        // Our own AXFR of knotd's copy, to check the zone it holds after the incremental transfers.
        '  - id: dump_to_test',
        '    address: 127.0.0.1',
        '    action: transfer',
        'zone:',
        '  - domain: _agents.acme.com',
        '    master: signpost',
        '    acl: [notify_from_signpost, dump_to_test]',
        '    zonefile-load: none',
        '    zonefile-sync: -1',
        '    journal-content: none',
        '',
      ].join('\n'),
    );
    let knotLog = '';
    // Debian puts knotd in /usr/sbin, which a non-root PATH may lack.
    const knot = started.child(spawn(existsSync('/usr/sbin/knotd') ? '/usr/sbin/knotd' : 'knotd', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] }));
    knot.stderr!.on('data', (chunk: Buffer) => (knotLog += chunk.toString()));
    knot.stdout!.on('data', (chunk: Buffer) => (knotLog += chunk.toString()));

    const owner = 'invoices.billing._agents.acme.com';
    await until(async () => /ANSWER: [1-9]/.test(await dig(knotPort, owner, 'SVCB')));
    for (const [name, type] of [
      [owner, 'SVCB'],
      [owner, 'TXT'],
      ['support._agents.acme.com', 'SVCB'],
      ['_agents.acme.com', 'NS'],
      ['_agents.acme.com', 'SOA'],
    ] as const) {
      expect(answerOf(await dig(knotPort, name, type, '+noall', '+answer')), `${name} ${type}\n${knotLog}`).toEqual(answerOf(await dig(primaryPort, name, type, '+noall', '+answer')));
    }

    const revoked = await runCli(['revoke', 'agent://acme.com/billing/invoices', '--key', join(work, 'invoices.jwk'), '--reason', 'retired'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    // NOTIFY, SOA query, transfer: the secondary drops the agent without waiting for its REFRESH (3600 s).
    await until(async () => /ANSWER: 0,/.test(await dig(knotPort, owner, 'SVCB')));
    // knotd's ACL takes a NOTIFY signed with the key only, and would log an unsigned one as denied.
    expect(knotLog).toMatch(/notify, incoming, remote 127\.0\.0\.1@\d+, serial/);
    expect(knotLog).not.toMatch(/denied|TSIG.*(BAD|fail)/i);
    expect(answerOf(await dig(knotPort, 'support._agents.acme.com', 'SVCB', '+noall', '+answer'))).toHaveLength(1);
    // The first transfer was the whole zone (knotd had none); the one after the NOTIFY the change only.
    expect(knotLog.match(/AXFR, incoming, remote [^\n]*, started/g), knotLog).toHaveLength(1);
    expect(knotLog).toMatch(/IXFR, incoming, remote [^\n]*, finished/);
    expect(knotLog).not.toMatch(/AXFR-style|fallback to AXFR|IXFR, incoming[^\n]*failed/i);

    // A registration: an agent added, the NSEC chain reordered around it, incrementally too.
    await registerWithCli(env, 'agent://acme.com/billing/disputes', join(work, 'disputes.jwk'));
    const added = 'disputes.billing._agents.acme.com';
    await until(async () => /ANSWER: [1-9]/.test(await dig(knotPort, added, 'SVCB')));
    expect(knotLog.match(/IXFR, incoming, remote [^\n]*, finished/g)?.length, knotLog).toBeGreaterThanOrEqual(2);
    expect(knotLog.match(/AXFR, incoming, remote [^\n]*, started/g)).toHaveLength(1);
    // Records and signatures exactly as the registry answers them.
    for (const [name, type] of [
      [added, 'SVCB'],
      [added, 'TXT'],
      [owner, 'TXT'],
      ['support._agents.acme.com', 'SVCB'],
      ['_agents.acme.com', 'SOA'],
      ['_agents.acme.com', 'DNSKEY'],
    ] as const) {
      expect(answerOf(await dig(knotPort, name, type, '+dnssec', '+noall', '+answer')), `${name} ${type}`).toEqual(answerOf(await dig(primaryPort, name, type, '+dnssec', '+noall', '+answer')));
    }
    // The zone knotd holds after two IXFRs is the registry's whole zone, record for record, and validates.
    const zoneLines = (text: string) => answerOf(text).filter((line) => /\sIN\s/.test(line));
    const secondaryZone = zoneLines(await dig(knotPort, '_agents.acme.com', 'AXFR'));
    const primaryZone = zoneLines(await dig(primaryPort, '_agents.acme.com', 'AXFR', '-y', `hmac-sha256:transfer-key:${secret}`));
    expect(secondaryZone.length).toBeGreaterThan(10);
    expect(secondaryZone).toEqual(primaryZone);
    const zoneFile = join(work, 'secondary.zone');
    await writeFile(zoneFile, [...new Set(secondaryZone)].join('\n') + '\n');
    const verified = await run('ldns-verify-zone', [zoneFile]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    expect(verified.stdout + verified.stderr, await readFile(zoneFile, 'utf8')).toMatch(/Zone is verified and complete/);
  });
});
