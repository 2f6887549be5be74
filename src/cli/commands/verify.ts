import type { Command } from 'commander';
import type { VerifyFlags } from '../actions/verify.js';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check a saved resolve answer: its signatures, and its revocation status at the registry')
    .argument('<file>', 'JSON file: a resolve answer (or an agent record {addr, facts?}, which carries no status to check)')
    .option('--registry-key <did>', 'the registry key to trust (default: any key pinned by earlier resolves)')
    .option('--name <name>', 'the name the record must be for')
    .option('--offline', 'do not fetch the status lists: only the signatures are checked, and the answer is not reported verified')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The checks are those of signpost resolve and the SDK: both records, the countersignatures by the
trusted registry key, the facts digest, the validity period, the endpoint, the registry's facts
credential, and its revocation and suspension bits in the registry's signed status lists, fetched
from the credential's credentialStatus URLs and believed only if signed by the trusted key.

"verified" means all of them passed now, for a registry key you trust (--registry-key, or pinned
by an earlier resolve); an answer countersigned by any other key is never verified. With --offline, or when a status list cannot be fetched,
revocation is not checked: the result is NOT verified, status "unchecked", with the problem
STATUS_LIST_UNAVAILABLE; signaturesVerified still tells whether the signatures hold.

--json prints {name, verified, signaturesVerified, status, registryTrusted, errors}; status is
"good", "revoked", "suspended" or "unchecked".
Exit codes: 0 verified; 1 not verified (including status unchecked); 2 bad usage, or a file that
cannot be read or is not strict JSON (duplicate member names, nesting deeper than 32, ...).`,
    )
    .action(async (file: string, flags: VerifyFlags) => (await import('../actions/verify.js')).verify(file, flags));
}
