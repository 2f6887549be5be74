/**
 * GET /v1/resolve takes only the parameters its answer depends on, and every spelling of one request
 * shares one cached answer: a stream of distinct URLs must not grow the cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createStatusChange } from '../../../core/record/registration.js';
import { Registry } from '../../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import type { ResolveCacheLimits } from '../resolve-cache.js';
import { buildHttpFace, type HttpApp } from '../server.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

async function setup(resolveCache?: ResolveCacheLimits) {
  const clock = manualClock(T0 + 1000);
  app = await buildHttpFace({ registry: new Registry({ store: new MemoryRecordStore(), key: testKey(9), clock }), clock, ...(resolveCache ? { resolveCache } : {}) });
  const registered = await app.inject({ method: 'POST', url: '/v1/agents', payload: registrationFor(owner, NAME, 1) });
  expect(registered.statusCode).toBe(201);
}

/** The resolve cache's lines of /metrics, by series. */
async function cacheMetrics(): Promise<Record<string, number>> {
  const text = (await app.inject({ url: '/metrics' })).body;
  return Object.fromEntries([...text.matchAll(/^(signpost_resolve_cache\w*(?:\{[^}]*\})?) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

const resolve = (query: string) => app.inject({ url: `/v1/resolve?${query}` });

function expectRefused(response: Awaited<ReturnType<typeof resolve>>, detail: RegExp) {
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ code: 'REQUEST_INVALID', status: 400, detail: expect.stringMatching(detail) });
}

describe('GET /v1/resolve: query parameters', () => {
  it('refuses an unknown parameter, naming it, and caches nothing', async () => {
    await setup();
    const before = await cacheMetrics();
    expect(before).toMatchObject({ signpost_resolve_cache_entries: 0, signpost_resolve_cache_bytes: 0 });
    expectRefused(await resolve(`name=${encodeURIComponent(NAME)}&cachebuster=1`), /unknown query parameter "cachebuster"/);
    expectRefused(await resolve(`cachebuster=1&name=${encodeURIComponent(NAME)}`), /"cachebuster".*takes name, protocol, transport, version, region, maxCost/);
    expectRefused(await resolve(`name=${encodeURIComponent(NAME)}&=1`), /unknown query parameter ""/);
    expect(await cacheMetrics()).toEqual(before);
  });

  it('refuses a repeated parameter', async () => {
    await setup();
    const before = await cacheMetrics();
    expectRefused(await resolve(`name=${encodeURIComponent(NAME)}&name=agent%3A%2F%2Facme.com%2Fother`), /"name" is given 2 times/);
    expectRefused(await resolve(`name=${encodeURIComponent(NAME)}&protocol=a2a&protocol=mcp`), /"protocol" is given 2 times/);
    expect(await cacheMetrics()).toEqual(before);
  });

  it('search refuses unknown parameters too', async () => {
    await setup();
    expect((await app.inject({ url: '/v1/search?q=invoices' })).statusCode).toBe(200);
    const refused = await app.inject({ url: '/v1/search?q=invoices&cachebuster=1' });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().code).toBe('REQUEST_INVALID');
  });
});

describe('GET /v1/resolve: one cached answer per normalised request', () => {
  it('shares one stored answer between every spelling of the name and any order of the parameters', async () => {
    await setup();
    const spellings = [
      `name=${encodeURIComponent('AGENT://acme.com/billing/invoices')}&protocol=a2a`,
      `name=agent%3A%2F%2Facme.com%2Fbilling%2Finvoices&protocol=a2a`,
      `protocol=a2a&name=${encodeURIComponent('invoices.billing@acme.com')}`,
      `protocol=a2a&name=%61gent://ACME.com/billing/invoices`,
    ];
    const answers = [];
    for (const query of spellings) answers.push(await resolve(query));
    for (const answer of answers) expect(answer.statusCode).toBe(200);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]!.json()).toMatchObject({ name: NAME, context: { protocol: 'a2a' }, endpoint: { protocol: 'a2a' } });
    expect(await cacheMetrics()).toMatchObject({
      signpost_resolve_cache_entries: 1,
      'signpost_resolve_cache_total{result="miss"}': 1,
      'signpost_resolve_cache_total{result="hit"}': 3,
    });
    // Served again from the alias, not parsed again.
    expect((await resolve(spellings[3]!)).body).toBe(answers[0]!.body);
    expect((await cacheMetrics())['signpost_resolve_cache_total{result="hit"}']).toBe(4);
  });

  it('counts hints carried by an ANS name like the same parameters in the query', async () => {
    await setup();
    const fromHints = await resolve(`name=${encodeURIComponent('a2a://invoices.billing.acme.com.v2.prod')}`);
    const fromQuery = await resolve(`version=2&name=${encodeURIComponent(NAME)}&protocol=a2a`);
    expect(fromHints.statusCode).toBe(200);
    expect(fromQuery.body).toBe(fromHints.body);
    expect(fromHints.json().context).toEqual({ protocol: 'a2a', version: '2' });
    expect((await cacheMetrics()).signpost_resolve_cache_entries).toBe(1);
    // The query overrides a hint: another request, another answer.
    expect((await resolve(`name=${encodeURIComponent('a2a://invoices.billing.acme.com.v2.prod')}&protocol=mcp`)).json().context).toEqual({ protocol: 'mcp', version: '2' });
    expect((await cacheMetrics()).signpost_resolve_cache_entries).toBe(2);
  });

  it('stays within the configured entries, and a write of the name drops its answers and every spelling of them', async () => {
    await setup({ maxEntries: 2 });
    for (const protocol of ['a2a', 'mcp', 'https']) expect((await resolve(`name=${encodeURIComponent(NAME)}&protocol=${protocol}`)).statusCode).toBe(200);
    await resolve(`name=${encodeURIComponent('invoices.billing@acme.com')}&protocol=https`);
    expect(await cacheMetrics()).toMatchObject({ signpost_resolve_cache_entries: 2, 'signpost_resolve_cache_evictions_total{reason="capacity"}': 1 });

    const revoked = await app.inject({ method: 'POST', url: `/v1/agents/${encodeURIComponent(NAME)}/revoke`, payload: createStatusChange(owner, NAME, 'revoke', 'key leaked', T0 + 1000) });
    expect(revoked.statusCode).toBe(200);
    expect(await cacheMetrics()).toMatchObject({
      signpost_resolve_cache_entries: 0,
      signpost_resolve_cache_bytes: 0,
      'signpost_resolve_cache_evictions_total{reason="invalidated"}': 2,
    });
    expect((await resolve(`name=${encodeURIComponent('invoices.billing@acme.com')}&protocol=https`)).statusCode).toBe(410);
  });

  it('answers an agent too large for its share of the byte budget without caching it', async () => {
    await setup({ maxBytes: 64 * 1024, maxAnswerShare: 1 / 64 });
    expect((await resolve(`name=${encodeURIComponent(NAME)}`)).statusCode).toBe(200);
    expect((await resolve(`name=${encodeURIComponent(NAME)}`)).statusCode).toBe(200);
    expect(await cacheMetrics()).toMatchObject({
      signpost_resolve_cache_entries: 0,
      signpost_resolve_cache_bytes: 0,
      'signpost_resolve_cache_total{result="miss"}': 2,
    });
  });
});
