/**
 * Ordinary mistakes get one line saying what to do, `error CODE: …`, and the exit code the README
 * promises (2 bad input: arguments, files, ports; 3 unreachable), never a stack trace unless
 * --debug asks for one. Real processes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registryFixture, runCli, type CliResult } from './support.js';
import { closedLoopbackPort } from '../support/closed-loopback-port.js';

const NAME = 'agent://acme.com/billing/invoices';
const fixture = registryFixture('cli-errors');
const file = (name: string) => join(fixture.work, name);

/** One line, `error CODE: …`, and no stack. */
function expectOneClearLine(result: CliResult, code: string, exit: number, saying: string | RegExp): void {
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: `));
  expect(lines[0]).toMatch(saying);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.code).toBe(exit);
}

beforeAll(async () => {
  await mkdir(file('a-directory'));
  await writeFile(file('not-a-directory'), 'a file');
  expect((await runCli(['keygen', '--out', file('agent.jwk')], fixture.env)).code).toBe(0);
});

describe('signpost serve', () => {
  it('on a port in use: exit 2, saying to stop the other server or choose another --port', async () => {
    const { port } = new URL(fixture.server.url);
    const result = await runCli(['serve', '--port', port, '--data', file('second-data')], fixture.env, 60_000);
    expectOneClearLine(result, 'LISTEN_FAILED', 2, `127.0.0.1:${port} is already in use (another signpost serve, or another program): stop it, or choose another --port or --dns-port (0 picks a free one)`);
  });

  it('on a DNS port in use: the same clear error; the DNS zone key made before it stays for the next start', async () => {
    const { port } = new URL(fixture.server.url);
    const result = await runCli(['serve', '--port', '0', '--dns-port', port, '--data', file('dns-data')], fixture.env, 60_000);
    expectOneClearLine(result, 'LISTEN_FAILED', 2, `127.0.0.1:${port} is already in use (another signpost serve, or another program): stop it, or choose another --port or --dns-port (0 picks a free one)`);
    const again = await runCli(['dns', 'ds', 'acme.com', '--data', file('dns-data')], fixture.env);
    expect(again.code).toBe(0);
  });

  it('with a bad TSIG key file, or a transfer naming a key it lacks: exit 2, naming the file and line or the key, never the secret', async () => {
    const keys = file('tsig.keys');
    await writeFile(keys, '# keys\ntransfer-key:hmac-md5:c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=\n', { mode: 0o600 });
    const dns = ['serve', '--port', '0', '--dns-port', '0', '--data', file('tsig-data'), '--dns-tsig-key-file', keys];
    const badLine = await runCli([...dns, '--dns-allow-transfer', '127.0.0.1=transfer-key'], fixture.env, 60_000);
    expectOneClearLine(badLine, 'KEY_FILE_INVALID', 2, `${keys}:2: key transfer-key: algorithm "hmac-md5" is not one of hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512`);
    expect(badLine.stderr).not.toContain('c2lnbnBvc3Q');
    await writeFile(keys, 'transfer-key:hmac-sha256:c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=\n', { mode: 0o600 });
    const unknownKey = await runCli([...dns, '--dns-notify', '127.0.0.1:5301=other-key'], fixture.env, 60_000);
    expectOneClearLine(unknownKey, 'REQUEST_INVALID', 2, `--dns-notify names the TSIG key other-key, which the --dns-tsig-key-file does not hold (it has transfer-key)`);
  });

  it('with a data directory below a file: exit 2, naming the path', async () => {
    const result = await runCli(['serve', '--port', '0', '--data', file('not-a-directory/data')], fixture.env, 60_000);
    expectOneClearLine(result, 'FILE_UNUSABLE', 2, `${file('not-a-directory/data')}: part of the path is a file, not a directory: check the path`);
  });
});

describe('files that are missing, are directories, or cannot be written', () => {
  it.each([
    ['register --facts, missing', () => ['register', '--key', file('agent.jwk'), '--name', NAME, '--facts', file('missing.json')], () => `cannot read ${file('missing.json')}: no such file or directory`],
    ['register --facts, a directory', () => ['register', '--key', file('agent.jwk'), '--name', NAME, '--facts', file('a-directory')], () => `cannot read ${file('a-directory')}: it is a directory: give a file`],
    ['verify, missing', () => ['verify', file('missing.json')], () => `cannot read ${file('missing.json')}: no such file or directory`],
    ['verify, a directory', () => ['verify', file('a-directory')], () => 'it is a directory: give a file'],
    ['certification add, missing', () => ['certification', 'add', NAME, file('missing.json')], () => `cannot read ${file('missing.json')}`],
    ['import mcp, missing', () => ['import', 'mcp', file('missing.json'), '--keys', file('keys')], () => `cannot read ${file('missing.json')}`],
    ['import a2a, missing', () => ['import', 'a2a', file('missing.json'), '--keys', file('keys')], () => `cannot read ${file('missing.json')}`],
    ['cert show, missing', () => ['cert', 'show', file('missing.pem')], () => `cannot read ${file('missing.pem')}`],
    ['disclose derive, missing', () => ['disclose', 'derive', file('missing.json'), '--capability', 'x', '--out', file('proof.json')], () => `cannot read ${file('missing.json')}`],
    ['keygen --out, into a missing directory', () => ['keygen', '--out', file('missing-directory/agent.jwk')], () => `${file('missing-directory/agent.jwk')}: no such file or directory: check the path`],
    ['keygen --out, a directory', () => ['keygen', '--out', file('a-directory')], () => `${file('a-directory')}: it is a directory: give a file`],
    ['import --keys, below a file', () => ['import', 'mcp', file('servers.json'), '--keys', file('not-a-directory/keys')], () => 'part of the path is a file, not a directory'],
    [
      'certification issue --out, into a missing directory',
      () => ['certification', 'issue', '--key', file('agent.jwk'), '--name', NAME, '--certification', 'HIPAA', '--subject', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', '--out', file('missing-directory/vc.json')],
      () => `${file('missing-directory/vc.json')}: no such file or directory: check the path`,
    ],
  ])('%s: exit 2, one line naming the file', async (_case, args, saying) => {
    await writeFile(file('servers.json'), '[]');
    expectOneClearLine(await runCli(args(), fixture.env), 'FILE_UNUSABLE', 2, new RegExp(escape(saying())));
  });

  it('register --key, missing: exit 2, KEY_FILE_INVALID', async () => {
    expectOneClearLine(await runCli(['register', '--key', file('missing.jwk'), '--name', NAME], fixture.env), 'KEY_FILE_INVALID', 2, `cannot read ${file('missing.jwk')}`);
  });
});

describe('a registry out of reach', () => {
  it.each([['register'], ['search']])('%s: exit 3, REGISTRY_UNREACHABLE', async (command) => {
    const args = command === 'register' ? ['register', '--key', file('agent.jwk'), '--name', NAME] : ['search', 'invoices'];
    expectOneClearLine(await runCli([...args, '--registry', `http://127.0.0.1:${await closedLoopbackPort()}`], fixture.env), 'REGISTRY_UNREACHABLE', 3, 'http://127.0.0.1:');
  });
});

describe('--debug', () => {
  it('adds the stack trace after that line, wherever it stands on the command line', async () => {
    for (const args of [['--debug', 'keygen', '--out', file('missing-directory/a.jwk')], ['keygen', '--out', file('missing-directory/a.jwk'), '--debug']]) {
      const result = await runCli(args, fixture.env);
      expect(result.stderr).toMatch(/^error FILE_UNUSABLE: .*no such file or directory: check the path\nError: ENOENT[^\n]*\n\s+at /);
      expect(result.code).toBe(2);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
