import type { Command } from 'commander';
import { collect, SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { CertIssueFlags, CertShowFlags } from '../actions/cert.js';

/** The bounds of --validity, as core/record/certificate-request.ts enforces them (a test keeps the two in step). */
export const CERT_VALIDITY_BOUNDS_TEXT = '60s .. 24h';

export function certCommand(program: Command): void {
  const cert = program.command('cert').description('capability certificates from the registry CA (for mutual TLS between agents)');

  const issue = cert
    .command('issue')
    .description('make a fresh TLS key here (never sent), ask the registry for a short-lived certificate for it, signed by the agent key')
    .requiredOption('-k, --key <file>', `the agent key (from signpost keygen) the name is bound to; ${SECRET_NAME_NOTE}`)
    .requiredOption('-n, --name <name>', 'agent name')
    .option('-c, --capability <token>', 'a capability the certificate should carry (repeatable; default: every granted one)', collect, [])
    .option('--validity <duration>', `how long the certificate is valid: 90s, 30m, 1h, 24h (${CERT_VALIDITY_BOUNDS_TEXT})`, '1h')
    .requiredOption('-o, --out <file>', 'where to write the certificate (PEM)')
    .requiredOption('--tls-key-out <file>', `where to write the new TLS private key (PKCS #8 PEM, mode 0600; never overwritten); ${SECRET_NAME_NOTE}`)
    .option('--ca-out <file>', 'where to write the registry CA certificate (PEM), the trust anchor for peers');
  withRegistryOptions(issue)
    .option('--json', 'print the answer (without the PEMs) as JSON')
    .action(async (flags: CertIssueFlags) => (await import('../actions/cert.js')).issueCertificate(flags));

  cert
    .command('show')
    .description('print what a capability certificate says: agent name, capabilities, validity (with --ca: also verify it)')
    .argument('<file>', 'certificate (PEM)')
    .option('--ca <file>', 'registry CA certificate (PEM) to verify against')
    .option('--json', 'print as JSON')
    .action(async (file: string, flags: CertShowFlags) => (await import('../actions/cert.js')).showCertificate(file, flags));
}
