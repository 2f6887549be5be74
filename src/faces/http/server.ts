import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError } from 'fastify';
import { problem, SignpostError, type ErrorCode, type Problem } from '../../core/errors.js';
import { parseStrictJsonBytes } from '../../core/json/strict-json.js';
import type { Clock, RecordStore } from '../../core/ports.js';
import type { DidResolver } from '../../core/trust/did-web/did-resolver.js';
import type { CertificationRegistry } from '../../core/registry/certifications.js';
import type { Registry } from '../../core/registry/registry.js';
import type { RegistryDisclosure } from '../../core/registry/registry-disclosure.js';
import type { TransparencyLog } from '../../core/log/transparency-log.js';
import { registryResolution, type ResolutionPipeline } from '../../core/resolve/resolution-pipeline.js';
import { StatusListPublisher } from '../../core/registry/registry-credentials.js';
import { createMetrics, type Metrics } from './metrics.js';
import { withBodyDeadline } from './body-deadline.js';
import { answerClientError } from './client-errors.js';
import { answeredFailures, sendProblems } from './replies.js';
import type { HttpApp, HttpFaceDeps } from './route-context.js';
import { resolveFastPathServer } from './resolve-fast-path.js';
import { ResolveCache, type ResolveCacheLimits } from './resolve-cache.js';
import { agentRoutes } from './routes/agents.js';
import { namespaceRoutes } from './routes/namespaces.js';
import { auditRoutes } from './routes/audit.js';
import { certificateRoutes } from './routes/certificates.js';
import { didRoutes } from './routes/dids.js';
import { certificationRoutes } from './routes/certifications.js';
import { disclosureRoutes } from './routes/disclosure.js';
import { resolveRoutes, tailoredResolveRoute } from './routes/resolve.js';
import { searchRoutes } from './routes/search.js';
import { systemRoutes } from './routes/system.js';
import { trustRoutes } from './routes/trust.js';
import { logRoutes } from './routes/log.js';
import { changeRoutes } from './routes/changes.js';
import { watchRoutes, type WatchOptions } from './routes/watch.js';

/** The largest request body: a signed AgentAddr (< 3 KiB) plus AgentFacts (≤ 64 KiB canonical, more with whitespace). */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** The longest path parameter: an encoded agent name (agent%3A%2F%2F…) stays well within it. */
const MAX_PARAM_LENGTH = 1024;

export interface HttpFaceOptions {
  readonly registry: Registry;
  readonly clock: Clock;
  /** Third-party certification credentials under a trust policy; without it none are kept or counted. */
  readonly certifications?: CertificationRegistry;
  readonly logger?: FastifyBaseLogger | false;
  readonly version?: string;
  /** Milliseconds a request body may take to arrive, from its headers on (default 15 s): then 408 REQUEST_TOO_SLOW. */
  readonly bodyTimeoutMs?: number;
  /** Resolves DIDs for `GET /v1/dids/{did}`; without it that route answers ROUTE_NOT_FOUND. */
  readonly didResolver?: DidResolver;
  /** bbs-2023 capability credentials (selective disclosure); without it those routes answer ROUTE_NOT_FOUND. */
  readonly disclosure?: RegistryDisclosure;
  /** The store's log, read as the change feed; without it /v1/changes answers ROUTE_NOT_FOUND. */
  readonly changes?: Pick<RecordStore, 'logSize' | 'logEntries'>;
  /** The core resolution pipeline (default: one over `registry` and `clock`). */
  readonly resolution?: ResolutionPipeline;
  /** The event log as a transparency log; without it the /v1/log routes answer ROUTE_NOT_FOUND. */
  readonly log?: TransparencyLog;
  /** Bounds of the resolve answer cache; default 100,000 answers and 64 MiB. */
  readonly resolveCache?: ResolveCacheLimits;
  /** The live watch and its heartbeat timer; without it /v1/watch answers ROUTE_NOT_FOUND. */
  readonly watch?: WatchOptions;
}

export type { HttpApp } from './route-context.js';

