import type { Command } from 'commander';
import { collect, SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { GrantFlags } from '../actions/grant.js';

export function grantCommand(program: Command): void {
  const command = program
    .command('grant')
    .description("attest an agent's capabilities (what its certificates may carry); signed by the registry operator key")
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the registry operator's key (the registry-key.jwk of its data directory); ${SECRET_NAME_NOTE}`)
    .option('-c, --capability <token>', 'a capability, e.g. retrain (repeatable); replaces the previous grant', collect, [])
    .option('--none', 'withdraw every grant');
  withRegistryOptions(command).action(async (name: string, flags: GrantFlags) => (await import('../actions/grant.js')).grant(name, flags));
}
