import { describe, expect, it } from 'vitest';
import { callRegistry, MAX_ANSWER_BYTES, RegistryClient } from './registry-client.js';

/** A fetch that answers every request with these bytes and this status. */
function answering(body: string | null, status = 200, headers: Record<string, string> = { 'content-type': 'application/json' }): typeof fetch {
  return async () => new Response(body, { status, headers });
}

const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
const wide = `[${Array.from({ length: 10_001 }, () => '0').join(',')}]`;
const URL_ = 'http://registry.test/v1/resolve?name=x';

describe('callRegistry reads registry answers with the strict JSON reader', () => {
  it('hands back strict JSON, its status and its ETag; an empty body is no value', async () => {
    expect(await callRegistry(URL_, 'GET', undefined, { fetch: answering('{"a":[1,{"b":null}]}', 200, { etag: '"e1"' }) })).toEqual({ ok: true, value: { status: 200, body: { a: [1, { b: null }] }, etag: '"e1"' } });
    expect(await callRegistry(URL_, 'GET', undefined, { fetch: answering(null, 304, { etag: '"e1"' }) })).toEqual({ ok: true, value: { status: 304, body: undefined, etag: '"e1"' } });
  });

  it.each([
    ['nested past 32 levels', deep, 'REQUEST_TOO_COMPLEX'],
    ['more than 10,000 members', wide, 'REQUEST_TOO_COMPLEX'],
    ['a duplicate member name', '{"endpoint":{"url":"https://evil.example"},"endpoint":null}', 'REQUEST_MALFORMED_JSON'],
    ['a __proto__ member', '{"__proto__":{"verified":true}}', 'REQUEST_MALFORMED_JSON'],
    ['a lone surrogate', '{"name":"\\ud800"}', 'REQUEST_MALFORMED_JSON'],
    ['not JSON at all', '<html>hello</html>', 'REQUEST_MALFORMED_JSON'],
  ])('refuses a 2xx body with %s: REGISTRY_BAD_RESPONSE, then the strict reader’s code', async (_label, body, code) => {
    const result = await callRegistry(URL_, 'GET', undefined, { fetch: answering(body) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.code)).toEqual(['REGISTRY_BAD_RESPONSE', code]);
  });

  it('leaves the body of a refusal that is not strict JSON undefined (a proxy error page), and keeps its status', async () => {
    expect(await callRegistry(URL_, 'GET', undefined, { fetch: answering('<html>502 Bad Gateway</html>', 502, { 'content-type': 'text/html' }) })).toEqual({ ok: true, value: { status: 502, body: undefined, etag: null } });
    expect(await callRegistry(URL_, 'GET', undefined, { fetch: answering(deep, 404) })).toMatchObject({ ok: true, value: { status: 404, body: undefined } });
  });

  it('is REGISTRY_UNREACHABLE when nothing answers or the body breaks off', async () => {
    const refused: typeof fetch = async () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    expect(await callRegistry(URL_, 'GET', undefined, { fetch: refused })).toMatchObject({ ok: false, problems: [{ code: 'REGISTRY_UNREACHABLE', detail: expect.stringContaining('ECONNREFUSED') }] });
    const broken: typeof fetch = async () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"a":'));
            controller.error(new Error('connection reset'));
          },
        }),
      );
    expect(await callRegistry(URL_, 'GET', undefined, { fetch: broken })).toMatchObject({ ok: false, problems: [{ code: 'REGISTRY_UNREACHABLE' }] });
  });

  it('stops reading an answer past MAX_ANSWER_BYTES: REGISTRY_BAD_RESPONSE, the rest never read', async () => {
    let pulled = 0;
    const endless: typeof fetch = async () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            pulled += 1;
            controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          },
        }),
      );
    const result = await callRegistry(URL_, 'GET', undefined, { fetch: endless });
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'REGISTRY_BAD_RESPONSE', detail: expect.stringContaining(`more than ${MAX_ANSWER_BYTES} bytes`) }] });
    expect(pulled * 64 * 1024).toBeLessThan(MAX_ANSWER_BYTES + 4 * 64 * 1024);
  });

  it('RegistryClient methods return the refusal as a Result, never throw', async () => {
    const client = new RegistryClient('http://registry.test', { fetch: answering(deep) });
    const resolved = await client.resolve('agent://acme.com/x');
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.problems.map((p) => p.code)).toEqual(['REGISTRY_BAD_RESPONSE', 'REQUEST_TOO_COMPLEX']);
    const identity = await new RegistryClient('http://registry.test', { fetch: answering('{"id":"did:key:a","id":"did:key:b"}') }).identity();
    expect(identity).toMatchObject({ ok: false, problems: [{ code: 'REGISTRY_BAD_RESPONSE' }, { code: 'REQUEST_MALFORMED_JSON' }] });
  });
});
