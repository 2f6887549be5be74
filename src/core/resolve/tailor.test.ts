import { describe, expect, it } from 'vitest';
import type { DeploymentInstance } from '../record/deployment.js';
import { checkRequiredContext, haversineKm, instancesOfEndpoints, tailor, versionSatisfies } from './tailor.js';

const boston = { latitude: 42.3601, longitude: -71.0589 };
const berlin = { latitude: 52.52, longitude: 13.405 };
const instances: DeploymentInstance[] = [
  { id: 'us-east-1', url: 'https://us.mbta.example/a2a', protocol: 'a2a', version: '2.1.0', country: 'US', city: 'Boston', latitude: 42.35, longitude: -71.05, capacity: 100, load: 20, cost: 0.01 },
  { id: 'eu-central-1', url: 'https://eu.mbta.example/a2a', protocol: 'a2a', version: '2.1.0', country: 'DE', city: 'Frankfurt', latitude: 50.11, longitude: 8.68, capacity: 100, load: 10, cost: 0.02 },
  { id: 'us-east-2', url: 'https://us2.mbta.example/mcp', protocol: 'mcp', version: '1.0.0', country: 'US', latitude: 40.7, longitude: -74.0 },
];

describe('tailor', () => {
  it('gives Boston and Berlin the instance nearest to each, and says why', () => {
    expect(tailor(instances, { protocol: 'a2a', ...boston }).instance?.id).toBe('us-east-1');
    const fromBerlin = tailor(instances, { protocol: 'a2a', ...berlin });
    expect(fromBerlin.instance?.id).toBe('eu-central-1');
    expect(fromBerlin.selectedBy).toEqual(['healthy: 3 of 3', 'below capacity: 3 of 3', 'protocol a2a: 2 of 3', expect.stringMatching(/^nearest, load-aware: eu-central-1 \(4\d\d km, load 10%\); next us-east-1 \(6,\d{3} km, load 20%\)$/)]);
  });

  it('is load-aware, leaves out the unhealthy and the full, and refuses by constraint rather than handing out a wrong one', () => {
    const busy = instances.map((i) => (i.id === 'us-east-1' ? { ...i, load: 99 } : i));
    // 99% load doubles Boston's distance to the US instance (a few km): still nearer than Frankfurt.
    expect(tailor(busy, { protocol: 'a2a', ...boston }).instance?.id).toBe('us-east-1');
    expect(tailor(busy.map((i) => (i.id === 'us-east-1' ? { ...i, load: 100 } : i)), { protocol: 'a2a', ...boston }).instance?.id).toBe('eu-central-1');
    expect(tailor(instances.map((i) => ({ ...i, healthy: i.id !== 'us-east-1' })), { protocol: 'a2a', ...boston }).instance?.id).toBe('eu-central-1');
    expect(tailor(instances, { protocol: 'a2a', maxCost: 0.015, ...berlin }).instance?.id).toBe('us-east-1');
    expect(tailor(instances, { protocol: 'a2a', version: '>=3' }).instance).toBeNull();
    expect(tailor(instances, { protocol: 'grpc' })).toMatchObject({ instance: null, selectedBy: expect.arrayContaining(['protocol grpc: 0 of 3']) });
  });

  it('without coordinates: same country counts as near; ties go to the cheaper, then by id', () => {
    expect(tailor(instances, { protocol: 'a2a', country: 'de' }).instance?.id).toBe('eu-central-1');
    const twins: DeploymentInstance[] = [
      { id: 'b', url: 'https://b.example', protocol: 'a2a' },
      { id: 'a', url: 'https://a.example', protocol: 'a2a' },
    ];
    expect(tailor(twins, {}).instance?.id).toBe('a');
    expect(tailor([{ ...twins[1]!, cost: 2 }, twins[0]!], {}).instance?.id).toBe('b');
  });

  it('versions: prefix or comparators', () => {
    expect(versionSatisfies('2.1.0', '2')).toBe(true);
    expect(versionSatisfies('2.1.0', '2.1')).toBe(true);
    expect(versionSatisfies('2.10.0', '2.1')).toBe(false);
    expect(versionSatisfies('2.1.0', '>=2.1 <3')).toBe(true);
    expect(versionSatisfies('3.0.0', '>=2.1 <3')).toBe(false);
    expect(versionSatisfies('2.1.0', '~2')).toBe(false);
  });

  it('required context: every field the facts require must be given; location is latitude and longitude', () => {
    expect(checkRequiredContext(['country', 'requester'], { country: 'US', requester: 'did:key:z6Mk' }).ok).toBe(true);
    const missing = checkRequiredContext(['country', 'location', 'requester'], { latitude: 1 });
    expect(missing).toMatchObject({ ok: false, problems: [{ code: 'REQUIRED_CONTEXT_MISSING', detail: expect.stringContaining('country, location, requester') }] });
    expect(checkRequiredContext(undefined, {}).ok).toBe(true);
  });

  it('facts endpoints stand in for instances; distances are great-circle', () => {
    expect(instancesOfEndpoints([{ protocol: 'a2a', url: 'https://x.example', version: 'v2' }])).toEqual([{ id: 'endpoint-1', url: 'https://x.example', protocol: 'a2a' }]);
    expect(Math.round(haversineKm(boston.latitude, boston.longitude, berlin.latitude, berlin.longitude))).toBe(6081);
  });
});
