import { SignpostError } from '../../core/errors.js';
import { checkNamespace, createNamespaceClaim, ownerLine as ownerLineOf, challengeDnsName, CHALLENGE_WELL_KNOWN_PATH, type NamespaceDelegation, type NamespaceGrant } from '../../core/record/namespace-claim.js';
import { nextSequence } from '../../core/record/sequence.js';
import type { StoredNamespaceClaim } from '../../core/ports.js';
import { unwrap } from '../cli-context.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface NamespaceClaimFlags extends RegistryFlags {
  key: string;
  proof: string;
  grant: string[];
  delegate: string[];
}

export interface NamespaceShowFlags extends RegistryFlags {
  json?: boolean;
}

function checkedNamespace(namespace: string): string {
  const invalid = checkNamespace(namespace, '');
  if (invalid !== undefined) throw new SignpostError('REQUEST_INVALID', invalid.detail);
  return namespace;
}

export async function ownerLine(namespace: string, flags: { key: string }): Promise<void> {
  const key = await readSigningKey(flags.key);
  const line = ownerLineOf(key.did);
  checkedNamespace(namespace);
  process.stdout.write(
    `${line}\n\nPublish it as one of:\n` +
      `  ${challengeDnsName(namespace)}. 300 IN TXT "${line}"\n` +
      `  a line of https://${namespace}${CHALLENGE_WELL_KNOWN_PATH}\n` +
      `then: signpost namespace claim ${namespace} --key ${flags.key} --grant SUBTREE=AGENT_KEY …\n`,
  );
}

/** `billing=did:key:…`; the subtree "" or * is the whole namespace. */
function parseGrants(values: readonly string[]): NamespaceGrant[] {
  return values.map((value) => {
    const equals = value.indexOf('=');
    if (equals < 0) throw new SignpostError('REQUEST_INVALID', `--grant takes SUBTREE=did:key:… (e.g. billing=did:key:z6Mk…), got "${value}"`);
    const subtree = value.slice(0, equals).trim().replace(/^\*$/, '');
    return { subtree, keys: [value.slice(equals + 1).trim()] };
  });
}

/** `mbta=https://registry.example=did:key:…`; the subtree "" or * is the whole namespace. */
function parseDelegations(values: readonly string[]): NamespaceDelegation[] {
  return values.map((value) => {
    const first = value.indexOf('=');
    const last = value.lastIndexOf('=');
    if (first < 0 || last === first) throw new SignpostError('REQUEST_INVALID', `--delegate takes SUBTREE=URL=did:key:… (e.g. mbta=https://registry.example=did:key:z6Mk…), got "${value}"`);
    return { subtree: value.slice(0, first).trim().replace(/^\*$/, ''), registry: { url: value.slice(first + 1, last).trim().replace(/\/+$/, ''), id: value.slice(last + 1).trim() } };
  });
}

export async function claim(namespace: string, flags: NamespaceClaimFlags): Promise<void> {
  checkedNamespace(namespace);
  const delegations = parseDelegations(flags.delegate ?? []);
  if (flags.proof !== 'dns-txt' && flags.proof !== 'https') throw new SignpostError('REQUEST_INVALID', `--proof takes dns-txt or https, got "${flags.proof}" (a did-web claim is signed with the did:web document's key)`);
  const grants = parseGrants(flags.grant);
  const key = await readSigningKey(flags.key);
  const { client } = await connectToRegistry(flags);
  // The sequence rises over the stored claim's, whoever made it (a change of owner too).
  const stored = await client.namespaceClaim(namespace);
  if (!stored.ok && stored.problems[0]?.code !== 'NAMESPACE_CLAIM_NOT_FOUND') unwrap(stored);
  const seq = nextSequence(Date.now(), stored.ok ? stored.value.seq : undefined);
  const accepted = unwrap(await client.claimNamespace(createNamespaceClaim(key, { namespace, proof: flags.proof, seq, grants, delegations }, Date.now())));
  process.stdout.write(describe(accepted));
}

export async function show(namespace: string, flags: NamespaceShowFlags): Promise<void> {
  checkedNamespace(namespace);
  const { client } = await connectToRegistry(flags);
  const stored = unwrap(await client.namespaceClaim(namespace));
  process.stdout.write(flags.json ? `${JSON.stringify(stored, null, 2)}\n` : describe(stored));
}

function describe(stored: StoredNamespaceClaim): string {
  const { by, proof, seq, grants, delegations } = stored.claim.payload;
  const lines = grants.length === 0 ? ['  (no grants: no key may hold a name under it here)'] : grants.flatMap((grant) => grant.keys.map((key) => `  ${grant.subtree === '' ? '*' : grant.subtree}  ${key}`));
  const delegated = delegations.map((d) => `  ${d.subtree === '' ? '*' : d.subtree}  -> ${d.registry.url} (${d.registry.id})`);
  return `${stored.namespace} is owned by ${by} (proof ${proof}, sequence ${seq}, proven ${stored.provenAt})\nevidence: ${stored.evidence}\ngrants:\n${lines.join('\n')}\n${delegated.length === 0 ? '' : `delegated:\n${delegated.join('\n')}\n`}`;
}
