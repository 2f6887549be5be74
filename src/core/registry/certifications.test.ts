import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import type { StoredCertification } from '../ports.js';
import { createKeyRotation } from '../record/key-rotation.js';
import { createStatusChange, createTombstone } from '../record/registration.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { issueCertificationCredential, type CertificationCredential, type CertificationInput, type TrustPolicy } from '../trust/credentials/certification-credential.js';
import { createDocumentLoader } from '../trust/credentials/document-loader.js';
import { signCredential, VALID_FROM_CLOCK_SKEW_MS } from '../trust/credentials/proof.js';
import { didKeyIssuer, didWebFromUrl, registryDidDocument, registryIssuer } from '../trust/credentials/registry-did.js';
import { CertificationRegistry, MAX_CERTIFICATION_BYTES, parseTrustPolicy } from './certifications.js';
import { Registry } from './registry.js';
import type { ActiveAgent } from './stored-agent.js';

const NAME = 'agent://acme.com/health/intake';
const OTHER = 'agent://acme.com/health/billing';
const DAY = 86_400_000;
const owner = testKey(1);
const newKey = testKey(3);
const auditor = didKeyIssuer(testKey(20));
const stranger = didKeyIssuer(testKey(22));
const COMPLIANCE_DID = didWebFromUrl('https://compliance.example');
const compliance = registryIssuer(COMPLIANCE_DID, testKey(21));
const UNKNOWN_WEB_DID = didWebFromUrl('https://unknown-body.example');
const unknownWeb = registryIssuer(UNKNOWN_WEB_DID, testKey(23));
const didWebDocuments = new Map<string, object>([[COMPLIANCE_DID, registryDidDocument(COMPLIANCE_DID, testKey(21))]]);
const documentLoader = createDocumentLoader({ didDocuments: (did) => didWebDocuments.get(did) });
const policy: TrustPolicy = { HIPAA: [auditor.did, UNKNOWN_WEB_DID], SOC2: [auditor.did, COMPLIANCE_DID], 'kid-safe': [COMPLIANCE_DID], 'HIPAA\uD800': [auditor.did] };
const utc = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function certification(overrides: Partial<CertificationInput> = {}): Promise<CertificationCredential> {
  return issueCertificationCredential({
    issuer: auditor,
    subject: owner.did,
    agentName: NAME,
    certification: { name: 'HIPAA', level: 'full', scope: 'patient intake' },
    validFrom: utc(T0),
    validUntil: utc(T0 + 365 * DAY),
    ...overrides,
  });
}

async function setup(options: { prune?: boolean; store?: MemoryRecordStore } = {}) {
  const store = options.store ?? new MemoryRecordStore();
  const clock = manualClock(T0 + DAY);
  const registry = new Registry({ store, key: testKey(9), clock });
  expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
  expect((await registry.register(registrationFor(owner, OTHER, 1))).ok).toBe(true);
  const certifications = new CertificationRegistry({ store, clock, trustPolicy: policy, documentLoader });
  // What src/app/main.ts wires: every accepted registry write prunes the name's certifications.
  const pruned: Promise<number>[] = [];
  if (options.prune !== false) registry.onChange(({ name }) => void pruned.push(certifications.prune(name)));
  /** Wait for the prunes the registry's writes started. */
  const settled = async () => (await Promise.all(pruned.splice(0))).reduce((a, b) => a + b, 0);
  /** The same store and clock under another trust policy (a restart with another policy file). */
  const withPolicy = (trustPolicy: TrustPolicy) => new CertificationRegistry({ store, clock, trustPolicy, documentLoader });
  /** Names found by `certification=`, as the search route asks. */
  const found = async (name: string, under = certifications) => (await registry.search({ limit: 100, certification: under.searchFilter(name) })).items.map(({ agent }) => agent.name);
  const stored = async (name = NAME) => JSON.stringify(await store.certificationsOf(name));
  return { store, clock, registry, certifications, found, stored, settled, withPolicy };
}

function codeOf(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.problems[0]?.code;
}

function detailOf(result: Result<unknown>): string {
  return result.ok ? '' : (result.problems[0]?.detail ?? '');
}

