import { Type } from 'typebox';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { problemResponses, SignedRecordSchema } from '../schemas.js';

/** Audit records from this registry's split-horizon resolvers (spec section 24), appended to the event log. */
export function auditRoutes(app: HttpApp, { registry, metrics }: HttpFaceDeps): void {
  app.post(
    '/v1/audit/boundary-crossings',
    {
      schema: {
        tags: ['log'],
        summary: 'Log a lookup one of this registry\'s resolvers made outside its horizon (who, what, where, why)',
        body: SignedRecordSchema,
        response: { 201: Type.Object({ index: Type.Integer({ description: 'The event log index of the audit event' }) }), ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.recordBoundaryCrossing(request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'audit', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'audit', outcome: 'accepted' });
      reply.code(201);
      return sendJson(reply, result.value);
    },
  );
}
