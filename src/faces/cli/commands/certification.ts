import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { ok, SignpostError, type Problem, type Result } from '../../../core/errors.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { formatUtcSeconds } from '../../../core/record/agent-addr.js';
import { didKeyProblem } from '../../../core/trust/did-key.js';
import { parseDidWeb } from '../../../core/trust/did-web/did-web-url.js';
import { issueCertificationCredential } from '../../../core/trust/credentials/certification-credential.js';
import { didKeyIssuer, registryIssuer } from '../../../core/trust/credentials/registry-did.js';
import { readKeyFile } from '../../../app/key-file.js';
import { registryUrlOf, unwrap } from '../cli-context.js';
import { formatDuration, parseDuration, type DurationBounds } from '../duration.js';
import { readJsonFile } from '../json-file.js';

/** `--valid-for`: at least an hour (an audit is not a session), at most what a UTC timestamp can still say. */
const VALID_FOR: DurationBounds = { min: 3600, max: 99_999 * 86_400 };

/** One stored certification as the registry lists it (GET /v1/agents/{name}/certifications). */
interface CertificationEntry {
  certification: string;
  level?: string;
  scope?: string;
  issuer: string;
  subject: string;
  validFrom: string;
  validUntil: string;
  digest: string;
  storedAt: string;
  verified: boolean;
  errors: Problem[];
}

interface RegistryFlags {
  registry?: string;
}

interface IssueFlags {
  key: string;
  name: string;
  certification: string;
  subject?: string;
  did?: string;
  level?: string;
  scope?: string;
  validFrom?: string;
  validFor: string;
  id?: string;
  out?: string;
  registry?: string;
}

