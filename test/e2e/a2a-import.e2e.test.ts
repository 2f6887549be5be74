import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryFixture, runCli } from './support.js';

/** An A2A v1.0 AgentCard as an agent would serve it at /.well-known/agent-card.json. */
const card = {
  name: 'Travel Planner',
  description: 'Plans multi-city itineraries with rail and flight options',
  version: '2.3.0',
  provider: { organization: 'Acme Travel', url: 'https://travel.acme.com' },
  supportedInterfaces: [
    { url: 'https://travel.acme.com/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url: 'https://travel.acme.com/a2a/grpc', protocolBinding: 'GRPC', protocolVersion: '1.0' },
  ],
  capabilities: { streaming: true, pushNotifications: false },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['application/json'],
  skills: [{ id: 'plan-trip', name: 'Plan trip', description: 'Builds an itinerary', tags: ['travel', 'itinerary'] }],
};

const fixture = registryFixture('a2a');
let cardServer: Server;
let cardUrl: string;

beforeAll(async () => {
  cardServer = createServer((request, response) => {
    if (request.url === '/.well-known/agent-card.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => cardServer.listen(0, '127.0.0.1', resolve));
  cardUrl = `http://127.0.0.1:${(cardServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => cardServer?.close(resolve));
});

describe('importing an A2A AgentCard from a URL', () => {
  it('fetches the well-known card, registers it, and resolves it verified with the gRPC interface', async () => {
    const imported = await runCli(['import', 'a2a', cardUrl, '--namespace', 'travel.acme.com', '--keys', join(fixture.work, 'keys'), '--json'], fixture.env);
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toMatchObject({ created: 1, skipped: 0 });

    const resolved = await runCli(['resolve', 'agent://travel.acme.com/travel-planner', '--transport', 'grpc', '--json'], fixture.env);
    expect(JSON.parse(resolved.stdout)).toMatchObject({
      verified: true,
      endpoint: { url: 'https://travel.acme.com/a2a/grpc', protocol: 'a2a', transport: 'GRPC' },
    });
    const search = await runCli(['search', 'itinerary', '--json'], fixture.env);
    expect(JSON.parse(search.stdout.trim())).toMatchObject({ name: 'agent://travel.acme.com/travel-planner', capabilities: expect.arrayContaining(['plan-trip']) });
  });

  it('reports a site without a card, and a document that is not a card, with clear codes', async () => {
    const missing = await runCli(['import', 'a2a', `${cardUrl}/nothing.json`, '--keys', join(fixture.work, 'keys')], fixture.env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('REGISTRY_BAD_RESPONSE');
    const notCard = join(fixture.work, 'not-a-card.json');
    await writeFile(notCard, JSON.stringify({ hello: 'world' }));
    const refused = await runCli(['import', 'a2a', notCard, '--keys', join(fixture.work, 'keys')], fixture.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('IMPORT_UNSUPPORTED_SHAPE');
  });
});
