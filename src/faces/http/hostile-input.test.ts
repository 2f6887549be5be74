/**
 * Hostile input at the HTTP face: JSON that breaks I-JSON or nests without end, media types that
 * are not JSON, URLs the router cannot take, every error fastify can raise, bodies that never
 * finish, and a store that fails. Each answers a catalogued problem, never a bare 5xx, and stores
 * nothing.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { errorCodes } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fail, isErrorCode, SignpostError } from '../../core/errors.js';
import { createCertificateRequest } from '../../core/record/certificate-request.js';
import { Registry } from '../../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../../core/test-support/agents.js';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { withBodyDeadline, type DeadlineTimers } from './body-deadline.js';
import { statusOf } from './problem.js';
import { buildHttpFace, problemsOfError, type HttpApp } from './server.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
let app: HttpApp;

async function setup(options: { store?: MemoryRecordStore; logger?: pino.Logger } = {}) {
  const store = options.store ?? new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: testKey(9), clock });
  app = await buildHttpFace({ registry, clock, ...(options.logger ? { logger: options.logger } : {}) });
  const snapshot = async () => JSON.stringify([await store.get(NAME), await store.count()]);
  return { store, snapshot };
}

afterEach(async () => {
  await app?.close();
});

const post = (url: string, payload: string, contentType = 'application/json') => app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect({ status: response.statusCode, code: response.json().code }).toEqual({ status, code });
}

/** The text of a valid, signed registration of NAME. */
const registrationText = () => JSON.stringify(registrationFor(owner, NAME, 1));

