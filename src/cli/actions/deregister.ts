import { canonicalAgentName } from '../../core/name/index.js';
import { createTombstone } from '../../core/record/registration.js';
import { nextSequenceFor } from '../agent-writes.js';
import { unwrap } from '../cli-context.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface DeregisterFlags extends RegistryFlags {
  key: string;
  release?: boolean;
}

export async function deregister(input: string, flags: DeregisterFlags): Promise<void> {
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(input));
  const { client } = await connectToRegistry(flags);
  const seq = unwrap(await nextSequenceFor(client, name, Date.now()));
  const result = unwrap(await client.deregister(name, createTombstone(key, name, seq, flags.release ?? false)));
  process.stdout.write(`deregistered ${result.name}${flags.release ? ' (name released)' : ''}\n`);
}
