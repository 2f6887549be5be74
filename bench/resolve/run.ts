/**
 * bench/resolve: cached `GET /v1/resolve` against a bare node:http server that sends the same
 * bytes, in the same run.
 *
 *   npm run bench:resolve                    # the full run (about 1.5 minutes)
 *   npm run bench:resolve -- --quick         # a smoke run (about 20 seconds)
 *   npm run bench:resolve -- --cpu-prof DIR  # also write a V8 CPU profile of the Signpost process
 *   npm run bench:resolve -- --help          # every option
 *
 * 1. The real registry (startRegistry: SQLite, pino at "warn", fastify) starts in a child process;
 *    200 agents of the MCP registry seed are registered; the resolve answers of a few of them are
 *    fetched twice (the second one comes from the answer cache) and their bytes and headers kept.
 * 2. A bare node:http server in another child process sends exactly those bodies with the same
 *    content-type, etag and cache-control (node:http adds date, keep-alive and the framing).
 * 3. Peak throughput: autocannon (in this process) runs against both, alternating
 *    bare, signpost, signpost, bare, ... so drift hits both alike; the best run of each counts.
 * 4. Latency at half of Signpost's peak rate: a paced open-loop generator (see
 *    bench/support/paced-load.ts), against both; then autocannon's `overallRate` at the same
 *    rate, for reference (its rate limiting is bursty).
 * 5. A table, the ratio, PASS/FAIL against the targets, and bench/resolve/results-latest.json.
 *
 * Exits 0 when a target is missed (this is a measurement), 1 when the run itself is invalid
 * (errors, non-2xx answers, answers that did not come from the cache). All traffic stays on
 * 127.0.0.1; every child process is killed when this one exits, however it exits.
 */
import { writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonOptions, type AutocannonResult } from 'autocannon';
import { benchAgents, registerAll } from '../support/agents.js';
import { benchTempDir, startChild, type BenchChild } from '../support/children.js';
import { machineInfo, withCpu } from '../support/machine.js';
import { pacedLoad } from '../support/paced-load.js';
import { int, ms, Samples, summarize, table, type LatencySummary } from '../support/stats.js';
import { checkSameAnswers, pickAnswers } from './answers.js';

const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 2;
/** Above this share of a core used by other processes during a measured run, the run is flagged noisy. */
const NOISY_OTHER_CPU_PERCENT = 20;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// --- options -----------------------------------------------------------------------------------

interface Options {
  agents: number;
  names: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  rounds: number;
  halfSeconds: number;
  burstySeconds: number;
  /** How many noisy measurements (other processes busy) may be repeated in one run. */
  retries: number;
  cpuProfDir: string | undefined;
  /** Extra node flags for the Signpost process only (e.g. "--trace-gc"). */
  signpostNodeFlags: string[];
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    agents: 200,
    names: 8,
    connections: 10,
    warmupSeconds: 3,
    seconds: 10,
    rounds: 2,
    halfSeconds: 10,
    burstySeconds: 5,
    retries: 3,
    cpuProfDir: undefined,
    signpostNodeFlags: [],
    out: here('./results-latest.json'),
  };
  const numeric: Record<string, keyof Options> = {
    '--agents': 'agents',
    '--names': 'names',
    '--connections': 'connections',
    '--warmup': 'warmupSeconds',
    '--duration': 'seconds',
    '--rounds': 'rounds',
    '--half-duration': 'halfSeconds',
    '--bursty-duration': 'burstySeconds',
    '--retries': 'retries',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--quick') Object.assign(options, { warmupSeconds: 1, seconds: 3, rounds: 1, halfSeconds: 3, burstySeconds: 2 });
    else if (flag === '--cpu-prof') options.cpuProfDir = argv[++i];
    else if (flag === '--signpost-node-flags') options.signpostNodeFlags = (argv[++i] ?? '').split(' ').filter(Boolean);
    else if (flag === '--out') options.out = argv[++i] ?? options.out;
    else if (flag in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} takes a number`);
      (options as unknown as Record<string, number>)[numeric[flag]!] = value;
    } else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'usage: npm run bench:resolve -- [--quick] [--duration S] [--rounds N] [--warmup S] [--half-duration S]\n' +
          '       [--bursty-duration S] [--retries N] [--connections N] [--agents N] [--names N] [--cpu-prof DIR]\n' +
          '       [--signpost-node-flags "FLAGS"] [--out FILE]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${flag} (try --help)`);
  }
  return options;
}

// --- measurements ------------------------------------------------------------------------------

