/**
 * MCP registry → import plan.
 *
 * Accepts the current server.json shape (`name`, `title`, `version`, `websiteUrl`, `icons`,
 * `packages[{registryType, identifier, version, transport, environmentVariables, packageArguments}]`,
 * `remotes[{type, url, headers}]`), the older registry export of the seed file (`version_detail`,
 * `packages[{registry_name, name, version, environment_variables, package_arguments}]`,
 * `remotes[{transport_type, url}]`), the registry API wrapper `{servers: [{server, _meta}]}`, a bare
 * array of either, or a single server.
 *
 * Names: the reverse-DNS namespace is turned around (`io.github.owner` → `owner.github.io`) and the
 * part after "/" becomes the one path label. Secrets never travel: of environment variables and
 * headers only the names are kept, of arguments only their descriptors (never values or defaults).
 */

import { fail, ok, type Result } from '../errors.js';
import {
  agentNameFrom,
  buildPlan,
  fittedText,
  httpUrl,
  isRecord,
  nonEmpty,
  reasonOf,
  shortText,
  skip,
  type Draft,
} from './common.js';
import { packageUrl } from './purl.js';
import type { ImportPlan } from './types.js';

const MAX_LABEL = 256;
const MAX_DESCRIPTION = 8192;
const MAX_SKILL_DESCRIPTION = 4096;
const MAX_VERSION = 64;
const MAX_ENDPOINTS = 64;
const OFFICIAL_META = 'io.modelcontextprotocol.registry/official';
/** Hosts whose reverse-DNS namespace is `<tld>.<host>.<owner>`: the owner is the provider. */
const CODE_HOSTS: ReadonlySet<string> = new Set(['io.github', 'io.gitlab', 'org.bitbucket', 'com.github', 'com.gitlab']);
/** Argument fields that describe an argument; `value`, `default` and `variables` are left out. */
const ARGUMENT_DESCRIPTORS: Readonly<Record<string, string>> = {
  type: 'type',
  name: 'name',
  description: 'description',
  format: 'format',
  isRequired: 'isRequired',
  is_required: 'isRequired',
  isRepeated: 'isRepeated',
  is_repeated: 'isRepeated',
  isSecret: 'isSecret',
  is_secret: 'isSecret',
  valueHint: 'valueHint',
  value_hint: 'valueHint',
  choices: 'choices',
};

interface Entry {
  readonly server: unknown;
  readonly meta: unknown;
}

/** Plan the import of an MCP registry document (any of the shapes above). */
export function planMcpImport(document: unknown): Result<ImportPlan> {
  const entries = entriesOf(document);
  if (!entries.ok) return entries;
  return ok(buildPlan(entries.value.map((entry, index) => draftServer(entry, index))));
}

// --- shapes --------------------------------------------------------------------------------

function entriesOf(document: unknown): Result<Entry[]> {
  let items: unknown[];
  if (Array.isArray(document)) items = document;
  else if (isRecord(document) && Array.isArray(document.servers)) items = document.servers;
  else if (isRecord(document) && (isRecord(document.server) || typeof document.name === 'string')) items = [document];
  else {
    return fail(
      'IMPORT_UNSUPPORTED_SHAPE',
      `expected an MCP server.json object, an array of them, or a registry response {"servers": [...]}, but got ${describe(document)}`,
    );
  }
  const entries = items.map(unwrap);
  if (entries.length > 0 && !entries.some((e) => isServerLike(e.server))) {
    return fail('IMPORT_UNSUPPORTED_SHAPE', `none of the ${entries.length} entries is an MCP server (an object with a "name")`);
  }
  return ok(entries);
}

/** `{server, _meta}` (registry API) or a bare server, whose `_meta` (older API) sits inside it. */
function unwrap(item: unknown): Entry {
  if (isRecord(item) && isRecord(item.server)) return { server: item.server, meta: item._meta };
  return { server: item, meta: isRecord(item) ? item._meta : undefined };
}

function isServerLike(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && 'name' in value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with the fields ${keys.slice(0, 8).map((k) => JSON.stringify(k)).join(', ')}`;
  }
  return `a ${typeof value}`;
}

// --- one server ----------------------------------------------------------------------------

function draftServer(entry: Entry, index: number): Draft {
  const server = entry.server;
  if (!isServerLike(server)) return skip(`entry #${index}`, 'not an MCP server entry: expected an object with a "name"');
  const source = nonEmpty(server.name) ?? `entry #${index}`;
  const named = mapName(server.name);
  if (!named.ok) return skip(source, reasonOf(named.problems));
  const retired = retiredReason(server, entry.meta);
  if (retired !== undefined) return skip(source, retired);
  return { ok: true, source, name: named.value.name, claims: claimsOf(server, source, named.value) };
}