describe('CertificationRegistry: submit', () => {
  it('stores a credential from an issuer trusted for that certification, and search counts it', async () => {
    const { certifications, found } = await setup();
    const vc = await certification();
    const result = await certifications.submit(NAME, vc);
    expect(result.ok && result.value.created).toBe(true);
    expect(result.ok && result.value.certification).toMatchObject({
      agentName: NAME,
      certification: 'HIPAA',
      issuer: auditor.did,
      subject: owner.did,
      validFromMs: T0,
      validUntilMs: T0 + 365 * DAY,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      storedAt: utc(T0 + DAY),
      credential: vc,
    });
    expect(await found('HIPAA')).toEqual([NAME]);
    expect(await found('hipaa'), 'another case of a policy name means that name').toEqual([NAME]);
    expect(await found('SOC2')).toEqual([]);
  });

  it('accepts any accepted form of the name, in the path and in the credential', async () => {
    const { certifications, found } = await setup();
    expect((await certifications.submit('intake.health@acme.com', await certification({ agentName: 'urn:agent:acme.com:health:intake' }))).ok).toBe(true);
    expect(await found('HIPAA')).toEqual([NAME]);
  });

  it('accepts a did:web issuer whose DID document the loader knows', async () => {
    const { certifications, found } = await setup();
    const soc2 = await certification({ issuer: compliance, certification: { name: 'SOC2', level: 'Type II' } });
    expect((await certifications.submit(NAME, soc2)).ok).toBe(true);
    expect(await found('SOC2')).toEqual([NAME]);
  });

  it('keeps one per issuer and certification: a newer one replaces it, the same one again changes nothing', async () => {
    const { certifications, store } = await setup();
    const first = await certification();
    const renewed = await certification({ validFrom: utc(T0 + 1000), certification: { name: 'HIPAA', level: 'limited' } });
    expect((await certifications.submit(NAME, first)).ok).toBe(true);
    const again = await certifications.submit(NAME, first);
    expect(again.ok && again.value.created).toBe(false);
    const replaced = await certifications.submit(NAME, renewed);
    expect(replaced.ok && replaced.value.created).toBe(false);
    expect((await store.certificationsOf(NAME)).map((c) => c.credential)).toEqual([renewed]);
    // A second issuer for the same certification is kept beside it.
    expect((await certifications.submit(NAME, await certification({ issuer: compliance, certification: { name: 'SOC2' } }))).ok).toBe(true);
    expect((await store.certificationsOf(NAME)).map((c) => `${c.certification} ${c.issuer}`)).toEqual([`HIPAA ${auditor.did}`, `SOC2 ${COMPLIANCE_DID}`]);
  });

  it('refuses an older credential of the same issuer over a newer one (SEQUENCE_STALE), storing nothing', async () => {
    const { certifications, stored } = await setup();
    expect((await certifications.submit(NAME, await certification({ validFrom: utc(T0 + 1000) }))).ok).toBe(true);
    const before = await stored();
    const older = await certifications.submit(NAME, await certification({ certification: { name: 'HIPAA', level: 'older' } }));
    expect(codeOf(older)).toBe('SEQUENCE_STALE');
    expect(await stored()).toBe(before);
  });

  describe('refuses, with the precise code, and stores nothing', () => {
    const cases: [string, () => Promise<unknown>, string, RegExp?][] = [
      ['an issuer no policy entry lists', () => certification({ issuer: stranger }), 'ISSUER_UNTRUSTED'],
      ['an issuer trusted for another certification only', () => certification({ issuer: compliance }), 'ISSUER_UNTRUSTED', /HIPAA/],
      ['a certification name the policy does not list', () => certification({ certification: { name: 'ISO 27001' } }), 'ISSUER_UNTRUSTED'],
      ['a forged proof (one character flipped)', async () => forge(await certification(), ['proof', 'proofValue']), 'CREDENTIAL_INVALID'],
      ['a forged certification name', async () => ({ ...(await certification({ certification: { name: 'SOC2' } })), credentialSubject: { id: owner.did, agentName: NAME, certification: { name: 'HIPAA' } } }), 'CREDENTIAL_INVALID'],
      ['a forged validUntil', async () => ({ ...(await certification()), validUntil: utc(T0 + 5 * 365 * DAY) }), 'CREDENTIAL_INVALID'],
      ['an expired credential', () => certification({ validFrom: utc(T0 - 400 * DAY), validUntil: utc(T0) }), 'CREDENTIAL_EXPIRED', /not valid since/],
      ['a credential not valid yet', () => certification({ validFrom: utc(T0 + 30 * DAY), validUntil: utc(T0 + 60 * DAY) }), 'CREDENTIAL_EXPIRED', /not valid before/],
      ['a credential about another key', () => certification({ subject: testKey(2).did }), 'CREDENTIAL_INVALID', /not did:key/],
      ['a credential for another agent name of the same key', () => certification({ agentName: OTHER }), 'CREDENTIAL_INVALID', /is for agent:\/\/acme.com\/health\/billing/],
      ['a credential for a malformed agent name', () => certification({ agentName: 'not a name' }), 'CREDENTIAL_INVALID'],
      ['a certification name with a lone surrogate (no UTF-8 form)', () => certification({ certification: { name: 'HIPAA\uD800' } }), 'CREDENTIAL_INVALID', /well-formed/],
      ['a credential without validUntil', () => signCredential(withoutValidUntil(), auditor, utc(T0)), 'CREDENTIAL_INVALID', /validUntil/],
      ['a did:web issuer whose document is unknown', () => certification({ issuer: unknownWeb }), 'DID_UNRESOLVABLE'],
      ['a JSON string', async () => 'not a credential', 'CREDENTIAL_INVALID'],
      ['null', async () => null, 'CREDENTIAL_INVALID'],
      ['an empty object', async () => ({}), 'CREDENTIAL_INVALID'],
      ['a facts credential type', async () => ({ ...(await certification()), type: ['VerifiableCredential', 'AgentFactsCredential'] }), 'CREDENTIAL_INVALID'],
      ['an oversized credential', () => oversized(), 'REQUEST_TOO_LARGE', /limit is 16384/],
    ];
    it.each(cases)('%s', async (_, make, code, detail) => {
      const { certifications, found, stored, store } = await setup();
      const before = await stored();
      const result = await certifications.submit(NAME, await make());
      expect(codeOf(result), detailOf(result)).toBe(code);
      if (detail) expect(detailOf(result)).toMatch(detail);
      expect(await stored()).toBe(before);
      expect(await store.certificationsOf(NAME)).toEqual([]);
      expect(await found('HIPAA')).toEqual([]);
    });

    it('an unknown, malformed or deregistered agent name', async () => {
      const { certifications, registry, store, clock } = await setup();
      const vc = await certification();
      expect(codeOf(await certifications.submit('agent://acme.com/nobody', vc))).toBe('AGENT_NOT_FOUND');
      expect(codeOf(await certifications.submit('agent://', vc))).toMatch(/^NAME_/);
      clock.advance(1000);
      expect((await registry.deregister(NAME, createTombstone(owner, NAME, 2))).ok).toBe(true);
      expect(codeOf(await certifications.submit(NAME, vc))).toBe('AGENT_DEREGISTERED');
      expect(await store.certificationsOf(NAME)).toEqual([]);
      expect(await store.certificationsOf('agent://acme.com/nobody')).toEqual([]);
    });
  });

  it('has a size limit just above real credentials: 16 KiB of canonical JSON', async () => {
    const { certifications } = await setup();
    const vc = await certification();
    expect(JSON.stringify(vc).length).toBeLessThan(2048);
    // Whitespace does not count: the same credential pretty-printed and parsed again is the same size.
    expect((await certifications.submit(NAME, JSON.parse(JSON.stringify(vc, null, 8)))).ok).toBe(true);
    expect(MAX_CERTIFICATION_BYTES).toBe(16_384);
  });
});

