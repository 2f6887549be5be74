import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { createTombstone } from '../../../core/record/registration.js';
import { readKeyFile } from '../../../app/key-file.js';
import { nextSequenceFor } from '../agent-writes.js';
import { registryUrlOf, unwrap } from '../cli-context.js';

export function deregisterCommand(program: Command): void {
  program
    .command('deregister')
    .description('deregister an agent with a tombstone signed by its key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', 'the agent key the name is bound to')
    .option('--release', 'also free the name so another key may register it')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .action(async (input: string, flags: { key: string; release?: boolean; registry?: string }) => {
      const key = await readKeyFile(flags.key);
      const name = unwrap(canonicalAgentName(input));
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const seq = unwrap(await nextSequenceFor(client, name, Date.now()));
      const result = unwrap(await client.deregister(name, createTombstone(key, name, seq, flags.release ?? false)));
      process.stdout.write(`deregistered ${result.name}${flags.release ? ' (name released)' : ''}\n`);
    });
}
