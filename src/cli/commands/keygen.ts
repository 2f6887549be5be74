import type { Command } from 'commander';
import { SECRET_NAME_NOTE } from './options.js';

export function keygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('create an Ed25519 agent key (private JWK, file mode 0600); prints its did:key')
    .option('-o, --out <file>', `where to write the key, never overwritten; ${SECRET_NAME_NOTE} (default: there, named after its did:key)`)
    .action(async (flags: { out?: string }) => (await import('../actions/keygen.js')).keygen(flags));
}
