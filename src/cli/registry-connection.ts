/**
 * The one way a command reaches a registry: connectToRegistry checks the key the registry presents
 * against the key pinned for its URL (pinning it on first contact) before the command sends
 * anything, so no command can talk to a registry whose key changed.
 */
import type { Result } from '../core/errors.js';
import { didKeyProblem } from '../core/trust/did-key.js';
import { RegistryClient } from '../client/registry-client.js';
import { unwrap } from './cli-context.js';
import { DEFAULT_REGISTRY, type RegistryFlags } from './commands/options.js';
import { readStateObject, stateFile, writeStateObject } from './state-files.js';

/** A registry whose key the CLI trusts: the one pinned for its URL, pinned now, or given with --registry-key. */
export interface RegistryConnection {
  readonly client: RegistryClient;
  /** The registry's base URL, without a trailing slash. */
  readonly url: string;
  /** The did:key the registry countersigns with. */
  readonly registryKey: string;
  /** True when this call pinned the key. */
  readonly firstUse: boolean;
}

/**
 * Connect to the registry of `--registry` (else $SIGNPOST_REGISTRY, else http://127.0.0.1:8700):
 * its key must be the one pinned for that URL, or `--registry-key`. Throws REGISTRY_KEY_CHANGED
 * (exit 1) otherwise, and REGISTRY_UNREACHABLE (exit 3) when it does not answer.
 */
export async function connectToRegistry(flags: RegistryFlags): Promise<RegistryConnection> {
  const client = new RegistryClient(flags.registry ?? process.env.SIGNPOST_REGISTRY ?? DEFAULT_REGISTRY);
  const trusted = unwrap(await trustedRegistryKey(client, flags.registryKey));
  return { client, url: client.baseUrl, registryKey: trusted.did, firstUse: trusted.firstUse };
}

/**
 * Trust on first use, as SSH does for host keys: the first registry key seen for a URL is
 * pinned in $SIGNPOST_HOME/known-registries.json; a different key later is refused loudly.
 * `--registry-key` pins explicitly and wins.
 */
async function trustedRegistryKey(client: RegistryClient, explicit: string | undefined): Promise<Result<{ did: string; firstUse: boolean }>> {
  const identity = await client.identity();
  if (!identity.ok) return identity;
  const presented = identity.value.id;
  // A small-order key verifies a forged countersignature on anything: it is never trusted, nor pinned.
  for (const did of explicit === undefined ? [presented] : [presented, explicit]) {
    const weak = didKeyProblem(did, '/id');
    if (weak !== undefined) return { ok: false, problems: [weak] };
  }
  if (explicit !== undefined) {
    return presented === explicit
      ? { ok: true, value: { did: explicit, firstUse: false } }
      : { ok: false, problems: [{ code: 'REGISTRY_KEY_CHANGED', detail: `${client.baseUrl} presents ${presented}, expected ${explicit}` }] };
  }
  const known = await readKnownRegistries();
  const pinned = known[client.baseUrl];
  if (pinned === undefined) {
    await writeKnownRegistries({ ...known, [client.baseUrl]: presented });
    return { ok: true, value: { did: presented, firstUse: true } };
  }
  if (pinned !== presented) {
    const file = knownRegistriesFile();
    return {
      ok: false,
      problems: [{ code: 'REGISTRY_KEY_CHANGED', detail: `${client.baseUrl} now presents ${presented}; ${file} pins ${pinned}. If the registry really changed its key, remove that entry.` }],
    };
  }
  return { ok: true, value: { did: pinned, firstUse: false } };
}

/** Registry keys pinned for any URL: an offline `verify` accepts a countersignature by one of them. */
export async function pinnedRegistryKeys(): Promise<Set<string>> {
  return new Set(Object.values(await readKnownRegistries()).filter((did) => didKeyProblem(did) === undefined));
}

function knownRegistriesFile(): string {
  return stateFile('known-registries.json');
}

function readKnownRegistries(): Promise<Record<string, string>> {
  return readStateObject(knownRegistriesFile(), (did): did is string => typeof did === 'string', 'registry URLs to did:keys');
}

function writeKnownRegistries(known: Record<string, string>): Promise<void> {
  return writeStateObject(knownRegistriesFile(), known);
}
