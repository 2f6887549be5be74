/**
 * Child processes for benchmarks: every server under test runs in its own process, so the load
 * generator never shares its event loop. Each child talks over an IPC channel and exits when that
 * channel closes; the parent kills whatever is left when it exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooked = false;

function killAll(signal: NodeJS.Signals): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/** A fresh temporary directory, removed when this process exits (after its children are killed). */
export function benchTempDir(prefix: string): string {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Kill every child on exit, on Ctrl-C / SIGTERM, and on an uncaught error. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll('SIGKILL');
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    killAll('SIGKILL');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    killAll('SIGKILL');
    process.exit(1);
  });
}

export interface BenchChild<Ready> {
  readonly process: ChildProcess;
  readonly ready: Ready;
  send(message: unknown): void;
  /** Ask the child to stop (IPC "stop"), then SIGKILL it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartChildOptions {
  /** A TypeScript file, run with `node --import tsx`. */
  readonly script: string;
  readonly args?: readonly string[];
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** A message sent as soon as the child is up (before it reports ready). */
  readonly init?: unknown;
  readonly timeoutMs?: number;
  readonly label: string;
}

/** Start a child and wait for its `{type: 'ready', ...}` message. */
export async function startChild<Ready extends { type: 'ready' }>(options: StartChildOptions): Promise<BenchChild<Ready>> {
  hookExit();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', options.script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${options.label}: not ready after ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
    const onMessage = (message: unknown) => {
      const typed = message as { type?: string; error?: string };
      if (typed.type === 'ready') done(() => resolve(message as Ready));
      else if (typed.type === 'error') fail(new Error(`${options.label}: ${typed.error ?? 'failed'}`));
    };
    const onExit = (code: number | null, signal: string | null) => fail(new Error(`${options.label} exited early (code ${code}, signal ${signal})`));
    const done = (then: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      then();
    };
    const fail = (error: Error) =>
      done(() => {
        child.kill('SIGKILL');
        reject(error);
      });
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (options.init !== undefined) child.send(options.init as never);
  });
  return {
    process: child,
    ready,
    send: (message) => child.send(message as never),
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Child side: exit when the parent goes away or asks us to stop. */
export function serveUntilParentLeaves(onStop: () => Promise<void> | void): void {
  const stop = async () => {
    try {
      await onStop();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', () => void stop());
  process.on('message', (message: unknown) => {
    if ((message as { type?: string }).type === 'stop') void stop();
  });
  process.on('SIGTERM', () => void stop());
}
