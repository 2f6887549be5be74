import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delays } from '../../core/ports.js';
import { startDnsServer, type RunningDnsServer } from './dns-server.js';
import { NOTIFY_RETRY_START_MS, NOTIFY_TRIES, ZoneNotifier, type NotifyTarget } from './notify.js';
import { readTsig, signMessage, type TsigKey } from './tsig.js';
import { ZoneView } from './zone-view.js';
import { closedLoopbackPort } from '../../../test/support/closed-loopback-port.js';

const ZONE = '_agents.acme.com';
const KEY: TsigKey = { name: 'notify-key', algorithm: 'hmac-sha256', secret: Buffer.from('c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=', 'base64') };
const TARGET: NotifyTarget = { host: '127.0.0.1', port: 5300 };
const NOW = Date.UTC(2026, 0, 1);

/** Delays driven by hand: `advance` runs what falls due, in order, including what that schedules. */
function manualDelays(): Delays & { advance(ms: number): void; readonly now: () => number } {
  let now = 0;
  const tasks: { at: number; run: () => void; done: boolean }[] = [];
  return {
    now: () => now,
    after(delayMs, run) {
      const task = { at: now + delayMs, run, done: false };
      tasks.push(task);
      return () => (task.done = true);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = tasks.filter((task) => !task.done && task.at <= until).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        now = due.at;
        due.done = true;
        due.run();
      }
      now = until;
    },
  };
}

interface Sent {
  readonly at: number;
  readonly id: number;
  readonly zone: string | undefined;
  readonly target: NotifyTarget;
  readonly message: Buffer;
}

function notifierWith(targets: readonly NotifyTarget[]) {
  const delays = manualDelays();
  const sent: Sent[] = [];
  const unanswered: string[] = [];
  const notifier = new ZoneNotifier({
    targets,
    send: (message, target) => {
      const reading = readTsig(message);
      const unsigned = reading.kind === 'signed' ? reading.signed.unsigned : message;
      sent.push({ at: delays.now(), id: message.readUInt16BE(0), zone: dnsPacket.decode(unsigned).questions?.[0]?.name, target, message });
    },
    now: () => NOW + delays.now(),
    delays,
    onUnanswered: (zone, target) => unanswered.push(`${zone} ${target.port}`),
  });
  return { notifier, delays, sent, unanswered };
}

/** The target's answer to a NOTIFY: same id, NOTIFY opcode, QR; signed over the request's MAC with `key` when given. */
function answerTo(request: Buffer, options: { key?: TsigKey; id?: number; zone?: string; qr?: boolean; opcode?: number } = {}): Buffer {
  const flags = ((options.opcode ?? 4) << 11) | (1 << 10);
  const type = options.qr === false ? 'query' : 'response';
  const answer = Buffer.from(dnsPacket.encode({ id: options.id ?? request.readUInt16BE(0), type, flags, questions: [{ type: 'SOA', name: options.zone ?? ZONE }] }));
  if (options.key === undefined) return answer;
  const reading = readTsig(request);
  if (reading.kind !== 'signed') throw new Error('the request is not signed');
  return signMessage(answer, options.key, { timeSigned: Math.floor(NOW / 1000), priorMac: reading.signed.rdata.mac }).message;
}

