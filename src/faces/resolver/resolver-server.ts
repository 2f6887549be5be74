/**
 * The resolver face: `signpost serve --role resolver` answers `GET /v1/resolve` by resolving the
 * name recursively from its root registries (client/recursive-resolver.ts), following and checking
 * every referral, and caching as it goes. Its answer carries the authoritative registry's answer as
 * that registry signed it, the registry's key (learned from signed delegations), and the path
 * taken, so a client that does not trust the resolver can check the records itself.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { problem } from '../../core/errors.js';
import type { RecursiveResult } from '../../client/recursive-resolver.js';
import type { RequesterContext } from '../../core/resolve/choose-endpoint.js';

/** A recursive resolver or a split-horizon search path: what the face asks. */
export interface NameResolver {
  resolve(name: string, context: RequesterContext, requester?: string): Promise<RecursiveResult & { readonly searched?: readonly string[] }>;
}
import { sendJson, sendProblems } from '../http/replies.js';

const CONTEXT_PARAMETERS = ['protocol', 'transport', 'version', 'region'] as const;

export async function buildResolverFace(resolver: NameResolver, logger?: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({ ...(logger ? { loggerInstance: logger } : { logger: false }), return503OnClosing: true });
  app.get('/healthz', async (_request, reply) => sendJson(reply, { status: 'ok', role: 'resolver' }));
  app.get('/v1/resolve', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    for (const [parameter, value] of Object.entries(query)) {
      if (parameter !== 'name' && parameter !== 'requester' && !(CONTEXT_PARAMETERS as readonly string[]).includes(parameter)) {
        return sendProblems(reply, [problem('REQUEST_INVALID', `unknown query parameter ${JSON.stringify(parameter.slice(0, 64))}: the resolver takes name, requester, ${CONTEXT_PARAMETERS.join(', ')}`)], request.url);
      }
      if (typeof value !== 'string' || value.length > 1024) return sendProblems(reply, [problem('REQUEST_INVALID', `query parameter ${parameter} is given once, at most 1,024 characters`)], request.url);
    }
    if (typeof query.name !== 'string' || query.name === '') return sendProblems(reply, [problem('REQUEST_INVALID', 'give the name to resolve: ?name=agent://…')], request.url);
    const context = Object.fromEntries(CONTEXT_PARAMETERS.flatMap((key) => (typeof query[key] === 'string' ? [[key, query[key]]] : [])));
    // Who asks is self-stated here (the resolver authenticates no requester yet): it goes into audit records.
    const requester = typeof query.requester === 'string' ? query.requester : undefined;
    const result = await resolver.resolve(query.name, context, requester);
    const path = { trace: result.trace, ...(result.searched === undefined ? {} : { searched: result.searched }) };
    if (!result.verified) return sendProblems(reply, result.errors.length > 0 ? result.errors : [problem('RECORD_INVALID', `the answer for ${result.name} did not verify`)], request.url, path);
    return sendJson(reply, {
      name: result.name,
      verified: true,
      agentId: result.agentId,
      endpoint: result.endpoint,
      ...(result.ownership ? { ownership: result.ownership } : {}),
      authority: result.authority,
      ...path,
      answer: result.answer,
    });
  });
  app.setNotFoundHandler((request, reply) => sendProblems(reply, [problem('ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]} is not an operation of this resolver`)], request.url));
  return app;
}
