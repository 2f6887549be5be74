import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryFixture, removeDir, runCli, startServer } from './support.js';

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
    const unreachable = await runCli(['resolve', NAME, '--registry', 'http://127.0.0.1:9'], fixture.env);
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
