/**
 * Child process for bench/resolve/anatomy.ts: a layer-by-layer rebuild of Signpost's cached
 * resolve path (argv[2], see anatomy-layers.ts), optionally with one change on top (argv[3]),
 * serving the answers it is handed over IPC like bare-server.ts.
 *
 *   fastify   fastify with no logger, one sync route sending the cached Buffer
 *   options   + the registry's fastify options (timeouts, router options, return503OnClosing, ajv)
 *   logger    + its pino logger (level warn; request logging off, but a child logger per request)
 *   schema    + the resolve querystring schema (TypeBox, validated by ajv with coerceTypes)
 *   metrics   + the onResponse hook (requests counter, duration histogram) and the cache-hit counter
 *   product   + an async handler, the response schemas, @fastify/swagger and swagger-ui
 *
 * The route body mirrors src/faces/http/routes/resolve.ts, the hook src/faces/http/server.ts, and
 * the metrics are the real ones (src/faces/http/metrics.ts).
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import pino from 'pino';
import { Type } from 'typebox';
import { createMetrics } from '../../src/faces/http/metrics.js';
import { serveUntilParentLeaves } from '../support/children.js';
import { CHANGES, LAYERS, type Change, type Layer } from './anatomy-layers.js';

interface Answer {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly bodyBase64: string;
}

const ResolveQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 1024 }),
  protocol: Type.Optional(Type.String({ maxLength: 32 })),
  transport: Type.Optional(Type.String({ maxLength: 64 })),
  version: Type.Optional(Type.String({ maxLength: 64 })),
  region: Type.Optional(Type.String({ maxLength: 64 })),
  maxCost: Type.Optional(Type.Number({ minimum: 0 })),
});
const Problem = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), code: Type.String(), detail: Type.String() }, { additionalProperties: true });
const ResolveAnswer = Type.Object({ name: Type.String(), agentId: Type.String(), endpoint: Type.Any(), context: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: true });

const layer = process.argv[2] as Layer;
const change = process.argv[3] as Change | undefined;
if (!LAYERS.includes(layer)) throw new Error(`unknown layer ${layer}`);
if (change !== undefined && !CHANGES.includes(change)) throw new Error(`unknown change ${change}`);
const has = (l: Layer) => LAYERS.indexOf(layer) >= LAYERS.indexOf(l);

/** The per-request logger, made only when something logs through it. */
class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: object,
  ) {}
  get level(): string {
    return this.parent.level;
  }
  private get log(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options as never));
  }
  fatal(...args: unknown[]) { (this.log.fatal as (...a: unknown[]) => void)(...args); }
  error(...args: unknown[]) { (this.log.error as (...a: unknown[]) => void)(...args); }
  warn(...args: unknown[]) { (this.log.warn as (...a: unknown[]) => void)(...args); }
  info(...args: unknown[]) { (this.log.info as (...a: unknown[]) => void)(...args); }
  debug(...args: unknown[]) { (this.log.debug as (...a: unknown[]) => void)(...args); }
  trace(...args: unknown[]) { (this.log.trace as (...a: unknown[]) => void)(...args); }
  silent() {}
  child(bindings: Record<string, unknown>, options?: object) {
    return this.log.child(bindings, options as never);
  }
}

process.once('message', (message: unknown) => {
  void serve((message as { answers: Answer[] }).answers);
});

