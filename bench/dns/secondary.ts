/**
 * Revocation to a DNS secondary: the time from the revoke call returning to the first answer of a
 * real Knot DNS secondary (knotd on loopback, zone `_agents.bench.example` transferred from the
 * registry) that no longer holds the agent. The path measured is the whole chain: the event log's
 * live watch, NOTIFY, knotd's SOA query, the incremental transfer (IXFR) and knotd applying it.
 * Baseline in the same run: the same latency on the registry's own DNS port. The registry (a child
 * process, SQLite, the zone signed online) has N agents; each revocation waits for both to drop the
 * agent, then `--gap` ms, before the next. Both are polled over UDP (TXT of the agent's owner name)
 * every millisecond. The gap (default 1 s) measures each revocation alone: knotd holds back a
 * refresh that a NOTIFY asks for within about a second of its previous one (by about 0.75 s, seen
 * on the wire: our NOTIFY answered at once, its SOA query and IXFR that much later), which
 * `--gap 0` (back-to-back revocations) shows.
 *
 *   npm run bench:dns-secondary [-- --agents 200 --revocations 100 --gap 1000]
 *
 * Target (issue 11): p99 < 1 s from revocation to the secondary.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { createStatusChange } from '../../src/core/record/registration.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import { benchTempDir, startChild } from '../support/children.js';
import { machineInfo } from '../support/machine.js';
import { ms, Samples, summarize, table } from '../support/stats.js';
import { BENCH_ZONE, registerDnsAgents, type BenchDnsAgent } from './agents.js';

const argument = (flag: string, fallback: number) => Number(process.argv[process.argv.indexOf(flag) + 1]) || fallback;
const AGENTS = argument('--agents', 200);
const REVOCATIONS = Math.min(argument('--revocations', 100), AGENTS);
const GAP_MS = process.argv.includes('--gap') ? Number(process.argv[process.argv.indexOf('--gap') + 1]) : 1_000;
const TARGET_P99_MS = 1_000;
/** A revocation not seen by then is a failure of the run, not a sample. */
const GIVE_UP_MS = 30_000;

/** A UDP client asking one server, one question at a time. */
class Asker {
  readonly #socket: Socket = createSocket('udp4');
  #id = 0;
  #waiting: ((answer: dnsPacket.Packet | undefined) => void) | undefined;

  constructor(private readonly port: number) {
    this.#socket.on('message', (message) => {
      const answer = dnsPacket.decode(message);
      if (answer.id === this.#id) this.#waiting?.(answer);
    });
  }

  /** The TXT records at `name` now (none: gone); an unanswered query (100 ms) counts as still there. */
  async holds(name: string): Promise<boolean> {
    this.#id = (this.#id + 1) & 0xffff;
    const answer = await new Promise<dnsPacket.Packet | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 100);
      this.#waiting = (packet) => {
        clearTimeout(timer);
        resolve(packet);
      };
      this.#socket.send(dnsPacket.encode({ type: 'query', id: this.#id, questions: [{ type: 'TXT', name }] }), this.port, '127.0.0.1');
    });
    return answer === undefined || (answer.answers ?? []).some((record) => record.type === 'TXT');
  }

  close(): void {
    this.#socket.close();
  }
}

