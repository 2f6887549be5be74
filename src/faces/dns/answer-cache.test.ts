import { describe, expect, it } from 'vitest';
import { manualClock, T0 } from '../../core/test-support/agents.js';
import { DnsAnswerCache } from './answer-cache.js';

const answer = (id: number, text: string) => Buffer.concat([Buffer.from([id >> 8, id & 0xff]), Buffer.from(text)]);

describe('DnsAnswerCache', () => {
  it('gives a kept answer back with the asking query id, until it ages out', () => {
    const clock = manualClock(T0);
    const cache = new DnsAnswerCache({ now: () => clock.now(), maxAgeMs: 1000 });
    cache.set('_agents.acme.com', 'q', answer(1, 'svcb'), cache.generation('_agents.acme.com'));
    expect(cache.get('q', 0x1234)).toEqual(answer(0x1234, 'svcb'));
    clock.advance(1000);
    expect(cache.get('q', 1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('a write of a zone makes its answers stale, not those of other zones; an answer read before the write is not kept after it', () => {
    const cache = new DnsAnswerCache({ now: () => T0 });
    cache.set('_agents.acme.com', 'a', answer(1, 'a'), 0);
    cache.set('_agents.other.org', 'b', answer(1, 'b'), 0);
    const before = cache.generation('_agents.acme.com');
    cache.invalidateZone('_agents.acme.com');
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toEqual(answer(1, 'b'));
    cache.set('_agents.acme.com', 'a', answer(1, 'stale'), before);
    expect(cache.get('a', 1)).toBeUndefined();
    cache.set('_agents.acme.com', 'a', answer(1, 'fresh'), cache.generation('_agents.acme.com'));
    expect(cache.get('a', 1)).toEqual(answer(1, 'fresh'));
  });

  it('is bounded: past its entries, the oldest answer goes', () => {
    const cache = new DnsAnswerCache({ now: () => T0, maxEntries: 2 });
    for (const key of ['1', '2', '3']) cache.set('z', key, answer(1, key), 0);
    expect(cache.size).toBe(2);
    expect(cache.get('1', 1)).toBeUndefined();
    expect(cache.get('3', 1)).toBeDefined();
  });
});
