import { CredentialStatusReader, type CredentialStatus } from '../../client/credential-checks.js';
import type { RegistryHint, TraceStep } from '../../client/recursive-resolver.js';
import { SignpostError } from '../../core/errors.js';
import { factsEndpoints } from '../../core/record/agent-facts.js';
import type { Ownership } from '../../core/registry/namespace-claims.js';
import type { RegistryClient } from '../../client/registry-client.js';
import { verifyResolveAnswerFully } from '../../client/verify-answer-fully.js';
import type { Problem } from '../../core/errors.js';
import { parseAgentName } from '../../core/name/index.js';
import type { RequesterContext } from '../../core/resolve/choose-endpoint.js';
import type { AgentEndpoint } from '../../core/record/types.js';
import { EXIT, exitCodeOf, formatProblems } from '../cli-context.js';
import { connectToRegistry } from '../registry-connection.js';
import type { RegistryFlags } from '../commands/options.js';

export interface ResolveFlags extends RegistryFlags {
  root?: string[];
  trace?: boolean;
  protocol?: string;
  transport?: string;
  version?: string;
  region?: string;
  json?: boolean;
}

/** What `resolve --json` prints for each name. */
interface ResolveOutput {
  name: string;
  verified: boolean;
  agentId: string | null;
  endpoint: AgentEndpoint | null;
  endpoints: AgentEndpoint[];
  registry: string | null;
  /** The records alone (signatures, countersignatures, digest, validity, endpoint), before the credential and its status. */
  signaturesVerified: boolean;
  /** The facts credential's status in the registry's signed status lists, read now (`unchecked`: not read, so not verified). */
  status: CredentialStatus;
  /** The namespace ownership the registry states (proven: its owner granted the key; unclaimed: nobody claimed it). */
  ownership?: Ownership;
  errors: Problem[];
  /** With --root: the path taken, and the registry that answered. */
  trace?: readonly TraceStep[];
  authority?: RegistryHint | null;
}

export async function resolve(names: string[], flags: ResolveFlags): Promise<void> {
  if (flags.root !== undefined && flags.root.length > 0) return resolveRecursively(names, flags, flags.root);
  if (flags.trace) throw new SignpostError('REQUEST_INVALID', '--trace explains a recursive resolution: give --root URL');
  const registry = await connectToRegistry(flags);
  if (registry.firstUse && !flags.json) process.stderr.write(`pinned registry key ${registry.registryKey} for ${registry.url}\n`);
  const context: RequesterContext = { ...definedOnly(flags) };
  // The SDK's verification (verifyResolveAnswerFully), with the registry's DID document and status lists read through this registry.
  const statusReader = new CredentialStatusReader({ registry: registry.url });
  let exitCode: number = EXIT.ok;
  for (const name of names) {
    const { output, exit } = await resolveOne(registry.client, statusReader, name, context, registry.registryKey);
    exitCode = Math.max(exitCode, exit);
    process.stdout.write(flags.json ? JSON.stringify(output) + '\n' : humanReadable(output));
  }
  process.exitCode = exitCode;
}

/** From the roots, following verified referrals; each root's key is pinned like any registry's. */
async function resolveRecursively(names: string[], flags: ResolveFlags, rootUrls: readonly string[]): Promise<void> {
  const roots: RegistryHint[] = [];
  for (const url of rootUrls) {
    const root = await connectToRegistry({ ...flags, registry: url });
    if (root.firstUse && !flags.json) process.stderr.write(`pinned registry key ${root.registryKey} for ${root.url}\n`);
    roots.push({ url: root.url, registryKey: root.registryKey });
  }
  // Loaded only for --root: a plain resolve does not pay for the referral checks.
  const { RecursiveResolver } = await import('../../client/recursive-resolver.js');
  const resolver = new RecursiveResolver({ roots });
  let exitCode: number = EXIT.ok;
  for (const name of names) {
    const result = await resolver.resolve(name, definedOnly(flags));
    const output: ResolveOutput = {
      name: result.name,
      verified: result.verified,
      agentId: result.agentId,
      endpoint: result.endpoint,
      endpoints: result.verified && result.answer ? [...factsEndpoints(result.answer.facts.payload)] : [],
      registry: result.authority?.registryKey ?? null,
      signaturesVerified: result.verified,
      status: result.status,
      ...(result.ownership ? { ownership: result.ownership } : {}),
      errors: [...result.errors],
      trace: result.trace,
      authority: result.authority,
    };
    exitCode = Math.max(exitCode, result.verified ? EXIT.ok : result.answer === null ? exitCodeOf(result.errors) : EXIT.refused);
    const text = flags.json ? JSON.stringify(output) + '\n' : humanReadable(output);
    const trace = flags.trace && !flags.json ? `  path:\n${RecursiveResolver.explain(result).map((line) => `    ${line}`).join('\n')}\n` : '';
    process.stdout.write(text + trace);
  }
  process.exitCode = exitCode;
}

