import { fail, failWith, ok, problem, type Result } from '../errors.js';
import { parseAgentName } from '../name/index.js';
import type { Clock, RecordStore, SearchPage, SearchQuery } from '../ports.js';
import { checkAddrValidity, checkAgentAddr, formatUtcSeconds } from '../record/agent-addr.js';
import { checkAgentFacts } from '../record/agent-facts.js';
import { checkSchema, compileSchema } from '../record/schema-check.js';
import { countersign, verifyRecordSignature } from '../record/signing.js';
import { checkTombstone } from '../record/tombstone.js';
import type { AgentAddr, AgentFacts, AgentTombstone, SignedRecord } from '../record/types.js';
import type { SigningKey } from '../trust/ed25519.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import { searchDocumentOf } from './search-document.js';
import type { ActiveAgent, DeregisteredAgent, StoredAgent } from './stored-agent.js';

/** Longest validity a record may ask for; past it the agent must re-sign (and so prove it still holds its key). */
export const DEFAULT_MAX_VALIDITY_MS = 366 * 86_400_000;

export interface RegistryOptions {
  readonly store: RecordStore;
  /** The registry's own key: it countersigns what it accepts. */
  readonly key: SigningKey;
  readonly clock: Clock;
  readonly maxValidityMs?: number;
}

export interface Registration {
  readonly addr: SignedRecord<AgentAddr>;
  readonly facts: SignedRecord<AgentFacts>;
}

export type RegistryChange = { readonly name: string; readonly agent: StoredAgent };

const signedEnvelope = {
  type: 'object',
  additionalProperties: false,
  required: ['payload', 'sig'],
  properties: { payload: {}, sig: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const registrationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['addr', 'facts'],
  properties: { addr: signedEnvelope, facts: signedEnvelope },
} as const;

const validateRegistration = compileSchema<Registration>(registrationSchema);
const validateSignedEnvelope = compileSchema<SignedRecord<unknown>>(signedEnvelope);

/**
 * The registry rules. Every write is checked in small named stages, cheapest first; the first
 * failing stage decides the error and nothing is written. Reads and writes go through the
 * RecordStore port, so the same rules run over every backend.
 */
export class Registry {
  readonly did: string;
  private readonly store: RecordStore;
  private readonly key: SigningKey;
  private readonly clock: Clock;
  private readonly maxValidityMs: number;
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.key = options.key;
    this.clock = options.clock;
    this.maxValidityMs = options.maxValidityMs ?? DEFAULT_MAX_VALIDITY_MS;
    this.did = options.key.did;
  }

  /** Called after every accepted write, e.g. to drop cached answers for the name. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Register a new agent or update an existing one. `created` tells which. */
  async register(body: unknown): Promise<Result<{ agent: ActiveAgent; created: boolean }>> {
    const checked = this.checkRegistration(body);
    if (!checked.ok) return checked;
    const { addr, facts } = checked.value;
    const current = await this.store.get(addr.payload.name);
    const allowed = checkOwnership(current, addr.payload.agentId, addr.payload.seq);
    if (!allowed.ok) return allowed;

    const at = formatUtcSeconds(this.clock.now());
    const agent: ActiveAgent = {
      state: 'active',
      name: addr.payload.name,
      agentId: addr.payload.agentId,
      seq: addr.payload.seq,
      updatedAt: at,
      addr: countersign(addr, this.key, at),
      facts: countersign(facts, this.key, at),
      search: searchDocumentOf(facts.payload),
    };
    const written = await this.write(agent, current);
    return written.ok ? ok({ agent, created: current === undefined || current.state === 'deregistered' }) : written;
  }

  /** Deregister with a tombstone signed by the key the name is bound to. */
  async deregister(name: string, body: unknown): Promise<Result<DeregisteredAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const checked = checkSignedTombstone(body);
    if (!checked.ok) return checked;
    const tombstone = checked.value;
    if (tombstone.payload.name !== canonical.value) {
      return fail('RECORD_NAME_MISMATCH', `the tombstone is for ${tombstone.payload.name}, not ${canonical.value}`, '/payload/name');
    }
    const current = await this.store.get(canonical.value);
    if (current === undefined) return fail('AGENT_NOT_FOUND', `${canonical.value} is not registered`);
    if (current.agentId !== tombstone.payload.agentId) {
      return fail('NAME_TAKEN', `${canonical.value} is bound to ${current.agentId}, not ${tombstone.payload.agentId}`, '/payload/agentId');
    }
    if (tombstone.payload.seq <= current.seq) return staleSequence(tombstone.payload.seq, current.seq, '/payload/seq');

    const at = formatUtcSeconds(this.clock.now());
    const agent: DeregisteredAgent = {
      state: 'deregistered',
      name: current.name,
      agentId: current.agentId,
      seq: tombstone.payload.seq,
      updatedAt: at,
      tombstone: countersign(tombstone, this.key, at),
    };
    const written = await this.write(agent, current);
    return written.ok ? ok(agent) : written;
  }

  /** The active record of a name, in any accepted input form. */
  async lookup(name: string): Promise<Result<ActiveAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    return activeAgentOf(canonical.value, await this.store.get(canonical.value));
  }

  /** Any stored state of a name (for clients that need the current sequence, tombstones included). */
  async state(name: string): Promise<Result<StoredAgent>> {
    const canonical = canonicalNameOf(name);
    if (!canonical.ok) return canonical;
    const agent = await this.store.get(canonical.value);
    return agent === undefined ? fail('AGENT_NOT_FOUND', `${canonical.value} is not registered`) : ok(agent);
  }

  search(query: SearchQuery): Promise<SearchPage> {
    return this.store.search(query);
  }

  count(): Promise<{ active: number; deregistered: number }> {
    return this.store.count();
  }

  private checkRegistration(body: unknown): Result<Registration> {
    const shapeProblem = checkSchema(validateRegistration, body, 'REQUEST_INVALID', '');
    if (shapeProblem) return failWith([shapeProblem]);
    const { addr, facts } = body as Registration;
    return firstFailure(body as Registration, [
      () => checkAgentAddr(addr.payload, '/addr/payload'),
      () => checkSignature(addr, addr.payload.agentId, '/addr/sig'),
      () => checkAgentFacts(facts.payload, '/facts/payload'),
      () => checkFactsSubject(addr.payload, facts.payload),
      () => checkSignature(facts, addr.payload.agentId, '/facts/sig'),
      () => checkFactsDigest(addr.payload, facts.payload),
      () => checkAddrValidity(addr.payload, this.clock.now(), this.maxValidityMs, '/addr/payload'),
    ]);
  }

  private async write(agent: StoredAgent, current: StoredAgent | undefined): Promise<Result<StoredAgent>> {
    const outcome = await this.store.put(agent, current?.seq ?? null);
    if (outcome === 'conflict') return fail('WRITE_CONFLICT', `another write to ${agent.name} was accepted first`);
    for (const listener of this.listeners) listener({ name: agent.name, agent });
    return ok(agent);
  }
}

