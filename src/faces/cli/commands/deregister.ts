import type { Command } from 'commander';
import { SECRET_NAME_NOTE, withRegistryOptions, type RegistryFlags } from './options.js';

export interface DeregisterFlags extends RegistryFlags {
  key: string;
  release?: boolean;
}

export function deregisterCommand(program: Command): void {
  const command = program
    .command('deregister')
    .description('deregister an agent with a tombstone signed by its key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the agent key the name is bound to; ${SECRET_NAME_NOTE}`)
    .option('--release', 'also free the name so another key may register it');
  withRegistryOptions(command).action(async (name: string, flags: DeregisterFlags) => (await import('../actions/deregister.js')).deregister(name, flags));
}
