import type { Command } from 'commander';

export function dnsCommand(program: Command): void {
  const command = program.command('dns').description("the registry's DNS face: what the parent zones need");
  command
    .command('ds')
    .description('print the DS record of _agents.<namespace> for each namespace: what its owner adds to the namespace zone to make the agent zone validate')
    .argument('<namespace...>', 'namespaces, e.g. acme.com')
    .option('-d, --data <dir>', 'the registry data directory (its DNS zone key)', process.env.SIGNPOST_DATA ?? 'signpost-data')
    .action(async (namespaces: string[], flags: { data: string }) => (await import('../actions/dns.js')).ds(namespaces, flags));
  command
    .command('sizes')
    .description('the signed DNS answer sizes (SVCB and TXT, DNSSEC) of every agent in a stopped registry\'s data directory: P50, P90, max against the 1,232-byte UDP budget')
    .option('-d, --data <dir>', 'the registry data directory', process.env.SIGNPOST_DATA ?? 'signpost-data')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { data: string; json?: boolean }) => (await import('../actions/dns.js')).sizes(flags));
}
