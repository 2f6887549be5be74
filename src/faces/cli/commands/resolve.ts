import type { Command } from 'commander';
import { CredentialStatusReader, type CredentialStatus } from '../../../client/credential-checks.js';
import { RegistryClient } from '../../../client/registry-client.js';
import { verifyResolveAnswerFully } from '../../../client/verify-answer-fully.js';
import type { Problem } from '../../../core/errors.js';
import { parseAgentName } from '../../../core/name/index.js';
import type { RequesterContext } from '../../../core/resolve/choose-endpoint.js';
import type { AgentEndpoint } from '../../../core/record/types.js';
import { EXIT, exitCodeOf, formatProblems, registryUrlOf, trustedRegistryKey } from '../cli-context.js';

interface ResolveFlags {
  registry?: string;
  registryKey?: string;
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
  errors: Problem[];
}

export function resolveCommand(program: Command): void {
  program
    .command('resolve')
    .description('resolve agent names and verify every answer client-side, as the SDK does')
    .argument('<names...>', 'one or more agent names, in any accepted form')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--registry-key <did>', 'the registry key to trust (default: pinned on first use)')
    .option('--protocol <protocol>', 'wanted protocol (a2a, mcp, https, ...)')
    .option('--transport <transport>', 'wanted transport')
    .option('--version <version>', 'wanted version, exact or a prefix')
    .option('--region <region>', 'preferred region')
    .option('--json', 'print JSON (one object per name, one per line)')
    .addHelpText(
      'after',
      `
Every answer is verified as SignpostClient verifies it: both signed records, the countersignatures by
the pinned registry key, the facts digest, the validity period, that the endpoint is one the agent
signed, the registry's facts credential, and its revocation and suspension bits in the registry's
signed status lists, fetched now. "verified" is true only when all of that holds.

--json prints {name, verified, agentId, endpoint, endpoints, registry, signaturesVerified, status,
errors} per name; signaturesVerified is the records alone; status is "good", "revoked", "suspended"
or "unchecked" (not read, e.g. STATUS_LIST_UNAVAILABLE: then the answer is not verified).
Exit codes: 0 every name verified; 1 an answer did not verify (revoked, stale, tampered, status
unchecked) or the registry refused the name; 2 bad usage; 3 registry unreachable.`,
    )
    .action(async (names: string[], flags: ResolveFlags) => {
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const trust = await trustedRegistryKey(client, flags.registryKey);
      if (!trust.ok) {
        process.stderr.write(formatProblems(trust.problems) + '\n');
        process.exitCode = exitCodeOf(trust.problems);
        return;
      }
      if (trust.value.firstUse && !flags.json) process.stderr.write(`pinned registry key ${trust.value.did} for ${client.baseUrl}\n`);
      const context: RequesterContext = { ...definedOnly(flags) };
      // The SDK's verification (verifyResolveAnswerFully), with the registry's DID document and status lists read through this registry.
      const statusReader = new CredentialStatusReader({ registry: client.baseUrl });
      let exitCode: number = EXIT.ok;
      for (const name of names) {
        const { output, exit } = await resolveOne(client, statusReader, name, context, trust.value.did);
        exitCode = Math.max(exitCode, exit);
        process.stdout.write(flags.json ? JSON.stringify(output) + '\n' : humanReadable(output));
      }
      process.exitCode = exitCode;
    });
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
      errors: [...check.errors],
    },
    exit: check.verified ? EXIT.ok : EXIT.refused,
  };
}

function humanReadable(output: ResolveOutput): string {
  if (!output.verified) return `${output.name}\n  NOT VERIFIED${output.signaturesVerified && output.status === 'unchecked' ? ': revocation status not checked' : ''}\n${indent(formatProblems(output.errors))}\n`;
  const lines = [
    `${output.name}`,
    `  verified: yes (agent ${output.agentId}, countersigned by ${output.registry})`,
    `  status: ${output.status} (the registry's signed status lists, read now)`,
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
