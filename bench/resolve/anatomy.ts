/**
 * Where the time of a cached resolve goes: the same answers served by node:http, then by fastify
 * with Signpost's layers added one at a time, then with single changes on top (anatomy-server.ts),
 * then by the real registry. A diagnostic, not a target: run it when bench/resolve misses its ratio.
 *
 *   node --import tsx bench/resolve/anatomy.ts [--rate R] [--duration S] [--passes N] [--peak-duration S]
 *
 * The main figure is the server's CPU time per answer (from /proc) at one fixed, paced request
 * rate (bench/support/paced-load.ts), the same for every server: at a fixed rate every server sees
 * the same arrivals and batching, so the figures compare where requests/s on a 2-core machine
 * (the load generator competes for the same cores) would not. Each server is measured in
 * `--passes` passes, forwards then backwards, and the median is shown. Then one autocannon run
 * per server (10 connections) gives its peak requests/s, for orientation.
 */
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { benchAgents, registerAll } from '../support/agents.js';
import { benchTempDir, startChild, type BenchChild } from '../support/children.js';
import { machineInfo, withCpu } from '../support/machine.js';
import { pacedLoad } from '../support/paced-load.js';
import { int, ms, summarize, table } from '../support/stats.js';
import { CHANGES, LAYERS } from './anatomy-layers.js';
import { checkSameAnswers, pickAnswers } from './answers.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  return at === -1 ? fallback : Number(argv[at + 1]);
};
const rate = flag('--rate', 10_000);
const seconds = flag('--duration', 4);
const passes = flag('--passes', 2);
const peakSeconds = flag('--peak-duration', 3);
type Ready = { type: 'ready'; url: string; pid: number };

const machine = machineInfo();
const out = (line = '') => process.stdout.write(`${line}\n`);
out(
  `bench/resolve/anatomy: ${machine.cpus} CPUs, node ${machine.node}, commit ${machine.commit}${machine.srcDirty ? ' + uncommitted src/' : ''}; ` +
    `${passes} x ${seconds} s paced at ${int(rate)} req/s, then ${peakSeconds} s autocannon per server`,
);

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const children: BenchChild<Ready>[] = [];
let exitCode = 0;
try {
  const signpost = await startChild<Ready>({ script: here('./signpost-server.ts'), args: [benchTempDir('signpost-bench-')], label: 'signpost server' });
  children.push(signpost);
  const { candidates } = benchAgents(40);
  await registerAll(signpost.ready.url, candidates);
  const answers = await pickAnswers(
    signpost.ready.url,
    candidates.map((c) => c.name),
    8,
  );
  const init = { type: 'serve', answers: answers.map((a) => ({ path: a.path, status: 200, headers: a.headers, bodyBase64: a.body.toString('base64') })) };
  const paths = answers.map((a) => a.path);

  const servers: { name: string; child: BenchChild<Ready> }[] = [];
  const bare = await startChild<Ready>({ script: here('./bare-server.ts'), label: 'bare', init });
  children.push(bare);
  servers.push({ name: 'node:http (bare)', child: bare });
  const variants = [...LAYERS.map((l) => [l, undefined] as const), ...CHANGES.map((c) => ['product', c] as const)];
  for (const [layer, change] of variants) {
    const label = change === undefined ? layer : `${layer} ${change}`;
    const child = await startChild<Ready>({ script: here('./anatomy-server.ts'), args: change === undefined ? [layer] : [layer, change], label, init });
    children.push(child);
    await checkSameAnswers(child.ready.url, signpost.ready.url, answers).then(
      ({ notes }) => notes.forEach((note) => out(`  note (${label} vs signpost): ${note}`)),
      (error: Error) => out(`  note (${label}): ${error.message}`),
    );
    servers.push({ name: change !== undefined ? `product, ${change}` : layer === 'fastify' ? 'fastify, sync route' : `+ ${layer}`, child });
  }
  servers.push({ name: 'signpost (real)', child: signpost });

  const costs = new Map<string, { micros: number[]; p99: number[]; failures: number }>();
  for (let pass = 0; pass < passes; pass++) {
    for (const { name, child } of pass % 2 === 0 ? servers : [...servers].reverse()) {
      // A short paced warm-up, then the measured run.
      await pacedLoad({ url: child.ready.url, paths, rate, durationMs: 500, connections: 10 });
      const { value, cpuPercent } = await withCpu({ server: child.ready.pid }, () =>
        pacedLoad({ url: child.ready.url, paths, rate, durationMs: seconds * 1000, connections: 10 }),
      );
      const micros = ((cpuPercent.server! / 100) * 1e6) / value.achievedRate;
      const entry = costs.get(name) ?? { micros: [], p99: [], failures: 0 };
      entry.micros.push(micros);
      entry.p99.push(summarize(value.latencies).p99);
      entry.failures += value.errors + value.non2xx;
      costs.set(name, entry);
      out(`  pass ${pass + 1} ${name}: server ${cpuPercent.server}% of a core at ${int(value.achievedRate)} req/s = ${micros.toFixed(1)} µs CPU per answer`);
    }
  }
  const peaks = new Map<string, number>();
  if (peakSeconds > 0) {
    for (const { name, child } of servers) {
      const requests = paths.map((path) => ({ path }));
      await autocannon({ url: child.ready.url, connections: 10, duration: 1, requests });
      const result = await autocannon({ url: child.ready.url, connections: 10, duration: peakSeconds, requests });
      peaks.set(name, result.requests.average);
      out(`  peak ${name}: ${int(result.requests.average)} req/s`);
    }
  }

  const bareMicros = median(costs.get(servers[0]!.name)!.micros);
  let previous = bareMicros;
  const rows = servers.map(({ name }) => {
    const cost = costs.get(name)!;
    const micros = median(cost.micros);
    const step = name.startsWith('product,') ? micros - median(costs.get('+ product')!.micros) : micros - previous;
    if (!name.startsWith('product,')) previous = micros;
    return [
      name,
      micros.toFixed(1),
      `${step >= 0 ? '+' : ''}${step.toFixed(1)}${name.startsWith('product,') ? ' vs product' : ''}`,
      (bareMicros / micros).toFixed(2),
      ms(median(cost.p99)),
      peaks.has(name) ? int(peaks.get(name)!) : '-',
      cost.failures > 0 ? `FAILURES ${cost.failures}` : '',
    ];
  });
  out();
  out(`server CPU per cached resolve at ${int(rate)} req/s (median of ${passes}), and each server's peak`);
  out(table(['server', 'µs CPU/answer', 'step', 'bare/this', `p99 ms at ${int(rate)}/s`, 'peak req/s', ''], rows));
} catch (error) {
  process.stderr.write(`anatomy failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  await Promise.all(children.map((child) => child.stop()));
}
process.exit(exitCode);
