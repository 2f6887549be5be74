/** How routes answer: JSON, or catalogued problems as RFC 9457 problem+json. */
import type { Problem } from '../../core/errors.js';
import { PROBLEM_CONTENT_TYPE, problemDocument } from './problem.js';

export function sendJson(reply: AnyReply, value: unknown): never {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value)) as never;
}

/** Send catalogued problems as RFC 9457 problem+json. */
export function sendProblems(reply: AnyReply, problems: readonly Problem[], instance?: string, extensions?: Record<string, unknown>): never {
  const document = problemDocument(problems, instance, extensions);
  if (document.status >= 500) answeredFailures.set(reply, { ...answeredFailures.get(reply), problem: problems[0]! });
  // `never`: the reply is sent, whatever the route's typed response schema says.
  return reply.code(document.status).type(PROBLEM_CONTENT_TYPE).send(document) as never;
}

/** Any typed reply, seen without its route's response typing. */
export type AnyReply = { code(n: number): AnyReply; type(t: string): AnyReply; header(k: string, v: string): AnyReply; send(b?: unknown): unknown };

/**
 * The problem (and the error, if one was thrown) behind each 5xx answer, for the log line the
 * response hook writes: every server-side failure is logged, whether a route returned it as a
 * Result (a CA that fails, a DID that cannot be resolved) or something threw (a store that fails).
 */
export const answeredFailures = new WeakMap<object, { problem?: Problem; error?: unknown }>();