interface MappedName {
  readonly name: string;
  /** The publisher: the account on a code host, else the domain. */
  readonly owner: string;
  /** The server part after "/", as written. */
  readonly server: string;
}

function mapName(raw: unknown): Result<MappedName> {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return fail('NAME_EMPTY', 'the server entry has no name');
  const slash = text.indexOf('/');
  if (slash === -1) {
    return fail('NAME_MISSING_PATH', `the server name ${JSON.stringify(text)} has no "/<server>" after its reverse-DNS namespace`);
  }
  const reversed = text.slice(0, slash).split('.');
  const server = text.slice(slash + 1);
  const name = agentNameFrom([...reversed].reverse(), server);
  if (!name.ok) return name;
  const host = reversed.slice(0, 2).join('.').toLowerCase();
  const owner = reversed.length === 3 && CODE_HOSTS.has(host) ? (reversed[2] ?? '') : [...reversed].reverse().join('.').toLowerCase();
  return ok({ name: name.value, owner, server });
}

/** Registry metadata that says this entry should not be imported: an older version, or deleted. */
function retiredReason(server: Record<string, unknown>, meta: unknown): string | undefined {
  const official = isRecord(meta) && isRecord(meta[OFFICIAL_META]) ? meta[OFFICIAL_META] : {};
  const status = official.status ?? server.status;
  if (status === 'deleted') return 'deleted from the registry (status "deleted")';
  const versionDetail = isRecord(server.version_detail) ? server.version_detail : {};
  if (official.isLatest === false || versionDetail.is_latest === false) {
    return 'not the latest version of this server (the registry marks it as superseded)';
  }
  return undefined;
}

// --- claims --------------------------------------------------------------------------------

function claimsOf(server: Record<string, unknown>, source: string, named: MappedName): Record<string, unknown> {
  const repository = isRecord(server.repository) ? server.repository : {};
  const repositoryUrl = httpUrl(repository.url);
  const websiteUrl = httpUrl(server.websiteUrl);
  const versionDetail = isRecord(server.version_detail) ? server.version_detail : {};
  const version = nonEmpty(versionDetail.version) ?? nonEmpty(server.version);
  const label = fittedText(server.title, MAX_LABEL) ?? fittedText(named.server, MAX_LABEL) ?? named.server;
  const description = nonEmpty(server.description);
  const packages = (Array.isArray(server.packages) ? server.packages : []).filter(isRecord).map(readPackage);
  const remotes = (Array.isArray(server.remotes) ? server.remotes : []).filter(isRecord).map(readRemote);
  const endpoints = dedupe([...remotes.flatMap((r) => r.endpoint ?? []), ...packages.flatMap((p) => p.endpoint ?? [])]);
  const iconUrl = firstIcon(server.icons);

  const mcp: Record<string, unknown> = { name: source };
  if (version !== undefined && shortText(version, MAX_VERSION) === undefined) mcp.version = version;
  const repositoryInfo = pick(repository, ['url', 'source', 'id', 'subfolder']);
  if (Object.keys(repositoryInfo).length > 0) mcp.repository = repositoryInfo;
  if (packages.length > 0) mcp.packages = packages.map((p) => p.info);
  if (remotes.some((r) => r.endpoint === undefined || r.info.headers !== undefined || r.info.variables !== undefined)) mcp.remotes = remotes.map((r) => r.info);

  const skill: Record<string, unknown> = { id: 'mcp-server', name: label };
  if (description !== undefined) skill.description = fittedText(description, MAX_SKILL_DESCRIPTION);
  const provider: Record<string, unknown> = {};
  const owner = fittedText(named.owner, MAX_LABEL);
  if (owner !== undefined) provider.name = owner;
  if (repositoryUrl !== undefined) provider.url = repositoryUrl;

  return {
    label,
    ...(description === undefined ? {} : { description: fittedText(description, MAX_DESCRIPTION) }),
    ...(version === undefined || shortText(version, MAX_VERSION) === undefined ? {} : { version }),
    provider,
    ...(websiteUrl ?? repositoryUrl ? { documentationUrl: websiteUrl ?? repositoryUrl } : {}),
    ...(iconUrl === undefined ? {} : { iconUrl }),
    tags: unique(['mcp', ...packages.map((p) => p.registryType).filter((t) => t !== '' && t !== 'unknown')]),
    skills: [skill],
    ...(endpoints.length === 0 ? {} : { endpoints: { static: endpoints.slice(0, MAX_ENDPOINTS) } }),
    extensions: { mcp },
  };
}

interface Endpoint {
  readonly url: string;
  readonly protocol: 'mcp';
  readonly transport: string;
}

