import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSigningSecond } from './signing-second.js';
import { registryFixture, runCli, registerWithCli } from './support.js';

const fixture = registryFixture('revocation');

const registerAgent = (name: string, key: string) => registerWithCli(fixture.env, name, key);

describe('revocation and suspension through the CLI, against a real registry process', () => {
  it('an agent revokes itself: resolve refuses it at once, with the reason', async () => {
    const name = 'agent://acme.com/leaky';
    const key = join(fixture.work, 'leaky.jwk');
    await registerAgent(name, key);
    expect(JSON.parse((await runCli(['resolve', name, '--json'], fixture.env)).stdout)).toMatchObject({ verified: true });

    const revoked = await runCli(['revoke', name, '--key', key, '--reason', 'private key leaked'], fixture.env);
    expect(revoked.stdout).toContain(`${name} is now revoked`);
    const resolved = await runCli(['resolve', name, '--json'], fixture.env);
    expect(resolved.code).toBe(1);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ verified: false, endpoint: null, errors: [{ code: 'AGENT_REVOKED', detail: expect.stringContaining('private key leaked') }] });
    // The stolen key can no longer re-register the name.
    const again = await runCli(['register', '--key', key, '--name', name, '--endpoint', 'a2a=https://evil.example/a2a'], fixture.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('AGENT_REVOKED');
  });

  it('the registry operator suspends and reinstates an agent; the agent cannot lift it itself', async () => {
    const name = 'agent://acme.com/suspect';
    const key = join(fixture.work, 'suspect.jwk');
    await registerAgent(name, key);
    const operatorKey = join(fixture.server.dataDir, 'registry-key.jwk');
    expect((await runCli(['revoke', name, '--suspend', '--key', operatorKey, '--reason', 'abuse report'], fixture.env)).code).toBe(0);
    expect(JSON.parse((await runCli(['resolve', name, '--json'], fixture.env)).stdout).errors[0].code).toBe('AGENT_SUSPENDED');
    const selfLift = await runCli(['revoke', name, '--reinstate', '--key', key, '--reason', 'not me'], fixture.env);
    expect(selfLift.code).toBe(1);
    expect(selfLift.stderr).toContain('REVOCATION_NOT_AUTHORIZED');
    // Status changes are ordered by their signing second: the reinstatement must be dated after the suspension.
    await nextSigningSecond();
    expect((await runCli(['revoke', name, '--reinstate', '--key', operatorKey, '--reason', 'report was false'], fixture.env)).code).toBe(0);
    expect(JSON.parse((await runCli(['resolve', name, '--json'], fixture.env)).stdout)).toMatchObject({ verified: true });
  });

  it('a stranger cannot revoke someone else’s agent', async () => {
    const name = 'agent://acme.com/target';
    await registerAgent(name, join(fixture.work, 'target.jwk'));
    expect((await runCli(['keygen', '--out', join(fixture.work, 'stranger.jwk')], fixture.env)).code).toBe(0);
    const attempt = await runCli(['revoke', name, '--key', join(fixture.work, 'stranger.jwk'), '--reason', 'because'], fixture.env);
    expect(attempt.code).toBe(1);
    expect(attempt.stderr).toContain('REVOCATION_NOT_AUTHORIZED');
    expect(JSON.parse((await runCli(['resolve', name, '--json'], fixture.env)).stdout)).toMatchObject({ verified: true });
  });
});