describe('ZoneNotifier (RFC 1996 3.6 retries)', () => {
  it('sends an unanswered NOTIFY again with doubling waits, NOTIFY_TRIES times in all, then reports the target', () => {
    const { notifier, delays, sent, unanswered } = notifierWith([TARGET]);
    notifier.changed(ZONE);
    expect(sent).toHaveLength(0);
    delays.advance(0);
    delays.advance(10 * 60_000);
    const waits = Array.from({ length: NOTIFY_TRIES - 1 }, (_, i) => NOTIFY_RETRY_START_MS * 2 ** i);
    expect(sent.map((message) => message.at)).toEqual([0, ...waits.map((_, i) => waits.slice(0, i + 1).reduce((a, b) => a + b))]);
    expect(sent.map((message) => message.at)).toEqual([0, 2_000, 6_000, 14_000, 30_000]);
    // Every try is the same NOTIFY: one id, the zone as the question.
    expect(new Set(sent.map((message) => message.id)).size).toBe(1);
    expect(sent.every((message) => message.zone === ZONE)).toBe(true);
    expect(unanswered).toEqual([`${ZONE} 5300`]);
  });

  it('stops once the target answers with the id, from its address and port', () => {
    const { notifier, delays, sent, unanswered } = notifierWith([TARGET, { host: '127.0.0.1', port: 5301 }]);
    notifier.changed(ZONE);
    delays.advance(NOTIFY_RETRY_START_MS);
    expect(sent).toHaveLength(4);
    notifier.answered(answerTo(sent[0]!.message), { address: '::ffff:127.0.0.1', port: 5300 });
    delays.advance(10 * 60_000);
    expect(sent.filter((message) => message.target.port === 5300)).toHaveLength(2);
    expect(sent.filter((message) => message.target.port === 5301)).toHaveLength(NOTIFY_TRIES);
    expect(unanswered).toEqual([`${ZONE} 5301`]);
  });

  it('ignores what is no answer: another id, source or zone, a query, another opcode, a missing or wrong TSIG when the target has a key', () => {
    const { notifier, delays, sent, unanswered } = notifierWith([{ ...TARGET, key: KEY }]);
    notifier.changed(ZONE);
    delays.advance(0);
    const request = sent[0]!.message;
    const from = { address: '127.0.0.1', port: 5300 };
    for (const [answer, source] of [
      [answerTo(request, { key: KEY, id: (sent[0]!.id + 1) & 0xffff }), from],
      [answerTo(request, { key: KEY }), { ...from, port: 5399 }],
      [answerTo(request, { key: KEY }), { ...from, address: '127.0.0.2' }],
      [answerTo(request, { key: KEY, zone: '_agents.other.org' }), from],
      [answerTo(request, { key: KEY, qr: false }), from],
      [answerTo(request, { key: KEY, opcode: 0 }), from],
      [answerTo(request), from],
      [answerTo(request, { key: { ...KEY, secret: Buffer.from('not the secret of the target key!') } }), from],
      [Buffer.from([1, 2, 3]), from],
    ] as const) {
      notifier.answered(answer, source);
    }
    delays.advance(10 * 60_000);
    expect(sent).toHaveLength(NOTIFY_TRIES);
    expect(unanswered).toHaveLength(1);
  });

  it('takes a signed answer to an earlier try: each try is signed afresh, the answer may come to any', () => {
    const { notifier, delays, sent, unanswered } = notifierWith([{ ...TARGET, key: KEY }]);
    notifier.changed(ZONE);
    delays.advance(NOTIFY_RETRY_START_MS);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.message.equals(sent[1]!.message)).toBe(false);
    notifier.answered(answerTo(sent[0]!.message, { key: KEY }), { address: '127.0.0.1', port: 5300 });
    delays.advance(10 * 60_000);
    expect(sent).toHaveLength(2);
    expect(unanswered).toEqual([]);
  });

  it('coalesces changes before its next timer, and a newer change supersedes the NOTIFY still unanswered', () => {
    const { notifier, delays, sent, unanswered } = notifierWith([TARGET]);
    notifier.changed(ZONE);
    notifier.changed(ZONE);
    notifier.changed('_agents.other.org');
    delays.advance(0);
    expect(sent.map((message) => message.zone)).toEqual([ZONE, '_agents.other.org']);
    delays.advance(1_000);
    notifier.changed(ZONE);
    delays.advance(0);
    const newer = sent[2]!;
    expect(newer.zone).toBe(ZONE);
    expect(newer.id).not.toBe(sent[0]!.id);
    // The old NOTIFY's answer no longer counts; the new one's tries go on from its own start.
    notifier.answered(answerTo(sent[0]!.message), { address: '127.0.0.1', port: 5300 });
    delays.advance(10 * 60_000);
    const ofZone = sent.filter((message) => message.zone === ZONE);
    expect(ofZone.map((message) => message.at)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000]);
    expect(unanswered.sort()).toEqual([`${ZONE} 5300`, '_agents.other.org 5300']);
  });

  it('close stops every retry', () => {
    const { notifier, delays, sent } = notifierWith([TARGET]);
    notifier.changed(ZONE);
    delays.advance(0);
    notifier.close();
    delays.advance(10 * 60_000);
    expect(sent).toHaveLength(1);
  });
});

