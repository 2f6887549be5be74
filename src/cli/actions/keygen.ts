import { createAgentKey, warnIfCommittable } from '../secret-files.js';

export async function keygen(flags: { out?: string }): Promise<void> {
  const { key, path } = await createAgentKey(flags.out);
  process.stdout.write(`${key.did}\n`);
  process.stderr.write(`wrote ${path} (keep it secret: whoever holds it controls the agent's names)\n`);
  await warnIfCommittable(path, 'a private key');
}
