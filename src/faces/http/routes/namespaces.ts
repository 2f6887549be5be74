import { Type } from 'typebox';
import { problem } from '../../../core/errors.js';
import { checkNamespace } from '../../../core/record/namespace-claim.js';
import type { StoredNamespaceClaim } from '../../../core/ports.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';
import { sendJson, sendProblems } from '../replies.js';
import { CountersignedRecordSchema, problemResponses, SignedRecordSchema } from '../schemas.js';

const NamespaceParams = Type.Object({ namespace: Type.String({ minLength: 1, maxLength: 253, description: 'A namespace: the DNS name of agent://<namespace>/…' }) });

const StoredClaimSchema = Type.Object({
  namespace: Type.String(),
  seq: Type.Integer(),
  claim: CountersignedRecordSchema,
  evidence: Type.String({ description: 'What the registry found when it checked the proof' }),
  provenAt: Type.String(),
});

function claimView(stored: StoredNamespaceClaim) {
  return { namespace: stored.namespace, seq: stored.seq, claim: stored.claim, evidence: stored.evidence, provenAt: stored.provenAt };
}

/** Namespace claims (spec section 21): the proven owner of a namespace and the keys it grants names to. */
export function namespaceRoutes(app: HttpApp, { registry, metrics }: HttpFaceDeps): void {
  app.put(
    '/v1/namespaces/:namespace',
    {
      schema: {
        tags: ['namespaces'],
        summary: "Claim a namespace, or restate its grants (signed by the owner key the domain publishes)",
        description:
          'The body is a signed NamespaceClaim. The registry checks its proof against what the domain publishes now (TXT at _signpost-challenge.<namespace>, https://<namespace>/.well-known/signpost-challenge, or the did:web document); from then on only the keys it grants hold names under the namespace.',
        params: NamespaceParams,
        body: SignedRecordSchema,
        response: { 200: StoredClaimSchema, ...problemResponses },
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const { namespace } = request.params as { namespace: string };
      const payloadNamespace = (request.body as { payload?: { namespace?: unknown } } | null)?.payload?.namespace;
      if (typeof payloadNamespace === 'string' && payloadNamespace !== namespace) {
        return sendProblems(reply, [problem('RECORD_NAME_MISMATCH', `the claim is for ${payloadNamespace}, not ${namespace}`, '/payload/namespace')], request.url);
      }
      const result = await registry.claimNamespace(request.body);
      if (!result.ok) {
        metrics.writes.inc({ operation: 'claim', outcome: result.problems[0]!.code });
        return sendProblems(reply, result.problems, request.url);
      }
      metrics.writes.inc({ operation: 'claim', outcome: 'accepted' });
      request.log.warn({ namespace, owner: result.value.claim.payload.by, proof: result.value.claim.payload.proof, seq: result.value.seq }, 'namespace claimed');
      return sendJson(reply, claimView(result.value));
    },
  );

  app.get(
    '/v1/namespaces/:namespace',
    {
      schema: {
        tags: ['namespaces'],
        summary: "A namespace's stored claim: its proven owner and the keys it grants names to",
        params: NamespaceParams,
        response: { 200: StoredClaimSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { namespace } = request.params as { namespace: string };
      const invalid = checkNamespace(namespace, '');
      if (invalid !== undefined) return sendProblems(reply, [{ ...invalid, code: 'REQUEST_INVALID' }], request.url);
      const stored = await registry.namespaceClaim(namespace);
      if (stored === undefined) return sendProblems(reply, [problem('NAMESPACE_CLAIM_NOT_FOUND', `nobody claimed ${namespace} at this registry: its names are unclaimed`)], request.url);
      return sendJson(reply, claimView(stored));
    },
  );
}
