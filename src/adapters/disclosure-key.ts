import { randomBytes } from 'node:crypto';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignpostError } from '../core/errors.js';
import { createIssuerKeyPair, exportIssuerKeyPair, importIssuerKeyPair, type IssuerKeyPair } from '../core/trust/disclosure/issuer-keys.js';

export const DISCLOSURE_KEY_FILE = 'disclosure-key.json';

export interface LoadedDisclosureKey {
  /** Named by its own did:key; the registry renames it `<did:web>#bbs-1` once it knows its did:web. */
  readonly keyPair: IssuerKeyPair;
  readonly created: boolean;
  readonly path: string;
}

/**
 * The registry's BLS12-381 G2 issuer key for bbs-2023 capability credentials:
 * `<dataDir>/disclosure-key.json`, a Multikey document whose `secretKeyMultibase` is the secret
 * (mode 0600, never overwritten). Created on first use from 32 fresh random bytes, read and checked
 * (the public key must be the secret's) afterwards. The file names the key by its own did:key, not
 * the registry's did:web, because the did:web follows the public URL, which may change between runs.
 */
export async function loadOrCreateDisclosureKey(dataDir: string): Promise<LoadedDisclosureKey> {
  const path = join(dataDir, DISCLOSURE_KEY_FILE);
  if (await exists(path)) return { keyPair: await readDisclosureKey(path), created: false, path };
  const keyPair = await createIssuerKeyPair({ seed: new Uint8Array(randomBytes(32)) });
  try {
    await writeFile(path, JSON.stringify(exportIssuerKeyPair(keyPair), null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SignpostError('KEY_FILE_EXISTS', `${path} already exists`);
    throw error;
  }
  // The mode given to writeFile is filtered by the umask; make sure nobody else can read the key.
  await chmod(path, 0o600);
  return { keyPair, created: true, path };
}

export async function readDisclosureKey(path: string): Promise<IssuerKeyPair> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SignpostError('KEY_FILE_INVALID', `cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  const imported = await importIssuerKeyPair(json);
  if (!imported.ok) throw new SignpostError('KEY_FILE_INVALID', `${path}: ${imported.problems[0]?.detail ?? 'not an issuer key'}`);
  return imported.value;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
