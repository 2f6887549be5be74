/**
 * Third-party certification credentials end to end, with real processes: a registry started with
 * `serve --trust-policy`, an auditor issuing credentials with `signpost certification issue`, and
 * `certification add` / `list` and `search --certification` over HTTP. Every refused credential
 * is checked for its precise error code and for having stored nothing; then the agent is released
 * and taken by a new key, and its old certifications are deleted from the store.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/adapters/key-file.js';
import { issueCertificationCredential } from '../../src/core/trust/credentials/certification-credential.js';
import { didKeyIssuer } from '../../src/core/trust/credentials/registry-did.js';
import { issueStatusListCredential } from '../../src/core/trust/credentials/status-list.js';
import { CLI, removeDir, runCli, tempDir, type CliResult } from './support.js';

const CERTIFIED = 'agent://clinic.example/intake';
const OTHER = 'agent://clinic.example/billing';
/** An auditor known by did:web, its DID document pinned with `serve --did-document` (never fetched). */
const WEB_AUDITOR = 'did:web:auditor.example';
/** A did:web whose document the registry cannot get (the .invalid TLD never resolves). */
const UNREACHABLE = 'did:web:unreachable.invalid';

interface Server {
  url: string;
  stop(): Promise<void>;
}

let work: string;
let dataDir: string;
let server: Server | undefined;
let env: Record<string, string>;
let auditorDid: string;
let policy: Record<string, string[]>;
const file = (name: string) => join(work, name);

/** `signpost serve --trust-policy FILE` on a free port; resolves once it listens (a start that hangs meets the hook or test timeout). */
function serve(policyFile: string, extraArgs: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<Server & { output: () => string }> {
  const args = ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn', '--trust-policy', policyFile, '--did-document', file('auditor.did.json'), ...extraArgs];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      resolve({
        url: match[1]!,
        output: () => output,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      reject(Object.assign(new Error(`server exited with ${code}:\n${output}`), { code, output }));
    });
  });
}

async function start(trustPolicy: Record<string, string[]>, extraArgs: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<void> {
  await server?.stop();
  await writeFile(file('policy.json'), JSON.stringify(trustPolicy, null, 2));
  const started = await serve(file('policy.json'), extraArgs, extraEnv);
  server = started;
  env = { SIGNPOST_REGISTRY: started.url, SIGNPOST_HOME: file('home') };
}

async function cli(args: readonly string[]): Promise<CliResult> {
  return runCli(args, env);
}

async function keygen(name: string): Promise<string> {
  const made = await cli(['keygen', '--out', file(name)]);
  expect(made.code, made.stderr).toBe(0);
  return /did:key:z[1-9A-HJ-NP-Za-km-z]+/.exec(made.stdout + made.stderr)![0];
}

async function register(name: string, key: string): Promise<void> {
  const registered = await cli(['register', '--key', file(key), '--name', name, '--endpoint', 'a2a=https://agents.clinic.example/a2a', '--description', 'Patient intake']);
  expect(registered.code, registered.stderr).toBe(0);
}

async function issue(out: string, args: readonly string[]): Promise<void> {
  const issued = await cli(['certification', 'issue', '--out', file(out), ...args]);
  expect(issued.code, issued.stderr).toBe(0);
}

/** What the registry stores for a name (over HTTP: a CLI run per check would make the file slow). */
async function stored(name: string): Promise<unknown[]> {
  const response = await fetch(`${server!.url}/v1/agents/${encodeURIComponent(name)}/certifications`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: unknown[] }).items;
}