interface ReadPackage {
  readonly registryType: string;
  readonly info: Record<string, unknown>;
  readonly endpoint?: Endpoint;
}

function readPackage(pkg: Record<string, unknown>): ReadPackage {
  const registryType = (nonEmpty(pkg.registryType) ?? nonEmpty(pkg.registry_name) ?? 'unknown').toLowerCase();
  const identifier = nonEmpty(pkg.identifier) ?? nonEmpty(pkg.name) ?? '';
  const version = nonEmpty(pkg.version);
  const registryBaseUrl = nonEmpty(pkg.registryBaseUrl) ?? nonEmpty(pkg.registry_base_url);
  const transport = isRecord(pkg.transport) ? pkg.transport : {};
  const transportType = normalizeTransport(transport.type) ?? 'stdio';
  const info: Record<string, unknown> = { registryType, identifier };
  if (version !== undefined) info.version = version;
  if (registryBaseUrl !== undefined) info.registryBaseUrl = registryBaseUrl;
  const runtimeHint = nonEmpty(pkg.runtimeHint) ?? nonEmpty(pkg.runtime_hint);
  if (runtimeHint !== undefined) info.runtimeHint = runtimeHint;
  info.transport = { type: transportType, ...(nonEmpty(transport.url) ? { url: nonEmpty(transport.url) } : {}) };
  const environment = variableNames(pkg.environmentVariables ?? pkg.environment_variables);
  if (environment.length > 0) info.environmentVariables = environment;
  const packageArguments = argumentDescriptors(pkg.packageArguments ?? pkg.package_arguments);
  if (packageArguments.length > 0) info.packageArguments = packageArguments;
  const runtimeArguments = argumentDescriptors(pkg.runtimeArguments ?? pkg.runtime_arguments);
  if (runtimeArguments.length > 0) info.runtimeArguments = runtimeArguments;
  const url = packageUrl({
    registryType,
    identifier,
    ...(version === undefined ? {} : { version }),
    ...(registryBaseUrl === undefined ? {} : { registryBaseUrl }),
  });
  return { registryType, info, ...(url === undefined ? {} : { endpoint: { url, protocol: 'mcp', transport: transportType } }) };
}

interface ReadRemote {
  readonly info: Record<string, unknown>;
  readonly endpoint?: Endpoint;
}

function readRemote(remote: Record<string, unknown>): ReadRemote {
  // A URL template (`https://{tenant}.example/mcp`) needs its variables filled in before use.
  const written = httpUrl(remote.url);
  const url = written !== undefined && !/\{[^}]*\}/.test(written) ? written : undefined;
  const transport =
    normalizeTransport(remote.type ?? remote.transport_type) ?? (written !== undefined && /\/sse\/?$/i.test(new URL(written).pathname) ? 'sse' : 'streamable-http');
  const headers = variableNames(remote.headers);
  const info: Record<string, unknown> = { type: transport, url: typeof remote.url === 'string' ? remote.url : null };
  if (headers.length > 0) info.headers = headers;
  if (isRecord(remote.variables) && Object.keys(remote.variables).length > 0) info.variables = Object.keys(remote.variables);
  return { info, ...(url === undefined ? {} : { endpoint: { url, protocol: 'mcp', transport } }) };
}

/** `sse`, `streamable-http` (also spelled `streamable`, `http`, `streamableHttp`), `stdio`, or as written. */
function normalizeTransport(value: unknown): string | undefined {
  const text = nonEmpty(value)?.toLowerCase();
  if (text === undefined) return undefined;
  if (text === 'streamable' || text === 'http' || text === 'streamablehttp' || text === 'streamable_http') return 'streamable-http';
  return shortText(text, 64);
}

/** Names only: the description or value of an environment variable or header may hold a secret. */
function variableNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) => (isRecord(v) && nonEmpty(v.name) !== undefined ? [nonEmpty(v.name) as string] : []));
}

function argumentDescriptors(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((argument) => {
    const descriptor: Record<string, unknown> = {};
    for (const [field, as] of Object.entries(ARGUMENT_DESCRIPTORS)) {
      if (argument[field] !== undefined && descriptor[as] === undefined) descriptor[as] = argument[field];
    }
    return descriptor;
  });
}

function firstIcon(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const icon of value) {
    const src = isRecord(icon) ? httpUrl(icon.src) : undefined;
    if (src !== undefined) return src;
  }
  return undefined;
}

function pick(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    const value = nonEmpty(record[field]);
    if (value !== undefined) picked[field] = value;
  }
  return picked;
}

function dedupe(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return endpoints.filter((e) => {
    const key = `${e.transport} ${e.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
