/**
 * `GET /v1/changes?since=CURSOR&limit=N`: the change feed (core/log/change-feed.ts). The cursor is
 * a log index; a reader starts at 0 (or at a log head's size to follow only what comes next) and
 * passes each page's `next` to the following request.
 */
import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import { changesSince, MAX_CHANGES_PER_PAGE } from '../../../core/log/change-feed.js';
import type { RecordStore } from '../../../core/ports.js';
import type { HttpApp } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { problemResponses } from '../schemas.js';

const ChangesQuery = Type.Object(
  {
    since: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'the cursor: the log index to start at (a previous page\u2019s `next`)' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CHANGES_PER_PAGE, default: 100, description: `entries read, 1 to ${MAX_CHANGES_PER_PAGE}` })),
  },
  { additionalProperties: false },
);

export function changeRoutes(app: HttpApp, store: Pick<RecordStore, 'logSize' | 'logEntries'> | undefined): void {
  app.get(
    '/v1/changes',
    {
      schema: {
        tags: ['log'],
        summary: 'The change feed: the events of the log after a cursor, and the next cursor',
        description:
          'Each change is `{index, event}`; the RFC 8785 JSON of `event` is the log entry\u2019s exact bytes, so a change can be checked against a signed tree head. Pages are exact under concurrent writes: nothing is lost or repeated.',
        querystring: ChangesQuery,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      if (!store) return sendProblems(reply, [problem('ROUTE_NOT_FOUND', 'this registry publishes no change feed')], request.url);
      const { since, limit } = request.query as { since: number; limit?: number };
      const page = await changesSince(store, since, limit ?? 100);
      if (!page.ok) return sendProblems(reply, page.problems, request.url);
      reply.header('cache-control', 'no-store');
      return sendJson(reply, page.value);
    },
  );
}
