import { problem, type Problem, type Result } from '../errors.js';
import { canonicalBytes } from '../trust/jcs.js';
import { checkAgentId, checkCanonicalName, MAX_URL_LENGTH } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import type { AgentEndpoint, AgentFacts } from './types.js';

/** Largest AgentFacts accepted, in canonical bytes: P90 of real agent metadata is ~1 KB. */
export const MAX_FACTS_BYTES = 64 * 1024;

/**
 * Fields that only an attesting third party may set. A registrant who sends them is refused
 * outright (not silently stripped) so that nobody believes they were accepted.
 */
export const ATTESTED_FIELDS = ['verified', 'trustScore', 'trust_score', 'reputation', 'evaluations', 'attestations'] as const;

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const url = { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH } as const;
const words = (maxItems: number) => ({ type: 'array', maxItems, items: text(256) }) as const;
const openObject = { type: 'object' } as const;

const endpointObject = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'protocol'],
  properties: {
    url,
    protocol: { type: 'string', pattern: '^[a-z][a-z0-9+.-]{0,31}$' },
    transport: text(64),
    version: text(64),
    region: text(64),
    cost: { type: 'number', minimum: 0 },
    capacity: { type: 'number', minimum: 0 },
    priority: { type: 'integer', minimum: 0, maximum: 65_535 },
    // The SHA-256 of the TLS endpoint's SubjectPublicKeyInfo, hex: the DNS face's TLSA 3 1 1 (DANE-EE).
    tlsSpkiSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

/** NANDA allows bare URL strings as static endpoints; we also accept the richer object form. */
const endpointList = { type: 'array', maxItems: 64, items: { anyOf: [url, endpointObject] } } as const;

const certification = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer'],
  properties: {
    name: text(128),
    level: text(128),
    issuer: text(256),
    issuanceDate: text(64),
    expirationDate: text(64),
  },
} as const;

const skill = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    name: text(256),
    description: text(4096),
    tags: words(64),
    examples: { type: 'array', maxItems: 32, items: text(2048) },
    inputModes: words(32),
    outputModes: words(32),
    supportedLanguages: words(64),
    latencyBudgetMs: { type: 'number', minimum: 0 },
    security: { type: 'array' },
    securityRequirements: { type: 'array' },
  },
} as const;

/**
 * AgentFacts: every field of the NANDA AgentFacts appendix and of the A2A AgentCard (v0.3 and
 * v1.0), plus Signpost's own (`endpoints` objects, `requiredContext`, `contentFlags`,
 * `extensions`). Closed at the top so a typo is an error, not a silently ignored claim.
 */
export const agentFactsSchema = {
  $id: 'urn:signpost:schema:agent-facts:1',
  title: 'AgentFacts',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'id', 'agent_name'],
  properties: {
    type: { const: 'AgentFacts' },
    v: { const: 1 },
    id: { type: 'string', maxLength: 128 },
    agent_name: { type: 'string', maxLength: 512 },
    // NANDA
    label: text(256),
    name: text(256),
    description: text(8192),
    version: text(64),
    documentationUrl: url,
    iconUrl: url,
    jurisdiction: text(64),
    provider: {
      type: 'object',
      additionalProperties: false,
      properties: { name: text(256), organization: text(256), url, did: text(256) },
    },
    endpoints: {
      type: 'object',
      additionalProperties: false,
      properties: {
        static: endpointList,
        rotating: endpointList,
        adaptive_resolver: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: { url, policies: words(32) },
        },
      },
    },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      properties: {
        modalities: words(16),
        streaming: { type: 'boolean' },
        batch: { type: 'boolean' },
        pushNotifications: { type: 'boolean' },
        stateTransitionHistory: { type: 'boolean' },
        extendedAgentCard: { type: 'boolean' },
        extensions: { type: 'array', maxItems: 32, items: openObject },
        authentication: {
          type: 'object',
          additionalProperties: false,
          properties: { methods: words(16), requiredScopes: words(64) },
        },
      },
    },
    skills: { type: 'array', maxItems: 256, items: skill },
    telemetry: openObject,
    certification,
    certifications: { type: 'array', maxItems: 32, items: certification },
    // A2A AgentCard (v1.0, and the v0.3 spellings)
    supportedInterfaces: {
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'protocolBinding'],
        properties: { url, protocolBinding: text(64), protocolVersion: text(64), tenant: text(256) },
      },
    },
    url,
    preferredTransport: text(64),
    additionalInterfaces: {
      type: 'array',
      maxItems: 32,
      items: { type: 'object', additionalProperties: false, required: ['url', 'transport'], properties: { url, transport: text(64) } },
    },
    protocolVersion: text(64),
    defaultInputModes: words(32),
    defaultOutputModes: words(32),
    securitySchemes: openObject,
    security: { type: 'array' },
    securityRequirements: { type: 'array' },
    supportsAuthenticatedExtendedCard: { type: 'boolean' },
    signatures: { type: 'array', maxItems: 8, items: openObject },
    // Signpost
    requiredContext: words(32),
    contentFlags: words(32),
    tags: words(64),
    extensions: openObject,
  },
} as const;

