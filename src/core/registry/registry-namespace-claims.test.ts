/**
 * Proven namespace ownership, scripted with a fake clock and fake evidence (what the domain
 * publishes in DNS and at its well-known URL): claims, their proofs, grants on writes and reads,
 * names registered before the claim, a change of owner, and the mode for unclaimed namespaces.
 * Every refusal checks that nothing was stored and nothing appended to the log.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { fail, ok, problem, type Result } from '../errors.js';
import type { NamespaceEvidence } from '../ports.js';
import { createNamespaceClaim, ownerLine, type NamespaceGrant } from '../record/namespace-claim.js';
import { createStatusChange } from '../record/registration.js';
import { createBoundaryCrossing } from '../record/boundary-crossing.js';
import { signRecord } from '../record/signing.js';
import { registryResolution } from '../resolve/resolution-pipeline.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { CachingDidResolver } from '../trust/did-web/caching-did-resolver.js';
import type { NamespaceMode } from './namespace-claims.js';
import { Registry } from './registry.js';

const owner = testKey(5);
const newOwner = testKey(6);
const agent = testKey(1);
const squatter = testKey(2);
const registryKey = testKey(9);
const NAME = 'agent://acme.com/billing/invoices';

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);

/** What acme.com publishes: TXT records at their DNS names, well-known bodies per namespace; `down` fails every lookup. */
function fakeDomain() {
  const txt = new Map<string, string[]>();
  const wellKnown = new Map<string, string>();
  const state = { down: false };
  const evidence: NamespaceEvidence = {
    txt: async (name) => (state.down ? fail('NAMESPACE_PROOF_UNAVAILABLE', `the DNS lookup of ${name} timed out`) : ok(txt.get(name) ?? [])),
    wellKnown: async (namespace) => {
      if (state.down) return fail('NAMESPACE_PROOF_UNAVAILABLE', `https://${namespace} did not answer`);
      const body = wellKnown.get(namespace);
      return body === undefined ? fail('NAMESPACE_PROOF_FAILED', `https://${namespace}/.well-known/signpost-challenge answered 404`) : ok(body);
    },
  };
  return { txt, wellKnown, state, evidence };
}

async function setup(mode: NamespaceMode = 'open') {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const domain = fakeDomain();
  const id = 'did:web:acme.com#owner';
  const didResolver = new CachingDidResolver({
    pinned: [
      {
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: 'did:web:acme.com',
        verificationMethod: [{ id, type: 'Multikey', controller: 'did:web:acme.com', publicKeyMultibase: owner.did.slice('did:key:'.length) }],
        assertionMethod: [id],
      },
    ],
    clock,
    fetcher: { fetch: async () => ({ kind: 'failed' as const, problem: problem('DID_UNRESOLVABLE', 'never fetched here') }) },
  });
  const registry = new Registry({ store, key: registryKey, clock, namespaceMode: mode, proofSources: { evidence: domain.evidence, didResolver } });
  const pipeline = registryResolution(registry, clock);
  const resolve = async (name: string) => {
    const prepared = pipeline.prepare({ name });
    return prepared.ok ? pipeline.resolve(prepared.value) : prepared;
  };
  const snapshot = async () => JSON.stringify([await store.namespaceClaim('acme.com'), await store.logSize(), await store.count()]);
  const claim = (grants: NamespaceGrant[], seq: number, key = owner, proof: 'dns-txt' | 'https' = 'dns-txt') =>
    registry.claimNamespace(createNamespaceClaim(key, { namespace: 'acme.com', proof, seq, grants }, clock.now()));
  return { store, clock, domain, registry, resolve, snapshot, claim };
}

