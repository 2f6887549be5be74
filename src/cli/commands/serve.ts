import type { Command } from 'commander';
import type { ServeInput } from '../../app/config.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run a registry on the embedded SQLite store (or, with --role resolver, a recursive resolver)')
    .option('-p, --port <port>', 'TCP port (0 picks a free one)', process.env.SIGNPOST_PORT)
    .option('--host <host>', 'address to listen on', process.env.SIGNPOST_HOST)
    .option('-d, --data <dir>', 'data directory (store and registry key)', process.env.SIGNPOST_DATA)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--public-url <url>', 'the URL clients reach this registry at (names its did:web and status lists; default: where it listens)')
    .option('--trust-policy <file>', 'JSON file {"HIPAA": ["did:web:auditor.example", …]}: whose certification credentials count for what (default $SIGNPOST_TRUST_POLICY; none: none count)')
    .option('--did-document <path>', 'pin a DID document (a JSON file, or a directory of them; repeatable): answered as is, never fetched', (value: string, previous: string[] = []) => [...previous, value])
    .option('--namespace-owner <namespace=did>', 'who owns a namespace (may revoke its agents), instead of did:web:<namespace>; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--role <role>', 'registry (default) or resolver: a recursive resolver from --root registries, following referrals, with no store ($SIGNPOST_ROLE)')
    .option('--root <url=did>', 'with --role resolver: a root registry and the did:key its answers carry; repeatable, tried in order ($SIGNPOST_ROOTS, comma-separated)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--search-path <file>', 'with --role resolver: a split-horizon search path (JSON: ordered registries, private namespaces; spec section 24) instead of --root ($SIGNPOST_SEARCH_PATH)')
    .option('--audit-from <did>', "a split-horizon resolver's did:key whose boundary crossings this registry logs; repeatable ($SIGNPOST_AUDIT_FROM, comma-separated)", (value: string, previous: string[] = []) => [...previous, value])
    .option('--namespaces <mode>', 'names under namespaces nobody claimed: open (accepted, answered as unclaimed) or claimed-only (refused, NAMESPACE_UNCLAIMED) (default open; $SIGNPOST_NAMESPACES)')
    .option('--ownership-dns-server <address:port>', 'DNS server the TXT proofs of namespace claims are looked up at; repeatable (default: the system resolver; $SIGNPOST_OWNERSHIP_DNS_SERVER, comma-separated)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--disclosure-validity <duration>', 'lifetime of the bbs-2023 capability credentials it issues: 3600, 30m, 12h, 7d (default 24h; $SIGNPOST_DISCLOSURE_VALIDITY)')
    .option('--status-sweep <duration>', "how often certification issuers' status lists are checked again: 300, 5m, 1h (default 5m; $SIGNPOST_STATUS_SWEEP)")
    .option('--resolve-cache-entries <n>', 'most resolve answers kept ready to send (default 100000; $SIGNPOST_RESOLVE_CACHE_ENTRIES)')
    .option('--resolve-cache-bytes <size>', 'most memory for them: answers, keys and aliases, e.g. 512KiB, 64MiB, 1GiB (default 64MiB; $SIGNPOST_RESOLVE_CACHE_BYTES)')
    .option('--body-timeout <duration>', 'how long a request body may take to arrive: 15, 30s, 2m (default 15s; $SIGNPOST_BODY_TIMEOUT); then 408 REQUEST_TOO_SLOW')
    .option('--watch-max-subscribers <n>', 'most live watch streams (GET /v1/watch) at once (default 1000; $SIGNPOST_WATCH_MAX_SUBSCRIBERS); more answer 503 WATCH_FULL')
    .option('--watch-heartbeat <duration>', 'how often an idle watch stream gets a heartbeat: 15, 30s, 1m (default 15s; $SIGNPOST_WATCH_HEARTBEAT)')
    .option('--dns-port <port>', 'also serve the agent zones (_agents.<namespace>) as authoritative DNS on this UDP and TCP port (0 picks a free one; $SIGNPOST_DNS_PORT)')
    .option('--dns-host <host>', 'address the DNS face listens on (default: --host; $SIGNPOST_DNS_HOST)')
    .option('--dns-server-name <name>', "this server's name in the zones' NS and SOA records (default localhost; $SIGNPOST_DNS_SERVER_NAME)")
    .option('--dns-allow-transfer <address[=key]>', 'an address allowed to transfer the zones (AXFR/IXFR over TCP); with =KEY only by a request TSIG-signed with that key of --dns-tsig-key-file; repeatable ($SIGNPOST_DNS_ALLOW_TRANSFER, comma-separated)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--dns-notify <address:port[=key]>', 'a secondary to NOTIFY when a zone changes, TSIG-signed with KEY if given; repeatable ($SIGNPOST_DNS_NOTIFY, comma-separated)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--dns-allow-update <key[=zone]>', 'a TSIG key of --dns-tsig-key-file that may send RFC 2136 UPDATEs (nsupdate) to the zone _agents.<namespace> (or a namespace of --dns-flat-zone), or to every zone without =ZONE; each UPDATE carries one signed document, checked like an HTTP write (signpost dns update-script); repeatable ($SIGNPOST_DNS_ALLOW_UPDATE, comma-separated)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--dns-zone-algorithm <algorithm>', 'the algorithm of a new DNS zone key: ed25519 (DNSSEC algorithm 15, the default) or ecdsap256 (13); an existing key changes by signpost dns rollover ($SIGNPOST_DNS_ZONE_ALGORITHM)')
    .option('--dns-tsig-key-file <path>', 'TSIG keys for transfers, NOTIFY and UPDATE: name:algorithm:base64-secret lines or BIND key statements (a file, so no secret shows in ps; $SIGNPOST_DNS_TSIG_KEY_FILE)')
    .option('--dns-rate-limit <n>', 'response-rate limiting: UDP answers a second per client network (/24, /56); past it dropped, every 2nd truncated so real clients retry over TCP ($SIGNPOST_DNS_RATE_LIMIT; default: no limit)')
    .option('--dns-flat-zone <namespace>', "serve the namespace's whole zone, not only _agents.<namespace>: agents answer at their flat DNS-AID names too (invoices.billing.<namespace>), with TLSA for endpoints there; for namespaces that hold agents only; repeatable ($SIGNPOST_DNS_FLAT_ZONE, comma-separated)", (value: string, previous: string[] = []) => [...previous, value])
    .option('--dns-max-tcp-connections <n>', 'most DNS TCP connections open at once; past it the oldest idle one is closed (default 256; $SIGNPOST_DNS_MAX_TCP_CONNECTIONS)')
    .option('--allow-private-did-web', 'fetch did:web documents and namespace well-known proofs from private and loopback addresses too (an intranet; off by default against SSRF)')
    .option('--allow-http-did-web', 'resolve did:web of loopback hosts (127.0.0.1, localhost) over plain http: development only')
    // The flags are exactly what serveConfig reads (--trust-policy included), so the two cannot drift apart.
    .action(async (flags: ServeInput) => (await import('../actions/serve.js')).serve(flags));
}
