import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { SignpostError } from '../../../core/errors.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { createStatusChange } from '../../../core/record/registration.js';
import { readKeyFile } from '../../../app/key-file.js';
import { registryUrlOf, unwrap } from '../cli-context.js';

interface RevokeFlags {
  key: string;
  reason: string;
  suspend?: boolean;
  reinstate?: boolean;
  registry?: string;
  as?: string;
}

export function revokeCommand(program: Command): void {
  program
    .command('revoke')
    .description('revoke an agent for good (or --suspend / --reinstate); signed by the agent key, its namespace owner (--as) or the registry operator key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', "the agent's key, or the registry operator's (the registry-key.jwk of its data directory)")
    .requiredOption('--reason <text>', 'why (shown to everyone who resolves the agent)')
    .option('--suspend', 'suspend instead: reversible with --reinstate')
    .option('--reinstate', 'lift a suspension')
    .option('--as <did-url>', "sign as the namespace owner: the did:web key URL under which the owner's DID document lists --key, e.g. did:web:acme.com#key-1")
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .action(async (input: string, flags: RevokeFlags) => {
      if (flags.suspend && flags.reinstate) throw new SignpostError('REQUEST_INVALID', '--suspend and --reinstate exclude each other');
      const action = flags.suspend ? 'suspend' : flags.reinstate ? 'reinstate' : 'revoke';
      const key = await readKeyFile(flags.key);
      const name = unwrap(canonicalAgentName(input));
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const by = flags.as ?? key.did;
      const result = unwrap(await client.changeStatus(name, createStatusChange(key, name, action, flags.reason, Date.now(), by)));
      process.stdout.write(`${result.name} is now ${result.state} (${action} by ${by})\n`);
    });
}
