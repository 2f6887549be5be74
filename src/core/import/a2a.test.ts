import { describe, expect, it } from 'vitest';
import type { Result } from '../errors.js';
import { checkAgentFacts, factsEndpoints } from '../record/agent-facts.js';
import type { AgentFacts } from '../record/types.js';
import { planA2aImport, type A2aOrigin, type ImportCandidate, type ImportPlan } from './index.js';

const AGENT_ID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

function planOf(card: unknown, origin?: A2aOrigin): ImportPlan {
  const result = planA2aImport(card, origin);
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function only(plan: ImportPlan): ImportCandidate {
  expect(plan.skipped).toEqual([]);
  expect(plan.candidates).toHaveLength(1);
  return plan.candidates[0]!;
}

function completed(candidate: ImportCandidate): Result<AgentFacts> {
  return checkAgentFacts({ ...candidate.claims, type: 'AgentFacts', v: 1, id: AGENT_ID, agent_name: candidate.name });
}

function facts(candidate: ImportCandidate): AgentFacts {
  const result = completed(candidate);
  if (!result.ok) throw new Error(`expected valid facts, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

// --- fixtures, written from the A2A v0.3 and v1.0 AgentCard fields ---------------------------

const signature = {
  protected: 'eyJhbGciOiJFZERTQSIsImtpZCI6ImtleS0xIiwidHlwIjoiSk9TRSJ9',
  signature: 'QFdkNLNszlGj3z3u0YQGt_T9LixY3qtdQpZmsTdDHDe3fXV9y9-B3m2-XgCpzuhiLt8E0tV6HXoZKHv4GtHgKQ',
  header: { kid: 'key-1' },
};

const routeSkill = {
  id: 'route-optimizer-traffic',
  name: 'Traffic-Aware Route Optimizer',
  description: 'Calculates the optimal driving route between two or more locations, taking real-time traffic into account.',
  tags: ['maps', 'routing', 'navigation', 'traffic'],
  examples: ["Plan a route from '1600 Amphitheatre Parkway, Mountain View, CA' to 'SFO' avoiding tolls."],
  inputModes: ['application/json', 'text/plain'],
  outputModes: ['application/json', 'application/vnd.geo+json'],
};

const mapSkill = {
  id: 'custom-map-generator',
  name: 'Personalized Map Generator',
  description: 'Creates custom map images with user-defined points of interest and routes.',
  tags: ['maps', 'visualization'],
  examples: ['Generate a map of my upcoming road trip with all planned stops highlighted.'],
  inputModes: ['application/json'],
  outputModes: ['image/png', 'image/jpeg'],
};

/** v0.3: top-level url, preferredTransport, additionalInterfaces, protocolVersion. */
const cardV03 = {
  protocolVersion: '0.3.0',
  name: 'GeoSpatial Route Planner Agent',
  description: 'Provides advanced route planning, traffic analysis, and custom map generation services.',
  url: 'https://georoute-agent.example.com/a2a/v1',
  preferredTransport: 'JSONRPC',
  additionalInterfaces: [
    { url: 'https://georoute-agent.example.com/a2a/v1', transport: 'JSONRPC' },
    { url: 'https://georoute-agent.example.com/a2a/grpc', transport: 'GRPC' },
    { url: 'https://georoute-agent.example.com/a2a/json', transport: 'HTTP+JSON' },
  ],
  provider: { organization: 'Example Geo Services Inc.', url: 'https://www.examplegeoservices.com' },
  iconUrl: 'https://georoute-agent.example.com/icon.png',
  version: '1.2.0',
  documentationUrl: 'https://docs.examplegeoservices.com/georoute-agent/api',
  capabilities: {
    streaming: true,
    pushNotifications: true,
    stateTransitionHistory: false,
    extensions: [{ uri: 'https://example.com/ext/geo-region/v1', description: 'Restricts answers to a region', required: false }],
  },
  securitySchemes: {
    google: { type: 'openIdConnect', openIdConnectUrl: 'https://accounts.google.com/.well-known/openid-configuration' },
  },
  security: [{ google: ['openid', 'profile', 'email'] }],
  defaultInputModes: ['application/json', 'text/plain'],
  defaultOutputModes: ['application/json', 'image/png'],
  skills: [routeSkill, mapSkill],
  supportsAuthenticatedExtendedCard: true,
  signatures: [signature],
};

const findRecipe = {
  id: 'find-recipe',
  name: 'Find recipe',
  description: 'Finds recipes that match the ingredients and diet the user gives.',
  tags: ['cooking', 'recipes'],
  examples: ['I have eggs, flour and milk. What can I bake?'],
  inputModes: ['text/plain'],
  outputModes: ['application/json'],
};

const requirement = { schemes: { oauth: { list: ['recipes:read'] } } };

/** v1.0: supportedInterfaces with protocolBinding and protocolVersion; securityRequirements. */
const cardV10 = {
  name: 'Recipe Agent',
  description: 'Agent that helps users with recipes and cooking.',
  supportedInterfaces: [
    { url: 'https://recipes.acme.example/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url: 'https://recipes.acme.example/a2a/grpc', protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: 'acme' },
  ],
  provider: { organization: 'Acme Foods', url: 'https://acme.example' },
  version: '2.1.0',
  documentationUrl: 'https://acme.example/docs/recipe-agent',
  capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: true },
  securitySchemes: {
    oauth: {
      oauth2SecurityScheme: {
        flows: { clientCredentials: { tokenUrl: 'https://auth.acme.example/token', scopes: { 'recipes:read': 'Read recipes' } } },
      },
    },
  },
  securityRequirements: [requirement],
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain', 'application/json'],
  skills: [{ ...findRecipe, securityRequirements: [requirement] }],
  signatures: [signature],
  iconUrl: 'https://acme.example/recipe-agent.png',
};

// --- mapping ---------------------------------------------------------------------------------

describe('planA2aImport: v0.3 cards', () => {
  it('maps every field exactly, keeping the v0.3 spellings', () => {
    const candidate = only(planOf(cardV03));
    expect(candidate).toEqual({
      source: 'GeoSpatial Route Planner Agent',
      name: 'agent://georoute-agent.example.com/geospatial-route-planner-agent',
      claims: {
        protocolVersion: '0.3.0',
        label: 'GeoSpatial Route Planner Agent',
        description: 'Provides advanced route planning, traffic analysis, and custom map generation services.',
        url: 'https://georoute-agent.example.com/a2a/v1',
        preferredTransport: 'JSONRPC',
        additionalInterfaces: cardV03.additionalInterfaces,
        provider: { organization: 'Example Geo Services Inc.', url: 'https://www.examplegeoservices.com' },
        iconUrl: 'https://georoute-agent.example.com/icon.png',
        version: '1.2.0',
        documentationUrl: 'https://docs.examplegeoservices.com/georoute-agent/api',
        capabilities: cardV03.capabilities,
        securitySchemes: cardV03.securitySchemes,
        security: cardV03.security,
        defaultInputModes: ['application/json', 'text/plain'],
        defaultOutputModes: ['application/json', 'image/png'],
        skills: [routeSkill, mapSkill],
        supportsAuthenticatedExtendedCard: true,
        signatures: [signature],
        tags: ['a2a'],
      },
    });
  });

  it('gives claims that, completed, pass checkAgentFacts and yield the card endpoints', () => {
    const valid = facts(only(planOf(cardV03)));
    expect(factsEndpoints(valid)).toEqual([{ url: 'https://georoute-agent.example.com/a2a/v1', protocol: 'a2a', transport: 'JSONRPC' }]);
  });
});

describe('planA2aImport: v1.0 cards', () => {
  it('maps every field exactly; securityRequirements (unknown to the facts schema) go to extensions.a2a', () => {
    const candidate = only(planOf(cardV10));
    expect(candidate).toEqual({
      source: 'Recipe Agent',
      name: 'agent://recipes.acme.example/recipe-agent',
      claims: {
        label: 'Recipe Agent',
        description: 'Agent that helps users with recipes and cooking.',
        supportedInterfaces: cardV10.supportedInterfaces,
        provider: { organization: 'Acme Foods', url: 'https://acme.example' },
        version: '2.1.0',
        documentationUrl: 'https://acme.example/docs/recipe-agent',
        capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: true },
        securitySchemes: cardV10.securitySchemes,
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain', 'application/json'],
        skills: [findRecipe],
        signatures: [signature],
        iconUrl: 'https://acme.example/recipe-agent.png',
        tags: ['a2a'],
        extensions: {
          a2a: {
            securityRequirements: [requirement],
            skills: { 'find-recipe': { securityRequirements: [requirement] } },
          },
        },
      },
    });
  });

  it('gives claims that, completed, pass checkAgentFacts and yield one endpoint per interface', () => {
    const valid = facts(only(planOf(cardV10)));
    expect(factsEndpoints(valid)).toEqual([
      { url: 'https://recipes.acme.example/a2a/v1', protocol: 'a2a', transport: 'JSONRPC', version: '1.0' },
      { url: 'https://recipes.acme.example/a2a/grpc', protocol: 'a2a', transport: 'GRPC', version: '1.0' },
    ]);
  });

  it('keeps signatures exactly as the card has them (verification is not the importer’s job)', () => {
    expect(only(planOf(cardV10)).claims.signatures).toBe(cardV10.signatures);
  });
});

describe('planA2aImport: fields the facts schema does not know', () => {
  it('puts unknown fields, at every level, under extensions.a2a in the card’s own shape', () => {
    const card = {
      ...cardV10,
      'x-vendor-tier': 'gold',
      authentication: { schemes: ['bearer'] },
      provider: { ...cardV10.provider, email: 'agents@acme.example' },
      capabilities: { ...cardV10.capabilities, voice: true },
      supportedInterfaces: [{ ...cardV10.supportedInterfaces[0], weight: 3 }],
    };
    const candidate = only(planOf(card));
    expect(candidate.claims.provider).toEqual(cardV10.provider);
    expect(candidate.claims.capabilities).toEqual(cardV10.capabilities);
    expect(candidate.claims.supportedInterfaces).toEqual([cardV10.supportedInterfaces[0]]);
    expect(candidate.claims.extensions).toEqual({
      a2a: {
        securityRequirements: [requirement],
        skills: { 'find-recipe': { securityRequirements: [requirement] } },
        'x-vendor-tier': 'gold',
        authentication: { schemes: ['bearer'] },
        provider: { email: 'agents@acme.example' },
        capabilities: { voice: true },
        supportedInterfaces: { '0': { weight: 3 } },
      },
    });
    expect(completed(candidate).ok).toBe(true);
  });

  it('moves known fields whose values do not fit the schema to extensions.a2a instead of failing', () => {
    const card = {
      name: 'Odd Agent',
      url: 'https://odd.example/a2a',
      version: 3,
      iconUrl: '',
      defaultInputModes: 'text/plain',
      capabilities: { streaming: 'yes', pushNotifications: false },
      skills: [{ name: 'no id' }, { id: 'ok', name: 'OK', tags: 'not-a-list' }],
      additionalInterfaces: [{ url: 'https://odd.example/grpc' }, { url: 'https://odd.example/json', transport: 'HTTP+JSON' }],
    };
    const candidate = only(planOf(card));
    expect(candidate.claims).toEqual({
      label: 'Odd Agent',
      url: 'https://odd.example/a2a',
      capabilities: { pushNotifications: false },
      skills: [{ id: 'ok', name: 'OK' }],
      additionalInterfaces: [{ url: 'https://odd.example/json', transport: 'HTTP+JSON' }],
      tags: ['a2a'],
      extensions: {
        a2a: {
          version: 3,
          iconUrl: '',
          defaultInputModes: 'text/plain',
          capabilities: { streaming: 'yes' },
          skills: { '#0': { name: 'no id' }, ok: { tags: 'not-a-list' } },
          additionalInterfaces: { '0': { url: 'https://odd.example/grpc' } },
        },
      },
    });
    expect(completed(candidate).ok).toBe(true);
  });

  it('keeps hostile field names (__proto__, constructor) as plain data', () => {
    const card = JSON.parse(
      '{"name":"Proto Agent","url":"https://proto.example/a2a","__proto__":{"polluted":true},"provider":{"organization":"P","constructor":"c","toString":"t"}}',
    ) as unknown;
    const candidate = only(planOf(card));
    const a2a = (candidate.claims.extensions as { a2a: Record<string, unknown> }).a2a;
    expect(Object.hasOwn(a2a, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(a2a)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(a2a))).toEqual(JSON.parse('{"__proto__":{"polluted":true},"provider":{"constructor":"c","toString":"t"}}'));
    expect(candidate.claims.provider).toEqual({ organization: 'P' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(completed(candidate).ok).toBe(true);
  });

  it('truncates overlong descriptions at a word boundary with an ellipsis', () => {
    const card = {
      ...cardV10,
      description: `${'cooking '.repeat(1100)}end`,
      skills: [{ ...findRecipe, description: `${'recipes '.repeat(600)}end` }],
    };
    const candidate = only(planOf(card));
    const description = candidate.claims.description as string;
    expect(description.length).toBeLessThanOrEqual(8192);
    expect(description.endsWith('cooking…')).toBe(true);
    const skill = (candidate.claims.skills as { description: string }[])[0]!;
    expect(skill.description.length).toBeLessThanOrEqual(4096);
    expect(skill.description.endsWith('recipes…')).toBe(true);
    expect(completed(candidate).ok).toBe(true);
  });
});

// --- names -----------------------------------------------------------------------------------

describe('planA2aImport: names', () => {
  it('uses origin.namespace over any host in the card', () => {
    expect(only(planOf(cardV10, { namespace: 'acme.example', url: 'https://other.example/' })).name).toBe('agent://acme.example/recipe-agent');
  });

  it('falls back to the host of origin.url when the card has only a local interface URL', () => {
    const card = { ...cardV10, supportedInterfaces: [{ url: 'http://localhost:9999/', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] };
    const candidate = only(planOf(card, { url: 'https://agents.acme.example/.well-known/agent-card.json' }));
    expect(candidate.name).toBe('agent://agents.acme.example/recipe-agent');
  });

  it('skips a card whose only host names nobody, with the reason', () => {
    const card = { ...cardV03, url: 'http://127.0.0.1:8080/', additionalInterfaces: undefined };
    const plan = planOf(card);
    expect(plan.candidates).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        source: 'GeoSpatial Route Planner Agent',
        reason:
          'NAME_MALFORMED: no namespace for the card: the host "127.0.0.1" of "http://127.0.0.1:8080/" is a local name or an IP address, which names nobody; pass origin.namespace',
      },
    ]);
  });

  it('skips a card with no interface URL and no origin', () => {
    const plan = planOf({ name: 'Lonely', skills: [] });
    expect(plan.skipped[0]?.reason).toBe(
      'NAME_MALFORMED: no namespace for the card: the card has no interface URL and no origin was given; pass origin.namespace',
    );
  });

  it('skips a card whose name has nothing left after normalization, with the NAME_* code', () => {
    const plan = planOf({ ...cardV10, name: '¿¡!?' });
    expect(plan.skipped).toEqual([
      { source: '¿¡!?', reason: 'NAME_EMPTY_LABEL: the path "¿¡!?" is empty after normalization to lowercase letters, digits and hyphens' },
    ]);
  });

  it('reads an array of cards, keeping the first of a duplicated name and skipping non-cards', () => {
    const plan = planOf([cardV03, cardV10, { ...cardV10, name: 'recipe_agent', description: 'copy' }, 'not a card']);
    expect(plan.candidates.map((c) => c.name)).toEqual([
      'agent://georoute-agent.example.com/geospatial-route-planner-agent',
      'agent://recipes.acme.example/recipe-agent',
    ]);
    expect(plan.skipped).toEqual([
      { source: 'recipe_agent', reason: 'duplicate of Recipe Agent' },
      { source: 'card #3', reason: 'not an A2A AgentCard: expected an object with a "name" and interfaces, skills or capabilities' },
    ]);
    for (const candidate of plan.candidates) expect(completed(candidate).ok).toBe(true);
  });

  it('accepts an empty array', () => {
    expect(planOf([])).toEqual({ candidates: [], skipped: [] });
  });
});

describe('planA2aImport: refusals', () => {
  it.each([
    ['a number', 42],
    ['a string', 'https://acme.example/.well-known/agent-card.json'],
    ['null', null],
    ['an empty object', {}],
    ['an object with only a name', { name: 'Recipe Agent' }],
    ['an MCP server.json', { name: 'io.github.o/server', description: 'x', packages: [] }],
    ['an array of non-cards', [1, { title: 'x' }]],
  ])('refuses %s with IMPORT_UNSUPPORTED_SHAPE', (_label, document) => {
    const result = planA2aImport(document);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.code).toBe('IMPORT_UNSUPPORTED_SHAPE');
  });
});
