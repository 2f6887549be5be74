/**
 * Proven namespace ownership over real processes: Knot DNS serves the zone `acme.test` on loopback
 * with the owner line at `_signpost-challenge.acme.test`; a registry in `claimed-only` mode looks
 * the proof up there (`--ownership-dns-server`). The owner claims the namespace with the CLI and
 * grants an agent key a subtree; the agent registers and resolves as `proven`; a key the domain
 * does not publish cannot claim it, and a key the owner did not grant cannot register under it.
 * Every refusal leaves the store and the log as they were.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedLoopbackPort } from '../support/closed-loopback-port.js';
import { startAuthoritativeKnot } from './knot.js';
import { cleanUpAfterAll, runCli, startServer, tempDir, until } from './support.js';

const started = cleanUpAfterAll();


describe('namespace claims proven over real DNS', () => {
  it('the owner the domain publishes claims the namespace; only granted keys register under it', async () => {
    const work = started.dir(await tempDir('claims'));
    const knotPort = await closedLoopbackPort();
    const server = started.server(await startServer(undefined, ['--namespaces', 'claimed-only', '--ownership-dns-server', `127.0.0.1:${knotPort}`]));
    const env = { SIGNPOST_REGISTRY: server.url, SIGNPOST_HOME: join(work, 'home') };
    const keygen = async (file: string) => {
      const made = await runCli(['keygen', '--out', join(work, file)], env);
      expect(made.code, made.stderr).toBe(0);
      return made.stdout.trim();
    };
    const [ownerDid, agentDid] = [await keygen('owner.jwk'), await keygen('agent.jwk')];
    await keygen('squatter.jwk');

    const line = await runCli(['namespace', 'owner-line', 'acme.test', '--key', join(work, 'owner.jwk')], env);
    expect(line.stdout).toContain(`_signpost-challenge.acme.test. 300 IN TXT "v=signpost1; owner=${ownerDid}"`);
    started.child(await startAuthoritativeKnot(work, knotPort, 'acme.test', ['_signpost-challenge TXT "unrelated=text"', `_signpost-challenge TXT "v=signpost1; owner=${ownerDid}"`]));
    await until(async () => (await runCli(['namespace', 'claim', 'acme.test', '--key', join(work, 'squatter.jwk')], env)).stderr.includes('NAMESPACE_PROOF_FAILED'));

    const logSize = async () => ((await (await fetch(`${server.url}/v1/changes?since=0&limit=1`)).json()) as { size: number }).size;
    const stored = async (name: string) => (await fetch(`${server.url}/v1/agents/${encodeURIComponent(name)}`)).status;
    const register = (key: string, name: string) => runCli(['register', '--key', join(work, key), '--name', name, '--endpoint', 'a2a=https://agents.acme.test/a2a'], env);

    // Before any claim, claimed-only refuses the name; a key the domain does not publish cannot claim it.
    const unclaimed = await register('agent.jwk', 'agent://acme.test/billing/invoices');
    expect(unclaimed.code).toBe(1);
    expect(unclaimed.stderr).toContain('NAMESPACE_UNCLAIMED');
    const squatterClaim = await runCli(['namespace', 'claim', 'acme.test', '--key', join(work, 'squatter.jwk'), '--grant', '*=' + agentDid], env);
    expect(squatterClaim.stderr).toMatch(/NAMESPACE_PROOF_FAILED: TXT at _signpost-challenge\.acme\.test has owner lines for did:key:\S+ only/);
    expect((await fetch(`${server.url}/v1/namespaces/acme.test`)).status).toBe(404);
    expect(await stored('agent://acme.test/billing/invoices')).toBe(404);
    expect(await logSize()).toBe(0);

    // The published owner claims it and grants the agent key the billing subtree.
    const claimed = await runCli(['namespace', 'claim', 'acme.test', '--key', join(work, 'owner.jwk'), '--grant', `billing=${agentDid}`], env);
    expect(claimed.stderr).toBe('');
    expect(claimed.stdout).toContain(`acme.test is owned by ${ownerDid} (proof dns-txt`);
    expect(claimed.stdout).toContain(`evidence: TXT at _signpost-challenge.acme.test: "v=signpost1; owner=${ownerDid}"`);
    const shown = await runCli(['namespace', 'show', 'acme.test', '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ namespace: 'acme.test', claim: { payload: { by: ownerDid, grants: [{ subtree: 'billing', keys: [agentDid] }] } } });

    expect((await register('agent.jwk', 'agent://acme.test/billing/invoices')).stderr).toBe('');
    const resolved = (await (await fetch(`${server.url}/v1/resolve?name=${encodeURIComponent('agent://acme.test/billing/invoices')}`)).json()) as { ownership: unknown };
    expect(resolved.ownership).toMatchObject({ status: 'proven', namespace: 'acme.test', owner: ownerDid, proof: 'dns-txt', subtree: 'billing' });
    const search = (await (await fetch(`${server.url}/v1/search?ownership=proven`)).json()) as { items: { name: string; ownership: { status: string } }[] };
    expect(search.items.map((item) => [item.name, item.ownership.status])).toEqual([['agent://acme.test/billing/invoices', 'proven']]);

    // A key the owner did not grant, and a granted key outside its subtree: refused, nothing stored or logged.
    const size = await logSize();
    for (const [key, name] of [
      ['squatter.jwk', 'agent://acme.test/billing/payments'],
      ['agent.jwk', 'agent://acme.test/support/desk'],
    ] as const) {
      const refused = await register(key, name);
      expect(refused.code, name).toBe(1);
      expect(refused.stderr).toContain('NAMESPACE_NOT_AUTHORIZED');
      expect(await stored(name)).toBe(404);
    }
    expect(await logSize()).toBe(size);

    // The SDK sees the ownership the registry states.
    const sdk = await runCli(['resolve', 'agent://acme.test/billing/invoices', '--json'], env);
    expect(JSON.parse(sdk.stdout)).toMatchObject({ verified: true, ownership: { status: 'proven', owner: ownerDid } });
  });
});
