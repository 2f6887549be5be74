import type { Command } from 'commander';
import { formatDuration } from '../../app/duration.js';
import { CERTIFICATION_VALID_FOR, SECRET_NAME_NOTE, withRegistryOptions, type RegistryFlags } from './options.js';
import type { CertificationListFlags, CertificationIssueFlags } from '../actions/certification.js';

export function certificationCommand(program: Command): void {
  const command = program
    .command('certification')
    .description('third-party certification credentials (HIPAA, SOC2, kid-safe, …): submit, list, and issue one as an auditor');

  const add = command
    .command('add')
    .description("submit a certification credential an issuer made about an agent (anyone may; the registry's trust policy decides whether the issuer counts)")
    .argument('<name>', 'agent name')
    .argument('<vc-file>', 'the credential (JSON), as the issuer signed it');
  withRegistryOptions(add).action(async (name: string, file: string, flags: RegistryFlags) => (await import('../actions/certification.js')).addCertification(name, file, flags));

  const list = command
    .command('list')
    .description("an agent's stored certification credentials, each verified again by the registry now")
    .argument('<name>', 'agent name');
  withRegistryOptions(list)
    .option('--json', 'print the registry answer as JSON')
    .action(async (name: string, flags: CertificationListFlags) => (await import('../actions/certification.js')).listCertifications(name, flags));

  const issue = command
    .command('issue')
    .description('issue a certification credential as an auditor (for demos and tests): signed with your key, about an agent key')
    .requiredOption('-k, --key <file>', `the issuer's private key (signpost keygen); the issuer is its did:key unless --did is given; ${SECRET_NAME_NOTE}`)
    .requiredOption('-n, --name <agent>', 'the agent name the certification is about')
    .requiredOption('-c, --certification <name>', 'what is certified, as the trust policy names it (HIPAA, SOC2, kid-safe, …)')
    .option('--subject <did:key>', "the agent key certified (default: the name's current key at --registry)")
    .option('--did <did:web>', 'issue as this did:web (its DID document must list the key as #key-1)')
    .option('--level <text>', 'level of the certification, e.g. "Type II"')
    .option('--scope <text>', 'what the certification covers')
    .option('--valid-from <time>', 'RFC 3339 UTC time in whole seconds (default: now)')
    .option('--valid-for <duration>', `validity: 365d, 12h, 90m (${formatDuration(CERTIFICATION_VALID_FOR.min)} .. ${formatDuration(CERTIFICATION_VALID_FOR.max)})`, '365d')
    .option('--id <uri>', 'the credential id')
    .option('-o, --out <file>', 'write the credential here (default: stdout)');
  withRegistryOptions(issue, 'registry URL, to look up the agent key unless --subject is given').action(async (flags: CertificationIssueFlags) =>
    (await import('../actions/certification.js')).issueCertification(flags),
  );
}
