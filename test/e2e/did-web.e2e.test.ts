/**
 * did:web resolution in a running registry: `serve --did-document` pins, the registry's own DID,
 * GET /v1/dids/{did} (which never fetches), and offline-first across a restart (the organisation's server gone, the
 * data directory's cache still answering). The organisation's server is plain http on 127.0.0.1,
 * which `--allow-http-did-web` permits; the HTTPS path is covered by src/app/did-web-resolver.test.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/app/main.js';
import { serveConfig } from '../../src/app/config.js';
import { testKey } from '../../src/core/test-support/agents.js';
import { registryDidDocument } from '../../src/core/trust/credentials/registry-did.js';
import { ed25519KeysOf } from '../../src/core/trust/did-web/did-document.js';
import { CLI, removeDir, runCli, tempDir } from './support.js';

const PINNED_DID = 'did:web:partners.example:acme';
const orgKey = testKey(71);
const pinnedKey = testKey(72);

let work: string;
let org: Server;
let orgDid: string;
let orgHits = 0;

beforeAll(async () => {
  work = await tempDir('did-web');
  await mkdir(join(work, 'pins'));
  await writeFile(join(work, 'pins', 'acme.json'), JSON.stringify(registryDidDocument(PINNED_DID, pinnedKey)));
  org = createServer((req, res) => {
    orgHits += 1;
    if (req.url !== '/.well-known/did.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/did+json', 'cache-control': 'max-age=3600' });
    res.end(JSON.stringify(registryDidDocument(orgDid, orgKey)));
  });
  org.listen(0, '127.0.0.1');
  await once(org, 'listening');
  orgDid = `did:web:127.0.0.1%3A${(org.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (org.listening) {
    org.closeAllConnections();
    org.close();
  }
  await removeDir(work);
});

async function getDid(registry: RunningRegistry, did: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${registry.url}/v1/dids/${encodeURIComponent(did)}`);
  return { status: response.status, body: await response.json() };
}

function start(dataDir: string): Promise<RunningRegistry> {
  const config = serveConfig({ port: 0, data: dataDir, logLevel: 'silent', didDocument: [join(work, 'pins', 'acme.json')], allowHttpDidWeb: true }, {});
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  return startRegistry(config.value);
}

describe('did:web in a running registry', () => {
  it('answers pins, its own DID, did:key and organisations, and keeps answering after a restart with the organisation offline', async () => {
    const dataDir = join(work, 'data');
    const registry = await start(dataDir);
    try {
      const own = registry.registry.credentials!.issuer.did;
      expect(await getDid(registry, own)).toMatchObject({ status: 200, body: { did: own, metadata: { source: 'pinned', stale: false, fetchedAt: null } } });
      expect(await getDid(registry, PINNED_DID)).toMatchObject({ status: 200, body: { metadata: { source: 'pinned' } } });
      expect(await getDid(registry, orgKey.did)).toMatchObject({ status: 200, body: { metadata: { source: 'computed' } } });

      // The public route never makes the registry fetch: an organisation it holds nothing for is 503, unfetched.
      expect(await getDid(registry, orgDid)).toMatchObject({ status: 503, body: { code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/holds no document/) } });
      expect(orgHits).toBe(0);
      // What another service (certifications, namespace-owner revocation) gets from the exposed resolver: it fetches.
      const resolved = await registry.didResolver.resolve(orgDid);
      expect(resolved).toMatchObject({ ok: true, value: { source: 'network' } });
      expect(ed25519KeysOf(resolved.ok ? resolved.value.document : undefined, 'assertionMethod').map((k) => k.didKey)).toEqual([orgKey.did]);
      const fetchedAt = resolved.ok ? new Date(resolved.value.fetchedAt!).toISOString() : '';
      expect(await getDid(registry, orgDid)).toMatchObject({ status: 200, body: { document: { id: orgDid }, metadata: { source: 'cache', stale: false, fetchedAt } } });
      expect(orgHits).toBe(1);

      // No SSRF through the public route: loopback ports, non-canonical IPv4 hosts, the metadata address.
      for (const did of ['did:web:127.0.0.1%3A1', 'did:web:0x7f.1%3A9', 'did:web:0xa9fea9fe', 'did:example:123']) {
        const refused = await getDid(registry, did);
        expect(refused).toMatchObject({ status: 503, body: { code: 'DID_UNRESOLVABLE' } });
        expect(JSON.stringify(refused.body)).not.toMatch(/ECONN|EHOST|ETIMEDOUT/);
      }
      // Through a verifying path, the registry's resolver refuses the non-canonical host before any socket.
      expect(await registry.didResolver.resolve('did:web:0x7f.1%3A9')).toMatchObject({ ok: false, problems: [{ code: 'DID_UNRESOLVABLE', detail: expect.stringMatching(/canonical IPv4/) }] });
    } finally {
      await registry.close();
    }

    org.closeAllConnections();
    org.close();
    await once(org, 'close');
    const restarted = await start(dataDir);
    try {
      expect(await getDid(restarted, orgDid)).toMatchObject({ status: 200, body: { document: { id: orgDid }, metadata: { source: 'cache' } } });
      expect(orgHits).toBe(1);
    } finally {
      await restarted.close();
    }
  });
});

describe('signpost serve --did-document', () => {
  it('refuses to start with a pinned document that does not validate', async () => {
    const bad = join(work, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...registryDidDocument('did:web:bad.example', pinnedKey), id: 42 }));
    // The limit only stops a server that wrongly started; it is far above the time a refusal takes on a busy machine.
    const result = await runCli(['serve', '--port', '0', '--data', join(work, 'bad-data'), '--did-document', bad], {}, 60_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/DID_DOCUMENT_INVALID/);
  });

  it('serves pinned documents from a directory given on the command line', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', join(work, 'cli-data'), '--log-level', 'warn', '--did-document', join(work, 'pins')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // It listens or exits; a start that hangs meets the test timeout.
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
      });
      const response = await fetch(`${url}/v1/dids/${encodeURIComponent(PINNED_DID)}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ document: { id: PINNED_DID }, metadata: { source: 'pinned' } });
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
