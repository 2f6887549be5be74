/**
 * `GET /v1/dids/{did}`: the DID document this registry would use for a DID, and where it came
 * from (pinned, cache, network, computed) with its freshness, so an operator can see what the
 * registry trusts for an organisation and whether it is working from a stale copy.
 */
import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import type { DidResolver } from '../../../core/trust/did-web/did-resolver.js';
import type { HttpApp } from '../server.js';
import { sendProblems } from '../server.js';
import { sendJson } from './agents.js';

const DidParams = Type.Object({
  did: Type.String({ description: 'A did:web or did:key, URL-encoded as one path segment (encodeURIComponent: did:web:host%3A8443 → did%3Aweb%3Ahost%253A8443)', minLength: 8, maxLength: 2048 }),
});

const notConfigured = problem('ROUTE_NOT_FOUND', 'this registry resolves no DIDs (it was started without a DID resolver)');

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

export function didRoutes(app: HttpApp, resolver: DidResolver | undefined): void {
  app.get(
    '/v1/dids/:did',
    {
      schema: {
        tags: ['trust'],
        summary: 'Resolve a DID (did:web, did:key) as this registry does: the validated document and where it came from',
        description:
          'did:web documents come from pinned configuration (`serve --did-document`), the cache in the data directory, or HTTPS. ' +
          '`metadata.source` is pinned | cache | network | computed; `stale` is true when served past its max-age (while a refresh runs or after one failed).',
        params: DidParams,
      },
    },
    async (request, reply) => {
      if (!resolver) return sendProblems(reply, [notConfigured], request.url);
      const { did } = request.params as { did: string };
      const resolved = await resolver.resolve(did);
      if (!resolved.ok) return sendProblems(reply, resolved.problems, request.url);
      const { document, source, fetchedAt, freshUntil, stale, refreshProblem } = resolved.value;
      reply.header('cache-control', 'no-store');
      return sendJson(reply, {
        did,
        document,
        metadata: { source, fetchedAt: isoOrNull(fetchedAt), freshUntil: isoOrNull(freshUntil), stale, ...(refreshProblem ? { refreshProblem } : {}) },
      });
    },
  );
}
