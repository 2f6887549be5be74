import { isDeepStrictEqual } from 'node:util';
import { problem, type Problem } from '../core/errors.js';
import { factsEndpoints } from '../core/record/agent-facts.js';
import type { AgentEndpoint, AgentFacts } from '../core/record/types.js';
import { verifyAgentRecords, type VerificationResult, type VerifyOptions } from '../core/record/verify.js';

/**
 * The offline checks of a resolve answer: both signed records, the countersignatures by the trusted
 * registry key, the facts digest, the validity period — and that the endpoint the registry chose
 * is one the agent itself signed (a registry may pick, never invent).
 *
 * Not enough alone: a stale answer replayed after a revocation passes all of these. Verifiers call
 * verifyResolveAnswerFully (verify-answer-fully.ts), which runs this first and then the registry's
 * facts credential and its status lists.
 */
export function verifyResolveAnswer(answer: unknown, options: VerifyOptions): VerificationResult & { endpoints: AgentEndpoint[] } {
  const document = (typeof answer === 'object' && answer !== null ? answer : {}) as { addr?: unknown; facts?: unknown; endpoint?: unknown };
  const records = verifyAgentRecords({ addr: document.addr, facts: document.facts ?? null }, options);
  const facts = (document.facts as { payload?: AgentFacts } | undefined)?.payload;
  const endpoints = records.verified && facts ? factsEndpoints(facts) : [];
  const errors: Problem[] = [...records.errors];
  const chosen = document.endpoint;
  if (records.verified && chosen !== null && chosen !== undefined && !endpoints.some((e) => isDeepStrictEqual(e, chosen))) {
    errors.push(problem('ENDPOINT_NOT_SIGNED', 'the endpoint in the answer is not in the signed AgentFacts', '/endpoint'));
  }
  return { verified: errors.length === 0, errors, endpoints };
}
