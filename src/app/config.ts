import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fail, ok, SignpostError, type Result } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import { parseAgentName } from '../core/name/index.js';
import { didKeyProblem } from '../core/trust/did-key.js';
import { parseDidWeb } from '../core/trust/did-web/did-web-url.js';
import { parseTrustPolicy } from '../core/registry/certifications.js';
import { NAMESPACE_MODES, type NamespaceMode } from '../core/registry/namespace-claims.js';
import type { TrustPolicy } from '../core/trust/credentials/certification-credential.js';
import { durationSeconds } from './duration.js';
import { ZONE_ALGORITHMS, type ZoneAlgorithmName } from '../faces/dns/zone-key.js';

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** Directory of the embedded store and the registry key. */
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The URL clients reach this registry at: it names its did:web and its status lists. Default: where it listens. */
  readonly publicUrl?: string;
  /** JSON file mapping certification names to the issuer DIDs that count for them; none: no certification counts. */
  readonly trustPolicyFile?: string;
  /** Pinned DID documents (files, or directories of `*.json`): answered as they are, never fetched. */
  readonly didDocuments?: readonly string[];
  /** Resolve did:web of loopback hosts over plain http (development only; did:web is https). */
  readonly allowHttpDidWeb?: boolean;
  /** Fetch did:web documents from private, loopback and link-local addresses (an intranet's organisations). */
  readonly allowPrivateDidWeb?: boolean;
  /** Lifetime of the bbs-2023 capability credentials it issues (and the most a request may ask for); default 24 h. */
  readonly disclosureValiditySeconds?: number;
  /** Namespace → owner DID, replacing the default owner `did:web:<namespace>`. */
  readonly namespaceOwners?: Readonly<Record<string, string>>;
  /** Whether names under namespaces nobody claimed are accepted; default `open`. */
  readonly namespaceMode?: NamespaceMode;
  /** DNS servers the TXT proofs of namespace claims are looked up at (`127.0.0.1:5353`); default: the system's. */
  readonly ownershipDnsServers?: readonly string[];
  /** `registry` (default) or `resolver`: a recursive resolver over `roots`, with no store. */
  readonly role?: 'registry' | 'resolver';
  /** The root registries a resolver starts from, with the keys their answers must carry. */
  readonly roots?: readonly { readonly url: string; readonly registryKey: string }[];
  /** A resolver's split-horizon search path file (JSON, spec section 24). */
  readonly searchPathFile?: string;
  /** Resolver did:keys whose boundary-crossing audit records this registry logs. */
  readonly auditFrom?: readonly string[];
  /** Seconds between sweeps of stored certifications against their issuers' status lists; default 300. */
  readonly statusSweepSeconds?: number;
  /** Most resolve answers cached; default 100,000. */
  readonly resolveCacheEntries?: number;
  /** Most bytes of resolve answers cached (bodies, keys and aliases); default 64 MiB. */
  readonly resolveCacheBytes?: number;
  /** Seconds a request body may take to arrive, from its headers on; default 15. */
  readonly bodyTimeoutSeconds?: number;
  /** Most live watch streams at once; default 1,000. */
  readonly watchMaxSubscribers?: number;
  /** Seconds between heartbeats of an idle watch stream; default 15. */
  readonly watchHeartbeatSeconds?: number;
  /** Serve the agent zones over DNS (UDP and TCP) on this port; unset: no DNS face. */
  readonly dnsPort?: number;
  /** The address the DNS face listens on; default: `host`. */
  readonly dnsHost?: string;
  /** This server's name in the zones' NS and SOA; default `localhost`. */
  readonly dnsServerName?: string;
  /** Addresses allowed to transfer the zones (AXFR, IXFR), each with the TSIG key its requests must be signed with, if any; default none. */
  readonly dnsAllowTransfer?: readonly { readonly address: string; readonly key?: string }[];
  /** Secondaries told of every change of a zone (NOTIFY), each with the TSIG key to sign it with, if any. */
  readonly dnsNotify?: readonly { readonly host: string; readonly port: number; readonly key?: string }[];
  /** The TSIG keys that may send UPDATEs (RFC 2136), each for one zone (`_agents.<namespace>`) or, without one, for every zone; default none. */
  readonly dnsAllowUpdate?: readonly { readonly key: string; readonly zone?: string }[];
  /** The file of TSIG keys (name:algorithm:secret lines or BIND key statements), read at start. */
  readonly dnsTsigKeyFile?: string;
  /** UDP answers a second per client network (response-rate limiting); unset: no limit. */
  readonly dnsRateLimit?: number;
  /** The algorithm of a new DNS zone key (the first start); default ed25519. */
  readonly dnsZoneAlgorithm?: ZoneAlgorithmName;
  /** Namespaces whose whole zone the DNS face serves (flat DNS-AID owner names), not just `_agents.<namespace>`. */
  readonly dnsFlatZones?: readonly string[];
  /** Most DNS TCP connections open at once; default DEFAULT_DNS_MAX_TCP_CONNECTIONS. */
  readonly dnsMaxTcpConnections?: number;
}

