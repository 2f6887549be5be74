/**
 * The resolver face: `signpost serve --role resolver` answers `GET /v1/resolve` by resolving the
 * name recursively from its root registries (client/recursive-resolver.ts), following and checking
 * every referral, and caching as it goes. Its answer carries the authoritative registry's answer as
 * that registry signed it, the registry's key (learned from signed delegations), and the path
 * taken, so a client that does not trust the resolver can check the records itself.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { problem } from '../../core/errors.js';
import type { RecursiveResolver } from '../../client/recursive-resolver.js';
import { sendJson, sendProblems } from '../http/replies.js';

const CONTEXT_PARAMETERS = ['protocol', 'transport', 'version', 'region'] as const;

export async function buildResolverFace(resolver: RecursiveResolver, logger?: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({ ...(logger ? { loggerInstance: logger } : { logger: false }), return503OnClosing: true });
  app.get('/healthz', async (_request, reply) => sendJson(reply, { status: 'ok', role: 'resolver' }));
  app.get('/v1/resolve', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    for (const [parameter, value] of Object.entries(query)) {
      if (parameter !== 'name' && !(CONTEXT_PARAMETERS as readonly string[]).includes(parameter)) {
        return sendProblems(reply, [problem('REQUEST_INVALID', `unknown query parameter ${JSON.stringify(parameter.slice(0, 64))}: the resolver takes name, ${CONTEXT_PARAMETERS.join(', ')}`)], request.url);
      }
      if (typeof value !== 'string' || value.length > 1024) return sendProblems(reply, [problem('REQUEST_INVALID', `query parameter ${parameter} is given once, at most 1,024 characters`)], request.url);
    }
    if (typeof query.name !== 'string' || query.name === '') return sendProblems(reply, [problem('REQUEST_INVALID', 'give the name to resolve: ?name=agent://…')], request.url);
    const context = Object.fromEntries(CONTEXT_PARAMETERS.flatMap((key) => (typeof query[key] === 'string' ? [[key, query[key]]] : [])));
    const result = await resolver.resolve(query.name, context);
    if (!result.verified) return sendProblems(reply, result.errors.length > 0 ? result.errors : [problem('RECORD_INVALID', `the answer for ${result.name} did not verify`)], request.url, { trace: result.trace });
    return sendJson(reply, {
      name: result.name,
      verified: true,
      agentId: result.agentId,
      endpoint: result.endpoint,
      ...(result.ownership ? { ownership: result.ownership } : {}),
      authority: result.authority,
      trace: result.trace,
      answer: result.answer,
    });
  });
  app.setNotFoundHandler((request, reply) => sendProblems(reply, [problem('ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]} is not an operation of this resolver`)], request.url));
  return app;
}
