/**
 * Files named on the command line (credentials, derived proofs, DID documents, saved answers,
 * certificates): one reader, so every command says the same thing about a file it cannot use.
 */
import { readFile } from 'node:fs/promises';
import { fail, failWith, ok, type Result } from '../core/errors.js';
import { DEFAULT_JSON_LIMITS, parseStrictJsonBytes, type JsonLimits } from '../core/json/strict-json.js';
import { fileFailureReason } from './failure-report.js';

/** The bytes of a file; `FILE_UNUSABLE` naming it, and what to do, when it cannot be read (missing, a directory, no permission). */
export async function readInputFile(file: string): Promise<Result<Buffer>> {
  try {
    return ok(await readFile(file));
  } catch (error) {
    return fail('FILE_UNUSABLE', `cannot read ${file}: ${fileFailureReason((error as NodeJS.ErrnoException).code)}`);
  }
}

/**
 * Read and parse a JSON file with the strict reader (core/json). `FILE_UNUSABLE` when it cannot
 * be read; `REQUEST_MALFORMED_JSON` when its text is not I-JSON and `REQUEST_TOO_COMPLEX` when it
 * nests too deep; each names the file. A leading byte order mark (some editors write one) is ignored.
 */
export async function readJsonFile(file: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): Promise<Result<unknown>> {
  const bytes = await readInputFile(file);
  if (!bytes.ok) return bytes;
  const parsed = parseStrictJsonBytes(bytes.value, limits);
  return parsed.ok ? parsed : failWith(parsed.problems.map((p) => ({ ...p, detail: `${file}: ${p.detail}` })));
}