describe('CertificationRegistry: whether a certification counts is judged at read time', () => {
  it('lists every stored credential with a fresh verdict', async () => {
    const { certifications } = await setup();
    await certifications.submit(NAME, await certification());
    await certifications.submit(NAME, await certification({ issuer: compliance, certification: { name: 'SOC2' } }));
    const listing = await certifications.list('intake.health@acme.com');
    expect(listing.ok && listing.value.name).toBe(NAME);
    expect(listing.ok && listing.value.agentId).toBe(owner.did);
    expect(listing.ok && listing.value.items.map((i) => [i.stored.certification, i.verified, i.errors])).toEqual([
      ['HIPAA', true, []],
      ['SOC2', true, []],
    ]);
    expect(codeOf(await certifications.list('agent://acme.com/nobody'))).toBe('AGENT_NOT_FOUND');
  });

  it('a policy change takes effect at once, for listings and search, without re-indexing', async () => {
    const { certifications, found, withPolicy } = await setup();
    await certifications.submit(NAME, await certification());
    const strict = withPolicy({ HIPAA: [COMPLIANCE_DID] });
    expect(await found('HIPAA', strict)).toEqual([]);
    const listing = await strict.list(NAME);
    expect(listing.ok && listing.value.items.map((i) => [i.verified, i.errors[0]?.code])).toEqual([[false, 'ISSUER_UNTRUSTED']]);
    expect(await found('HIPAA')).toEqual([NAME]);
  });

  it('an expired certification stops counting', async () => {
    const { certifications, found, clock } = await setup();
    await certifications.submit(NAME, await certification({ validUntil: utc(T0 + 2 * DAY) }));
    expect(await found('HIPAA')).toEqual([NAME]);
    clock.set(T0 + 2 * DAY);
    expect(await found('HIPAA')).toEqual([]);
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items[0]?.errors[0]?.code).toBe('CREDENTIAL_EXPIRED');
  });

  it('a release and a new owner leave nothing of the old owner: not counted, not listed, not stored', async () => {
    const { certifications, registry, found, clock, store } = await setup({ prune: false });
    await certifications.submit(NAME, await certification());
    clock.advance(1000);
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 2, true))).ok).toBe(true);
    expect(await found('HIPAA')).toEqual([]);
    expect((await registry.register(registrationFor(newKey, NAME, 3))).ok).toBe(true);
    expect(await found('HIPAA')).toEqual([]);
    // Without the app's prune hook, the listing deletes what outlived its binding on the way.
    expect(await store.certificationsOf(NAME)).toHaveLength(1);
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items).toEqual([]);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    // The auditor certifies the new key: a new certification that counts.
    const result = await certifications.submit(NAME, await certification({ subject: newKey.did }));
    expect(result.ok && result.value.created).toBe(true);
    expect(await found('HIPAA')).toEqual([NAME]);
  });

  it('never counts a certification the registrant declares in its own facts', async () => {
    const { registry, certifications, found } = await setup();
    const selfDeclared = registrationFor(owner, NAME, 2, { claims: { description: 'x', endpoints: { static: ['https://a.example/x'] }, certifications: [{ name: 'HIPAA', issuer: owner.did }] } });
    expect((await registry.register(selfDeclared)).ok).toBe(true);
    expect(await found('HIPAA')).toEqual([]);
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items).toEqual([]);
  });

  it('builds the search filter from the current policy and clock', async () => {
    const { certifications, clock } = await setup();
    clock.set(T0 + 5 * DAY);
    expect(certifications.searchFilter(' SOC2 ')).toEqual({ name: 'SOC2', trustedIssuers: [auditor.did, COMPLIANCE_DID], at: T0 + 5 * DAY });
    expect(certifications.searchFilter('Kid-Safe')).toEqual({ name: 'kid-safe', trustedIssuers: [COMPLIANCE_DID], at: T0 + 5 * DAY });
    expect(certifications.searchFilter('PCI')).toEqual({ name: 'PCI', trustedIssuers: [], at: T0 + 5 * DAY });
    expect(certifications.searchFilter('constructor').trustedIssuers).toEqual([]);
    const ambiguous = new CertificationRegistry({ store: new MemoryRecordStore(), clock, trustPolicy: { hipaa: [auditor.did], HIPAA: [COMPLIANCE_DID] }, documentLoader });
    expect(ambiguous.searchFilter('Hipaa'), 'ambiguous: no guessing').toEqual({ name: 'Hipaa', trustedIssuers: [], at: T0 + 5 * DAY });
  });
});

