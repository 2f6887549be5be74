/**
 * Every verifying path agrees on the same answers: the SDK (SignpostClient.resolve), the CLI
 * (`signpost resolve --json`), `signpost verify --json` on the saved answer, and signpost/tls
 * (registryRevocationCheck). A real registry process sits behind a real loopback HTTP proxy that
 * replays recorded answers for /v1/resolve and passes everything else (status lists, the DID
 * document, /v1/agents, /v1/registry) through, so every path sees a stale answer exactly as a
 * caching proxy would serve it. The registry is started with the proxy as its public URL, so its
 * did:web and status list URLs name the proxy too, and the proxy can take the status lists away.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/adapters/key-file.js';
import { SignpostClient } from '../../src/client/signpost-client.js';
import { parseAgentName } from '../../src/core/name/index.js';
import { formatUtcSeconds } from '../../src/core/record/agent-addr.js';
import { countersign, signRecord } from '../../src/core/record/signing.js';
import { testKey } from '../../src/core/test-support/agents.js';
import { NOT_BEFORE_BACKDATE_MS, type CapabilityCertificateInfo } from '../../src/core/trust/certificates/index.js';
import { registryRevocationCheck } from '../../src/tls/registry-status.js';
import { registerWithCli, removeDir, runCli, startServer, tempDir, type RunningServer } from './support.js';

/** A loopback HTTP proxy in front of the registry: replays recorded resolve answers, can take the status lists down. */
interface ReplayProxy {
  readonly url: string;
  upstream: string;
  /** Canonical name → the answer body to serve for /v1/resolve of that name. */
  readonly replays: Map<string, string>;
  statusListsDown: boolean;
  close(): Promise<void>;
}

async function startReplayProxy(): Promise<ReplayProxy> {
  const proxy = { upstream: '', replays: new Map<string, string>(), statusListsDown: false } as { -readonly [K in keyof ReplayProxy]: ReplayProxy[K] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const asked = url.searchParams.get('name');
    const canonical = asked === null ? undefined : parseAgentName(asked);
    const replay = url.pathname === '/v1/resolve' && canonical?.ok ? proxy.replays.get(canonical.value.canonical) : undefined;
    if (replay !== undefined) {
      const etag = `"${createHash('sha256').update(replay).digest('base64url').slice(0, 22)}"`;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag, 'cache-control': 'max-age=3600' }).end(replay);
      return;
    }
    if (proxy.statusListsDown && url.pathname.startsWith('/v1/status/')) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream status lists unavailable');
      return;
    }
    const upstream = new URL(proxy.upstream);
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (error) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${error.message}`));
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

let proxy: ReplayProxy;
let registry: RunningServer;
let work: string;
let env: Record<string, string>;
let registryKey: string;

beforeAll(async () => {
  proxy = await startReplayProxy();
  registry = await startServer(undefined, ['--public-url', proxy.url]);
  proxy.upstream = registry.url;
  work = await tempDir('agreement');
  env = { SIGNPOST_REGISTRY: proxy.url, SIGNPOST_HOME: join(work, 'home') };
  registryKey = ((await (await fetch(`${registry.url}/v1/registry`)).json()) as { id: string }).id;
});

afterAll(async () => {
  await registry?.stop();
  await proxy?.close();
  if (work) await removeDir(work);
  if (registry) await removeDir(registry.dataDir);
});

const file = (name: string) => join(work, name);

/** The answer the registry serves now, as bytes (straight from the registry, not through the proxy). */
async function recordAnswer(name: string): Promise<string> {
  const response = await fetch(`${registry.url}/v1/resolve?name=${encodeURIComponent(name)}`);
  expect(response.status).toBe(200);
  return response.text();
}

/** What a capability certificate issued at `issuedAtMs` looks like to the check (only the name and notBefore matter). */
function certificateFor(agentName: string, issuedAtMs: number): CapabilityCertificateInfo {
  const notBefore = new Date(Math.floor((issuedAtMs - NOT_BEFORE_BACKDATE_MS) / 1000) * 1000);
  return { agentName, capabilities: ['invoice.send'], serialNumber: '01', notBefore, notAfter: new Date(issuedAtMs + 3_600_000), issuer: 'CN=test', subject: '', fingerprintSha256: '00' };
}

/** One verdict, in the shape every path can be compared in. */
interface Verdict {
  readonly verified: boolean;
  readonly status: string;
  readonly codes: readonly string[];
}

const verdict = (verified: boolean, status: string, codes: readonly string[]): Verdict => ({ verified, status, codes: [...codes].sort() });

interface Observed {
  readonly sdk: Verdict;
  readonly cliResolve: Verdict & { readonly exit: number | null };
  readonly cliVerify: Verdict & { readonly exit: number | null; readonly signaturesVerified: boolean };
  /** registryRevocationCheck: good (null), revoked, suspended, or refused (it threw: fail closed). */
  readonly tls: 'good' | 'revoked' | 'suspended' | 'refused';
}

/** Serve `recorded` for `name` through the proxy and ask every path about it. */
async function observeAll(slug: string, name: string, recorded: string, issuedAtMs: number): Promise<Observed> {
  proxy.replays.set(name, recorded); // names here are canonical already
  await writeFile(file(`${slug}.answer.json`), recorded);
  const [sdk, resolved, verified, tls] = await Promise.all([
    new SignpostClient({ registry: proxy.url, registryKey }).resolve(name),
    runCli(['resolve', name, '--json'], env),
    runCli(['verify', file(`${slug}.answer.json`), '--json', '--registry-key', registryKey], env),
    registryRevocationCheck(proxy.url, { cacheMs: 0, registryKey })(certificateFor(name, issuedAtMs)).then(
      (status) => status ?? 'good',
      () => 'refused' as const,
    ),
  ]);
  const cli = JSON.parse(resolved.stdout) as { verified: boolean; status: string; errors: { code: string }[] };
  const saved = JSON.parse(verified.stdout) as { verified: boolean; status: string; signaturesVerified: boolean; errors: { code: string }[] };
  return {
    sdk: verdict(sdk.verified, sdk.status, sdk.errors.map((e) => e.code)),
    cliResolve: { ...verdict(cli.verified, cli.status, cli.errors.map((e) => e.code)), exit: resolved.code },
    cliVerify: { ...verdict(saved.verified, saved.status, saved.errors.map((e) => e.code)), exit: verified.code, signaturesVerified: saved.signaturesVerified },
    tls,
  };
}

/** Register a fresh agent with the CLI; its key file and when it was registered. */
async function freshAgent(slug: string): Promise<{ name: string; key: string; registeredAtMs: number }> {
  const name = `agent://agreement.example/${slug}`;
  const key = file(`${slug}.jwk`);
  await registerWithCli(env, name, key);
  return { name, key, registeredAtMs: Date.now() };
}