/** Rows the registry's database holds for a name, read beside the running server (WAL: readers never block it). */
function rowsInDatabase(name: string): number {
  const db = new Database(join(dataDir, 'signpost.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM certifications WHERE agent_name = ?').get(name) as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Wait until `check` holds (the prune after a write runs right after the write, not inside it).
 * Bounded only by the test's timeout, not by a guess at how fast a busy machine prunes.
 */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function certified(certification: string): Promise<string[]> {
  const response = await fetch(`${server!.url}/v1/search?certification=${encodeURIComponent(certification)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { name: string }[] }).items.map((item) => item.name);
}

beforeAll(async () => {
  work = await tempDir('certifications');
  dataDir = await tempDir('certifications-data');
  env = { SIGNPOST_HOME: file('home') };
  auditorDid = await keygen('auditor.jwk');
  await keygen('stranger.jwk');
  const webAuditorKey = await keygen('web-auditor.jwk');
  await writeFile(
    file('auditor.did.json'),
    JSON.stringify({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: WEB_AUDITOR,
      verificationMethod: [{ id: `${WEB_AUDITOR}#key-1`, type: 'Multikey', controller: WEB_AUDITOR, publicKeyMultibase: webAuditorKey.slice('did:key:'.length) }],
      assertionMethod: [`${WEB_AUDITOR}#key-1`],
    }),
  );
  policy = { HIPAA: [auditorDid], SOC2: [auditorDid], 'kid-safe': [WEB_AUDITOR, UNREACHABLE] };
  await start(policy);
  await keygen('intake.jwk');
  await keygen('billing.jwk');
  await register(CERTIFIED, 'intake.jwk');
  await register(OTHER, 'billing.jwk');
});

afterAll(async () => {
  await server?.stop();
  if (work) await removeDir(work);
  if (dataDir) await removeDir(dataDir);
});

