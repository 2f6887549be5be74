/**
 * The registry's event log over HTTP (spec section 19): the signed tree head, the entries, and
 * inclusion and consistency proofs, for clients and auditors that check the registry's history
 * (`signpost log verify`). Every answer is computed from the store's log; none is cached, since a
 * head that moves is the point.
 */
import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import { MAX_ENTRIES_PER_READ, type TransparencyLog } from '../../../core/log/transparency-log.js';
import type { HttpApp } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { problemResponses } from '../schemas.js';

const notConfigured = problem('ROUTE_NOT_FOUND', 'this registry publishes no event log');

const Natural = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

const EntriesQuery = Type.Object(
  { start: Natural('the first index'), end: Natural(`one past the last index; at most ${MAX_ENTRIES_PER_READ} entries are returned`) },
  { additionalProperties: false },
);
const InclusionQuery = Type.Object(
  {
    index: Type.Optional(Natural('the entry index')),
    leaf: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'or the entry leaf hash, base64url' })),
    record: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'or the SHA-256 (hex) of a signed record the entry stored (a resolved addr, say)' })),
    size: Type.Optional(Natural('the tree size (default: the current head)')),
  },
  { additionalProperties: false },
);
const ConsistencyQuery = Type.Object(
  { first: Natural('the older tree size (at least 1)'), second: Type.Optional(Natural('the newer tree size (default: the current head)')) },
  { additionalProperties: false },
);

export function logRoutes(app: HttpApp, log: TransparencyLog | undefined): void {
  app.get(
    '/v1/log/head',
    { schema: { tags: ['log'], summary: 'The signed tree head of the event log: its size and RFC 9162 tree hash, signed by the registry key', response: problemResponses } },
    async (request, reply) => {
      if (!log) return sendProblems(reply, [notConfigured], request.url);
      reply.header('cache-control', 'no-store');
      return sendJson(reply, await log.head());
    },
  );

  app.get(
    '/v1/log/entries',
    { schema: { tags: ['log'], summary: 'Entries [start, end) of the event log: each its index and its exact text (canonical JSON), the bytes of its leaf', querystring: EntriesQuery, response: problemResponses } },
    async (request, reply) => {
      if (!log) return sendProblems(reply, [notConfigured], request.url);
      const { start, end } = request.query as { start: number; end: number };
      const entries = await log.entries(start, end);
      if (!entries.ok) return sendProblems(reply, entries.problems, request.url);
      return sendJson(reply, { entries: entries.value });
    },
  );

  app.get(
    '/v1/log/proof/inclusion',
    { schema: { tags: ['log'], summary: 'The inclusion proof of one entry (by index, leaf hash, or the digest of a record it stored) in the tree of a given size, with the entry', querystring: InclusionQuery, response: problemResponses } },
    async (request, reply) => {
      if (!log) return sendProblems(reply, [notConfigured], request.url);
      const { index, leaf, record, size } = request.query as { index?: number; leaf?: string; record?: string; size?: number };
      if ([index, leaf, record].filter((given) => given !== undefined).length !== 1) return sendProblems(reply, [problem('REQUEST_INVALID', 'give exactly one of index, leaf and record')], request.url);
      const proof =
        index !== undefined ? await log.inclusionProof(index, size) : leaf !== undefined ? await log.inclusionProofOfLeaf(leaf, size) : await log.inclusionProofOfRecord(record!, size);
      if (!proof.ok) return sendProblems(reply, proof.problems, request.url);
      return sendJson(reply, proof.value);
    },
  );

  app.get(
    '/v1/log/proof/consistency',
    { schema: { tags: ['log'], summary: 'The consistency proof from the tree of one size to a larger one', querystring: ConsistencyQuery, response: problemResponses } },
    async (request, reply) => {
      if (!log) return sendProblems(reply, [notConfigured], request.url);
      const { first, second } = request.query as { first: number; second?: number };
      const proof = await log.consistencyProof(first, second);
      if (!proof.ok) return sendProblems(reply, proof.problems, request.url);
      return sendJson(reply, proof.value);
    },
  );
}
