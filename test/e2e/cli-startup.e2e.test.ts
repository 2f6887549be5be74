/**
 * The CLI loads a command's code only when that command runs: `--version`, `--help` and every
 * `<command> --help` load commander and the command table, never the server (fastify, SQLite),
 * the credential libraries (Digital Bazaar) or X.509 (@peculiar). Checked structurally, by the
 * modules a real process loads (a module.register hook logs every resolved URL), not by timing:
 * the speed itself is measured in bench/cli.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signpostProgram } from '../../src/cli/main.js';
import { REPO, removeDir, tempDir } from './support.js';
import { closedLoopbackPort } from '../support/closed-loopback-port.js';

/** Logs every module the process resolves, one URL a line, to the file given at registration. */
const LOGGING_HOOK = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}`;

let work: string;
let hook: string;
let runs = 0;

beforeAll(async () => {
  work = await tempDir('cli-startup');
  hook = join(work, 'logging-hook.mjs');
  await writeFile(hook, LOGGING_HOOK);
});
afterAll(async () => {
  if (work) await removeDir(work);
});

/**
 * Run `signpost ...args` in a process of its own; the modules it loaded. The compiled modules of
 * dist/cli/ (the tsc output of src/cli) by default, so that the module graph shows what each command imports; `bundle`
 * runs bin/signpost.js itself, which loads the bundle in dist/cli-bundle.
 */
async function modulesLoadedBy(args: readonly string[], { bundle = false } = {}): Promise<{ urls: string[]; packages: Set<string>; cliModules: string[]; code: number | null }> {
  const log = join(work, `modules-${runs++}.log`);
  const entry = bundle ? `process.argv.splice(1, 0, 'signpost'); await import(${JSON.stringify(pathToFileURL(join(REPO, 'bin', 'signpost.js')).href)});` : `
    const { main } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist', 'cli', 'main.js')).href)});
    await main(['node', 'signpost', ...${JSON.stringify(args)}]);`;
  const script = `
    import { register } from 'node:module';
    register(${JSON.stringify(pathToFileURL(hook).href)}, { data: { log: ${JSON.stringify(log)} } });
    ${entry}`;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...(bundle ? ['--', ...args] : [])], { stdio: 'ignore', env: { ...process.env, SIGNPOST_HOME: join(work, 'home') } });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const urls = (await readFile(log, 'utf8')).trim().split('\n');
  const packages = new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
  const cliModules = urls.flatMap((url) => /\/dist\/cli\/(.+)$/.exec(url)?.[1] ?? []);
  return { urls, packages, cliModules, code };
}

/** Every command path, subcommands included: `cert`, `cert issue`, … */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

describe('what a signpost process loads', () => {
  it.each([[['--version']], [['--help']], ...commandPaths(signpostProgram()).map((path) => [[...path, '--help']])])(
    'signpost %j loads commander and the command table only',
    async (args) => {
      const { packages, cliModules, code } = await modulesLoadedBy(args);
      expect(code).toBe(0);
      expect([...packages]).toEqual(['commander']);
      expect(cliModules.filter((module) => module.startsWith('actions/'))).toEqual([]);
    },
  );

  it('a command loads its own code, and a client command never the server', async () => {
    const { packages, cliModules, code } = await modulesLoadedBy(['resolve', 'agent://acme.com/billing/invoices', '--registry', `http://127.0.0.1:${await closedLoopbackPort()}`]);
    expect(code).toBe(3);
    expect(cliModules.filter((module) => module.startsWith('actions/'))).toEqual(['actions/resolve.js']);
    for (const serverPackage of ['fastify', 'better-sqlite3', 'pino', 'prom-client', '@peculiar/x509']) expect([...packages]).not.toContain(serverPackage);
  });

  it('bin/signpost.js runs the bundle: all of dist/cli-bundle, none of the compiled modules or node_modules, and a fraction of the files', async () => {
    for (const args of [['--version'], ['resolve', 'agent://acme.com/billing/invoices', '--registry', `http://127.0.0.1:${await closedLoopbackPort()}`]]) {
      const bundled = await modulesLoadedBy(args, { bundle: true });
      const compiled = await modulesLoadedBy(args);
      expect(bundled.code).toBe(compiled.code);
      const files = bundled.urls.filter((url) => url.startsWith('file:'));
      expect(files.filter((url) => !url.includes('/dist/cli-bundle/') && !url.endsWith('/bin/signpost.js')), args[0]).toEqual([]);
      // Node resolves, reads and compiles each file on its own. This resolve stops at the unreachable
      // registry; one that goes on to verify loads the credential libraries too, hundreds more.
      const fewer = args[0] === 'resolve' ? 3 : 2;
      expect(files.length * fewer, args[0]).toBeLessThan(compiled.urls.filter((url) => url.startsWith('file:')).length);
    }
  });
});
