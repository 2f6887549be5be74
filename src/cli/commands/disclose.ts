import type { Command } from 'commander';
import { collect, SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { DiscloseRequestFlags, DiscloseDeriveFlags, DiscloseVerifyFlags } from '../actions/disclose.js';

/**
 * Selective disclosure with bbs-2023: the agent gets a capability credential from the registry
 * (`request`), derives a proof revealing one capability offline (`derive`), and anyone checks it
 * (`verify`) against the registry's DID document.
 */
export function discloseCommand(program: Command): void {
  const disclose = program
    .command('disclose')
    .description('selective disclosure (bbs-2023): prove one granted capability without revealing the others');

  const request = disclose
    .command('request')
    .description('ask the registry for a capability credential carrying the granted capabilities; signed by the agent key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', `the agent key (from signpost keygen) the name is bound to; ${SECRET_NAME_NOTE}`)
    .requiredOption('-o, --out <file>', `where to write the credential (JSON, mode 0600: whoever holds it can derive proofs); ${SECRET_NAME_NOTE}`)
    .option('-c, --capability <token>', 'a granted capability the credential should carry (repeatable; default: every granted one)', collect, [])
    .option('--validity <duration>', 'how long it is valid: 90s, 30m, 1h, 24h (default: the registry setting, 24h unless configured)');
  withRegistryOptions(request)
    .option('--json', 'print the credential summary as JSON')
    .action(async (name: string, flags: DiscloseRequestFlags) => (await import('../actions/disclose.js')).requestCredential(name, flags));

  disclose
    .command('derive')
    .description('holder side, offline: derive a proof from the credential that reveals only the capabilities given')
    .argument('<credential>', `the credential file from disclose request; ${SECRET_NAME_NOTE}`)
    .requiredOption('-c, --capability <token>', 'a capability to reveal (repeatable)', collect, [])
    .requiredOption('-o, --out <file>', 'where to write the derived proof (JSON, to give to the verifier)')
    .option('--challenge <text>', "bind the proof to the verifier's challenge (it must pass the same text)")
    .action(async (file: string, flags: DiscloseDeriveFlags) => (await import('../actions/disclose.js')).deriveProof(file, flags));

  const verify = disclose
    .command('verify')
    .description("verifier side: check a derived proof against the registry's DID document and require one capability")
    .argument('<proof>', 'the derived proof file')
    .requiredOption('-c, --capability <token>', 'the capability the proof must reveal');
  withRegistryOptions(verify)
    .option('--did-document <file>', "the issuer's DID document, saved earlier: verify fully offline (the file is trusted as it is; save it from a checked fetch)")
    .option(
      '--online',
      'ask the registry to verify instead: it also checks that the agent is still active and granted the capability; its verdict counts only when signed by the pinned registry key',
    )
    .option('--challenge <text>', 'the challenge the proof must be bound to')
    .option('--json', 'print {verified, revealed, errors, …} as JSON')
    .action(async (file: string, flags: DiscloseVerifyFlags) => (await import('../actions/disclose.js')).verifyProof(file, flags));
}
