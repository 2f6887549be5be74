import { Option, type Command } from 'commander';
import { SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { ImportFlags } from '../actions/import.js';

export function importCommand(program: Command): void {
  const command = program.command('import').description('import agents from other registries; each gets its own key and a signed record');
  withImportOptions(command.command('mcp').description('MCP registry server lists (seed.json, server.json, /v0/servers answers)').argument('<file>')).action(
    async (file: string, flags: ImportFlags) => (await import('../actions/import.js')).importMcp(file, flags),
  );
  withImportOptions(
    command
      .command('a2a')
      .description('A2A AgentCards (v0.3 and v1.0): a file, a card URL, or a site whose /.well-known/agent-card.json to fetch')
      .argument('<file-or-url>'),
  )
    .option('--namespace <ns>', 'namespace for the imported names (default: the host of the card)')
    .action(async (source: string, flags: ImportFlags) => (await import('../actions/import.js')).importA2a(source, flags));
}

function withImportOptions(command: Command): Command {
  command.addOption(
    new Option('--keys <dir>', `directory for the agent keys (one private JWK per agent; existing ones are reused); ${SECRET_NAME_NOTE}`).default('imported', '$SIGNPOST_HOME/keys/imported'),
  );
  return withRegistryOptions(command)
    .option('--concurrency <n>', 'registrations in flight', '4')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress bar');
}
