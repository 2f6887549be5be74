import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../../core/ports.js';
import type { Metrics } from './metrics.js';
import type { CachedAnswer, ResolveCache } from './resolve-cache.js';

/** Status, headers and body of a cached answer, for the fast path and the route alike. */
export function cachedAnswerResponse(answer: CachedAnswer, nowMs: number, ifNoneMatch: string | undefined) {
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    etag: answer.etag,
    'cache-control': `max-age=${Math.max(0, Math.floor((answer.expiresAtMs - nowMs) / 1000))}`,
  };
  if (ifNoneMatch === answer.etag) return { status: 304, headers, body: undefined };
  // A known length spares chunked framing on the hot path.
  return { status: 200, headers: { ...headers, 'content-length': String(answer.body.length) }, body: answer.body };
}

export interface FastPathOptions {
  readonly cache: ResolveCache;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** node:http's limit for the headers of a request to arrive (then 408, see client-errors.ts). */
  readonly headersTimeoutMs: number;
  /** node:http's limit for a whole request: a backstop behind the body deadline. */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** True once the server is shutting down: then everything goes through fastify (which answers 503). */
  readonly closing: () => boolean;
}

/**
 * A node:http server that answers resolve requests whose answer is cached before fastify sees
 * them: one map lookup and a write, like the cache plugin in front of CoreDNS. Everything else,
 * cache misses included, goes to fastify unchanged. This is what lets a cached resolve run at
 * close to the speed of a bare server (see docs/benchmarks.md).
 */
export function resolveFastPathServer(options: FastPathOptions) {
  const { cache, clock, metrics } = options;
  const hits = metrics.resolveCache.labels({ result: 'hit' });
  const ok = metrics.requests.labels({ method: 'GET', route: '/v1/resolve', status: '200' });
  const notModified = metrics.requests.labels({ method: 'GET', route: '/v1/resolve', status: '304' });
  const duration = metrics.duration.labels({ route: '/v1/resolve' });

  return (fastifyHandler: (request: IncomingMessage, response: ServerResponse) => void): Server => {
    // node:http checks its header and request timeouts on this interval (default 30 s, which let a
    // slow request live half a minute past its limit).
    const server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
      const url = request.url;
      if (request.method === 'GET' && url !== undefined && url.startsWith('/v1/resolve?') && !options.closing()) {
        const started = performance.now();
        const now = clock.now();
        const answer = cache.get(url, now);
        if (answer !== undefined) {
          const reply = cachedAnswerResponse(answer, now, request.headers['if-none-match']);
          response.writeHead(reply.status, reply.headers);
          response.end(reply.body);
          hits.inc();
          (reply.status === 200 ? ok : notModified).inc();
          duration.observe((performance.now() - started) / 1000);
          return;
        }
      }
      fastifyHandler(request, response);
    });
    // Fastify leaves these to whoever builds the server. No per-socket inactivity timer: it costs
    // about a microsecond per answer, and the request and keep-alive timeouts already bound
    // slow and idle connections.
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    server.requestTimeout = options.requestTimeoutMs;
    server.headersTimeout = options.headersTimeoutMs;
    return server;
  };
}
