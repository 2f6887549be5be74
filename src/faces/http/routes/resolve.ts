import { createHash, randomBytes } from 'node:crypto';
import { tailorFor, type TailoringContext } from '../../../core/resolve/tailor.js';
import { Type } from 'typebox';
import { problem, type Problem } from '../../../core/errors.js';
import { parseUtcSeconds } from '../../../core/record/agent-addr.js';
import { REFERRAL_TTL_SECONDS, type Referral, type Resolution } from '../../../core/resolve/resolution-pipeline.js';
import type { CachedAnswer } from '../resolve-cache.js';
import { cachedAnswerResponse } from '../resolve-fast-path.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems, type AnyReply } from '../replies.js';
import { CountersignedRecordSchema, EndpointSchema, OwnershipSchema, problemResponses } from '../schemas.js';

const ResolveQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1024, description: 'Agent name in any accepted form' }),
    protocol: Type.Optional(Type.String({ maxLength: 32, description: 'Wanted protocol: a2a, mcp, https, …' })),
    transport: Type.Optional(Type.String({ maxLength: 64 })),
    version: Type.Optional(Type.String({ maxLength: 64, description: 'Wanted version, exact or a prefix (2, 2.1)' })),
    region: Type.Optional(Type.String({ maxLength: 64, description: 'Preferred region' })),
    maxCost: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/**
 * Every parameter the answer depends on, and no other: an unknown one would make each spelling of
 * a request a new cache entry, and a repeated one is ambiguous (which value counts?).
 */
const RESOLVE_PARAMETERS = Object.keys(ResolveQuery.properties);

const ResolveAnswer = Type.Object({
  name: Type.String(),
  agentId: Type.String(),
  endpoint: Type.Union([EndpointSchema, Type.Null()]),
  context: Type.Object({}, { additionalProperties: true }),
  addr: CountersignedRecordSchema,
  facts: CountersignedRecordSchema,
  credential: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The registry's VC over the facts" })),
  ownership: OwnershipSchema,
  registry: Type.Object({ id: Type.String() }),
});

