import { Type } from 'typebox';
import { problem, type Problem } from '../../../core/errors.js';
import type { StoredCertification } from '../../../core/ports.js';
import { MAX_CERTIFICATION_BYTES, type CertificationStatus } from '../../../core/registry/certifications.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { NameParams, ProblemSchema, problemResponses } from '../schemas.js';
import { agentPath } from './agents.js';

const CredentialSchema = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      `A W3C VC 2.0 AgentCertificationCredential with one eddsa-jcs-2022 proof, signed by its issuer (at most ${MAX_CERTIFICATION_BYTES} bytes in RFC 8785 form)`,
  },
);

const ProblemItem = Type.Object({ code: Type.String(), detail: Type.String(), pointer: Type.Optional(Type.String()) });

const CertificationEntrySchema = Type.Object(
  {
    certification: Type.String({ description: 'the certification name as attested (HIPAA, SOC2, kid-safe, ...)' }),
    level: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    issuer: Type.String({ description: 'the DID of the issuer' }),
    subject: Type.String({ description: 'the agent did:key the credential is about' }),
    validFrom: Type.String(),
    validUntil: Type.String(),
    digest: Type.String({ description: 'hex SHA-256 of the credential in RFC 8785 form' }),
    storedAt: Type.String(),
    verified: Type.Boolean({ description: 'whether it counts now: trusted issuer under the current policy, about the current key, valid now, proof verifies' }),
    errors: Type.Array(ProblemItem, { description: 'why it does not count now (empty when verified)' }),
    status: Type.Union([Type.Literal('none'), Type.Literal('ok'), Type.Literal('revoked'), Type.Literal('suspended'), Type.Literal('unknown'), Type.Literal('unchecked')], {
      description: "the issuer's status lists: none listed, ok, revoked, suspended, unknown (a list could not be fetched or checked), unchecked (it failed before)",
    }),
    credential: Type.Object({}, { additionalProperties: true, description: 'the credential exactly as submitted' }),
  },
  { description: 'A stored third-party certification credential with a verdict made when it was read' },
);

const CertificationListSchema = Type.Object({
  name: Type.String(),
  agentId: Type.String({ description: "the agent's current key: only certifications about it count" }),
  items: Type.Array(CertificationEntrySchema),
});

const responses = { ...problemResponses, 503: ProblemSchema };

/** Third-party certification credentials: anyone submits them (the issuer signed them), everyone reads them. */
export function certificationRoutes(app: HttpApp, { certifications, metrics }: HttpFaceDeps): void {
  const absent = (reply: Parameters<typeof sendProblems>[0], url: string) =>
    sendProblems(reply, [problem('ROUTE_NOT_FOUND', 'this registry keeps no certification credentials')], url);

  app.post(
    '/v1/agents/:name/certifications',
    {
      schema: {
        tags: ['trust'],
        summary: 'Submit a certification credential an issuer (auditor, compliance body) made about the agent',
        description:
          'Anyone may submit: the credential is signed by its issuer, which the trust policy must accept for that certification. ' +
          'It must be about the agent\'s current key and name, and valid now. 201 when stored, 200 when it replaced an older one ' +
          'of the same issuer for the same certification (or was stored already). A refused credential is not stored.',
        params: NameParams,
        body: CredentialSchema,
        response: { 200: CertificationEntrySchema, 201: CertificationEntrySchema, ...responses },
      },
      // The core validates the credential itself: it owns the rules and the precise error codes.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (certifications === undefined) return absent(reply, request.url);
      const result = await certifications.submit(request.params.name, request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'certification', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      const { certification, created } = result.value;
      metrics.writes.inc({ operation: 'certification', outcome: 'accepted' });
      request.log.info({ name: certification.agentName, certification: certification.certification, issuer: certification.issuer, created }, 'certification stored');
      reply.code(created ? 201 : 200).header('location', `${agentPath(certification.agentName)}/certifications`);
      // Accepted means every status list it names was fetched and showed no bit set.
      return sendJson(reply, entryView(certification, true, [], certification.credential.credentialStatus === undefined ? 'none' : 'ok'));
    },
  );

  app.get(
    '/v1/agents/:name/certifications',
    {
      schema: {
        tags: ['trust'],
        summary: "The agent's stored certification credentials, each verified again now",
        description: '`verified` says whether each counts under the current trust policy, for the current key, at this moment; `errors` say why not.',
        params: NameParams,
        response: { 200: CertificationListSchema, ...responses },
      },
    },
    async (request, reply) => {
      if (certifications === undefined) return absent(reply, request.url);
      const result = await certifications.list(request.params.name);
      if (!result.ok) return sendProblems(reply, result.problems, request.url);
      const { name, agentId, items } = result.value;
      return sendJson(reply, { name, agentId, items: items.map((item) => entryView(item.stored, item.verified, item.errors, item.status)) });
    },
  );
}

function entryView(stored: StoredCertification, verified: boolean, errors: readonly Problem[], status: CertificationStatus) {
  const { level, scope } = stored.credential.credentialSubject.certification;
  return {
    certification: stored.certification,
    ...(level === undefined ? {} : { level }),
    ...(scope === undefined ? {} : { scope }),
    issuer: stored.issuer,
    subject: stored.subject,
    validFrom: stored.credential.validFrom,
    validUntil: stored.credential.validUntil,
    digest: stored.digest,
    storedAt: stored.storedAt,
    verified,
    errors,
    status,
    credential: stored.credential,
  };
}
