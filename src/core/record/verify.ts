import { problem, type Problem } from '../errors.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import { checkAgentAddr, parseUtcSeconds } from './agent-addr.js';
import { checkAgentFacts } from './agent-facts.js';
import { checkRecordSignature, verifyCountersignature } from './signing.js';
import type { AgentAddr, AgentFacts, CountersignedRecord } from './types.js';

export interface VerificationResult {
  /** True only when every signature, the countersignature, the digest and the validity period check out. */
  readonly verified: boolean;
  readonly errors: readonly Problem[];
}

export interface VerifyOptions {
  /** The registry key the caller trusts (pinned); the countersignature must be by it. */
  readonly registryDid: string;
  /** The name the caller asked for, in canonical form; the record must be for exactly it. */
  readonly expectedName?: string;
  readonly nowMs: number;
}

/**
 * Verify an AgentAddr and (optionally) its AgentFacts the way a client must before using an
 * endpoint. Never throws on bad input: every failed check becomes a catalogued problem, and all
 * checks run so the caller sees everything that is wrong at once.
 */
export function verifyAgentRecords(
  records: { addr: unknown; facts?: unknown },
  options: VerifyOptions,
): VerificationResult {
  const errors: Problem[] = [];
  const addr = asCountersigned(records.addr, '/addr', errors);
  if (addr === undefined) return { verified: false, errors };
  const addrShape = checkAgentAddr(addr.payload, '/addr/payload');
  if (!addrShape.ok) return { verified: false, errors: [...errors, ...addrShape.problems] };
  const payload = addrShape.value;

  if (options.expectedName !== undefined && payload.name !== options.expectedName) {
    errors.push(problem('RECORD_NAME_MISMATCH', `asked for ${options.expectedName}, got a record for ${payload.name}`, '/addr/payload/name'));
  }
  const addrSignature = checkRecordSignature(addr, payload.agentId);
  if (!addrSignature.valid) {
    errors.push(problem('RECORD_SIGNATURE_INVALID', `the AgentAddr signature does not verify with ${payload.agentId}: ${addrSignature.reason}`, '/addr/sig'));
  }
  if (!verifyCountersignature(addr, options.registryDid)) {
    errors.push(problem('RECORD_COUNTERSIGNATURE_INVALID', `the AgentAddr is not countersigned by ${options.registryDid}`, '/addr/countersig'));
  }
  const countersignedAt = checkCountersignatureTime(addr.countersig.at, options.nowMs, '/addr/countersig/at');
  if (countersignedAt) errors.push(countersignedAt);
  const notAfter = parseUtcSeconds(payload.notAfter)!;
  if (notAfter <= options.nowMs) errors.push(problem('RECORD_EXPIRED', `the AgentAddr expired at ${payload.notAfter}`, '/addr/payload/notAfter'));

  if (records.facts !== undefined) errors.push(...verifyFacts(records.facts, payload, options.registryDid));
  return { verified: errors.length === 0, errors };
}

function verifyFacts(value: unknown, addr: AgentAddr, registryDid: string): Problem[] {
  const errors: Problem[] = [];
  const facts = asCountersigned(value, '/facts', errors);
  if (facts === undefined) return errors;
  const shape = checkAgentFacts(facts.payload, '/facts/payload');
  if (!shape.ok) return [...errors, ...shape.problems];
  const payload: AgentFacts = shape.value;
  if (payload.id !== addr.agentId || payload.agent_name !== addr.name) {
    errors.push(problem('FACTS_SUBJECT_MISMATCH', `the facts describe ${payload.agent_name} (${payload.id})`, '/facts/payload'));
  }
  if (canonicalSha256Hex(payload) !== addr.factsSha256) {
    errors.push(problem('FACTS_DIGEST_MISMATCH', 'the facts do not hash to the digest in the AgentAddr', '/facts/payload'));
  }
  const factsSignature = checkRecordSignature(facts, addr.agentId);
  if (!factsSignature.valid) {
    errors.push(problem('RECORD_SIGNATURE_INVALID', `the AgentFacts signature does not verify with ${addr.agentId}: ${factsSignature.reason}`, '/facts/sig'));
  }
  if (!verifyCountersignature(facts, registryDid)) {
    errors.push(problem('RECORD_COUNTERSIGNATURE_INVALID', `the AgentFacts are not countersigned by ${registryDid}`, '/facts/countersig'));
  }
  return errors;
}

/** Clocks of registry and client may differ a little; a countersignature from further ahead is not believable. */
export const COUNTERSIGNATURE_CLOCK_SKEW_MS = 5 * 60_000;

function checkCountersignatureTime(at: string, nowMs: number, pointer: string): Problem | undefined {
  const ms = parseUtcSeconds(at);
  if (ms === undefined) return problem('RECORD_COUNTERSIGNATURE_INVALID', `countersignature time "${at}" is not a whole-second UTC time`, pointer);
  if (ms > nowMs + COUNTERSIGNATURE_CLOCK_SKEW_MS) return problem('RECORD_COUNTERSIGNATURE_INVALID', `countersigned at ${at}, which is in the future`, pointer);
  return undefined;
}

function asCountersigned(value: unknown, pointer: string, errors: Problem[]): CountersignedRecord<unknown> | undefined {
  const record = value as Partial<CountersignedRecord<unknown>> | null;
  const countersig = record?.countersig as Partial<CountersignedRecord<unknown>['countersig']> | undefined;
  const wellFormed =
    typeof record === 'object' &&
    record !== null &&
    typeof record.sig === 'string' &&
    typeof record.payload === 'object' &&
    typeof countersig?.by === 'string' &&
    typeof countersig.at === 'string' &&
    typeof countersig.sig === 'string';
  if (!wellFormed) {
    errors.push(problem('RECORD_INVALID', 'expected {payload, sig, countersig: {by, at, sig}}', pointer));
    return undefined;
  }
  return record as CountersignedRecord<unknown>;
}