describe('JSON bodies are I-JSON within limits, or refused before anything else runs', () => {
  it.each([
    ['1,000 levels deep (was 503 STORE_UNAVAILABLE)', 1_000],
    ['20,000 levels deep (was 500 from a stack overflow in canonicalisation)', 20_000],
  ])('a signed registration nested %s answers 400 REQUEST_TOO_COMPLEX and stores nothing', async (_why, depth) => {
    const { snapshot } = await setup();
    const before = await snapshot();
    const deep = registrationText().replace('"label":"Invoices"', `"label":${'['.repeat(depth)}${']'.repeat(depth)}`);
    const response = await post('/v1/agents', deep);
    expectProblem(response, 400, 'REQUEST_TOO_COMPLEX');
    expect(response.json().detail).toContain('32 levels');
    expect(await snapshot()).toBe(before);
  });

  it('a deep credential at POST /v1/disclosures/verify answers 400 (was 500)', async () => {
    await setup();
    const deep = `{"credential":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)},"capability":"x"}`;
    expectProblem(await post('/v1/disclosures/verify', deep), 400, 'REQUEST_TOO_COMPLEX');
  });

  it('duplicate member names in a signed record are refused (another verifier could read the other value)', async () => {
    const { snapshot } = await setup();
    const before = await snapshot();
    const text = registrationText();
    const seq = /"seq":(\d+)/.exec(text)![0];
    const response = await post('/v1/agents', text.replace(seq, `${seq},"seq":999999`));
    expectProblem(response, 400, 'REQUEST_MALFORMED_JSON');
    expect(response.json().errors[0]).toMatchObject({ pointer: '/addr/payload/seq', detail: expect.stringContaining('duplicate member name "seq"') });
    expect(await snapshot()).toBe(before);
  });

  it('a lone surrogate in a signed record is refused (RFC 8785 bytes cannot be reproduced outside JavaScript)', async () => {
    const { snapshot } = await setup();
    const before = await snapshot();
    const response = await post('/v1/agents', registrationText().replace('"label":"Invoices"', '"label":"Invoices \\ud800"'));
    expectProblem(response, 400, 'REQUEST_MALFORMED_JSON');
    expect(response.json().detail).toContain('lone surrogate');
    expect(await snapshot()).toBe(before);
  });

  it('bytes that are not UTF-8 are refused, not replaced with U+FFFD', async () => {
    await setup();
    const bytes = Buffer.concat([Buffer.from('{"addr":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const response = await app.inject({ method: 'POST', url: '/v1/agents', payload: bytes, headers: { 'content-type': 'application/json' } });
    expectProblem(response, 400, 'REQUEST_MALFORMED_JSON');
  });

  it('prototype poisoning is refused as before', async () => {
    await setup();
    expectProblem(await post('/v1/agents', '{"__proto__":{"x":1}}'), 400, 'REQUEST_MALFORMED_JSON');
    expectProblem(await post('/v1/agents', '{"constructor":{"prototype":{"x":1}}}'), 400, 'REQUEST_MALFORMED_JSON');
  });
});

describe('media types', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('%s answers 415 (text/plain was 400)', async (type) => {
    const { snapshot } = await setup();
    const before = await snapshot();
    expectProblem(await post('/v1/agents', registrationText(), type), 415, 'REQUEST_UNSUPPORTED_MEDIA_TYPE');
    expect(await snapshot()).toBe(before);
  });

  it('application/json with a charset is still JSON', async () => {
    await setup();
    expect((await post('/v1/agents', registrationText(), 'application/json; charset=utf-8')).statusCode).toBe(201);
  });
});

describe('every error fastify and its plugins can raise', () => {
  it('maps to a catalogued code; client errors never become a 5xx', () => {
    for (const [name, ErrorClass] of Object.entries(errorCodes)) {
      const error = new (ErrorClass as new (...args: string[]) => Error & { statusCode?: number })('a', 'b', 'c');
      const problems = problemsOfError(error);
      expect(isErrorCode(problems[0]!.code), name).toBe(true);
      const status = error.statusCode ?? 500;
      if (status < 500) expect(statusOf(problems[0]!.code), name).toBeLessThan(500);
    }
  });

  it('an http-errors style error of a plugin (@fastify/static refusing a path outside its folder) is a 404', () => {
    const forbidden = Object.assign(new Error('Forbidden'), { status: 403, statusCode: 403 });
    expect(problemsOfError(forbidden)[0]!.code).toBe('ROUTE_NOT_FOUND');
  });

  it('a malformed URL and an overlong path parameter answer problem+json 400 (were fastify’s own JSON)', async () => {
    await setup();
    expectProblem(await app.inject({ url: '/v1/agents/%zz' }), 400, 'REQUEST_INVALID');
    expectProblem(await app.inject({ url: `/v1/agents/${'a'.repeat(2_000)}` }), 400, 'REQUEST_INVALID');
  });
});

describe('requests node:http cannot parse, or that arrive too slowly', () => {
  /** Write `raw` on a fresh connection to a listening face and read everything until it closes. */
  async function exchange(raw: string, bodyTimeoutMs?: number): Promise<{ status: number; type: string; body: any }> {
    const registry = new Registry({ store: new MemoryRecordStore(), key: testKey(9), clock: manualClock(T0) });
    app = await buildHttpFace({ registry, clock: manualClock(T0), ...(bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    socket.write(raw);
    let text = '';
    for await (const chunk of socket) text += chunk;
    const [head = '', body = ''] = text.split('\r\n\r\n');
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), type: /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '', body: JSON.parse(body) };
  }

  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'REQUEST_INVALID'],
    ['headers over 16 KiB', `GET /v1/registry HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 413, 'REQUEST_TOO_LARGE'],
    ['Content-Length together with Transfer-Encoding', 'POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'REQUEST_INVALID'],
  ])('%s answers problem+json %i (was fastify’s own JSON)', async (_what, raw, status, code) => {
    const answer = await exchange(raw);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
    expect(answer.type).toMatch(/^application\/problem\+json/);
  });

  it('headers that never finish answer 408 REQUEST_TOO_SLOW problem+json and the connection is closed', async () => {
    const answer = await exchange('GET /v1/registry HTTP/1.1\r\nHost: x\r\n', 1_000);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 408, code: 'REQUEST_TOO_SLOW' });
  });
});

describe('a failing store', () => {
  it('answers 503 STORE_UNAVAILABLE and always logs it', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const store = new MemoryRecordStore();
    store.get = async () => {
      throw new SignpostError('STORE_UNAVAILABLE', 'the disk is full');
    };
    await setup({ store, logger });
    expectProblem(await app.inject({ url: `/v1/agents/${encodeURIComponent(NAME)}` }), 503, 'STORE_UNAVAILABLE');
    expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ level: 50, code: 'STORE_UNAVAILABLE', msg: 'request failed' })]);
  });

  it('a 5xx a route returns as a Result (a failing CA) is logged too, not only answered', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const clock = manualClock(T0 + 1000);
    const certificateAuthority = { certificatePem: '', fingerprintSha256: '', issue: async () => fail<never>('INTERNAL', 'the CA key cannot be read') };
    const registry = new Registry({ store: new MemoryRecordStore(), key: testKey(9), clock, certificateAuthority });
    app = await buildHttpFace({ registry, clock, logger });
    expect((await post('/v1/agents', registrationText())).statusCode).toBe(201);
    const request = createCertificateRequest({ key: owner, name: NAME, csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n', validitySeconds: 300, nowMs: T0 + 1000 });
    expectProblem(await post('/v1/certificates', JSON.stringify(request)), 500, 'INTERNAL');
    expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ level: 50, code: 'INTERNAL', detail: 'the CA key cannot be read', msg: 'request failed' })]);
  });
});

describe('the body deadline', () => {
  /** A loopback server behind withBodyDeadline whose timer fires only when the test says so. */
  async function deadlineServer() {
    let fire: (() => void) | undefined;
    const timers: DeadlineTimers = { set: (callback) => ((fire = callback), 1), clear: () => (fire = undefined) };
    const seen: IncomingMessage[] = [];
    const timedOut: string[] = [];
    const server = createServer(
      withBodyDeadline(
        (request, response) => {
          seen.push(request);
          request.on('data', () => {}).on('end', () => response.end('done'));
        },
        15_000,
        (request) => timedOut.push(request.url ?? ''),
        timers,
      ),
    );
    // The deadline is armed before the handler sees the request: once a request has come in, it may be fired.
    const requested = once(server, 'request');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as AddressInfo).port, seen, timedOut, requested, fire: () => fire?.() };
  }

  it('answers a body that has not arrived by the deadline with 408 REQUEST_TOO_SLOW problem+json and closes the connection', async () => {
    const { server, port, seen, timedOut, requested, fire } = await deadlineServer();
    try {
      const client = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/agents', headers: { 'content-type': 'application/json', 'content-length': '100' } });
      client.write('{"addr":');
      const answered = once(client, 'response') as Promise<[IncomingMessage]>;
      await requested;
      expect(seen).toHaveLength(1);
      fire();
      const [response] = await answered;
      let body = '';
      for await (const chunk of response) body += chunk;
      expect(response.statusCode).toBe(408);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers.connection).toBe('close');
      expect(JSON.parse(body)).toMatchObject({ code: 'REQUEST_TOO_SLOW', status: 408, instance: '/v1/agents' });
      expect(timedOut).toEqual(['/v1/agents']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('leaves a body that arrived in time alone', async () => {
    const { server, port, timedOut, fire } = await deadlineServer();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' });
      expect(await response.text()).toBe('done');
      fire();
      expect(timedOut).toEqual([]);
    } finally {
      server.close();
    }
  });
});
