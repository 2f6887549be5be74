/**
 * Child process: the real Signpost registry (startRegistry: SQLite store, pino logger at "warn",
 * the fastify HTTP face), run from source, on 127.0.0.1 and a free port. Its data goes to the
 * directory given as argv[2] (which the parent owns and removes, see benchTempDir), or else to a
 * fresh temporary directory that it removes itself when it stops. Reports
 * `{type: 'ready', url, did, pid}` over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../../src/app/main.js';
import { serveUntilParentLeaves } from '../support/children.js';

const given = process.argv[2];
const dataDir = given ?? mkdtempSync(join(tmpdir(), 'signpost-bench-'));
const removeData = () => {
  if (given === undefined) rmSync(dataDir, { recursive: true, force: true });
};
const logLevel = (process.env.BENCH_LOG_LEVEL ?? 'warn') as 'warn';

try {
  const running = await startRegistry({ host: '127.0.0.1', port: 0, dataDir, logLevel });
  serveUntilParentLeaves(async () => {
    await running.close();
    removeData();
  });
  process.send!({ type: 'ready', url: running.url, did: running.registry.did, pid: process.pid });
} catch (error) {
  removeData();
  process.send!({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