export interface ServeInput {
  readonly host?: string | undefined;
  readonly port?: string | number | undefined;
  readonly data?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly publicUrl?: string | undefined;
  /** `--trust-policy`: the trust policy file. */
  readonly trustPolicy?: string | undefined;
  /** `--did-document`, repeatable. */
  readonly didDocument?: readonly string[] | string | undefined;
  readonly allowHttpDidWeb?: boolean | undefined;
  readonly allowPrivateDidWeb?: boolean | undefined;
  /** Seconds, or 30m / 12h / 7d. */
  readonly disclosureValidity?: string | undefined;
  /** `--namespace-owner NAMESPACE=DID`, repeatable. */
  readonly namespaceOwner?: readonly string[] | string | undefined;
  /** `--namespaces open|claimed-only` (also SIGNPOST_NAMESPACES). */
  readonly namespaces?: string | undefined;
  /** `--ownership-dns-server ADDRESS:PORT`, repeatable (also SIGNPOST_OWNERSHIP_DNS_SERVER, comma-separated). */
  readonly ownershipDnsServer?: readonly string[] | string | undefined;
  /** `--role registry|resolver` (also SIGNPOST_ROLE). */
  readonly role?: string | undefined;
  /** `--root URL=DID`, repeatable (also SIGNPOST_ROOTS, comma-separated). */
  readonly root?: readonly string[] | string | undefined;
  /** `--search-path FILE` (also SIGNPOST_SEARCH_PATH). */
  readonly searchPath?: string | undefined;
  /** `--audit-from DID`, repeatable (also SIGNPOST_AUDIT_FROM, comma-separated). */
  readonly auditFrom?: readonly string[] | string | undefined;
  /** Seconds, or 30m / 12h (also SIGNPOST_STATUS_SWEEP): the certification status sweep interval. */
  readonly statusSweep?: string | undefined;
  /** A count (also SIGNPOST_RESOLVE_CACHE_ENTRIES). */
  readonly resolveCacheEntries?: string | undefined;
  /** Bytes, or 512KiB / 64MiB / 1GiB (also SIGNPOST_RESOLVE_CACHE_BYTES). */
  readonly resolveCacheBytes?: string | undefined;
  /** Seconds, or 30s / 2m (also SIGNPOST_BODY_TIMEOUT). */
  readonly bodyTimeout?: string | undefined;
  /** A count (also SIGNPOST_WATCH_MAX_SUBSCRIBERS). */
  readonly watchMaxSubscribers?: string | undefined;
  /** Seconds, or 30s / 1m (also SIGNPOST_WATCH_HEARTBEAT). */
  readonly watchHeartbeat?: string | undefined;
  /** `--dns-port` (also SIGNPOST_DNS_PORT). */
  readonly dnsPort?: string | number | undefined;
  readonly dnsHost?: string | undefined;
  readonly dnsServerName?: string | undefined;
  /** `--dns-allow-transfer ADDRESS[=KEY]`, repeatable (also SIGNPOST_DNS_ALLOW_TRANSFER, comma-separated). */
  readonly dnsAllowTransfer?: readonly string[] | string | undefined;
  /** `--dns-notify HOST:PORT[=KEY]`, repeatable (also SIGNPOST_DNS_NOTIFY, comma-separated). */
  readonly dnsNotify?: readonly string[] | string | undefined;
  /** `--dns-allow-update KEY[=ZONE]`, repeatable (also SIGNPOST_DNS_ALLOW_UPDATE, comma-separated). */
  readonly dnsAllowUpdate?: readonly string[] | string | undefined;
  /** `--dns-tsig-key-file PATH` (also SIGNPOST_DNS_TSIG_KEY_FILE). */
  readonly dnsTsigKeyFile?: string | undefined;
  /** `--dns-zone-algorithm ed25519|ecdsap256` (also SIGNPOST_DNS_ZONE_ALGORITHM). */
  readonly dnsZoneAlgorithm?: string | undefined;
  /** `--dns-rate-limit N` (also SIGNPOST_DNS_RATE_LIMIT). */
  readonly dnsRateLimit?: string | undefined;
  /** `--dns-flat-zone NAMESPACE`, repeatable (also SIGNPOST_DNS_FLAT_ZONE, comma-separated). */
  readonly dnsFlatZone?: readonly string[] | string | undefined;
  /** `--dns-max-tcp-connections N` (also SIGNPOST_DNS_MAX_TCP_CONNECTIONS). */
  readonly dnsMaxTcpConnections?: string | undefined;
}

