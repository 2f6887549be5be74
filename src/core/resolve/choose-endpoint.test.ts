import { describe, expect, it } from 'vitest';
import type { AgentFacts } from '../record/types.js';
import { chooseEndpoint } from './choose-endpoint.js';

const facts = (endpoints: unknown[], extra: Record<string, unknown> = {}): AgentFacts => ({
  type: 'AgentFacts',
  v: 1,
  id: 'did:key:z6Mk',
  agent_name: 'agent://acme.com/x',
  endpoints: { static: endpoints },
  ...extra,
});

const eu = { url: 'https://eu.acme.com/a2a', protocol: 'a2a', region: 'eu', version: '2.1.0', cost: 2, priority: 1 };
const us = { url: 'https://us.acme.com/a2a', protocol: 'a2a', region: 'us', version: '2.0.0', cost: 1, priority: 1 };
const v1 = { url: 'https://old.acme.com/a2a', protocol: 'a2a', version: '1.4.0', cost: 0, priority: 5 };
const mcp = { url: 'https://acme.com/mcp', protocol: 'mcp', transport: 'streamable-http' };

describe('chooseEndpoint', () => {
  it('filters by protocol, transport, version prefix and cost', () => {
    const all = facts([eu, us, v1, mcp]);
    expect(chooseEndpoint(all, { protocol: 'mcp' })).toEqual(mcp);
    expect(chooseEndpoint(all, { protocol: 'MCP', transport: 'STREAMABLE-HTTP' })).toEqual(mcp);
    expect(chooseEndpoint(all, { transport: 'sse' })).toBeNull();
    expect(chooseEndpoint(all, { protocol: 'a2a', version: '1' })).toEqual(v1);
    expect(chooseEndpoint(all, { protocol: 'a2a', version: 'v2.1' })).toEqual(eu);
    expect(chooseEndpoint(all, { protocol: 'a2a', version: '2.1.0' })).toEqual(eu);
    expect(chooseEndpoint(all, { protocol: 'a2a', version: '2.2' })).toBeNull();
    expect(chooseEndpoint(all, { protocol: 'a2a', maxCost: 0 })).toEqual(v1);
    expect(chooseEndpoint(all, { protocol: 'grpc' })).toBeNull();
  });

  it('prefers the requested region, then lower priority number, lower cost, more capacity', () => {
    const all = facts([eu, us, v1]);
    expect(chooseEndpoint(all, { protocol: 'a2a', region: 'EU' })).toEqual(eu);
    expect(chooseEndpoint(all, { protocol: 'a2a', region: 'us' })).toEqual(us);
    // No region asked: priority 1 beats 5, then cost 1 beats 2.
    expect(chooseEndpoint(all, { protocol: 'a2a' })).toEqual(us);
    const big = { url: 'https://big.acme.com', protocol: 'a2a', capacity: 100 };
    const small = { url: 'https://small.acme.com', protocol: 'a2a', capacity: 10 };
    expect(chooseEndpoint(facts([small, big]), {})).toEqual(big);
  });

  it('reads NANDA URL strings, A2A v1.0 interfaces and the A2A v0.3 url', () => {
    expect(chooseEndpoint(facts(['https://acme.com/agent']), {})).toEqual({ url: 'https://acme.com/agent', protocol: 'https' });
    const card = facts([], {
      supportedInterfaces: [{ url: 'https://acme.com/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    });
    expect(chooseEndpoint(card, { protocol: 'a2a' })).toEqual({ url: 'https://acme.com/a2a/v1', protocol: 'a2a', transport: 'JSONRPC', version: '1.0' });
    const legacy = facts([], { url: 'https://acme.com/a2a', preferredTransport: 'GRPC' });
    expect(chooseEndpoint(legacy, { transport: 'grpc' })).toEqual({ url: 'https://acme.com/a2a', protocol: 'a2a', transport: 'GRPC' });
    expect(chooseEndpoint(facts([]), {})).toBeNull();
  });
});
