import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { registryResolution } from '../../core/resolve/resolution-pipeline.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { startDnsServer, type RunningDnsServer } from './dns-server.js';
import { ResponseRateLimiter } from './rate-limit.js';
import { ZoneView } from './zone-view.js';

let server: RunningDnsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ResponseRateLimiter', () => {
  it('answers a burst of perSecond, then drops, sending every slip-th truncated; tokens come back with time', () => {
    const clock = manualClock(T0);
    const limiter = new ResponseRateLimiter({ perSecond: 3, slip: 2, now: () => clock.now() });
    const decisions = Array.from({ length: 8 }, () => limiter.decide('192.0.2.10'));
    expect(decisions).toEqual(['answer', 'answer', 'answer', 'drop', 'truncate', 'drop', 'truncate', 'drop']);
    clock.advance(1000);
    expect(Array.from({ length: 4 }, () => limiter.decide('192.0.2.10'))).toEqual(['answer', 'answer', 'answer', 'truncate']);
  });

  it('counts a client network (IPv4 /24, IPv6 /56) as one, and other networks apart', () => {
    const limiter = new ResponseRateLimiter({ perSecond: 1, slip: 0, now: () => T0 });
    expect(limiter.decide('192.0.2.1')).toBe('answer');
    expect(limiter.decide('192.0.2.200')).toBe('drop');
    expect(limiter.decide('::ffff:192.0.2.7')).toBe('drop');
    expect(limiter.decide('198.51.100.1')).toBe('answer');
    expect(limiter.decide('2001:db8:1:2ff::1')).toBe('answer');
    expect(limiter.decide('2001:db8:1:200::9')).toBe('drop');
    expect(limiter.decide('2001:db8:1:300::1')).toBe('answer');
  });
});

describe('rate-limited UDP answers', () => {
  it('over real UDP: the first perSecond are answered, the rest dropped or truncated (TC) until the clock moves on', async () => {
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: testKey(9), clock });
    expect((await registry.register(registrationFor(testKey(1), 'agent://acme.com/billing/invoices', 1))).ok).toBe(true);
    const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.example' });
    server = await startDnsServer({ view, host: '127.0.0.1', port: 0, rateLimiter: new ResponseRateLimiter({ perSecond: 3, slip: 2, now: () => clock.now() }) });
    const client = createSocket('udp4');
    const received: { id: number; tc: boolean; answers: number }[] = [];
    let wake = () => {};
    client.on('message', (message) => {
      const packet = dnsPacket.decode(message);
      received.push({ id: packet.id ?? 0, tc: packet.flag_tc, answers: packet.answers?.length ?? 0 });
      wake();
    });
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const ask = (id: number) => client.send(dnsPacket.encode({ type: 'query', id, questions: [{ type: 'TXT', name: 'invoices.billing._agents.acme.com' }] }), server!.port, '127.0.0.1');
    try {
      // Seven queries at one instant: 3 answered, then drop, TC, drop, TC. The last one sent is a TC, so
      // once it is back every decision is made; then the clock moves a second, and a query is answered.
      for (let id = 1; id <= 7; id++) ask(id);
      while (!received.some((answer) => answer.id === 7)) await new Promise<void>((resolve) => (wake = resolve));
      clock.advance(1000);
      ask(99);
      while (!received.some((answer) => answer.id === 99)) await new Promise<void>((resolve) => (wake = resolve));
      const before = received.filter((answer) => answer.id !== 99).sort((a, b) => a.id - b.id);
      expect(before).toEqual([
        { id: 1, tc: false, answers: 1 },
        { id: 2, tc: false, answers: 1 },
        { id: 3, tc: false, answers: 1 },
        { id: 5, tc: true, answers: 0 },
        { id: 7, tc: true, answers: 0 },
      ]);
      expect(received.find((answer) => answer.id === 99)).toEqual({ id: 99, tc: false, answers: 1 });
    } finally {
      client.close();
    }
  });
});
