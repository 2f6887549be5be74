/**
 * The CLI's own state in $SIGNPOST_HOME (the registry keys it pinned, the log heads it accepted):
 * one JSON object per file, read with the strict reader and written whole: write, then rename, so
 * concurrent runs never see half a file; 0600 in a 0700 directory.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SignpostError } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import { signpostHome } from './cli-context.js';

export function stateFile(name: string): string {
  return join(signpostHome(), name);
}

/**
 * The object in `file`, every member of which passes `isMember`; {} when there is no file yet.
 * KEY_FILE_INVALID when it cannot be read or is not such an object (`describes` says what it holds).
 */
export async function readStateObject<T>(file: string, isMember: (value: unknown) => value is T, describes: string): Promise<Record<string, T>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SignpostError('KEY_FILE_INVALID', `${file} is unreadable: ${(error as Error).message}`);
  }
  const parsed = parseStrictJsonBytes(bytes);
  const value = parsed.ok ? parsed.value : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every(isMember)) {
    throw new SignpostError('KEY_FILE_INVALID', `${file} is not a JSON object of ${describes}${parsed.ok ? '' : `: ${parsed.problems[0]!.detail}`}`);
  }
  return value as Record<string, T>;
}

export async function writeStateObject(file: string, value: Readonly<Record<string, unknown>>): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  await rename(temporary, file);
}