export const DEFAULT_PORT = 8700;
/** An http(s) URL without query or fragment: a public URL, a root registry, a search path entry. */
export const HTTP_URL = /^https?:\/\/[^/?#]+(\/[^?#]*)?$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * parse → validate → normalize: flags win over environment variables, which win over defaults.
 * The environment is read by the caller and passed in, so this stays testable.
 */
export function serveConfig(flags: ServeInput, env: Record<string, string | undefined>): Result<ServeConfig> {
  const portText = String(flags.port ?? env.SIGNPOST_PORT ?? DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) return fail('REQUEST_INVALID', `port must be 0..65535, got "${portText}"`);
  const logLevel = flags.logLevel ?? env.SIGNPOST_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return fail('REQUEST_INVALID', `log level must be one of ${LOG_LEVELS.join(', ')}`);
  const publicUrl = flags.publicUrl ?? env.SIGNPOST_PUBLIC_URL;
  if (publicUrl !== undefined && !HTTP_URL.test(publicUrl)) {
    return fail('REQUEST_INVALID', `public URL must be an http(s) URL without query or fragment, got "${publicUrl}"`);
  }
  const disclosureValidity = flags.disclosureValidity ?? env.SIGNPOST_DISCLOSURE_VALIDITY;
  const disclosureValiditySeconds = disclosureValidity === undefined ? undefined : (durationSeconds(disclosureValidity) ?? Number.NaN);
  if (disclosureValiditySeconds !== undefined && (Number.isNaN(disclosureValiditySeconds) || disclosureValiditySeconds < 60 || disclosureValiditySeconds > 7 * 86_400)) {
    return fail('REQUEST_INVALID', `capability credential validity must be 60s .. 7d (e.g. 3600, 30m, 12h, 7d), got "${disclosureValidity}"`);
  }
  const statusSweep = flags.statusSweep ?? env.SIGNPOST_STATUS_SWEEP;
  const statusSweepSeconds = statusSweep === undefined ? undefined : (durationSeconds(statusSweep) ?? Number.NaN);
  if (statusSweepSeconds !== undefined && (Number.isNaN(statusSweepSeconds) || statusSweepSeconds < 1 || statusSweepSeconds > 86_400)) {
    return fail('REQUEST_INVALID', `status sweep interval must be 1s .. 24h (e.g. 300, 5m, 1h), got "${statusSweep}"`);
  }
  const bodyTimeout = flags.bodyTimeout ?? env.SIGNPOST_BODY_TIMEOUT;
  const bodyTimeoutSeconds = bodyTimeout === undefined ? undefined : (durationSeconds(bodyTimeout) ?? Number.NaN);
  if (bodyTimeoutSeconds !== undefined && (Number.isNaN(bodyTimeoutSeconds) || bodyTimeoutSeconds < 1 || bodyTimeoutSeconds > 600)) {
    return fail('REQUEST_INVALID', `body timeout must be 1s .. 10m (e.g. 15, 30s, 2m), got "${bodyTimeout}"`);
  }
  const watch = watchOptions(flags, env);
  if (!watch.ok) return watch;
  const dns = dnsOptions(flags, env);
  if (!dns.ok) return dns;
  const dnsZones = dnsZoneOptions(flags, env);
  if (!dnsZones.ok) return dnsZones;
  // A zone an UPDATE key is limited to must be one the DNS face serves.
  const unserved = dns.value.dnsAllowUpdate?.find(({ zone }) => zone !== undefined && !zone.startsWith('_agents.') && !(dnsZones.value.dnsFlatZones ?? []).includes(zone));
  if (unserved) return fail('REQUEST_INVALID', `--dns-allow-update ${unserved.key}=${unserved.zone}: the zones are _agents.<namespace>, and ${unserved.zone} only with --dns-flat-zone ${unserved.zone}`);
  const swallowed = dns.value.dnsAllowUpdate?.find(({ zone }) => zone?.startsWith('_agents.') && (dnsZones.value.dnsFlatZones ?? []).includes(zone.slice('_agents.'.length)));
  if (swallowed) {
    const namespace = swallowed.zone!.slice('_agents.'.length);
    return fail('REQUEST_INVALID', `--dns-allow-update ${swallowed.key}=${swallowed.zone}: ${namespace} is served whole (--dns-flat-zone), so its zone is ${namespace}: give ${swallowed.key}=${namespace}`);
  }
  const namespaceOwners = namespaceOwnerOption(flags.namespaceOwner);
  if (!namespaceOwners.ok) return namespaceOwners;
  const claims = namespaceClaimOptions(flags, env);
  if (!claims.ok) return claims;
  const role = roleOptions(flags, env);
  if (!role.ok) return role;
  const resolveCache = resolveCacheOptions(flags, env);
  if (!resolveCache.ok) return resolveCache;
  return ok({
    ...namespaceOwners.value,
    ...claims.value,
    ...role.value,
    ...resolveCache.value,
    ...watch.value,
    ...dns.value,
    ...dnsZones.value,
    ...trustPolicyOption(flags, env),
    ...(disclosureValiditySeconds === undefined ? {} : { disclosureValiditySeconds }),
    ...(statusSweepSeconds === undefined ? {} : { statusSweepSeconds }),
    ...(bodyTimeoutSeconds === undefined ? {} : { bodyTimeoutSeconds }),
    ...(publicUrl === undefined ? {} : { publicUrl: publicUrl.replace(/\/+$/, '') }),
    ...didWebOptions(flags),
    host: flags.host ?? env.SIGNPOST_HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(flags.data ?? env.SIGNPOST_DATA ?? 'signpost-data'),
    logLevel: logLevel as ServeConfig['logLevel'],
  });
}

/** A repeatable flag's values, or else the comma-separated environment variable's. */
function repeatedOption(flag: readonly string[] | string | undefined, variable: string | undefined): string[] {
  return (flag === undefined ? (variable?.split(',') ?? []) : typeof flag === 'string' ? [flag] : [...flag]).map((item) => item.trim()).filter((item) => item !== '');
}

/** The process's role, and a resolver's roots (`http://127.0.0.1:8700=did:key:z6Mk…`). */
function roleOptions(flags: ServeInput, env: Record<string, string | undefined>): Result<Pick<ServeConfig, 'role' | 'roots' | 'searchPathFile' | 'auditFrom'>> {
  const role = flags.role ?? env.SIGNPOST_ROLE ?? 'registry';
  if (role !== 'registry' && role !== 'resolver') return fail('REQUEST_INVALID', `--role takes registry or resolver, got "${role}"`);
  const roots: { url: string; registryKey: string }[] = [];
  for (const pair of repeatedOption(flags.root, env.SIGNPOST_ROOTS)) {
    const equals = pair.lastIndexOf('=');
    const url = pair.slice(0, equals).replace(/\/+$/, '');
    const registryKey = pair.slice(equals + 1);
    if (equals < 0 || !HTTP_URL.test(url) || didKeyProblem(registryKey) !== undefined) {
      return fail('REQUEST_INVALID', `--root takes URL=DID (a root registry and its did:key, e.g. http://127.0.0.1:8700=did:key:z6Mk…), got "${pair}"`);
    }
    roots.push({ url, registryKey });
  }
  const searchPathFile = flags.searchPath ?? env.SIGNPOST_SEARCH_PATH;
  if (role === 'resolver' && roots.length === 0 && searchPathFile === undefined) return fail('REQUEST_INVALID', 'a resolver needs its registries: --root URL=did:key:… or --search-path FILE');
  if (role === 'resolver' && roots.length > 0 && searchPathFile !== undefined) return fail('REQUEST_INVALID', 'give a resolver --root or --search-path, not both (a search path entry may be a root)');
  if (role === 'registry' && (roots.length > 0 || searchPathFile !== undefined)) return fail('REQUEST_INVALID', '--root and --search-path are for --role resolver');
  const auditFrom = repeatedOption(flags.auditFrom, env.SIGNPOST_AUDIT_FROM);
  const badAuditor = auditFrom.find((did) => didKeyProblem(did) !== undefined);
  if (badAuditor !== undefined) return fail('REQUEST_INVALID', `--audit-from takes a resolver's did:key, got "${badAuditor}"`);
  return ok({
    ...(role === 'resolver' ? { role } : {}),
    ...(roots.length === 0 ? {} : { roots }),
    ...(searchPathFile === undefined ? {} : { searchPathFile: resolve(searchPathFile) }),
    ...(auditFrom.length === 0 ? {} : { auditFrom }),
  });
}

/** The mode for unclaimed namespaces, and the DNS servers claims' TXT proofs are read from. */
function namespaceClaimOptions(flags: ServeInput, env: Record<string, string | undefined>): Result<Pick<ServeConfig, 'namespaceMode' | 'ownershipDnsServers'>> {
  const mode = flags.namespaces ?? env.SIGNPOST_NAMESPACES;
  if (mode !== undefined && !(NAMESPACE_MODES as readonly string[]).includes(mode)) return fail('REQUEST_INVALID', `--namespaces takes ${NAMESPACE_MODES.join(' or ')}, got "${mode}"`);
  const servers = repeatedOption(flags.ownershipDnsServer, env.SIGNPOST_OWNERSHIP_DNS_SERVER);
  for (const server of servers) {
    const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(server);
    const address = match?.[1] ?? match?.[2];
    if (!match || address === undefined || isIP(address) === 0 || Number(match[3] ?? 53) > 65_535) {
      return fail('REQUEST_INVALID', `--ownership-dns-server takes ADDRESS[:PORT] (e.g. 127.0.0.1:5353, [::1]:53), got "${server}"`);
    }
  }
  return ok({ ...(mode === undefined ? {} : { namespaceMode: mode as NamespaceMode }), ...(servers.length === 0 ? {} : { ownershipDnsServers: servers }) });
}

/** `acme.com=did:web:acme-holding.example` pairs; a namespace named twice is an error, not a silent override. */
function namespaceOwnerOption(input: ServeInput['namespaceOwner']): Result<Pick<ServeConfig, 'namespaceOwners'>> {
  const pairs = input === undefined ? [] : typeof input === 'string' ? [input] : input;
  const owners: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)=(did:(?:web|key):[^\s#]+)$/.exec(pair);
    if (!match) return fail('REQUEST_INVALID', `--namespace-owner takes NAMESPACE=DID (e.g. acme.com=did:web:acme-holding.example), got "${pair}"`);
    if (Object.hasOwn(owners, match[1]!)) return fail('REQUEST_INVALID', `--namespace-owner names ${match[1]} twice`);
    const keyProblem = match[2]!.startsWith('did:key:') ? didKeyProblem(match[2]!) : undefined;
    if (keyProblem !== undefined) return fail(keyProblem.code === 'KEY_WEAK' ? 'KEY_WEAK' : 'REQUEST_INVALID', `--namespace-owner: ${keyProblem.detail}`);
    const didWeb = match[2]!.startsWith('did:web:') ? parseDidWeb(match[2]!) : undefined;
    if (didWeb !== undefined && !didWeb.ok) return fail('REQUEST_INVALID', `--namespace-owner: ${didWeb.problems[0]?.detail ?? `${match[2]} is not a valid did:web`}`);
    owners[match[1]!] = match[2]!;
  }
  return ok(pairs.length === 0 ? {} : { namespaceOwners: owners });
}

const KiB = 1024;
const GiB = 1024 ** 3;
const BYTE_UNITS = { '': 1, b: 1, k: KiB, m: 1024 * KiB, g: GiB } as const;

/** `1048576`, `512KiB`, `64MiB`, `1GiB` (also `64M`, `64m`) in bytes; undefined for anything else (`64MB` is ambiguous). */
export function byteSize(text: string): number | undefined {
  const match = /^(\d{1,12})\s*(?:([kmg])(?:ib)?|(b))?$/i.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? match[3] ?? '').toLowerCase() as keyof typeof BYTE_UNITS];
}

