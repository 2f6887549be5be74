import { describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { decodeAgentAddr } from '../../core/record/compact-codec.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { svcb } from './svcb.js';
import { ZoneView, zoneOf } from './zone-view.js';

const NAME = 'agent://acme.com/billing/invoices';
const OWNER = 'invoices.billing._agents.acme.com';

async function viewWith(endpoints: unknown[]) {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  const registration = registrationFor(testKey(1), NAME, 1, { claims: { label: 'Invoices', description: 'Invoices', endpoints: { static: endpoints as never } } });
  expect((await registry.register(registration)).ok).toBe(true);
  return { view: new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.example' }), registry };
}

describe('ZoneView', () => {
  it('finds the _agents zone of a name, in any case and with a root dot', () => {
    expect(zoneOf('Invoices.Billing._AGENTS.acme.com.')).toBe('_agents.acme.com');
    expect(zoneOf('www.acme.com')).toBeUndefined();
    expect(zoneOf('acme._agents')).toBeUndefined();
  });

  it('one SVCB per endpoint DNS can name: IP-literal hosts, other schemes and over-long labels are left out', async () => {
    const { view } = await viewWith([
      { url: 'https://agents.acme.com:8443/a2a', protocol: 'a2a' },
      { url: 'https://10.0.0.7/a2a', protocol: 'a2a' },
      { url: 'https://[2001:db8::1]/mcp', protocol: 'mcp' },
      { url: `https://${'x'.repeat(64)}.acme.com/a2a`, protocol: 'a2a' },
      { url: 'wss://agents.acme.com/ws', protocol: 'a2a' },
      { url: 'http://plain.acme.com/mcp', protocol: 'mcp' },
    ]);
    const answer = await view.answer({ name: OWNER, type: 'SVCB' });
    if (answer.kind !== 'answer') throw new Error(answer.kind);
    const decoded = answer.records.map((record) => svcb.decode((record as unknown as { data: Buffer }).data));
    expect(decoded.map((data) => [data.priority, data.target, data.params.find((p) => p.key === 'port')])).toEqual([
      [1, 'agents.acme.com', { key: 'port', port: 8443 }],
      [2, 'plain.acme.com', { key: 'port', port: 80 }],
    ]);
  });

  it('the TXT strings, joined, are the compact countersigned AgentAddr, which decodes to the stored record', async () => {
    const { view, registry } = await viewWith([{ url: 'https://agents.acme.com/a2a', protocol: 'a2a' }]);
    const answer = await view.answer({ name: OWNER, type: 'TXT' });
    if (answer.kind !== 'answer') throw new Error(answer.kind);
    const strings = (answer.records[0] as unknown as { data: Buffer[] }).data;
    expect(strings.every((part) => part.length <= 255)).toBe(true);
    const decoded = decodeAgentAddr(Buffer.concat(strings));
    const stored = await registry.storedState(NAME);
    expect(decoded.ok && decoded.value).toEqual(stored?.state === 'active' ? stored.addr : undefined);
  });
});
