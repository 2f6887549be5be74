import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { SignpostError } from '../../../core/errors.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { createCapabilityGrant } from '../../../core/record/capability-grant.js';
import { readKeyFile } from '../../../app/key-file.js';
import { registryUrlOf, unwrap } from '../cli-context.js';

interface GrantFlags {
  key: string;
  capability: string[];
  none?: boolean;
  registry?: string;
}

export function grantCommand(program: Command): void {
  program
    .command('grant')
    .description("attest an agent's capabilities (what its certificates may carry); signed by the registry operator key")
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', "the registry operator's key (the registry-key.jwk of its data directory)")
    .option('-c, --capability <token>', 'a capability, e.g. retrain (repeatable); replaces the previous grant', collect, [])
    .option('--none', 'withdraw every grant')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .action(async (input: string, flags: GrantFlags) => {
      if (flags.none && flags.capability.length > 0) throw new SignpostError('REQUEST_INVALID', '--none and --capability exclude each other');
      if (!flags.none && flags.capability.length === 0) throw new SignpostError('REQUEST_INVALID', 'give at least one --capability, or --none to withdraw every grant');
      const key = await readKeyFile(flags.key);
      const name = unwrap(canonicalAgentName(input));
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const result = unwrap(await client.grantCapabilities(name, createCapabilityGrant(key, name, flags.capability, Date.now())));
      const list = result.capabilities.length === 0 ? 'no capabilities (every grant withdrawn)' : result.capabilities.join(', ');
      process.stdout.write(`${result.name} is granted ${list} (by ${key.did})\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
