import type { Command } from 'commander';
import { withRegistryOptions } from './options.js';
import type { SearchFlags } from '../actions/search.js';

export function searchCommand(program: Command): void {
  const command = program
    .command('search')
    .description('find agents by words (all must match; prefixes count) and filters')
    .argument('[query]', 'words to look for');
  withRegistryOptions(command)
    .option('--capability <id>', 'a skill id or tag')
    .option('--protocol <protocol>', 'an endpoint protocol (a2a, mcp, ...)')
    .option('--certification <name>', 'an attested certification')
    .option('--limit <n>', 'results per page (1-100)', '20')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'follow every page')
    .option('--json', 'print JSON lines, one agent per line')
    .action(async (query: string | undefined, flags: SearchFlags) => (await import('../actions/search.js')).search(query, flags));
}