describe('CertificationRegistry: listing and search agree on the validity window', () => {
  const FROM = T0 + 2 * DAY;
  const UNTIL = T0 + 3 * DAY;

  it('a validFrom slightly ahead of the registry clock (an issuer clock running fast) is listed as counting and found', async () => {
    const { certifications, clock, found } = await setup();
    clock.set(FROM - 30_000);
    const submitted = await certifications.submit(NAME, await certification({ validFrom: utc(FROM), validUntil: utc(UNTIL) }));
    expect(submitted.ok, detailOf(submitted)).toBe(true);
    const listing = await certifications.list(NAME);
    expect(listing.ok && listing.value.items.map((i) => i.verified)).toEqual([true]);
    expect(await found('HIPAA')).toEqual([NAME]);
  });

  it('at every instant around both edges, "counts" in the listing means found by search', async () => {
    const { certifications, clock, found } = await setup();
    clock.set(FROM);
    expect((await certifications.submit(NAME, await certification({ validFrom: utc(FROM), validUntil: utc(UNTIL) }))).ok).toBe(true);
    const skew = VALID_FROM_CLOCK_SKEW_MS;
    const instants = [FROM - 2 * skew, FROM - skew - 1, FROM - skew, FROM - skew + 1, FROM - 1, FROM, UNTIL - 1, UNTIL, UNTIL + skew];
    const verdicts: [number, boolean, boolean][] = [];
    for (const at of instants) {
      clock.set(at);
      const listing = await certifications.list(NAME);
      const counts = listing.ok && listing.value.items.length === 1 && listing.value.items[0]!.verified;
      verdicts.push([at - FROM, counts, (await found('HIPAA')).includes(NAME)]);
    }
    for (const [offset, counts, isFound] of verdicts) expect(isFound, `${offset} ms from validFrom`).toBe(counts);
    // Both edges are really crossed: the tolerance for validFrom, none for validUntil.
    expect(verdicts.map(([, counts]) => counts)).toEqual([false, false, true, true, true, true, true, false, false]);
  });
});