/** The bounds of the resolve answer cache (flags, then SIGNPOST_RESOLVE_CACHE_ENTRIES / _BYTES); unset: the cache's defaults. */
function resolveCacheOptions(flags: ServeInput, env: Record<string, string | undefined>): Result<Pick<ServeConfig, 'resolveCacheEntries' | 'resolveCacheBytes'>> {
  const entriesText = flags.resolveCacheEntries ?? env.SIGNPOST_RESOLVE_CACHE_ENTRIES;
  const entries = entriesText === undefined ? undefined : /^\d{1,8}$/.test(entriesText.trim()) ? Number(entriesText) : Number.NaN;
  if (entries !== undefined && !(entries >= 1 && entries <= 10_000_000)) {
    return fail('REQUEST_INVALID', `resolve cache entries must be 1 .. 10000000, got "${entriesText}"`);
  }
  const bytesText = flags.resolveCacheBytes ?? env.SIGNPOST_RESOLVE_CACHE_BYTES;
  const bytes = bytesText === undefined ? undefined : (byteSize(bytesText) ?? Number.NaN);
  // Below 64 KiB hardly a large answer would fit; above 64 GiB is surely a typo.
  if (bytes !== undefined && !(bytes >= 64 * KiB && bytes <= 64 * GiB)) {
    return fail('REQUEST_INVALID', `resolve cache size must be 64KiB .. 64GiB (e.g. 1048576, 512KiB, 64MiB, 1GiB), got "${bytesText}"`);
  }
  return ok({ ...(entries === undefined ? {} : { resolveCacheEntries: entries }), ...(bytes === undefined ? {} : { resolveCacheBytes: bytes }) });
}

