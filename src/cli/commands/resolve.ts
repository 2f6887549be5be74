import type { Command } from 'commander';
import { withRegistryOptions } from './options.js';
import type { ResolveFlags } from '../actions/resolve.js';

export function resolveCommand(program: Command): void {
  const command = program
    .command('resolve')
    .description('resolve agent names and verify every answer client-side, as the SDK does')
    .argument('<names...>', 'one or more agent names, in any accepted form');
  withRegistryOptions(command)
    .option('--protocol <protocol>', 'wanted protocol (a2a, mcp, https, ...)')
    .option('--transport <transport>', 'wanted transport')
    .option('--version <version>', 'wanted version, exact or a prefix')
    .option('--region <region>', 'preferred region')
    .option('--root <url>', 'resolve recursively from this root registry, following referrals (repeatable: tried in order); its key is pinned like --registry', (value: string, previous: string[] = []) => [...previous, value])
    .option('--trace', 'with --root: print the path taken, registry by registry')
    .option('--json', 'print JSON (one object per name, one per line)')
    .addHelpText(
      'after',
      `
Every answer is verified as SignpostClient verifies it: both signed records, the countersignatures by
the pinned registry key, the facts digest, the validity period, that the endpoint is one the agent
signed, the registry's facts credential, and its revocation and suspension bits in the registry's
signed status lists, fetched now. "verified" is true only when all of that holds.

--json prints {name, verified, agentId, endpoint, endpoints, registry, signaturesVerified, status,
errors} per name (with --root also trace and authority); signaturesVerified is the records alone; status is "good", "revoked", "suspended"
or "unchecked" (not read, e.g. STATUS_LIST_UNAVAILABLE: then the answer is not verified).
Exit codes: 0 every name verified; 1 an answer did not verify (revoked, stale, tampered, status
unchecked) or the registry refused the name; 2 bad usage; 3 registry unreachable.`,
    )
    .action(async (names: string[], flags: ResolveFlags) => (await import('../actions/resolve.js')).resolve(names, flags));
}
