import { serveConfig, type ServeConfig, type ServeInput } from '../../app/config.js';
import { startRegistry } from '../../app/main.js';
import { startResolver } from '../../app/resolver.js';
import { unwrap } from '../cli-context.js';
import { warnIfCommittable } from '../secret-files.js';

export async function serve(flags: ServeInput): Promise<void> {
  const config = unwrap(serveConfig(flags, process.env));
  if (config.role === 'resolver') return serveResolver(config);
  const running = await startRegistry(config);
  const keyNote = running.keyCreated ? 'created a new registry key' : 'registry key loaded';
  process.stdout.write(
    `signpost registry listening on ${running.url}\n` +
      `  data: ${config.dataDir} (${keyNote}: ${running.registry.did})\n` +
      `  issuer: ${running.registry.credentials?.issuer.did}\n` +
      `  certificate authority: ${running.ca.certificatePath} (${running.ca.created ? 'created' : 'loaded'}), SHA-256 fingerprint ${running.ca.authority.fingerprintSha256}\n` +
      `  selective disclosure key: ${running.disclosureKey.path} (${running.disclosureKey.created ? 'created' : 'loaded'})\n` +
      `  trust policy: ${trustPolicyNote(config.trustPolicyFile, Object.keys(running.certifications.trustPolicy))}\n` +
      `  API docs: ${running.url}/docs\n` +
      (running.urls.dns === undefined ? '' : `  DNS: ${running.urls.dns} (UDP and TCP), authoritative for _agents.<namespace>\n`),
  );
  await warnIfCommittable(config.dataDir, "the registry's data directory, with its private keys", 'give --data a directory outside it');
  stopOnSignals(running);
}

async function serveResolver(config: ServeConfig): Promise<void> {
  const running = await startResolver(config);
  process.stdout.write(
    `signpost resolver listening on ${running.url}\n` +
      (config.roots ?? []).map((root) => `  root: ${root.url} (${root.registryKey})\n`).join('') +
      (config.searchPathFile === undefined ? '' : `  search path: ${config.searchPathFile}\n  resolver key: ${running.did} (the home registry logs its boundary crossings with serve --audit-from ${running.did})\n`),
  );
  stopOnSignals(running);
}

/** Ctrl-C or a TERM closes what runs (faces first, then the store) and ends the process. */
function stopOnSignals(running: { close(): Promise<void> }): void {
  const stop = async (signal: string) => {
    process.stdout.write(`received ${signal}, shutting down\n`);
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

function trustPolicyNote(file: string | undefined, names: readonly string[]): string {
  if (file === undefined) return 'none (no certification counts; see --trust-policy)';
  return `${file}: ${names.length === 0 ? 'no certifications' : names.join(', ')}`;
}
