import type { Command } from 'commander';

export function dnsCommand(program: Command): void {
  const command = program.command('dns').description("the registry's DNS face: what the parent zones need");
  command
    .command('ds')
    .description('print the DS record of _agents.<namespace> for each namespace: what its owner adds to the namespace zone to make the agent zone validate')
    .argument('<namespace...>', 'namespaces, e.g. acme.com')
    .option('-d, --data <dir>', 'the registry data directory (its DNS zone key)', process.env.SIGNPOST_DATA ?? 'signpost-data')
    .option('--flat', 'the namespaces are served whole (serve --dns-flat-zone): the DS of <namespace> itself, for its parent zone')
    .action(async (namespaces: string[], flags: { data: string; flat?: boolean }) => (await import('../actions/dns.js')).ds(namespaces, flags));
  command
    .command('sizes')
    .description('the signed DNS answer sizes (SVCB and TXT, DNSSEC) of every agent in a stopped registry\'s data directory: P50, P90, max against the 1,232-byte UDP budget')
    .option('-d, --data <dir>', 'the registry data directory', process.env.SIGNPOST_DATA ?? 'signpost-data')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { data: string; json?: boolean }) => (await import('../actions/dns.js')).sizes(flags));
  const rollover = command
    .command('rollover')
    .description('roll the DNS zone key over without a validation gap (a stopped registry): start publishes a new key beside the old and signs with both; finish retires the old one');
  const data = ['-d, --data <dir>', 'the registry data directory', process.env.SIGNPOST_DATA ?? 'signpost-data'] as const;
  rollover
    .command('start')
    .description('make the next zone key (both DNSKEYs published and every answer signed by both from the next start); prints when finish may run')
    .option(...data)
    .option('--algorithm <algorithm>', "the next key's algorithm: ed25519 or ecdsap256 (default: the current key's)")
    .option('--ds-ttl <duration>', "the TTL of the DS records at the namespaces' parent zones, which finish waits out (seconds, or 1h / 2d)", '86400')
    .action(async (flags: { data: string; algorithm?: string; dsTtl: string }) => (await import('../actions/dns.js')).rolloverStart(flags));
  rollover
    .command('status')
    .description('the active zone key and the next one, if a rollover is in progress, and when it may finish')
    .option(...data)
    .option('--json', 'print the status as JSON')
    .action(async (flags: { data: string; json?: boolean }) => (await import('../actions/dns.js')).rolloverStatusAction(flags));
  rollover
    .command('finish')
    .description('retire the old zone key: refused until the DNSKEY TTL plus the DS TTL have passed since start')
    .option(...data)
    .option('--force', 'finish before then: resolvers that still hold only the old DS or trust anchor fail to validate until it expires')
    .action(async (flags: { data: string; force?: boolean }) => (await import('../actions/dns.js')).rolloverFinish(flags));
}
