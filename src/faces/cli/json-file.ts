/**
 * JSON files named on the command line (credentials, derived proofs, DID documents): one reader,
 * so every command says the same thing about a file it cannot use.
 */
import { readFile } from 'node:fs/promises';
import { fail, failWith, type Result } from '../../core/errors.js';
import { DEFAULT_JSON_LIMITS, parseStrictJsonBytes, type JsonLimits } from '../../core/json/strict-json.js';

/**
 * Read and parse a JSON file with the strict reader (core/json). `REQUEST_INVALID` when it cannot
 * be read (missing, a directory, no permission); `REQUEST_MALFORMED_JSON` when its text is not
 * I-JSON and `REQUEST_TOO_COMPLEX` when it nests too deep; each names the file. A leading byte
 * order mark (some editors write one) is ignored.
 */
export async function readJsonFile(file: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): Promise<Result<unknown>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return fail('REQUEST_INVALID', `cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = parseStrictJsonBytes(bytes, limits);
  return parsed.ok ? parsed : failWith(parsed.problems.map((p) => ({ ...p, detail: `${file}: ${p.detail}` })));
}
