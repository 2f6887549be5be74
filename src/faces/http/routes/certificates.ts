import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { CountersignedRecordSchema, NameParams, problemResponses, SignedRecordSchema } from '../schemas.js';

const IssuedCertificateSchema = Type.Object({
  certificate: Type.String({ description: 'the capability certificate, PEM' }),
  serialNumber: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
  agentName: Type.String(),
  capabilities: Type.Array(Type.String()),
  fingerprintSha256: Type.String(),
  caCertificate: Type.String({ description: 'the registry CA certificate (PEM): the trust anchor for peers' }),
});

const CaSchema = Type.Object({ certificate: Type.String(), fingerprintSha256: Type.String() });

/** Operator capability grants, capability certificates, and the registry CA. */
export function certificateRoutes(app: HttpApp, { registry, metrics }: HttpFaceDeps): void {
  app.post(
    '/v1/agents/:name/capabilities',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Grant capabilities to an agent (a CapabilityGrant signed by the registry operator)',
        description:
          'The body is a signed CapabilityGrant. It replaces the previous grant; an empty list withdraws every grant. Capability certificates carry only granted capabilities.',
        params: NameParams,
        body: SignedRecordSchema,
        response: { 200: Type.Object({ name: Type.String(), capabilities: Type.Array(Type.String()), grant: CountersignedRecordSchema }), ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.grantCapabilities(request.params.name, request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'grant', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'grant', outcome: 'accepted' });
      const grant = result.value.capabilityGrant!;
      request.log.warn({ name: result.value.name, capabilities: grant.payload.capabilities, by: grant.payload.by }, 'capabilities granted');
      return sendJson(reply, { name: result.value.name, capabilities: grant.payload.capabilities, grant });
    },
  );

  app.post(
    '/v1/certificates',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Issue a short-lived capability certificate (a CertificateRequest signed by the agent key)',
        description:
          'The body is a signed CertificateRequest carrying a PKCS #10 CSR. The registry never sees the private key. The certificate names the agent (URI SAN) and carries the requested capabilities, all of which must be granted.',
        body: SignedRecordSchema,
        response: { 201: IssuedCertificateSchema, ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await registry.issueCertificate(request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'certificate', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'certificate', outcome: 'accepted' });
      const issued = result.value;
      request.log.info({ name: issued.agentName, serial: issued.serialNumber, capabilities: issued.capabilities, notAfter: issued.notAfter }, 'certificate issued');
      reply.code(201);
      return sendJson(reply, {
        certificate: issued.certificatePem,
        serialNumber: issued.serialNumber,
        notBefore: issued.notBefore.toISOString(),
        notAfter: issued.notAfter.toISOString(),
        agentName: issued.agentName,
        capabilities: issued.capabilities,
        fingerprintSha256: issued.fingerprintSha256,
        caCertificate: registry.certificateAuthority!.certificatePem,
      });
    },
  );

  app.get(
    '/v1/certificates/ca',
    {
      schema: {
        tags: ['certificates'],
        summary: "The registry CA certificate: the trust anchor of every capability certificate",
        response: { 200: CaSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const ca = registry.certificateAuthority;
      if (ca === undefined) return sendProblems(reply, [problem('ROUTE_NOT_FOUND', 'this registry runs no certificate authority')], request.url);
      return sendJson(reply, { certificate: ca.certificatePem, fingerprintSha256: ca.fingerprintSha256 });
    },
  );
}
