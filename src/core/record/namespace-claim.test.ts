import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signingKeyFromSeed } from '../trust/ed25519.js';
import { canonicalText } from '../trust/jcs.js';
import type { Result } from '../errors.js';
import { T0, testKey } from '../test-support/agents.js';
import { canonicalGrants, checkNamespaceClaim, createNamespaceClaim, delegationFor, grantFor, ownerLine, ownersPublishedIn, type NamespaceClaim } from './namespace-claim.js';

const owner = testKey(5);
const a = testKey(1).did;
const b = testKey(2).did;
const pointerOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.pointer);

const claimWith = (changes: Partial<NamespaceClaim>): NamespaceClaim => ({ ...createNamespaceClaim(owner, { namespace: 'acme.com', proof: 'dns-txt', seq: 1, grants: [] }, T0).payload, ...changes });

describe('NamespaceClaim', () => {
  it('accepts a canonical claim and refuses every non-canonical spelling, naming the field', () => {
    expect(checkNamespaceClaim(claimWith({ grants: [{ subtree: '', keys: [a] }, { subtree: 'billing/eu', keys: [a, b].sort() }] })).ok).toBe(true);
    expect(pointerOf(checkNamespaceClaim(claimWith({ namespace: 'Acme.com' })))).toBe('/namespace');
    expect(pointerOf(checkNamespaceClaim(claimWith({ namespace: 'acme.com.' })))).toBe('/namespace');
    expect(pointerOf(checkNamespaceClaim(claimWith({ namespace: 'acme.com/x' })))).toBe('/namespace');
    expect(pointerOf(checkNamespaceClaim(claimWith({ grants: [{ subtree: 'billing/', keys: [a] }] })))).toBe('/grants/0/subtree');
    expect(pointerOf(checkNamespaceClaim(claimWith({ grants: [{ subtree: 'b', keys: [a] }, { subtree: 'a', keys: [a] }] })))).toBe('/grants/1/subtree');
    expect(pointerOf(checkNamespaceClaim(claimWith({ grants: [{ subtree: 'a', keys: [a] }, { subtree: 'a', keys: [b] }] })))).toBe('/grants/1/subtree');
    expect(pointerOf(checkNamespaceClaim(claimWith({ grants: [{ subtree: 'a', keys: [a, a] }] })))).toBe('/grants/0/keys');
    expect(pointerOf(checkNamespaceClaim(claimWith({ grants: [{ subtree: 'a', keys: ['did:web:acme.com#k'] }] })))).toBe('/grants/0/keys/0');
    expect(pointerOf(checkNamespaceClaim(claimWith({ by: 'did:web:acme.com#k' })))).toBe('/by');
    expect(pointerOf(checkNamespaceClaim(claimWith({ proof: 'did-web', by: 'did:web:evil.example#k' })))).toBe('/by');
    expect(checkNamespaceClaim(claimWith({ proof: 'did-web', by: 'did:web:acme.com#k' })).ok).toBe(true);
    expect(pointerOf(checkNamespaceClaim({ ...claimWith({}), extra: 1 }))).toBe('/extra');
  });

  it('canonicalGrants merges subtrees and sorts subtrees and keys', () => {
    expect(canonicalGrants([{ subtree: 'z', keys: [b] }, { subtree: '', keys: [b, a] }, { subtree: 'z', keys: [a, b] }])).toEqual([
      { subtree: '', keys: [a, b].sort() },
      { subtree: 'z', keys: [a, b].sort() },
    ]);
  });

  it('grantFor: the deepest subtree that holds the name and lists the key, by whole labels', () => {
    const claim = claimWith({ grants: canonicalGrants([{ subtree: '', keys: [a] }, { subtree: 'billing', keys: [b] }, { subtree: 'billing/eu', keys: [a] }]) });
    expect(grantFor(claim, ['billing', 'eu', 'x'], a)?.subtree).toBe('billing/eu');
    expect(grantFor(claim, ['billing', 'x'], a)?.subtree).toBe('');
    expect(grantFor(claim, ['billing', 'x'], b)?.subtree).toBe('billing');
    expect(grantFor(claim, ['billings', 'x'], b)).toBeUndefined();
    // A subtree holds the names below it, not the name of the subtree itself.
    expect(grantFor(claim, ['billing'], b)).toBeUndefined();
    expect(grantFor(claimWith({ grants: [] }), ['x'], a)).toBeUndefined();
  });

  it('delegations: https (http only to loopback) URLs and did:keys; the shallowest delegated subtree holding a name wins', () => {
    const delegation = (subtree: string, url: string, id = b) => ({ subtree, registry: { url, id } });
    expect(checkNamespaceClaim(claimWith({ delegations: [delegation('', 'https://r.example'), delegation('x', 'http://127.0.0.1:8700/')] })).ok).toBe(true);
    expect(pointerOf(checkNamespaceClaim(claimWith({ delegations: [delegation('x', 'http://r.example')] })))).toBe('/delegations/0/registry/url');
    expect(pointerOf(checkNamespaceClaim(claimWith({ delegations: [delegation('x', 'https://r.example/?q=1')] })))).toBe('/delegations/0/registry/url');
    expect(pointerOf(checkNamespaceClaim(claimWith({ delegations: [delegation('x', 'https://user@r.example')] })))).toBe('/delegations/0/registry/url');
    expect(pointerOf(checkNamespaceClaim(claimWith({ delegations: [delegation('x', 'https://r.example', 'did:web:r.example#k')] })))).toBe('/delegations/0/registry/id');
    expect(pointerOf(checkNamespaceClaim(claimWith({ delegations: [delegation('y', 'https://r.example'), delegation('x', 'https://r.example')] })))).toBe('/delegations/1/subtree');
    const claim = claimWith({ delegations: [delegation('research', 'https://a.example'), delegation('research/labs', 'https://b.example')] });
    expect(delegationFor(claim, ['research', 'labs', 'x'])?.registry.url).toBe('https://a.example');
    expect(delegationFor(claim, ['research'])).toBeUndefined();
    expect(delegationFor(claim, ['billing', 'x'])).toBeUndefined();
  });

  it('owner lines: only version signpost1 lines with an owner count, from TXT strings or file lines', () => {
    expect(ownerLine(a)).toBe(`v=signpost1; owner=${a}`);
    expect(ownersPublishedIn([`v=signpost1; owner=${a}`, 'v=spf1 -all', `  v=signpost1 ;owner=${b} \r\nv=signpost2; owner=did:key:z6MkX\nowner=${a}`])).toEqual([a, b]);
  });
});