/** The live watch's bounds (flags, then SIGNPOST_WATCH_MAX_SUBSCRIBERS / _HEARTBEAT); unset: the watch's defaults. */
function watchOptions(flags: ServeInput, env: Record<string, string | undefined>): Result<Pick<ServeConfig, 'watchMaxSubscribers' | 'watchHeartbeatSeconds'>> {
  const subscribersText = flags.watchMaxSubscribers ?? env.SIGNPOST_WATCH_MAX_SUBSCRIBERS;
  const subscribers = subscribersText === undefined ? undefined : /^\d{1,7}$/.test(subscribersText.trim()) ? Number(subscribersText) : Number.NaN;
  if (subscribers !== undefined && !(subscribers >= 0 && subscribers <= 1_000_000)) {
    return fail('REQUEST_INVALID', `watch subscribers must be 0 .. 1000000 (0 turns the watch off), got "${subscribersText}"`);
  }
  const heartbeatText = flags.watchHeartbeat ?? env.SIGNPOST_WATCH_HEARTBEAT;
  const heartbeat = heartbeatText === undefined ? undefined : (durationSeconds(heartbeatText) ?? Number.NaN);
  if (heartbeat !== undefined && !(heartbeat >= 1 && heartbeat <= 3600)) {
    return fail('REQUEST_INVALID', `watch heartbeat must be 1s .. 1h (e.g. 15, 30s, 1m), got "${heartbeatText}"`);
  }
  return ok({ ...(subscribers === undefined ? {} : { watchMaxSubscribers: subscribers }), ...(heartbeat === undefined ? {} : { watchHeartbeatSeconds: heartbeat }) });
}