const validateShape = compileSchema<AgentFacts>(agentFactsSchema);

/** Check untrusted AgentFacts: attested fields first (their own code), then shape, then subject. */
export function checkAgentFacts(value: unknown, pointer = ''): Result<AgentFacts> {
  const attested = findAttestedField(value, pointer);
  if (attested) return { ok: false, problems: [attested] };
  return checkRecord(validateShape, value, pointer, 'FACTS_INVALID', (facts) => [
    checkAgentId(facts.id, `${pointer}/id`),
    checkCanonicalName(facts.agent_name, `${pointer}/agent_name`),
    checkSize(facts, pointer),
    ...foreignCertifications(facts, pointer),
  ]);
}

/**
 * Look at every depth: open objects (`extensions`, `telemetry`, `securitySchemes`) must not become
 * a back door for `extensions.x.verified: true`. The depth bound keeps hostile nesting cheap; Ajv's
 * schema check refuses nothing deeper than real facts need anyway.
 */
function findAttestedField(value: unknown, pointer: string, depth = 0): Problem | undefined {
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  if (!Array.isArray(value)) {
    const field = ATTESTED_FIELDS.find((name) => Object.hasOwn(value, name));
    if (field !== undefined) {
      return problem('FACTS_ATTESTED_FIELD', `"${field}" can only be attested by an issuer, not claimed by the registrant`, `${pointer}/${field}`);
    }
  }
  for (const [key, child] of Object.entries(value)) {
    const found = findAttestedField(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A registrant may declare certifications it issued itself; one issued by anybody else must be attested. */
function foreignCertifications(facts: AgentFacts, pointer: string): Problem[] {
  const single = facts.certification as { issuer: string } | undefined;
  const list = (facts.certifications as { issuer: string }[] | undefined) ?? [];
  const entries: [{ issuer: string }, string][] = [
    ...(single ? [[single, `${pointer}/certification`] as [{ issuer: string }, string]] : []),
    ...list.map((c, i) => [c, `${pointer}/certifications/${i}`] as [{ issuer: string }, string]),
  ];
  return entries
    .filter(([c]) => c.issuer !== facts.id)
    .map(([c, at]) =>
      problem('FACTS_ATTESTED_FIELD', `a certification issued by "${c.issuer}" must come from that issuer, not from the registrant`, at),
    );
}

function checkSize(facts: AgentFacts, pointer: string): Problem | undefined {
  const size = canonicalBytes(facts).length;
  return size > MAX_FACTS_BYTES ? problem('FACTS_INVALID', `facts are ${size} bytes; the limit is ${MAX_FACTS_BYTES}`, pointer || '/') : undefined;
}

/** Every endpoint of the facts in object form: NANDA strings get the protocol of their URL scheme. */
export function factsEndpoints(facts: AgentFacts): AgentEndpoint[] {
  const endpoints = facts.endpoints as { static?: (string | AgentEndpoint)[]; rotating?: (string | AgentEndpoint)[] } | undefined;
  const listed = [...(endpoints?.static ?? []), ...(endpoints?.rotating ?? [])].map((e) =>
    typeof e === 'string' ? { url: e, protocol: schemeOf(e) } : e,
  );
  const a2a = ((facts.supportedInterfaces as { url: string; protocolBinding: string; protocolVersion?: string }[] | undefined) ?? []).map(
    (i): AgentEndpoint => ({ url: i.url, protocol: 'a2a', transport: i.protocolBinding, ...(i.protocolVersion ? { version: i.protocolVersion } : {}) }),
  );
  const a2aLegacy = typeof facts.url === 'string' ? [{ url: facts.url, protocol: 'a2a', transport: String(facts.preferredTransport ?? 'JSONRPC') }] : [];
  return [...listed, ...a2a, ...a2aLegacy];
}

function schemeOf(url: string): string {
  const colon = url.indexOf(':');
  return colon > 0 ? url.slice(0, colon).toLowerCase() : 'https';
}
