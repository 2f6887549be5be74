/**
 * Tailored endpoints over a real registry process: the agent publishes where it runs with
 * `signpost deploy`, requesters in Boston and Berlin get different instances from POST /v1/resolve,
 * and a bad instances file is refused before anything is sent.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryFixture, runCli } from './support.js';

const NAME = 'agent://dataworksai.com/mbta-transit-ci/planner';
const fixture = registryFixture('tailored');

describe('signpost deploy and POST /v1/resolve', () => {
  it('publishes the instances; Boston and Berlin get the nearest, each with a token', async () => {
    const key = join(fixture.work, 'planner.jwk');
    expect((await runCli(['keygen', '--out', key], fixture.env)).code).toBe(0);
    expect((await runCli(['register', '--key', key, '--name', NAME, '--endpoint', 'a2a=https://us.mbta.example/planner'], fixture.env)).stderr).toBe('');
    const instances = join(fixture.work, 'instances.json');
    await writeFile(
      instances,
      JSON.stringify([
        { id: 'boston-1', url: 'https://us.mbta.example/planner', protocol: 'a2a', latitude: 42.35, longitude: -71.06, capacity: 100, load: 30 },
        { id: 'frankfurt-1', url: 'https://eu.mbta.example/planner', protocol: 'a2a', latitude: 50.11, longitude: 8.68, capacity: 100, load: 10 },
      ]),
    );
    const deployed = await runCli(['deploy', NAME, '--key', key, '--file', instances], fixture.env);
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toMatch(/^agent:\/\/dataworksai\.com\/mbta-transit-ci\/planner runs 2 instances: boston-1, frankfurt-1 \(sequence \d+\)\n$/);

    const ask = async (latitude: number, longitude: number) => {
      const response = await fetch(`${fixture.server.url}/v1/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: NAME, context: { latitude, longitude, requester: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' } }) });
      return (await response.json()) as { endpoint: { id: string }; token: string };
    };
    const boston = await ask(42.36, -71.06);
    const berlin = await ask(52.52, 13.4);
    expect([boston.endpoint.id, berlin.endpoint.id]).toEqual(['boston-1', 'frankfurt-1']);
    expect(boston.token.split('.')).toHaveLength(3);

    // Two instances with one id: refused before it is sent, and the published record stays.
    await writeFile(instances, JSON.stringify([{ id: 'x', url: 'https://a.example', protocol: 'a2a' }, { id: 'x', url: 'https://b.example', protocol: 'a2a' }]));
    const refused = await runCli(['deploy', NAME, '--key', key, '--file', instances], fixture.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('RECORD_INVALID');
    expect((await ask(42.36, -71.06)).endpoint.id).toBe('boston-1');
  });
});
