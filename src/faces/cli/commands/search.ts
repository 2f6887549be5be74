import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { registryUrlOf, unwrap } from '../cli-context.js';

interface SearchFlags {
  registry?: string;
  capability?: string;
  protocol?: string;
  certification?: string;
  limit: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

export function searchCommand(program: Command): void {
  program
    .command('search')
    .description('find agents by words (all must match; prefixes count) and filters')
    .argument('[query]', 'words to look for')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--capability <id>', 'a skill id or tag')
    .option('--protocol <protocol>', 'an endpoint protocol (a2a, mcp, ...)')
    .option('--certification <name>', 'an attested certification')
    .option('--limit <n>', 'results per page (1-100)', '20')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'follow every page')
    .option('--json', 'print JSON lines, one agent per line')
    .action(async (query: string | undefined, flags: SearchFlags) => {
      const client = new RegistryClient(registryUrlOf(flags.registry));
      let cursor = flags.cursor;
      let shown = 0;
      do {
        const page = unwrap(
          await client.search({
            q: query,
            capability: flags.capability,
            protocol: flags.protocol,
            certification: flags.certification,
            limit: Number(flags.limit),
            cursor,
          }),
        );
        for (const item of page.items) {
          process.stdout.write(flags.json ? JSON.stringify(item) + '\n' : `${item.name}\n  ${item.label ?? ''}${item.description ? ` — ${item.description}` : ''}\n`);
        }
        shown += page.items.length;
        cursor = page.nextCursor ?? undefined;
        if (!flags.all && cursor && !flags.json) process.stderr.write(`more results: --cursor ${cursor}\n`);
      } while (flags.all && cursor);
      if (!flags.json) process.stderr.write(`${shown} agent${shown === 1 ? '' : 's'}\n`);
    });
}