describe('namespace claims: the proof', () => {
  it('a dns-txt claim is accepted when _signpost-challenge.<namespace> lists the key, and logged', async () => {
    const { domain, registry, store, claim } = await setup();
    domain.txt.set('_signpost-challenge.acme.com', ['some=other text', ownerLine(owner.did)]);
    const claimed = await claim([{ subtree: 'billing', keys: [agent.did] }], 1);
    expect(claimed).toMatchObject({ ok: true, value: { namespace: 'acme.com', seq: 1, evidence: `TXT at _signpost-challenge.acme.com: "v=signpost1; owner=${owner.did}"` } });
    expect(await registry.namespaceClaim('acme.com')).toMatchObject({ claim: { payload: { by: owner.did }, countersig: { by: registryKey.did } } });
    const [entry] = await store.logEntries(0, 1);
    expect(JSON.parse(entry!.text)).toMatchObject({ kind: 'namespace-claimed', namespace: 'acme.com', by: owner.did, proof: 'dns-txt', seq: 1 });
  });

  it('an https claim is accepted from the well-known file; a did-web claim from the DID document', async () => {
    const { domain, registry, clock, claim } = await setup();
    domain.wellKnown.set('acme.com', `# owners\n${ownerLine(owner.did)}\n`);
    expect(await claim([], 1, owner, 'https')).toMatchObject({ ok: true, value: { claim: { payload: { proof: 'https' } } } });
    const didWeb = signRecord({ type: 'NamespaceClaim', v: 1, namespace: 'acme.com', by: 'did:web:acme.com#owner', proof: 'did-web', seq: 2, at: '2026-01-01T00:00:01Z', grants: [], delegations: [] }, owner);
    expect(clock.now()).toBe(T0 + 1000);
    expect(await registry.claimNamespace(didWeb)).toMatchObject({ ok: true, value: { seq: 2, evidence: 'assertionMethod did:web:acme.com#owner of did:web:acme.com' } });
    // A did-web claim signed by another key than the document lists.
    const forged = signRecord({ ...didWeb.payload, seq: 3 }, squatter);
    expect(codeOf(await registry.claimNamespace(forged))).toBe('RECORD_SIGNATURE_INVALID');
    const unknownKey = signRecord({ ...didWeb.payload, seq: 3, by: 'did:web:acme.com#other' }, owner);
    expect(codeOf(await registry.claimNamespace(unknownKey))).toBe('NAMESPACE_PROOF_FAILED');
  });

  it('a claim the domain does not back is refused, and nothing is stored or logged', async () => {
    const { domain, registry, snapshot, claim, clock } = await setup();
    const before = await snapshot();
    expect(codeOf(await claim([], 1)), 'no TXT at all').toBe('NAMESPACE_PROOF_FAILED');
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(newOwner.did)]);
    const refused = await claim([], 1);
    expect(codeOf(refused), 'TXT for another key').toBe('NAMESPACE_PROOF_FAILED');
    expect(refused.ok ? '' : refused.problems[0]!.detail).toContain(`owner lines for ${newOwner.did} only`);
    domain.txt.set('_signpost-challenge.acme.com', [`v=signpost2; owner=${owner.did}`]);
    expect(codeOf(await claim([], 1)), 'another version').toBe('NAMESPACE_PROOF_FAILED');
    expect(codeOf(await claim([], 1, owner, 'https')), 'no well-known file').toBe('NAMESPACE_PROOF_FAILED');
    domain.state.down = true;
    expect(codeOf(await claim([], 1)), 'DNS down').toBe('NAMESPACE_PROOF_UNAVAILABLE');
    domain.state.down = false;
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(owner.did)]);
    const forged = { ...createNamespaceClaim(owner, { namespace: 'acme.com', proof: 'dns-txt', seq: 1, grants: [] }, clock.now()), sig: createNamespaceClaim(squatter, { namespace: 'acme.com', proof: 'dns-txt', seq: 1, grants: [] }, clock.now()).sig };
    expect(codeOf(await registry.claimNamespace(forged)), 'forged signature').toBe('RECORD_SIGNATURE_INVALID');
    expect(codeOf(await registry.claimNamespace({ payload: { ...forged.payload, namespace: 'ACME.com' }, sig: forged.sig })), 'not canonical').toBe('RECORD_INVALID');
    expect(codeOf(await claim([{ subtree: 'Billing', keys: [agent.did] }], 1)), 'bad subtree').toBe('RECORD_INVALID');
    expect(codeOf(await registry.claimNamespace(createNamespaceClaim(owner, { namespace: 'acme.com', proof: 'dns-txt', seq: 1, grants: [] }, clock.now() - 10 * 60_000))), 'stale').toBe('RECORD_EXPIRED');
    expect(await snapshot()).toBe(before);
  });

  it('a replayed or older claim is refused: the sequence only rises', async () => {
    const { domain, registry, clock, claim, snapshot } = await setup();
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(owner.did)]);
    const first = createNamespaceClaim(owner, { namespace: 'acme.com', proof: 'dns-txt', seq: 5, grants: [{ subtree: '', keys: [agent.did] }] }, clock.now());
    expect((await registry.claimNamespace(first)).ok).toBe(true);
    expect((await claim([], 6)).ok).toBe(true);
    const before = await snapshot();
    expect(codeOf(await registry.claimNamespace(first)), 'the first claim, replayed to restore its grants').toBe('SEQUENCE_STALE');
    expect(codeOf(await claim([], 6))).toBe('SEQUENCE_STALE');
    expect(await snapshot()).toBe(before);
  });

  it('another key that the domain now publishes takes the namespace over; the old owner can no longer claim it', async () => {
    const { domain, claim, registry } = await setup();
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(owner.did)]);
    expect((await claim([{ subtree: '', keys: [agent.did] }], 1)).ok).toBe(true);
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(newOwner.did)]);
    expect((await claim([{ subtree: '', keys: [squatter.did] }], 2, newOwner)).ok).toBe(true);
    expect(codeOf(await claim([{ subtree: '', keys: [agent.did] }], 3))).toBe('NAMESPACE_PROOF_FAILED');
    expect((await registry.namespaceClaim('acme.com'))?.claim.payload.by).toBe(newOwner.did);
  });
});

