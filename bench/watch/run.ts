/**
 * Live watch latency: the time from sending a revocation to its event reaching each of 100 watch
 * subscribers (`GET /v1/watch`, Server-Sent Events), against the real registry process (SQLite,
 * the write's durable commit included). Baseline in the same run: bare node:http that only relays
 * a POSTed event to the same number of open streams (bare-sse-server.ts), with the same client code.
 *
 *   npm run bench:watch [-- --subscribers 100 --revocations 200]
 *
 * Target (issue 9): p99 < 20 ms from revoke sent to event delivered, over every subscriber.
 */
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';
import { createRegistration, createStatusChange } from '../../src/core/record/registration.js';
import { nextSequence } from '../../src/core/record/sequence.js';
import { signingKeyFromSeed } from '../../src/core/trust/ed25519.js';
import { startChild } from '../support/children.js';
import { machineInfo } from '../support/machine.js';
import { ms, Samples, summarize, table } from '../support/stats.js';

const argument = (flag: string, fallback: number) => Number(process.argv[process.argv.indexOf(flag) + 1]) || fallback;
const SUBSCRIBERS = argument('--subscribers', 100);
const REVOCATIONS = argument('--revocations', 200);
const TARGET_P99_MS = 20;

/** Open `count` SSE streams; `arrivals` gets, per agent name, the time each stream saw its event. */
async function subscribe(url: string, count: number, arrivals: Map<string, number[]>): Promise<IncomingMessage[]> {
  const open = Array.from({ length: count }, () =>
    new Promise<IncomingMessage>((resolve, reject) => {
      request(url, { headers: { accept: 'text/event-stream' }, agent: false }, (response) => {
        let opened = false;
        const parser = createParser({
          onEvent: (event) => {
            if (event.event === 'open' && !opened) {
              opened = true;
              resolve(response);
            }
            if (event.event !== 'change') return;
            const at = performance.now();
            const name = (JSON.parse(event.data) as { name: string }).name;
            const list = arrivals.get(name);
            if (list) list.push(at);
            else arrivals.set(name, [at]);
          },
        });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => parser.feed(chunk));
      })
        .on('error', reject)
        .end();
    }),
  );
  return Promise.all(open);
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

interface Run {
  readonly delivery: Samples;
  readonly answered: Samples;
}

/** Send each write, then wait until every subscriber has its event; record both times. */
async function measure(sends: { name: string; send: () => Promise<void> }[], arrivals: Map<string, number[]>, subscribers: number): Promise<Run> {
  const delivery = new Samples();
  const answered = new Samples();
  for (const { name, send } of sends) {
    const started = performance.now();
    await send();
    answered.push(performance.now() - started);
    await until(() => (arrivals.get(name)?.length ?? 0) >= subscribers);
    for (const at of arrivals.get(name)!) delivery.push(at - started);
  }
  return { delivery, answered };
}

async function post(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

async function main(): Promise<void> {
  process.env.BENCH_LOG_LEVEL ??= 'error';
  const signpost = await startChild<{ type: 'ready'; url: string }>({ script: new URL('../resolve/signpost-server.ts', import.meta.url).pathname, label: 'signpost' });
  const bare = await startChild<{ type: 'ready'; url: string }>({ script: new URL('./bare-sse-server.ts', import.meta.url).pathname, label: 'bare' });
  const streams: IncomingMessage[] = [];
  try {
    const url = signpost.ready.url;
    // Agents registered and revocations signed before any timing.
    const agents = Array.from({ length: REVOCATIONS }, (_, i) => ({ name: `agent://bench.example/watch/agent-${i}`, key: signingKeyFromSeed(new Uint8Array(randomBytes(32))) }));
    for (const { name, key } of agents) {
      const now = Date.now();
      const registration = createRegistration({ key, name, claims: { description: 'watch benchmark agent', endpoints: { static: [{ url: 'https://agents.example/a2a', protocol: 'a2a' }] } }, factsUrl: `${url}/v1/agents/${encodeURIComponent(name)}/facts`, seq: nextSequence(now), nowMs: now });
      const response = await fetch(`${url}/v1/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registration) });
      if (response.status !== 201) throw new Error(`register ${name}: ${response.status} ${await response.text()}`);
    }
    const revocations = agents.map(({ name, key }) => ({ name, body: JSON.stringify(createStatusChange(key, name, 'revoke', 'benchmark', Date.now())) }));

    const signpostArrivals = new Map<string, number[]>();
    streams.push(...(await subscribe(`${url}/v1/watch`, SUBSCRIBERS, signpostArrivals)));
    const bareArrivals = new Map<string, number[]>();
    streams.push(...(await subscribe(`${bare.ready.url}/watch`, SUBSCRIBERS, bareArrivals)));
    // The baseline relays an event of the same size as the registry's (a status-changed entry).
    const sample = await (await fetch(`${url}/v1/changes?since=0&limit=1`)).json() as { changes: { event: Record<string, unknown> }[] };
    const eventLike = (name: string) => JSON.stringify({ ...sample.changes[0]!.event, name, kind: 'status-changed', state: 'revoked' });

    // Alternate in blocks so that both see the same machine.
    const block = 20;
    const signpostRun: Run = { delivery: new Samples(), answered: new Samples() };
    const bareRun: Run = { delivery: new Samples(), answered: new Samples() };
    for (let from = 0; from < REVOCATIONS; from += block) {
      const slice = revocations.slice(from, from + block);
      const ours = await measure(slice.map(({ name, body }) => ({ name, send: () => post(`${url}/v1/agents/${encodeURIComponent(name)}/revoke`, body) })), signpostArrivals, SUBSCRIBERS);
      const theirs = await measure(slice.map(({ name }) => ({ name: `bare:${name}`, send: () => post(`${bare.ready.url}/event`, eventLike(`bare:${name}`)) })), bareArrivals, SUBSCRIBERS);
      for (const [into, from_] of [[signpostRun, ours], [bareRun, theirs]] as const) {
        for (const value of from_.delivery.sorted()) into.delivery.push(value);
        for (const value of from_.answered.sorted()) into.answered.push(value);
      }
    }

    const machine = machineInfo();
    console.log(`\nlive watch latency: ${REVOCATIONS} revocations, each to ${SUBSCRIBERS} SSE subscribers (one client process)`);
    console.log(`machine: ${machine.cpus} cpus, node ${machine.node}\n`);
    const rows = [
      ['bare node:http relay (baseline): sent -> delivered', bareRun.delivery],
      ['signpost revoke: sent -> delivered', signpostRun.delivery],
      ['bare node:http relay (baseline): sent -> answered', bareRun.answered],
      ['signpost revoke: sent -> answered', signpostRun.answered],
    ] as const;
    console.log(
      table(
        ['measurement', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows.map(([label, samples]) => {
          const s = summarize(samples.sorted());
          return [label, String(s.count), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];
        }),
      ),
    );
    const ours = summarize(signpostRun.delivery.sorted());
    const theirs = summarize(bareRun.delivery.sorted());
    console.log(`\np99 delivery signpost / bare: ${ms(ours.p99 / theirs.p99, 2)}x`);
    console.log(`target p99 < ${TARGET_P99_MS} ms from revoke sent to event delivered: ${ours.p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'} (p99 ${ms(ours.p99)} ms)`);
  } finally {
    for (const stream of streams) stream.destroy();
    await signpost.stop();
    await bare.stop();
  }
}

await main();
