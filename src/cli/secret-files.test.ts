import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignpostError } from '../core/errors.js';
import { createAgentKey, readSigningKey, secretPath, warnIfCommittable } from './secret-files.js';
import { captureStderr } from '../../test/support/capture-stderr.js';

let dir: string;
let home: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signpost-secret-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function freshHome(): Promise<string> {
  home = await mkdtemp(join(dir, 'home-'));
  vi.stubEnv('SIGNPOST_HOME', home);
  return home;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('where secrets go', () => {
  it('a bare name is in $SIGNPOST_HOME/keys; a path with a directory is used as given', async () => {
    await freshHome();
    expect(secretPath('invoices.jwk')).toBe(join(home, 'keys', 'invoices.jwk'));
    for (const path of ['./invoices.jwk', 'keys/invoices.jwk', '/abs/invoices.jwk', '..', '.']) expect(secretPath(path)).toBe(path);
  });

  it('keygen without --out: a 0600 key in a 0700 key directory, named after its did:key', async () => {
    await freshHome();
    const { key, path } = await createAgentKey(undefined);
    expect(path).toBe(join(home, 'keys', `${key.did.slice('did:key:'.length)}.jwk`));
    expect(await readdir(join(home, 'keys'))).toEqual([`${key.did.slice('did:key:'.length)}.jwk`]);
    expect(await mode(join(home, 'keys'))).toBe(0o700);
    expect(await mode(path)).toBe(0o600);
    expect((await readSigningKey(path)).did).toBe(key.did);
  });

  it('keygen --out NAME writes there, and --key NAME reads it back; a directory or an existing file is refused', async () => {
    await freshHome();
    const { key, path } = await createAgentKey('invoices.jwk');
    expect(path).toBe(join(home, 'keys', 'invoices.jwk'));
    expect((await readSigningKey('invoices.jwk')).did).toBe(key.did);
    expect(((await createAgentKey('invoices.jwk').catch((error: unknown) => error)) as SignpostError).code).toBe('KEY_FILE_EXISTS');
    expect(((await createAgentKey(dir).catch((error: unknown) => error)) as SignpostError).problems[0]).toEqual({ code: 'FILE_UNUSABLE', detail: `${dir}: it is a directory: give a file` });
  });

  it('a bare name missing from the key directory but present here: the error says how to name the file here', async () => {
    await freshHome();
    const cwd = process.cwd();
    const here = await mkdtemp(join(dir, 'cwd-'));
    try {
      process.chdir(here);
      await createAgentKey('./local.jwk');
      const refused = (await readSigningKey('local.jwk').catch((error: unknown) => error)) as SignpostError;
      expect(refused.problems[0]?.code).toBe('KEY_FILE_INVALID');
      expect(refused.problems[0]?.detail).toContain('for the file in this directory write ./local.jwk');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('warnIfCommittable', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await mkdtemp(join(dir, 'repo-'));
    execFileSync('git', ['init', '--quiet', repo]);
    await mkdir(join(repo, 'ignored'));
    await writeFile(join(repo, '.gitignore'), 'ignored/\n*.tls-key.pem\n');
  });

  const warningFor = async (path: string) => {
    const stderr = captureStderr();
    await writeFile(path, 'secret');
    await warnIfCommittable(path, 'a private key');
    vi.restoreAllMocks();
    return stderr();
  };

  it('warns for a secret inside a git work tree that does not ignore it', async () => {
    await freshHome();
    expect(await warningFor(join(repo, 'agent.jwk'))).toBe(
      `warning: ${join(repo, 'agent.jwk')} is a private key, inside a git work tree whose .gitignore does not ignore it: it could be committed. ` +
        `Add it to .gitignore, or keep it out of the tree: a bare name (e.g. invoices.jwk) is kept in ${join(home, 'keys')}.\n`,
    );
  });

  it('says nothing when .gitignore ignores it (by directory or by pattern), or outside any work tree', async () => {
    expect(await warningFor(join(repo, 'ignored', 'agent.jwk'))).toBe('');
    expect(await warningFor(join(repo, 'agent.tls-key.pem'))).toBe('');
    expect(await warningFor(join(dir, 'outside.jwk'))).toBe('');
  });

  it('without git, warns for any file under a .git directory, and says it could not check', async () => {
    vi.stubEnv('PATH', join(dir, 'no-programs-here'));
    expect(await warningFor(join(repo, 'ignored', 'no-git.jwk'))).toContain('inside a git work tree (git is not installed to check its .gitignore): it could be committed');
    expect(await warningFor(join(dir, 'outside-no-git.jwk'))).toBe('');
  });
});
