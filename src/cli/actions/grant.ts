import { SignpostError } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { createCapabilityGrant } from '../../core/record/capability-grant.js';
import { unwrap } from '../cli-context.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface GrantFlags extends RegistryFlags {
  key: string;
  capability: string[];
  none?: boolean;
}

export async function grant(input: string, flags: GrantFlags): Promise<void> {
  if (flags.none && flags.capability.length > 0) throw new SignpostError('REQUEST_INVALID', '--none and --capability exclude each other');
  if (!flags.none && flags.capability.length === 0) throw new SignpostError('REQUEST_INVALID', 'give at least one --capability, or --none to withdraw every grant');
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(input));
  const { client } = await connectToRegistry(flags);
  const result = unwrap(await client.grantCapabilities(name, createCapabilityGrant(key, name, flags.capability, Date.now())));
  const list = result.capabilities.length === 0 ? 'no capabilities (every grant withdrawn)' : result.capabilities.join(', ');
  process.stdout.write(`${result.name} is granted ${list} (by ${key.did})\n`);
}
