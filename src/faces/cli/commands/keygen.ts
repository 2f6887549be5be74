import type { Command } from 'commander';
import { createKeyFile } from '../../../app/key-file.js';

export function keygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('create an Ed25519 agent key (private JWK, file mode 0600); prints its did:key')
    .requiredOption('-o, --out <file>', 'where to write the key (never overwritten)')
    .action(async (flags: { out: string }) => {
      const key = await createKeyFile(flags.out);
      process.stdout.write(`${key.did}\n`);
      process.stderr.write(`wrote ${flags.out} (keep it secret: whoever holds it controls the agent's names)\n`);
    });
}
