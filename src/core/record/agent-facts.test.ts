import { describe, expect, it } from 'vitest';
import { testKey } from '../test-support/agents.js';
import { checkAgentFacts, factsEndpoints, MAX_FACTS_BYTES } from './agent-facts.js';

const id = testKey(1).did;
const base = { type: 'AgentFacts', v: 1, id, agent_name: 'agent://acme.com/billing/invoices' } as const;

/** The NANDA AgentFacts appendix example, less the fields only an auditor may attest. */
const nanda = {
  ...base,
  label: 'Invoices',
  description: 'Creates and sends invoices',
  version: '1.2.0',
  documentationUrl: 'https://acme.com/docs/invoices',
  jurisdiction: 'EU',
  provider: { name: 'Acme', url: 'https://acme.com', did: 'did:web:acme.com' },
  endpoints: {
    static: ['https://agents.acme.com/invoices'],
    rotating: [{ url: 'https://r1.acme.com/invoices', protocol: 'https' }],
    adaptive_resolver: { url: 'https://resolver.acme.com', policies: ['geo', 'load'] },
  },
  capabilities: { modalities: ['text'], streaming: true, batch: false, authentication: { methods: ['oauth2'], requiredScopes: ['invoices:write'] } },
  skills: [{ id: 'create-invoice', description: 'Create an invoice', inputModes: ['application/json'], outputModes: ['application/pdf'], supportedLanguages: ['en', 'de'], latencyBudgetMs: 500 }],
  telemetry: { enabled: true, retention: '30d', sampling: 0.1, metrics: { latency_p95_ms: 120, throughput_rps: 50, error_rate: 0.01, availability: 0.999 } },
  certification: { level: 'self-assessed', issuer: id, issuanceDate: '2026-01-01', expirationDate: '2027-01-01' },
};

/** An A2A v1.0 AgentCard's fields, as facts. */
const a2a = {
  ...base,
  name: 'Invoice agent',
  description: 'Creates and sends invoices',
  supportedInterfaces: [{ url: 'https://agents.acme.com/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  provider: { organization: 'Acme', url: 'https://acme.com' },
  version: '1.0.0',
  iconUrl: 'https://acme.com/icon.png',
  capabilities: { streaming: true, pushNotifications: false, extensions: [{ uri: 'https://example.com/ext', required: false }] },
  securitySchemes: { oauth: { oauth2SecurityScheme: { flows: {} } } },
  securityRequirements: [{ schemes: { oauth: { list: ['invoices'] } } }],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['application/json'],
  skills: [{ id: 'create-invoice', name: 'Create invoice', description: 'd', tags: ['billing'], examples: ['bill acme'], inputModes: ['text/plain'], outputModes: ['application/json'] }],
  signatures: [{ protected: 'eyJhbGciOiJFUzI1NiJ9', signature: 'c2ln' }],
};

describe('AgentFacts schema', () => {
  it('accepts the NANDA appendix fields and the A2A v1.0 and v0.3 card fields', () => {
    expect(checkAgentFacts(nanda)).toMatchObject({ ok: true });
    expect(checkAgentFacts(a2a)).toMatchObject({ ok: true });
    const legacy = { ...base, url: 'https://agents.acme.com/a2a', preferredTransport: 'JSONRPC', protocolVersion: '0.3.0', additionalInterfaces: [{ url: 'https://agents.acme.com/grpc', transport: 'GRPC' }] };
    expect(checkAgentFacts(legacy)).toMatchObject({ ok: true });
  });

  it('reports an unknown top-level field with its pointer', () => {
    expect(checkAgentFacts({ ...base, colour: 'blue' }, '/facts/payload')).toMatchObject({
      ok: false,
      problems: [{ code: 'RECORD_UNKNOWN_FIELD', pointer: '/facts/payload/colour' }],
    });
  });

  it('reports wrong types, bad ids and non-canonical names', () => {
    expect(checkAgentFacts({ ...base, skills: [{ name: 'no id' }] })).toMatchObject({ ok: false, problems: [{ code: 'FACTS_INVALID' }] });
    expect(checkAgentFacts({ ...base, id: 'did:web:acme.com' })).toMatchObject({ ok: false, problems: [{ code: 'AGENT_ID_INVALID' }] });
    expect(checkAgentFacts({ ...base, agent_name: 'invoices.billing@acme.com' })).toMatchObject({ ok: false, problems: [{ code: 'RECORD_INVALID' }] });
    expect(checkAgentFacts('facts')).toMatchObject({ ok: false, problems: [{ code: 'FACTS_INVALID' }] });
  });

  it("takes an endpoint's TLS key digest (the DNS face's TLSA) only as 64 lowercase hex digits", () => {
    const withDigest = (tlsSpkiSha256: string) => ({ ...base, endpoints: { static: [{ url: 'https://support.acme.com', protocol: 'a2a', tlsSpkiSha256 }] } });
    expect(checkAgentFacts(withDigest('0f'.repeat(32)))).toMatchObject({ ok: true });
    for (const bad of ['0F'.repeat(32), '0f'.repeat(31), '0f'.repeat(33), 'zz'.repeat(32)]) {
      expect(checkAgentFacts(withDigest(bad)), bad).toMatchObject({ ok: false, problems: [{ code: 'FACTS_INVALID' }] });
    }
  });

  it('refuses facts larger than the limit', () => {
    const skills = Array.from({ length: 20 }, (_, i) => ({ id: `s${i}`, description: 'x'.repeat(4000) }));
    const result = checkAgentFacts({ ...base, skills });
    expect(MAX_FACTS_BYTES).toBe(65_536);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'FACTS_INVALID' }] });
  });

  it('lists endpoints of every spelling in object form', () => {
    expect(factsEndpoints(nanda as never).map((e) => e.url)).toEqual(['https://agents.acme.com/invoices', 'https://r1.acme.com/invoices']);
    expect(factsEndpoints(a2a as never)).toEqual([{ url: 'https://agents.acme.com/a2a/v1', protocol: 'a2a', transport: 'JSONRPC', version: '1.0' }]);
  });
});
