import type { SigningKey } from '../trust/ed25519.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import { formatUtcSeconds } from './agent-addr.js';
import { createKeyRotation, nextKeyCommitment } from './key-rotation.js';
import { signRecord } from './signing.js';
import type { AgentAddr, AgentFacts, AgentStatusChange, AgentTombstone, KeyRotation, SignedRecord } from './types.js';

export const DEFAULT_TTL_SECONDS = 3600;
export const DEFAULT_VALIDITY_MS = 90 * 86_400_000;

export interface RegistrationInput {
  readonly key: SigningKey;
  /** Canonical agent name. */
  readonly name: string;
  /** AgentFacts claims: everything but type, v, id and agent_name, which are filled in here. */
  readonly claims: Record<string, unknown>;
  readonly factsUrl: string;
  readonly seq: number;
  readonly nowMs: number;
  readonly ttl?: number;
  readonly validityMs?: number;
  readonly privateFactsUrl?: string;
  readonly resolverUrl?: string;
  /** Pre-announce the key the name will rotate to next (its did:key); see nextKeyCommitment. */
  readonly nextKey?: string;
  /** Or the commitment itself, e.g. kept from the stored record when updating. */
  readonly nextKeySha256?: string;
}

/** Build the signed AgentFacts and the signed AgentAddr that commits to them (what POST /v1/agents takes). */
export function createRegistration(input: RegistrationInput): { addr: SignedRecord<AgentAddr>; facts: SignedRecord<AgentFacts> } {
  const facts: AgentFacts = { ...input.claims, type: 'AgentFacts', v: 1, id: input.key.did, agent_name: input.name };
  const addr: AgentAddr = {
    type: 'AgentAddr',
    v: 1,
    name: input.name,
    agentId: input.key.did,
    factsUrl: input.factsUrl,
    factsSha256: canonicalSha256Hex(facts),
    ...(input.privateFactsUrl === undefined ? {} : { privateFactsUrl: input.privateFactsUrl }),
    ...(input.resolverUrl === undefined ? {} : { resolverUrl: input.resolverUrl }),
    ttl: input.ttl ?? DEFAULT_TTL_SECONDS,
    seq: input.seq,
    notAfter: formatUtcSeconds(input.nowMs + (input.validityMs ?? DEFAULT_VALIDITY_MS)),
    ...nextKeyField(input),
  };
  return { addr: signRecord(addr, input.key), facts: signRecord(facts, input.key) };
}

function nextKeyField(input: RegistrationInput): { nextKeySha256?: string } {
  if (input.nextKey !== undefined && input.nextKeySha256 !== undefined) throw new TypeError('give nextKey or nextKeySha256, not both');
  const commitment = input.nextKey === undefined ? input.nextKeySha256 : nextKeyCommitment(input.nextKey);
  return commitment === undefined ? {} : { nextKeySha256: commitment };
}

export interface RotationInput extends Omit<RegistrationInput, 'key'> {
  /** The key the name is bound to now: it signs the continuity proof. */
  readonly from: SigningKey;
  /** The new key: it signs the new AgentAddr and AgentFacts. */
  readonly to: SigningKey;
}

/** A registration under a new key with the old key's continuity proof (what POST /v1/agents takes to rotate). */
export function createRotation(input: RotationInput): { addr: SignedRecord<AgentAddr>; facts: SignedRecord<AgentFacts>; rotation: SignedRecord<KeyRotation> } {
  const { from, to, ...rest } = input;
  return { ...createRegistration({ ...rest, key: to }), rotation: createKeyRotation(from, input.name, to.did, input.seq) };
}

export function createTombstone(key: SigningKey, name: string, seq: number, release = false): SignedRecord<AgentTombstone> {
  const tombstone: AgentTombstone = { type: 'AgentTombstone', v: 1, name, agentId: key.did, seq, ...(release ? { release: true } : {}) };
  return signRecord(tombstone, key);
}

/**
 * A signed revocation, suspension or reinstatement, by the agent's key or the registry operator's
 * (`by` = the key's did:key), or by a namespace owner: then `by` is the did:web key URL under which
 * the owner's DID document lists this key (`did:web:acme.com#key-1`).
 */
export function createStatusChange(
  key: SigningKey,
  name: string,
  action: AgentStatusChange['action'],
  reason: string,
  nowMs: number,
  by: string = key.did,
): SignedRecord<AgentStatusChange> {
  return signRecord<AgentStatusChange>({ type: 'AgentStatusChange', v: 1, name, action, reason, at: formatUtcSeconds(nowMs), by }, key);
}
