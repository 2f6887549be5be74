import { unwrap } from '../cli-context.js';
import { connectToRegistry } from '../registry-connection.js';
import type { RegistryFlags } from '../commands/options.js';

export interface SearchFlags extends RegistryFlags {
  capability?: string;
  protocol?: string;
  certification?: string;
  limit: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

export async function search(query: string | undefined, flags: SearchFlags): Promise<void> {
  const { client } = await connectToRegistry(flags);
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
}
