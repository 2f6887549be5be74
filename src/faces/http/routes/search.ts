import { Type } from 'typebox';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { OwnershipSchema, problemResponses } from '../schemas.js';
import { sendJson } from '../replies.js';

// Unknown parameters are refused, as on /v1/resolve: a typo must not silently widen a search.
const SearchQuerySchema = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 256, description: 'Words that must all match (prefixes count)' })),
    capability: Type.Optional(Type.String({ maxLength: 128, description: 'A skill id or tag' })),
    protocol: Type.Optional(Type.String({ maxLength: 32 })),
    namespace: Type.Optional(Type.String({ maxLength: 253, description: "Only this namespace's agents (exact: acme.com, not eu.acme.com); what DNS-AID's _index._agents.<namespace> points at" })),
    certification: Type.Optional(
      Type.String({
        maxLength: 256,
        description:
          "Only agents holding a certification credential that counts now: by an issuer the registry's trust policy accepts for that certification, about the agent's current key, valid now (HIPAA, SOC2, …)",
      }),
    ),
    ownership: Type.Optional(
      Type.Union([Type.Literal('proven'), Type.Literal('unclaimed')], {
        description: "proven: only names the namespace's proven owner granted (the verified-publisher mark); unclaimed: only names under namespaces nobody claimed",
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

const SearchItem = Type.Object({
  name: Type.String(),
  agentId: Type.String(),
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  protocols: Type.Array(Type.String()),
  capabilities: Type.Array(Type.String()),
  seq: Type.Integer(),
  updatedAt: Type.String(),
  ownership: OwnershipSchema,
});

export function searchRoutes(app: HttpApp, { registry, certifications, clock }: HttpFaceDeps): void {
  app.get(
    '/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Find active agents by words and filters, one page at a time',
        querystring: SearchQuerySchema,
        response: { 200: Type.Object({ items: Type.Array(SearchItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { q, capability, protocol, namespace, certification, ownership, limit, cursor } = request.query as {
        q?: string;
        namespace?: string;
        ownership?: 'proven' | 'unclaimed';
        capability?: string;
        protocol?: string;
        certification?: string;
        limit?: number;
        cursor?: string;
      };
      const page = await registry.search({
        limit: limit ?? 20,
        ...(q?.trim() ? { text: q } : {}),
        ...(capability ? { capability } : {}),
        ...(protocol ? { protocol } : {}),
        ...(namespace?.trim() ? { namespace } : {}),
        // The policy and the time come with the query, so a policy change needs no re-indexing;
        // without a certification registry no issuer is trusted and nothing counts.
        ...(certification?.trim()
          ? { certification: certifications?.searchFilter(certification) ?? { name: certification, trustedIssuers: [], at: clock.now() } }
          : {}),
        ...(ownership ? { ownership } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return sendJson(reply, {
        items: page.items.map(({ agent, ownership: owned }) => ({
          name: agent.name,
          agentId: agent.agentId,
          label: typeof agent.facts.payload.label === 'string' ? agent.facts.payload.label : undefined,
          description: typeof agent.facts.payload.description === 'string' ? agent.facts.payload.description : undefined,
          protocols: agent.search.protocols,
          capabilities: agent.search.capabilities,
          seq: agent.seq,
          updatedAt: agent.updatedAt,
          ownership: owned,
        })),
        nextCursor: page.nextCursor,
      });
    },
  );
}
