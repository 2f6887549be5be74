import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import type { RegistryDisclosure } from '../../../core/registry/registry-disclosure.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { NameParams, problemResponses, SignedRecordSchema } from '../schemas.js';

const CredentialSchema = Type.Object(
  {},
  { additionalProperties: true, description: 'A W3C VC 2.0 AgentCapabilityCredential with a bbs-2023 proof (see src/core/trust/disclosure/README.md)' },
);

const ProblemList = Type.Array(Type.Object({ code: Type.String(), detail: Type.String(), pointer: Type.Optional(Type.String()) }));

const DisclosureCheckSchema = Type.Object({
  verified: Type.Boolean(),
  revealed: Type.Array(Type.String(), { description: 'the capabilities the proof reveals (empty unless the proof verified)' }),
  errors: ProblemList,
  issuer: Type.Optional(Type.String()),
  subject: Type.Optional(Type.Object({ id: Type.String(), name: Type.Optional(Type.String()) })),
  validUntil: Type.Optional(Type.String()),
  verdict: Type.Object(
    {
      payload: Type.Object({
        type: Type.Literal('DisclosureVerdict'),
        v: Type.Literal(1),
        at: Type.String(),
        credentialSha256: Type.String({ description: 'SHA-256 (hex) of the RFC 8785 bytes of the credential checked' }),
        capability: Type.String(),
        challenge: Type.Optional(Type.String()),
        check: Type.Object({}, { additionalProperties: true, description: 'verified, revealed, errors, issuer, subject, validUntil: the same check as above' }),
      }),
      sig: Type.String(),
    },
    { description: "The same check signed by the registry key, bound to this request and the time: a client that pinned the registry key believes only this (docs/spec.md section 16.3)" },
  ),
});

const VerifyBodySchema = Type.Object({
  credential: CredentialSchema,
  capability: Type.String({ description: 'the capability the verifier needs' }),
  challenge: Type.Optional(Type.String({ description: 'the challenge the holder bound the proof to (UTF-8 presentation header)' })),
});

/**
 * Selective disclosure with bbs-2023: the registry issues capability credentials to agents and
 * checks derived proofs against its own `#bbs-1` key. Routes answer ROUTE_NOT_FOUND when the
 * registry was built without a RegistryDisclosure.
 */
export function disclosureRoutes(app: HttpApp, { metrics }: HttpFaceDeps, disclosure: RegistryDisclosure | undefined): void {
  const absent = problem('ROUTE_NOT_FOUND', 'this registry issues no capability credentials');

  app.post(
    '/v1/agents/:name/capability-credential',
    {
      schema: {
        tags: ['trust'],
        summary: 'Issue a bbs-2023 capability credential (a CapabilityCredentialRequest signed by the agent key)',
        description:
          'The body is a signed CapabilityCredentialRequest. The answer (201) is the base credential: issuer the registry did:web (key #bbs-1), subject the agent did:key and name, capabilities exactly the operator-granted ones (or the subset asked for). Keep it secret: whoever holds it can derive proofs. Nothing is stored.',
        params: NameParams,
        body: SignedRecordSchema,
        response: { 201: CredentialSchema, ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (disclosure === undefined) return sendProblems(reply, [absent], request.url);
      const result = await disclosure.issue(request.params.name, request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'capability-credential', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'capability-credential', outcome: 'accepted' });
      const subject = result.value.credentialSubject;
      request.log.info({ name: subject.name, capabilities: Object.keys(subject.capabilities), validUntil: result.value.validUntil }, 'capability credential issued');
      reply.code(201);
      return sendJson(reply, result.value);
    },
  );

  app.post(
    '/v1/disclosures/verify',
    {
      schema: {
        tags: ['trust'],
        summary: "Verify a derived capability credential against the registry's #bbs-1 key",
        description:
          'Checks the bbs-2023 derived proof, the validity window, that the capability asked for is revealed, and that the agent is still active, bound to the same key and granted that capability. Always 200 with {verified, revealed, errors, verdict} for a well-formed body; `verdict` is the same check signed by the registry key (the unsigned members prove nothing over plain HTTP).',
        body: VerifyBodySchema,
        response: { 200: DisclosureCheckSchema, ...problemResponses },
      },
      // The core checks the body and owns the error codes.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (disclosure === undefined) return sendProblems(reply, [absent], request.url);
      const result = await disclosure.verify(request.body);
      if (!result.ok) return sendProblems(reply, result.problems, request.url);
      return sendJson(reply, result.value);
    },
  );
}
