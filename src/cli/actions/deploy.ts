import { canonicalAgentName } from '../../core/name/index.js';
import { checkDeployment, createDeployment, type DeploymentInstance } from '../../core/record/deployment.js';
import { unwrap } from '../cli-context.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface DeployFlags extends RegistryFlags {
  key: string;
  file: string;
}

export async function deploy(input: string, flags: DeployFlags): Promise<void> {
  const name = unwrap(canonicalAgentName(input));
  const instances = unwrap(await readJsonFile(flags.file)) as DeploymentInstance[];
  const key = await readSigningKey(flags.key);
  const deployment = createDeployment(key, name, instances, Date.now());
  // Checked here too, so a mistake in the file is named before anything is sent.
  unwrap(checkDeployment(deployment.payload));
  const { client } = await connectToRegistry(flags);
  const published = unwrap(await client.publishDeployment(deployment));
  process.stdout.write(`${name} runs ${instances.length} instance${instances.length === 1 ? '' : 's'}: ${instances.map((i) => i.id).join(', ')} (sequence ${published.seq})\n`);
}