/** A TSIG key's name as the flags take it: a domain name. */
const TSIG_KEY_NAME = '[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?\\.?';

/** The DNS face: a port (0 picks a free one), an address, and the server's name in NS and SOA; transfers, NOTIFY and their TSIG keys. */
function dnsOptions(flags: ServeInput, env: Record<string, string | undefined>): Result<Pick<ServeConfig, 'dnsPort' | 'dnsHost' | 'dnsServerName' | 'dnsAllowTransfer' | 'dnsNotify' | 'dnsAllowUpdate' | 'dnsRateLimit' | 'dnsTsigKeyFile' | 'dnsZoneAlgorithm'>> {
  const portText = flags.dnsPort ?? env.SIGNPOST_DNS_PORT;
  if (portText === undefined) return ok({});
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(String(portText)) || port > 65_535) return fail('REQUEST_INVALID', `DNS port must be 0..65535, got "${portText}"`);
  const serverName = flags.dnsServerName ?? env.SIGNPOST_DNS_SERVER_NAME;
  if (serverName !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(serverName)) {
    return fail('REQUEST_INVALID', `DNS server name must be a host name (e.g. ns1.example.com), got "${serverName}"`);
  }
  const host = flags.dnsHost ?? env.SIGNPOST_DNS_HOST;
  const tsigKeyFile = flags.dnsTsigKeyFile ?? env.SIGNPOST_DNS_TSIG_KEY_FILE;
  // A key is named after `=`; it must be one of the key file's, which is read (and checked) at start.
  const keyOf = (entry: string, key: string | undefined): Result<{ key?: string }> => {
    if (key === undefined) return ok({});
    if (!tsigKeyFile) return fail('REQUEST_INVALID', `"${entry}" names the TSIG key ${key}, but no --dns-tsig-key-file gives keys`);
    return ok({ key: key.toLowerCase().replace(/\.$/, '') });
  };
  const allowTransfer: { address: string; key?: string }[] = [];
  for (const entry of repeatedOption(flags.dnsAllowTransfer, env.SIGNPOST_DNS_ALLOW_TRANSFER)) {
    const match = new RegExp(`^([^=]+)(?:=(${TSIG_KEY_NAME}))?$`, 'i').exec(entry);
    if (!match || isIP(match[1]!) === 0) return fail('REQUEST_INVALID', `--dns-allow-transfer takes an IP address, or ADDRESS=TSIG-KEY-NAME, got "${entry}"`);
    const address = canonicalAddress(match[1]!);
    if (allowTransfer.some((allowed) => allowed.address === address)) return fail('REQUEST_INVALID', `--dns-allow-transfer names ${match[1]} twice`);
    const key = keyOf(entry, match[2]);
    if (!key.ok) return key;
    allowTransfer.push({ address, ...key.value });
  }
  const notify: { host: string; port: number; key?: string }[] = [];
  for (const target of repeatedOption(flags.dnsNotify, env.SIGNPOST_DNS_NOTIFY)) {
    const match = new RegExp(`^(?:\\[([0-9a-f:.]+)\\]|([0-9.]+)):(\\d{1,5})(?:=(${TSIG_KEY_NAME}))?$`, 'i').exec(target);
    const address = match?.[1] ?? match?.[2];
    if (!match || address === undefined || isIP(address) === 0 || Number(match[3]) > 65_535) {
      return fail('REQUEST_INVALID', `--dns-notify takes ADDRESS:PORT[=TSIG-KEY-NAME] (e.g. 127.0.0.1:5301, [::1]:5301=transfer-key), got "${target}"`);
    }
    const key = keyOf(target, match[4]);
    if (!key.ok) return key;
    notify.push({ host: canonicalAddress(address), port: Number(match[3]), ...key.value });
  }
  const allowUpdate = updateKeysOption(repeatedOption(flags.dnsAllowUpdate, env.SIGNPOST_DNS_ALLOW_UPDATE), tsigKeyFile);
  if (!allowUpdate.ok) return allowUpdate;
  const rateText = flags.dnsRateLimit ?? env.SIGNPOST_DNS_RATE_LIMIT;
  const rate = rateText === undefined ? undefined : /^\d{1,7}$/.test(rateText.trim()) ? Number(rateText) : Number.NaN;
  if (rate !== undefined && !(rate >= 1 && rate <= 1_000_000)) return fail('REQUEST_INVALID', `--dns-rate-limit takes answers a second per client network, 1 .. 1000000, got "${rateText}"`);
  const algorithm = flags.dnsZoneAlgorithm ?? env.SIGNPOST_DNS_ZONE_ALGORITHM;
  if (algorithm !== undefined && !Object.hasOwn(ZONE_ALGORITHMS, algorithm)) {
    return fail('REQUEST_INVALID', `--dns-zone-algorithm takes ${Object.keys(ZONE_ALGORITHMS).join(' or ')}, got "${algorithm}"`);
  }
  return ok({
    ...(algorithm === undefined ? {} : { dnsZoneAlgorithm: algorithm as ZoneAlgorithmName }),
    ...(rate === undefined ? {} : { dnsRateLimit: rate }),
    dnsPort: port,
    ...(host === undefined ? {} : { dnsHost: host }),
    ...(serverName === undefined ? {} : { dnsServerName: serverName.replace(/\.$/, '') }),
    ...(allowTransfer.length === 0 ? {} : { dnsAllowTransfer: allowTransfer }),
    ...(notify.length === 0 ? {} : { dnsNotify: notify }),
    ...(allowUpdate.value.length === 0 ? {} : { dnsAllowUpdate: allowUpdate.value }),
    ...(tsigKeyFile === undefined || tsigKeyFile === '' ? {} : { dnsTsigKeyFile: resolve(tsigKeyFile) }),
  });
}