async function serve(answers: readonly Answer[]): Promise<void> {
  const cache = new Map(answers.map((a) => [a.path, { body: Buffer.from(a.bodyBase64, 'base64'), headers: a.headers }]));
  const metrics = createMetrics({ count: async () => ({ active: 0, deregistered: 0 }) });
  const withLogger = has('logger') && change !== 'nolog';
  const options: FastifyServerOptions = {
    keepAliveTimeout: 65_000,
    ...(withLogger
      ? { loggerInstance: pino({ level: 'warn', base: { service: 'signpost' } }), logController: new LogController({ disableRequestLogging: true }) }
      : { logger: false }),
    ...(change === 'lazylog' ? { childLoggerFactory: (logger, bindings, opts) => new LazyRequestLogger(logger, bindings, opts) as unknown as FastifyBaseLogger } : {}),
    ...(has('options')
      ? {
          bodyLimit: 256 * 1024,
          requestTimeout: 15_000,
          connectionTimeout: 60_000,
          routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true },
          return503OnClosing: true,
          ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
        }
      : {}),
    ...(change === 'fastpath' || change === 'fastpath-lean' ? { serverFactory: fastPathServer } : {}),
  };

  // Cache hits before fastify, by the raw URL: an alias the route added after it validated that URL.
  const hits = metrics.resolveCache.labels({ result: 'hit' });
  const ok = metrics.requests.labels({ method: 'GET', route: '/v1/resolve', status: '200' });
  const hitDuration = metrics.duration.labels({ route: '/v1/resolve' });
  /** fastpath-lean: plain numbers, folded into the prom-client metrics when they are scraped. */
  const lean = { hits: 0, ok: 0, durationSum: 0, buckets: new Float64Array(10) };
  const BOUNDS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1];
  const expiresAtMs = Date.now() + 3_600_000;
  function fastPath(handler: RequestListener): RequestListener {
    const plain = change === 'fastpath-lean';
    return (request: IncomingMessage, response: ServerResponse) => {
      const url = request.url;
      const answer = request.method === 'GET' && url !== undefined && url.startsWith('/v1/resolve?') ? cache.get(url) : undefined;
      if (answer === undefined) return handler(request, response);
      const started = performance.now();
      const headers: Record<string, string | number> = {
        'content-type': answer.headers['content-type']!,
        etag: answer.headers.etag!,
        'cache-control': `max-age=${Math.max(0, Math.floor((expiresAtMs - Date.now()) / 1000))}`,
      };
      if (request.headers['if-none-match'] === answer.headers.etag) {
        response.writeHead(304, headers);
        response.end();
      } else {
        if (plain) headers['content-length'] = answer.body.length;
        response.writeHead(200, headers);
        response.end(answer.body);
      }
      const seconds = (performance.now() - started) / 1000;
      if (plain) {
        lean.hits++;
        lean.ok++;
        lean.durationSum += seconds;
        let bucket = 0;
        while (bucket < BOUNDS.length && seconds > BOUNDS[bucket]!) bucket++;
        lean.buckets[bucket]!++;
      } else {
        hits.inc();
        ok.inc();
        hitDuration.observe(seconds);
      }
    };
  }
  function fastPathServer(handler: RequestListener) {
    const server = createServer(fastPath(handler));
    server.keepAliveTimeout = 65_000;
    server.requestTimeout = 15_000;
    if (change === 'fastpath') server.setTimeout(60_000);
    return server;
  }

  const app = Fastify(options);
  if (has('metrics')) {
    if (change === 'labels') {
      const bound = new Map<string, { requests: ReturnType<typeof metrics.requests.labels>; duration: ReturnType<typeof metrics.duration.labels> }>();
      app.addHook('onResponse', (request, reply, done) => {
        const route = request.routeOptions.url ?? 'unknown';
        const key = `${request.method} ${route} ${reply.statusCode}`;
        let children = bound.get(key);
        if (children === undefined) {
          children = { requests: metrics.requests.labels({ method: request.method, route, status: reply.statusCode }), duration: metrics.duration.labels({ route }) };
          bound.set(key, children);
        }
        children.requests.inc();
        children.duration.observe(reply.elapsedTime / 1000);
        done();
      });
    } else {
      app.addHook('onResponse', (request, reply, done) => {
        const route = request.routeOptions.url ?? 'unknown';
        metrics.requests.inc({ method: request.method, route, status: reply.statusCode });
        metrics.duration.observe({ route }, reply.elapsedTime / 1000);
        done();
      });
    }
  }
  if (has('product')) {
    await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'anatomy', version: '0' } } });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }
  const handle = (request: FastifyRequest, reply: FastifyReply) => {
    const answer = cache.get(request.url) ?? cache.values().next().value!;
    if (has('metrics')) (change === 'labels' ? hits.inc() : metrics.resolveCache.inc({ result: 'hit' }));
    reply.header('etag', answer.headers.etag!).header('cache-control', answer.headers['cache-control']!);
    if (request.headers['if-none-match'] === answer.headers.etag) return reply.code(304).send();
    return reply.type(answer.headers['content-type']!).send(answer.body);
  };
  const schema = has('schema') ? { querystring: ResolveQuery, ...(has('product') ? { response: { 200: ResolveAnswer, 304: Type.Null(), 400: Problem, 404: Problem } } : {}) } : undefined;
  await app.register(async (scoped) => {
    if (has('product')) scoped.get('/v1/resolve', { schema: schema! }, async (request, reply) => handle(request, reply));
    else scoped.get('/v1/resolve', schema === undefined ? {} : { schema }, (request, reply) => void handle(request, reply));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  serveUntilParentLeaves(() => app.close());
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}`, pid: process.pid });
}
