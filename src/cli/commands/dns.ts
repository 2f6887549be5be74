import type { Command } from 'commander';

export function dnsCommand(program: Command): void {
  const command = program.command('dns').description("the registry's DNS face: what the parent zones need");
  command
    .command('ds')
    .description('print the DS record of _agents.<namespace> for each namespace: what its owner adds to the namespace zone to make the agent zone validate')
    .argument('<namespace...>', 'namespaces, e.g. acme.com')
    .option('-d, --data <dir>', 'the registry data directory (its DNS zone key)', process.env.SIGNPOST_DATA ?? 'signpost-data')
    .action(async (namespaces: string[], flags: { data: string }) => (await import('../actions/dns.js')).ds(namespaces, flags));
}
