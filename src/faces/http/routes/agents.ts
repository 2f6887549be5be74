import { Type } from 'typebox';
import { activeAgentOf } from '../../../core/registry/registry.js';
import type { ActiveAgent, StoredAgent } from '../../../core/registry/stored-agent.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { AgentRecordSchema, CountersignedRecordSchema, NameParams, problemResponses, RegistrationSchema, SignedRecordSchema } from '../schemas.js';

/** Signed records go out as pre-serialised JSON so no response serializer can drop or reorder a signed field. */
export function agentPath(name: string): string {
  return `/v1/agents/${encodeURIComponent(name)}`;
}

function agentView(agent: ActiveAgent) {
  return { name: agent.name, agentId: agent.agentId, seq: agent.seq, updatedAt: agent.updatedAt, addr: agent.addr, ...(agent.rotations ? { rotations: agent.rotations } : {}) };
}

/**
 * A refusal still shows the signed tombstone or status change, so a client can check who did it;
 * an expired record shows its sequence, which the owner's renewal must exceed.
 */
function goneExtensions(agent: StoredAgent) {
  if (agent.state === 'deregistered') return { tombstone: agent.tombstone };
  if (agent.state === 'revoked' || agent.state === 'suspended') return { statusChange: agent.lastStatusChange };
  return { seq: agent.seq };
}

export function agentRoutes(app: HttpApp, { registry, metrics, clock }: HttpFaceDeps): void {
  app.post(
    '/v1/agents',
    {
      schema: {
        tags: ['agents'],
        summary: 'Register an agent, or update it (signed by its key, with a higher sequence)',
        body: RegistrationSchema,
        response: { 200: AgentRecordSchema, 201: AgentRecordSchema, ...problemResponses },
      },
      // The core validates the body itself: it owns the rules and the precise error codes.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.register(request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'register', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      const { agent, created, ownership } = result.value;
      metrics.writes.inc({ operation: 'register', outcome: 'accepted' });
      request.log.info({ name: agent.name, seq: agent.seq, created, ownership: ownership.status }, 'agent registered');
      reply.code(created ? 201 : 200).header('location', agentPath(agent.name));
      return sendJson(reply, { ...agentView(agent), ownership, facts: agent.facts });
    },
  );

  app.get(
    '/v1/agents/:name',
    {
      schema: {
        tags: ['agents'],
        summary: 'The countersigned AgentAddr of an agent',
        params: NameParams,
        response: { 200: AgentRecordSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const state = await registry.state(request.params.name);
      if (!state.ok) return sendProblems(reply, state.problems, request.url);
      const active = activeAgentOf(state.value.name, state.value, clock.now());
      if (!active.ok) return sendProblems(reply, active.problems, request.url, goneExtensions(state.value));
      const ownership = await registry.ownershipFor(active.value.name, active.value.agentId);
      if (!ownership.ok) return sendProblems(reply, ownership.problems, request.url);
      return sendJson(reply, { ...agentView(active.value), ownership: ownership.value });
    },
  );

  app.get(
    '/v1/agents/:name/facts',
    {
      schema: {
        tags: ['agents'],
        summary: 'The countersigned AgentFacts of an agent',
        params: NameParams,
        response: { 200: CountersignedRecordSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const lookup = await registry.lookup(request.params.name);
      if (!lookup.ok) return sendProblems(reply, lookup.problems, request.url);
      return sendJson(reply, lookup.value.facts);
    },
  );

  app.put(
    '/v1/agents/:name/deployment',
    {
      schema: {
        tags: ['agents'],
        summary: 'Publish the instances the agent runs now (signed by its key), for tailored endpoints',
        description: 'The body is a signed Deployment (spec section 23). It replaces the previous one; no new facts credential is issued, so load and health can change often.',
        params: NameParams,
        body: SignedRecordSchema,
        response: { 200: Type.Object({ name: Type.String(), seq: Type.Integer(), deployment: CountersignedRecordSchema }), ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.publishDeployment(request.params.name, request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'deployment', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'deployment', outcome: 'accepted' });
      return sendJson(reply, { name: result.value.name, seq: result.value.seq, deployment: result.value.deployment });
    },
  );

  app.post(
    '/v1/agents/:name/revoke',
    {
      schema: {
        tags: ['agents'],
        summary: 'Revoke, suspend or reinstate an agent (signed by its key or the registry operator)',
        description:
          'The body is a signed AgentStatusChange with action revoke (final), suspend or reinstate. It takes effect for the next resolve: resolve answers 410 AGENT_REVOKED or 403 AGENT_SUSPENDED, and the status-list bit of the agent changes in the same transaction.',
        params: NameParams,
        body: SignedRecordSchema,
        response: { 200: Type.Object({ name: Type.String(), state: Type.String(), statusChange: CountersignedRecordSchema }), ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.changeStatus(request.params.name, request.body);
      const action = (request.body as { payload?: { action?: unknown } } | null)?.payload?.action;
      const operation = typeof action === 'string' && ['revoke', 'suspend', 'reinstate'].includes(action) ? action : 'status';
      if (!result.ok) {
        metrics.writes.inc({ operation, outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation, outcome: 'accepted' });
      const agent = result.value;
      const statusChange = agent.state === 'deregistered' ? undefined : agent.lastStatusChange;
      request.log.warn({ name: agent.name, state: agent.state, by: statusChange?.payload.by, reason: statusChange?.payload.reason }, 'agent status changed');
      return sendJson(reply, { name: agent.name, state: agent.state, statusChange });
    },
  );

  app.delete(
    '/v1/agents/:name',
    {
      schema: {
        tags: ['agents'],
        summary: 'Deregister an agent with a tombstone signed by its key',
        params: NameParams,
        body: SignedRecordSchema,
        response: { 200: Type.Object({ name: Type.String(), tombstone: CountersignedRecordSchema }), ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.deregister(request.params.name, request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'deregister', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'deregister', outcome: 'accepted' });
      request.log.info({ name: result.value.name, seq: result.value.seq }, 'agent deregistered');
      return sendJson(reply, { name: result.value.name, tombstone: result.value.tombstone });
    },
  );
}