describe('namespace claims: who holds names under a claimed namespace', () => {
  it('only granted keys register, by subtree; a refusal stores and logs nothing', async () => {
    const { domain, registry, store, claim, resolve } = await setup();
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(owner.did)]);
    expect((await claim([{ subtree: 'billing', keys: [agent.did] }], 1)).ok).toBe(true);
    expect((await registry.register(registrationFor(agent, NAME, 1))).ok).toBe(true);
    expect(await resolve(NAME)).toMatchObject({ ok: true, value: { ownership: { status: 'proven', namespace: 'acme.com', owner: owner.did, proof: 'dns-txt', subtree: 'billing' } } });
    const size = await store.logSize();
    for (const [key, name] of [
      [squatter, 'agent://acme.com/billing/payments'],
      [agent, 'agent://acme.com/support/desk'],
      [agent, 'agent://acme.com/billings/x'],
      [agent, 'agent://acme.com/billing'],
    ] as const) {
      expect(codeOf(await registry.register(registrationFor(key, name, 1))), `${name} by ${key.did}`).toBe('NAMESPACE_NOT_AUTHORIZED');
      expect(await store.get(name)).toBeUndefined();
    }
    expect(await store.logSize()).toBe(size);
    // Another namespace, even a subdomain, is not covered: it is unclaimed.
    expect(await registry.register(registrationFor(squatter, 'agent://eu.acme.com/billing/x', 1))).toMatchObject({ ok: true });
    expect(await resolve('agent://eu.acme.com/billing/x')).toMatchObject({ ok: true, value: { ownership: { status: 'unclaimed', namespace: 'eu.acme.com' } } });
  });

  it('a name registered before the claim by a key the owner did not grant is refused on reads until granted; the owner may revoke it', async () => {
    const { domain, registry, claim, resolve, clock } = await setup();
    const squatted = 'agent://acme.com/support/desk';
    expect((await registry.register(registrationFor(squatter, squatted, 1))).ok).toBe(true);
    expect((await registry.register(registrationFor(agent, NAME, 1))).ok).toBe(true);
    expect(await resolve(squatted)).toMatchObject({ ok: true, value: { ownership: { status: 'unclaimed' } } });
    domain.txt.set('_signpost-challenge.acme.com', [ownerLine(owner.did)]);
    expect((await claim([{ subtree: 'billing', keys: [agent.did] }], 1)).ok).toBe(true);
    expect(codeOf(await resolve(squatted))).toBe('NAMESPACE_NOT_AUTHORIZED');
    expect(codeOf(await registry.register(registrationFor(squatter, squatted, 2))), 'nor may it update').toBe('NAMESPACE_NOT_AUTHORIZED');
    expect(await resolve(NAME)).toMatchObject({ ok: true, value: { ownership: { status: 'proven' } } });
    // The owner grants the earlier registrant after all: it answers again, as proven.
    expect((await claim([{ subtree: 'billing', keys: [agent.did] }, { subtree: 'support', keys: [squatter.did] }], 2)).ok).toBe(true);
    expect(await resolve(squatted)).toMatchObject({ ok: true, value: { ownership: { status: 'proven', subtree: 'support' } } });
    // Withdrawing a grant takes effect at once, and the owner (a did:key claimant) may revoke the name.
    expect((await claim([{ subtree: 'billing', keys: [agent.did] }], 3)).ok).toBe(true);
    expect(codeOf(await resolve(squatted))).toBe('NAMESPACE_NOT_AUTHORIZED');
    const revoked = await registry.changeStatus(squatted, createStatusChange(owner, squatted, 'revoke', 'not ours', clock.now()));
    expect(revoked).toMatchObject({ ok: true, value: { state: 'revoked', lastStatusChange: { payload: { by: owner.did } } } });
    expect(codeOf(await registry.changeStatus(NAME, createStatusChange(newOwner, NAME, 'revoke', 'not the owner', clock.now())))).toBe('REVOCATION_NOT_AUTHORIZED');
  });

  it('claimed-only: a name under an unclaimed namespace is refused and nothing stored; open: it is unclaimed', async () => {
    const closed = await setup('claimed-only');
    const before = await closed.snapshot();
    expect(codeOf(await closed.registry.register(registrationFor(agent, NAME, 1)))).toBe('NAMESPACE_UNCLAIMED');
    expect(await closed.store.get(NAME)).toBeUndefined();
    expect(await closed.snapshot()).toBe(before);
    closed.domain.txt.set('_signpost-challenge.acme.com', [ownerLine(owner.did)]);
    expect((await closed.claim([{ subtree: '', keys: [agent.did] }], 1)).ok).toBe(true);
    expect((await closed.registry.register(registrationFor(agent, NAME, 1))).ok).toBe(true);
    expect(await closed.resolve(NAME)).toMatchObject({ ok: true, value: { ownership: { status: 'proven', subtree: '' } } });
  });
});

