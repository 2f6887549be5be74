import { homedir } from 'node:os';
import { join } from 'node:path';
import { kindOf, SignpostError, type Problem, type Result } from '../core/errors.js';

/**
 * Exit codes: 0 success; 1 the answer was a refusal or did not verify; 2 bad usage or input;
 * 3 the registry could not be reached or answered nonsense.
 */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

/** Where the CLI keeps its own state: pinned registry keys, and the key directory. */
export function signpostHome(): string {
  return process.env.SIGNPOST_HOME ?? join(homedir(), '.signpost');
}

export function exitCodeOf(problems: readonly Problem[]): number {
  const kind = problems[0] === undefined ? 'internal' : kindOf(problems[0].code);
  if (kind === 'unavailable') return EXIT.unreachable;
  if (kind === 'invalid' || kind === 'unsupported' || kind === 'too-large') return EXIT.usage;
  return EXIT.refused;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `error ${p.code}: ${p.detail}${p.pointer ? ` (at ${p.pointer})` : ''}`).join('\n');
}

/** Stop the command with the problems of a failed Result. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw SignpostError.from(result.problems);
}
