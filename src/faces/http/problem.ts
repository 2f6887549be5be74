import { kindOf, titleOf, type ErrorCode, type ErrorKind, type Problem } from '../../core/errors.js';

/** How each kind of catalogued error reads as an HTTP status. */
const statusByKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 403,
  forbidden: 403,
  'not-found': 404,
  gone: 410,
  conflict: 409,
  'too-large': 413,
  unsupported: 415,
  timeout: 503,
  'client-timeout': 408,
  unavailable: 503,
  internal: 500,
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function statusOf(code: ErrorCode): number {
  return statusByKind[kindOf(code)];
}

/** The `type` URI of a problem: stable, and documented in docs/errors.md under the same code. */
export function problemType(code: ErrorCode): string {
  return `urn:signpost:error:${code}`;
}

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly instance?: string;
  /** Every problem found, the first of which is summarised above. */
  readonly errors: readonly Problem[];
  readonly [extension: string]: unknown;
}

/** An RFC 9457 problem document for a list of problems; the first one decides the status. */
export function problemDocument(problems: readonly Problem[], instance?: string, extensions: Record<string, unknown> = {}): ProblemDocument {
  const first = problems[0] ?? { code: 'INTERNAL' as const, detail: 'unknown failure' };
  return {
    type: problemType(first.code),
    title: titleOf(first.code),
    status: statusOf(first.code),
    code: first.code,
    detail: first.detail,
    ...(instance === undefined ? {} : { instance }),
    errors: problems,
    ...extensions,
  };
}
