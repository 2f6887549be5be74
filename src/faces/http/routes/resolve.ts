import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import { problem, type Problem } from '../../../core/errors.js';
import { parseAgentName } from '../../../core/name/index.js';
import { parseUtcSeconds } from '../../../core/record/agent-addr.js';
import { chooseEndpoint, type RequesterContext } from '../../../core/resolve/choose-endpoint.js';
import type { CachedAnswer } from '../resolve-cache.js';
import { cachedAnswerResponse } from '../resolve-fast-path.js';
import type { HttpApp, HttpFaceDeps } from '../server.js';
import { sendProblems, type AnyReply } from '../server.js';
import { CountersignedRecordSchema, EndpointSchema, problemResponses } from '../schemas.js';

const ResolveQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 1024, description: 'Agent name in any accepted form' }),
  protocol: Type.Optional(Type.String({ maxLength: 32, description: 'Wanted protocol: a2a, mcp, https, …' })),
  transport: Type.Optional(Type.String({ maxLength: 64 })),
  version: Type.Optional(Type.String({ maxLength: 64, description: 'Wanted version, exact or a prefix (2, 2.1)' })),
  region: Type.Optional(Type.String({ maxLength: 64, description: 'Preferred region' })),
  maxCost: Type.Optional(Type.Number({ minimum: 0 })),
});

const ResolveAnswer = Type.Object({
  name: Type.String(),
  agentId: Type.String(),
  endpoint: Type.Union([EndpointSchema, Type.Null()]),
  context: Type.Object({}, { additionalProperties: true }),
  addr: CountersignedRecordSchema,
  facts: CountersignedRecordSchema,
  credential: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The registry's VC over the facts" })),
  registry: Type.Object({ id: Type.String() }),
});

type ResolveQueryValue = {
  name: string;
  protocol?: string;
  transport?: string;
  version?: string;
  region?: string;
  maxCost?: number;
};

export function resolveRoutes(app: HttpApp, deps: HttpFaceDeps): void {
  const { cache, clock, metrics } = deps;
  app.get(
    '/v1/resolve',
    {
      schema: {
        tags: ['resolve'],
        summary: 'Resolve a name to its signed records and the endpoint that fits the requester',
        description:
          'Cache-Control follows the record TTL (never past its notAfter); the ETag changes with every update. Verify `addr.sig`, `facts.sig`, the facts digest and the countersignature before using `endpoint`.',
        querystring: ResolveQuery,
        response: { 200: ResolveAnswer, 304: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      let answer = cache.get(request.url, now);
      if (answer === undefined) {
        metrics.resolveCache.inc({ result: 'miss' });
        const built = await buildAnswer(deps, request.query as ResolveQueryValue, now);
        if ('problems' in built) return sendProblems(reply, built.problems, request.url);
        answer = built;
        cache.set(request.url, answer);
      } else {
        metrics.resolveCache.inc({ result: 'hit' });
      }
      const response = cachedAnswerResponse(answer, now, request.headers['if-none-match']);
      const raw = (reply as AnyReply).code(response.status);
      for (const [header, value] of Object.entries(response.headers)) raw.header(header, value);
      return raw.send(response.body) as never;
    },
  );
}

async function buildAnswer(deps: HttpFaceDeps, query: ResolveQueryValue, now: number): Promise<CachedAnswer | { problems: readonly Problem[] }> {
  const parsed = parseAgentName(query.name);
  if (!parsed.ok) return parsed;
  const lookup = await deps.registry.lookup(parsed.value.canonical);
  if (!lookup.ok) return lookup;
  const agent = lookup.value;
  const notAfterMs = parseUtcSeconds(agent.addr.payload.notAfter)!;
  if (notAfterMs <= now) return { problems: [problem('AGENT_EXPIRED', `the record of ${agent.name} expired at ${agent.addr.payload.notAfter}`)] };
  // Hints carried by an ANS-style name (a2a://…v2.prod) apply unless the query says otherwise.
  const context: RequesterContext = {
    ...withoutUndefined({ protocol: parsed.value.hints.protocol, version: parsed.value.hints.version }),
    ...withoutUndefined({ protocol: query.protocol, transport: query.transport, version: query.version, region: query.region, maxCost: query.maxCost }),
  };
  const body = Buffer.from(
    JSON.stringify({
      name: agent.name,
      agentId: agent.agentId,
      endpoint: chooseEndpoint(agent.facts.payload, context),
      context,
      addr: agent.addr,
      facts: agent.facts,
      ...(agent.credential ? { credential: agent.credential.vc } : {}),
      registry: { id: deps.registry.did },
    }),
  );
  const ttlMs = agent.addr.payload.ttl * 1000;
  return {
    name: agent.name,
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    expiresAtMs: Math.min(now + ttlMs, notAfterMs),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
