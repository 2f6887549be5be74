/** Start real `signpost` processes on loopback for end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPO, 'bin', 'signpost.js');
export const SEED = fileURLToPath(new URL('../../../shared/data/mcp-registry-seed.json', import.meta.url));

export interface RunningServer {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `signpost-${prefix}-`));
}

/** `signpost serve --port 0` in its own data dir (plus `extraArgs`); resolves once it prints where it listens. */
export async function startServer(dataDir?: string, extraArgs: readonly string[] = []): Promise<RunningServer> {
  const dir = dataDir ?? (await tempDir('data'));
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dir, '--log-level', 'warn', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // Not a speed target: a start takes a second or two, and this only ends a server that hangs
    // (killed, so no test leaves it behind) before the hook limit of vitest.config.ts does.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 90 s:\n${output}`));
    }, 90_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir: dir,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real CLI as a separate process. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`signpost ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface RegistryFixture {
  server: RunningServer;
  /** A scratch directory for keys and files, removed afterwards. */
  work: string;
  /** Environment for CLI runs: this registry, and a private $SIGNPOST_HOME for pinned keys. */
  env: Record<string, string>;
}

/** One real registry process and a scratch directory for the tests of a file. */
export function registryFixture(prefix: string): RegistryFixture {
  const fixture = {} as RegistryFixture;
  beforeAll(async () => {
    fixture.server = await startServer();
    fixture.work = await tempDir(prefix);
    fixture.env = { SIGNPOST_REGISTRY: fixture.server.url, SIGNPOST_HOME: join(fixture.work, 'home') };
  });
  afterAll(async () => {
    await fixture.server?.stop();
    if (fixture.work) await removeDir(fixture.work);
    if (fixture.server) await removeDir(fixture.server.dataDir);
  });
  return fixture;
}

/** What the tests of a file start, registered as they are started. */
export interface StartedInFile {
  child<T extends ChildProcess>(child: T): T;
  server(server: RunningServer): RunningServer;
  dir(dir: string): string;
}

/**
 * Track what the tests of a file start and clean it up after them all, whatever happened: child
 * processes killed, registry processes stopped, scratch directories and the registries' data
 * directories removed.
 */
export function cleanUpAfterAll(): StartedInFile {
  const children: ChildProcess[] = [];
  const servers: RunningServer[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const server of servers) await server.stop();
    for (const dir of dirs) await removeDir(dir);
    for (const server of servers) await removeDir(server.dataDir);
  });
  const tracked =
    <T>(list: T[]) =>
    <U extends T>(item: U): U => {
      list.push(item);
      return item;
    };
  return { child: tracked(children), server: tracked(servers), dir: tracked(dirs) };
}

/** Make a key with `signpost keygen` and register `name` under it with `signpost register`; both must succeed. */
export async function registerWithCli(env: Record<string, string>, name: string, key: string, endpoint = 'a2a=https://agents.example/a2a'): Promise<void> {
  expect((await runCli(['keygen', '--out', key], env)).code).toBe(0);
  expect((await runCli(['register', '--key', key, '--name', name, '--endpoint', endpoint], env)).stderr).toBe('');
}

/** Wait until `done` holds, asking every 50 ms: for what a real process does in its own time (the test's own limit bounds it). */
export async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 50));
}
