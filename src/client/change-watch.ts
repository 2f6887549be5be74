/**
 * Follows a registry's live watch (`GET /v1/watch`, Server-Sent Events) and hands each change to
 * the caller in log order, exactly once, across reconnects: the cursor is the log index, and a
 * reconnect asks for `?since=` the next index, so the registry replays what was missed from its
 * log. A gap in the indices (a change dropped on the way) is treated like a dropped connection.
 *
 * The stream is not signed. What a tamperer can do is hide or delay changes; the SDK therefore
 * still reads the signed status lists before it uses a cached answer (signpost-client.ts), so a
 * hidden revocation is still caught within the status lists' max-age.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Clock } from '../core/ports.js';
import { fetchExchange, nodeHttpExchange, type HttpAnswer, type HttpExchange } from './http-exchange.js';

/** One change of the registry's log, as the watch delivers it. */
export interface WatchedChange {
  readonly index: number;
  /** The entry's exact bytes (RFC 8785 JSON). */
  readonly text: string;
  /** The parsed event: kind, name, state, records, … (docs/spec.md, section 19). */
  readonly event: Readonly<Record<string, unknown>> & { readonly kind?: unknown; readonly name?: unknown };
}

export interface ChangeWatchOptions {
  /** Base URL of the registry. */
  readonly registry: string;
  /** Every change, in log order, once. */
  readonly onChange: (change: WatchedChange) => void;
  /** The log index to start from (default: the live edge, only what comes next). */
  readonly since?: number;
  /** Each (re)connection: `since` is where the registry starts this stream; `fromLiveEdge` is true when it started at the live edge (no `since` asked), so anything cached from before may be stale. */
  readonly onConnect?: (info: { since: number; heartbeatMs: number; fromLiveEdge: boolean }) => void;
  /** The stream dropped (network, a gap, the registry cut it off or closed); the watch reconnects by itself. */
  readonly onDisconnect?: (reason: string) => void;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  /** The first reconnection delay; it doubles up to 30 s while reconnections fail. Default: the registry's `retry` (2 s). */
  readonly reconnectMs?: number;
}

/** The longest event line accepted: an entry is a few hundred bytes; a stream that sends more is dropped. */
const MAX_EVENT_BYTES = 64 * 1024;
const MAX_RECONNECT_MS = 30_000;

export class ChangeWatch {
  readonly #options: ChangeWatchOptions;
  readonly #exchange: HttpExchange;
  readonly #clock: Clock;
  /** The index of the next change expected; undefined until the first stream says where it starts. */
  #next: number | undefined;
  #heartbeatMs = 15_000;
  #connected = false;
  /** The log's size when the current stream opened: live only once `next` reaches it. */
  #caughtUpAt = Number.MAX_SAFE_INTEGER;
  #lastHeardMs = 0;
  #stopped = false;
  #abort: AbortController | undefined;
  #reconnectMs: number;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void>;

  constructor(options: ChangeWatchOptions) {
    this.#options = options;
    this.#exchange = options.fetch ? fetchExchange(options.fetch) : nodeHttpExchange;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#next = options.since;
    this.#reconnectMs = options.reconnectMs ?? 2_000;
    this.#running = this.#connect();
  }

  /** The index of the next change this watch expects (after the last one delivered). */
  get next(): number | undefined {
    return this.#next;
  }

  /**
   * Whether the stream is connected, has delivered every change the log held when it opened (a
   * resumed stream replays what was missed first), and was heard from (a change or a heartbeat)
   * within two heartbeat intervals: only then has every change up to now been delivered.
   */
  get live(): boolean {
    return this.#connected && (this.#next ?? 0) >= this.#caughtUpAt && this.#clock.now() - this.#lastHeardMs <= 2 * this.#heartbeatMs;
  }

  /** Stop for good: no more changes, no reconnection. */
  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    await this.#running;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const base = this.#options.registry.replace(/\/+$/, '');
    const url = `${base}/v1/watch${this.#next === undefined ? '' : `?since=${this.#next}`}`;
    const abort = new AbortController();
    this.#abort = abort;
    let reason = 'the registry ended the stream';
    try {
      const answer = await this.#exchange(url, { method: 'GET', headers: { accept: 'text/event-stream' }, signal: abort.signal });
      if (answer.status !== 200 || !(answer.header('content-type') ?? '').startsWith('text/event-stream')) {
        answer.discard();
        reason = `the registry answered ${answer.status} to ${url}`;
      } else {
        reason = await this.#read(answer, abort);
      }
    } catch (error) {
      reason = this.#stopped ? 'closed' : `the stream failed: ${(error as Error).message}`;
    }
    this.#connected = false;
    if (this.#stopped) return;
    this.#options.onDisconnect?.(reason);
    const delay = Math.min(MAX_RECONNECT_MS, this.#reconnectMs * 2 ** Math.min(this.#failures, 10));
    this.#failures++;
    await new Promise<void>((resolve) => {
      this.#timer = setTimeout(resolve, delay);
      this.#timer.unref?.();
    });
    this.#running = this.#connect();
  }

  /** Read one stream until it ends; returns why it ended. */
  async #read(answer: HttpAnswer, abort: AbortController): Promise<string> {
    let ended: string | undefined;
    const stop = (why: string) => {
      ended ??= why;
      abort.abort();
    };
    const parser = createParser({
      maxBufferSize: MAX_EVENT_BYTES,
      onEvent: (message) => this.#onEvent(message, stop),
      onComment: () => (this.#lastHeardMs = this.#clock.now()),
      onError: (error) => stop(`the stream is not valid Server-Sent Events: ${error.message}`),
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of answer.body) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (ended !== undefined) break;
      }
    } catch (error) {
      if (ended === undefined) throw error;
    } finally {
      answer.discard();
    }
    return ended ?? 'the registry ended the stream';
  }

  #onEvent(message: EventSourceMessage, stop: (why: string) => void): void {
    this.#lastHeardMs = this.#clock.now();
    if (message.event === 'open') {
      const open = parseObject(message.data) as { since?: unknown; size?: unknown; heartbeatMs?: unknown } | undefined;
      if (typeof open?.since !== 'number' || (this.#next !== undefined && open.since !== this.#next)) return stop(`the registry started the stream at ${String(open?.since)}, not at ${this.#next}`);
      if (typeof open.size !== 'number' || open.size < open.since) return stop(`the registry's open event gives no log size at or after ${open.since}`);
      const fromLiveEdge = this.#next === undefined;
      this.#next = open.since;
      this.#caughtUpAt = open.size;
      if (typeof open.heartbeatMs === 'number' && open.heartbeatMs > 0) this.#heartbeatMs = open.heartbeatMs;
      this.#connected = true;
      this.#failures = 0;
      this.#options.onConnect?.({ since: open.since, heartbeatMs: this.#heartbeatMs, fromLiveEdge });
      return;
    }
    if (message.event === 'end') {
      const end = parseObject(message.data) as { code?: unknown; resumeFrom?: unknown } | undefined;
      // Cut off for being slow: resume at once, the registry replays from its log.
      if (end?.code === 'WATCH_TOO_SLOW') this.#failures = 0;
      return stop(`the registry ended the stream: ${String(end?.code)}`);
    }
    if (message.event !== 'change' || !this.#connected) return;
    const index = Number(message.id);
    if (index !== this.#next) return stop(`change ${message.id} arrived where ${this.#next} was expected`);
    const event = parseObject(message.data);
    if (event === undefined || event.index !== index) return stop(`change ${index} is not a log entry`);
    this.#next = index + 1;
    this.#options.onChange({ index, text: message.data, event });
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
