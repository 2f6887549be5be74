import type { Command } from 'commander';
import type { LogVerifyFlags } from '../actions/log.js';
import { withRegistryOptions } from './options.js';

export function logCommand(program: Command): void {
  const command = program.command('log').description("check a registry's event log: its signed history of every write");
  const verify = command
    .command('verify')
    .description('recompute the whole log, check the signed head, and check it extends every head seen before')
    .option('--from <file>', 'check a saved copy (written by --save) instead of fetching the log; no network')
    .option('--save <file>', 'write the checked copy (head and entries) to this file')
    .option('--against <file>', 'an earlier saved copy: if the log was rewritten, name the first entry that differs')
    .option('--json', 'print the result as JSON');
  withRegistryOptions(verify).addHelpText(
    'after',
    `
Fetches the registry's signed tree head (GET /v1/log/head) and every entry, recomputes each leaf
and the RFC 9162 tree hash, and checks that the head is signed by the pinned registry key and that
the entries hash to it. Every head this check accepted before for that key is kept in
$SIGNPOST_HOME/log-heads.json, beside the pinned keys: the new log must extend each of them
(the tree of each earlier size hashes to what that head signed), and the registry's own consistency
proof from the last one must verify too. A registry that rewrote, removed or reordered an entry
after you saw a head over it fails with LOG_INCONSISTENT; with --against an earlier copy, the first
rewritten entry is named.

--from checks a saved copy offline, signed by --registry-key or by any key pinned before.
Exit codes: 0 the log verifies and extends every head seen before; 1 it does not (LOG_HEAD_INVALID,
LOG_PROOF_INVALID, LOG_INCONSISTENT); 2 bad usage or an unreadable file; 3 registry unreachable.`,
  );
  verify.action(async (flags: LogVerifyFlags) => (await import('../actions/log.js')).verifyLog(flags));
}
