import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { verifyResolveAnswer } from '../../../client/verify-answer.js';
import { SignpostError } from '../../../core/errors.js';
import { EXIT, formatProblems, pinnedRegistryKeys } from '../cli-context.js';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check a saved record offline: a resolve answer or an agent record ({addr, facts?})')
    .argument('<file>', 'JSON file')
    .option('--registry-key <did>', 'the registry key to trust (default: any key pinned by earlier resolves)')
    .option('--name <name>', 'the name the record must be for')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: { registryKey?: string; name?: string; json?: boolean }) => {
      let document: { addr?: { countersig?: { by?: string }; payload?: { name?: string } }; facts?: unknown };
      try {
        document = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new SignpostError('RECORD_INVALID', `${file}: ${(error as Error).message}`);
      }
      const signer = document?.addr?.countersig?.by;
      const pinned = await pinnedRegistryKeys();
      const registryDid = flags.registryKey ?? (signer !== undefined && pinned.has(signer) ? signer : undefined);
      // Without a trusted registry key the agent signatures still prove who signed, but not that a registry vouched for the name.
      const result = verifyResolveAnswer(document, {
        registryDid: registryDid ?? signer ?? '',
        nowMs: Date.now(),
        ...(flags.name === undefined ? {} : { expectedName: flags.name }),
      });
      const registryTrusted = registryDid !== undefined;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ name: document?.addr?.payload?.name ?? null, verified: result.verified, registryTrusted, errors: result.errors }) + '\n');
      } else if (result.verified) {
        process.stdout.write(`verified: ${document.addr?.payload?.name}\n`);
        if (!registryTrusted) process.stdout.write(`  warning: countersigned by ${signer}, a key you have not pinned (pass --registry-key to trust it)\n`);
      } else {
        process.stdout.write(`NOT VERIFIED\n${formatProblems(result.errors)}\n`);
      }
      process.exitCode = result.verified ? EXIT.ok : EXIT.refused;
    });
}
