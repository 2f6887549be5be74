import { randomBytes } from 'node:crypto';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import { SignpostError } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import { checkSigningKeyJwk, signingKeyFromSeed, signingKeyToJwk, type SigningKey } from '../core/trust/ed25519.js';

/** Create a new Ed25519 key file (private JWK, mode 0600). Refuses to overwrite: a lost key is a lost name. */
export async function createKeyFile(path: string): Promise<SigningKey> {
  const seed = new Uint8Array(randomBytes(32));
  const key = signingKeyFromSeed(seed);
  await writePrivateKeyFile(path, signingKeyToJwk(key, seed));
  return key;
}

/** Write a new private key file as JSON, mode 0600; KEY_FILE_EXISTS rather than overwrite one. */
export async function writePrivateKeyFile(path: string, content: object): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SignpostError('KEY_FILE_EXISTS', `${path} already exists`);
    throw error;
  }
  // The mode given to writeFile is filtered by the umask; make sure nobody else can read the key.
  await chmod(path, 0o600);
}

export async function readKeyFile(path: string): Promise<SigningKey> {
  const parsed = checkSigningKeyJwk(await readJsonKeyFile(path));
  if (!parsed.ok) throw SignpostError.from(parsed.problems.map((p) => ({ ...p, detail: `${path}: ${p.detail}` })));
  return parsed.value.key;
}

/** The JSON of a key file, unchecked (the caller knows its kind of key); KEY_FILE_INVALID if unreadable or not JSON. */
export async function readJsonKeyFile(path: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SignpostError('KEY_FILE_INVALID', `cannot read ${path}: ${(error as Error).message}`);
  }
  const json = parseStrictJsonBytes(bytes);
  if (!json.ok) throw new SignpostError('KEY_FILE_INVALID', `${path} is not a JSON key file: ${json.problems[0]!.detail}`);
  return json.value;
}

/** Read the key file, or create it on first use. */
export async function loadOrCreateKeyFile(path: string): Promise<{ key: SigningKey; created: boolean }> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  return exists ? { key: await readKeyFile(path), created: false } : { key: await createKeyFile(path), created: true };
}
