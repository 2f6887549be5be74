/**
 * An open-loop, paced HTTP/1.1 load generator for latency at a fixed rate.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a per-second quota, which
 * the connection spends back to back from the start of every second and then idles. At half the
 * peak rate that is half of each second at full saturation and half idle, so its latency figures
 * are saturation latencies. Here request i is due at start + i / rate and is written as soon as
 * it is due (the timer ticks about every millisecond) on any idle keep-alive connection; when all
 * connections are busy it waits in a queue, and that wait shows up in the send lag.
 *
 * Raw sockets and a minimal response parser (status line, Content-Length or chunked body) keep
 * the cost per request in this process small.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PacedOptions {
  readonly url: string;
  /** Request paths (with query), used in turn. */
  readonly paths: readonly string[];
  /** Requests per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly connections: number;
  /** Requests due in this first stretch are sent but not recorded (JIT, fresh connections). Default 1000 ms. */
  readonly warmupMs?: number;
}

/** Figures of the measured stretch only (after the warm-up). */
export interface PacedResult {
  readonly rate: number;
  readonly durationMs: number;
  readonly sent: number;
  readonly completed: number;
  readonly non2xx: number;
  /** Requests without a complete answer (socket errors, or still pending at the deadline). */
  readonly errors: number;
  /** Response time from the write of the request to the last byte of the answer, sorted ascending (ms). */
  readonly latencies: Float64Array;
  /** How late each request was written after its due time, sorted ascending (ms): timer granularity plus queueing. */
  readonly sendLags: Float64Array;
  /** Response time from the due time (send lag + response time), sorted ascending (ms): what an open-loop client sees. */
  readonly fromDue: Float64Array;
  readonly achievedRate: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface Connection {
  readonly socket: Socket;
  busy: boolean;
  sentAt: number;
  dueAt: number;
  measured: boolean;
  chunks: Buffer[];
  length: number;
}

export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const target = new URL(options.url);
  const port = Number(target.port);
  const requests = options.paths.map((path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`, 'latin1'));
  const warmupMs = options.warmupMs ?? 1000;
  const warmupCount = Math.round((options.rate * warmupMs) / 1000);
  const measuredCount = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const total = warmupCount + measuredCount;
  const latencies = new Float64Array(measuredCount);
  const sendLags = new Float64Array(measuredCount);
  const fromDue = new Float64Array(measuredCount);
  let sent = 0;
  let recordedSends = 0;
  let answered = 0;
  let completed = 0;
  let measureStart = 0;
  let non2xx = 0;
  let errors = 0;
  let due = 0;
  const queue: number[] = []; // due times of requests waiting for a connection
  const idle: Connection[] = [];
  let start = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const dispatch = () => {
    while (queue.length > 0 && idle.length > 0) {
      const connection = idle.pop()!;
      const dueAt = queue.shift()!;
      const now = performance.now();
      connection.measured = sent >= warmupCount;
      if (connection.measured) {
        if (recordedSends === 0) measureStart = now;
        sendLags[recordedSends++] = now - dueAt;
      }
      connection.busy = true;
      connection.sentAt = now;
      connection.dueAt = dueAt;
      connection.socket.write(requests[sent % requests.length]!);
      sent++;
    }
  };

  const onData = (connection: Connection, chunk: Buffer) => {
    connection.chunks.push(chunk);
    connection.length += chunk.length;
    const data = connection.chunks.length === 1 ? chunk : Buffer.concat(connection.chunks, connection.length);
    const end = messageEnd(data);
    if (end === -1) {
      connection.chunks = [data];
      return;
    }
    const now = performance.now();
    if (connection.measured) {
      fromDue[completed] = now - connection.dueAt;
      latencies[completed++] = now - connection.sentAt;
      const status = Number(data.toString('latin1', 9, 12));
      if (status < 200 || status > 299) non2xx++;
    }
    answered++;
    connection.chunks = [];
    connection.length = 0;
    connection.busy = false;
    idle.push(connection);
    if (answered + errors >= total) finish();
    else {
      enqueueDue();
      dispatch();
    }
  };

  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = connect({ host: target.hostname, port, noDelay: true });
          const connection: Connection = { socket, busy: false, sentAt: 0, dueAt: 0, measured: false, chunks: [], length: 0 };
          socket.once('connect', () => resolve(connection));
          socket.once('error', reject);
          socket.on('data', (chunk: Buffer) => onData(connection, chunk));
        }),
    ),
  );
  for (const connection of connections) {
    connection.socket.removeAllListeners('error');
    connection.socket.on('error', () => {
      if (connection.busy) errors++;
      connection.busy = false;
      if (answered + errors >= total) finish();
    });
    idle.push(connection);
  }

  const interval = 1000 / options.rate;
  // Requests fall due on the timer tick and, between ticks, whenever an answer arrives.
  function enqueueDue(): void {
    const now = performance.now();
    while (due < total && start + due * interval <= now) queue.push(start + due++ * interval);
  }
  start = performance.now();
  const tick = () => {
    enqueueDue();
    dispatch();
    if (due < total) timer = setTimeout(tick, 0);
  };
  let timer = setTimeout(tick, 0);
  // Give up on stragglers well after the last request was due.
  const deadline = setTimeout(finish, warmupMs + options.durationMs + 10_000);
  await finished;
  clearTimeout(timer);
  clearTimeout(deadline);
  const elapsed = performance.now() - measureStart;
  for (const connection of connections) connection.socket.destroy();
  return {
    rate: options.rate,
    durationMs: options.durationMs,
    sent: recordedSends,
    completed,
    non2xx,
    errors: measuredCount - completed,
    latencies: latencies.subarray(0, completed).sort(),
    sendLags: sendLags.subarray(0, recordedSends).sort(),
    fromDue: fromDue.subarray(0, completed).sort(),
    achievedRate: (completed * 1000) / elapsed,
  };
}

const CRLF = Buffer.from('\r\n');

/**
 * Where the HTTP/1.1 response at the start of `data` ends, or -1 if it is not complete yet. Knows
 * Content-Length and chunked bodies (without trailers), which is all the servers under test send.
 */
export function messageEnd(data: Buffer): number {
  const headerEnd = data.indexOf(HEADER_END);
  if (headerEnd === -1) return -1;
  const head = data.toString('latin1', 0, headerEnd);
  const bodyStart = headerEnd + 4;
  const status = Number(head.slice(9, 12));
  if (status === 304 || status === 204 || (status >= 100 && status < 200)) return bodyStart;
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = data.indexOf(CRLF, at);
      if (lineEnd === -1) return -1;
      const size = parseInt(data.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunked body');
      if (size === 0) return data.length >= lineEnd + 4 ? lineEnd + 4 : -1;
      at = lineEnd + 2 + size + 2;
      if (at > data.length) return -1;
    }
  }
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const end = bodyStart + (length ? Number(length[1]) : 0);
  return data.length >= end ? end : -1;
}
