import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { verifyResolveAnswer } from '../../../client/verify-answer.js';
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
  errors: Problem[];
}

export function resolveCommand(program: Command): void {
  program
    .command('resolve')
    .description('resolve agent names and verify every signature client-side')
    .argument('<names...>', 'one or more agent names, in any accepted form')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--registry-key <did>', 'the registry key to trust (default: pinned on first use)')
    .option('--protocol <protocol>', 'wanted protocol (a2a, mcp, https, ...)')
    .option('--transport <transport>', 'wanted transport')
    .option('--version <version>', 'wanted version, exact or a prefix')
    .option('--region <region>', 'preferred region')
    .option('--json', 'print JSON (one object per name, one per line)')
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
      let exitCode: number = EXIT.ok;
      for (const name of names) {
        const { output, exit } = await resolveOne(client, name, context, trust.value.did);
        exitCode = Math.max(exitCode, exit);
        process.stdout.write(flags.json ? JSON.stringify(output) + '\n' : humanReadable(output));
      }
      process.exitCode = exitCode;
    });
}

/** Resolve and verify one name. A refusal exits as its kind says; an answer that fails verification exits 1. */
async function resolveOne(client: RegistryClient, name: string, context: RequesterContext, registryDid: string): Promise<{ output: ResolveOutput; exit: number }> {
  const parsed = parseAgentName(name);
  const failed = (errors: readonly Problem[]) => ({
    output: { name: parsed.ok ? parsed.value.canonical : name, verified: false, agentId: null, endpoint: null, endpoints: [], registry: registryDid, errors: [...errors] },
    exit: exitCodeOf(errors),
  });
  if (!parsed.ok) return failed(parsed.problems);
  const answer = await client.resolve(parsed.value.canonical, context);
  if (!answer.ok) return failed(answer.problems);
  const check = verifyResolveAnswer(answer.value, { registryDid, expectedName: parsed.value.canonical, nowMs: Date.now() });
  return {
    output: {
      name: parsed.value.canonical,
      verified: check.verified,
      agentId: answer.value.agentId,
      endpoint: check.verified ? answer.value.endpoint : null,
      endpoints: check.endpoints,
      registry: registryDid,
      errors: [...check.errors],
    },
    exit: check.verified ? EXIT.ok : EXIT.refused,
  };
}

function humanReadable(output: ResolveOutput): string {
  if (!output.verified) return `${output.name}\n  NOT VERIFIED\n${indent(formatProblems(output.errors))}\n`;
  const lines = [
    `${output.name}`,
    `  verified: yes (agent ${output.agentId}, countersigned by ${output.registry})`,
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