/**
 * A store that lets a test run something just before a certification is written, or just after
 * the agent or the certifications of a name were read (an interleaving write). Each hook runs once.
 */
class InterleavingStore extends MemoryRecordStore {
  beforeCertificationWrite: (() => Promise<void>) | undefined;
  afterAgentRead: (() => Promise<void>) | undefined;
  afterCertificationsRead: (() => Promise<void>) | undefined;

  override async get(name: string) {
    const read = await super.get(name);
    const run = this.afterAgentRead;
    this.afterAgentRead = undefined;
    await run?.();
    return read;
  }

  override async certificationsOf(name: string) {
    const read = await super.certificationsOf(name);
    const run = this.afterCertificationsRead;
    this.afterCertificationsRead = undefined;
    await run?.();
    return read;
  }

  override async putCertification(certification: StoredCertification, expectedDigest: string | null) {
    const run = this.beforeCertificationWrite;
    this.beforeCertificationWrite = undefined;
    await run?.();
    return super.putCertification(certification, expectedDigest);
  }
}

describe('CertificationRegistry: certifications live as long as the binding they are about', () => {
  async function certified(options: Parameters<typeof setup>[0] = {}) {
    const context = await setup(options);
    expect((await context.certifications.submit(NAME, await certification())).ok).toBe(true);
    expect((await context.certifications.submit(NAME, await certification({ issuer: compliance, certification: { name: 'SOC2' } }))).ok).toBe(true);
    expect((await context.certifications.submit(OTHER, await certification({ agentName: OTHER }))).ok).toBe(true);
    expect(await context.store.certificationsOf(NAME)).toHaveLength(2);
    context.clock.advance(1000);
    return context;
  }

  it('a deregistration deletes every certification of the name, and only of that name', async () => {
    const { registry, store, settled, found } = await certified();
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 2))).ok).toBe(true);
    expect(await settled()).toBe(2);
    // Each stored and each deleted credential is an event of the log, after the writes of the names.
    const events = (await store.logEntries(0, 100)).map((entry) => JSON.parse(entry.text) as { kind: string; name: string; certification?: string; records: Record<string, string> });
    expect(events.map(({ kind, name, certification }) => [kind, name, certification])).toEqual([
      ['registered', NAME, undefined],
      ['registered', OTHER, undefined],
      ['certification-added', NAME, 'HIPAA'],
      ['certification-added', NAME, 'SOC2'],
      ['certification-added', OTHER, 'HIPAA'],
      ['deregistered', NAME, undefined],
      ['certification-removed', NAME, expect.any(String)],
      ['certification-removed', NAME, expect.any(String)],
    ]);
    expect(events[2]!.records.certification).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    expect((await store.certificationsOf(OTHER)).map((c) => c.certification)).toEqual(['HIPAA']);
    expect(await found('HIPAA')).toEqual([OTHER]);
    // Coming back with the same key is a new registration: the issuers certify it again.
    expect((await registry.register(registrationFor(owner, NAME, 3))).ok).toBe(true);
    expect(await found('HIPAA')).toEqual([OTHER]);
  });

  it('a revocation deletes them; a suspension (reversible) keeps them, and reinstating counts them again', async () => {
    const { registry, store, settled, found, clock } = await certified();
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'suspend', 'audit', clock.now()))).ok).toBe(true);
    expect(await settled()).toBe(0);
    expect(await store.certificationsOf(NAME)).toHaveLength(2);
    expect(await found('HIPAA')).toEqual([OTHER]);
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'reinstate', 'audit passed', clock.now()))).ok).toBe(true);
    expect(await settled()).toBe(0);
    expect(await found('HIPAA')).toEqual([OTHER, NAME].sort());
    clock.advance(1000);
    expect((await registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key leaked', clock.now()))).ok).toBe(true);
    expect(await settled()).toBe(2);
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('a key rotation deletes those about the old key; an update with the same key keeps them', async () => {
    const { registry, store, settled, found } = await certified();
    expect((await registry.register(registrationFor(owner, NAME, 2))).ok).toBe(true);
    expect(await settled()).toBe(0);
    expect(await found('SOC2')).toEqual([NAME]);
    const rotation = { ...registrationFor(newKey, NAME, 3), rotation: createKeyRotation(owner, NAME, newKey.did, 3) };
    expect((await registry.register(rotation)).ok).toBe(true);
    expect(await settled()).toBe(2);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    expect(await store.certificationsOf(OTHER)).toHaveLength(1);
  });

  it('prune is idempotent and harmless on names without certifications', async () => {
    const { certifications } = await certified();
    expect(await certifications.prune(NAME)).toBe(0);
    expect(await certifications.prune('agent://acme.com/nobody')).toBe(0);
  });

  it('without the prune hook, list and submit delete what outlived its binding when they meet it', async () => {
    const { registry, store, certifications, clock } = await certified({ prune: false });
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 2))).ok).toBe(true);
    expect(await store.certificationsOf(NAME)).toHaveLength(2);
    expect(codeOf(await certifications.list(NAME))).toBe('AGENT_DEREGISTERED');
    expect(await store.certificationsOf(NAME)).toEqual([]);
    clock.advance(1000);
    expect((await registry.deregister(OTHER, createTombstone(owner, OTHER, 2))).ok).toBe(true);
    expect(codeOf(await certifications.submit(OTHER, await certification({ agentName: OTHER })))).toBe('AGENT_DEREGISTERED');
    expect(await store.certificationsOf(OTHER)).toEqual([]);
  });

  const interleaved: [string, (registry: Registry) => Promise<Result<unknown>>, string][] = [
    ['deregistered', (registry) => registry.deregister(NAME, createTombstone(owner, NAME, 2)), 'AGENT_DEREGISTERED'],
    ['revoked', (registry) => registry.changeStatus(NAME, createStatusChange(owner, NAME, 'revoke', 'key leaked', T0 + DAY + 1000)), 'AGENT_REVOKED'],
    ['rotated to another key', (registry) => registry.register({ ...registrationFor(newKey, NAME, 2), rotation: createKeyRotation(owner, NAME, newKey.did, 2) }), 'WRITE_CONFLICT'],
  ];
  it.each(interleaved)('a name %s while its certification is checked keeps nothing (the prune ran before the write)', async (_, change, code) => {
    const store = new InterleavingStore();
    const { registry, certifications, settled, clock } = await setup({ store });
    store.beforeCertificationWrite = async () => {
      clock.advance(1000);
      expect((await change(registry)).ok).toBe(true);
      expect(await settled(), 'the prune found nothing yet').toBe(0);
    };
    const result = await certifications.submit(NAME, await certification());
    expect(codeOf(result), detailOf(result)).toBe(code);
    expect(await store.certificationsOf(NAME)).toEqual([]);
  });

  it('a missed prune (a crash, a store error) never brings the old binding back: same key, new registration', async () => {
    const { registry, store, certifications, found } = await certified({ prune: false });
    const first = (await store.certificationsOf(NAME))[0]!;
    const binding = (await store.get(NAME)) as ActiveAgent;
    expect(first.bindingIndex, 'stored for the binding it was accepted for').toBe(binding.statusIndex);
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 2))).ok).toBe(true);
    expect((await registry.register(registrationFor(owner, NAME, 3))).ok).toBe(true);
    expect(((await store.get(NAME)) as ActiveAgent).agentId, 'the same key again').toBe(binding.agentId);
    expect(await store.certificationsOf(NAME), 'the prune never ran').toHaveLength(2);
    expect(await found('HIPAA'), 'search does not count them').toEqual([OTHER]);
    expect(await found('SOC2')).toEqual([]);
    const listed = await certifications.list(NAME);
    expect(listed.ok && listed.value.items, 'nor does the listing: it deletes them').toEqual([]);
    expect(await store.certificationsOf(NAME)).toEqual([]);
    // Submitted again, the very same credential is stored for the new binding and counts.
    const again = await certifications.submit(NAME, await certification());
    expect(again.ok && again.value.created).toBe(true);
    expect(again.ok && again.value.certification.digest).toBe(first.digest);
    expect(await found('HIPAA')).toEqual([OTHER, NAME].sort());
  });

  it('a missed prune: the same credential left behind for the old binding is replaced, not kept as it was', async () => {
    const store = new InterleavingStore();
    const { registry, certifications, found } = await setup({ store, prune: false });
    const vc = await certification();
    expect((await certifications.submit(NAME, vc)).ok).toBe(true);
    expect((await registry.deregister(NAME, createTombstone(owner, NAME, 2))).ok).toBe(true);
    expect((await registry.register(registrationFor(owner, NAME, 3))).ok).toBe(true);
    const stale = (await store.certificationsOf(NAME))[0]!;
    // The lazy prune of submit misses it too (its delete is lost): the stale row is still there when it is kept.
    const remove = store.removeCertification.bind(store);
    store.removeCertification = async () => false;
    const again = await certifications.submit(NAME, vc);
    store.removeCertification = remove;
    expect(again.ok, detailOf(again)).toBe(true);
    expect(again.ok && again.value.certification.digest).toBe(stale.digest);
    expect(again.ok && again.value.certification.bindingIndex).toBe(((await store.get(NAME)) as ActiveAgent).statusIndex);
    expect(again.ok && again.value.certification.bindingIndex).not.toBe(stale.bindingIndex);
    expect((await store.certificationsOf(NAME)).map((c) => c.bindingIndex)).toEqual([again.ok && again.value.certification.bindingIndex]);
    expect(await found('HIPAA')).toEqual([NAME]);
  });

  // A listing or a submission reads the certifications first, then the agent: whatever lands
  // between the two reads (a rotation, and a certification about the new key) is never judged by a
  // stale view of the agent, so a valid certification is never deleted.
  const readOrder: ['afterAgentRead' | 'afterCertificationsRead'][] = [['afterAgentRead'], ['afterCertificationsRead']];
  describe.each(readOrder)('a rotation and a fresh certification landing %s', (hook) => {
    async function racing() {
      const store = new InterleavingStore();
      const context = await setup({ store });
      expect((await context.certifications.submit(NAME, await certification())).ok).toBe(true);
      context.clock.advance(1000);
      store[hook] = async () => {
        const rotation = { ...registrationFor(newKey, NAME, 2), rotation: createKeyRotation(owner, NAME, newKey.did, 2) };
        expect((await context.registry.register(rotation)).ok).toBe(true);
        await context.settled();
        const fresh = await context.certifications.submit(NAME, await certification({ subject: newKey.did, issuer: compliance, certification: { name: 'SOC2' } }));
        expect(fresh.ok, detailOf(fresh)).toBe(true);
      };
      return { ...context, store };
    }

    it('does not make a listing delete the fresh certification', async () => {
      const { certifications, store, found } = await racing();
      expect((await certifications.list(NAME)).ok).toBe(true);
      expect((await store.certificationsOf(NAME)).map((c) => [c.certification, c.subject])).toEqual([['SOC2', newKey.did]]);
      expect(await found('SOC2')).toEqual([NAME]);
      const listed = await certifications.list(NAME);
      expect(listed.ok && listed.value.items.map((item) => [item.stored.certification, item.verified])).toEqual([['SOC2', true]]);
    });

    it('does not make a submission delete the fresh certification', async () => {
      const { certifications, store, found } = await racing();
      const late = await certifications.submit(NAME, await certification({ certification: { name: 'SOC2' } }));
      expect(late.ok, 'about the old key').toBe(false);
      expect((await store.certificationsOf(NAME)).map((c) => [c.certification, c.issuer, c.subject])).toEqual([['SOC2', compliance.did, newKey.did]]);
      expect(await found('SOC2')).toEqual([NAME]);
    });
  });
});

