import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import { fetchExchange, nodeHttpExchange, readBodyCapped, type HttpExchange } from './http-exchange.js';

let server: Server;
let base: string;
const received: { method: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ method: request.method!, headers: request.headers, body });
    if (request.url === '/stall') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
      return; // never ends
    }
    if (request.url === '/large') return response.end('x'.repeat(64 * 1024));
    response.writeHead(201, { etag: '"v1"', 'content-type': 'application/json' });
    response.end(JSON.stringify({ echoed: body }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const text = async (exchange: HttpExchange, path: string, request: Partial<Parameters<HttpExchange>[1]> = {}) => {
  const answer = await exchange(`${base}${path}`, { method: 'GET', headers: {}, signal: new AbortController().signal, ...request });
  return { answer, body: Buffer.from((await readBodyCapped(answer, 1 << 20))!).toString() };
};

describe.each([
  ['node:http', nodeHttpExchange],
  ['fetch', fetchExchange(fetch)],
])('%s exchange', (_name, exchange) => {
  it('sends the method, headers and body; gives the status, headers and body', async () => {
    const { answer, body } = await text(exchange, '/echo', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"é":1}' });
    expect(answer.status).toBe(201);
    expect(answer.header('ETag')).toBe('"v1"');
    expect(answer.header('x-missing')).toBeNull();
    expect(JSON.parse(body)).toEqual({ echoed: '{"é":1}' });
    expect(received.at(-1)).toMatchObject({ method: 'POST', body: '{"é":1}', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"é":1}')) } });
  });

  it('stops at the cap: undefined, and the rest is not read', async () => {
    const answer = await exchange(`${base}/large`, { method: 'GET', headers: {}, signal: new AbortController().signal });
    expect(await readBodyCapped(answer, 1024)).toBeUndefined();
  });

  it('an abort while the body is still arriving ends the read with an error', async () => {
    const controller = new AbortController();
    const answer = await exchange(`${base}/stall`, { method: 'GET', headers: {}, signal: controller.signal });
    const reading = readBodyCapped(answer, 1 << 20);
    controller.abort();
    await expect(reading).rejects.toThrow();
  });

  it('rejects when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedLoopbackPort()}/`;
    await expect(exchange(url, { method: 'GET', headers: {}, signal: new AbortController().signal })).rejects.toThrow();
  });
});

describe('nodeHttpExchange', () => {
  it('says ECONNREFUSED as Node does (the CLI names it), and refuses URLs that are not http(s)', async () => {
    const url = `http://127.0.0.1:${await closedLoopbackPort()}/`;
    await expect(nodeHttpExchange(url, { method: 'GET', headers: {}, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(nodeHttpExchange('file:///etc/passwd', { method: 'GET', headers: {}, signal: new AbortController().signal })).rejects.toThrow(/only http and https/);
  });
});
