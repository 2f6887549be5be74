/**
 * An open-loop, paced HTTP/1.1 load generator for latency at a fixed rate.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a per-second quota, which
 * the connection spends back to back from the start of every second and then idles. At half the
 * peak rate that is half of each second at full saturation and half idle, so its latency figures
 * are saturation latencies. Here request i is due at start + i / rate and is written as soon as
 * it is due (the timer ticks about every millisecond, and due requests also go out whenever an
 * answer arrives) on any idle keep-alive connection; when all connections are busy it waits, and
 * that wait shows up in the send lag.
 *
 * The generator itself must not stall: answers are read with `onread` into one reused buffer
 * (no Buffer per socket read, so no external-memory pressure and far fewer GC pauses in this
 * process) and parsed by a small streaming parser that keeps only the status line and headers
 * (Content-Length and chunked bodies). Warm-up requests (JIT, fresh connections) are sent but not
 * recorded.
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

interface Connection {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  busy: boolean;
  sentAt: number;
  dueAt: number;
  measured: boolean;
}

export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const target = new URL(options.url);
  const port = Number(target.port);
  const requests = options.paths.map((path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`, 'latin1'));
  const warmupMs = options.warmupMs ?? 1000;
  const warmupCount = Math.round((options.rate * warmupMs) / 1000);
  const measuredCount = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const total = warmupCount + measuredCount;
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(measuredCount);
  const sendLags = new Float64Array(measuredCount);
  const fromDue = new Float64Array(measuredCount);
  let start = 0;
  let due = 0; // requests that have fallen due; request k is due at start + k * interval
  let sent = 0; // requests written; due - sent are waiting for a connection
  let recordedSends = 0;
  let answered = 0;
  let completed = 0;
  let measureStart = 0;
  let non2xx = 0;
  let errors = 0;
  const idle: Connection[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const enqueueDue = () => {
    const now = performance.now();
    while (due < total && start + due * interval <= now) due++;
  };

  const dispatch = () => {
    while (sent < due && idle.length > 0) {
      const connection = idle.pop()!;
      const dueAt = start + sent * interval;
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

  const onAnswer = (connection: Connection, status: number) => {
    const now = performance.now();
    if (connection.measured) {
      fromDue[completed] = now - connection.dueAt;
      latencies[completed++] = now - connection.sentAt;
      if (status < 200 || status > 299) non2xx++;
    }
    answered++;
    connection.busy = false;
    idle.push(connection);
    if (answered + errors >= total) finish();
    else {
      enqueueDue();
      dispatch();
    }
  };

  // Reads land in this one buffer and are parsed before the callback returns.
  const readBuffer = Buffer.allocUnsafe(256 * 1024);
  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const parser = new ResponseParser();
          let connection: Connection | undefined;
          const socket = connect({
            host: target.hostname,
            port,
            noDelay: true,
            onread: {
              buffer: readBuffer,
              callback: (bytes: number, buffer: Uint8Array) => {
                if (connection === undefined) return true;
                let at = 0;
                while (at < bytes) {
                  const end = parser.feed(buffer as Buffer, at, bytes);
                  if (end === -1) break;
                  at = end;
                  if (!connection.busy) throw new Error('an answer arrived for no request');
                  onAnswer(connection, parser.status);
                }
                return true;
              },
            },
          });
          connection = { socket, parser, busy: false, sentAt: 0, dueAt: 0, measured: false };
          const ready = connection;
          socket.once('connect', () => resolve(ready));
          socket.once('error', reject);
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

  start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    enqueueDue();
    dispatch();
    if (due < total) timer = setTimeout(tick, 0);
  };
  timer = setTimeout(tick, 0);
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

const LF = 0x0a;

const State = { Head: 0, Body: 1, ChunkSize: 2, ChunkData: 3, LastCrlf: 4 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * A streaming HTTP/1.1 response parser that keeps only the status line and headers: bodies are
 * counted, never kept. Knows Content-Length and chunked bodies (without trailers), which is all
 * the servers under test send.
 */
export class ResponseParser {
  status = 0;
  private state: State = State.Head;
  private head = '';
  private remaining = 0;
  private sizeLine = '';

  /** Consume bytes [from, to) of `data`; the index just after a complete response, or -1 when it needs more bytes. */
  feed(data: Buffer, from: number, to: number): number {
    let at = from;
    while (at < to) {
      switch (this.state) {
        case State.Head: {
          const text = this.head + data.toString('latin1', at, Math.min(to, at + 16 * 1024));
          const end = text.indexOf('\r\n\r\n');
          if (end === -1) {
            this.head = text;
            if (this.head.length > 64 * 1024) throw new Error('response headers too large');
            at = Math.min(to, at + 16 * 1024);
            continue;
          }
          at += end + 4 - this.head.length;
          const head = text.slice(0, end);
          this.head = '';
          this.status = Number(head.slice(9, 12));
          if (this.status === 304 || this.status === 204 || (this.status >= 100 && this.status < 200)) return this.done(at);
          if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
            this.state = State.ChunkSize;
            this.sizeLine = '';
          } else {
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
            this.remaining = length ? Number(length[1]) : 0;
            if (this.remaining === 0) return this.done(at);
            this.state = State.Body;
          }
          break;
        }
        case State.Body:
        case State.ChunkData:
        case State.LastCrlf: {
          const take = Math.min(this.remaining, to - at);
          at += take;
          this.remaining -= take;
          if (this.remaining > 0) break;
          if (this.state === State.ChunkData) {
            this.state = State.ChunkSize;
            this.sizeLine = '';
            break;
          }
          return this.done(at);
        }
        case State.ChunkSize: {
          // The size line ends with CRLF, which may be split between two reads: look for LF.
          const lineEnd = data.indexOf(LF, at);
          if (lineEnd === -1 || lineEnd >= to) {
            this.sizeLine += data.toString('latin1', at, to);
            at = to;
            break;
          }
          const line = (this.sizeLine + data.toString('latin1', at, lineEnd)).replace(/\r$/, '');
          at = lineEnd + 1;
          const size = parseInt(line, 16);
          if (Number.isNaN(size)) throw new Error(`malformed chunk size ${JSON.stringify(line)}`);
          // The last chunk is followed by an empty line (no trailers); every other chunk by CRLF.
          this.remaining = size === 0 ? 2 : size + 2;
          this.state = size === 0 ? State.LastCrlf : State.ChunkData;
          break;
        }
      }
    }
    return -1;
  }

  private done(at: number): number {
    this.state = State.Head;
    return at;
  }
}

/**
 * Where the HTTP/1.1 response at the start of `data` ends, or -1 if it is not complete yet
 * (Content-Length and chunked bodies without trailers).
 */
export function messageEnd(data: Buffer): number {
  return new ResponseParser().feed(data, 0, data.length);
}
