/** What a benchmark ran on, and how much CPU each process used during a run. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { REPO_ROOT } from './children.js';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly loadAverage1m: number;
  readonly commit: string;
  /** Uncommitted changes under src/ when the benchmark ran (the figures are of the working tree). */
  readonly srcDirty: boolean;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    srcDirty: git(['status', '--porcelain', '--', 'src']) !== '',
  };
}

/** CPU time (user + system, ms) a process has used so far; NaN where /proc is not available. */
export function cpuTimeMs(pid: number): number {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** CPU time (ms) all processes of the machine have used so far (/proc/stat); NaN where not available. */
export function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Measure the CPU share (percent of one core) that each pid uses while `work` runs, and under
 * `other` what the rest of the machine used meanwhile (the kernel's network work for the loopback
 * traffic counts there too; a large figure means something else was running).
 */
export async function withCpu<T>(pids: Record<string, number>, work: () => PromiseLike<T>): Promise<{ value: T; cpuPercent: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTimeMs(pid)]));
  const busyBefore = machineBusyMs();
  const started = performance.now();
  const value = await work();
  const wall = performance.now() - started;
  const used = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTimeMs(pid) - before[name]!]));
  const percent = (cpuMs: number) => Math.round((cpuMs / wall) * 1000) / 10;
  const cpuPercent = Object.fromEntries(Object.entries(used).map(([name, cpuMs]) => [name, percent(cpuMs)]));
  const ours = Object.values(used).reduce((a, b) => a + b, 0);
  cpuPercent.other = Math.max(0, percent(machineBusyMs() - busyBefore - ours));
  return { value, cpuPercent };
}
