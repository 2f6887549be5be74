import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Result } from '../errors.js';
import { isCanonicalAgentName } from '../name/index.js';
import { checkAgentFacts } from '../record/agent-facts.js';
import { planMcpImport, type ImportCandidate, type ImportPlan } from './index.js';

const AGENT_ID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const SEED_URL = new URL('../../../../shared/data/mcp-registry-seed.json', import.meta.url);
const seed = JSON.parse(readFileSync(SEED_URL, 'utf8')) as Record<string, unknown>[];
const SAMPLE_URL = new URL('../../../examples/mcp-registry-sample.json', import.meta.url);

function planOf(document: unknown): ImportPlan {
  const result = planMcpImport(document);
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function completed(candidate: ImportCandidate): Result<unknown> {
  return checkAgentFacts({ ...candidate.claims, type: 'AgentFacts', v: 1, id: AGENT_ID, agent_name: candidate.name });
}

function only(plan: ImportPlan): ImportCandidate {
  expect(plan.skipped).toEqual([]);
  expect(plan.candidates).toHaveLength(1);
  return plan.candidates[0]!;
}

describe('planMcpImport: the registry seed (older export shape)', () => {
  const plan = planOf(seed);

  it('reads the seed from the shared data folder', () => {
    expect(fileURLToPath(SEED_URL)).toMatch(/\/shared\/data\/mcp-registry-seed\.json$/);
    expect(seed).toHaveLength(471);
  });

  it('ships a sample of it for the quickstart: entries of the seed, unchanged; 50 servers and one empty entry', () => {
    const sample = JSON.parse(readFileSync(SAMPLE_URL, 'utf8')) as Record<string, unknown>[];
    const seedEntries = new Set(seed.map((entry) => JSON.stringify(entry)));
    expect(sample).toHaveLength(51);
    for (const entry of sample) expect(seedEntries.has(JSON.stringify(entry)), String(entry.name)).toBe(true);
    const samplePlan = planOf(sample);
    expect(samplePlan.candidates).toHaveLength(50);
    expect(samplePlan.skipped.map((skipped) => skipped.reason)).toEqual(['NAME_EMPTY: the server entry has no name']);
    expect(samplePlan.candidates.filter((candidate) => /filesystem/i.test(candidate.name)).length).toBeGreaterThan(0);
  });

  it('accounts for every entry: imported or skipped', () => {
    expect(plan.candidates.length + plan.skipped.length).toBe(471);
    expect(plan.candidates).toHaveLength(464);
  });

  it('skips only the seven nameless entries, each with a precise reason', () => {
    expect(plan.skipped).toHaveLength(7);
    for (const skipped of plan.skipped) {
      expect(skipped.source).toMatch(/^entry #\d+$/);
      expect(skipped.reason).toBe('NAME_EMPTY: the server entry has no name');
    }
  });

  it('gives every candidate claims that, completed, pass checkAgentFacts', () => {
    const failures = plan.candidates
      .map((c) => ({ source: c.source, result: completed(c) }))
      .filter((f) => !f.result.ok)
      .map((f) => ({ source: f.source, problems: f.result.ok ? [] : f.result.problems }));
    expect(failures).toEqual([]);
  });

  it('gives unique canonical names', () => {
    const names = plan.candidates.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(isCanonicalAgentName(name), name).toBe(true);
  });

  it('never lets claims carry the fields the caller adds', () => {
    for (const c of plan.candidates) {
      for (const field of ['type', 'v', 'id', 'agent_name']) expect(Object.hasOwn(c.claims, field)).toBe(false);
    }
  });

  it('maps io.github.21st-dev/magic-mcp exactly', () => {
    const magic = plan.candidates.find((c) => c.source === 'io.github.21st-dev/magic-mcp');
    const description =
      "It's like v0 but in your Cursor/WindSurf/Cline. 21st dev Magic MCP server for working with your frontend like Magic";
    expect(magic).toEqual({
      source: 'io.github.21st-dev/magic-mcp',
      name: 'agent://21st-dev.github.io/magic-mcp',
      claims: {
        label: 'magic-mcp',
        description,
        version: '0.0.1-seed',
        provider: { name: '21st-dev', url: 'https://github.com/21st-dev/magic-mcp' },
        documentationUrl: 'https://github.com/21st-dev/magic-mcp',
        tags: ['mcp', 'npm'],
        skills: [{ id: 'mcp-server', name: 'magic-mcp', description }],
        endpoints: { static: [{ url: 'pkg:npm/%4021st-dev/magic@0.0.46', protocol: 'mcp', transport: 'stdio' }] },
        extensions: {
          mcp: {
            name: 'io.github.21st-dev/magic-mcp',
            repository: { url: 'https://github.com/21st-dev/magic-mcp', source: 'github', id: '935450522' },
            packages: [
              {
                registryType: 'npm',
                identifier: '@21st-dev/magic',
                version: '0.0.46',
                transport: { type: 'stdio' },
                environmentVariables: ['API_KEY'],
              },
            ],
          },
        },
      },
    });
  });

  it('keeps the sse remote of the azure entry (and gives its unknown-registry package no endpoint)', () => {
    const azure = plan.candidates.find((c) => c.source === 'io.github.azure/azure-mcp');
    expect(azure?.name).toBe('agent://azure.github.io/azure-mcp');
    expect(azure?.claims.endpoints).toEqual({ static: [{ url: 'http://localhost:5008/sse', protocol: 'mcp', transport: 'sse' }] });
    expect(azure?.claims.tags).toEqual(['mcp']);
  });

  it('infers sse for a remote with an empty transport_type whose path ends in /sse', () => {
    const xiyan = plan.candidates.find((c) => c.source === 'io.github.xgenerationlab/xiyan_mcp_server');
    expect(xiyan?.name).toBe('agent://xgenerationlab.github.io/xiyan-mcp-server');
    expect(xiyan?.claims.endpoints).toEqual({ static: [{ url: 'http://localhost:8000/sse', protocol: 'mcp', transport: 'sse' }] });
  });

  it('normalizes underscores in the server label to hyphens', () => {
    const names = plan.candidates.map((c) => c.name);
    expect(names).toContain('agent://bazinga012.github.io/mcp-code-executor');
    expect(names.every((n) => !n.includes('_'))).toBe(true);
  });

  it('keeps environment variable names only, never their descriptions or values', () => {
    for (const c of plan.candidates) {
      const packages = ((c.claims.extensions as { mcp: { packages?: { environmentVariables?: unknown[] }[] } }).mcp.packages ?? []);
      for (const p of packages) for (const v of p.environmentVariables ?? []) expect(typeof v).toBe('string');
    }
    const withTokenDescription = plan.candidates.find((c) => c.source === 'io.github.21st-dev/magic-mcp');
    expect(JSON.stringify(withTokenDescription)).not.toContain('${input:apiKey}');
  });

  it('keeps argument descriptors without their values or defaults', () => {
    for (const c of plan.candidates) {
      const packages = (c.claims.extensions as { mcp: { packages?: { packageArguments?: Record<string, unknown>[] }[] } }).mcp.packages ?? [];
      for (const p of packages) {
        for (const argument of p.packageArguments ?? []) {
          expect(Object.hasOwn(argument, 'value')).toBe(false);
          expect(Object.hasOwn(argument, 'default')).toBe(false);
        }
      }
    }
  });

  it('builds package URLs only for packages valid in a known registry', () => {
    const urls = plan.candidates.flatMap((c) => ((c.claims.endpoints as { static: { url: string }[] } | undefined)?.static ?? []).map((e) => e.url));
    const purls = urls.filter((u) => u.startsWith('pkg:'));
    expect(purls.every((u) => /^pkg:(npm|pypi|docker)\//.test(u))).toBe(true);
    expect(purls).toContain('pkg:pypi/mcp-clickhouse@0.1.7');
    expect(purls).toContain('pkg:docker/grafana/mcp-grafana');
    // "TBXark/mcp-proxy" is not an npm package name: no endpoint for it, only its remote.
    const proxy = plan.candidates.find((c) => c.source === 'io.github.tbxark/mcp-proxy');
    expect(proxy?.claims.endpoints).toEqual({
      static: [{ url: 'https://mcp.amap.com/sse?key=<YOUR_TOKEN>', protocol: 'mcp', transport: 'sse' }],
    });
  });

  it('is deterministic', () => {
    expect(planOf(seed)).toEqual(plan);
  });
});

// --- the current server.json shape ----------------------------------------------------------

const weather = {
  $schema: 'https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json',
  name: 'io.github.acme-corp/weather',
  title: 'Acme Weather',
  description: 'Forecasts and severe-weather alerts for any city.',
  version: '1.4.2',
  websiteUrl: 'https://weather.acme.example/docs',
  repository: { url: 'https://github.com/acme-corp/weather-mcp', source: 'github' },
  icons: [{ src: 'https://weather.acme.example/icon.png', mimeType: 'image/png', sizes: ['64x64'] }],
  packages: [
    {
      registryType: 'npm',
      registryBaseUrl: 'https://registry.npmjs.org',
      identifier: '@acme/weather-mcp',
      version: '1.4.2',
      transport: { type: 'stdio' },
      environmentVariables: [
        { name: 'WEATHER_API_KEY', description: 'Your key, e.g. sk-live-123', isRequired: true, isSecret: true, value: 'sk-should-not-leak' },
      ],
      packageArguments: [
        { type: 'named', name: '--units', description: 'metric or imperial', isRequired: false, default: 'celsius-default', value: 'kelvin-value' },
      ],
    },
    { registryType: 'pypi', identifier: 'Acme_Weather', version: '1.4.2', runtimeHint: 'uvx', transport: { type: 'stdio' } },
    { registryType: 'oci', identifier: 'ghcr.io/acme-corp/weather-mcp:1.4.2', transport: { type: 'stdio' } },
  ],
  remotes: [
    {
      type: 'streamable-http',
      url: 'https://mcp.acme.example/weather',
      headers: [{ name: 'Authorization', description: 'Bearer token', isSecret: true, value: 'Bearer very-secret' }],
    },
  ],
};

const weatherClaims = {
  label: 'Acme Weather',
  description: 'Forecasts and severe-weather alerts for any city.',
  version: '1.4.2',
  provider: { name: 'acme-corp', url: 'https://github.com/acme-corp/weather-mcp' },
  documentationUrl: 'https://weather.acme.example/docs',
  iconUrl: 'https://weather.acme.example/icon.png',
  tags: ['mcp', 'npm', 'pypi', 'oci'],
  skills: [{ id: 'mcp-server', name: 'Acme Weather', description: 'Forecasts and severe-weather alerts for any city.' }],
  endpoints: {
    static: [
      { url: 'https://mcp.acme.example/weather', protocol: 'mcp', transport: 'streamable-http' },
      { url: 'pkg:npm/%40acme/weather-mcp@1.4.2', protocol: 'mcp', transport: 'stdio' },
      { url: 'pkg:pypi/acme-weather@1.4.2', protocol: 'mcp', transport: 'stdio' },
      { url: 'pkg:docker/acme-corp/weather-mcp@1.4.2?repository_url=ghcr.io', protocol: 'mcp', transport: 'stdio' },
    ],
  },
  extensions: {
    mcp: {
      name: 'io.github.acme-corp/weather',
      repository: { url: 'https://github.com/acme-corp/weather-mcp', source: 'github' },
      packages: [
        {
          registryType: 'npm',
          identifier: '@acme/weather-mcp',
          version: '1.4.2',
          registryBaseUrl: 'https://registry.npmjs.org',
          transport: { type: 'stdio' },
          environmentVariables: ['WEATHER_API_KEY'],
          packageArguments: [{ type: 'named', name: '--units', description: 'metric or imperial', isRequired: false }],
        },
        { registryType: 'pypi', identifier: 'Acme_Weather', version: '1.4.2', runtimeHint: 'uvx', transport: { type: 'stdio' } },
        { registryType: 'oci', identifier: 'ghcr.io/acme-corp/weather-mcp:1.4.2', transport: { type: 'stdio' } },
      ],
      remotes: [{ type: 'streamable-http', url: 'https://mcp.acme.example/weather', headers: ['Authorization'] }],
    },
  },
};

describe('planMcpImport: the current server.json shape', () => {
  it('maps a single server.json exactly', () => {
    const candidate = only(planOf(weather));
    expect(candidate).toEqual({ source: 'io.github.acme-corp/weather', name: 'agent://acme-corp.github.io/weather', claims: weatherClaims });
    expect(completed(candidate).ok).toBe(true);
  });

  it('never copies values or defaults of variables, headers or arguments', () => {
    const text = JSON.stringify(planOf(weather));
    for (const secret of ['sk-should-not-leak', 'sk-live-123', 'Bearer very-secret', 'Bearer token', 'celsius-default', 'kelvin-value']) {
      expect(text).not.toContain(secret);
    }
  });

  it('accepts a bare array of servers', () => {
    expect(only(planOf([weather])).claims).toEqual(weatherClaims);
  });

  it('turns any reverse-DNS namespace around, and names a non-code-host provider by its domain', () => {
    const candidate = only(planOf({ name: 'com.Example.Tools/Search Engine!', description: 'Finds things.', version: '2.0.0' }));
    expect(candidate.name).toBe('agent://tools.example.com/search-engine');
    expect(candidate.claims.label).toBe('Search Engine!');
    expect(candidate.claims.provider).toEqual({ name: 'tools.example.com' });
    expect(candidate.claims.version).toBe('2.0.0');
    expect(completed(candidate).ok).toBe(true);
  });

  it('maps streamable-http and sse remotes, keeping a URL template in extensions only', () => {
    const candidate = only(
      planOf({
        name: 'io.github.o/remote',
        remotes: [
          { type: 'sse', url: 'https://o.example/sse' },
          { type: 'streamable-http', url: 'https://o.example/mcp' },
          { type: 'streamable-http', url: 'https://{region}.o.example/mcp', variables: { region: { description: 'eu or us', default: 'eu' } } },
        ],
      }),
    );
    expect(candidate.claims.endpoints).toEqual({
      static: [
        { url: 'https://o.example/sse', protocol: 'mcp', transport: 'sse' },
        { url: 'https://o.example/mcp', protocol: 'mcp', transport: 'streamable-http' },
      ],
    });
    expect((candidate.claims.extensions as { mcp: { remotes: unknown } }).mcp.remotes).toEqual([
      { type: 'sse', url: 'https://o.example/sse' },
      { type: 'streamable-http', url: 'https://o.example/mcp' },
      { type: 'streamable-http', url: 'https://{region}.o.example/mcp', variables: ['region'] },
    ]);
  });

  it('truncates a description longer than the schema allows at a word boundary, with an ellipsis', () => {
    const long = `${'weather '.repeat(1200)}end`;
    const candidate = only(planOf({ name: 'io.github.o/long', description: long }));
    const description = candidate.claims.description as string;
    expect(description.length).toBeLessThanOrEqual(8192);
    expect(description.endsWith('weather…')).toBe(true);
    const skills = candidate.claims.skills as { description: string }[];
    expect(skills[0]!.description.length).toBeLessThanOrEqual(4096);
    expect(skills[0]!.description.endsWith('weather…')).toBe(true);
    expect(completed(candidate).ok).toBe(true);
  });

  it('truncates an overlong server label to 63 octets', () => {
    const candidate = only(planOf({ name: `io.github.o/${'x'.repeat(70)}-tail` }));
    expect(candidate.name).toBe(`agent://o.github.io/${'x'.repeat(63)}`);
  });
});

describe('planMcpImport: the registry API wrapper', () => {
  const official = (isLatest: boolean, status = 'active') => ({
    'io.modelcontextprotocol.registry/official': { status, publishedAt: '2025-09-01T00:00:00Z', isLatest },
  });

  it('reads {servers: [{server, _meta}]}', () => {
    const candidate = only(planOf({ servers: [{ server: weather, _meta: official(true) }], metadata: { count: 1 } }));
    expect(candidate.claims).toEqual(weatherClaims);
  });

  it('reads a single {server, _meta} item', () => {
    expect(only(planOf({ server: weather, _meta: official(true) })).claims).toEqual(weatherClaims);
  });

  it('skips superseded and deleted versions, so the latest one keeps the name', () => {
    const old = { ...weather, version: '1.0.0' };
    const gone = { ...weather, name: 'io.github.acme-corp/gone' };
    const plan = planOf({
      servers: [
        { server: old, _meta: official(false) },
        { server: weather, _meta: official(true) },
        { server: gone, _meta: official(true, 'deleted') },
      ],
    });
    expect(plan.candidates.map((c) => [c.name, c.claims.version])).toEqual([['agent://acme-corp.github.io/weather', '1.4.2']]);
    expect(plan.skipped).toEqual([
      { source: 'io.github.acme-corp/weather', reason: 'not the latest version of this server (the registry marks it as superseded)' },
      { source: 'io.github.acme-corp/gone', reason: 'deleted from the registry (status "deleted")' },
    ]);
  });

  it('accepts an empty server list', () => {
    expect(planOf({ servers: [] })).toEqual({ candidates: [], skipped: [] });
  });
});

describe('planMcpImport: refusals and skips', () => {
  it.each([
    ['a number', 42],
    ['a string', 'io.github.o/server'],
    ['null', null],
    ['an empty object', {}],
    ['an object of another shape', { tools: [] }],
    ['an array of non-servers', [1, 'two', { title: 'no name' }]],
  ])('refuses %s with IMPORT_UNSUPPORTED_SHAPE', (_label, document) => {
    const result = planMcpImport(document);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.code).toBe('IMPORT_UNSUPPORTED_SHAPE');
  });

  it('skips entries whose name is unusable, with the NAME_* code and detail', () => {
    const plan = planOf([
      { name: 'io.github.o/ok' },
      { name: 'io.github.o/___' },
      { name: 'no-slash-here' },
      { name: 'io..github/x' },
      { name: `com.${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}/${'d'.repeat(63)}` },
      { name: 42 },
      'not an object',
    ]);
    expect(plan.candidates.map((c) => c.name)).toEqual(['agent://o.github.io/ok']);
    const reasons = plan.skipped.map((s) => [s.source, s.reason.split(':')[0]]);
    expect(reasons).toEqual([
      ['io.github.o/___', 'NAME_EMPTY_LABEL'],
      ['no-slash-here', 'NAME_MISSING_PATH'],
      ['io..github/x', 'NAME_EMPTY_LABEL'],
      [expect.stringMatching(/^com\.a+/), 'NAME_TOO_LONG'],
      ['entry #5', 'NAME_EMPTY'],
      ['entry #6', 'not an MCP server entry'],
    ]);
    expect(plan.skipped[0]?.reason).toBe(
      'NAME_EMPTY_LABEL: the path "___" is empty after normalization to lowercase letters, digits and hyphens',
    );
    expect(plan.skipped[1]?.reason).toBe(
      'NAME_MISSING_PATH: the server name "no-slash-here" has no "/<server>" after its reverse-DNS namespace',
    );
  });

  it('keeps the first of several entries that map to one name and skips the others as duplicates', () => {
    const plan = planOf([{ name: 'io.github.Foo/Bar_Baz' }, { name: 'io.github.foo/bar-baz' }, { name: 'io.github.foo/bar.baz' }]);
    expect(plan.candidates.map((c) => [c.source, c.name])).toEqual([['io.github.Foo/Bar_Baz', 'agent://foo.github.io/bar-baz']]);
    expect(plan.skipped).toEqual([
      { source: 'io.github.foo/bar-baz', reason: 'duplicate of io.github.Foo/Bar_Baz' },
      { source: 'io.github.foo/bar.baz', reason: 'duplicate of io.github.Foo/Bar_Baz' },
    ]);
  });

  it('skips an entry whose claims would not be valid AgentFacts, with the facts problem', () => {
    const plan = planOf([{ name: 'io.github.o/huge', description: 'x', packages: Array.from({ length: 20 }, () => ({ registry_name: 'unknown', name: 'y'.repeat(4000) })) }]);
    expect(plan.candidates).toEqual([]);
    expect(plan.skipped[0]?.reason).toMatch(/^FACTS_INVALID: facts are \d+ bytes; the limit is 65536$/);
  });
});
