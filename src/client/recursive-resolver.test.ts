/**
 * Scripted scenarios of the recursive resolver against real registries (the core rules and the
 * HTTP face, on loopback ports) sharing one fake clock: a referral chain root -> organisation ->
 * team, the cache (answers by TTL, referrals, refusals), loops, lame and forged delegations, the
 * limits, and a root that cannot be reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../core/errors.js';
import { createNamespaceClaim, ownerLine, type NamespaceDelegation, type NamespaceGrant } from '../core/record/namespace-claim.js';
import type { Registry } from '../core/registry/registry.js';
import { createStatusChange } from '../core/record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../core/test-support/agents.js';
import type { SigningKey } from '../core/trust/ed25519.js';
import type { HttpApp } from '../faces/http/server.js';
import { MemoryRecordStore } from '../store/memory/memory-store.js';
import { closedLoopbackPort } from '../../test/support/closed-loopback-port.js';
import { loopbackRegistry } from '../../test/support/loopback-registry.js';
import { RecursiveResolver, type RegistryHint } from './recursive-resolver.js';
import { SignpostClient } from './signpost-client.js';

const clock = manualClock(T0 + 1000);
const owner = testKey(30);
const agent = testKey(31);
const NAME = 'agent://dataworksai.com/mbta-transit-ci/alerts';
const apps: HttpApp[] = [];

interface Node {
  readonly registry: Registry;
  readonly hint: RegistryHint;
}

/** A registry on a loopback port; the domains it checks publish `owner` as every namespace's owner. */
async function node(key: SigningKey): Promise<Node> {
  const evidence = { txt: async () => ok([ownerLine(owner.did)]), wellKnown: async () => ok(ownerLine(owner.did)) };
  const { registry, app, hint } = await loopbackRegistry({ store: new MemoryRecordStore(), key, clock, proofSources: { evidence } });
  apps.push(app);
  return { registry, hint };
}

let seq = 1;
async function claim(at: Node, namespace: string, grants: NamespaceGrant[], delegations: NamespaceDelegation[] = []) {
  const claimed = await at.registry.claimNamespace(createNamespaceClaim(owner, { namespace, proof: 'dns-txt', seq: seq++, grants, delegations }, clock.now()));
  expect(claimed.ok, JSON.stringify(claimed)).toBe(true);
}

const to = (subtree: string, target: Node | RegistryHint): NamespaceDelegation => {
  const hint = 'hint' in target ? target.hint : target;
  return { subtree, registry: { url: hint.url, id: hint.registryKey } };
};

/** A fetch that counts the resolve requests each registry got. */
function countingFetch() {
  const asked: string[] = [];
  const counting: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname === '/v1/resolve') asked.push(url.origin);
    return fetch(input, init);
  };
  return { asked, fetch: counting };
}

let root: Node;
let org: Node;
let team: Node;

beforeAll(async () => {
  [root, org, team] = [await node(testKey(21)), await node(testKey(22)), await node(testKey(23))];
  // The root delegates dataworksai.com to the organisation, which delegates the MBTA team's subtree.
  await claim(root, 'dataworksai.com', [], [to('', org)]);
  await claim(org, 'dataworksai.com', [{ subtree: 'public', keys: [agent.did] }], [to('mbta-transit-ci', team)]);
  await claim(team, 'dataworksai.com', [{ subtree: 'mbta-transit-ci', keys: [agent.did] }]);
  expect((await team.registry.register(registrationFor(agent, NAME, 1, { validityMs: 30 * 86_400_000 }))).ok).toBe(true);
});

afterAll(async () => {
  for (const app of apps) await app.close();
});

