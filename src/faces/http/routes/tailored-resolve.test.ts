/**
 * Tailored endpoints over HTTP, in process with a fake clock: an agent publishes where it runs
 * (PUT /v1/agents/:name/deployment), requesters in Boston and Berlin get different instances from
 * POST /v1/resolve with a signed endpoint token each, which the agent checks offline. Bad
 * deployments and missing required context are refused and change nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDeployment, type DeploymentInstance } from '../../../core/record/deployment.js';
import { Registry } from '../../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../../core/test-support/agents.js';
import { verifyEndpointToken } from '../../../core/trust/endpoint-token.js';
import { MemoryRecordStore } from '../../../store/memory/memory-store.js';
import { buildHttpFace, type HttpApp } from '../server.js';

const NAME = 'agent://dataworksai.com/mbta-transit-ci/planner';
const agent = testKey(1);
const registryKey = testKey(9);
const bostonRequester = testKey(3).did;
const berlinRequester = testKey(4).did;
const INSTANCES: DeploymentInstance[] = [
  { id: 'us-east-1', url: 'https://us.mbta.example/a2a', protocol: 'a2a', version: '2.1.0', country: 'US', city: 'Boston', latitude: 42.35, longitude: -71.05, capacity: 100, load: 20 },
  { id: 'eu-central-1', url: 'https://eu.mbta.example/a2a', protocol: 'a2a', version: '2.1.0', country: 'DE', city: 'Frankfurt', latitude: 50.11, longitude: 8.68, capacity: 100, load: 10 },
];
let app: HttpApp;

afterEach(async () => {
  await app?.close();
});

async function setup() {
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store: new MemoryRecordStore(), key: registryKey, clock });
  app = await buildHttpFace({ registry, clock });
  const registration = registrationFor(agent, NAME, 1, {
    claims: { label: 'Trip planner', endpoints: { static: [{ url: 'https://mbta.example/a2a', protocol: 'a2a' }] }, requiredContext: ['requester', 'location'] },
  });
  expect((await app.inject({ method: 'POST', url: '/v1/agents', payload: registration })).statusCode).toBe(201);
  const publish = (body: unknown) => app.inject({ method: 'PUT', url: `/v1/agents/${encodeURIComponent(NAME)}/deployment`, payload: body as object });
  const resolve = (context: object) => app.inject({ method: 'POST', url: '/v1/resolve', payload: { name: NAME, context } });
  return { clock, registry, publish, resolve };
}

describe('tailored endpoints', () => {
  it('Boston and Berlin get the nearest instance, why, and a token the agent checks offline', async () => {
    const { clock, publish, resolve } = await setup();
    expect((await publish(createDeployment(agent, NAME, INSTANCES, clock.now()))).statusCode).toBe(200);
    const boston = await resolve({ protocol: 'a2a', latitude: 42.36, longitude: -71.06, requester: bostonRequester });
    expect(boston.statusCode).toBe(200);
    expect(boston.headers['cache-control']).toBe('no-store');
    const fromBoston = boston.json();
    expect(fromBoston).toMatchObject({ endpoint: { id: 'us-east-1' }, deployment: { countersig: { by: registryKey.did } }, ownership: { status: 'unclaimed' } });
    expect(fromBoston.selectedBy.at(-1)).toMatch(/^nearest, load-aware: us-east-1/);
    const berlin = (await resolve({ protocol: 'a2a', latitude: 52.52, longitude: 13.4, requester: berlinRequester, purpose: 'plan-trip' })).json();
    expect(berlin.endpoint.id).toBe('eu-central-1');

    const expected = { registryKey: registryKey.did, agent: NAME, nowMs: clock.now() };
    expect(verifyEndpointToken(fromBoston.token, { ...expected, requester: bostonRequester, endpoint: 'https://us.mbta.example/a2a' })).toMatchObject({
      ok: true,
      value: { sub: bostonRequester, aud: NAME, agentId: agent.did, instance: 'us-east-1', purpose: 'invoke' },
    });
    expect(verifyEndpointToken(berlin.token, { ...expected, requester: berlinRequester, purpose: 'plan-trip' }).ok).toBe(true);
    // Presented by someone else, or after its 60 s: refused.
    expect(verifyEndpointToken(fromBoston.token, { ...expected, requester: berlinRequester })).toMatchObject({ ok: false, problems: [{ code: 'ENDPOINT_TOKEN_MISMATCH' }] });
    expect(verifyEndpointToken(fromBoston.token, { ...expected, requester: bostonRequester, nowMs: clock.now() + 70_000 })).toMatchObject({ ok: false, problems: [{ code: 'ENDPOINT_TOKEN_EXPIRED' }] });
  });

  it('refuses a request without the context the agent requires; without a deployment the facts endpoints are the instances', async () => {
    const { resolve } = await setup();
    const refused = await resolve({ protocol: 'a2a', latitude: 42.36 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'REQUIRED_CONTEXT_MISSING', detail: expect.stringContaining('requester, location') });
    const answered = (await resolve({ latitude: 42.36, longitude: -71.06, requester: bostonRequester })).json();
    expect(answered.endpoint).toMatchObject({ id: 'endpoint-1', url: 'https://mbta.example/a2a' });
    expect((await resolve({ latitude: 1, longitude: 1, requester: bostonRequester, protocol: 'grpc' })).json()).toMatchObject({ endpoint: null });
    expect((await resolve({ latitude: 1, longitude: 1, requester: 'not a did' })).statusCode).toBe(400);
  });

  it('a deployment signed by another key, replayed, stale or for another name is refused, and nothing changes', async () => {
    const { clock, registry, publish } = await setup();
    const first = createDeployment(agent, NAME, INSTANCES, clock.now());
    expect((await publish(first)).statusCode).toBe(200);
    const stored = JSON.stringify(await registry.storedState(NAME));
    const refusals: [unknown, string][] = [
      [createDeployment(testKey(2), NAME, INSTANCES, clock.now() + 1000), 'RECORD_SIGNATURE_INVALID'],
      [first, 'SEQUENCE_STALE'],
      [createDeployment(agent, NAME, INSTANCES, clock.now() - 10 * 60_000), 'RECORD_EXPIRED'],
      [createDeployment(agent, 'agent://dataworksai.com/other', INSTANCES, clock.now() + 1000), 'RECORD_NAME_MISMATCH'],
      [createDeployment(agent, NAME, [INSTANCES[0]!, INSTANCES[0]!], clock.now() + 1000), 'RECORD_INVALID'],
    ];
    for (const [body, code] of refusals) expect((await publish(body)).json(), code).toMatchObject({ code });
    expect(JSON.stringify(await registry.storedState(NAME))).toBe(stored);
    clock.advance(2000);
    const next = await publish(createDeployment(agent, NAME, [{ ...INSTANCES[0]!, load: 99 }], clock.now()));
    expect(next.json()).toMatchObject({ name: NAME, deployment: { payload: { instances: [{ load: 99 }] } } });
  });
});