interface ThroughputRun {
  readonly target: 'bare' | 'signpost';
  readonly round: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly seconds: number;
  readonly failures: Failures;
  /** autocannon's own percentiles (whole milliseconds). */
  readonly autocannonLatencyMs: { p50: number; p97_5: number; p99: number; max: number };
  /** The same responses, timed to the microsecond. */
  readonly latencyMs: LatencySummary;
  readonly cpuPercent: Record<string, number>;
}

interface Failures {
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly mismatches: number;
}

const failuresOf = (r: AutocannonResult): Failures => ({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, mismatches: r.mismatches });
const failed = (f: Failures) => f.errors + f.timeouts + f.non2xx + f.mismatches > 0;

async function cannon(url: string, paths: readonly string[], seconds: number, extra: Partial<AutocannonOptions> = {}) {
  const samples = new Samples();
  const instance = autocannon({
    url,
    connections: options.connections,
    pipelining: 1,
    duration: seconds,
    requests: paths.map((path) => ({ method: 'GET', path })),
    ...extra,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => samples.push(responseTime));
  const result = await instance;
  return { result, latency: summarize(samples.sorted()) };
}

// --- the run -----------------------------------------------------------------------------------

const options = parseOptions(process.argv.slice(2));
/** Garbage-collection pauses of this process (the load generator), to tell its stalls from the server's. */
const gcPauses: { at: number; ms: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ at: entry.startTime, ms: entry.duration });
}).observe({ entryTypes: ['gc'] });
const pausesBetween = (from: number, to: number) => {
  const within = gcPauses.filter((p) => p.at >= from && p.at <= to);
  return { count: within.length, totalMs: within.reduce((a, p) => a + p.ms, 0), maxMs: Math.max(0, ...within.map((p) => p.ms)) };
};
const log = (line = '') => process.stdout.write(`${line}\n`);
const startedAt = new Date();
const machine = machineInfo();

