import { execFile } from 'node:child_process';
import { copyFile, cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, registryFixture, removeDir, runCli, startServer, tempDir, type CliResult } from './support.js';
import { closedLoopbackPort } from '../support/closed-loopback-port.js';

const NAME = 'agent://acme.com/billing/invoices';
const fixture = registryFixture('quickstart');

describe('the README quickstart, as real processes', () => {
  it('keygen writes a 0600 private JWK and refuses to overwrite it', async () => {
    const keygen = await runCli(['keygen', '--out', join(fixture.work, 'agent.jwk')], fixture.env);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout).toMatch(/^did:key:z6Mk\w+\n$/);
    expect((await stat(join(fixture.work, 'agent.jwk'))).mode & 0o777).toBe(0o600);
    const again = await runCli(['keygen', '--out', join(fixture.work, 'agent.jwk')], fixture.env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('KEY_FILE_EXISTS');
  });

  it('registers, resolves with --json (verified), searches, verifies offline, deregisters', async () => {
    const key = join(fixture.work, 'agent.jwk');
    const register = await runCli(
      ['register', '--key', key, '--name', NAME, '--endpoint', 'a2a=https://agents.acme.com/invoices', '--endpoint', 'mcp=https://agents.acme.com/mcp', '--description', 'Creates and sends invoices'],
      fixture.env,
    );
    expect(register.stderr).toBe('');
    expect(register.code).toBe(0);
    expect(register.stdout).toContain(`registered ${NAME}`);

    const resolved = await runCli(['resolve', 'invoices.billing@acme.com', '--protocol', 'mcp', '--json'], fixture.env);
    expect(resolved.code).toBe(0);
    const answer = JSON.parse(resolved.stdout);
    expect(answer).toMatchObject({ name: NAME, verified: true, errors: [], endpoint: { protocol: 'mcp', url: 'https://agents.acme.com/mcp' } });
    expect(answer.endpoints).toHaveLength(2);

    const human = await runCli(['resolve', NAME], fixture.env);
    expect(human.stdout).toContain('verified: yes');

    const search = await runCli(['search', 'invoices', '--json'], fixture.env);
    expect(search.stdout.trim().split('\n').map((line) => JSON.parse(line).name)).toEqual([NAME]);

    // Save the raw answer and verify it offline; then tamper with it.
    const raw = (await fetch(`${fixture.server.url}/v1/resolve?name=${encodeURIComponent(NAME)}`).then((r) => r.json())) as any;
    await writeFile(join(fixture.work, 'answer.json'), JSON.stringify(raw));
    const offline = await runCli(['verify', join(fixture.work, 'answer.json'), '--json'], fixture.env);
    expect(JSON.parse(offline.stdout)).toMatchObject({ verified: true, registryTrusted: true });
    // Someone who never pinned this registry learns the signatures hold, but not that a registry they trust vouched.
    const stranger = await runCli(['verify', join(fixture.work, 'answer.json'), '--json'], { ...fixture.env, SIGNPOST_HOME: join(fixture.work, 'stranger-home') });
    expect(stranger.code).toBe(1);
    expect(JSON.parse(stranger.stdout)).toMatchObject({ verified: false, signaturesVerified: true, registryTrusted: false, errors: [{ code: 'RECORD_COUNTERSIGNATURE_INVALID' }, { code: 'STATUS_LIST_UNAVAILABLE' }] });
    raw.facts.payload.description = 'Sends invoices to the attacker';
    await writeFile(join(fixture.work, 'tampered.json'), JSON.stringify(raw));
    const tampered = await runCli(['verify', join(fixture.work, 'tampered.json'), '--json'], fixture.env);
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout).errors.map((e: { code: string }) => e.code)).toEqual(
      expect.arrayContaining(['FACTS_DIGEST_MISMATCH', 'RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID']),
    );

    const deregister = await runCli(['deregister', NAME, '--key', key], fixture.env);
    expect(deregister.code).toBe(0);
    const gone = await runCli(['resolve', NAME, '--json'], fixture.env);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ verified: false, errors: [{ code: 'AGENT_DEREGISTERED' }] });
  });

  it('refuses a registry whose key changed since it was pinned', async () => {
    const other = await startServer();
    try {
      const pins = join(fixture.work, 'home', 'known-registries.json');
      const known = JSON.parse(await readFile(pins, 'utf8'));
      await writeFile(pins, JSON.stringify({ ...known, [other.url]: known[fixture.server.url] }));
      const result = await runCli(['resolve', NAME, '--registry', other.url, '--json'], fixture.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('REGISTRY_KEY_CHANGED');
    } finally {
      await other.stop();
      await removeDir(other.dataDir);
    }
  });

  it('gives meaningful exit codes: usage 2, unreachable 3', async () => {
    expect((await runCli(['resolve', 'agent://acme.com/Bad_Name', '--json'], fixture.env)).code).toBe(2);
    expect((await runCli(['frobnicate'], fixture.env)).code).toBe(2);
    const unreachable = await runCli(['resolve', NAME, '--registry', `http://127.0.0.1:${await closedLoopbackPort()}`], fixture.env);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('REGISTRY_UNREACHABLE');
  });

  it('keeps records across a restart (embedded SQLite)', async () => {
    const key = join(fixture.work, 'restart.jwk');
    await runCli(['keygen', '--out', key], fixture.env);
    expect((await runCli(['register', '--key', key, '--name', 'agent://acme.com/durable', '--endpoint', 'https=https://d.example'], fixture.env)).code).toBe(0);
    // The same address, so the registry keeps its did:web: the facts credentials it issued name it.
    const { port } = new URL(fixture.server.url);
    await fixture.server.stop();
    fixture.server = await startServer(fixture.server.dataDir, ['--port', port]);
    fixture.env.SIGNPOST_REGISTRY = fixture.server.url;
    const pins = join(fixture.work, 'home', 'known-registries.json');
    const known = JSON.parse(await readFile(pins, 'utf8'));
    const previous = Object.values(known)[0];
    const resolved = await runCli(['resolve', 'agent://acme.com/durable', '--json', '--registry-key', String(previous)], fixture.env);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ verified: true });
  });
});