describe('the test vector of spec section 21', () => {
  it('the claim, its JCS text, signature and owner line are the ones the spec prints', () => {
    const spec = readFileSync(new URL('../../../docs/spec.md', import.meta.url), 'utf8');
    const section = spec.slice(spec.indexOf('## 21. Namespace ownership'));
    const ownerKey = signingKeyFromSeed(new Uint8Array(32).fill(2));
    const agentKey = signingKeyFromSeed(new Uint8Array(32).fill(1));
    const delegate = signingKeyFromSeed(new Uint8Array(32).fill(10));
    const claim = createNamespaceClaim(
      ownerKey,
      { namespace: 'acme.com', proof: 'dns-txt', seq: 1767225600000 * 1024, grants: [{ subtree: 'billing', keys: [agentKey.did] }], delegations: [{ subtree: 'research', registry: { url: 'https://registry.research.acme.com', id: delegate.did } }] },
      Date.UTC(2026, 0, 1),
    );
    expect(checkNamespaceClaim(claim.payload).ok).toBe(true);
    expect(section).toContain(`\n${canonicalText(claim.payload)}\n`);
    expect(section).toContain(`its signature: \`${claim.sig}\``);
    expect(section).toContain(`\`${ownerLine(ownerKey.did)}\``);
  });
});