/** Resolve and verify one name. A refusal exits as its kind says; an answer that fails verification exits 1. */
async function resolveOne(
  client: RegistryClient,
  statusReader: CredentialStatusReader,
  name: string,
  context: RequesterContext,
  registryDid: string,
): Promise<{ output: ResolveOutput; exit: number }> {
  const parsed = parseAgentName(name);
  const failed = (errors: readonly Problem[]) => ({
    output: { name: parsed.ok ? parsed.value.canonical : name, verified: false, agentId: null, endpoint: null, endpoints: [], registry: registryDid, signaturesVerified: false, status: 'unchecked' as const, errors: [...errors] },
    exit: exitCodeOf(errors),
  });
  if (!parsed.ok) return failed(parsed.problems);
  const answer = await client.resolve(parsed.value.canonical, context);
  if (!answer.ok) return failed(answer.problems);
  const check = await verifyResolveAnswerFully(answer.value, { registryKey: registryDid, expectedName: parsed.value.canonical, nowMs: Date.now() }, statusReader);
  return {
    output: {
      name: parsed.value.canonical,
      verified: check.verified,
      // The signed AgentAddr's, once verified: the answer's top-level agentId is a copy nobody signed.
      agentId: check.verified ? answer.value.addr.payload.agentId : answer.value.agentId,
      endpoint: check.verified ? answer.value.endpoint : null,
      endpoints: [...check.endpoints],
      registry: registryDid,
      signaturesVerified: check.signaturesVerified,
      status: check.status,
      ...(check.verified && answer.value.ownership !== undefined ? { ownership: answer.value.ownership } : {}),
      errors: [...check.errors],
    },
    exit: check.verified ? EXIT.ok : EXIT.refused,
  };
}

function describeOwnership(ownership: Ownership): string {
  if (ownership.status === 'unclaimed') return `unclaimed (nobody proved they own ${ownership.namespace})`;
  return `proven (${ownership.namespace} is owned by ${ownership.owner}, proof ${ownership.proof}; it grants this key ${ownership.subtree === '' ? 'the whole namespace' : ownership.subtree})`;
}

function humanReadable(output: ResolveOutput): string {
  if (!output.verified) return `${output.name}\n  NOT VERIFIED${output.signaturesVerified && output.status === 'unchecked' ? ': revocation status not checked' : ''}\n${indent(formatProblems(output.errors))}\n`;
  const lines = [
    `${output.name}`,
    `  verified: yes (agent ${output.agentId}, countersigned by ${output.registry})`,
    `  status: ${output.status} (the registry's signed status lists, read now)`,
    ...(output.ownership ? [`  ownership: ${describeOwnership(output.ownership)}`] : []),
    `  endpoint: ${output.endpoint ? describeEndpoint(output.endpoint) : '(none fits the requested context)'}`,
  ];
  if (output.endpoints.length > 1) lines.push(`  all endpoints:`, ...output.endpoints.map((e) => `    ${describeEndpoint(e)}`));
  return lines.join('\n') + '\n';
}

function describeEndpoint(endpoint: AgentEndpoint): string {
  const extras = [endpoint.transport, endpoint.version && `v${endpoint.version}`, endpoint.region].filter(Boolean).join(', ');
  return `${endpoint.protocol} ${endpoint.url}${extras ? ` (${extras})` : ''}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function definedOnly(flags: ResolveFlags): RequesterContext {
  const { protocol, transport, version, region } = flags;
  return Object.fromEntries(Object.entries({ protocol, transport, version, region }).filter(([, v]) => v !== undefined));
}
