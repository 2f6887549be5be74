import type { RegistryClient } from '../../client/registry-client.js';
import { fail, ok, SignpostError, type Result } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { createRegistration } from '../../core/record/registration.js';
import type { AgentEndpoint } from '../../core/record/types.js';
import { didOfKeyArgument, nextSequenceFor } from '../agent-writes.js';
import { unwrap } from '../cli-context.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface RegisterFlags extends RegistryFlags {
  key: string;
  name: string;
  endpoint: string[];
  facts?: string;
  label?: string;
  description?: string;
  ttl: string;
  json?: boolean;
  nextKey?: string;
}

export async function register(flags: RegisterFlags): Promise<void> {
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(flags.name));
  const claims = unwrap(await claimsOf(flags));
  const ttl = Number(flags.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new SignpostError('REQUEST_INVALID', `--ttl must be a positive whole number of seconds`);
  const announcedNextKey = flags.nextKey === undefined ? undefined : await didOfKeyArgument(flags.nextKey);
  const { client } = await connectToRegistry(flags);
  const now = Date.now();
  const seq = unwrap(await nextSequenceFor(client, name, now));
  const nextKey = announcedNextKey === undefined ? await storedCommitment(client, name, key.did) : { nextKey: announcedNextKey };
  const registration = createRegistration({ key, name, claims, factsUrl: client.factsUrl(name), seq, nowMs: now, ttl, ...nextKey });
  const stored = unwrap(await client.register(registration));
  if (flags.json) {
    process.stdout.write(JSON.stringify(stored, null, 2) + '\n');
    return;
  }
  process.stdout.write(`registered ${stored.name}\n  agent id: ${stored.agentId}\n  sequence: ${stored.seq}\n  countersigned by ${stored.addr.countersig.by} at ${stored.addr.countersig.at}\n`);
}

/** An update keeps the next key its record already announced: only a rotation may change it. */
async function storedCommitment(client: RegistryClient, name: string, did: string): Promise<{ nextKeySha256?: string }> {
  const current = await client.agent(name);
  const committed = current.ok && current.value.agentId === did ? current.value.addr.payload.nextKeySha256 : undefined;
  return committed === undefined ? {} : { nextKeySha256: committed };
}

/** Claims from --facts, --label, --description and --endpoint; the signing fields are set later. */
export async function claimsOf(flags: Pick<RegisterFlags, 'facts' | 'label' | 'description' | 'endpoint'>): Promise<Result<Record<string, unknown>>> {
  let claims: Record<string, unknown> = {};
  if (flags.facts !== undefined) {
    const parsed = await readJsonObject(flags.facts);
    if (!parsed.ok) return parsed;
    const { type: _type, v: _v, id: _id, agent_name: _name, ...rest } = parsed.value;
    claims = rest;
  }
  if (flags.label !== undefined) claims.label = flags.label;
  if (flags.description !== undefined) claims.description = flags.description;
  const endpoints: AgentEndpoint[] = [];
  for (const spec of flags.endpoint) {
    const endpoint = parseEndpoint(spec);
    if (!endpoint.ok) return endpoint;
    endpoints.push(endpoint.value);
  }
  if (endpoints.length > 0) {
    const existing = (claims.endpoints ?? {}) as { static?: unknown[] };
    claims.endpoints = { ...existing, static: [...(existing.static ?? []), ...endpoints] };
  }
  return ok(claims);
}

function parseEndpoint(spec: string): Result<AgentEndpoint> {
  const match = /^([a-z][a-z0-9+.-]{0,31})=(.+)$/i.exec(spec);
  if (!match || !URL.canParse(match[2]!)) return fail('REQUEST_INVALID', `--endpoint takes PROTOCOL=URL, e.g. mcp=https://mcp.acme.com, got "${spec}"`);
  return ok({ protocol: match[1]!.toLowerCase(), url: match[2]! });
}

async function readJsonObject(path: string): Promise<Result<Record<string, unknown>>> {
  const read = await readJsonFile(path);
  if (!read.ok) return read;
  const value = read.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('FACTS_INVALID', `${path} must hold a JSON object`);
  return ok(value as Record<string, unknown>);
}