/** The active record among a name's stored states, or why there is none. */
export function activeAgentOf(name: string, agent: StoredAgent | undefined): Result<ActiveAgent> {
  if (agent === undefined) return fail('AGENT_NOT_FOUND', `${name} is not registered`);
  if (agent.state === 'deregistered') return fail('AGENT_DEREGISTERED', `${name} was deregistered at ${agent.updatedAt}`);
  return ok(agent);
}

/** Run stages in order; the first failure wins, otherwise the value passes through unchanged. */
function firstFailure<T>(value: T, stages: readonly (() => Result<unknown>)[]): Result<T> {
  for (const stage of stages) {
    const result = stage();
    if (!result.ok) return result;
  }
  return ok(value);
}

function canonicalNameOf(input: string): Result<string> {
  const parsed = parseAgentName(input);
  return parsed.ok ? ok(parsed.value.canonical) : parsed;
}

function checkSignature(record: SignedRecord<unknown>, signer: string, pointer: string): Result<true> {
  return verifyRecordSignature(record, signer)
    ? ok(true)
    : fail('RECORD_SIGNATURE_INVALID', `the signature does not verify with the key of ${signer}`, pointer);
}

function checkFactsSubject(addr: AgentAddr, facts: AgentFacts): Result<true> {
  if (facts.id !== addr.agentId) return fail('FACTS_SUBJECT_MISMATCH', `facts are about ${facts.id}, the AgentAddr is ${addr.agentId}`, '/facts/payload/id');
  if (facts.agent_name !== addr.name) {
    return fail('FACTS_SUBJECT_MISMATCH', `facts are about ${facts.agent_name}, the AgentAddr is ${addr.name}`, '/facts/payload/agent_name');
  }
  return ok(true);
}

function checkFactsDigest(addr: AgentAddr, facts: AgentFacts): Result<true> {
  const digest = canonicalSha256Hex(facts);
  return digest === addr.factsSha256
    ? ok(true)
    : fail('FACTS_DIGEST_MISMATCH', `facts hash to ${digest}, the AgentAddr commits to ${addr.factsSha256}`, '/addr/payload/factsSha256');
}

function checkSignedTombstone(body: unknown): Result<SignedRecord<AgentTombstone>> {
  const shapeProblem = checkSchema(validateSignedEnvelope, body, 'REQUEST_INVALID', '');
  if (shapeProblem) return failWith([shapeProblem]);
  const record = body as SignedRecord<unknown>;
  const tombstone = checkTombstone(record.payload, '/payload');
  if (!tombstone.ok) return tombstone;
  const signed = record as SignedRecord<AgentTombstone>;
  const signature = checkSignature(signed, tombstone.value.agentId, '/sig');
  return signature.ok ? ok(signed) : signature;
}

/**
 * A name belongs to the first key that registered it. It changes hands only after its owner
 * signed a releasing tombstone; even then the old key cannot replay its own older records.
 */
function checkOwnership(current: StoredAgent | undefined, agentId: string, seq: number): Result<true> {
  if (current === undefined) return ok(true);
  const released = current.state === 'deregistered' && current.tombstone.payload.release === true;
  if (current.agentId !== agentId) {
    return released ? ok(true) : fail('NAME_TAKEN', `${current.name} is bound to ${current.agentId}`, '/addr/payload/agentId');
  }
  return seq > current.seq ? ok(true) : staleSequence(seq, current.seq, '/addr/payload/seq');
}

function staleSequence(seq: number, stored: number, pointer: string): Result<never> {
  const why = seq === stored ? 'a replay of the stored record' : 'a rollback to an older record';
  return { ok: false, problems: [problem('SEQUENCE_STALE', `sequence ${seq} is not above the stored ${stored} (${why})`, pointer)] };
}
