/**
 * Findings of the adversarial review, replayed against a real registry process on loopback: each
 * test is the attack as it was run, and checks both the clear refusal and that nothing changed.
 */
import { once } from 'node:events';
import { get as httpGet, request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registrationFor, testKey } from '../../src/core/test-support/agents.js';
import { registerWithCli, registryFixture, removeDir, runCli, startServer } from './support.js';

const fixture = registryFixture('security');
const file = (name: string) => join(fixture.work, name);

async function http(path: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: any }> {
  const response = await fetch(`${fixture.server.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, type: response.headers.get('content-type'), body };
}

const postJson = (path: string, body: string, method = 'POST') => http(path, { method, headers: { 'content-type': 'application/json' }, body });
const agentState = (name: string) => http(`/v1/agents/${encodeURIComponent(name)}`);

describe('replaying a superseded record after the name was released', () => {
  it('A registers and releases, B registers and releases: A’s old record (public, no key needed) is refused, nothing changes', async () => {
    const name = 'agent://acme.com/replayed';
    await registerWithCli(fixture.env, name, file('alice.jwk'), 'a2a=https://alice.example/a2a');
    // Anyone can copy the signed records out of a public resolve answer.
    const answer = (await http(`/v1/resolve?name=${encodeURIComponent(name)}`)).body;
    const replay = JSON.stringify({ addr: { payload: answer.addr.payload, sig: answer.addr.sig }, facts: { payload: answer.facts.payload, sig: answer.facts.sig } });

    expect((await runCli(['deregister', name, '--key', file('alice.jwk'), '--release'], fixture.env)).code).toBe(0);
    await registerWithCli(fixture.env, name, file('bob.jwk'), 'a2a=https://bob.example/a2a');
    expect((await runCli(['deregister', name, '--key', file('bob.jwk'), '--release'], fixture.env)).code).toBe(0);
    const before = await agentState(name);
    expect(before.status).toBe(410);

    const replayed = await postJson('/v1/agents', replay);
    expect(replayed.status).toBe(409);
    expect(replayed.type).toContain('application/problem+json');
    expect(replayed.body).toMatchObject({ code: 'SEQUENCE_STALE', errors: [{ pointer: '/addr/payload/seq' }] });
    expect(await agentState(name)).toEqual(before);
    const resolved = await runCli(['resolve', name, '--json'], fixture.env);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ verified: false, errors: [{ code: 'AGENT_DEREGISTERED' }] });
  });
});

/** A raw GET whose path is sent exactly as given (fetch would normalise `..` away). */
function rawGet(path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const { hostname, port } = new URL(fixture.server.url);
  return new Promise((resolve, reject) => {
    const request = httpGet({ host: hostname, port, path }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body }));
    });
    request.on('error', reject);
  });
}

describe('paths that climb out of the docs folder', () => {
  it.each(['/docs/static/../package.json', '/docs/static/../../../etc/passwd', '/docs/static/%2e%2e/package.json'])('%s answers 404 problem+json (was 500), leaks nothing and logs no error', async (path) => {
    const logged = fixture.server.output().length;
    const response = await rawGet(path);
    expect(response.status).toBe(404);
    expect(response.type).toContain('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    expect(response.body).not.toContain('signpost@');
    expect(fixture.server.output().slice(logged)).not.toContain('"level":50');
  });
});

describe('deeply nested JSON', () => {
  it('a registration nested 20,000 levels deep answers 400 REQUEST_TOO_COMPLEX, and the registry keeps serving', async () => {
    const deep = `{"addr":{"payload":${'['.repeat(20_000)}${']'.repeat(20_000)},"sig":"x"},"facts":{"payload":{},"sig":"x"}}`;
    const response = await postJson('/v1/agents', deep);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'REQUEST_TOO_COMPLEX' });
    expect((await http('/v1/registry')).status).toBe(200);
  });
});

describe('a request body that arrives too slowly', () => {
  it('gets 408 REQUEST_TOO_SLOW problem+json at the configured timeout (was a bare 408 after 65–80 s), and stores nothing', async () => {
    const server = await startServer(undefined, ['--body-timeout', '1s']);
    try {
      const name = 'agent://acme.com/slow';
      const key = testKey(77);
      const post = (body: string) => fetch(`${server.url}/v1/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect((await post(JSON.stringify(registrationFor(key, name, 1, { nowMs: Date.now() })))).status).toBe(201);
      const update = JSON.stringify(registrationFor(key, name, 2, { nowMs: Date.now() }));
      const { hostname, port } = new URL(server.url);
      const client = httpRequest({ host: hostname, port, method: 'POST', path: '/v1/agents', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(update)) } });
      client.on('error', () => {}); // the server closes the connection after answering
      // All of the update but its last byte: it must never be applied.
      client.write(update.slice(0, -1));
      const [response] = (await once(client, 'response')) as [IncomingMessage];
      let body = '';
      for await (const chunk of response) body += chunk;
      expect(response.statusCode).toBe(408);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(body)).toMatchObject({ code: 'REQUEST_TOO_SLOW', status: 408, instance: '/v1/agents' });
      const stored = (await (await fetch(`${server.url}/v1/agents/${encodeURIComponent(name)}`)).json()) as { seq: number };
      expect(stored.seq).toBe(1);
      // The warning reaches the server's output through a pipe of its own: wait for it rather than assume it came first.
      while (!server.output().includes('request body timed out')) await Promise.race([once(server.process.stdout!, 'data'), once(server.process.stderr!, 'data')]);
    } finally {
      await server.stop();
      await removeDir(server.dataDir);
    }
  });
});
