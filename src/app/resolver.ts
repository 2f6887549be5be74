/**
 * The composition root of `signpost serve --role resolver`: no store, only a resolver and its HTTP
 * face. With `--root`, a recursive resolver over those roots; with `--search-path FILE`, a
 * split-horizon search path whose lookups past the home registry (the first entry) are logged
 * there first, signed with the resolver's own key (`<data>/resolver-key.jwk`).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadOrCreateKeyFile } from '../adapters/key-file.js';
import { RecursiveResolver } from '../client/recursive-resolver.js';
import { RegistryClient } from '../client/registry-client.js';
import { SearchPathResolver, type SearchPathEntry } from '../client/search-path.js';
import { fail, ok, SignpostError, type Result } from '../core/errors.js';
import { parseStrictJsonBytes } from '../core/json/strict-json.js';
import { createBoundaryCrossing } from '../core/record/boundary-crossing.js';
import { checkNamespace } from '../core/record/namespace-claim.js';
import { didKeyProblem } from '../core/trust/did-key.js';
import { buildResolverFace, type NameResolver } from '../faces/resolver/resolver-server.js';
import { HTTP_URL, type ServeConfig } from './config.js';

export interface RunningResolver {
  readonly url: string;
  /** The resolver's own did:key (signs its audit records), when it runs a search path. */
  readonly did?: string;
  close(): Promise<void>;
}

export async function startResolver(config: ServeConfig): Promise<RunningResolver> {
  const { resolver, did } = await resolverOf(config);
  const app = await buildResolverFace(resolver, pino({ level: config.logLevel, base: { service: 'signpost-resolver' } }));
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // A port in use or not allowed is said to the user as LISTEN_FAILED by the CLI's failure report, as for the registry's faces.
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, ...(did === undefined ? {} : { did }), close: () => app.close() };
}

async function resolverOf(config: ServeConfig): Promise<{ resolver: NameResolver; did?: string }> {
  if (config.searchPathFile === undefined) return { resolver: new RecursiveResolver({ roots: config.roots ?? [] }) };
  const entries = parseSearchPath(parseStrictJsonBytes(await readFile(config.searchPathFile)), config.searchPathFile);
  if (!entries.ok) throw SignpostError.from(entries.problems);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const { key } = await loadOrCreateKeyFile(join(config.dataDir, 'resolver-key.jwk'));
  const home = new RegistryClient(entries.value[0]!.url);
  const resolver = new SearchPathResolver({
    entries: entries.value,
    onBoundaryCrossed: async (report) => {
      const logged = await home.reportBoundaryCrossing(createBoundaryCrossing(key, report, Date.now()));
      if (!logged.ok) throw new Error(`${logged.problems[0]!.code}: ${logged.problems[0]!.detail}`);
    },
  });
  return { resolver, did: key.did };
}

/** `{"registries": [{"name", "url", "registryKey", "privateNamespaces"?}, …]}`, first = home. */
export function parseSearchPath(parsed: Result<unknown>, file: string): Result<SearchPathEntry[]> {
  if (!parsed.ok) return parsed;
  const registries = (parsed.value as { registries?: unknown } | null)?.registries;
  const bad = (detail: string) => fail('REQUEST_INVALID', `the search path ${file}: ${detail}`);
  if (!Array.isArray(registries) || registries.length === 0 || registries.length > 16) return bad('give {"registries": [...]} with 1 to 16 registries, the home registry first');
  const entries: SearchPathEntry[] = [];
  for (const [i, entry] of registries.entries()) {
    const { name, url, registryKey, privateNamespaces } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) return bad(`registries[${i}].name must be a short lowercase name (internal, partner, public)`);
    if (typeof url !== 'string' || !HTTP_URL.test(url)) return bad(`registries[${i}].url must be an http(s) URL`);
    if (typeof registryKey !== 'string' || didKeyProblem(registryKey) !== undefined) return bad(`registries[${i}].registryKey must be the registry's did:key`);
    const namespaces = privateNamespaces ?? [];
    if (!Array.isArray(namespaces) || namespaces.some((ns) => typeof ns !== 'string' || checkNamespace(ns, '') !== undefined)) return bad(`registries[${i}].privateNamespaces must be namespaces (corp.internal)`);
    const claimedTwice = namespaces.find((ns) => entries.some((other) => other.privateNamespaces?.includes(ns as string)));
    if (claimedTwice !== undefined) return bad(`the private namespace ${String(claimedTwice)} is given to two registries`);
    entries.push({ name, url: url.replace(/\/+$/, ''), registryKey, ...(namespaces.length === 0 ? {} : { privateNamespaces: namespaces as string[] }) });
  }
  return ok(entries);
}
