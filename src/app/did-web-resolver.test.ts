/**
 * The app's did:web resolver against a real HTTPS server on 127.0.0.1 with a freshly made
 * self-signed certificate, trusted only through the resolver's extra-CA option. The fetch deadline
 * passes only when a test fires it (one test keeps the real timer), so no outcome here depends on
 * how fast a busy machine answers.
 */
import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock, T0, testKey } from '../core/test-support/agents.js';
import { issueCertificationCredential, verifyCertificationCredential } from '../core/trust/credentials/certification-credential.js';
import { createDocumentLoader } from '../core/trust/credentials/document-loader.js';
import { credentialSigner, registryDidDocument } from '../core/trust/credentials/registry-did.js';
import { DEFAULT_DID_CACHE_POLICY } from '../core/trust/did-web/cache-policy.js';
import { ed25519KeysOf } from '../core/trust/did-web/did-document.js';
import { didDocumentLookup } from '../core/trust/did-web/did-resolver.js';
import { httpsDidFetcher, type FetchTimers } from '../adapters/did-web-fetch.js';
import { createDidWebResolver, didWebCacheDir, loadPinnedDidDocuments, type DidWebResolverOptions } from './did-web-resolver.js';
import { routedHandler, selfSignedLoopbackCertificate, type Handler } from './test-support/loopback-https.js';

let tls: { certPem: string; keyPem: string };
let server: Server;
let port: number;
let did: string;
let routes: Map<string, Handler>;
let hits: string[];
let cacheDir: string;
let deadlines: ReturnType<typeof heldDeadlines>;
const orgKey = testKey(51);
const rotatedKey = testKey(52);

/** Fetch deadlines that pass only when the test calls `expire()`. */
function heldDeadlines() {
  const running = new Set<() => void>();
  const timers: FetchTimers = {
    set: (callback) => (running.add(callback), callback),
    clear: (timer) => void running.delete(timer as () => void),
  };
  /** Let the deadline of every fetch still running pass. */
  const expire = () => {
    for (const callback of [...running]) {
      running.delete(callback);
      callback();
    }
  };
  return { timers, expire };
}

