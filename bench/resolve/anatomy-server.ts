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
    ...(change === 'fastpath' ? { serverFactory: (handler: RequestListener) => createServer(fastPath(handler)) } : {}),
  };

  // Cache hits before fastify: the key is the raw URL, which passed validation when the answer was built.
  const hits = metrics.requests.labels({ method: 'GET', route: '/v1/resolve', status: 200 });
  const hitDuration = metrics.duration.labels({ route: '/v1/resolve' });
  const cacheHit = metrics.resolveCache.labels({ result: 'hit' });
  function fastPath(handler: RequestListener): RequestListener {
    return (request: IncomingMessage, response: ServerResponse) => {
      const answer = request.method === 'GET' ? cache.get(request.url ?? '') : undefined;
      if (answer === undefined) return handler(request, response);
      const started = performance.now();
      cacheHit.inc();
      if (request.headers['if-none-match'] === answer.headers.etag) {
        response.writeHead(304, { etag: answer.headers.etag!, 'cache-control': answer.headers['cache-control']! });
        response.end();
      } else {
        response.writeHead(200, { etag: answer.headers.etag!, 'cache-control': answer.headers['cache-control']!, 'content-type': answer.headers['content-type']!, 'content-length': answer.body.length });
        response.end(answer.body);
      }
      hits.inc();
      hitDuration.observe((performance.now() - started) / 1000);
    };
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
    if (has('metrics')) (change === 'labels' ? cacheHit.inc() : metrics.resolveCache.inc({ result: 'hit' }));
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