// Every step runs the CLI as its own process (one to seven seconds each on a busy two-core machine): the test timeout of vitest.config.ts allows for that.
describe('certification credentials against a real registry process', () => {
  it('prints the trust policy it runs with', () => {
    expect((server as unknown as { output: () => string }).output()).toContain(`trust policy: ${file('policy.json')}: HIPAA, SOC2, kid-safe`);
  });

  it('accepts a did:web auditor through its pinned DID document', async () => {
    await issue('kid-safe-web.json', ['--key', file('web-auditor.jwk'), '--did', WEB_AUDITOR, '--name', OTHER, '--certification', 'kid-safe']);
    const added = await cli(['certification', 'add', OTHER, file('kid-safe-web.json')]);
    expect(added.code, added.stderr).toBe(0);
    expect(await stored(OTHER)).toMatchObject([{ certification: 'kid-safe', issuer: WEB_AUDITOR, verified: true }]);
    expect(await certified('kid-safe')).toEqual([OTHER]);
  });

  it('stores a certification from a trusted auditor; search finds only that agent', async () => {
    await issue('hipaa.json', ['--key', file('auditor.jwk'), '--name', CERTIFIED, '--certification', 'HIPAA', '--level', 'full', '--valid-for', '365d']);
    const added = await cli(['certification', 'add', CERTIFIED, file('hipaa.json')]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`${CERTIFIED}: HIPAA certification by ${auditorDid} stored`);
    expect(await stored(CERTIFIED)).toMatchObject([{ certification: 'HIPAA', level: 'full', issuer: auditorDid, verified: true, errors: [] }]);
    expect(await certified('HIPAA')).toEqual([CERTIFIED]);
    expect(await certified('hipaa')).toEqual([CERTIFIED]);
    expect(await certified('SOC2')).toEqual([]);
    const search = await cli(['search', '--certification', 'HIPAA', '--json']);
    expect(search.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { name: string }).name)).toEqual([CERTIFIED]);
    const listed = await cli(['certification', 'list', CERTIFIED]);
    expect(listed.stdout).toContain('HIPAA full');
    expect(listed.stdout).toContain('counts');
    const json = await cli(['certification', 'list', 'intake@clinic.example', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: CERTIFIED, items: [{ certification: 'HIPAA', verified: true }] });
  });

  describe('refuses bad credentials with the precise code, and stores nothing', () => {
    async function refused(credentialFile: string, code: string, exit: number): Promise<void> {
      const before = await stored(OTHER);
      const added = await cli(['certification', 'add', OTHER, file(credentialFile)]);
      expect(added.stderr).toContain(`error ${code}:`);
      expect(added.code).toBe(exit);
      expect(await stored(OTHER)).toEqual(before);
      expect(await certified('HIPAA')).toEqual([CERTIFIED]);
    }

    it('an issuer the trust policy does not list: ISSUER_UNTRUSTED', async () => {
      await issue('untrusted.json', ['--key', file('stranger.jwk'), '--name', OTHER, '--certification', 'HIPAA']);
      await refused('untrusted.json', 'ISSUER_UNTRUSTED', 1);
    });

    it('a trusted issuer, for a certification it is not trusted for: ISSUER_UNTRUSTED', async () => {
      await issue('kid-safe.json', ['--key', file('auditor.jwk'), '--name', OTHER, '--certification', 'kid-safe']);
      await refused('kid-safe.json', 'ISSUER_UNTRUSTED', 1);
    });

    it('a forged credential, one byte of its proof flipped: CREDENTIAL_INVALID', async () => {
      await issue('genuine.json', ['--key', file('auditor.jwk'), '--name', OTHER, '--certification', 'HIPAA']);
      const bytes = await readFile(file('genuine.json'));
      const at = bytes.indexOf('"proofValue": "z') + '"proofValue": "z'.length + 20;
      bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41; // another base58 letter: still JSON, still base58
      await writeFile(file('forged.json'), bytes);
      await refused('forged.json', 'CREDENTIAL_INVALID', 1);
      // The genuine one is accepted for that agent: the flip alone made the difference.
      expect((await cli(['certification', 'add', OTHER, file('genuine.json')])).code).toBe(0);
      expect(await certified('HIPAA')).toEqual([OTHER, CERTIFIED].sort());
    });

    it('a did:web issuer whose DID document cannot be had: DID_UNRESOLVABLE (exit 3)', async () => {
      await issue('unreachable.json', ['--key', file('stranger.jwk'), '--did', UNREACHABLE, '--name', OTHER, '--certification', 'kid-safe']);
      const before = await stored(OTHER);
      const added = await cli(['certification', 'add', OTHER, file('unreachable.json')]);
      expect(added.stderr).toContain('error DID_UNRESOLVABLE:');
      expect(added.code).toBe(3);
      expect(await stored(OTHER)).toEqual(before);
    });

    it('an expired credential: CREDENTIAL_EXPIRED', async () => {
      await issue('expired.json', ['--key', file('auditor.jwk'), '--name', OTHER, '--certification', 'SOC2', '--valid-from', '2020-01-01T00:00:00Z', '--valid-for', '30d']);
      const before = await stored(OTHER);
      const added = await cli(['certification', 'add', OTHER, file('expired.json')]);
      expect(added.stderr).toContain('error CREDENTIAL_EXPIRED:');
      expect(added.code).toBe(1);
      expect(await stored(OTHER)).toEqual(before);
      expect(await certified('SOC2')).toEqual([]);
    });

    it('an oversized credential: REQUEST_TOO_LARGE (exit 2)', async () => {
      await issue('large.json', ['--key', file('auditor.jwk'), '--name', OTHER, '--certification', 'SOC2']);
      const vc = JSON.parse(await readFile(file('large.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(file('oversized.json'), JSON.stringify({ ...vc, evidence: [{ type: ['Evidence'], report: 'x'.repeat(20_000) }] }));
      const before = await stored(OTHER);
      const added = await cli(['certification', 'add', OTHER, file('oversized.json')]);
      expect(added.stderr).toContain('error REQUEST_TOO_LARGE:');
      expect(added.code).toBe(2);
      expect(await stored(OTHER)).toEqual(before);
      expect(await certified('SOC2')).toEqual([]);
    });

    it('a file that is not JSON: REQUEST_MALFORMED_JSON; a file that cannot be read: FILE_UNUSABLE (exit 2)', async () => {
      await writeFile(file('truncated.json'), '{"@context": [');
      for (const [credentialFile, code] of [['truncated.json', 'REQUEST_MALFORMED_JSON'], ['no-such-file.json', 'FILE_UNUSABLE']]) {
        const added = await cli(['certification', 'add', OTHER, file(credentialFile!)]);
        expect(added.stderr).toContain(`error ${code}: `);
        expect(added.stderr).toContain(file(credentialFile!));
        expect(added.code).toBe(2);
      }
    });

    it('--valid-for outside 1h .. 99999d, or not a duration: REQUEST_INVALID (exit 2), nothing written', async () => {
      for (const validFor of ['30m', '100000d', 'a year']) {
        const issued = await cli(['certification', 'issue', '--out', file('never.json'), '--key', file('auditor.jwk'), '--name', OTHER, '--certification', 'HIPAA', '--subject', auditorDid, '--valid-for', validFor]);
        expect(issued.stderr).toContain('error REQUEST_INVALID: --valid-for must');
        expect(issued.code).toBe(2);
      }
      await expect(readFile(file('never.json'))).rejects.toThrow(/ENOENT/);
    });
  });

  it('a trust policy change takes effect on restart, with no re-indexing', async () => {
    await start({ SOC2: [auditorDid] });
    expect(await certified('HIPAA')).toEqual([]);
    expect(await stored(CERTIFIED)).toMatchObject([{ certification: 'HIPAA', verified: false, errors: [{ code: 'ISSUER_UNTRUSTED' }] }]);
    await start(policy);
    expect(await certified('HIPAA')).toEqual([OTHER, CERTIFIED].sort());
  });

  it('a deregistration deletes the certifications of the name; a new owner starts with none', async () => {
    expect(rowsInDatabase(CERTIFIED)).toBe(1);
    const others = rowsInDatabase(OTHER);
    expect(others).toBeGreaterThan(0);
    const released = await cli(['deregister', CERTIFIED, '--key', file('intake.jwk'), '--release']);
    expect(released.code, released.stderr).toBe(0);
    expect(await certified('HIPAA')).toEqual([OTHER]);
    await eventually(() => rowsInDatabase(CERTIFIED) === 0); // deleted by the prune after the write, before any listing
    expect(rowsInDatabase(OTHER)).toBe(others);
    const newKey = await keygen('intake-2.jwk');
    await register(CERTIFIED, 'intake-2.jwk');
    expect(await certified('HIPAA')).toEqual([OTHER]);
    expect(await stored(CERTIFIED)).toEqual([]);
    // The old credential cannot be submitted again for the new key ...
    const replay = await cli(['certification', 'add', CERTIFIED, file('hipaa.json')]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain('error CREDENTIAL_INVALID:');
    // ... and once the auditor certifies the new key, it counts again.
    await issue('hipaa-2.json', ['--key', file('auditor.jwk'), '--name', CERTIFIED, '--certification', 'HIPAA']);
    expect(JSON.parse(await readFile(file('hipaa-2.json'), 'utf8')).credentialSubject.id).toBe(newKey);
    const added = await cli(['certification', 'add', CERTIFIED, file('hipaa-2.json')]);
    expect(added.stdout).toContain('HIPAA certification by');
    expect(added.stdout).toContain('stored');
    expect(await certified('HIPAA')).toEqual([OTHER, CERTIFIED].sort());
  });

  it("honours the auditor's status list: a revoked certification is refused, and one revoked later leaves search", async () => {
    // The auditor publishes its revocation list on a loopback http server (--allow-http-did-web lets the registry fetch it).
    const auditorKey = await readKeyFile(file('auditor.jwk'));
    const billingKey = await readKeyFile(file('billing.jwk'));
    let revoked = [12];
    let listUrl = '';
    const lists = createServer((req, res) => {
      if (req.url !== '/status/revocation') return void res.writeHead(404).end();
      const now = Date.now();
      const utc = (ms: number) => new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
      void issueStatusListCredential({ issuer: didKeyIssuer(auditorKey), listUrl, purpose: 'revocation', setIndices: revoked, validFrom: utc(now - 60_000), validUntil: utc(now + 3_600_000) }).then((list) => {
        res.writeHead(200, { 'content-type': 'application/vc+ld+json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(list));
      });
    });
    lists.listen(0, '127.0.0.1');
    await once(lists, 'listening');
    listUrl = `http://127.0.0.1:${(lists.address() as AddressInfo).port}/status/revocation`;
    try {
      await start(policy, ['--allow-http-did-web'], { SIGNPOST_STATUS_SWEEP: '1' });
      const soc2 = async (out: string, index: number) => {
        const now = Date.now();
        const vc = await issueCertificationCredential({
          issuer: didKeyIssuer(auditorKey),
          subject: billingKey.did,
          agentName: OTHER,
          certification: { name: 'SOC2', level: 'Type II' },
          validFrom: new Date(now - (now % 1000) - 60_000).toISOString().replace('.000Z', 'Z'),
          validUntil: new Date(now - (now % 1000) + 30 * 86_400_000).toISOString().replace('.000Z', 'Z'),
          status: { revocation: { listUrl, index } },
        });
        await writeFile(file(out), JSON.stringify(vc));
      };
      // Revoked before it is submitted: refused, nothing stored.
      await soc2('soc2-revoked.json', 12);
      const before = await stored(OTHER);
      const refusedAdd = await cli(['certification', 'add', OTHER, file('soc2-revoked.json')]);
      expect(refusedAdd.stderr).toContain('error CREDENTIAL_REVOKED:');
      expect(refusedAdd.code).toBe(1);
      expect(await stored(OTHER)).toEqual(before);
      expect(await certified('SOC2')).toEqual([]);
      // A clear bit: stored and found.
      await soc2('soc2.json', 11);
      const added = await cli(['certification', 'add', OTHER, file('soc2.json')]);
      expect(added.code, added.stderr).toBe(0);
      expect(await certified('SOC2')).toEqual([OTHER]);
      // The auditor revokes it: the listing says so at once, and the sweep (every second here) takes it out of search.
      revoked = [11, 12];
      // A sweep may be fetching the list right now, asked for before the revocation, and the listing then
      // shares that fetch (one per URL at a time). Every fetch begun later sees the revocation, and a
      // second listing begins after that shared fetch has ended: so the second listing at the latest says so.
      const listedRevoked = async () =>
        (await stored(OTHER)).some((item) => {
          const { certification, verified, errors } = item as { certification: string; verified: boolean; errors: { code: string }[] };
          return certification === 'SOC2' && !verified && errors.some((error) => error.code === 'CREDENTIAL_REVOKED');
        });
      expect((await listedRevoked()) || (await listedRevoked())).toBe(true);
      // Counted in sweeps, not in seconds: nothing but the sweep reads the list now, so each request for it
      // is a sweep, and one begun after the revocation deletes the certification before the next begins.
      for (let sweeps = 0; ; sweeps++) {
        const nextSweep = once(lists, 'request');
        if ((await certified('SOC2')).length === 0) break;
        expect(sweeps, 'sweeps that left a revoked certification in search').toBeLessThan(10);
        await nextSweep;
      }
      expect((await stored(OTHER)).some((item) => (item as { certification: string }).certification === 'SOC2')).toBe(false);
      expect(await certified('HIPAA')).toContain(OTHER);
    } finally {
      lists.closeAllConnections();
      lists.close();
      await start(policy);
    }
  });

  it('refuses to start with a malformed trust policy, naming the file and the entry (exit 2)', async () => {
    await writeFile(file('bad-policy.json'), JSON.stringify({ HIPAA: ['did:example:123'] }));
    // The limit only stops a server that wrongly started; it is far above the time a refusal takes on a busy machine.
    const result = await runCli(['serve', '--port', '0', '--data', await tempDir('bad-policy'), '--trust-policy', file('bad-policy.json')], env, 60_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error REQUEST_INVALID: trust policy ${file('bad-policy.json')}: "HIPAA"[0]`);
  });
});