const json = (body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/did+json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

async function startServer(atPort = 0): Promise<void> {
  server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, routedHandler(routes, hits));
  server.listen(atPort, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
}

async function stopServer(): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

function resolverWith(options: Partial<DidWebResolverOptions> = {}) {
  return createDidWebResolver({ cacheDir, ...options, fetch: { extraCaCertificates: [tls.certPem], allowPrivateNetwork: true, timers: deadlines.timers, ...options.fetch } });
}

async function cachedFiles(): Promise<string[]> {
  return readdir(cacheDir).catch(() => []);
}

beforeAll(async () => {
  tls = await selfSignedLoopbackCertificate('did-web test server');
});

beforeEach(async () => {
  routes = new Map();
  hits = [];
  deadlines = heldDeadlines();
  cacheDir = didWebCacheDir(await mkdtemp(join(tmpdir(), 'signpost-did-web-')));
  await startServer();
  did = `did:web:127.0.0.1%3A${port}`;
  routes.set('/.well-known/did.json', json(registryDidDocument(did, orgKey), { 'cache-control': 'max-age=600' }));
});

afterEach(async () => {
  await stopServer();
  await rm(join(cacheDir, '..'), { recursive: true, force: true });
});

describe('did:web over real HTTPS', () => {
  it('fetches from the network once, then answers from the cache', async () => {
    const resolver = resolverWith();
    const first = await resolver.resolve(did);
    expect(first).toMatchObject({ ok: true, value: { source: 'network', stale: false } });
    expect(ed25519KeysOf(first.ok ? first.value.document : undefined, 'assertionMethod')[0]?.didKey).toBe(orgKey.did);
    expect(await resolver.resolve(did)).toMatchObject({ ok: true, value: { source: 'cache', stale: false } });
    expect(hits).toEqual(['/.well-known/did.json']);
    expect(await cachedFiles()).toHaveLength(1);
  });

  it('resolves path DIDs at <path>/did.json', async () => {
    const pathDid = `${did}:orgs:acme`;
    routes.set('/orgs/acme/did.json', json(registryDidDocument(pathDid, orgKey)));
    expect(await resolverWith().resolve(pathDid)).toMatchObject({ ok: true, value: { source: 'network', document: { id: pathDid } } });
  });

  it('refuses loopback and private addresses unless allowed (no SSRF into the operator network)', async () => {
    const logged: string[] = [];
    const strict = createDidWebResolver({ cacheDir, fetch: { extraCaCertificates: [tls.certPem], timers: deadlines.timers }, onProblem: (_did, p) => logged.push(p.detail) });
    expect(await strict.resolve(did)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/127\.0\.0\.1 is not a public address/) }] });
    // A DNS name is checked on the address it resolves to; the caller learns only that it was not reached, the log why.
    expect(await strict.resolve(`did:web:localhost%3A${port}`)).toMatchObject({ ok: false, problems: [{ detail: `did:web:localhost%3A${port}: could not reach localhost:${port}` }] });
    expect(logged.join('\n')).toMatch(/resolves only to non-public addresses/);
    for (const host of ['10.1.2.3', '192.168.0.1', '169.254.169.254', '172.16.5.4', '0.0.0.0']) {
      expect(await strict.resolve(`did:web:${host}`)).toMatchObject({ ok: false, problems: [{ detail: expect.stringMatching(/not a public address/) }] });
    }
    expect(hits).toEqual([]);
    expect(await resolverWith().resolve(`did:web:localhost%3A${port}`)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/\(at \/id\)/) }] }); // reached: it serves the 127.0.0.1 document
  });

  it('refuses non-canonical IPv4 hosts that URL parsers read as loopback or the metadata address (A5)', async () => {
    const strict = createDidWebResolver({ cacheDir, fetch: { extraCaCertificates: [tls.certPem], timers: deadlines.timers } });
    for (const host of [`0x7f.1%3A${port}`, `0x7f000001%3A${port}`, `127.1%3A${port}`, `2130706433%3A${port}`, '0xa9fea9fe', '0251.0376.0251.0376']) {
      expect(await strict.resolve(`did:web:${host}`)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
    }
    expect(hits).toEqual([]);
  });

  it('checks the URL-normalised host of every request, not the text it was given (A5)', async () => {
    const fetcher = httpsDidFetcher({ extraCaCertificates: [tls.certPem] });
    // A location parseDidWeb would never make: the fetcher must still not connect.
    const outcome = await fetcher.fetch({ did: 'did:web:x', hostname: '0x7f.1', port, path: [], url: `https://0x7f.1:${port}/.well-known/did.json` });
    expect(outcome).toMatchObject({ kind: 'failed', problem: { code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/127\.0\.0\.1 is not a public address/) } });
    expect(hits).toEqual([]);
  });

  it('tells the caller "could not reach <host>", never the errno, address or port it got; the log gets those (A5)', async () => {
    await stopServer(); // a closed port: ECONNREFUSED
    const logged: string[] = [];
    const result = await resolverWith({ onProblem: (_did, p) => logged.push(p.detail) }).resolve(did);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: `${did}: could not reach 127.0.0.1:${port}` }] });
    expect(JSON.stringify(result)).not.toMatch(/ECONNREFUSED|connect/);
    expect(logged.join('\n')).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });

  it('refuses a server whose certificate it does not trust (no extra CA)', async () => {
    const logged: string[] = [];
    const result = await createDidWebResolver({ cacheDir, fetch: { allowPrivateNetwork: true, timers: deadlines.timers }, onProblem: (_did, p) => logged.push(p.detail) }).resolve(did);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: `${did}: could not reach 127.0.0.1:${port}` }] });
    expect(logged.join('\n')).toMatch(/self.signed|certificate/i);
  });

  it('keeps answering from a stale copy while the server is down, and after a restart with no network', async () => {
    const clock = manualClock(T0);
    const resolver = resolverWith({ clock });
    expect((await resolver.resolve(did)).ok).toBe(true);
    await stopServer();

    clock.advance(600_000 + DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs);
    const stale = await resolver.resolve(did);
    expect(stale).toMatchObject({ ok: true, value: { source: 'cache', stale: true, refreshProblem: { code: 'DID_UNRESOLVABLE' } } });
    expect(stale.ok ? stale.value.refreshProblem?.detail : '').toBe(`${did}: could not reach 127.0.0.1:${port}`);

    // A new process: nothing in memory, the server still down, the disk cache is all there is.
    const restarted = resolverWith({ clock: manualClock(T0 + 60_000) });
    expect(await restarted.resolve(did)).toMatchObject({ ok: true, value: { source: 'cache', stale: false, document: { id: did } } });
    expect(hits).toHaveLength(1);
  });

  it('picks up a rotated key once the copy is stale', async () => {
    const clock = manualClock(T0);
    const resolver = resolverWith({ clock });
    await resolver.resolve(did);
    routes.set('/.well-known/did.json', json(registryDidDocument(did, rotatedKey)));
    clock.advance(600_000 + DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs);
    const result = await resolver.resolve(did);
    expect(result).toMatchObject({ ok: true, value: { source: 'network' } });
    expect(ed25519KeysOf(result.ok ? result.value.document : undefined, 'assertionMethod')[0]?.didKey).toBe(rotatedKey.did);
  });

  it('never fetches a pinned document (fully offline operation)', async () => {
    const pinnedDid = 'did:web:acme.example';
    const resolver = resolverWith({ pinned: [registryDidDocument(pinnedDid, orgKey), registryDidDocument(did, rotatedKey)] });
    expect(await resolver.resolve(pinnedDid)).toMatchObject({ ok: true, value: { source: 'pinned' } });
    expect(await resolver.resolve(did)).toMatchObject({ ok: true, value: { source: 'pinned' } });
    expect(hits).toEqual([]);
  });

  it('shares one request among concurrent resolutions', async () => {
    const resolver = resolverWith();
    const results = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve(did)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(hits).toHaveLength(1);
  });

  const refusals: [string, () => void, string, RegExp][] = [
    [
      'an oversized document (Content-Length)',
      () => {
        const big = JSON.stringify({ id: 'x', pad: 'x'.repeat(70_000) });
        routes.set('/.well-known/did.json', json(big, { 'content-length': String(Buffer.byteLength(big)) }));
      },
      'DID_UNRESOLVABLE',
      /sent 70019 bytes, more than the 65536 bytes/,
    ],
    [
      'an oversized document (chunked, no length)',
      () =>
        routes.set('/.well-known/did.json', (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < 80; i++) res.write('x'.repeat(1024));
          res.end();
        }),
      'DID_UNRESOLVABLE',
      /sent over 65536 bytes, more than the 65536 bytes/,
    ],
    // The owner's broken document is not the caller's fault: 503 DID_UNRESOLVABLE with the reason (C4).
    ['a document naming another DID', () => routes.set('/.well-known/did.json', json(registryDidDocument('did:web:evil.example', orgKey))), 'DID_UNRESOLVABLE', /its id is "did:web:evil.example"/],
    ['malformed JSON', () => routes.set('/.well-known/did.json', json('{"id":')), 'DID_UNRESOLVABLE', /not usable JSON \(REQUEST_MALFORMED_JSON/],
    [
      'a redirect to another host',
      () =>
        routes.set('/.well-known/did.json', (_req, res) => {
          res.writeHead(302, { location: `https://localhost:${port}/elsewhere.json` }).end();
        }),
      'DID_UNRESOLVABLE',
      /redirects to https:\/\/localhost:\d+, another origin/,
    ],
    ['a missing document (404)', () => routes.delete('/.well-known/did.json'), 'DID_UNRESOLVABLE', /HTTP 404/],
    [
      'a server error',
      () =>
        routes.set('/.well-known/did.json', (_req, res) => {
          res.writeHead(503).end();
        }),
      'DID_UNRESOLVABLE',
      /HTTP 503/,
    ],
    // The request has reached the server, which never answers: its deadline passes then.
    ['a server that never answers', () => routes.set('/.well-known/did.json', () => deadlines.expire()), 'DID_UNRESOLVABLE', /could not reach 127\.0\.0\.1:\d+$/],
  ];
  it.each(refusals)('refuses %s with the precise error, and caches nothing but the failure, briefly', async (_what, setUp, code, detail) => {
    setUp();
    const clock = manualClock(T0);
    const resolver = resolverWith({ clock });
    const result = await resolver.resolve(did);
    expect(result).toMatchObject({ ok: false, problems: [{ code }] });
    expect(result.ok ? '' : result.problems[0]?.detail).toMatch(detail);
    expect(await cachedFiles()).toEqual([]);
    // Fixed on the server: the failure is remembered for failureTtlMs (no new request), then it is fetched again.
    routes.set('/.well-known/did.json', json(registryDidDocument(did, orgKey)));
    const requests = hits.length;
    expect(await resolver.resolve(did)).toMatchObject({ ok: false, problems: [{ code }] });
    expect(hits).toHaveLength(requests);
    clock.advance(DEFAULT_DID_CACHE_POLICY.failureTtlMs);
    expect(await resolver.resolve(did)).toMatchObject({ ok: true, value: { source: 'network' } });
  });

  it('ends a fetch at its deadline: the caller is told only that the host was not reached, the log why', async () => {
    const logged: string[] = [];
    routes.set('/.well-known/did.json', () => deadlines.expire());
    const result = await resolverWith({ onProblem: (_did, p) => logged.push(p.detail) }).resolve(did);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: `${did}: could not reach 127.0.0.1:${port}` }] });
    expect(logged.join('\n')).toMatch(/did not answer within 3000 ms/);
    expect(await cachedFiles()).toEqual([]);
  });

  it('keeps a real deadline by default: a server that never answers ends in DID_UNRESOLVABLE, and nothing is cached', async () => {
    routes.set('/.well-known/did.json', () => undefined);
    // The real timer: only the outcome is checked, never how long it took (the test timeout is far above 300 ms).
    const resolver = createDidWebResolver({ cacheDir, fetch: { extraCaCertificates: [tls.certPem], allowPrivateNetwork: true, timeoutMs: 300 } });
    expect(await resolver.resolve(did)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: `${did}: could not reach 127.0.0.1:${port}` }] });
    expect(await cachedFiles()).toEqual([]);
  });

  it('follows a redirect within the same origin', async () => {
    routes.set('/.well-known/did.json', (_req, res) => {
      res.writeHead(301, { location: '/moved/did.json' }).end();
    });
    routes.set('/moved/did.json', json(registryDidDocument(did, orgKey)));
    expect(await resolverWith().resolve(did)).toMatchObject({ ok: true, value: { source: 'network' } });
    expect(hits).toEqual(['/.well-known/did.json', '/moved/did.json']);
  });
});