describe('NOTIFY retries over a real UDP socket', () => {
  let server: RunningDnsServer | undefined;
  let secondary: Socket | undefined;
  let knot: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    knot?.kill('SIGKILL');
    await server?.close();
    secondary?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    [server, secondary, knot, dir] = [undefined, undefined, undefined, undefined];
  });

  /** Our DNS server (an empty zone), its UDP answers handed to the notifier made for it (TSIG time: `now`). */
  async function notifyingServer(targets: readonly NotifyTarget[], delays: Delays, now: () => number) {
    let notifier: ZoneNotifier | undefined;
    const responses: (() => void)[] = [];
    server = await startDnsServer({
      view: new ZoneView({ resolution: undefined as never, serial: async () => 1, serverName: 'ns1.registry.example' }),
      host: '127.0.0.1',
      port: 0,
      onUdpResponse: (message, from) => {
        notifier!.answered(message, from);
        responses.shift()?.();
      },
    });
    const running = server;
    const sent: Buffer[] = [];
    const unanswered: string[] = [];
    notifier = new ZoneNotifier({
      targets,
      send: (message, to) => {
        sent.push(message);
        running.sendUdp(message, to.host, to.port);
      },
      now,
      delays,
      onUnanswered: (zone) => unanswered.push(zone),
    });
    return { notifier, sent, unanswered, response: () => new Promise<void>((resolve) => responses.push(resolve)) };
  }

  it('a real knotd secondary answers the NOTIFY signed with the key: its answer verifies and ends the tries at one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-notify-'));
    const knotPort = await closedLoopbackPort();
    const delays = manualDelays();
    const { notifier, sent, unanswered, response } = await notifyingServer([{ host: '127.0.0.1', port: knotPort, key: KEY }], delays, () => Date.now());
    const secret = KEY.secret.toString('base64');
    await writeFile(
      join(dir, 'knot.conf'),
      ['server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${knotPort}`, 'database:', `    storage: "${dir}"`, 'key:', `  - id: ${KEY.name}`, '    algorithm: hmac-sha256', `    secret: ${secret}`, 'remote:', '  - id: primary', `    address: 127.0.0.1@${server!.port}`, `    key: ${KEY.name}`, 'acl:', '  - id: notify', '    address: 127.0.0.1', `    key: ${KEY.name}`, '    action: notify', 'zone:', `  - domain: ${ZONE}`, '    master: primary', '    acl: notify', '    zonefile-load: none', '    journal-content: none', ''].join('\n'),
    );
    // Debian puts knotd in /usr/sbin, which a non-root PATH may lack.
    knot = spawn(existsSync('/usr/sbin/knotd') ? '/usr/sbin/knotd' : 'knotd', ['-c', join(dir, 'knot.conf')], { stdio: 'ignore' });
    await untilListening(knotPort);
    notifier.changed(ZONE);
    const answered = response();
    delays.advance(0);
    await answered;
    delays.advance(10 * 60_000);
    expect(sent).toHaveLength(1);
    expect(unanswered).toEqual([]);
  });

  it('a secondary on loopback that ignores the first NOTIFY and answers the second (signed) gets no third; its answer comes through the server socket', async () => {
    secondary = createSocket('udp4');
    await new Promise<void>((resolve) => secondary!.bind(0, '127.0.0.1', resolve));
    const target: NotifyTarget = { host: '127.0.0.1', port: secondary.address().port, key: KEY };
    const received: Buffer[] = [];
    const arrivals: (() => void)[] = [];
    secondary.on('message', (message, from) => {
      received.push(message);
      // The first NOTIFY is lost; the second is answered, signed with the key over its MAC.
      if (received.length === 2) secondary!.send(answerTo(message, { key: KEY }), from.port, from.address);
      arrivals.shift()?.();
    });
    const arrived = () => new Promise<void>((resolve) => arrivals.push(resolve));
    const delays = manualDelays();
    const { notifier, unanswered, response } = await notifyingServer([target], delays, () => NOW);
    const answerSeen = response();

    notifier.changed(ZONE);
    let next = arrived();
    delays.advance(0);
    await next;
    next = arrived();
    delays.advance(NOTIFY_RETRY_START_MS);
    await next;
    await answerSeen;
    delays.advance(10 * 60_000);
    expect(received).toHaveLength(2);
    expect(received[0]!.readUInt16BE(0)).toBe(received[1]!.readUInt16BE(0));
    expect(unanswered).toEqual([]);
  });
});

/** Until a DNS server answers on 127.0.0.1:port over UDP (any answer: it listens). */
async function untilListening(port: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    for (let answered = false; !answered; ) {
      answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 200);
        socket.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'SOA', name: '.' }] }), port, '127.0.0.1');
      });
    }
  } finally {
    socket.close();
  }
}