/**
 * An IP address as the DNS face compares a peer's: IPv6 lowercase and compressed, as sockets report
 * it; an IPv4-mapped one as its IPv4 address (the face strips `::ffff:` from peers too).
 */
function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

/** The DNS face's zones of whole namespaces (checked as an agent name's namespace is) and its TCP connection cap. */
function dnsZoneOptions(flags: ServeInput, env: Record<string, string | undefined>): Result<Pick<ServeConfig, 'dnsFlatZones' | 'dnsMaxTcpConnections'>> {
  const flatZones: string[] = [];
  for (const entry of repeatedOption(flags.dnsFlatZone, env.SIGNPOST_DNS_FLAT_ZONE)) {
    const parsed = parseAgentName(`agent://${entry.replace(/\.$/, '')}/x`);
    if (!parsed.ok) return fail('REQUEST_INVALID', `--dns-flat-zone takes a namespace (a DNS name, e.g. agents.example.com), got "${entry}": ${parsed.problems[0]!.detail}`);
    if (!flatZones.includes(parsed.value.name.namespace)) flatZones.push(parsed.value.name.namespace);
  }
  const capText = flags.dnsMaxTcpConnections ?? env.SIGNPOST_DNS_MAX_TCP_CONNECTIONS;
  const cap = capText === undefined ? undefined : /^\d{1,6}$/.test(capText.trim()) ? Number(capText) : Number.NaN;
  if (cap !== undefined && !(cap >= 1 && cap <= 100_000)) return fail('REQUEST_INVALID', `--dns-max-tcp-connections takes 1 .. 100000, got "${capText}"`);
  return ok({ ...(flatZones.length === 0 ? {} : { dnsFlatZones: flatZones }), ...(cap === undefined ? {} : { dnsMaxTcpConnections: cap }) });
}

