/**
 * Issuers' Bitstring Status Lists for stored certifications: checked on submission and on every
 * listing, and by the periodic sweep that keeps search right. The lists are real signed status
 * list credentials, served by an in-memory StatusListSource.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import { fail, ok, type Result } from '../errors.js';
import type { StatusListSource } from '../ports.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { issueCertificationCredential, type CertificationCredential, type CertificationInput, type TrustPolicy } from '../trust/credentials/certification-credential.js';
import { createDocumentLoader } from '../trust/credentials/document-loader.js';
import { didKeyIssuer } from '../trust/credentials/registry-did.js';
import { encodeStatusList, issueStatusListCredential } from '../trust/credentials/status-list.js';
import type { StatusPurpose } from '../trust/credentials/types.js';
import { CertificationRegistry } from './certifications.js';
import { Registry } from './registry.js';

const NAME = 'agent://acme.com/health/intake';
const OTHER = 'agent://acme.com/health/billing';
const DAY = 86_400_000;
const owner = testKey(1);
const auditor = didKeyIssuer(testKey(20));
const stranger = didKeyIssuer(testKey(22));
const REVOCATION_LIST = 'https://auditor.example/status/revocation/1';
const SUSPENSION_LIST = 'https://auditor.example/status/suspension/1';
const policy: TrustPolicy = { HIPAA: [auditor.did], SOC2: [auditor.did, stranger.did] };
const utc = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A status list source serving whatever the test put at a URL; a URL with nothing is unreachable. */
function memorySource() {
  const lists = new Map<string, unknown>();
  const fetched: string[] = [];
  const source: StatusListSource = {
    fetch: async (url): Promise<Result<unknown>> => {
      fetched.push(url);
      return lists.has(url) ? ok(structuredClone(lists.get(url))) : fail('STATUS_LIST_UNAVAILABLE', `status list ${url}: could not reach auditor.example`);
    },
  };
  return { lists, fetched, source };
}

function list(purpose: StatusPurpose, setIndices: number[] = [], options: { issuer?: typeof auditor; url?: string } = {}) {
  return issueStatusListCredential({
    issuer: options.issuer ?? auditor,
    listUrl: options.url ?? (purpose === 'revocation' ? REVOCATION_LIST : SUSPENSION_LIST),
    purpose,
    setIndices,
    validFrom: utc(T0),
    validUntil: utc(T0 + 30 * DAY),
  });
}

function certification(index: number, overrides: Partial<CertificationInput> = {}): Promise<CertificationCredential> {
  return issueCertificationCredential({
    issuer: auditor,
    subject: owner.did,
    agentName: NAME,
    certification: { name: 'HIPAA', level: 'full' },
    validFrom: utc(T0),
    validUntil: utc(T0 + 365 * DAY),
    status: { revocation: { listUrl: REVOCATION_LIST, index }, suspension: { listUrl: SUSPENSION_LIST, index } },
    ...overrides,
  });
}

async function setup() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + DAY);
  const registry = new Registry({ store, key: testKey(9), clock });
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  expect((await registry.register(registrationFor(owner, OTHER, 1))).ok).toBe(true);
  const { lists, fetched, source } = memorySource();
  lists.set(REVOCATION_LIST, await list('revocation'));
  lists.set(SUSPENSION_LIST, await list('suspension'));
  const certifications = new CertificationRegistry({ store, clock, trustPolicy: policy, documentLoader: createDocumentLoader(), statusLists: source });
  const found = async (name = 'HIPAA') => (await registry.search({ limit: 100, certification: certifications.searchFilter(name) })).items.map(({ agent }) => agent.name);
  return { store, clock, registry, certifications, lists, fetched, found };
}

const codes = (result: Result<unknown>) => (result.ok ? [] : result.problems.map((p) => p.code));