/** Milliseconds from `since` until `asker` no longer finds `name`, asking every millisecond. */
async function goneAfter(asker: Asker, name: string, since: number): Promise<number> {
  for (;;) {
    if (!(await asker.holds(name))) return performance.now() - since;
    if (performance.now() - since > GIVE_UP_MS) throw new Error(`${name} still answered ${GIVE_UP_MS} ms after its revocation`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function revoke(url: string, agent: BenchDnsAgent): Promise<void> {
  const response = await fetch(`${url}/v1/agents/${encodeURIComponent(agent.name)}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(createStatusChange(agent.key, agent.name, 'revoke', 'benchmark', Date.now())),
  });
  if (response.status !== 200) throw new Error(`revoke ${agent.name}: ${response.status} ${await response.text()}`);
}

function knotConfig(dir: string, knotPort: number, primaryPort: number): string {
  return [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: 127.0.0.1@${knotPort}`,
    'database:',
    `    storage: "${dir}"`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'remote:',
    '  - id: signpost',
    `    address: 127.0.0.1@${primaryPort}`,
    'acl:',
    '  - id: notify_from_signpost',
    '    address: 127.0.0.1',
    '    action: notify',
    'zone:',
    `  - domain: ${BENCH_ZONE}`,
    '    master: signpost',
    '    acl: notify_from_signpost',
    '    zonefile-load: none',
    '    zonefile-sync: -1',
    '    journal-content: none',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  process.env.BENCH_LOG_LEVEL ??= 'error';
  const dir = benchTempDir('signpost-bench-dns-secondary-');
  const knotPort = await closedLoopbackPort();
  const signpost = await startChild<{ type: 'ready'; url: string; dnsPort: number }>({
    script: new URL('./signpost-dns-server.ts', import.meta.url).pathname,
    args: ['--notify', `127.0.0.1:${knotPort}`],
    label: 'signpost',
  });
  let knot: ReturnType<typeof spawn> | undefined;
  const askers: Asker[] = [];
  try {
    const { url, dnsPort } = signpost.ready;
    const agents = await registerDnsAgents(url, AGENTS);
    writeFileSync(join(dir, 'knot.conf'), knotConfig(dir, knotPort, dnsPort));
    let knotLog = '';
    knot = spawn(existsSync('/usr/sbin/knotd') ? '/usr/sbin/knotd' : 'knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    knot.stderr!.on('data', (chunk: Buffer) => (knotLog += chunk.toString()));
    const secondary = new Asker(knotPort);
    const primary = new Asker(dnsPort);
    askers.push(secondary, primary);
    // knotd bootstraps the zone (AXFR) at its start.
    const started = performance.now();
    while (!(await secondary.holds(agents.at(-1)!.owner))) {
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`knotd has not transferred the zone:\n${knotLog}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const toSecondary = new Samples();
    const toPrimary = new Samples();
    for (const agent of agents.slice(0, REVOCATIONS)) {
      await revoke(url, agent);
      const returned = performance.now();
      const [primaryMs, secondaryMs] = await Promise.all([goneAfter(primary, agent.owner, returned), goneAfter(secondary, agent.owner, returned)]);
      toPrimary.push(primaryMs);
      toSecondary.push(secondaryMs);
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    }

    const transfers = (kind: string) => knotLog.match(new RegExp(`${kind}, incoming, remote [^\\n]*, finished`, 'g'))?.length ?? 0;
    const secondaryLatency = summarize(toSecondary.sorted());
    const primaryLatency = summarize(toPrimary.sorted());
    const machine = machineInfo();
    console.log(`\nrevocation to DNS secondary: ${AGENTS} agents (signed zone), ${REVOCATIONS} revocations over HTTP ${GAP_MS} ms apart, knotd 3.2 secondary on loopback (NOTIFY, IXFR)`);
    console.log(`machine: ${machine.cpus} cpus, node ${machine.node}\n`);
    console.log(
      table(
        ['revoke returned -> agent gone from', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          ["the registry's own DNS port (baseline)", String(primaryLatency.count), ms(primaryLatency.p50), ms(primaryLatency.p90), ms(primaryLatency.p99), ms(primaryLatency.max)],
          ['the knotd secondary', String(secondaryLatency.count), ms(secondaryLatency.p50), ms(secondaryLatency.p90), ms(secondaryLatency.p99), ms(secondaryLatency.max)],
        ],
      ),
    );
    console.log(`\nknotd transfers: ${transfers('AXFR')} AXFR, ${transfers('IXFR')} IXFR${/AXFR-style/.test(knotLog) ? ' (some answered AXFR-style)' : ''}`);
    console.log(`secondary p99 ${ms(secondaryLatency.p99)} ms; target < ${TARGET_P99_MS} ms: ${secondaryLatency.p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'}`);
  } finally {
    for (const asker of askers) asker.close();
    knot?.kill('SIGKILL');
    await signpost.stop();
  }
}

await main();