const ReferralAnswer = Type.Object({
  name: Type.String(),
  referral: Type.Object({
    namespace: Type.String(),
    subtree: Type.String({ description: "The delegated subtree ('' for the whole namespace)" }),
    registry: Type.Object({ url: Type.String(), id: Type.String({ description: "The delegate registry's did:key: its answers must be countersigned with it" }) }),
    claim: CountersignedRecordSchema,
  }),
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
  const { cache, clock, metrics, resolution } = deps;
  app.get(
    '/v1/resolve',
    {
      schema: {
        tags: ['resolve'],
        summary: 'Resolve a name to its signed records and the endpoint that fits the requester',
        description:
          'Cache-Control follows the record TTL (never past its notAfter); the ETag changes with every update. Verify `addr.sig`, `facts.sig`, the facts digest and the countersignature before using `endpoint`. A name in a subtree its namespace\'s owner delegated to another registry gets a referral instead (spec section 22): that registry\'s URL and key, in the owner\'s claim countersigned by this registry.',
        querystring: ResolveQuery,
        response: { 200: Type.Union([ResolveAnswer, ReferralAnswer]), 304: Type.Null(), ...problemResponses },
      },
      // Before the schema, so that the problem names the parameter.
      preValidation: async (request, reply) => {
        const refused = queryProblem(request.query as Record<string, unknown>);
        if (refused !== undefined) return sendProblems(reply, [refused], request.url);
      },
    },
    async (request, reply) => {
      const now = clock.now();
      let answer = cache.get(request.url, now);
      if (answer === undefined) {
        const { name, ...asked } = request.query as ResolveQueryValue;
        // The core pipeline parses the name, once, and settles the context (spec: hints from the name,
        // overridden by the query); every spelling of the same request shares one stored answer.
        const prepared = resolution.prepare({ name, context: asked });
        if (!prepared.ok) return sendProblems(reply, prepared.problems, request.url);
        answer = cache.share(prepared.value.key, request.url, now);
        if (answer === undefined) {
          metrics.resolveCache.inc({ result: 'miss' });
          const builtAt = cache.generation;
          const resolved = await resolution.resolve(prepared.value);
          if (!resolved.ok) return sendProblems(reply, resolved.problems, request.url);
          answer = answerOf(resolved.value, deps.registry.did, now);
          cache.set(prepared.value.key, request.url, answer, builtAt);
        } else {
          metrics.resolveCache.inc({ result: 'hit' });
        }
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

const TailoredRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1024, description: 'Agent name in any accepted form' }),
    context: Type.Optional(
      Type.Object(
        {
          protocol: Type.Optional(Type.String({ maxLength: 32 })),
          transport: Type.Optional(Type.String({ maxLength: 64 })),
          version: Type.Optional(Type.String({ maxLength: 64, description: 'A version, a prefix (2, 2.1) or comparators (>=2.1 <3)' })),
          country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' })),
          city: Type.Optional(Type.String({ maxLength: 128 })),
          latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
          longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
          subnet: Type.Optional(Type.String({ maxLength: 64 })),
          maxCost: Type.Optional(Type.Number({ minimum: 0 })),
          requester: Type.Optional(Type.String({ maxLength: 256, pattern: '^did:[a-z0-9]+:', description: "The requester's DID: the endpoint token is bound to it" })),
          purpose: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z0-9][a-z0-9._:-]*$', description: 'What the requester calls the agent for (default invoke)' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * `POST /v1/resolve`: the answer tailored to the requester (spec section 23): the instance chosen
 * from the agent's deployment record (or its facts' endpoints), why, and a signed endpoint token
 * for the call, valid 60 s. Never cached: the token is the requester's alone.
 */
export function tailoredResolveRoute(app: HttpApp, deps: HttpFaceDeps): void {
  const { clock, resolution, registry } = deps;
  app.post(
    '/v1/resolve',
    {
      schema: {
        tags: ['resolve'],
        summary: 'Resolve a name to the endpoint tailored to the requester, with a signed endpoint token',
        body: TailoredRequest,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { name, context = {} } = request.body as { name: string; context?: TailoringContext };
      const prepared = resolution.prepare({ name });
      if (!prepared.ok) return sendProblems(reply, prepared.problems, request.url);
      const resolved = await resolution.resolve(prepared.value);
      if (!resolved.ok) return sendProblems(reply, resolved.problems, request.url);
      const now = clock.now();
      if (resolved.value.kind === 'referral') return sendCached(reply, referralOf(resolved.value, registry.did, now));
      const { agent, ownership } = resolved.value;
      const tailored = tailorFor(agent, context, (claims) => registry.issueEndpointToken(claims), now, randomBytes(12).toString('hex'));
      if (!tailored.ok) return sendProblems(reply, tailored.problems, request.url);
      const { instance, selectedBy, token, tokenExpiresAt } = tailored.value;
      reply.header('cache-control', 'no-store');
      return sendJson(reply, {
        name: agent.name,
        agentId: agent.agentId,
        endpoint: instance,
        selectedBy,
        ...(token === undefined ? {} : { token, tokenExpiresAt: new Date(tokenExpiresAt! * 1000).toISOString().replace('.000Z', 'Z') }),
        context,
        addr: agent.addr,
        facts: agent.facts,
        ...(agent.deployment ? { deployment: agent.deployment } : {}),
        ...(agent.credential ? { credential: agent.credential.vc } : {}),
        ownership,
        registry: { id: registry.did },
      });
    },
  );
}

function sendCached(reply: unknown, answer: CachedAnswer): never {
  const raw = (reply as AnyReply).code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', `max-age=${REFERRAL_TTL_SECONDS}`);
  return raw.send(answer.body) as never;
}

/** The first unknown or repeated query parameter, as a problem naming it. */
function queryProblem(query: Record<string, unknown>): Problem | undefined {
  for (const [parameter, value] of Object.entries(query)) {
    if (!RESOLVE_PARAMETERS.includes(parameter)) {
      return problem('REQUEST_INVALID', `unknown query parameter ${JSON.stringify(parameter.slice(0, 64))}: /v1/resolve takes ${RESOLVE_PARAMETERS.join(', ')}`);
    }
    if (Array.isArray(value)) return problem('REQUEST_INVALID', `query parameter ${JSON.stringify(parameter)} is given ${value.length} times: give it once`);
  }
  return undefined;
}

/** The answer bytes of a resolution: the signed records and the endpoint chosen, cached until the TTL or notAfter; or a referral. */
function answerOf(resolved: Resolution, registryDid: string, now: number): CachedAnswer {
  if (resolved.kind === 'referral') return referralOf(resolved, registryDid, now);
  const { agent, endpoint, context, ownership } = resolved;
  const notAfterMs = parseUtcSeconds(agent.addr.payload.notAfter)!;
  const body = ownedBuffer(
    JSON.stringify({
      name: agent.name,
      agentId: agent.agentId,
      endpoint,
      context,
      addr: agent.addr,
      facts: agent.facts,
      ...(agent.credential ? { credential: agent.credential.vc } : {}),
      ownership,
      registry: { id: registryDid },
    }),
  );
  return {
    name: agent.name,
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    expiresAtMs: Math.min(now + agent.addr.payload.ttl * 1000, notAfterMs),
  };
}

function referralOf(referral: Referral, registryDid: string, now: number): CachedAnswer {
  const { namespace } = referral.claim;
  const { subtree, registry } = referral.delegation;
  const body = ownedBuffer(JSON.stringify({ name: referral.canonical, referral: { namespace, subtree, registry, claim: referral.claim.claim }, registry: { id: registryDid } }));
  return { name: referral.canonical, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, expiresAtMs: now + REFERRAL_TTL_SECONDS * 1000 };
}

/**
 * The UTF-8 bytes of `text` in memory of their own. Buffer.from puts small strings in a shared 8 KiB
 * pool slab, which a cached answer would keep alive whole: the cache's byte count would undercount.
 */
function ownedBuffer(text: string): Buffer {
  const bytes = Buffer.alloc(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