describe('plain http to loopback (development only)', () => {
  let plain: ReturnType<typeof createHttpServer>;
  let plainDid: string;

  beforeAll(async () => {
    plain = createHttpServer((req, res) => {
      if (req.url === '/.well-known/did.json') return json(registryDidDocument(plainDid, orgKey))(req, res);
      res.writeHead(404).end();
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    plainDid = `did:web:127.0.0.1%3A${(plain.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    plain.closeAllConnections();
    plain.close();
  });

  it('is refused by default (did:web is https only) and allowed with allowHttpLoopback', async () => {
    expect(await createDidWebResolver({ fetch: { allowPrivateNetwork: true, timers: deadlines.timers } }).resolve(plainDid)).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE' }] });
    expect(await createDidWebResolver({ fetch: { allowHttpLoopback: true, timers: deadlines.timers } }).resolve(plainDid)).toMatchObject({ ok: true, value: { source: 'network' } });
  });

  it('allows loopback DNS names with allowHttpLoopback, through the guarded lookup', async () => {
    const addresses = await lookup('localhost', { all: true });
    if (addresses[0]?.address !== '127.0.0.1') return; // the server listens on IPv4 only
    const port = (plain.address() as AddressInfo).port;
    const localDid = `did:web:localhost%3A${port}`;
    const result = await createDidWebResolver({ fetch: { allowHttpLoopback: true, timers: deadlines.timers } }).resolve(localDid);
    // Reached over http: the server answers with the 127.0.0.1 document, which names another DID.
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/\(at \/id\)/) }] });
  });
});

describe('pinned documents from files', () => {
  it('reads files and directories, and refuses invalid or duplicate pins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signpost-pins-'));
    try {
      await mkdir(join(dir, 'more'));
      await writeFile(join(dir, 'acme.json'), JSON.stringify(registryDidDocument('did:web:acme.example', orgKey)));
      await writeFile(join(dir, 'more', 'beta.json'), JSON.stringify(registryDidDocument('did:web:beta.example', orgKey)));
      await writeFile(join(dir, 'more', 'notes.txt'), 'ignored');
      const loaded = await loadPinnedDidDocuments([join(dir, 'acme.json'), join(dir, 'more')]);
      expect(loaded.ok ? loaded.value.map((d) => (d as { id: string }).id) : loaded.problems).toEqual(['did:web:acme.example', 'did:web:beta.example']);

      expect(await loadPinnedDidDocuments([join(dir, 'acme.json'), join(dir, 'acme.json')])).toMatchObject({ ok: false, problems: [{ code: 'DID_DOCUMENT_INVALID', detail: expect.stringMatching(/pinned twice/) }] });
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...registryDidDocument('did:web:bad.example', orgKey), controller: 'did:web:evil.example' }));
      expect(await loadPinnedDidDocuments([join(dir, 'bad.json')])).toMatchObject({ ok: false, problems: [{ code: 'DID_DOCUMENT_INVALID', detail: expect.stringMatching(/bad\.json.*controller/) }] });
      expect(await loadPinnedDidDocuments([join(dir, 'absent.json')])).toMatchObject({ ok: false, problems: [{ code: 'DID_DOCUMENT_INVALID' }] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a credential issued by a did:web organisation', () => {
  it('verifies through the document loader backed by the resolver, and fails once the key is rotated away', async () => {
    const keyId = `${did}#key-1`;
    const issuer = { did, keyId, signer: credentialSigner(orgKey, keyId) };
    const agent = testKey(53);
    const now = Date.now();
    const credential = await issueCertificationCredential({
      issuer,
      subject: agent.did,
      agentName: 'agent://acme.com/billing/invoices',
      certification: { name: 'SOC2', level: 'type2' },
      validFrom: new Date(now - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      validUntil: new Date(now + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    const clock = manualClock(now);
    const resolver = resolverWith({ clock });
    const documentLoader = createDocumentLoader({ didDocuments: didDocumentLookup(resolver) });
    const options = { documentLoader, now, trustPolicy: { SOC2: [did] } };

    expect(await verifyCertificationCredential(credential, options)).toMatchObject({ verified: true, attested: { issuer: did } });
    expect(hits).toEqual(['/.well-known/did.json']);
    const forged = { ...credential, credentialSubject: { ...credential.credentialSubject, certification: { name: 'SOC2', level: 'type3' } } };
    expect(await verifyCertificationCredential(forged, options)).toMatchObject({ verified: false, errors: [{ code: 'CREDENTIAL_INVALID' }] });

    // The organisation rotates its key; once the cached copy goes stale the old signature stops counting.
    routes.set('/.well-known/did.json', json(registryDidDocument(did, rotatedKey)));
    clock.advance(600_000 + DEFAULT_DID_CACHE_POLICY.staleWhileRevalidateMs);
    expect(await verifyCertificationCredential(credential, options)).toMatchObject({ verified: false, errors: [{ code: 'CREDENTIAL_INVALID' }] });

    // Its server gone for good (404): the DID no longer resolves.
    routes.clear();
    clock.advance(25 * 3_600_000);
    expect(await verifyCertificationCredential(credential, options)).toMatchObject({ verified: false, errors: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/HTTP 404/) }] });
  });
});