describe('boundary crossings', () => {
  it('are logged only from named resolver keys, fresh and correctly signed; a refusal appends nothing', async () => {
    const resolverKey = testKey(40);
    const store = new MemoryRecordStore();
    const clock = manualClock(T0 + 1000);
    const registry = new Registry({ store, key: registryKey, clock, auditors: [resolverKey.did] });
    const report = { who: 'did:key:z6MkAsker', what: NAME, where: 'public https://registry.example', why: 'not held by internal' };
    expect(await registry.recordBoundaryCrossing(createBoundaryCrossing(resolverKey, report, clock.now()))).toEqual({ ok: true, value: { index: 0 } });
    expect(JSON.parse((await store.logEntries(0, 1))[0]!.text)).toMatchObject({ kind: 'boundary-crossed', ...report, by: resolverKey.did });
    expect(codeOf(await registry.recordBoundaryCrossing(createBoundaryCrossing(testKey(41), report, clock.now())))).toBe('AUDIT_NOT_AUTHORIZED');
    expect(codeOf(await registry.recordBoundaryCrossing(createBoundaryCrossing(resolverKey, report, clock.now() - 10 * 60_000)))).toBe('RECORD_EXPIRED');
    const forged = { ...createBoundaryCrossing(resolverKey, report, clock.now()), sig: createBoundaryCrossing(testKey(41), report, clock.now()).sig };
    expect(codeOf(await registry.recordBoundaryCrossing(forged))).toBe('RECORD_SIGNATURE_INVALID');
    expect(codeOf(await registry.recordBoundaryCrossing(createBoundaryCrossing(resolverKey, { ...report, what: 'agent://acme.com/Not-Canonical' }, clock.now())))).toMatch(/^(RECORD_INVALID|NAME_)/);
    expect(await store.logSize()).toBe(1);
  });
});
