/**
 * Private keys and other secrets the CLI reads and writes. A secret named without a directory
 * (`invoices.jwk`) lives in the key directory, $SIGNPOST_HOME/keys (mode 0700), out of any
 * project's work tree, so a quickstart run in a clone leaves no key where git picks it up; a path
 * with a directory (`./invoices.jwk`, `keys/a.jwk`, `/abs/a.jwk`) is used as given. Whenever the
 * CLI writes a secret inside a git work tree that does not ignore it, it says so on stderr.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access, link, mkdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createKeyFile, readKeyFile } from '../adapters/key-file.js';
import { SignpostError } from '../core/errors.js';
import type { SigningKey } from '../core/trust/ed25519.js';
import { signpostHome } from './cli-context.js';
import { fileFailureReason } from './failure-report.js';

export function keyDirectory(): string {
  return join(signpostHome(), 'keys');
}

/** The file a secret argument names: a bare name is in the key directory, anything else as given. */
export function secretPath(argument: string): string {
  return isBareName(argument) ? join(keyDirectory(), argument) : argument;
}

/** Where to write a secret the argument names; the key directory is made (0700) when it is the place. */
export async function secretDestination(argument: string): Promise<string> {
  if (isBareName(argument)) await ensureKeyDirectory();
  return secretPath(argument);
}

/** Where to write a new private key the argument names: refused with KEY_FILE_EXISTS when a file is there, as a key is never overwritten. */
export async function newSecretDestination(argument: string): Promise<string> {
  const path = await secretDestination(argument);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new SignpostError('FILE_UNUSABLE', `${path}: ${fileFailureReason('EISDIR')}`);
  if (existing !== undefined) throw new SignpostError('KEY_FILE_EXISTS', `${path} already exists`);
  return path;
}

async function ensureKeyDirectory(): Promise<string> {
  const directory = keyDirectory();
  await mkdir(directory, { recursive: true, mode: 0o700 });
  return directory;
}

/**
 * The signing key (an agent's, an issuer's, the operator's) an argument names (see secretPath). A
 * bare name missing from the key directory while a file of that name sits in the current directory
 * is the one surprise of the rule: say so.
 */
export async function readSigningKey(argument: string): Promise<SigningKey> {
  const path = secretPath(argument);
  try {
    return await readKeyFile(path);
  } catch (error) {
    if (path !== argument && !(await exists(path)) && (await exists(argument))) {
      throw new SignpostError('KEY_FILE_INVALID', `${path} does not exist: a key named without a directory is kept in ${keyDirectory()}; for the file in this directory write ./${argument}`);
    }
    throw error;
  }
}

/**
 * A new agent key (private JWK, 0600, never overwriting a file): where `out` says (see secretPath),
 * else in the key directory named after its did:key (`z6Mk….jwk`), so no name can collide.
 */
export async function createAgentKey(out: string | undefined): Promise<{ key: SigningKey; path: string }> {
  if (out !== undefined) {
    const path = await newSecretDestination(out);
    return { key: await createKeyFile(path), path };
  }
  const directory = await ensureKeyDirectory();
  const temporary = join(directory, `.new-${randomUUID()}.jwk`);
  const key = await createKeyFile(temporary);
  const path = join(directory, `${key.did.slice('did:key:'.length)}.jwk`);
  try {
    await link(temporary, path);
  } finally {
    await unlink(temporary);
  }
  return { key, path };
}

/**
 * Warn on stderr when `path`, a secret just written (`what` says which), is inside a git work tree
 * and no .gitignore ignores it: the next `git add .` would commit it. Asks `git check-ignore`;
 * without git, any `.git` above the file counts as a work tree that may not ignore it. `elsewhere`
 * says where such a secret belongs instead.
 */
export async function warnIfCommittable(path: string, what: string, elsewhere = `a bare name (e.g. invoices.jwk) is kept in ${keyDirectory()}`): Promise<void> {
  const verdict = await gitIgnoreVerdict(resolve(path));
  if (verdict === 'ignored' || verdict === 'outside') return;
  const where = verdict === 'exposed' ? 'a git work tree whose .gitignore does not ignore it' : 'a git work tree (git is not installed to check its .gitignore)';
  process.stderr.write(`warning: ${path} is ${what}, inside ${where}: it could be committed. Add it to .gitignore, or keep it out of the tree: ${elsewhere}.\n`);
}

type IgnoreVerdict = 'ignored' | 'exposed' | 'outside' | 'no-git';

function gitIgnoreVerdict(absolute: string): Promise<IgnoreVerdict> {
  return new Promise((done) => {
    execFile('git', ['-C', dirname(absolute), 'check-ignore', '--quiet', '--', absolute], { timeout: 10_000 }, (error) => {
      if (error === null) return done('ignored');
      // A spawn failure carries the errno as its code; a finished git its exit status (1: not ignored, 128: no work tree).
      if (error.code === 'ENOENT') return void insideGitWorkTree(dirname(absolute)).then((inside) => done(inside ? 'no-git' : 'outside'));
      done(error.code === 1 ? 'exposed' : 'outside');
    });
  });
}

async function insideGitWorkTree(directory: string): Promise<boolean> {
  for (let current = directory; ; current = dirname(current)) {
    if (await exists(join(current, '.git'))) return true;
    if (dirname(current) === current) return false;
  }
}

function isBareName(argument: string): boolean {
  return argument !== '' && argument !== '.' && argument !== '..' && basename(argument) === argument;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
