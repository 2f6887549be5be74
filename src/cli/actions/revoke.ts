import { SignpostError } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { createStatusChange } from '../../core/record/registration.js';
import { unwrap } from '../cli-context.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface RevokeFlags extends RegistryFlags {
  key: string;
  reason: string;
  suspend?: boolean;
  reinstate?: boolean;
  as?: string;
}

export async function revoke(input: string, flags: RevokeFlags): Promise<void> {
  if (flags.suspend && flags.reinstate) throw new SignpostError('REQUEST_INVALID', '--suspend and --reinstate exclude each other');
  const action = flags.suspend ? 'suspend' : flags.reinstate ? 'reinstate' : 'revoke';
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(input));
  const { client } = await connectToRegistry(flags);
  const by = flags.as ?? key.did;
  const result = unwrap(await client.changeStatus(name, createStatusChange(key, name, action, flags.reason, Date.now(), by)));
  process.stdout.write(`${result.name} is now ${result.state} (${action} by ${by})\n`);
}
