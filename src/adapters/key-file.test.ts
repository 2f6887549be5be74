import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyFile, loadOrCreateKeyFile, readKeyFile } from './key-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signpost-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key files', () => {
  it('creates a 0600 private JWK that reads back as the same key', async () => {
    const key = await createKeyFile(join(dir, 'a.jwk'));
    expect((await stat(join(dir, 'a.jwk'))).mode & 0o777).toBe(0o600);
    const jwk = JSON.parse(await readFile(join(dir, 'a.jwk'), 'utf8'));
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: key.did });
    expect((await readKeyFile(join(dir, 'a.jwk'))).did).toBe(key.did);
  });

  it('never overwrites an existing key', async () => {
    await createKeyFile(join(dir, 'a.jwk'));
    const before = await readFile(join(dir, 'a.jwk'), 'utf8');
    await expect(createKeyFile(join(dir, 'a.jwk'))).rejects.toMatchObject({ code: 'KEY_FILE_EXISTS' });
    expect(await readFile(join(dir, 'a.jwk'), 'utf8')).toBe(before);
  });

  it('refuses files that are not Ed25519 private JWKs', async () => {
    await writeFile(join(dir, 'text'), 'not json');
    await writeFile(join(dir, 'public'), JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'abc' }));
    await expect(readKeyFile(join(dir, 'text'))).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    await expect(readKeyFile(join(dir, 'public'))).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    await expect(readKeyFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
  });

  it('loads the key on later starts and creates it only the first time', async () => {
    const first = await loadOrCreateKeyFile(join(dir, 'registry.jwk'));
    const second = await loadOrCreateKeyFile(join(dir, 'registry.jwk'));
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.key.did).toBe(first.key.did);
  });
});
