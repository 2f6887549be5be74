import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import { activeAgentOf } from '../../../core/registry/registry.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { NameParams, problemResponses } from '../schemas.js';

/** Status lists change within seconds of a revocation; caches must not hold them longer. */
export const STATUS_LIST_MAX_AGE_SECONDS = 5;
const MAX_LIST_ID = 1023;

const notIssuing = problem('ROUTE_NOT_FOUND', 'this registry issues no credentials (it was started without a public URL)');

export function trustRoutes(app: HttpApp, { registry, statusLists, clock }: HttpFaceDeps): void {
  app.get(
    '/.well-known/did.json',
    { schema: { tags: ['trust'], summary: "The registry's did:web document: its Ed25519 key #key-1 and, embedded in assertionMethod, its BLS12-381 key #bbs-1 for capability credentials" } },
    async (request, reply) => {
      const credentials = registry.credentials;
      if (!credentials) return sendProblems(reply, [notIssuing], request.url);
      reply.header('cache-control', 'max-age=300');
      return sendJson(reply, credentials.didDocument);
    },
  );

  app.get(
    '/v1/status/:purpose/:listId',
    {
      schema: {
        tags: ['trust'],
        summary: 'A signed Bitstring Status List credential (revocation or suspension)',
        description: `131,072 entries per list; re-signed whenever a bit changes; Cache-Control max-age=${STATUS_LIST_MAX_AGE_SECONDS}.`,
        params: Type.Object({
          purpose: Type.Union([Type.Literal('revocation'), Type.Literal('suspension')]),
          listId: Type.Integer({ minimum: 0, maximum: MAX_LIST_ID }),
        }),
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const { purpose, listId } = request.params as { purpose: 'revocation' | 'suspension'; listId: number };
      const list = await statusLists.list(purpose, listId);
      if (!list) return sendProblems(reply, [notIssuing], request.url);
      reply.header('cache-control', `max-age=${STATUS_LIST_MAX_AGE_SECONDS}`);
      return sendJson(reply, list);
    },
  );

  app.get(
    '/v1/agents/:name/credential',
    {
      schema: { tags: ['trust'], summary: "The registry's Verifiable Credential over the agent's current facts", params: NameParams, response: problemResponses },
    },
    async (request, reply) => {
      const state = await registry.state(request.params.name);
      if (!state.ok) return sendProblems(reply, state.problems, request.url);
      const active = activeAgentOf(state.value.name, state.value, clock.now());
      if (!active.ok) return sendProblems(reply, active.problems, request.url);
      if (!active.value.credential) return sendProblems(reply, [problem('AGENT_NOT_FOUND', `no credential was issued for ${active.value.name}`)], request.url);
      return sendJson(reply, active.value.credential.vc);
    },
  );
}
