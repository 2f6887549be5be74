/**
 * Split-horizon resolution as real processes on loopback: a private enterprise registry (home,
 * holding corp.internal), a partner registry and a public one, and a resolver with the search path
 * internal -> partner -> public. A private name is answered by the enterprise registry alone and
 * never reaches the others: their event logs, their database files and their request logs are
 * read to check it. A lookup that leaves the home registry is logged there first (who, what,
 * where, why), signed by the resolver's key.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanUpAfterAll, runCli, startServer, tempDir } from './support.js';

const started = cleanUpAfterAll();

const PRIVATE = 'agent://corp.internal/hr/payroll';
const PARTNER = 'agent://partner.test/logistics/tracker';
const PUBLIC = 'agent://public.test/weather/forecast';

describe('split-horizon search paths', () => {
  it('a private name stays in the enterprise registry; lookups that leave it are audited there', async () => {
    const work = started.dir(await tempDir('split-horizon'));
    const env = { SIGNPOST_HOME: join(work, 'home') };
    // The resolver's key first, so the home registry can be told to take its audit records.
    const resolverData = await tempDir('resolver');
    const resolverDid = (await runCli(['keygen', '--out', join(resolverData, 'resolver-key.jwk')], env)).stdout.trim();
    const requester = (await runCli(['keygen', '--out', join(work, 'requester.jwk')], env)).stdout.trim();

    const registry = async (...args: string[]) => {
      const server = started.server(await startServer(undefined, args));
      return { server, url: server.url, did: /registry key[^:]*: (did:key:\w+)\)/.exec(server.output())![1]! };
    };
    const internal = await registry('--audit-from', resolverDid);
    const partner = await registry('--log-level', 'info');
    const publicRegistry = await registry('--log-level', 'info');
    const register = async (at: { url: string }, name: string) => {
      const key = join(work, `${name.replace(/\W+/g, '-')}.jwk`);
      expect((await runCli(['keygen', '--out', key], env)).code).toBe(0);
      expect((await runCli(['register', '--key', key, '--name', name, '--endpoint', 'a2a=https://agents.example/a2a', '--registry', at.url], env)).stderr).toBe('');
    };
    await register(internal, PRIVATE);
    await register(partner, PARTNER);
    await register(publicRegistry, PUBLIC);

    const searchPath = join(work, 'search-path.json');
    await writeFile(
      searchPath,
      JSON.stringify({
        registries: [
          { name: 'internal', url: internal.url, registryKey: internal.did, privateNamespaces: ['corp.internal'] },
          { name: 'partner', url: partner.url, registryKey: partner.did },
          { name: 'public', url: publicRegistry.url, registryKey: publicRegistry.did },
        ],
      }),
    );
    const resolver = started.server(await startServer(resolverData, ['--role', 'resolver', '--search-path', searchPath]));
    expect(resolver.output()).toContain(`resolver key: ${resolverDid}`);
    const ask = async (name: string) => {
      const response = await fetch(`${resolver.url}/v1/resolve?name=${encodeURIComponent(name)}&requester=${encodeURIComponent(requester)}`);
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };

    expect(await ask(PRIVATE)).toMatchObject({ status: 200, body: { verified: true, searched: ['internal'], authority: { url: internal.url } } });
    expect(await ask('agent://corp.internal/hr/unknown')).toMatchObject({ status: 404, body: { code: 'AGENT_NOT_FOUND', searched: ['internal'] } });
    expect(await ask(PARTNER)).toMatchObject({ status: 200, body: { verified: true, searched: ['internal', 'partner'] } });
    expect(await ask(PUBLIC)).toMatchObject({ status: 200, body: { verified: true, searched: ['internal', 'partner', 'public'] } });

    // The home registry's log holds one audit event per lookup that left it: who, what, where, why.
    const changes = (await (await fetch(`${internal.url}/v1/changes?since=0&limit=1000`)).json()) as { changes: { event: Record<string, string> }[] };
    const audits = changes.changes.map((change) => change.event).filter((event) => event.kind === 'boundary-crossed');
    expect(audits.map(({ who, what, where, why, by }) => ({ who, what, where, why, by }))).toEqual([
      { who: requester, what: PARTNER, where: `partner ${partner.url}`, why: 'not held by internal', by: resolverDid },
      { who: requester, what: PUBLIC, where: `partner ${partner.url}`, why: 'not held by internal', by: resolverDid },
      { who: requester, what: PUBLIC, where: `public ${publicRegistry.url}`, why: 'not held by internal, partner', by: resolverDid },
    ]);

    // The private name never reached the partner or the public registry: it is not in their event
    // logs nor their database files, and they answered exactly the resolves of the names that left
    // the home registry (partner: PARTNER and PUBLIC; public: PUBLIC), by their own request counters.
    const resolvesAt = async (url: string) => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return [...metrics.matchAll(/^signpost_http_requests_total\{method="GET",route="\/v1\/resolve",status="(\d+)"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[2]), 0);
    };
    expect(await resolvesAt(partner.url)).toBe(2);
    expect(await resolvesAt(publicRegistry.url)).toBe(1);
    for (const other of [partner, publicRegistry]) {
      const log = await (await fetch(`${other.url}/v1/changes?since=0&limit=1000`)).text();
      expect(log).not.toContain('corp.internal');
      expect(other.server.output()).not.toContain('corp.internal');
      for (const file of await readdir(other.server.dataDir)) {
        if (!file.startsWith('signpost.db')) continue;
        expect((await readFile(join(other.server.dataDir, file))).includes('corp.internal'), file).toBe(false);
      }
    }
    // The check can see a name: the enterprise registry's own files do hold the private one.
    const internalFiles = (await readdir(internal.server.dataDir)).filter((file) => file.startsWith('signpost.db'));
    const holds = await Promise.all(internalFiles.map(async (file) => (await readFile(join(internal.server.dataDir, file))).includes('corp.internal')));
    expect(holds.some(Boolean)).toBe(true);

    // A resolver the home registry does not take audit records from crosses nothing: fail closed.
    const stranger = started.server(await startServer(undefined, ['--role', 'resolver', '--search-path', searchPath]));
    const refused = await fetch(`${stranger.url}/v1/resolve?name=${encodeURIComponent(PUBLIC)}`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'AUDIT_NOT_WRITTEN', detail: expect.stringContaining('AUDIT_NOT_AUTHORIZED'), searched: ['internal'] });
  });
});
