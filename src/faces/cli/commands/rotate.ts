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

interface RotateFlags {
  key: string;
  newKey: string;
  nextKey?: string;
  registry?: string;
  registryKey?: string;
  json?: boolean;
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
    .action(async (input: string, flags: RotateFlags) => {
      const [from, to] = [await readKeyFile(flags.key), await readKeyFile(flags.newKey)];
      const name = unwrap(canonicalAgentName(input));
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const current = unwrap(await client.agent(name));
      const facts = unwrap(await client.facts(name));
      // The new key signs these claims again, so they must be the ones the old key signed and the
      // registry (its pinned key) countersigned, not whatever a man in the middle served.
      const registryDid = unwrap(await trustedRegistryKey(client, flags.registryKey)).did;
      const checked = verifyAgentRecords({ addr: current.addr, facts }, { registryDid, expectedName: name, nowMs: Date.now() });
      if (!checked.verified) throw SignpostError.from(checked.errors);
      // The claims carry over unchanged; only the subject (the new key) differs.
      const { type: _type, v: _v, id: _id, agent_name: _name, ...claims } = facts.payload;
      const now = Date.now();
      const body = createRotation({
        from,
        to,
        name,
        claims,
        factsUrl: client.factsUrl(name),
        seq: nextSequence(now, current.seq),
        nowMs: now,
        ttl: current.addr.payload.ttl,
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
