/**
 * One registry process per data directory, with real processes: a second `signpost serve` on the
 * same directory is refused with one clear line naming the directory and the running process, and
 * a server killed with SIGKILL leaves nothing behind that would stop the next one.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, removeDir, startServer, tempDir, type RunningServer } from './support.js';

const started: RunningServer[] = [];
let dataDir: string | undefined;
afterAll(async () => {
  for (const server of started) await server.stop();
  if (dataDir) await removeDir(dataDir);
});

/** `signpost serve` on `dir` that is expected to stop by itself: its exit code and everything it printed. */
async function serveExpectingRefusal(dir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

describe('two servers on one data directory', () => {
  it('refuses the second with DATA_DIR_IN_USE naming the directory and the first process; the first keeps serving', async () => {
    dataDir = await tempDir('lock');
    const first = await startServer(dataDir);
    started.push(first);
    const second = await serveExpectingRefusal(dataDir);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`error DATA_DIR_IN_USE: ${dataDir} is in use by another signpost serve (process ${first.process.pid} on`);
    expect(second.output).not.toMatch(/^\s+at /m);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });

  it('a server killed with SIGKILL does not leave the directory locked', async () => {
    const first = started.pop()!;
    first.process.kill('SIGKILL');
    await once(first.process, 'exit');
    const next = await startServer(dataDir);
    started.push(next);
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
  });
});