log(`bench/resolve: cached GET /v1/resolve vs a bare node:http server sending the same bytes`);
log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, load ${machine.loadAverage1m}, commit ${machine.commit}${machine.srcDirty ? ' + uncommitted src/ changes' : ''}`);
log(
  `load: autocannon ${options.connections} connections, pipelining 1, ${options.seconds} s x ${options.rounds} rounds per server after ${options.warmupSeconds} s warm-up; ` +
    `half-peak ${options.halfSeconds} s paced + ${options.burstySeconds} s autocannon overallRate`,
);
log(`note: the load generator runs in this process and competes with the server for the ${machine.cpus} cores`);
log();

const children: BenchChild<{ type: 'ready'; url: string; pid: number }>[] = [];
let exitCode = 0;
try {
  // 1. Signpost, with realistic agents, and the answers it caches.
  const signpost = await startChild<{ type: 'ready'; url: string; pid: number }>({
    script: here('./signpost-server.ts'),
    args: [benchTempDir('signpost-bench-')],
    label: 'signpost server',
    nodeFlags: [...options.signpostNodeFlags, ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir])],
  });
  children.push(signpost);
  const { candidates, source } = benchAgents(options.agents);
  const registerStart = performance.now();
  await registerAll(signpost.ready.url, candidates);
  log(`signpost ${signpost.ready.url} (pid ${signpost.ready.pid}): registered ${candidates.length} agents from ${source} in ${int(performance.now() - registerStart)} ms`);

  const answers = await pickAnswers(signpost.ready.url, candidates.map((c) => c.name), options.names);
  const sizes = answers.map((a) => a.body.length).sort((a, b) => a - b);
  log(`resolving ${answers.length} names in turn (?name=…&protocol=mcp), answers ${sizes[0]}..${sizes[sizes.length - 1]} bytes, e.g.`);
  log(`  ${answers[0]!.path}`);
  log(`  ${Object.entries(answers[0]!.headers).map(([k, v]) => `${k}: ${v}`).join(' | ')}`);

  // 2. The bare server with the same bytes and headers.
  const bare = await startChild<{ type: 'ready'; url: string; pid: number }>({
    script: here('./bare-server.ts'),
    label: 'bare server',
    init: {
      type: 'serve',
      answers: answers.map((a) => ({ path: a.path, status: 200, headers: a.headers, bodyBase64: a.body.toString('base64') })),
    },
  });
  children.push(bare);
  const comparison = await checkSameAnswers(bare.ready.url, signpost.ready.url, answers);
  log(`bare     ${bare.ready.url} (pid ${bare.ready.pid}): same body, content-type and etag as signpost for every path (checked)`);
  log(`  one response on the wire: bare ${comparison.wireBytes.bare} bytes, signpost ${comparison.wireBytes.signpost} bytes`);
  for (const note of comparison.notes) log(`  NOTE ${note}`);
  log();

  const paths = answers.map((a) => a.path);
  const targets = { bare: bare.ready, signpost: signpost.ready } as const;
  const pids = (name: 'bare' | 'signpost') => ({ server: targets[name].pid, loadgen: process.pid });
  const hitsBefore = await cacheCounts(signpost.ready.url);

  /** Run a measurement again (up to `options.retries` times in the whole run) when other processes took more than the noise threshold. */
  let retriesLeft = options.retries;
  const quietly = async <T extends { cpuPercent: Record<string, number> }>(label: string, measure: () => Promise<T>): Promise<T> => {
    let measured = await measure();
    while (measured.cpuPercent.other! > NOISY_OTHER_CPU_PERCENT && retriesLeft > 0) {
      retriesLeft--;
      log(`  (${label}: other processes used ${measured.cpuPercent.other}% of a core; measuring again, ${retriesLeft} repeats left)`);
      measured = await measure();
    }
    return measured;
  };

  // 3. Peak throughput, alternating.
  for (const name of ['bare', 'signpost'] as const) {
    log(`warm-up ${name} ${options.warmupSeconds} s`);
    await cannon(targets[name].url, paths, options.warmupSeconds);
  }
  const runs: ThroughputRun[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? (['bare', 'signpost'] as const) : (['signpost', 'bare'] as const);
    for (const name of order) {
      const { value, cpuPercent } = await quietly(`round ${round} ${name}`, () => withCpu(pids(name), () => cannon(targets[name].url, paths, options.seconds)));
      const { result, latency } = value;
      const run: ThroughputRun = {
        target: name,
        round,
        requestsPerSecond: result.requests.average,
        requests: result.requests.total,
        seconds: result.duration,
        failures: failuresOf(result),
        autocannonLatencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
        latencyMs: latency,
        cpuPercent,
      };
      runs.push(run);
      log(
        `round ${round} ${name.padEnd(8)} ${int(run.requestsPerSecond).padStart(7)} req/s  p50 ${ms(latency.p50)} ms  p99 ${ms(latency.p99)} ms  ` +
          `cpu server ${cpuPercent.server}% loadgen ${cpuPercent.loadgen}% other ${cpuPercent.other}%${failed(run.failures) ? `  FAILURES ${JSON.stringify(run.failures)}` : ''}`,
      );
    }
  }
  const best = (name: 'bare' | 'signpost') => runs.filter((r) => r.target === name).reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  const bestBare = best('bare');
  const bestSignpost = best('signpost');
  const ratio = bestSignpost.requestsPerSecond / bestBare.requestsPerSecond;
  const halfRate = Math.max(1, Math.round(bestSignpost.requestsPerSecond / 2));
  log();

  // 4. Latency at half of Signpost's peak: paced (the verdict), then autocannon overallRate (reference).
  const paced: Record<string, ReturnType<typeof pacedSummary> & { loadgenGc: ReturnType<typeof pausesBetween> }> = {};
  for (const name of ['signpost', 'bare'] as const) {
    const startedAt = performance.now();
    const { value, cpuPercent } = await quietly(`paced ${name}`, () =>
      withCpu(pids(name), () => pacedLoad({ url: targets[name].url, paths, rate: halfRate, durationMs: options.halfSeconds * 1000, connections: options.connections })),
    );
    paced[name] = { ...pacedSummary(value, cpuPercent), loadgenGc: pausesBetween(startedAt, performance.now()) };
    const p = paced[name]!;
    log(
      `paced ${int(halfRate)} req/s ${name.padEnd(8)} achieved ${int(p.achievedRate)} req/s  p50 ${ms(p.latencyMs.p50)} ms  p99 ${ms(p.latencyMs.p99)} ms  ` +
        `max ${ms(p.latencyMs.max)} ms  send lag p99 ${ms(p.sendLagMs.p99)} ms  loadgen GC max ${ms(p.loadgenGc.maxMs, 1)} ms  cpu server ${cpuPercent.server}% loadgen ${cpuPercent.loadgen}% other ${cpuPercent.other}%${p.errors + p.non2xx > 0 ? `  FAILURES errors ${p.errors} non2xx ${p.non2xx}` : ''}`,
    );
  }
  const bursty: Record<string, { latencyMs: LatencySummary; autocannonLatencyMs: { p50: number; p99: number }; requestsPerSecond: number; failures: Failures }> = {};
  if (options.burstySeconds > 0) {
    for (const name of ['signpost', 'bare'] as const) {
      const { result, latency } = await cannon(targets[name].url, paths, options.burstySeconds, { overallRate: halfRate });
      bursty[name] = {
        latencyMs: latency,
        autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
        requestsPerSecond: result.requests.average,
        failures: failuresOf(result),
      };
      log(`autocannon overallRate ${int(halfRate)} ${name.padEnd(8)} ${int(result.requests.average)} req/s  p50 ${ms(latency.p50)} ms  p99 ${ms(latency.p99)} ms (bursty, reference only)`);
    }
  }

  // Every answer must have come from the answer cache.
  const hitsAfter = await cacheCounts(signpost.ready.url);
  const cacheMisses = hitsAfter.miss - hitsBefore.miss;
  const cacheHits = hitsAfter.hit - hitsBefore.hit;

  // 5. Report.
  const p99AtHalf = paced.signpost!.latencyMs.p99;
  const ratioOk = ratio >= TARGET_RATIO;
  const p99Ok = p99AtHalf < TARGET_P99_MS;
  const invalid: string[] = [];
  for (const run of runs) if (failed(run.failures)) invalid.push(`${run.target} round ${run.round}: ${JSON.stringify(run.failures)}`);
  for (const [name, p] of Object.entries(paced)) if (p.errors + p.non2xx > 0) invalid.push(`paced ${name}: errors ${p.errors}, non-2xx ${p.non2xx}`);
  for (const [name, b] of Object.entries(bursty)) if (failed(b.failures)) invalid.push(`overallRate ${name}: ${JSON.stringify(b.failures)}`);
  if (cacheMisses > 0) invalid.push(`${cacheMisses} resolve answers during the load were cache misses`);
  // CPU that neither server nor load generator used: other work on the machine skews every figure.
  // Only the runs that count matter: the best throughput run of each server and the paced runs.
  const noisy = [
    ...[bestBare, bestSignpost].map((r) => [`${r.target} round ${r.round}`, r.cpuPercent.other!] as const),
    ...Object.entries(paced).map(([name, p]) => [`paced ${name}`, p.cpuPercent.other!] as const),
  ].filter(([, other]) => other > NOISY_OTHER_CPU_PERCENT);
  const noisyNotCounted = runs
    .filter((r) => r !== bestBare && r !== bestSignpost && r.cpuPercent.other! > NOISY_OTHER_CPU_PERCENT)
    .map((r) => `${r.target} round ${r.round} (${r.cpuPercent.other}%)`);
  const cpuMicros = (name: 'bare' | 'signpost') => ((paced[name]!.cpuPercent.server! / 100) * 1e6) / paced[name]!.achievedRate;
  const cpuPerAnswer = { bare: cpuMicros('bare'), signpost: cpuMicros('signpost') };

  log();
  log('peak throughput (best of each; latency under saturation with ' + options.connections + ' connections)');
  log(
    table(
      ['server', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'autocannon p50/p97.5/p99 (whole ms)', 'server cpu', 'loadgen cpu', 'other cpu'],
      [bestBare, bestSignpost].map((r) => [
        r.target,
        int(r.requestsPerSecond),
        ms(r.latencyMs.p50),
        ms(r.latencyMs.p97_5),
        ms(r.latencyMs.p99),
        `${r.autocannonLatencyMs.p50}/${r.autocannonLatencyMs.p97_5}/${r.autocannonLatencyMs.p99}`,
        `${r.cpuPercent.server}%`,
        `${r.cpuPercent.loadgen}%`,
        `${r.cpuPercent.other}%`,
      ]),
    ),
  );
  log();
  log(`latency at half of Signpost's peak: ${int(halfRate)} req/s`);
  log(
    table(
      ['server', 'generator', 'achieved req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'max ms', 'p99 from due ms'],
      [
        ...(['signpost', 'bare'] as const).map((name) => {
          const p = paced[name]!;
          return [name, 'paced', int(p.achievedRate), ms(p.latencyMs.p50), ms(p.latencyMs.p97_5), ms(p.latencyMs.p99), ms(p.latencyMs.max), ms(p.fromDueMs.p99)];
        }),
        ...(['signpost', 'bare'] as const)
          .filter((name) => bursty[name] !== undefined)
          .map((name) => {
            const b = bursty[name]!;
            return [name, 'autocannon overallRate', int(b.requestsPerSecond), ms(b.latencyMs.p50), ms(b.latencyMs.p97_5), ms(b.latencyMs.p99), ms(b.latencyMs.max), '-'];
          }),
      ],
    ),
  );
  log('  paced: request i is due at start + i/rate and goes out on an idle keep-alive connection (verdict: p99 from the write);');
  log('         "p99 from due" adds the wait for the ~1 ms timer tick or a free connection');
  log("  autocannon overallRate: each connection sends its per-second quota back to back, then idles; that is");
  log('         saturation for part of every second, so its p99 is shown for reference only');
  log();
  log(`answer cache during the load: ${int(cacheHits)} hits, ${int(cacheMisses)} misses`);
  log(
    `server CPU per answer at ${int(halfRate)} req/s: signpost ${cpuPerAnswer.signpost.toFixed(1)} µs, bare ${cpuPerAnswer.bare.toFixed(1)} µs ` +
      `(bare/signpost ${(cpuPerAnswer.bare / cpuPerAnswer.signpost).toFixed(2)}; a steadier view of the same overhead)`,
  );
  log(`ratio signpost/bare: ${ratio.toFixed(3)} (target >= ${TARGET_RATIO})  ${ratioOk ? 'PASS' : 'FAIL'}`);
  log(`p99 at half peak (paced): ${ms(p99AtHalf)} ms (target < ${TARGET_P99_MS} ms)  ${p99Ok ? 'PASS' : 'FAIL'}`);
  if (!ratioOk || !p99Ok) {
    log();
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    log(`!!! TARGET MISSED: ${[!ratioOk && `throughput ratio ${ratio.toFixed(3)} < ${TARGET_RATIO}`, !p99Ok && `p99 ${ms(p99AtHalf)} ms >= ${TARGET_P99_MS} ms`].filter(Boolean).join('; ')}`);
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  }
  if (noisyNotCounted.length > 0 && noisy.length === 0) {
    log();
    log(`note: other processes were busy during ${noisyNotCounted.join(', ')}; those runs are not the best of their server, so they do not count`);
  }
  if (noisy.length > 0) {
    log();
    log(
      `NOISY MACHINE: other processes used more than ${NOISY_OTHER_CPU_PERCENT}% of a core during ` +
        `${noisy.map(([run, other]) => `${run} (${other}%)`).join(', ')}; run again on a quiet machine before trusting these figures`,
    );
  }
  if (invalid.length > 0) {
    log();
    log(`INVALID RUN: ${invalid.join('; ')}`);
    exitCode = 1;
  }

  const report = {
    benchmark: 'resolve',
    command: 'npm run bench:resolve',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    options: { ...options, out: undefined },
    data: { agents: candidates.length, source, names: answers.map((a) => a.name), answerBytes: sizes, headers: answers[0]!.headers, wire: comparison },
    throughput: { runs, best: { bare: bestBare, signpost: bestSignpost }, ratio },
    halfPeak: { rate: halfRate, paced, autocannonOverallRate: bursty },
    cache: { hits: cacheHits, misses: cacheMisses },
    cpuMicrosPerAnswerAtHalfPeak: cpuPerAnswer,
    noisy: noisy.map(([run, other]) => ({ run, otherCpuPercent: other })),
    noisyNotCounted,
    targets: {
      ratio: { target: TARGET_RATIO, value: ratio, pass: ratioOk },
      p99AtHalfPeakMs: { target: TARGET_P99_MS, value: p99AtHalf, pass: p99Ok },
    },
    valid: invalid.length === 0,
    invalid,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`results: ${options.out}`);
} catch (error) {
  process.stderr.write(`bench/resolve failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  await Promise.all(children.map((child) => child.stop()));
  if (options.cpuProfDir !== undefined) log(`CPU profile of the signpost process: ${options.cpuProfDir}/*.cpuprofile`);
}
process.exit(exitCode);

// --- helpers -----------------------------------------------------------------------------------

async function cacheCounts(baseUrl: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const count = (result: string) => Number(new RegExp(`^signpost_resolve_cache_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss') };
}

function pacedSummary(result: Awaited<ReturnType<typeof pacedLoad>>, cpuPercent: Record<string, number>) {
  return {
    rate: result.rate,
    achievedRate: result.achievedRate,
    sent: result.sent,
    completed: result.completed,
    errors: result.errors,
    non2xx: result.non2xx,
    latencyMs: summarize(result.latencies),
    sendLagMs: summarize(result.sendLags),
    fromDueMs: summarize(result.fromDue),
    cpuPercent,
  };
}
