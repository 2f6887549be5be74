/**
 * CLI start-up: whole `signpost` processes (bin/signpost.js and the bundle in dist/cli-bundle/, as `npx signpost` runs them)
 * against bare `node -e ''`, measured in the same run, in alternating rounds so that a change of
 * the machine's speed hits every command alike. Each run is one process, timed from spawn to exit.
 *
 *   npm run build && npm run bench:cli [-- --runs 20 --warmup 2 --cli path/to/bin/signpost.js]
 *
 * `--cli` measures another build (a copy of bin/, dist/ and package.json of an older commit), to
 * compare before and after a change on the same machine.
 *
 * A registry (`signpost serve --port 0`) runs in a child process with a temporary data directory;
 * one agent is registered with the CLI, and the registry key is pinned, before the timed runs.
 *
 * Targets (issue 8): `--version` and `resolve --help` within 0.25 s of bare node; `resolve` of a
 * registered agent (verified: records, credential, status lists) within 0.4 s of bare node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchTempDir, REPO_ROOT } from '../support/children.js';
import { cpuTimeMs, machineBusyMs, machineInfo } from '../support/machine.js';
import { ms, percentile, table } from '../support/stats.js';

const { values: options } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, warmup: { type: 'string', default: '2' }, cli: { type: 'string', default: join(REPO_ROOT, 'bin', 'signpost.js') } },
});
const RUNS = Number(options.runs);
const WARMUP = Number(options.warmup);
const CLI = resolve(options.cli);
const NAME = 'agent://acme.com/billing/invoices';

interface Case {
  readonly label: string;
  readonly args: readonly string[];
  /** Seconds the median may exceed bare node's median; undefined: shown for scale only. */
  readonly targetOverBare?: number;
}

interface Timing {
  readonly label: string;
  readonly medianS: number;
  readonly minS: number;
  readonly maxS: number;
  readonly overBareS: number;
  readonly targetOverBare?: number;
  readonly met?: boolean;
}

/** `signpost serve --port 0` in a child process; killed when this process exits, however it exits. */
async function startRegistry(dataDir: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.on('exit', () => child.kill('SIGKILL'));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the registry did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the registry exited with ${code}:\n${output}`)));
  });
  return { url, pid: child.pid!, stop };
}

/** Run one process to its end; seconds from spawn to exit. A command that fails stops the benchmark. */
function timedRun(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return seconds;
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]): void {
  timedRun([CLI, ...args], env);
}

async function main(): Promise<void> {
  if (!existsSync(join(dirname(CLI), '..', 'dist', 'faces', 'cli', 'main.js'))) throw new Error(`no dist/ next to ${CLI}: run npm run build first`);
  const work = benchTempDir('signpost-bench-cli-');
  const registry = await startRegistry(join(work, 'data'));
  try {
    await measure(work, registry.url, registry.pid);
  } finally {
    await registry.stop();
  }
}

/** CPU time (ms) of this process and of the children it has waited for (/proc/self/stat: utime, stime, cutime, cstime). */
function ownAndReapedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

async function measure(work: string, registryUrl: string, registryPid: number): Promise<void> {
  const env = { ...process.env, SIGNPOST_HOME: join(work, 'home'), SIGNPOST_REGISTRY: registryUrl };
  const key = join(work, 'invoices.jwk');
  cli(env, 'keygen', '--out', key);
  cli(env, 'register', '--key', key, '--name', NAME, '--endpoint', 'mcp=https://agents.acme.com/mcp', '--description', 'Creates and sends invoices');
  cli(env, 'resolve', NAME); // pins the registry key, as a user's first resolve does

  const cases: Case[] = [
    { label: "node -e '' (baseline)", args: ['-e', ''] },
    { label: 'signpost --version', args: [CLI, '--version'], targetOverBare: 0.25 },
    { label: 'signpost resolve --help', args: [CLI, 'resolve', '--help'], targetOverBare: 0.25 },
    { label: `signpost resolve ${NAME}`, args: [CLI, 'resolve', NAME], targetOverBare: 0.4 },
    { label: 'signpost search invoices (for scale)', args: [CLI, 'search', 'invoices'] },
    { label: 'signpost register (an update, for scale)', args: [CLI, 'register', '--key', key, '--name', NAME, '--endpoint', 'mcp=https://agents.acme.com/mcp'] },
  ];
  const loadBefore = loadavg()[0]!;
  const samples = cases.map(() => [] as number[]);
  let measured = { startedMs: 0, busyMs: 0, oursMs: 0 };
  for (let round = 0; round < WARMUP + RUNS; round++) {
    if (round === WARMUP) measured = { startedMs: performance.now(), busyMs: machineBusyMs(), oursMs: ownAndReapedChildrenCpuMs() + cpuTimeMs(registryPid) };
    for (const [i, each] of cases.entries()) {
      const seconds = timedRun(each.args, env);
      if (round >= WARMUP) samples[i]!.push(seconds);
    }
  }
  const loadAfter = loadavg()[0]!;
  // What the rest of the machine used while the counted rounds ran: all busy CPU minus this benchmark's processes.
  const oursMs = ownAndReapedChildrenCpuMs() + cpuTimeMs(registryPid) - measured.oursMs;
  const otherPercent = Math.max(0, ((machineBusyMs() - measured.busyMs - oursMs) / (performance.now() - measured.startedMs)) * 100);

  const medianOf = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  const bareMedian = medianOf(samples[0]!);
  const timings: Timing[] = cases.map((each, i) => {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    const medianS = medianOf(sorted);
    const overBareS = medianS - bareMedian;
    return {
      label: each.label,
      medianS,
      minS: sorted[0]!,
      maxS: sorted[sorted.length - 1]!,
      overBareS,
      ...(each.targetOverBare === undefined ? {} : { targetOverBare: each.targetOverBare, met: overBareS <= each.targetOverBare }),
    };
  });

  const machine = machineInfo();
  console.log(`\nCLI start-up: whole processes, ${RUNS} alternating rounds after ${WARMUP} warm-up rounds`);
  console.log(`machine: ${machine.cpus} cpus, node ${machine.node}, commit ${machine.commit}${machine.srcDirty ? ' (src/ changed)' : ''}, load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  console.log(`other processes used ${otherPercent.toFixed(0)} % of a core during the counted rounds (this benchmark's own processes excluded)`);
  console.log(`CLI: ${CLI}\n`);
  console.log(
    table(
      ['command', 'median s', 'min s', 'max s', 'median - bare s', 'target', 'status'],
      timings.map((t) => [
        t.label,
        ms(t.medianS),
        ms(t.minS),
        ms(t.maxS),
        t.label === cases[0]!.label ? '' : ms(t.overBareS),
        t.targetOverBare === undefined ? '' : `<= ${t.targetOverBare}`,
        t.met === undefined ? '' : t.met ? 'PASS' : 'FAIL',
      ]),
    ),
  );
  writeFileSync(new URL('./results-latest.json', import.meta.url), JSON.stringify({ machine, cli: CLI, runs: RUNS, warmup: WARMUP, loadBefore, loadAfter, otherPercent, timings }, null, 2) + '\n');
}

await main();
process.exit(0);