describe('RecursiveResolver', () => {
  it('follows root -> organisation -> team, verifying every hop, and explains the path', async () => {
    const resolver = new RecursiveResolver({ roots: [root.hint], clock });
    const result = await resolver.resolve(NAME);
    expect(result).toMatchObject({ verified: true, name: NAME, agentId: agent.did, status: 'good', authority: team.hint, ownership: { status: 'proven', subtree: 'mbta-transit-ci' } });
    expect(result.trace.map((step) => [step.registry, step.outcome])).toEqual([
      [root.hint.url, 'referral'],
      [org.hint.url, 'referral'],
      [team.hint.url, 'answer'],
    ]);
    expect(RecursiveResolver.explain(result)[0]).toBe(`1. ${root.hint.url} (${root.hint.registryKey}): referral * -> ${org.hint.url}`);
  });

  it('caches answers by their TTL and referrals by theirs, and starts at the deepest cached referral', async () => {
    const { asked, fetch: counting } = countingFetch();
    const resolver = new RecursiveResolver({ roots: [root.hint], clock, fetch: counting });
    await resolver.resolve(NAME);
    expect(asked).toEqual([root.hint.url, org.hint.url, team.hint.url]);
    const hit = await resolver.resolve(NAME);
    expect(hit).toMatchObject({ verified: true, trace: [{ registry: team.hint.url, cached: true }] });
    expect(asked).toHaveLength(3);
    // Past the record's TTL (3600 s in registrationFor) but within the referrals' 300 s? No: the
    // referrals expire first; within their TTL another name of the team goes straight to the team.
    asked.length = 0;
    const other = await resolver.resolve('agent://dataworksai.com/mbta-transit-ci/unknown');
    expect(other.errors[0]?.code).toBe('AGENT_NOT_FOUND');
    expect(asked).toEqual([team.hint.url]);
    expect(other.trace[0]).toMatchObject({ registry: org.hint.url, outcome: 'referral', cached: true });
    // The refusal is remembered for the negative TTL, then asked again.
    await resolver.resolve('agent://dataworksai.com/mbta-transit-ci/unknown');
    expect(asked).toEqual([team.hint.url]);
    clock.advance(31_000);
    await resolver.resolve('agent://dataworksai.com/mbta-transit-ci/unknown');
    expect(asked).toEqual([team.hint.url, team.hint.url]);
    // Past the referrals' TTL, a new name starts at the root again.
    clock.advance(300_000);
    asked.length = 0;
    await resolver.resolve('agent://dataworksai.com/mbta-transit-ci/other');
    expect(asked).toEqual([root.hint.url, org.hint.url, team.hint.url]);
    clock.set(T0 + 1000);
  });

  it('a cached answer is reused only while the status lists say good: a revocation shows at once', async () => {
    const name = 'agent://dataworksai.com/mbta-transit-ci/revocable';
    expect((await team.registry.register(registrationFor(agent, name, 1))).ok).toBe(true);
    // Status lists read afresh on every use (0 ms reuse), so the test needs no waiting.
    const resolver = new RecursiveResolver({ roots: [root.hint], clock, statusListMaxAgeMs: 0 });
    expect((await resolver.resolve(name)).verified).toBe(true);
    expect((await resolver.resolve(name))).toMatchObject({ verified: true, trace: [{ cached: true }] });
    expect((await team.registry.changeStatus(name, createStatusChange(agent, name, 'revoke', 'retired', clock.now()))).ok).toBe(true);
    const revoked = await resolver.resolve(name);
    expect(revoked).toMatchObject({ verified: false, status: 'revoked', trace: [{ cached: true }] });
    // Dropped from the cache: asked again, the team refuses it.
    expect((await resolver.resolve(name)).errors[0]?.code).toBe('AGENT_REVOKED');
  });

  it('a name a registry refers elsewhere is no answer for a plain client, and cannot be registered there', async () => {
    const client = new SignpostClient({ registry: root.hint.url, registryKey: root.hint.registryKey, clock });
    const result = await client.resolve(NAME);
    expect(result).toMatchObject({ verified: false, errors: [{ code: 'RESOLUTION_REFERRED' }] });
    const refused = await org.registry.register(registrationFor(agent, 'agent://dataworksai.com/mbta-transit-ci/shadow', 1));
    expect(refused.ok ? undefined : refused.problems[0]!.code).toBe('NAMESPACE_DELEGATED');
    expect(await org.registry.storedState('agent://dataworksai.com/mbta-transit-ci/shadow')).toBeUndefined();
  });

  it('detects a loop, a chain longer than allowed, and a referral that does not descend', async () => {
    await claim(root, 'loop.test', [], [to('', org)]);
    await claim(org, 'loop.test', [], [to('a', root)]);
    const resolver = new RecursiveResolver({ roots: [root.hint], clock });
    expect((await resolver.resolve('agent://loop.test/a/x')).errors[0]?.code).toBe('DELEGATION_LOOP');
    // The organisation refers all of wide.test onward though it was delegated all of it: lame.
    await claim(root, 'wide.test', [], [to('', org)]);
    await claim(org, 'wide.test', [], [to('', team)]);
    expect((await resolver.resolve('agent://wide.test/x')).errors[0]?.code).toBe('DELEGATION_LAME');
    const shallow = new RecursiveResolver({ roots: [root.hint], clock, maxReferrals: 1 });
    expect((await shallow.resolve(NAME)).errors[0]?.code).toBe('RESOLUTION_TOO_DEEP');
  });

  it('a delegate that cannot be reached, or answers with another key than delegated, is lame', async () => {
    const nowhere = { url: `http://127.0.0.1:${await closedLoopbackPort()}`, registryKey: testKey(24).did };
    await claim(root, 'gone.test', [], [to('', nowhere)]);
    // Delegated to the team's URL under the organisation's key: the team's records carry its own.
    await claim(root, 'impostor.test', [], [to('', { url: team.hint.url, registryKey: org.hint.registryKey })]);
    await claim(team, 'impostor.test', [{ subtree: '', keys: [agent.did] }]);
    expect((await team.registry.register(registrationFor(agent, 'agent://impostor.test/x', 1))).ok).toBe(true);
    const resolver = new RecursiveResolver({ roots: [root.hint], clock });
    const gone = await resolver.resolve('agent://gone.test/x');
    expect(gone.errors[0]?.code).toBe('DELEGATION_LAME');
    expect(gone.trace.at(-1)).toMatchObject({ registry: nowhere.url, outcome: 'unreachable' });
    expect((await resolver.resolve('agent://impostor.test/x')).errors[0]?.code).toBe('DELEGATION_LAME');
  });

  it('refuses a forged referral: another target, or a claim the registry did not countersign', async () => {
    const attacker = 'http://127.0.0.1:9';
    const retarget: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).startsWith(root.hint.url) || !String(input).includes('/v1/resolve')) return response;
      const body = (await response.json()) as { referral: { registry: { url: string } } };
      body.referral.registry.url = attacker;
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const resolver = new RecursiveResolver({ roots: [root.hint], clock, fetch: retarget });
    const retargeted = await resolver.resolve(NAME);
    expect(retargeted.errors[0]).toMatchObject({ code: 'DELEGATION_FORGED' });
    expect(retargeted.trace.map((step) => step.registry)).not.toContain(attacker);
    // The same referral, with the claim's delegation edited to match: the countersignature breaks.
    const rewritten: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).startsWith(root.hint.url) || !String(input).includes('/v1/resolve')) return response;
      const body = (await response.json()) as { referral: { registry: { url: string }; claim: { payload: { delegations: { registry: { url: string } }[] } } } };
      body.referral.registry.url = attacker;
      body.referral.claim.payload.delegations[0]!.registry.url = attacker;
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const forged = await new RecursiveResolver({ roots: [root.hint], clock, fetch: rewritten }).resolve(NAME);
    expect(forged.errors[0]?.code).toBe('DELEGATION_FORGED');
    expect(forged.errors[0]?.detail).toMatch(/not countersigned/);
  });

  it('skips a root that cannot be reached, and stops at the deadline on the injected clock', async () => {
    const deadRoot = { url: `http://127.0.0.1:${await closedLoopbackPort()}`, registryKey: testKey(25).did };
    const resolved = await new RecursiveResolver({ roots: [deadRoot, root.hint], clock }).resolve(NAME);
    expect(resolved.verified).toBe(true);
    expect(resolved.trace[0]).toMatchObject({ registry: deadRoot.url, outcome: 'unreachable' });
    const slow: typeof fetch = async (input, init) => {
      clock.advance(3_000);
      return fetch(input, init);
    };
    const late = await new RecursiveResolver({ roots: [root.hint], clock, fetch: slow, deadlineMs: 5_000 }).resolve(NAME);
    expect(late.errors[0]?.code).toBe('RESOLUTION_DEADLINE');
    expect(late.trace).toHaveLength(2);
    clock.set(T0 + 1000);
  });
});
