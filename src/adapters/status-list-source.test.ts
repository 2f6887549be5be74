/**
 * The status list adapter against real servers on 127.0.0.1: HTTPS with a freshly made
 * self-signed certificate (trusted only through the extra-CA option), and plain http for the
 * loopback development switch. The SSRF guards themselves are tested in did-web-fetch.test.ts.
 * The fetch deadline never passes here: every fetch must end by its own answer, however busy the
 * machine (the deadline itself is tested in did-web-resolver.test.ts).
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../core/errors.js';
import { CertificationRegistry } from '../core/registry/certifications.js';
import { Registry } from '../core/registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import { issueCertificationCredential } from '../core/trust/credentials/certification-credential.js';
import { createDocumentLoader } from '../core/trust/credentials/document-loader.js';
import { didKeyIssuer } from '../core/trust/credentials/registry-did.js';
import { checkCredentialStatus, issueStatusListCredential, statusListEntry } from '../core/trust/credentials/status-list.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import type { FetchTimers } from './did-web-fetch.js';
import { cacheLifetimeMs, httpsStatusListSource, STATUS_LIST_MAX_CACHE_MS, type StatusListSourceOptions } from './status-list-source.js';
import { routedHandler, selfSignedLoopbackCertificate, type Handler } from '../app/test-support/loopback-https.js';

const DAY = 86_400_000;
const NAME = 'agent://acme.com/health/intake';
const auditor = didKeyIssuer(testKey(60));
const owner = testKey(61);
const utc = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const noDeadline: FetchTimers = { set: () => undefined, clear: () => undefined };

let tls: { certPem: string; keyPem: string };
let server: Server;
let base: string;
let routes: Map<string, Handler>;
let hits: string[];

const json = (body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/vc+ld+json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

function revocationList(url: string, setIndices: number[] = [], ttlMs?: number) {
  return issueStatusListCredential({
    issuer: auditor,
    listUrl: url,
    purpose: 'revocation',
    setIndices,
    validFrom: utc(T0),
    validUntil: utc(T0 + 30 * DAY),
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });
}

function source(options: Partial<StatusListSourceOptions> = {}) {
  return httpsStatusListSource({ extraCaCertificates: [tls.certPem], allowPrivateNetwork: true, timers: noDeadline, ...options });
}

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]?.code);
const detailOf = (result: Result<unknown>) => (result.ok ? '' : (result.problems[0]?.detail ?? ''));

beforeAll(async () => {
  tls = await selfSignedLoopbackCertificate('status list test server');
});

beforeEach(async () => {
  routes = new Map();
  hits = [];
  server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, routedHandler(routes, hits));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

describe('httpsStatusListSource', () => {
  it('fetches a list over HTTPS that verifies as the issuer\'s, and caches it for its max-age', async () => {
    const url = `${base}/status/1`;
    const signed = await revocationList(url, [5]);
    routes.set('/status/1', json(signed, { 'cache-control': 'max-age=60' }));
    const clock = manualClock(T0 + DAY);
    const lists = source({ clock });
    const fetched = await lists.fetch(url);
    expect(fetched.ok && fetched.value).toEqual(signed);
    const check = await checkCredentialStatus(statusListEntry('revocation', { listUrl: url, index: 5 }), fetched.ok ? fetched.value : undefined, {
      documentLoader: createDocumentLoader(),
      now: T0 + DAY,
      trustedIssuers: [auditor.did],
    });
    expect(check.status).toBe('revoked');
    expect((await lists.fetch(url)).ok).toBe(true);
    expect(hits).toEqual(['/status/1']);
    clock.advance(60_001);
    expect((await lists.fetch(url)).ok).toBe(true);
    expect(hits).toEqual(['/status/1', '/status/1']);
  });

  it('caches no longer than the list\'s ttl, and not at all under no-store', async () => {
    routes.set('/ttl', json(await revocationList(`${base}/ttl`, [], 1_000), { 'cache-control': 'max-age=600' }));
    routes.set('/no-store', json(await revocationList(`${base}/no-store`), { 'cache-control': 'no-store' }));
    const clock = manualClock(T0 + DAY);
    const lists = source({ clock });
    await lists.fetch(`${base}/ttl`);
    await lists.fetch(`${base}/no-store`);
    await lists.fetch(`${base}/no-store`);
    clock.advance(1_001);
    await lists.fetch(`${base}/ttl`);
    expect(hits).toEqual(['/ttl', '/no-store', '/no-store', '/ttl']);
  });

  it('keeps a bounded number of lists', async () => {
    for (const i of [1, 2, 3]) routes.set(`/l${i}`, json(await revocationList(`${base}/l${i}`)));
    const lists = source({ clock: manualClock(T0 + DAY), maxEntries: 2 });
    for (const i of [1, 2, 3, 1]) await lists.fetch(`${base}/l${i}`);
    expect(hits).toEqual(['/l1', '/l2', '/l3', '/l1']);
  });

  it('refuses a loopback (non-public) address unless allowed, without connecting', async () => {
    routes.set('/status/1', json(await revocationList(`${base}/status/1`)));
    const strict = httpsStatusListSource({ extraCaCertificates: [tls.certPem], timers: noDeadline });
    const result = await strict.fetch(`${base}/status/1`);
    expect(codeOf(result)).toBe('STATUS_LIST_UNAVAILABLE');
    expect(detailOf(result)).toMatch(/not a public address/);
    expect(hits).toEqual([]);
  });

  it('fetches only https, and plain http only from loopback with allowHttpLoopback', async () => {
    const plain: HttpServer = createHttpServer((req, res) => {
      hits.push(`plain ${req.url}`);
      json({ plain: true })(req, res);
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/status/1`;
    try {
      expect(detailOf(await source().fetch(url))).toMatch(/only https/);
      expect(hits).toEqual([]);
      const dev = httpsStatusListSource({ allowHttpLoopback: true, timers: noDeadline });
      const fetched = await dev.fetch(url);
      expect(fetched.ok && fetched.value).toEqual({ plain: true });
      expect(detailOf(await dev.fetch('http://auditor.example/status/1'))).toMatch(/only https/);
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  it('refuses a body over the limit, HTTP errors, a redirect to another origin; JSON only', async () => {
    routes.set('/big', json('x'.repeat(2_000)));
    routes.set('/gone', (_req, res) => res.writeHead(410).end());
    routes.set('/away', (_req, res) => res.writeHead(302, { location: 'https://localhost:1/status' }).end());
    routes.set('/moved', (_req, res) => res.writeHead(301, { location: '/status/2' }).end());
    routes.set('/status/2', json({ moved: true }));
    routes.set('/html', json('<html>'));
    const lists = source({ maxBytes: 1_000 });
    const big = await lists.fetch(`${base}/big`);
    expect([codeOf(big), detailOf(big)]).toEqual(['STATUS_LIST_UNAVAILABLE', expect.stringMatching(/more than the 1000 bytes a status list may have/)]);
    expect(detailOf(await lists.fetch(`${base}/gone`))).toMatch(/answered HTTP 410/);
    expect(detailOf(await lists.fetch(`${base}/away`))).toMatch(/another origin/);
    const moved = await lists.fetch(`${base}/moved`);
    expect(moved.ok && moved.value).toEqual({ moved: true });
    expect(codeOf(await lists.fetch(`${base}/html`))).toBe('STATUS_LIST_INVALID');
  });

  it('reports an unreachable host without its errno or address, and logs the detail', async () => {
    const logged: (string | undefined)[] = [];
    const lists = source({ onProblem: (_url, _p, logDetail) => logged.push(logDetail) });
    const port = await closedLoopbackPort();
    const result = await lists.fetch(`https://127.0.0.1:${port}/status`);
    expect([codeOf(result), detailOf(result)]).toEqual(['STATUS_LIST_UNAVAILABLE', `status list https://127.0.0.1:${port}/status: could not reach 127.0.0.1:${port}`]);
    expect(logged[0]).toMatch(/ECONNREFUSED/);
  });

  it('cacheLifetimeMs: the least of max-age, ttl, validUntil and the cap; the default when nothing is said', () => {
    const now = T0;
    const vc = (ttl?: number, until = T0 + DAY) => ({ validUntil: utc(until), credentialSubject: ttl === undefined ? {} : { ttl } });
    expect(cacheLifetimeMs(vc(), undefined, now, 300_000, STATUS_LIST_MAX_CACHE_MS)).toBe(300_000);
    expect(cacheLifetimeMs(vc(), 'max-age=30', now, 300_000, STATUS_LIST_MAX_CACHE_MS)).toBe(30_000);
    expect(cacheLifetimeMs(vc(5_000), 'max-age=30', now, 300_000, STATUS_LIST_MAX_CACHE_MS)).toBe(5_000);
    expect(cacheLifetimeMs(vc(undefined, T0 + 1_000), undefined, now, 300_000, STATUS_LIST_MAX_CACHE_MS)).toBe(1_000);
    expect(cacheLifetimeMs(vc(), 'max-age=86400', now, 300_000, STATUS_LIST_MAX_CACHE_MS)).toBe(STATUS_LIST_MAX_CACHE_MS);
    expect(cacheLifetimeMs(vc(), 'public, no-cache', now, 300_000, STATUS_LIST_MAX_CACHE_MS)).toBe(0);
  });
});

describe('the certification registry with the HTTPS status list source', () => {
  it('refuses a revoked certification, and a revocation published later is swept once the cache expires', async () => {
    const url = `${base}/status/revocation`;
    let revoked: number[] = [];
    routes.set('/status/revocation', async (req, res) => json(await revocationList(url, revoked), { 'cache-control': 'max-age=60' })(req, res));
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + DAY);
    const registry = new Registry({ store, key: testKey(62), clock });
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    const certifications = new CertificationRegistry({
      store,
      clock,
      trustPolicy: { HIPAA: [auditor.did] },
      documentLoader: createDocumentLoader(),
      statusLists: source({ clock }),
    });
    const certification = (index: number) =>
      issueCertificationCredential({
        issuer: auditor,
        subject: owner.did,
        agentName: NAME,
        certification: { name: 'HIPAA' },
        validFrom: utc(T0),
        validUntil: utc(T0 + 365 * DAY),
        status: { revocation: { listUrl: url, index } },
      });
    const found = async () => (await registry.search({ limit: 10, certification: certifications.searchFilter('HIPAA') })).items.map(({ agent }) => agent.name);

    expect((await certifications.submit(NAME, await certification(3))).ok).toBe(true);
    expect(await found()).toEqual([NAME]);
    revoked = [3, 4];
    // Within the list's max-age the cached copy answers: still counted.
    expect((await certifications.sweepStatus()).removed).toEqual([]);
    clock.advance(60_001);
    expect((await certifications.sweepStatus()).removed.map((c) => c.agentName)).toEqual([NAME]);
    expect(await found()).toEqual([]);
    expect(codeOf(await certifications.submit(NAME, await certification(4)))).toBe('CREDENTIAL_REVOKED');
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });
});
