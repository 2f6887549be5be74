/**
 * `GET /v1/watch`: the live watch (core/log/log-watch.ts) as Server-Sent Events. Each change is
 * one event whose `id` is its log index and whose `data` is the entry's exact bytes, so a client
 * that reconnects with `Last-Event-ID` (as EventSource does by itself) resumes after the last
 * change it got, replayed from the log. Heartbeat comments keep proxies from closing an idle
 * stream. A subscriber that stops reading is cut off with a last `end` event naming where to
 * resume, rather than growing the registry's memory.
 */
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import { problem, type Problem } from '../../../core/errors.js';
import type { LogWatch, WatchEnd, WatchSubscription, WatchedEntry } from '../../../core/log/log-watch.js';
import type { Timers } from '../../../core/ports.js';
import type { Metrics } from '../metrics.js';
import type { HttpApp } from '../route-context.js';
import { sendProblems } from '../replies.js';
import { problemResponses } from '../schemas.js';

export interface WatchOptions {
  readonly watch: LogWatch;
  /** The heartbeat's timer. */
  readonly timers: Timers;
  /** Milliseconds between heartbeats (default 15 s). */
  readonly heartbeatMs?: number;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;
/** What an EventSource waits before it reconnects, told in the stream's first line. */
const RETRY_MS = 2_000;
/** Seconds a refused subscriber (WATCH_FULL) is asked to wait. */
const FULL_RETRY_AFTER_SECONDS = 5;

const WatchQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'the log index of the first change to send (default: the log\u2019s size, only what comes next); `Last-Event-ID` overrides it' }),
    ),
  },
  { additionalProperties: false },
);

/** The SSE frame of a change (spec 19.6). The entry's text is RFC 8785 JSON: no line break, so one data line. */
export function changeFrame(entry: Pick<WatchedEntry, 'index' | 'text'>): string {
  return `id: ${entry.index}\nevent: change\ndata: ${entry.text}\n\n`;
}

/** Each entry's frame, made once however many subscribers get it. */
const frames = new WeakMap<WatchedEntry, string>();
function frameOf(entry: WatchedEntry): string {
  let frame = frames.get(entry);
  if (frame === undefined) {
    frame = changeFrame(entry);
    frames.set(entry, frame);
  }
  return frame;
}

/** One subscriber's stream: it writes what the subscription holds while the socket takes it. */
class WatchStream {
  subscription: WatchSubscription | undefined;
  response: ServerResponse | undefined;

  /** Write queued changes until the socket's buffer is full; 'drain' calls this again. */
  flush(): void {
    const { subscription, response } = this;
    if (!subscription || !response || response.writableEnded) return;
    while (!response.writableNeedDrain) {
      const entries = subscription.take();
      if (entries.length === 0) return;
      response.write(entries.map(frameOf).join(''));
    }
  }

  end(end: WatchEnd): void {
    const response = this.response;
    if (!response || response.writableEnded) return;
    response.end(`event: end\ndata: ${JSON.stringify(end)}\n\n`);
  }

  heartbeat(): void {
    const response = this.response;
    // A stream whose socket is full needs no heartbeat: it is not idle.
    if (response && !response.writableEnded && !response.writableNeedDrain) response.write(': heartbeat\n\n');
  }
}

export function watchRoutes(app: HttpApp, options: WatchOptions | undefined, metrics: Metrics): void {
  const streams = new Set<WatchStream>();
  let stopHeartbeat: (() => void) | undefined;
  const heartbeatMs = options?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  // Shutdown ends every stream with WATCH_CLOSED first: an open stream would hold the server open.
  app.addHook('preClose', (done) => {
    options?.watch.close();
    done();
  });

  app.get(
    '/v1/watch',
    {
      schema: {
        tags: ['log'],
        summary: 'The live watch: every change of the log as it happens, as Server-Sent Events',
        description: [
          'Each change is an event `change` with `id` its log index and `data` the entry\u2019s exact bytes (as in the change feed). Reconnect with `Last-Event-ID` to resume after the last change received; the registry replays from its log.',
          `The first event, \`open\`, says where the stream starts, the log\u2019s size then, and how often heartbeats come (comment lines). A subscriber that does not read is cut off with a last event \`end\` (\`{code, detail, resumeFrom}\`, code WATCH_TOO_SLOW).`,
        ].join(' '),
        querystring: WatchQuery,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      if (!options) return sendProblems(reply, [problem('ROUTE_NOT_FOUND', 'this registry publishes no watch stream')], request.url);
      const start = startOf(request.headers['last-event-id'], (request.query as { since?: number }).since);
      if (Array.isArray(start)) return sendProblems(reply, start, request.url);
      const stream = new WatchStream();
      const subscribed = await options.watch.subscribe(start, {
        onReady: () => stream.flush(),
        onEnd: (end) => {
          metrics.watchEnded.inc({ code: end.code });
          stream.end(end);
        },
      });
      if (!subscribed.ok) {
        if (subscribed.problems[0]!.code === 'WATCH_FULL') reply.header('retry-after', String(FULL_RETRY_AFTER_SECONDS));
        return sendProblems(reply, subscribed.problems, request.url);
      }
      const subscription = subscribed.value;
      reply.hijack();
      const response = reply.raw;
      stream.subscription = subscription;
      stream.response = response;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies that buffer (nginx) would hold the events back.
        'x-accel-buffering': 'no',
      });
      // `size`: the log's size as the stream opened; a client has caught up once it got the change before it.
      response.write(`retry: ${RETRY_MS}\nevent: open\ndata: ${JSON.stringify({ since: subscription.since, size: subscription.sizeAtStart, heartbeatMs })}\n\n`);
      streams.add(stream);
      metrics.watchSubscribers.set(streams.size);
      stopHeartbeat ??= options.timers.every(heartbeatMs, () => {
        for (const each of streams) each.heartbeat();
      });
      response.on('drain', () => stream.flush());
      response.on('close', () => {
        subscription.close();
        streams.delete(stream);
        metrics.watchSubscribers.set(streams.size);
        if (streams.size === 0) {
          stopHeartbeat?.();
          stopHeartbeat = undefined;
        }
      });
      stream.flush();
    },
  );
}

/**
 * Where a stream starts: after `Last-Event-ID` (the index of the last change the client got),
 * else at `since`, else at the live edge (undefined).
 */
function startOf(lastEventId: string | string[] | undefined, since: number | undefined): number | undefined | Problem[] {
  if (lastEventId === undefined || lastEventId === '') return since;
  if (typeof lastEventId !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(lastEventId) || !Number.isSafeInteger(Number(lastEventId) + 1)) {
    return [problem('REQUEST_INVALID', `Last-Event-ID must be the log index of a change (a decimal integer), got ${JSON.stringify(String(lastEventId).slice(0, 32))}`)];
  }
  return Number(lastEventId) + 1;
}
