/**
 * Child process: the real Signpost registry with its DNS face (startRegistry, SQLite store, DNS on a
 * free port, zone transfers allowed from loopback, `--notify HOST:PORT` sends NOTIFY there), run from
 * source in a fresh temporary data directory that it removes when it stops. Reports
 * `{type: 'ready', url, dnsPort}` over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../../src/app/main.js';
import { serveUntilParentLeaves } from '../support/children.js';

const notify = process.argv.includes('--notify') ? /^(.+):(\d+)$/.exec(process.argv[process.argv.indexOf('--notify') + 1] ?? '') : null;
const dataDir = mkdtempSync(join(tmpdir(), 'signpost-bench-dns-'));
try {
  const running = await startRegistry({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logLevel: 'error',
    dnsPort: 0,
    dnsAllowTransfer: [{ address: '127.0.0.1' }],
    dnsServerName: 'ns1.bench.example',
    ...(notify ? { dnsNotify: [{ host: notify[1]!, port: Number(notify[2]) }] } : {}),
  });
  serveUntilParentLeaves(async () => {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  process.send!({ type: 'ready', url: running.url, dnsPort: Number(new URL(running.urls.dns!.replace('dns:', 'http:')).port) });
} catch (error) {
  rmSync(dataDir, { recursive: true, force: true });
  process.send!({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
