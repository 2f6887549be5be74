import type { Command } from 'commander';
import { SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { RevokeFlags } from '../actions/revoke.js';

export function revokeCommand(program: Command): void {
  const command = program
    .command('revoke')
    .description('revoke an agent for good (or --suspend / --reinstate); signed by the agent key, its namespace owner (--as) or the registry operator key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the agent's key, or the registry operator's (the registry-key.jwk of its data directory); ${SECRET_NAME_NOTE}`)
    .requiredOption('--reason <text>', 'why (shown to everyone who resolves the agent)')
    .option('--suspend', 'suspend instead: reversible with --reinstate')
    .option('--reinstate', 'lift a suspension')
    .option('--as <did-url>', "sign as the namespace owner: the did:web key URL under which the owner's DID document lists --key, e.g. did:web:acme.com#key-1");
  withRegistryOptions(command).action(async (name: string, flags: RevokeFlags) => (await import('../actions/revoke.js')).revoke(name, flags));
}
