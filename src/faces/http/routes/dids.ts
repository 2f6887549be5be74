/**
 * `GET /v1/dids/{did}`: the DID document this registry holds for a DID, and where it came from
 * (pinned, cache, computed) with its freshness, so an operator can see what the registry trusts for
 * an organisation and whether it is working from a stale copy.
 *
 * It never fetches. Anyone may call it, and a route that fetched whatever did:web it was given would
 * let anyone make the registry open connections (to any host, any port) and fill its cache. The
 * registry fetches a did:web only when it has its own reason: verifying something that DID signed
 * (a namespace owner's status change, a certification credential). Those paths are bounded too
 * (negative cache, a global limit on concurrent fetches, a capped disk cache).
 */
import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import type { DidResolver } from '../../../core/trust/did-web/did-resolver.js';
import type { HttpApp } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';

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
        summary: 'The DID document this registry holds for a DID (did:web, did:key): the validated document and where it came from',
        description:
          'Answers from pinned configuration (`serve --did-document`), the cache in the data directory (documents the registry fetched ' +
          'when it verified something the DID signed), or computation (did:key). It never fetches: a did:web the registry holds no ' +
          'document for answers 503 DID_UNRESOLVABLE. `metadata.source` is pinned | cache | computed; `stale` is true when the copy is ' +
          'past its max-age (the registry refreshes it the next time it needs it).',
        params: DidParams,
      },
    },
    async (request, reply) => {
      if (!resolver) return sendProblems(reply, [notConfigured], request.url);
      const { did } = request.params as { did: string };
      // Never a network fetch on behalf of an unauthenticated caller (SSRF, disk and socket exhaustion).
      const resolved = await resolver.resolve(did, { fetch: false });
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
