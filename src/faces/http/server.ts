import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { problem, SignpostError, type Problem } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import type { DidResolver } from '../../core/trust/did-web/did-resolver.js';
import type { CertificationRegistry } from '../../core/registry/certifications.js';
import type { Registry } from '../../core/registry/registry.js';
import type { RegistryDisclosure } from '../../core/registry/registry-disclosure.js';
import { StatusListPublisher } from '../../core/registry/registry-credentials.js';
import { createMetrics, type Metrics } from './metrics.js';
import { PROBLEM_CONTENT_TYPE, problemDocument } from './problem.js';
import { resolveFastPathServer } from './resolve-fast-path.js';
import { ResolveCache } from './resolve-cache.js';
import { agentRoutes } from './routes/agents.js';
import { certificateRoutes } from './routes/certificates.js';
import { didRoutes } from './routes/dids.js';
import { certificationRoutes } from './routes/certifications.js';
import { disclosureRoutes } from './routes/disclosure.js';
import { resolveRoutes } from './routes/resolve.js';
import { searchRoutes } from './routes/search.js';
import { systemRoutes } from './routes/system.js';
import { trustRoutes } from './routes/trust.js';

/** The largest request body: a signed AgentAddr (< 3 KiB) plus AgentFacts (≤ 64 KiB canonical, more with whitespace). */
export const BODY_LIMIT_BYTES = 256 * 1024;

export interface HttpFaceOptions {
  readonly registry: Registry;
  readonly clock: Clock;
  /** Third-party certification credentials under a trust policy; without it none are kept or counted. */
  readonly certifications?: CertificationRegistry;
  readonly logger?: FastifyBaseLogger | false;
  readonly version?: string;
  /** Milliseconds a request may take end to end before the server gives up on it. */
  readonly requestTimeoutMs?: number;
  /** Resolves DIDs for `GET /v1/dids/{did}`; without it that route answers ROUTE_NOT_FOUND. */
  readonly didResolver?: DidResolver;
  /** bbs-2023 capability credentials (selective disclosure); without it those routes answer ROUTE_NOT_FOUND. */
  readonly disclosure?: RegistryDisclosure;
}

export interface HttpFaceDeps {
  readonly registry: Registry;
  readonly statusLists: StatusListPublisher;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly cache: ResolveCache;
  readonly version: string;
  /** The optional services, as given in HttpFaceOptions; a route without its service answers ROUTE_NOT_FOUND. */
  readonly certifications?: CertificationRegistry | undefined;
  readonly disclosure?: RegistryDisclosure | undefined;
  readonly didResolver?: DidResolver | undefined;
}

export type HttpApp = FastifyInstance<any, any, any, FastifyBaseLogger, TypeBoxTypeProvider>;

/** Build the HTTP face: routes, problem+json errors, metrics, OpenAPI and its docs page. */
export async function buildHttpFace(options: HttpFaceOptions): Promise<HttpApp> {
  const registry = options.registry;
  const metrics = createMetrics(registry);
  const cache = new ResolveCache();
  let closing = false;
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const app = Fastify({
    serverFactory: resolveFastPathServer({
      cache,
      clock: options.clock,
      metrics,
      requestTimeoutMs,
      keepAliveTimeoutMs: 65_000,
      closing: () => closing,
    }),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Per-request log lines would cost more than a cached resolve; writes and errors are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Encoded agent names (agent%3A%2F%2F…) are longer than find-my-way's default of 100 characters.
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true },
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const statusLists = new StatusListPublisher(registry, () => registry.credentials, options.clock);
  const { certifications, disclosure, didResolver } = options;
  const deps: HttpFaceDeps = { registry, statusLists, clock: options.clock, metrics, cache, version: options.version ?? '0.0.0', certifications, disclosure, didResolver };
  registry.onChange(({ name }) => {
    cache.invalidate(name);
    statusLists.invalidate();
  });

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
        { name: 'resolve', description: 'Resolve a name to a verified, tailored endpoint' },
        { name: 'search', description: 'Find agents by words and capabilities' },
        { name: 'system', description: 'Health, metrics, registry identity' },
        { name: 'trust', description: 'Credentials, status lists and the registry DID' },
        { name: 'certificates', description: 'Capability grants and short-lived capability certificates from the registry CA' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(async (scoped) => {
    agentRoutes(scoped as unknown as HttpApp, deps);
    resolveRoutes(scoped as unknown as HttpApp, deps);
    searchRoutes(scoped as unknown as HttpApp, deps);
    systemRoutes(scoped as unknown as HttpApp, deps);
    trustRoutes(scoped as unknown as HttpApp, deps);
    certificateRoutes(scoped as unknown as HttpApp, deps);
    didRoutes(scoped as unknown as HttpApp, deps.didResolver);
    certificationRoutes(scoped as unknown as HttpApp, deps);
    disclosureRoutes(scoped as unknown as HttpApp, deps, deps.disclosure);
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}

/** Send catalogued problems as RFC 9457 problem+json. */
export function sendProblems(reply: AnyReply, problems: readonly Problem[], instance?: string, extensions?: Record<string, unknown>): never {
  const document = problemDocument(problems, instance, extensions);
  // `never`: the reply is sent, whatever the route's typed response schema says.
  return reply.code(document.status).type(PROBLEM_CONTENT_TYPE).send(document) as never;
}

/** Any typed reply, seen without its route's response typing. */
export type AnyReply = { code(n: number): AnyReply; type(t: string): AnyReply; header(k: string, v: string): AnyReply; send(b?: unknown): unknown };

function installErrorHandling(app: HttpApp): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblems(reply, [problem('ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]} is not an operation of this API`)], request.url),
  );
  app.setErrorHandler((error: FastifyError | SignpostError, request, reply) => {
    const problems = problemsOfError(error);
    if (problems[0]?.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    return sendProblems(reply, problems, request.url);
  });
}

/** Translate framework and store errors into catalogued problems. */
function problemsOfError(error: FastifyError | SignpostError): readonly Problem[] {
  if (error instanceof SignpostError) return error.problems;
  if (error.validation) {
    const first = error.validation[0];
    const where = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return [problem('REQUEST_INVALID', `${where} ${first?.message ?? 'is invalid'}`)];
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [problem('REQUEST_TOO_LARGE', `the body is larger than ${BODY_LIMIT_BYTES} bytes`)];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [problem('REQUEST_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [problem('REQUEST_MALFORMED_JSON', 'the body is empty')];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return [problem('REQUEST_INVALID', 'Content-Length does not match the body')];
  }
  // JSON.parse failures (and prototype-poisoning refusals) reach us as plain 400 errors.
  if (error.statusCode === 400 && (error instanceof SyntaxError || /JSON|prototype|constructor/i.test(error.message))) {
    return [problem('REQUEST_MALFORMED_JSON', error.message)];
  }
  if (error.statusCode === 408 || error.code === 'FST_ERR_REQUEST_TIMEOUT') return [problem('REQUEST_TIMEOUT', 'the request took too long')];
  return [problem('INTERNAL', 'an internal error occurred')];
}

function installMetricsHooks(app: HttpApp, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
}
