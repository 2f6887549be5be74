import type { Command } from 'commander';
import { collect, SECRET_NAME_NOTE } from './options.js';
import type { UpdateScriptFlags } from '../actions/dns-update-script.js';

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
  command
    .command('update-script')
    .description('print an nsupdate script that publishes a signed document through the DNS face (RFC 2136 UPDATE): a registration (an endpoint change), a deployment, a status change or a tombstone; offline, pipe it to nsupdate -k KEYFILE')
    .argument('<name>', 'agent name, e.g. agent://acme.com/billing/invoices')
    .requiredOption('-k, --key <file>', `the agent key (or the registry operator's, for --status); ${SECRET_NAME_NOTE}`)
    .option('--public-url <url>', "a registration: the registry's public URL, which the AgentAddr's factsUrl points into")
    .option('-e, --endpoint <proto=url>', 'a registration: an endpoint, e.g. mcp=https://mcp.acme.com (repeatable)', collect, [])
    .option('-f, --facts <file>', 'a registration: JSON file with AgentFacts claims')
    .option('--label <text>', 'a registration: short human label')
    .option('--description <text>', 'a registration: what the agent does')
    .option('--ttl <seconds>', 'a registration: how long resolvers may cache the record', '3600')
    .option('--next-key <file|did>', 'a registration: the pre-announced next key (repeat it on every update of a name that announced one)')
    .option('--deployment <file>', 'a deployment instead: JSON file of the instances (as signpost deploy --file)')
    .option('--status <action>', 'a status change instead: revoke, suspend or reinstate (with --reason)')
    .option('--reason <text>', 'why (with --status)')
    .option('--deregister', 'a tombstone instead: deregister the agent')
    .option('--release', 'with --deregister: release the name to any key')
    .option('--server <host[:port]>', "the registry's DNS face (nsupdate's server line; default: nsupdate finds the zone's primary)")
    .action(async (name: string, flags: UpdateScriptFlags) => (await import('../actions/dns-update-script.js')).updateScript(name, flags));
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
