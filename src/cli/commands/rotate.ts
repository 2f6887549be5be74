import type { Command } from 'commander';
import { SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { RotateFlags } from '../actions/rotate.js';

export function rotateCommand(program: Command): void {
  const command = program
    .command('rotate')
    .description('move a name to a new key: the current key signs the continuity proof, the new key re-signs the records')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the key the name is bound to now; ${SECRET_NAME_NOTE}`)
    .requiredOption('--new-key <file>', `the key to rotate to (the pre-announced one, if the record announced one); ${SECRET_NAME_NOTE}`)
    .option('--next-key <file|did>', `pre-announce the key after this one (a key file or its did:key); ${SECRET_NAME_NOTE}`);
  withRegistryOptions(command)
    .option('--json', 'print the stored record as JSON')
    .option('--facts <file>', 'AgentFacts claims to sign under the new key (needed when the name is suspended or deregistered; default: the current facts)')
    .action(async (name: string, flags: RotateFlags) => (await import('../actions/rotate.js')).rotate(name, flags));
}
