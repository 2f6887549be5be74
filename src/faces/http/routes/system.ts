import { Type } from 'typebox';
import { publicKeyFromDidKey } from '../../../core/trust/did-key.js';
import { toBase64Url } from '../../../core/trust/encoding.js';
import type { HttpApp, HttpFaceDeps } from '../route-context.js';

export function systemRoutes(app: HttpApp, { registry, metrics, version, disclosure }: HttpFaceDeps): void {
  const identity = {
    id: registry.did,
    publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKeyFromDidKey(registry.did)!) },
    software: 'signpost',
    version,
    ...(registry.certificateAuthority ? { caFingerprintSha256: registry.certificateAuthority.fingerprintSha256 } : {}),
  };

  app.get(
    '/v1/registry',
    {
      schema: {
        tags: ['system'],
        summary: "The registry's identity: the key that countersigns every record it serves",
        response: {
          200: Type.Object({
            id: Type.String(),
            publicKeyJwk: Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String() }),
            software: Type.String(),
            version: Type.String(),
            caFingerprintSha256: Type.Optional(Type.String({ description: 'SHA-256 of the registry CA certificate (capability certificates)' })),
            disclosureKeyBinding: Type.Optional(
              Type.Object(
                {
                  payload: Type.Object({
                    type: Type.Literal('DisclosureKeyBinding'),
                    v: Type.Literal(1),
                    issuer: Type.String(),
                    keyId: Type.String(),
                    publicKeyMultibase: Type.String(),
                    validFrom: Type.String(),
                    validUntil: Type.String(),
                  }),
                  sig: Type.String(),
                },
                {
                  description:
                    "The registry key's signature over the BLS12-381 key #bbs-1 of its DID document (bbs-2023 capability credentials), valid for 7 days and re-signed as it nears expiry; clients check it against the pinned registry key and their clock (docs/spec.md section 16.1)",
                },
              ),
            ),
          }),
        },
      },
    },
    // The binding exists once the registry knows its did:web (after listen), so it is read per
    // request; the disclosure issuer re-signs it (with the Clock) as it nears expiry.
    async () => {
      const binding = disclosure?.keyBinding() ?? registry.credentials?.disclosureKeyBinding;
      return binding === undefined ? identity : { ...identity, disclosureKeyBinding: binding };
    },
  );

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and store health',
        response: { 200: Type.Object({ status: Type.String(), agents: Type.Integer() }), 503: Type.Object({ status: Type.String() }) },
      },
    },
    async (request, reply) => {
      try {
        const counts = await registry.count();
        return { status: 'ok', agents: counts.active };
      } catch (error) {
        request.log.error({ err: error }, 'health check failed');
        return reply.code(503).send({ status: 'store unavailable' });
      }
    },
  );

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
