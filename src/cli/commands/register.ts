import type { Command } from 'commander';
import { collect, SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { RegisterFlags } from '../actions/register.js';

export function registerCommand(program: Command): void {
  const command = program
    .command('register')
    .description('register an agent, or update it: signs an AgentAddr and AgentFacts with the agent key')
    .requiredOption('-k, --key <file>', `the agent key (from signpost keygen); ${SECRET_NAME_NOTE}`)
    .requiredOption('-n, --name <name>', 'agent name, e.g. agent://acme.com/billing/invoices')
    .option('-e, --endpoint <proto=url>', 'an endpoint, e.g. mcp=https://mcp.acme.com (repeatable)', collect, [])
    .option('-f, --facts <file>', 'JSON file with AgentFacts claims (label, description, skills, ...)')
    .option('--label <text>', 'short human label')
    .option('--description <text>', 'what the agent does (searchable)')
    .option('--ttl <seconds>', 'how long resolvers may cache the record', '3600')
    .option('--next-key <file|did>', `pre-announce the key the name may rotate to next (a key file or its did:key; ${SECRET_NAME_NOTE}); see signpost rotate`);
  withRegistryOptions(command)
    .option('--json', 'print the stored record as JSON')
    .action(async (flags: RegisterFlags) => (await import('../actions/register.js')).register(flags));
}