/**
 * `--dns-allow-update KEY[=ZONE]`: a TSIG key of the key file, and the one zone it may update (none:
 * every zone): `_agents.<namespace>`, or a namespace served whole (`--dns-flat-zone`).
 */
function updateKeysOption(entries: readonly string[], tsigKeyFile: string | undefined): Result<{ key: string; zone?: string }[]> {
  const allowed: { key: string; zone?: string }[] = [];
  for (const entry of entries) {
    const match = new RegExp(`^(${TSIG_KEY_NAME})(?:=([a-z0-9_.-]+?)\\.?)?$`, 'i').exec(entry);
    if (!match) return fail('REQUEST_INVALID', `--dns-allow-update takes TSIG-KEY-NAME or TSIG-KEY-NAME=ZONE (e.g. update-key=_agents.acme.com), got "${entry}"`);
    if (!tsigKeyFile) return fail('REQUEST_INVALID', `"${entry}" names the TSIG key ${match[1]}, but no --dns-tsig-key-file gives keys`);
    // The zone's namespace is what an agent name's namespace may be.
    const zone = match[2]?.toLowerCase();
    const namespace = zone?.startsWith('_agents.') ? zone.slice('_agents.'.length) : zone;
    if (namespace !== undefined && !parseAgentName(`agent://${namespace}/x`).ok) return fail('REQUEST_INVALID', `--dns-allow-update: ${match[2]} is not _agents.<namespace> or a namespace`);
    allowed.push({ key: match[1]!.toLowerCase().replace(/\.$/, ''), ...(zone === undefined ? {} : { zone }) });
  }
  return ok(allowed);
}

/** The did:web resolver flags: pinned document paths made absolute (the data dir may differ from the cwd later). */
function didWebOptions(flags: ServeInput): Pick<ServeConfig, 'didDocuments' | 'allowHttpDidWeb' | 'allowPrivateDidWeb'> {
  const paths = flags.didDocument === undefined ? [] : typeof flags.didDocument === 'string' ? [flags.didDocument] : flags.didDocument;
  return {
    ...(paths.length === 0 ? {} : { didDocuments: paths.map((p) => resolve(p)) }),
    ...(flags.allowHttpDidWeb === true ? { allowHttpDidWeb: true } : {}),
    ...(flags.allowPrivateDidWeb === true ? { allowPrivateDidWeb: true } : {}),
  };
}

/** The trust policy file (flag, then SIGNPOST_TRUST_POLICY), made absolute; it is read by loadTrustPolicy. */
function trustPolicyOption(flags: ServeInput, env: Record<string, string | undefined>): Pick<ServeConfig, 'trustPolicyFile'> {
  const file = flags.trustPolicy ?? env.SIGNPOST_TRUST_POLICY;
  return file === undefined || file === '' ? {} : { trustPolicyFile: resolve(file) };
}

/** Largest trust policy file read: a policy lists issuers, it is never big. */
const MAX_TRUST_POLICY_BYTES = 1024 * 1024;

/**
 * Read and check the trust policy file (`serve --trust-policy`); no file means an empty policy.
 * Every problem is reported at start-up, naming the file and the entry, not at the first submission.
 */
export async function loadTrustPolicy(file: string | undefined): Promise<TrustPolicy> {
  if (file === undefined) return {};
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (error) {
    throw new SignpostError('REQUEST_INVALID', `trust policy ${file} is unreadable: ${(error as Error).message}`);
  }
  if (text.byteLength > MAX_TRUST_POLICY_BYTES) throw new SignpostError('REQUEST_INVALID', `trust policy ${file} is larger than ${MAX_TRUST_POLICY_BYTES} bytes`);
  const read = parseStrictJsonBytes(text);
  if (!read.ok) throw new SignpostError('REQUEST_INVALID', `trust policy ${file} is not usable JSON: ${read.problems[0]!.detail}`);
  const parsed = parseTrustPolicy(read.value);
  if (parsed.ok) return parsed.value;
  throw SignpostError.from(parsed.problems.map((p) => ({ ...p, detail: `trust policy ${file}: ${p.detail}` })));
}
