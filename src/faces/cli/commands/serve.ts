import type { Command } from 'commander';
import { serveConfig } from '../../../app/config.js';
import { startRegistry } from '../../../app/compose.js';
import { unwrap } from '../cli-context.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run a registry on the embedded SQLite store')
    .option('-p, --port <port>', 'TCP port (0 picks a free one)', process.env.SIGNPOST_PORT)
    .option('--host <host>', 'address to listen on', process.env.SIGNPOST_HOST)
    .option('-d, --data <dir>', 'data directory (store and registry key)', process.env.SIGNPOST_DATA)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--public-url <url>', 'the URL clients reach this registry at (names its did:web and status lists; default: where it listens)')
    .action(async (flags: { port?: string; host?: string; data?: string; logLevel?: string; publicUrl?: string }) => {
      const config = unwrap(serveConfig(flags, process.env));
      const running = await startRegistry(config);
      const keyNote = running.keyCreated ? 'created a new registry key' : 'registry key loaded';
      process.stdout.write(
        `signpost registry listening on ${running.url}\n` +
          `  data: ${config.dataDir} (${keyNote}: ${running.registry.did})\n` +
          `  issuer: ${running.registry.credentials?.issuer.did}\n` +
          `  certificate authority: ${running.ca.certificatePath} (${running.ca.created ? 'created' : 'loaded'}), SHA-256 fingerprint ${running.ca.authority.fingerprintSha256}\n` +
          `  API docs: ${running.url}/docs\n`,
      );
      const stop = async (signal: string) => {
        process.stdout.write(`received ${signal}, shutting down\n`);
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
