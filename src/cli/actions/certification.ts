import { writeFile } from 'node:fs/promises';
import { SignpostError, type Problem } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { formatUtcSeconds } from '../../core/record/agent-addr.js';
import { didKeyProblem } from '../../core/trust/did-key.js';
import { parseDidWeb } from '../../core/trust/did-web/did-web-url.js';
import { issueCertificationCredential } from '../../core/trust/credentials/certification-credential.js';
import { didKeyIssuer, registryIssuer } from '../../core/trust/credentials/registry-did.js';
import { unwrap } from '../cli-context.js';
import { CERTIFICATION_VALID_FOR, type RegistryFlags } from '../commands/options.js';
import { parseDuration } from '../../app/duration.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry } from '../registry-connection.js';
import { readSigningKey } from '../secret-files.js';

export interface CertificationListFlags extends RegistryFlags {
  json?: boolean;
}

export interface CertificationIssueFlags extends RegistryFlags {
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
}

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

export async function addCertification(input: string, file: string, flags: RegistryFlags): Promise<void> {
  const name = unwrap(canonicalAgentName(input));
  const credential = unwrap(await readJsonFile(file));
  const { client } = await connectToRegistry(flags);
  const entry = unwrap(await client.submitCertification<CertificationEntry>(name, credential));
  const created = client.lastStatus === 201;
  process.stdout.write(`${name}: ${entry.certification} certification by ${entry.issuer} ${created ? 'stored' : 'replaced the earlier one'} (valid until ${entry.validUntil})\n`);
}

export async function listCertifications(input: string, flags: CertificationListFlags): Promise<void> {
  const name = unwrap(canonicalAgentName(input));
  const { client } = await connectToRegistry(flags);
  const listing = unwrap(await client.certifications<{ name: string; agentId: string; items: CertificationEntry[] }>(name));
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
}

export async function issueCertification(flags: CertificationIssueFlags): Promise<void> {
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(flags.name));
  // The parser the registry resolves did:web issuers with: a DID it would refuse is refused here already.
  if (flags.did !== undefined && !parseDidWeb(flags.did).ok) throw new SignpostError('REQUEST_INVALID', `--did must be a did:web the registry can resolve, not ${flags.did}`);
  const fromMs = flags.validFrom === undefined ? Date.now() : Date.parse(flags.validFrom);
  if (Number.isNaN(fromMs)) throw new SignpostError('REQUEST_INVALID', `--valid-from must be an RFC 3339 time, not ${flags.validFrom}`);
  const validityMs = unwrap(parseDuration(flags.validFor, '--valid-for', CERTIFICATION_VALID_FOR)) * 1000;
  const subject = flags.subject ?? (await currentKeyOf(name, flags));
  const weak = didKeyProblem(subject, '--subject');
  if (weak !== undefined) throw SignpostError.from([weak.code === 'KEY_WEAK' ? weak : { ...weak, code: 'REQUEST_INVALID', detail: `--subject must be an agent did:key, not ${subject}` }]);
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
}

async function currentKeyOf(name: string, flags: RegistryFlags): Promise<string> {
  const { client, url } = await connectToRegistry(flags);
  const agent = unwrap(await client.agent(name));
  process.stderr.write(`certifying ${agent.agentId}, the key ${name} is bound to at ${url}\n`);
  return agent.agentId;
}
