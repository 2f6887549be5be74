import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { SignpostError } from '../../../core/errors.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { verifyAgentRecords } from '../../../core/record/verify.js';
import { createRotation } from '../../../core/record/registration.js';
import { nextSequence } from '../../../core/record/sequence.js';
import { readKeyFile } from '../../../app/key-file.js';
import { didOfKeyArgument } from '../agent-writes.js';
import { registryUrlOf, trustedRegistryKey, unwrap } from '../cli-context.js';
import { readJsonFile } from '../json-file.js';

interface RotateFlags {
  key: string;
  newKey: string;
  nextKey?: string;
  registry?: string;
  registryKey?: string;
  json?: boolean;
  facts?: string;
}

export function rotateCommand(program: Command): void {
  program
    .command('rotate')
    .description('move a name to a new key: the current key signs the continuity proof, the new key re-signs the records')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', 'the key the name is bound to now')
    .requiredOption('--new-key <file>', 'the key to rotate to (the pre-announced one, if the record announced one)')
    .option('--next-key <file|did>', 'pre-announce the key after this one')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--registry-key <did>', 'the registry key to trust (default: pinned on first use)')
    .option('--json', 'print the stored record as JSON')
    .option('--facts <file>', 'AgentFacts claims to sign under the new key (needed when the name is suspended or deregistered; default: the current facts)')
    .action(async (input: string, flags: RotateFlags) => {
      const [from, to] = [await readKeyFile(flags.key), await readKeyFile(flags.newKey)];
      const name = unwrap(canonicalAgentName(input));
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const basis = await rotationBasis(client, name, flags);
      const now = Date.now();
      const body = createRotation({
        from,
        to,
        name,
        claims: basis.claims,
        factsUrl: client.factsUrl(name),
        seq: nextSequence(now, basis.seq),
        nowMs: now,
        ...(basis.ttl === undefined ? {} : { ttl: basis.ttl }),
        ...(flags.nextKey === undefined ? {} : { nextKey: await didOfKeyArgument(flags.nextKey) }),
      });
      const stored = unwrap(await client.register(body));
      if (flags.json) {
        process.stdout.write(JSON.stringify(stored, null, 2) + '\n');
        return;
      }
      process.stdout.write(`rotated ${stored.name}\n  from: ${from.did}\n  to:   ${stored.agentId}\n  sequence: ${stored.seq}\n`);
      if (stored.addr.payload.nextKeySha256 !== undefined) process.stdout.write(`  next key announced (SHA-256 ${stored.addr.payload.nextKeySha256})\n`);
    });
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
async function rotationBasis(client: RegistryClient, name: string, flags: RotateFlags): Promise<RotationBasis> {
  const fromFile = flags.facts === undefined ? undefined : claimsOf(unwrap(await readJsonFile(flags.facts)), flags.facts);
  const current = await client.agent(name);
  if (!current.ok) {
    const code = current.problems[0]?.code;
    if (fromFile === undefined || (code !== 'AGENT_SUSPENDED' && code !== 'AGENT_DEREGISTERED')) throw SignpostError.from(current.problems);
    const tombstone = client.lastFailure?.body?.tombstone as { payload?: { seq?: number } } | undefined;
    return { claims: fromFile, ...(tombstone?.payload?.seq === undefined ? {} : { seq: tombstone.payload.seq }) };
  }
  const facts = unwrap(await client.facts(name));
  const registryDid = unwrap(await trustedRegistryKey(client, flags.registryKey)).did;
  const checked = verifyAgentRecords({ addr: current.value.addr, facts }, { registryDid, expectedName: name, nowMs: Date.now() });
  if (!checked.verified) throw SignpostError.from(checked.errors);
  return { claims: fromFile ?? claimsOf(facts.payload, 'the current facts'), seq: current.value.seq, ttl: current.value.addr.payload.ttl };
}

/** The claims of an AgentFacts document: everything but the members the signer fills in. */
function claimsOf(value: unknown, source: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SignpostError('FACTS_INVALID', `${source} must hold a JSON object`);
  const { type: _type, v: _v, id: _id, agent_name: _name, ...claims } = value as Record<string, unknown>;
  return claims;
}