describe('parseTrustPolicy', () => {
  it('accepts did:key and did:web issuers, drops duplicates, and keeps "__proto__" a plain key', () => {
    const parsed = parseTrustPolicy(JSON.parse(`{"HIPAA": ["${auditor.did}", "did:web:auditor.example", "${auditor.did}"], "SOC2": ["did:web:127.0.0.1%3A8700:org:compliance"], "kid-safe": [], "__proto__": ["did:web:x.example"]}`));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value['HIPAA']).toEqual([auditor.did, 'did:web:auditor.example']);
    expect(parsed.value['kid-safe']).toEqual([]);
    expect(Object.getPrototypeOf(parsed.value)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed.value, '__proto__')).toBe(true);
    expect(Object.isFrozen(parsed.value)).toBe(true);
  });

  it.each([
    ['an array', [], ''],
    ['a string', 'HIPAA', ''],
    ['null', null, ''],
    ['issuers that are not an array', { HIPAA: 'did:web:auditor.example' }, '/HIPAA'],
    ['a number as issuer', { HIPAA: [42] }, '/HIPAA/0'],
    ['a did:key that is not Ed25519', { HIPAA: ['did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'] }, '/HIPAA/0'],
    ['another DID method', { HIPAA: ['did:example:123'] }, '/HIPAA/0'],
    ['a URL instead of a DID', { HIPAA: ['https://auditor.example'] }, '/HIPAA/0'],
    ['a malformed did:web', { HIPAA: ['did:web:'] }, '/HIPAA/0'],
    // did:web the DID resolver's parser refuses: such an issuer could never be resolved.
    ['a did:web with a port out of range', { HIPAA: ['did:web:auditor.example%3A99999'] }, '/HIPAA/0'],
    ['a did:web with a dot-dot path segment', { HIPAA: ['did:web:auditor.example:..'] }, '/HIPAA/0'],
    ['a did:web whose host label starts with a hyphen', { HIPAA: ['did:web:-auditor.example'] }, '/HIPAA/0'],
    ['a did:web with an encoded slash in its path', { HIPAA: ['did:web:auditor.example:%2Fetc'] }, '/HIPAA/0'],
    ['a did:web with a tilde (not a DID idchar)', { HIPAA: ['did:web:auditor.example:~team'] }, '/HIPAA/0'],
    ['an empty certification name', { '': ['did:web:auditor.example'] }, '/'],
    ['a name with surrounding spaces', { ' HIPAA': ['did:web:auditor.example'] }, '/ HIPAA'],
    ['a too long name', { ['x'.repeat(257)]: ['did:web:auditor.example'] }, `/${'x'.repeat(257)}`],
    ['a slash in the name, pointer-escaped', { 'a/b': [1] }, '/a~1b/0'],
  ])('refuses %s with REQUEST_INVALID and a pointer', (_, value, pointer) => {
    const parsed = parseTrustPolicy(value);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems[0]).toMatchObject({ code: 'REQUEST_INVALID', pointer });
  });

  it('reports every problem at once', () => {
    const parsed = parseTrustPolicy({ HIPAA: ['did:example:1', 'did:web:ok.example', 7], SOC2: 'x' });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.pointer)).toEqual(['/HIPAA/0', '/HIPAA/2', '/SOC2']);
  });
});

/** Flip one character of the string at `path` (a forged or damaged credential). */
function forge<T>(value: T, path: readonly string[]): T {
  const copy = structuredClone(value) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  const text = node[last] as string;
  const at = Math.floor(text.length / 2);
  node[last] = text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
  return copy as T;
}

function withoutValidUntil() {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential', 'AgentCertificationCredential'],
    issuer: auditor.did,
    validFrom: utc(T0),
    credentialSubject: { id: owner.did, agentName: NAME, certification: { name: 'HIPAA' } },
  };
}

/** A genuine, correctly signed credential, just too big: 17 KiB of evidence. */
async function oversized() {
  const vc = await certification();
  const { proof: _proof, ...unsigned } = vc;
  return signCredential({ ...unsigned, evidence: [{ type: ['Evidence'], note: 'x'.repeat(17 * 1024) }] }, auditor, utc(T0));
}
