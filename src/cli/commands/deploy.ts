import type { Command } from 'commander';
import { SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { DeployFlags } from '../actions/deploy.js';

export function deployCommand(program: Command): void {
  const command = program
    .command('deploy')
    .description('publish the instances an agent runs now (where, protocol, version, capacity, load, cost), signed by its key: what POST /v1/resolve tailors endpoints from')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the agent's key; ${SECRET_NAME_NOTE}`)
    .requiredOption('-f, --file <instances.json>', 'a JSON array of instances: {id, url, protocol, version?, country?, city?, latitude?, longitude?, capacity?, load?, cost?, healthy?} (spec section 23)');
  withRegistryOptions(command).action(async (name: string, flags: DeployFlags) => (await import('../actions/deploy.js')).deploy(name, flags));
}