export function certificationCommand(program: Command): void {
  const command = program
    .command('certification')
    .description('third-party certification credentials (HIPAA, SOC2, kid-safe, …): submit, list, and issue one as an auditor');

  command
    .command('add')
    .description("submit a certification credential an issuer made about an agent (anyone may; the registry's trust policy decides whether the issuer counts)")
    .argument('<name>', 'agent name')
    .argument('<vc-file>', 'the credential (JSON), as the issuer signed it')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .action(async (input: string, file: string, flags: RegistryFlags) => {
      const name = unwrap(canonicalAgentName(input));
      const credential = unwrap(await readJsonFile(file));
      const base = registryUrlOf(flags.registry);
      const { entry, created } = unwrap(await submit(base, name, credential));
      process.stdout.write(
        `${name}: ${entry.certification} certification by ${entry.issuer} ${created ? 'stored' : 'replaced the earlier one'} (valid until ${entry.validUntil})\n`,
      );
    });

  command
    .command('list')
    .description("an agent's stored certification credentials, each verified again by the registry now")
    .argument('<name>', 'agent name')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--json', 'print the registry answer as JSON')
    .action(async (input: string, flags: RegistryFlags & { json?: boolean }) => {
      const name = unwrap(canonicalAgentName(input));
      const listing = unwrap(await new RegistryClient(registryUrlOf(flags.registry)).certifications<{ name: string; agentId: string; items: CertificationEntry[] }>(name));
      if (flags.json) {
        process.stdout.write(JSON.stringify(listing, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${listing.name} (${listing.agentId})\n`);
      if (listing.items.length === 0) process.stdout.write('  no certification credentials\n');
      for (const item of listing.items) {
        const what = [item.certification, item.level, item.scope && `(${item.scope})`].filter(Boolean).join(' ');
        const verdict = item.verified ? 'counts' : `does not count: ${item.errors.map((e) => `${e.code} ${e.detail}`).join('; ')}`;
        process.stdout.write(`  ${what}\n    by ${item.issuer}, valid ${item.validFrom} .. ${item.validUntil}\n    ${verdict}\n`);
      }
    });

  command
    .command('issue')
    .description('issue a certification credential as an auditor (for demos and tests): signed with your key, about an agent key')
    .requiredOption('-k, --key <file>', "the issuer's private key (signpost keygen); the issuer is its did:key unless --did is given")
    .requiredOption('-n, --name <agent>', 'the agent name the certification is about')
    .requiredOption('-c, --certification <name>', 'what is certified, as the trust policy names it (HIPAA, SOC2, kid-safe, …)')
    .option('--subject <did:key>', "the agent key certified (default: the name's current key at --registry)")
    .option('--did <did:web>', 'issue as this did:web (its DID document must list the key as #key-1)')
    .option('--level <text>', 'level of the certification, e.g. "Type II"')
    .option('--scope <text>', 'what the certification covers')
    .option('--valid-from <time>', 'RFC 3339 UTC time in whole seconds (default: now)')
    .option('--valid-for <duration>', `validity: 365d, 12h, 90m (${formatDuration(VALID_FOR.min)} .. ${formatDuration(VALID_FOR.max)})`, '365d')
    .option('--id <uri>', 'the credential id')
    .option('-o, --out <file>', 'write the credential here (default: stdout)')
    .option('-r, --registry <url>', 'registry URL, to look up the agent key (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .action(async (flags: IssueFlags) => {
      const key = await readKeyFile(flags.key);
      const name = unwrap(canonicalAgentName(flags.name));
      const subject = flags.subject ?? (await currentKeyOf(registryUrlOf(flags.registry), name));
      const weak = didKeyProblem(subject, '--subject');
      if (weak !== undefined) throw SignpostError.from([weak.code === 'KEY_WEAK' ? weak : { ...weak, code: 'REQUEST_INVALID', detail: `--subject must be an agent did:key, not ${subject}` }]);
      // The parser the registry resolves did:web issuers with: a DID it would refuse is refused here already.
      if (flags.did !== undefined && !parseDidWeb(flags.did).ok) throw new SignpostError('REQUEST_INVALID', `--did must be a did:web the registry can resolve, not ${flags.did}`);
      const fromMs = flags.validFrom === undefined ? Date.now() : Date.parse(flags.validFrom);
      if (Number.isNaN(fromMs)) throw new SignpostError('REQUEST_INVALID', `--valid-from must be an RFC 3339 time, not ${flags.validFrom}`);
      const validityMs = unwrap(parseDuration(flags.validFor, '--valid-for', VALID_FOR)) * 1000;
      const vc = await issueCertificationCredential({
        issuer: flags.did === undefined ? didKeyIssuer(key) : registryIssuer(flags.did, key),
        subject,
        agentName: name,
        certification: { name: flags.certification, ...(flags.level ? { level: flags.level } : {}), ...(flags.scope ? { scope: flags.scope } : {}) },
        validFrom: formatUtcSeconds(fromMs),
        validUntil: formatUtcSeconds(fromMs + validityMs),
        ...(flags.id ? { id: flags.id } : {}),
      }).catch((error: unknown) => {
        throw new SignpostError('REQUEST_INVALID', (error as Error).message);
      });
      const text = JSON.stringify(vc, null, 2) + '\n';
      if (flags.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await writeFile(flags.out, text);
      process.stderr.write(`${flags.out}: ${flags.certification} certification of ${name} (${subject}) by ${vc.issuer}, valid until ${vc.validUntil}\n`);
    });
}

async function submit(base: string, name: string, credential: unknown): Promise<Result<{ entry: CertificationEntry; created: boolean }>> {
  const client = new RegistryClient(base);
  const answer = await client.submitCertification<CertificationEntry>(name, credential);
  return answer.ok ? ok({ entry: answer.value, created: client.lastStatus === 201 }) : answer;
}

async function currentKeyOf(base: string, name: string): Promise<string> {
  const agent = unwrap(await new RegistryClient(base).agent(name));
  process.stderr.write(`certifying ${agent.agentId}, the key ${name} is bound to at ${base}\n`);
  return agent.agentId;
}
