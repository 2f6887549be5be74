import { Command, CommanderError } from 'commander';
import { SignpostError } from '../../core/errors.js';
import { SIGNPOST_VERSION } from '../../app/version.js';
import { EXIT, exitCodeOf, formatProblems } from './cli-context.js';
import { certCommand } from './commands/cert.js';
import { certificationCommand } from './commands/certification.js';
import { discloseCommand } from './commands/disclose.js';
import { deregisterCommand } from './commands/deregister.js';
import { grantCommand } from './commands/grant.js';
import { importCommand } from './commands/import.js';
import { keygenCommand } from './commands/keygen.js';
import { registerCommand } from './commands/register.js';
import { resolveCommand } from './commands/resolve.js';
import { revokeCommand } from './commands/revoke.js';
import { rotateCommand } from './commands/rotate.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { verifyCommand } from './commands/verify.js';

/** Every command, in the order `signpost --help` lists them. */
const commands = [serveCommand, keygenCommand, registerCommand, resolveCommand, searchCommand, verifyCommand, deregisterCommand, rotateCommand, revokeCommand, grantCommand, certCommand, certificationCommand, discloseCommand, importCommand];

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('signpost')
    .description('Signpost: a trusted name service for AI agents')
    .version(SIGNPOST_VERSION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const add of commands) add(program);
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof SignpostError) {
    process.stderr.write(formatProblems(error.problems) + '\n');
    return exitCodeOf(error.problems);
  }
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.refused;
}