/** The commands of the README quickstart, as a user pastes them: comments dropped, continued lines joined. */
async function readmeQuickstart(): Promise<string[]> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const block = /## Quickstart\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no quickstart block');
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

const git = (cwd: string, ...args: string[]) => promisify(execFile)('git', ['-C', cwd, '-c', 'user.name=quickstart', '-c', 'user.email=quickstart@example.com', ...args]);

/** A shell command line in `cwd`, as a terminal runs it. */
function shell(line: string, cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

describe('the README quickstart, pasted as it is', () => {
  it('runs every command in a clone of this repository, keeps every secret out of its work tree, and leaves git status clean', async () => {
    // The clone: a git work tree with this repository's .gitignore and examples/ (the quickstart
    // needs nothing else of the checkout); the registry's data in ./signpost-data, as `npx signpost serve` there keeps it.
    const project = await tempDir('readme-project');
    const home = await tempDir('readme-home');
    await git(project, 'init', '--quiet');
    await copyFile(join(REPO, '.gitignore'), join(project, '.gitignore'));
    await cp(join(REPO, 'examples'), join(project, 'examples'), { recursive: true });
    await git(project, 'add', '.gitignore', 'examples');
    await git(project, 'commit', '--quiet', '-m', 'clone');
    let server = await startServer(join(project, 'signpost-data'));
    try {
      const asPasted = (line: string) =>
        line.replaceAll('npx signpost', `"${process.execPath}" "${CLI}"`).replaceAll('http://127.0.0.1:8700', server.url);
      for (const line of await readmeQuickstart()) {
        const result = await shell(asPasted(line), project, { SIGNPOST_HOME: home });
        expect(result.code, `${line}\n${result.stderr}`).toBe(0);
        expect(result.stderr, line).not.toMatch(/warning|error|^\s+at /im);
        if (line.includes('import mcp')) expect(result.stdout, 'the README says 50 servers and one empty entry').toMatch(/^imported 50 \(created 50, updated 0\), unchanged 0, skipped 1\n {2}skipped entry #\d+: NAME_EMPTY/);
        if (line.includes('search --certification HIPAA')) expect(result.stdout, 'the restarted registry counts the auditor').toContain('agent://acme.com/billing/invoices');
        // Step 8: the registry restarts with the trust policy just written (the README says so in its comment).
        if (line.endsWith('> trust-policy.json')) {
          const { port } = new URL(server.url);
          await server.stop();
          server = await startServer(server.dataDir, ['--port', port, '--trust-policy', join(project, 'trust-policy.json')]);
        }
      }
      expect(server.output()).not.toMatch(/warning/i);

      // Every secret is in the key directory, none in the work tree; everything else the quickstart wrote is ignored.
      const keys = join(home, 'keys');
      expect((await stat(keys)).mode & 0o777).toBe(0o700);
      for (const secret of ['invoices.jwk', 'auditor.jwk', 'invoices.tls-key.pem', 'invoices.cred.json']) expect((await stat(join(keys, secret))).mode & 0o777, secret).toBe(0o600);
      expect((await readdir(join(keys, 'imported'))).filter((file) => file.endsWith('.jwk'))).toHaveLength(50);
      expect((await git(project, 'status', '--porcelain', '--untracked-files=all')).stdout).toBe('');
      expect((await git(project, 'ls-files', '--others', '--ignored', '--exclude-standard')).stdout.split('\n').filter((file) => /\.jwk$|tls-key|cred\.json/.test(file) && !file.startsWith('signpost-data/'))).toEqual([]);
    } finally {
      await server.stop();
      await removeDir(project);
      await removeDir(home);
    }
  }, 400_000);

  it('`npm link`, as the README says, puts a signpost that runs from any directory on the PATH', async () => {
    // A prefix of its own stands in for the global one, so the test links nothing on this machine;
    // --ignore-scripts keeps npm from rebuilding dist/ (the prepare script) under the CLI processes
    // of the tests running beside this one: `npm test` has just built it.
    const prefix = await tempDir('npm-link-prefix');
    const elsewhere = await tempDir('npm-link-elsewhere');
    try {
      const link = await shell('npm link --ignore-scripts --offline --no-audit --no-fund', REPO, { npm_config_prefix: prefix });
      expect(link.code, link.stderr).toBe(0);
      const version = await shell('signpost --version', elsewhere, { PATH: `${join(prefix, 'bin')}:${process.env.PATH}` });
      expect(version, version.stderr).toMatchObject({ code: 0, stdout: `${JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version}\n` });
    } finally {
      await removeDir(prefix);
      await removeDir(elsewhere);
    }
  });

  it('warns when a private key lands in a work tree that does not ignore it: keygen, import --keys, serve', async () => {
    const project = await tempDir('unignored-project');
    const home = await tempDir('unignored-home');
    await git(project, 'init', '--quiet');
    const server = await startServer(join(project, 'data'));
    try {
      const env = { SIGNPOST_HOME: home, SIGNPOST_REGISTRY: server.url };
      const keygen = await runCli(['keygen', '--out', join(project, 'agent.jwk')], env);
      expect(keygen.code).toBe(0);
      expect(keygen.stderr).toContain(`warning: ${join(project, 'agent.jwk')} is a private key, inside a git work tree whose .gitignore does not ignore it: it could be committed.`);
      await writeFile(join(project, 'card.json'), JSON.stringify({ name: 'Travel Planner', description: 'Plans trips', version: '1.0.0', url: 'https://travel.acme.com/a2a', skills: [] }));
      const imported = await runCli(['import', 'a2a', join(project, 'card.json'), '--namespace', 'acme.com', '--keys', join(project, 'keys')], env);
      expect(imported.code).toBe(0);
      expect(imported.stderr).toMatch(/^warning: \S+\/keys\/\S+\.jwk is one of the 1 private keys this import wrote to \S+\/keys, inside a git work tree/m);
      expect(server.output()).toContain(`warning: ${join(project, 'data')} is the registry's data directory, with its private keys, inside a git work tree whose .gitignore does not ignore it`);

      // The same, ignored: not a word.
      await writeFile(join(project, '.gitignore'), '*.jwk\n');
      expect((await runCli(['keygen', '--out', join(project, 'ignored.jwk')], env)).stderr).not.toContain('warning');
    } finally {
      await server.stop();
      await removeDir(project);
      await removeDir(home);
    }
  });
});