type Answer = { addr: { payload: Record<string, unknown>; sig: string; countersig: { at: string } }; facts: { payload: Record<string, unknown>; sig: string; countersig: { at: string } } } & Record<string, unknown>;

interface Row {
  readonly slug: string;
  /** Sets the world up and returns the name and the answer bytes the proxy will replay. */
  prepare(): Promise<{ name: string; recorded: string; issuedAtMs: number }>;
  readonly expected: Verdict;
  /** Whether the records alone (stage 1) hold: `signpost verify` reports it next to the status. */
  readonly signaturesVerified: boolean;
  readonly tls: Observed['tls'];
}

const rows: Row[] = [
  {
    slug: 'good',
    async prepare() {
      const { name, registeredAtMs } = await freshAgent('good');
      return { name, recorded: await recordAnswer(name), issuedAtMs: registeredAtMs };
    },
    expected: verdict(true, 'good', []),
    signaturesVerified: true,
    tls: 'good',
  },
  {
    slug: 'tampered',
    async prepare() {
      const { name, registeredAtMs } = await freshAgent('tampered');
      const answer = JSON.parse(await recordAnswer(name)) as Answer;
      answer.facts.payload.description = 'Sends invoices to the attacker';
      return { name, recorded: JSON.stringify(answer), issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'unchecked', ['FACTS_DIGEST_MISMATCH', 'RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID']),
    signaturesVerified: false,
    tls: 'refused',
  },
  {
    slug: 'countersigned-by-another-key',
    async prepare() {
      const { name, registeredAtMs } = await freshAgent('countersigned-by-another-key');
      const answer = JSON.parse(await recordAnswer(name)) as Answer;
      const stranger = testKey(77);
      answer.addr = countersign({ payload: answer.addr.payload, sig: answer.addr.sig }, stranger, answer.addr.countersig.at);
      answer.facts = countersign({ payload: answer.facts.payload, sig: answer.facts.sig }, stranger, answer.facts.countersig.at);
      return { name, recorded: JSON.stringify(answer), issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'unchecked', ['RECORD_COUNTERSIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID']),
    signaturesVerified: false,
    tls: 'refused',
  },
  {
    slug: 'expired',
    async prepare() {
      // A record whose notAfter has passed, signed by the agent and countersigned with the registry's own key:
      // what a proxy still holds after the record ran out. (Made, not waited for: no test waits on the clock.)
      const { name, key, registeredAtMs } = await freshAgent('expired');
      const answer = JSON.parse(await recordAnswer(name)) as Answer;
      const agentKey = await readKeyFile(key);
      const operator = await readKeyFile(join(registry.dataDir, 'registry-key.jwk'));
      const notAfterMs = Date.now() - 3_600_000;
      const addr = signRecord({ ...answer.addr.payload, notAfter: formatUtcSeconds(notAfterMs) }, agentKey);
      answer.addr = countersign(addr, operator, formatUtcSeconds(notAfterMs - 3_600_000));
      return { name, recorded: JSON.stringify(answer), issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'unchecked', ['RECORD_EXPIRED']),
    signaturesVerified: false,
    tls: 'refused',
  },
  {
    slug: 'revoked',
    async prepare() {
      const { name, key, registeredAtMs } = await freshAgent('revoked');
      const recorded = await recordAnswer(name);
      expect((await runCli(['revoke', name, '--key', key, '--reason', 'private key leaked'], env)).code).toBe(0);
      return { name, recorded, issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'revoked', ['CREDENTIAL_REVOKED']),
    signaturesVerified: true,
    tls: 'refused',
  },
  {
    slug: 'suspended',
    async prepare() {
      const { name, registeredAtMs } = await freshAgent('suspended');
      const recorded = await recordAnswer(name);
      const operatorKey = join(registry.dataDir, 'registry-key.jwk');
      expect((await runCli(['revoke', name, '--suspend', '--key', operatorKey, '--reason', 'abuse report'], env)).code).toBe(0);
      return { name, recorded, issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'suspended', ['CREDENTIAL_REVOKED']),
    signaturesVerified: true,
    tls: 'suspended',
  },
  {
    slug: 'key-rotated',
    async prepare() {
      const { name, key, registeredAtMs } = await freshAgent('key-rotated');
      const recorded = await recordAnswer(name);
      const next = file('key-rotated-next.jwk');
      expect((await runCli(['keygen', '--out', next], env)).code).toBe(0);
      const rotated = await runCli(['rotate', name, '--key', key, '--new-key', next], env);
      expect(rotated.stderr).toBe('');
      return { name, recorded, issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'revoked', ['CREDENTIAL_REVOKED']),
    signaturesVerified: true,
    tls: 'refused',
  },
  {
    slug: 'updated',
    async prepare() {
      const { name, key, registeredAtMs } = await freshAgent('updated');
      const recorded = await recordAnswer(name);
      const updated = await runCli(['register', '--key', key, '--name', name, '--endpoint', 'a2a=https://agents.example/a2a-v2'], env);
      expect(updated.stderr).toBe('');
      return { name, recorded, issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'revoked', ['CREDENTIAL_REVOKED']),
    signaturesVerified: true,
    tls: 'refused',
  },
  {
    slug: 'status-list-unavailable',
    async prepare() {
      const { name, registeredAtMs } = await freshAgent('status-list-unavailable');
      const recorded = await recordAnswer(name);
      proxy.statusListsDown = true;
      return { name, recorded, issuedAtMs: registeredAtMs };
    },
    expected: verdict(false, 'unchecked', ['STATUS_LIST_UNAVAILABLE', 'STATUS_LIST_UNAVAILABLE']),
    signaturesVerified: true,
    tls: 'refused',
  },
];

describe('every verifying path agrees on the same answers, served by a replaying proxy', () => {
  const table: string[] = [];
  const cell = (v: Verdict & { exit?: number | null }) => `${v.verified ? 'verified' : 'NOT verified'} ${v.status} [${v.codes.join(' ')}]${v.exit === undefined ? '' : ` exit ${v.exit}`}`;

  it.each(rows)('$slug', async (row) => {
    proxy.statusListsDown = false;
    const { name, recorded, issuedAtMs } = await row.prepare();
    try {
      const observed = await observeAll(row.slug, name, recorded, issuedAtMs);
      table.push(`| ${row.slug} | ${cell(observed.sdk)} | ${cell(observed.cliResolve)} | ${cell(observed.cliVerify)} | ${observed.tls} |`);
      const exit = row.expected.verified ? 0 : 1;
      expect({ sdk: observed.sdk, cliResolve: observed.cliResolve, cliVerify: observed.cliVerify, tls: observed.tls }).toEqual({
        sdk: row.expected,
        cliResolve: { ...row.expected, exit },
        cliVerify: { ...row.expected, exit, signaturesVerified: row.signaturesVerified },
        tls: row.tls,
      });
    } finally {
      proxy.statusListsDown = false;
    }
  });

  afterAll(() => {
    // The table the paths produced, for the record (vitest prints it with the run).
    console.log(['| answer | SDK resolve | signpost resolve --json | signpost verify --json | signpost/tls check |', ...table].join('\n'));
  });
});

describe('a saved answer checked away from the registry', () => {
  it('signpost verify --offline checks the signatures but never says verified: status unchecked, STATUS_LIST_UNAVAILABLE, exit 1', async () => {
    const { name } = await freshAgent('offline');
    await writeFile(file('offline.answer.json'), await recordAnswer(name));
    const json = await runCli(['verify', file('offline.answer.json'), '--json', '--offline'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      name,
      verified: false,
      signaturesVerified: true,
      status: 'unchecked',
      registryTrusted: true,
      errors: [{ code: 'STATUS_LIST_UNAVAILABLE', detail: expect.stringContaining('offline'), pointer: '/credential/credentialStatus' }],
    });
    const human = await runCli(['verify', file('offline.answer.json'), '--offline'], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^NOT VERIFIED: revocation status not checked\n/);
    expect(human.stdout).not.toMatch(/^verified/m);
    // Online (the default) the same file verifies: the registry's status lists are reachable.
    const online = await runCli(['verify', file('offline.answer.json')], env);
    expect(online.code).toBe(0);
    expect(online.stdout).toMatch(/^verified: agent:\/\/agreement\.example\/offline\n {2}status: good/);
  });
});

describe('JSON a registry must never send, served by the proxy', () => {
  it('deep or duplicate-keyed answers get a clear refusal on every path, never a throw or a stack trace', async () => {
    const { name, registeredAtMs } = await freshAgent('strict-json');
    const good = await recordAnswer(name);
    const cases = [
      { slug: 'deep', body: '['.repeat(100_000) + ']'.repeat(100_000), code: 'REQUEST_TOO_COMPLEX' },
      // The attacker's endpoint first, the signed one last: JSON.parse keeps the last, another reader the first.
      { slug: 'duplicate', body: good.replace('"endpoint":', '"endpoint":{"url":"https://evil.example/a2a","protocol":"a2a"},"endpoint":'), code: 'REQUEST_MALFORMED_JSON' },
    ];
    for (const { slug, body, code } of cases) {
      proxy.replays.set(name, body);
      await writeFile(file(`${slug}.answer.json`), body);
      const [sdk, resolved, verified, tls] = await Promise.all([
        new SignpostClient({ registry: proxy.url, registryKey }).resolve(name),
        runCli(['resolve', name, '--json'], env),
        runCli(['verify', file(`${slug}.answer.json`), '--json', '--registry-key', registryKey], env),
        registryRevocationCheck(proxy.url, { cacheMs: 0, registryKey })(certificateFor(name, registeredAtMs)).then(
          () => 'not refused',
          (error: Error) => error.message,
        ),
      ]);
      expect({ slug, sdk: sdk.errors.map((e) => e.code), verified: sdk.verified }).toEqual({ slug, sdk: ['REGISTRY_BAD_RESPONSE', code], verified: false });
      expect({ slug, exit: resolved.code, cli: (JSON.parse(resolved.stdout) as { errors: { code: string }[] }).errors.map((e) => e.code) }).toEqual({
        slug,
        exit: 3,
        cli: ['REGISTRY_BAD_RESPONSE', code],
      });
      // The saved file is refused by the same strict reader: bad input, exit 2, no stack trace.
      expect({ slug, exit: verified.code, stdout: verified.stdout }).toEqual({ slug, exit: 2, stdout: '' });
      expect(verified.stderr).toContain(`error ${code}`);
      expect(verified.stderr + resolved.stderr).not.toMatch(/\n\s+at /);
      expect(tls).toContain('REGISTRY_BAD_RESPONSE');
    }
  });
});
