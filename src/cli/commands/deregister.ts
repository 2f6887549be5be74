import type { Command } from 'commander';
import { SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { DeregisterFlags } from '../actions/deregister.js';

export function deregisterCommand(program: Command): void {
  const command = program
    .command('deregister')
    .description('deregister an agent with a tombstone signed by its key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the agent key the name is bound to; ${SECRET_NAME_NOTE}`)
    .option('--release', 'also free the name so another key may register it');
  withRegistryOptions(command).action(async (name: string, flags: DeregisterFlags) => (await import('../actions/deregister.js')).deregister(name, flags));
}
