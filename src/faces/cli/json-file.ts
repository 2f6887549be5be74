/**
 * JSON files named on the command line (credentials, derived proofs, DID documents): one reader,
 * so every command says the same thing about a file it cannot use.
 */
import { readFile } from 'node:fs/promises';
import { fail, ok, type Result } from '../../core/errors.js';

/**
 * Read and parse a JSON file. `REQUEST_INVALID` when it cannot be read (missing, a directory, no
 * permission), `REQUEST_MALFORMED_JSON` when its text is not JSON; both name the file. A leading
 * byte order mark (some editors write one) is ignored.
 */
export async function readJsonFile(file: string): Promise<Result<unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return fail('REQUEST_INVALID', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return ok(JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown);
  } catch (error) {
    return fail('REQUEST_MALFORMED_JSON', `${file} is not JSON: ${(error as Error).message}`);
  }
}
