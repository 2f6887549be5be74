import { randomBytes } from 'node:crypto';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import { SignpostError } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import { checkSigningKeyJwk, signingKeyFromSeed, signingKeyToJwk, type SigningKey } from '../core/trust/ed25519.js';

/** Create a new Ed25519 key file (private JWK, mode 0600). Refuses to overwrite: a lost key is a lost name. */
export async function createKeyFile(path: string): Promise<SigningKey> {
  const seed = new Uint8Array(randomBytes(32));
  const key = signingKeyFromSeed(seed);
  try {
    await writeFile(path, JSON.stringify(signingKeyToJwk(key, seed), null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SignpostError('KEY_FILE_EXISTS', `${path} already exists`);
    throw error;
  }
  // The mode given to writeFile is filtered by the umask; make sure nobody else can read the key.
  await chmod(path, 0o600);
  return key;
}

export async function readKeyFile(path: string): Promise<SigningKey> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SignpostError('KEY_FILE_INVALID', `cannot read ${path}: ${(error as Error).message}`);
  }
  const json = parseStrictJsonBytes(bytes);
  if (!json.ok) throw new SignpostError('KEY_FILE_INVALID', `${path} is not a JSON key file: ${json.problems[0]!.detail}`);
  const parsed = checkSigningKeyJwk(json.value);
  if (!parsed.ok) throw SignpostError.from(parsed.problems.map((p) => ({ ...p, detail: `${path}: ${p.detail}` })));
  return parsed.value.key;
}

/** Read the key file, or create it on first use. */
export async function loadOrCreateKeyFile(path: string): Promise<{ key: SigningKey; created: boolean }> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  return exists ? { key: await readKeyFile(path), created: false } : { key: await createKeyFile(path), created: true };
}
