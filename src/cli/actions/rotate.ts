import { SignpostError } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { verifyAgentRecords } from '../../core/record/verify.js';
import { createRotation } from '../../core/record/registration.js';
import { nextSequence } from '../../core/record/sequence.js';
import { didOfKeyArgument } from '../agent-writes.js';
import { unwrap } from '../cli-context.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry, type RegistryConnection } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface RotateFlags extends RegistryFlags {
  key: string;
  newKey: string;
  nextKey?: string;
  json?: boolean;
  facts?: string;
}

export async function rotate(input: string, flags: RotateFlags): Promise<void> {
  const [from, to] = [await readSigningKey(flags.key), await readSigningKey(flags.newKey)];
  const name = unwrap(canonicalAgentName(input));
  const fromFile = flags.facts === undefined ? undefined : claimsOf(unwrap(await readJsonFile(flags.facts)), flags.facts);
  const nextKey = flags.nextKey === undefined ? {} : { nextKey: await didOfKeyArgument(flags.nextKey) };
  const registry = await connectToRegistry(flags);
  const basis = await rotationBasis(registry, name, fromFile);
  const now = Date.now();
  const body = createRotation({
    from,
    to,
    name,
    claims: basis.claims,
    factsUrl: registry.client.factsUrl(name),
    seq: nextSequence(now, basis.seq),
    nowMs: now,
    ...(basis.ttl === undefined ? {} : { ttl: basis.ttl }),
    ...nextKey,
  });
  const stored = unwrap(await registry.client.register(body));
  if (flags.json) {
    process.stdout.write(JSON.stringify(stored, null, 2) + '\n');
    return;
  }
  process.stdout.write(`rotated ${stored.name}\n  from: ${from.did}\n  to:   ${stored.agentId}\n  sequence: ${stored.seq}\n`);
  if (stored.addr.payload.nextKeySha256 !== undefined) process.stdout.write(`  next key announced (SHA-256 ${stored.addr.payload.nextKeySha256})\n`);
}

interface RotationBasis {
  readonly claims: Record<string, unknown>;
  /** The stored sequence, when the registry tells it. */
  readonly seq?: number;
  readonly ttl?: number;
}

/**
 * What the new key signs. Normally the current facts, carried over unchanged once they verify
 * against the pinned registry key (the new key signs them again, so they must be the ones the old
 * key signed, not whatever a man in the middle served). A name a thief suspended or deregistered
 * to block the recovery serves no facts: then they come from --facts.
 */
async function rotationBasis({ client, registryKey }: RegistryConnection, name: string, fromFile: Record<string, unknown> | undefined): Promise<RotationBasis> {
  const current = await client.agent(name);
  if (!current.ok) {
    const code = current.problems[0]?.code;
    if (fromFile === undefined || (code !== 'AGENT_SUSPENDED' && code !== 'AGENT_DEREGISTERED')) throw SignpostError.from(current.problems);
    const tombstone = client.lastFailure?.body?.tombstone as { payload?: { seq?: number } } | undefined;
    return { claims: fromFile, ...(tombstone?.payload?.seq === undefined ? {} : { seq: tombstone.payload.seq }) };
  }
  const facts = unwrap(await client.facts(name));
  const checked = verifyAgentRecords({ addr: current.value.addr, facts }, { registryDid: registryKey, expectedName: name, nowMs: Date.now() });
  if (!checked.verified) throw SignpostError.from(checked.errors);
  return { claims: fromFile ?? claimsOf(facts.payload, 'the current facts'), seq: current.value.seq, ttl: current.value.addr.payload.ttl };
}

/** The claims of an AgentFacts document: everything but the members the signer fills in. */
function claimsOf(value: unknown, source: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SignpostError('FACTS_INVALID', `${source} must hold a JSON object`);
  const { type: _type, v: _v, id: _id, agent_name: _name, ...claims } = value as Record<string, unknown>;
  return claims;
}