/** Build the HTTP face: routes, problem+json errors, metrics, OpenAPI and its docs page. */
export async function buildHttpFace(options: HttpFaceOptions): Promise<HttpApp> {
  const registry = options.registry;
  const metrics = createMetrics(registry);
  const cache = new ResolveCache({ ...options.resolveCache, observer: metrics.resolveCacheObserver });
  let closing = false;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 15_000;
  const fastPath = resolveFastPathServer({
    cache,
    clock: options.clock,
    metrics,
    // Headers get the body timeout too; node:http's whole-request timeout stays as a backstop
    // behind withBodyDeadline, which answers problem+json in time.
    headersTimeoutMs: bodyTimeoutMs,
    requestTimeoutMs: 2 * bodyTimeoutMs + 5_000,
    keepAliveTimeoutMs: 65_000,
    closing: () => closing,
  });
  const app: HttpApp = Fastify({
    serverFactory: (handler) =>
      fastPath(withBodyDeadline(handler, bodyTimeoutMs, (request) => app.log.warn({ url: request.url, method: request.method }, 'request body timed out'))),
    // Errors fastify raises before routing (a malformed URL, an overlong path parameter) answer from the catalogue too.
    frameworkErrors: (error, request, reply) => sendProblems(reply, problemsOfError(error), request.url),
    // And so do requests node:http cannot even parse, or that arrive too slowly.
    // Slow clients are worth a warning; unparsable requests (scanners, mostly) only at debug level.
    clientErrorHandler: (error, socket) =>
      answerClientError(error, socket, (found) => app.log[found.code === 'REQUEST_TOO_SLOW' ? 'warn' : 'debug']({ code: found.code, err: error }, 'client error')),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Per-request log lines would cost more than a cached resolve; writes and errors are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Encoded agent names (agent%3A%2F%2F…) are longer than find-my-way's default of 100 characters.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, ignoreTrailingSlash: true },
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installStrictJsonBodies(app);

  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const statusLists = new StatusListPublisher(registry, () => registry.credentials, options.clock);
  const { certifications, disclosure, didResolver, log } = options;
  const deps: HttpFaceDeps = { registry, statusLists, clock: options.clock, metrics, cache, version: options.version ?? '0.0.0', certifications, disclosure, didResolver, log, changes: options.changes, resolution: options.resolution ?? registryResolution(registry, options.clock) };
  registry.onChange(({ name }) => {
    cache.invalidate(name);
    statusLists.invalidate();
  });
  // A claim changes which names under the namespace answer, and their ownership.
  registry.onNamespaceChange((namespace) => cache.invalidateNamespace(namespace));

  installErrorHandling(app);
  installMetricsHooks(app, deps.metrics);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Signpost registry API',
        version: deps.version,
        description: 'Register, resolve, search and verify AI agents. Every answer carries the signatures that prove it.',
      },
      tags: [
        { name: 'agents', description: 'Register, read and deregister agent records' },
        { name: 'namespaces', description: 'Proven namespace ownership: claims and the keys they grant names to' },
        { name: 'resolve', description: 'Resolve a name to a verified, tailored endpoint' },
        { name: 'search', description: 'Find agents by words and capabilities' },
        { name: 'system', description: 'Health, metrics, registry identity' },
        { name: 'trust', description: 'Credentials, status lists and the registry DID' },
        { name: 'certificates', description: 'Capability grants and short-lived capability certificates from the registry CA' },
        { name: 'log', description: 'The event log: signed tree heads, entries, inclusion and consistency proofs (RFC 9162)' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(async (scoped) => {
    agentRoutes(scoped as unknown as HttpApp, deps);
    namespaceRoutes(scoped as unknown as HttpApp, deps);
    auditRoutes(scoped as unknown as HttpApp, deps);
    resolveRoutes(scoped as unknown as HttpApp, deps);
    tailoredResolveRoute(scoped as unknown as HttpApp, deps);
    searchRoutes(scoped as unknown as HttpApp, deps);
    systemRoutes(scoped as unknown as HttpApp, deps);
    trustRoutes(scoped as unknown as HttpApp, deps);
    certificateRoutes(scoped as unknown as HttpApp, deps);
    didRoutes(scoped as unknown as HttpApp, deps.didResolver);
    certificationRoutes(scoped as unknown as HttpApp, deps);
    disclosureRoutes(scoped as unknown as HttpApp, deps, deps.disclosure);
    logRoutes(scoped as unknown as HttpApp, deps.log);
    changeRoutes(scoped as unknown as HttpApp, deps.changes);
    watchRoutes(scoped as unknown as HttpApp, options.watch, deps.metrics);
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}

/**
 * Bodies are JSON only, read by the strict reader (core/json): I-JSON, at most 32 levels deep and
 * 10,000 members per object or array, strict UTF-8. Fastify's own parsers go, text/plain with them,
 * so any other media type answers 415.
 */
function installStrictJsonBodies(app: HttpApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const parsed = parseStrictJsonBytes(body as Buffer);
    if (parsed.ok) done(null, parsed.value);
    else done(SignpostError.from(parsed.problems) as unknown as FastifyError, undefined);
  });
}

function installErrorHandling(app: HttpApp): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblems(reply, [problem('ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]} is not an operation of this API`)], request.url),
  );
  app.setErrorHandler((error: FastifyError | SignpostError, request, reply) => {
    answeredFailures.set(reply, { error });
    return sendProblems(reply, problemsOfError(error), request.url);
  });
}

/**
 * Translate framework, plugin and store errors into catalogued problems. Fastify's and its
 * plugins' client errors are recognised by their HTTP status, so a new one can never surface as
 * a 500 or outside the catalogue (server.test.ts runs every error fastify defines through here).
 */
export function problemsOfError(error: FastifyError | SignpostError | Error): readonly Problem[] {
  if (error instanceof SignpostError) return error.problems;
  const framework = error as Partial<FastifyError>;
  if (framework.validation) {
    const first = framework.validation[0];
    const where = `${framework.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    // Name the member that is not allowed (an unknown query parameter, say), not only that there is one.
    const extra = (first?.params as { additionalProperty?: unknown } | undefined)?.additionalProperty;
    const what = typeof extra === 'string' ? `has an unknown member ${JSON.stringify(extra.slice(0, 64))}` : (first?.message ?? 'is invalid');
    return [problem('REQUEST_INVALID', `${where} ${what}`)];
  }
  switch (framework.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [problem('REQUEST_TOO_LARGE', `the body is larger than ${BODY_LIMIT_BYTES} bytes`)];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [problem('REQUEST_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return [problem('REQUEST_INVALID', 'Content-Length does not match the body')];
    case 'FST_ERR_BAD_URL':
      return [problem('REQUEST_INVALID', 'the URL is not valid: a percent sign must start an escape of two hex digits')];
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return [problem('REQUEST_INVALID', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`)];
  }
  const status = framework.statusCode ?? (error as { status?: number }).status;
  if (status !== undefined && status >= 400 && status < 500) return [problem(clientErrorCodes[status] ?? 'REQUEST_INVALID', error.message)];
  return [problem('INTERNAL', 'an internal error occurred')];
}

/** Client-error statuses of fastify and its plugins that are not a plain "the request is invalid". */
const clientErrorCodes: Partial<Record<number, ErrorCode>> = {
  // @fastify/static refuses a path that leaves its folder with 403: for the client it is simply not there.
  403: 'ROUTE_NOT_FOUND',
  404: 'ROUTE_NOT_FOUND',
  405: 'ROUTE_NOT_FOUND',
  408: 'REQUEST_TOO_SLOW',
  413: 'REQUEST_TOO_LARGE',
  415: 'REQUEST_UNSUPPORTED_MEDIA_TYPE',
};

function installMetricsHooks(app: HttpApp, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode >= 500) {
      const failure = answeredFailures.get(reply);
      request.log.error({ status: reply.statusCode, code: failure?.problem?.code, detail: failure?.problem?.detail, err: failure?.error, url: request.url }, 'request failed');
    }
    const route = request.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
}
