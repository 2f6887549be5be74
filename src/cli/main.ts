import { Command } from 'commander';
import { SIGNPOST_VERSION } from '../app/version.js';
import { certCommand } from './commands/cert.js';
import { certificationCommand } from './commands/certification.js';
import { discloseCommand } from './commands/disclose.js';
import { deregisterCommand } from './commands/deregister.js';
import { deployCommand } from './commands/deploy.js';
import { grantCommand } from './commands/grant.js';
import { importCommand } from './commands/import.js';
import { keygenCommand } from './commands/keygen.js';
import { logCommand } from './commands/log.js';
import { namespaceCommand } from './commands/namespace.js';
import { dnsCommand } from './commands/dns.js';
import { registerCommand } from './commands/register.js';
import { resolveCommand } from './commands/resolve.js';
import { revokeCommand } from './commands/revoke.js';
import { rotateCommand } from './commands/rotate.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT } from './cli-context.js';
import { reportFailure } from './failure-report.js';

/**
 * Every command, in the order `signpost --help` lists them. A module under commands/ defines a
 * command's arguments, options and help, and imports nothing heavy; its action loads the code
 * under actions/ only when the command runs, so `--version`, `--help` and every command start
 * without loading the server, SQLite or the credential libraries they do not use.
 */
const commands = [serveCommand, keygenCommand, registerCommand, resolveCommand, searchCommand, verifyCommand, deregisterCommand, rotateCommand, revokeCommand, grantCommand, namespaceCommand, deployCommand, certCommand, certificationCommand, discloseCommand, importCommand, logCommand, dnsCommand];

/** The whole command table, every action still unloaded. */
export function signpostProgram(): Command {
  const program = new Command('signpost')
    .description('Signpost: a trusted name service for AI agents')
    .version(SIGNPOST_VERSION)
    .option('--debug', 'when a command fails, print the stack trace too')
    // Commands created after these two settings inherit them.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const add of commands) add(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = signpostProgram();
  const debug = () => program.opts<{ debug?: boolean }>().debug === true;
  // `signpost search … | head`: a reader that stops early is no failure of the command.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? (process.exitCode ?? EXIT.ok) : reportFailure(error, { debug: debug() })));
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    process.exitCode = reportFailure(error, { debug: debug() });
  }
}
