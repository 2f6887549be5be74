import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/adapters/key-file.js';
import { registryFixture, runCli } from './support.js';

const fixture = registryFixture('rotation');

async function keygen(file: string): Promise<string> {
  const result = await runCli(['keygen', '--out', join(fixture.work, file)], fixture.env);
  expect(result.code).toBe(0);
  return join(fixture.work, file);
}

async function storedAgent(name: string): Promise<{ agentId: string; seq: number; addr: { payload: { nextKeySha256?: string } }; rotations?: { payload: { from: string; to: string }; countersig: { by: string } }[] }> {
  const response = await fetch(`${fixture.server.url}/v1/agents/${encodeURIComponent(name)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

async function didOf(keyFile: string): Promise<string> {
  return (await readKeyFile(keyFile)).did;
}

describe('key rotation through the CLI, against a real registry process', () => {
  it('pre-announces the next key, refuses a thief holding only the current key, rotates, and locks the old key out', async () => {
    const name = 'agent://acme.com/billing/rotating';
    const [first, second, third, thief] = [await keygen('first.jwk'), await keygen('second.jwk'), await keygen('third.jwk'), await keygen('thief.jwk')];
    const registered = await runCli(['register', '--key', first, '--name', name, '--description', 'Rotates its keys', '--endpoint', 'a2a=https://agents.example/a2a', '--next-key', second], fixture.env);
    expect(registered.stderr).toBe('');
    const announced = await storedAgent(name);
    expect(announced.addr.payload.nextKeySha256).toMatch(/^[0-9a-f]{64}$/);

    // An ordinary update under the current key keeps the commitment (the CLI carries it over).
    const updated = await runCli(['register', '--key', first, '--name', name, '--description', 'Rotates its keys, updated', '--endpoint', 'a2a=https://agents.example/a2a'], fixture.env);
    expect(updated.stderr).toBe('');
    expect((await storedAgent(name)).addr.payload.nextKeySha256).toBe(announced.addr.payload.nextKeySha256);

    // A thief with the current key cannot move the name to its own key.
    const before = await storedAgent(name);
    const stolen = await runCli(['rotate', name, '--key', first, '--new-key', thief], fixture.env);
    expect(stolen.code).toBe(1);
    expect(stolen.stderr).toContain('KEY_ROTATION_INVALID');
    expect(await storedAgent(name)).toEqual(before);

    // The owner rotates to the announced key and announces the one after.
    const rotated = await runCli(['rotate', name, '--key', first, '--new-key', second, '--next-key', third], fixture.env);
    expect(rotated.stderr).toBe('');
    expect(rotated.stdout).toContain('rotated agent://acme.com/billing/rotating');
    const after = await storedAgent(name);
    expect(after.agentId).toBe(await didOf(second));
    expect(after.rotations).toHaveLength(1);
    expect(after.rotations![0]!.payload).toMatchObject({ from: await didOf(first), to: await didOf(second) });
    const resolved = JSON.parse((await runCli(['resolve', name, '--json'], fixture.env)).stdout);
    expect(resolved).toMatchObject({ verified: true, errors: [] });
    // The claims carried over to the new key's facts.
    const facts = (await (await fetch(`${fixture.server.url}/v1/agents/${encodeURIComponent(name)}/facts`)).json()) as { payload: { id: string; description: string } };
    expect(facts.payload).toMatchObject({ id: await didOf(second), description: 'Rotates its keys, updated' });

    // The old key can do nothing for the name any more.
    for (const args of [
      ['register', '--key', first, '--name', name, '--endpoint', 'a2a=https://evil.example/a2a'],
      ['deregister', name, '--key', first, '--release'],
      ['revoke', name, '--key', first, '--reason', 'taking it down'],
      ['rotate', name, '--key', first, '--new-key', thief],
    ]) {
      const attempt = await runCli(args, fixture.env);
      expect({ args: args[0], code: attempt.code, refused: attempt.stderr.includes('KEY_ROTATED_OUT') }).toEqual({ args: args[0], code: 1, refused: true });
    }
    expect(await storedAgent(name)).toEqual(after);
  });

  it('recovers to the announced key after a thief holding the current key suspends or deregisters the name', async () => {
    const [current, next, third] = [await keygen('victim-current.jwk'), await keygen('victim-next.jwk'), await keygen('victim-third.jwk')];
    const factsFile = join(fixture.work, 'victim-facts.json');
    await writeFile(factsFile, JSON.stringify({ label: 'Victim', description: 'Recovers from a stolen key', endpoints: { static: [{ url: 'https://agents.example/victim', protocol: 'a2a' }] } }));
    for (const [name, block] of [
      ['agent://acme.com/victims/suspended', ['revoke', 'agent://acme.com/victims/suspended', '--suspend', '--key', current, '--reason', 'thief blocks recovery']],
      ['agent://acme.com/victims/deregistered', ['deregister', 'agent://acme.com/victims/deregistered', '--key', current]],
    ] as const) {
      expect((await runCli(['register', '--key', current, '--name', name, '--facts', factsFile, '--next-key', next], fixture.env)).stderr).toBe('');
      expect((await runCli([...block], fixture.env)).code).toBe(0);
      // The registry serves no facts for the name now: the owner brings them.
      const withoutFacts = await runCli(['rotate', name, '--key', current, '--new-key', next], fixture.env);
      expect(withoutFacts.code).toBe(1);
      const recovered = await runCli(['rotate', name, '--key', current, '--new-key', next, '--facts', factsFile, '--next-key', third], fixture.env);
      expect(recovered.stderr).toBe('');
      expect(JSON.parse((await runCli(['resolve', name, '--json'], fixture.env)).stdout)).toMatchObject({ verified: true, errors: [] });
      expect((await storedAgent(name)).agentId).toBe(await didOf(next));
    }
  });
});
