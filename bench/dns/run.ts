/**
 * DNS throughput: dnsperf against Signpost's DNS face and against Knot DNS serving the same zone,
 * in the same run. The registry (a child process, SQLite) gets N agents with two endpoints each;
 * its zone `_agents.bench.example` is transferred (AXFR, unsigned answers are asked for) and
 * loaded by knotd as a zone file, so both servers answer the same names with the same records.
 * Both are limited to one UDP worker (Signpost is one Node.js event loop); dnsperf asks SVCB and
 * TXT of every agent, 4 clients, no rate limit, for `--seconds` per run, in the order knot,
 * signpost, bare, bare, signpost, knot; the best run of each counts. `bare` is the Node.js ceiling:
 * node:dgram answering every query with one fixed answer (bare-udp-server.ts).
 *
 *   npm run bench:dns [-- --agents 200 --seconds 10]
 *
 * Target (issue 11): Signpost >= 0.4 of Knot's queries per second.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchTempDir, startChild } from '../support/children.js';
import { BENCH_ZONE, registerDnsAgents } from './agents.js';
import { machineInfo } from '../support/machine.js';
import { int, table } from '../support/stats.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

const run = promisify(execFile);
const argument = (flag: string, fallback: number) => Number(process.argv[process.argv.indexOf(flag) + 1]) || fallback;
const AGENTS = argument('--agents', 200);
const SECONDS = argument('--seconds', 10);
const ZONE = BENCH_ZONE;
const TARGET_RATIO = 0.4;

interface PerfResult {
  readonly qps: number;
  readonly averageMs: number;
  readonly lost: number;
}

async function dnsperf(port: number, queries: string): Promise<PerfResult> {
  const { stdout } = await run('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(SECONDS), '-c', '4', '-T', '1', '-t', '2'], { maxBuffer: 16 * 1024 * 1024 });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(stdout)?.[1]);
  const averageMs = Number(/Average Latency \(s\):\s+([\d.]+)/.exec(stdout)?.[1]) * 1000;
  const lost = Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(qps)) throw new Error(`dnsperf printed no rate:\n${stdout}`);
  return { qps, averageMs, lost };
}

async function main(): Promise<void> {
  const dir = benchTempDir('signpost-bench-dns-');
  const signpost = await startChild<{ type: 'ready'; url: string; dnsPort: number }>({ script: new URL('./signpost-dns-server.ts', import.meta.url).pathname, label: 'signpost' });
  let knot: ReturnType<typeof spawn> | undefined;
  let bare: Awaited<ReturnType<typeof startChild<{ type: 'ready'; port: number }>>> | undefined;
  try {
    const { url, dnsPort } = signpost.ready;
    const names = (await registerDnsAgents(url, AGENTS)).map((agent) => agent.owner);

    // The same zone for knotd: transferred from Signpost, as a secondary would get it.
    const transfer = (await run('dig', ['@127.0.0.1', '-p', String(dnsPort), ZONE, 'AXFR', '+nocmd', '+nostats', '+nocomments'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    const zoneLines = transfer.split('\n').filter((line) => line !== '' && !line.startsWith(';'));
    writeFileSync(join(dir, `${ZONE}.zone`), zoneLines.slice(0, -1).join('\n') + '\n');
    const knotPort = await closedLoopbackPort();
    writeFileSync(
      join(dir, 'knot.conf'),
      ['server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${knotPort}`, '    udp-workers: 1', '    tcp-workers: 1', '    background-workers: 1', 'database:', `    storage: "${dir}"`, 'zone:', `  - domain: ${ZONE}`, `    file: "${join(dir, `${ZONE}.zone`)}"`, '    journal-content: none', '    zonefile-sync: -1', ''].join('\n'),
    );
    knot = spawn(existsSync('/usr/sbin/knotd') ? '/usr/sbin/knotd' : 'knotd', ['-c', join(dir, 'knot.conf')], { stdio: 'ignore' });
    for (let tries = 0; !/ANSWER: [1-9]/.test((await run('dig', ['@127.0.0.1', '-p', String(knotPort), names[0]!, 'TXT']).catch(() => ({ stdout: '' }))).stdout); tries++) {
      if (tries > 100) throw new Error('knotd does not answer');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // The Node.js ceiling: a bare dgram server replying with one fixed answer of the registry's.
    const sample = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'TXT', name: names[0]! }] });
    const sampleAnswer = await new Promise<Buffer>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('message', (message) => {
        socket.close();
        resolve(message);
      });
      socket.once('error', reject);
      socket.send(sample, dnsPort, '127.0.0.1');
    });
    bare = await startChild<{ type: 'ready'; port: number }>({ script: new URL('./bare-udp-server.ts', import.meta.url).pathname, label: 'bare', init: { answer: sampleAnswer.toString('base64') } });

    const queries = join(dir, 'queries.txt');
    writeFileSync(queries, names.flatMap((name) => [`${name} TYPE64`, `${name} TXT`]).join('\n') + '\n');
    const results: Record<'knot' | 'signpost' | 'bare', PerfResult[]> = { knot: [], signpost: [], bare: [] };
    const ports = { knot: knotPort, signpost: dnsPort, bare: bare.ready.port };
    for (const server of ['knot', 'signpost', 'bare', 'bare', 'signpost', 'knot'] as const) results[server].push(await dnsperf(ports[server], queries));
    const best = (list: PerfResult[]) => list.reduce((a, b) => (b.qps > a.qps ? b : a));
    const machine = machineInfo();
    console.log(`\nDNS queries per second: ${AGENTS} agents (SVCB + TXT each), dnsperf 4 clients, ${SECONDS} s per run, best of 2`);
    console.log(`machine: ${machine.cpus} cpus, node ${machine.node}; knotd with 1 UDP worker\n`);
    console.log(
      table(
        ['server', 'queries/s', 'avg latency ms', 'lost', 'all runs q/s'],
        (['knot', 'bare', 'signpost'] as const).map((server) => {
          const chosen = best(results[server]);
          const label = { knot: 'knotd 3.2 (baseline)', bare: 'bare node:dgram, fixed answer', signpost: 'signpost DNS face' }[server];
          return [label, int(chosen.qps), chosen.averageMs.toFixed(3), int(chosen.lost), results[server].map((r) => int(r.qps)).join(', ')];
        }),
      ),
    );
    const ratio = best(results.signpost).qps / best(results.knot).qps;
    console.log(`\nratio bare node:dgram / knot: ${(best(results.bare).qps / best(results.knot).qps).toFixed(3)} (the most one Node.js event loop answers); signpost / bare: ${(best(results.signpost).qps / best(results.bare).qps).toFixed(3)}`);
    console.log(`ratio signpost / knot: ${ratio.toFixed(3)}; target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`);
  } finally {
    knot?.kill('SIGKILL');
    await bare?.stop();
    await signpost.stop();
  }
}

await main();