describe('CertificationRegistry: issuers status lists on submission', () => {
  it('accepts a certification whose bits are clear, fetching each of its lists, and lists it with status ok', async () => {
    const { certifications, fetched, found } = await setup();
    expect((await certifications.submit(NAME, await certification(7))).ok).toBe(true);
    expect(fetched.sort()).toEqual([REVOCATION_LIST, SUSPENSION_LIST]);
    expect(await found()).toEqual([NAME]);
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items.map((i) => [i.verified, i.status])).toEqual([[true, 'ok']]);
  });

  it('a certification without status entries fetches nothing and is listed with status none', async () => {
    const { certifications, fetched } = await setup();
    expect((await certifications.submit(NAME, await certification(0, { status: {} }))).ok).toBe(true);
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items.map((i) => i.status)).toEqual(['none']);
    expect(fetched).toEqual([]);
  });

  it('refuses a revoked certification (CREDENTIAL_REVOKED) and stores nothing', async () => {
    const { certifications, lists, store, found } = await setup();
    lists.set(REVOCATION_LIST, await list('revocation', [7]));
    const result = await certifications.submit(NAME, await certification(7));
    expect(codes(result)).toEqual(['CREDENTIAL_REVOKED']);
    expect(!result.ok && result.problems[0]!.detail).toMatch(/revoked/);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    expect(await found()).toEqual([]);
    // Another index of the same list is not affected.
    expect((await certifications.submit(NAME, await certification(8))).ok).toBe(true);
  });

  it('refuses a suspended certification (CREDENTIAL_REVOKED, "suspended") and stores nothing', async () => {
    const { certifications, lists, store } = await setup();
    lists.set(SUSPENSION_LIST, await list('suspension', [7]));
    const result = await certifications.submit(NAME, await certification(7));
    expect(codes(result)).toEqual(['CREDENTIAL_REVOKED']);
    expect(!result.ok && result.problems[0]!.detail).toMatch(/suspended/);
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('refuses when a list is signed by another issuer, even one trusted for other certifications', async () => {
    const { certifications, lists, store } = await setup();
    // The stranger's list says nothing is revoked; only the auditor may speak for its certifications.
    lists.set(REVOCATION_LIST, await list('revocation', [], { issuer: stranger }));
    const result = await certifications.submit(NAME, await certification(7));
    expect(codes(result)).toEqual(['ISSUER_UNTRUSTED']);
    expect(!result.ok && result.problems[0]!.detail).toContain(REVOCATION_LIST);
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('refuses a tampered list (STATUS_LIST_INVALID): a cleared bit does not verify', async () => {
    const { certifications, lists, store } = await setup();
    const revoked = await list('revocation', [7]);
    const tampered = { ...revoked, credentialSubject: { ...revoked.credentialSubject, encodedList: await encodeStatusList([]) } };
    lists.set(REVOCATION_LIST, tampered);
    expect(codes(await certifications.submit(NAME, await certification(7)))).toEqual(['STATUS_LIST_INVALID']);
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('refuses a list of the wrong purpose or at another URL than the entry names (STATUS_LIST_INVALID)', async () => {
    const { certifications, lists } = await setup();
    lists.set(REVOCATION_LIST, await list('suspension', [], { url: REVOCATION_LIST }));
    expect(codes(await certifications.submit(NAME, await certification(7)))).toEqual(['STATUS_LIST_INVALID']);
    lists.set(REVOCATION_LIST, await list('revocation', [], { url: 'https://auditor.example/status/revocation/2' }));
    expect(codes(await certifications.submit(NAME, await certification(7)))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('refuses when a list cannot be fetched (STATUS_LIST_UNAVAILABLE) and stores nothing', async () => {
    const { certifications, lists, store } = await setup();
    lists.delete(SUSPENSION_LIST);
    expect(codes(await certifications.submit(NAME, await certification(7)))).toEqual(['STATUS_LIST_UNAVAILABLE']);
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('refuses a stale list (past its validUntil): a replayed old list must not hide a revocation', async () => {
    const { certifications, clock } = await setup();
    clock.set(T0 + 31 * DAY);
    // Both lists are stale: each is reported.
    expect(codes(await certifications.submit(NAME, await certification(7)))).toEqual(['STATUS_LIST_INVALID', 'STATUS_LIST_INVALID']);
  });

  it('without a status list source, a certification naming lists is refused, not accepted unchecked', async () => {
    const { store, clock } = await setup();
    const bare = new CertificationRegistry({ store, clock, trustPolicy: policy, documentLoader: createDocumentLoader() });
    expect(codes(await bare.submit(NAME, await certification(7)))).toEqual(['STATUS_LIST_UNAVAILABLE', 'STATUS_LIST_UNAVAILABLE']);
    expect((await bare.submit(NAME, await certification(7, { status: {} }))).ok).toBe(true);
  });
});

describe('CertificationRegistry: an issuer revokes later', () => {
  it('the listing shows it at once; the sweep removes it and search no longer finds it', async () => {
    const { certifications, lists, store, found } = await setup();
    expect((await certifications.submit(NAME, await certification(7))).ok).toBe(true);
    expect((await certifications.submit(OTHER, await certification(8, { agentName: OTHER }))).ok).toBe(true);
    expect(await found()).toEqual([OTHER, NAME].sort());
    lists.set(REVOCATION_LIST, await list('revocation', [7]));

    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items.map((i) => [i.verified, i.status, i.errors.map((e) => e.code)])).toEqual([[false, 'revoked', ['CREDENTIAL_REVOKED']]]);
    // Search trusts the stored state until the sweep.
    expect(await found()).toContain(NAME);

    const sweep = await certifications.sweepStatus();
    expect(sweep.checked).toBe(2);
    expect(sweep.removed.map((c) => c.agentName)).toEqual([NAME]);
    expect(sweep.unverified).toEqual([]);
    expect(await found()).toEqual([OTHER]);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    expect(await store.certificationsOf(OTHER)).toHaveLength(1);
    // A second sweep finds nothing more to do.
    expect((await certifications.sweepStatus()).removed).toEqual([]);
  });

  it('a suspension is swept too', async () => {
    const { certifications, lists, found } = await setup();
    expect((await certifications.submit(NAME, await certification(7))).ok).toBe(true);
    lists.set(SUSPENSION_LIST, await list('suspension', [7]));
    expect((await certifications.sweepStatus()).removed.map((c) => c.certification)).toEqual(['HIPAA']);
    expect(await found()).toEqual([]);
  });

  it('a list that cannot be fetched or verified during a sweep keeps the certification (stale-if-error), reported', async () => {
    const { certifications, lists, found } = await setup();
    expect((await certifications.submit(NAME, await certification(7))).ok).toBe(true);
    lists.delete(REVOCATION_LIST);
    let sweep = await certifications.sweepStatus();
    expect(sweep.removed).toEqual([]);
    expect(sweep.unverified.map((u) => [u.certification.agentName, u.problems.map((p) => p.code)])).toEqual([[NAME, ['STATUS_LIST_UNAVAILABLE']]]);
    expect(await found()).toEqual([NAME]);
    // A list in another issuer's name says nothing about this certification: kept, reported.
    lists.set(REVOCATION_LIST, await list('revocation', [7], { issuer: stranger }));
    sweep = await certifications.sweepStatus();
    expect(sweep.removed).toEqual([]);
    expect(sweep.unverified[0]!.problems.map((p) => p.code)).toEqual(['ISSUER_UNTRUSTED']);
    expect(await found()).toEqual([NAME]);
    // The listing meanwhile says it does not count.
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items.map((i) => [i.verified, i.status])).toEqual([[false, 'unknown']]);
  });

  it('fetches each list once per sweep, however many certifications name it', async () => {
    const { certifications, fetched } = await setup();
    expect((await certifications.submit(NAME, await certification(7))).ok).toBe(true);
    expect((await certifications.submit(NAME, await certification(9, { certification: { name: 'SOC2' } }))).ok).toBe(true);
    expect((await certifications.submit(OTHER, await certification(8, { agentName: OTHER }))).ok).toBe(true);
    fetched.length = 0;
    expect((await certifications.sweepStatus()).checked).toBe(3);
    expect(fetched.sort()).toEqual([REVOCATION_LIST, SUSPENSION_LIST]);
  });
});
