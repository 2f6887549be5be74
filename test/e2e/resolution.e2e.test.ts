/**
 * Resolution across registries, as real processes on loopback: a root registry, an organisation
 * registry and a team registry, each proving the namespace's ownership through Knot DNS; the
 * owner delegates the namespace from the root to the organisation and the MBTA team's subtree on
 * to the team. `signpost resolve --root --trace` and a `serve --role resolver` process follow the
 * referrals, verify every hop, and say the path they took.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedLoopbackPort } from '../support/closed-loopback-port.js';
import { startAuthoritativeKnot } from './knot.js';
import { cleanUpAfterAll, runCli, startServer, tempDir, until } from './support.js';

const started = cleanUpAfterAll();

const ALERTS = 'agent://dataworksai.test/mbta-transit-ci/alerts';


describe('resolution through referrals', () => {
  it('root -> organisation -> team, by the CLI and by a resolver process, every hop verified', async () => {
    const work = started.dir(await tempDir('resolution'));
    const knotPort = await closedLoopbackPort();
    const env = { SIGNPOST_HOME: join(work, 'home') };
    const keygen = async (file: string) => (await runCli(['keygen', '--out', join(work, file)], env)).stdout.trim();
    const [ownerDid, agentDid] = [await keygen('owner.jwk'), await keygen('agent.jwk')];
    started.child(await startAuthoritativeKnot(work, knotPort, 'dataworksai.test', [`_signpost-challenge TXT "v=signpost1; owner=${ownerDid}"`]));

    const registry = async () => {
      const server = started.server(await startServer(undefined, ['--ownership-dns-server', `127.0.0.1:${knotPort}`]));
      return { url: server.url, did: /registry key[^:]*: (did:key:\w+)\)/.exec(server.output())![1]! };
    };
    const [root, org, team] = [await registry(), await registry(), await registry()];
    const claim = (at: { url: string }, ...args: string[]) => runCli(['namespace', 'claim', 'dataworksai.test', '--key', join(work, 'owner.jwk'), '--registry', at.url, ...args], env);
    // Knot may still be loading the zone: the first claim waits for it.
    await until(async () => (await claim(root, '--delegate', `*=${org.url}=${org.did}`)).code === 0);
    expect((await claim(org, '--grant', `public=${agentDid}`, '--delegate', `mbta-transit-ci=${team.url}=${team.did}`)).stderr).toBe('');
    expect((await claim(team, '--grant', `mbta-transit-ci=${agentDid}`)).stderr).toBe('');
    for (const name of [ALERTS, 'agent://dataworksai.test/mbta-transit-ci/stopfinder']) {
      const registered = await runCli(['register', '--key', join(work, 'agent.jwk'), '--name', name, '--endpoint', 'a2a=https://mbta.dataworksai.test/a2a', '--registry', team.url], env);
      expect(registered.stderr).toBe('');
    }
    // The organisation holds no names in the delegated subtree; the root none in the namespace.
    const shadow = await runCli(['register', '--key', join(work, 'agent.jwk'), '--name', 'agent://dataworksai.test/mbta-transit-ci/shadow', '--registry', org.url], env);
    expect(shadow.stderr).toContain('NAMESPACE_DELEGATED');

    // Asking the root alone gives a referral, which a plain client does not take for an answer.
    const plain = await runCli(['resolve', ALERTS, '--registry', root.url, '--json'], env);
    expect(JSON.parse(plain.stdout)).toMatchObject({ verified: false, errors: [{ code: 'RESOLUTION_REFERRED' }] });

    const traced = await runCli(['resolve', ALERTS, '--root', root.url, '--trace'], env);
    expect(traced.code, traced.stderr).toBe(0);
    expect(traced.stdout).toContain('verified: yes');
    expect(traced.stdout).toContain(`1. ${root.url} (${root.did}): referral * -> ${org.url}`);
    expect(traced.stdout).toContain(`2. ${org.url} (${org.did}): referral mbta-transit-ci -> ${team.url}`);
    expect(traced.stdout).toContain(`3. ${team.url} (${team.did}): answer`);
    expect(traced.stdout).toContain('ownership: proven');

    const resolverServer = started.server(await startServer(undefined, ['--role', 'resolver', '--root', `${root.url}=${root.did}`]));
    expect(resolverServer.output()).toContain('signpost resolver listening on');
    const ask = async (name: string) => {
      const response = await fetch(`${resolverServer.url}/v1/resolve?name=${encodeURIComponent(name)}`);
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const first = await ask(ALERTS);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ verified: true, agentId: agentDid, authority: { url: team.url, registryKey: team.did }, ownership: { status: 'proven' } });
    expect(first.body.trace.map((step: { outcome: string }) => step.outcome)).toEqual(['referral', 'referral', 'answer']);
    // The answer is the team registry's, signed: a client that does not trust the resolver checks it with the key.
    expect(first.body.answer.addr.countersig.by).toBe(team.did);
    const again = await ask(ALERTS);
    expect(again.body.trace).toEqual([expect.objectContaining({ registry: team.url, cached: true })]);
    // Another name of the team goes straight to the team (the referrals are cached).
    const sibling = await ask('agent://dataworksai.test/mbta-transit-ci/stopfinder');
    expect(sibling.body.trace.map((step: { registry: string; cached: boolean }) => [step.registry, step.cached])).toEqual([
      [org.url, true],
      [team.url, false],
    ]);
    const missing = await ask('agent://dataworksai.test/mbta-transit-ci/nobody');
    expect(missing).toMatchObject({ status: 404, body: { code: 'AGENT_NOT_FOUND' } });
    const bad = await ask('agent://Bad Name');
    expect(bad.status).toBe(400);
  });
});
