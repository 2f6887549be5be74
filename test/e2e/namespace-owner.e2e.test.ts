/**
 * A namespace owner (did:web:acme.com, its DID document pinned with `serve --did-document`, so the
 * registry never needs acme.com's web server) suspends, reinstates and revokes an agent of
 * agent://acme.com/ with its own key: it never holds the agent's key.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/adapters/key-file.js';
import { nextSigningSecond } from './signing-second.js';
import { removeDir, runCli, startServer, tempDir, type RunningServer, registerWithCli } from './support.js';

const OWNER = 'did:web:acme.com#key-1';
let server: RunningServer;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  work = await tempDir('namespace-owner');
  expect((await runCli(['keygen', '--out', join(work, 'acme-owner.jwk')])).code).toBe(0);
  const owner = await readKeyFile(join(work, 'acme-owner.jwk'));
  const document = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: 'did:web:acme.com',
    verificationMethod: [{ id: OWNER, type: 'Multikey', controller: 'did:web:acme.com', publicKeyMultibase: owner.did.slice('did:key:'.length) }],
    assertionMethod: [OWNER],
  };
  await writeFile(join(work, 'acme.did.json'), JSON.stringify(document));
  server = await startServer(undefined, ['--did-document', join(work, 'acme.did.json')]);
  env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
});

afterAll(async () => {
  await server?.stop();
  if (work) await removeDir(work);
  if (server) await removeDir(server.dataDir);
});

const registerAgent = (name: string, key: string) => registerWithCli(env, name, key);

async function resolveCode(name: string): Promise<string | undefined> {
  const answer = JSON.parse((await runCli(['resolve', name, '--json'], env)).stdout) as { verified: boolean; errors: { code: string }[] };
  return answer.verified ? undefined : answer.errors[0]?.code;
}

const asOwner = (args: string[], key = join(work, 'acme-owner.jwk')) => runCli([...args, '--key', key, '--as', OWNER], env);

describe('namespace owners, against a real registry process', () => {
  it('the owner of acme.com suspends, reinstates and revokes an agent of its namespace; the agent cannot overrule it', async () => {
    const name = 'agent://acme.com/support/bot';
    const agentKey = join(work, 'bot.jwk');
    await registerAgent(name, agentKey);

    const suspended = await asOwner(['revoke', name, '--suspend', '--reason', 'under review by acme security']);
    expect(suspended.stdout).toContain(`${name} is now suspended (suspend by ${OWNER})`);
    expect(await resolveCode(name)).toBe('AGENT_SUSPENDED');
    const selfLift = await runCli(['revoke', name, '--reinstate', '--key', agentKey, '--reason', 'it was not me'], env);
    expect(selfLift.code).toBe(1);
    expect(selfLift.stderr).toContain('REVOCATION_NOT_AUTHORIZED');

    // Status changes are ordered by their signing second: the reinstatement must be dated after the suspension.
    await nextSigningSecond();
    expect((await asOwner(['revoke', name, '--reinstate', '--reason', 'review passed'])).code).toBe(0);
    expect(await resolveCode(name)).toBeUndefined();
    // A revocation is final, so it is not ordered after earlier changes: no wait.
    expect((await asOwner(['revoke', name, '--reason', 'agent retired by acme'])).code).toBe(0);
    expect(await resolveCode(name)).toBe('AGENT_REVOKED');
  });

  it('refuses the owner outside its namespace, a key its document does not list, and an unknown owner key id', async () => {
    const foreign = 'agent://other.example/tool';
    await registerAgent(foreign, join(work, 'tool.jwk'));
    const outside = await asOwner(['revoke', foreign, '--reason', 'not yours']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('REVOCATION_NOT_AUTHORIZED');

    const name = 'agent://acme.com/billing/helper';
    const agentKey = join(work, 'helper.jwk');
    await registerAgent(name, agentKey);
    // The agent's own key claiming to be acme.com's #key-1: the document lists another key.
    const forged = await asOwner(['revoke', name, '--reason', 'forged owner'], agentKey);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('RECORD_SIGNATURE_INVALID');
    const unknownKey = await runCli(['revoke', name, '--key', join(work, 'acme-owner.jwk'), '--as', 'did:web:acme.com#key-9', '--reason', 'no such key'], env);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('REVOCATION_NOT_AUTHORIZED');
    expect(await resolveCode(name)).toBeUndefined();
    expect(await resolveCode(foreign)).toBeUndefined();
  });
});
