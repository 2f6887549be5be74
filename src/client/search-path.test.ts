/**
 * Split-horizon scenarios against real registries on loopback with a fake clock: private names
 * stay with their registry (also when asked from outside), other names go down the path in order,
 * each crossing is reported before it is made, and a failed report stops the lookup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import type { SigningKey } from '../core/trust/ed25519.js';
import type { HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { loopbackRegistry } from '../../test/support/loopback-registry.js';
import { SearchPathResolver, type BoundaryCrossingReport, type SearchPathEntry } from './search-path.js';

const clock = manualClock(T0 + 1000);
const PRIVATE = 'agent://corp.internal/hr/payroll';
const PUBLIC = 'agent://public.test/weather/forecast';
const apps: HttpApp[] = [];
let internal: SearchPathEntry;
let publicEntry: SearchPathEntry;

async function registry(name: string, key: SigningKey, names: readonly string[]): Promise<SearchPathEntry> {
  const { registry, app, hint } = await loopbackRegistry({ store: new MemoryRecordStore(), key, clock });
  apps.push(app);
  for (const agent of names) expect((await registry.register(registrationFor(testKey(1), agent, 1))).ok).toBe(true);
  return { name, ...hint };
}

/** The names each registry was asked to resolve, by origin. */
function recordingFetch() {
  const asked: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname === '/v1/resolve') asked.push(`${url.origin} ${url.searchParams.get('name')}`);
    return fetch(input, init);
  };
  return { asked, fetch: recording };
}

beforeAll(async () => {
  internal = { ...(await registry('internal', testKey(50), [PRIVATE])), privateNamespaces: ['corp.internal'] };
  publicEntry = await registry('public', testKey(51), [PUBLIC]);
});

afterAll(async () => {
  for (const app of apps) await app.close();
});

describe('SearchPathResolver', () => {
  it('asks the home registry first and the next only after reporting the crossing', async () => {
    const reports: BoundaryCrossingReport[] = [];
    const { asked, fetch: recording } = recordingFetch();
    const resolver = new SearchPathResolver({ entries: [internal, publicEntry], clock, fetch: recording, onBoundaryCrossed: async (report) => void reports.push(report) });
    expect(await resolver.resolve(PRIVATE, {}, 'did:key:z6MkAsker')).toMatchObject({ verified: true, searched: ['internal'] });
    const found = await resolver.resolve(PUBLIC, {}, 'did:key:z6MkAsker');
    expect(found).toMatchObject({ verified: true, searched: ['internal', 'public'], authority: { url: publicEntry.url } });
    expect(reports).toEqual([{ who: 'did:key:z6MkAsker', what: PUBLIC, where: `public ${publicEntry.url}`, why: 'not held by internal' }]);
    expect(asked).toEqual([`${internal.url} ${PRIVATE}`, `${internal.url} ${PUBLIC}`, `${publicEntry.url} ${PUBLIC}`]);
  });

  it('a private name is asked of its registry alone, even when it does not hold it; from outside it is simply unknown', async () => {
    const { asked, fetch: recording } = recordingFetch();
    const inside = new SearchPathResolver({ entries: [publicEntry, internal], clock, fetch: recording, onBoundaryCrossed: async () => undefined });
    const unknown = await inside.resolve('agent://corp.internal/hr/nobody');
    expect(unknown).toMatchObject({ verified: false, errors: [{ code: 'AGENT_NOT_FOUND' }], searched: ['internal'] });
    // A resolver outside the enterprise knows only the public registry: the name is unknown there,
    // and nothing is sent to the enterprise registry.
    const outside = new SearchPathResolver({ entries: [publicEntry], clock, fetch: recording });
    expect(await outside.resolve(PRIVATE)).toMatchObject({ verified: false, errors: [{ code: 'AGENT_NOT_FOUND' }] });
    expect(asked).toEqual([`${internal.url} agent://corp.internal/hr/nobody`, `${publicEntry.url} ${PRIVATE}`]);
  });

  it('fails closed: a crossing whose report fails is not made', async () => {
    const { asked, fetch: recording } = recordingFetch();
    const resolver = new SearchPathResolver({
      entries: [internal, publicEntry],
      clock,
      fetch: recording,
      onBoundaryCrossed: async () => {
        throw new Error('the home registry is down');
      },
    });
    const refused = await resolver.resolve(PUBLIC);
    expect(refused).toMatchObject({ verified: false, errors: [{ code: 'AUDIT_NOT_WRITTEN', detail: expect.stringContaining('the home registry is down') }], searched: ['internal'] });
    expect(asked).toEqual([`${internal.url} ${PUBLIC}`]);
  });
});
