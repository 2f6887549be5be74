import { VALID_FROM_CLOCK_SKEW_MS } from './proof.js';
import { createList, decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../encoding.js';
import { createDocumentLoader } from './document-loader.js';
import { issueFactsCredential } from './facts-credential.js';
import { signCredential } from './proof.js';
import {
  checkCredentialStatus,
  decodeStatusList,
  encodeStatusList,
  issueStatusListCredential,
  parseStatusEntry,
  STATUS_LIST_MAX_ENTRIES,
  STATUS_LIST_MIN_ENTRIES,
  statusInList,
  statusListEntry,
  verifyStatusList,
  type StatusListInput,
} from './status-list.js';
import { auditor, DAY, documentLoader, factsInput, flipChar, REGISTRY_DID, registry, statusUrl, T0, tamper, utc } from './test-support/fixtures.js';
import type { StatusPurpose } from './types.js';

const HOUR = 3_600_000;
const options = { documentLoader, now: T0 + HOUR, trustedIssuers: [REGISTRY_DID] };
const codes = (r: { errors: readonly { code: string }[] }) => r.errors.map((e) => e.code);

function listInput(purpose: StatusPurpose, setIndices: number[], overrides: Partial<StatusListInput> = {}): StatusListInput {
  return { issuer: registry, listUrl: statusUrl(purpose), purpose, setIndices, validFrom: utc(T0), validUntil: utc(T0 + 2 * HOUR), ttlMs: 300_000, ...overrides };
}

const vc = await issueFactsCredential(factsInput);
const [revocationEntry, suspensionEntry] = vc.credentialStatus ?? [];
const emptyRevocations = await issueStatusListCredential(listInput('revocation', [7, 41, 43]));
const revoked = await issueStatusListCredential(listInput('revocation', [7, 42]));
const emptySuspensions = await issueStatusListCredential(listInput('suspension', []));
const suspended = await issueStatusListCredential(listInput('suspension', [42]));

describe('status list encoding', () => {
  it('enforces the 131,072-entry minimum for herd privacy', async () => {
    expect(STATUS_LIST_MIN_ENTRIES).toBe(131_072);
    await expect(encodeStatusList([], 131_064)).rejects.toThrow(RangeError);
    await expect(encodeStatusList([], 1024)).rejects.toThrow(RangeError);
    const short = `u${toBase64Url(gzipSync(new Uint8Array(STATUS_LIST_MIN_ENTRIES / 8 - 1)))}`;
    const decoded = decodeStatusList(short);
    expect(decoded.ok || decoded.problems[0]?.code).toBe('STATUS_LIST_INVALID');
  });

  it('round-trips set bits and reads them in the spec order (bit 0 = most significant bit of byte 0)', async () => {
    const set = [0, 7, 8, 12_345, STATUS_LIST_MIN_ENTRIES - 1];
    const encoded = await encodeStatusList(set);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    const decoded = decodeStatusList(encoded);
    if (!decoded.ok) throw new Error('did not decode');
    expect(decoded.value.length).toBe(STATUS_LIST_MIN_ENTRIES);
    const found: number[] = [];
    for (let i = 0; i < decoded.value.length; i++) if (decoded.value.isSet(i)) found.push(i);
    expect(found).toEqual(set);
    expect(decoded.value.isSet(-1) || decoded.value.isSet(STATUS_LIST_MIN_ENTRIES)).toBe(false);
    const raw = decodeList({ encodedList: encoded });
    expect((await raw).getStatus(12_345)).toBe(true);
  });

  it('agrees with vc-bitstring-status-list both ways', async () => {
    const library = await createList({ length: STATUS_LIST_MIN_ENTRIES * 2 });
    for (const i of [3, 99, 200_000]) library.setStatus(i, true);
    const ours = decodeStatusList(await library.encode());
    if (!ours.ok) throw new Error('did not decode');
    expect(ours.value.length).toBe(STATUS_LIST_MIN_ENTRIES * 2);
    expect([3, 99, 200_000, 4, 0].map((i) => ours.value.isSet(i))).toEqual([true, true, true, false, false]);
    const theirs = await decodeList({ encodedList: await encodeStatusList([5, 131_071]) });
    expect([5, 131_071, 6].map((i) => theirs.getStatus(i))).toEqual([true, true, false]);
  });

  it('keeps a 131,072-entry list small on the wire', async () => {
    expect((await encodeStatusList([1, 2, 3])).length).toBeLessThan(200);
  });

  it('refuses indices outside the list and malformed encodings', async () => {
    await expect(encodeStatusList([STATUS_LIST_MIN_ENTRIES])).rejects.toThrow(RangeError);
    await expect(encodeStatusList([-1])).rejects.toThrow(RangeError);
    for (const bad of ['', 'zabc', 'u***', 'uAAAA']) expect(decodeStatusList(bad).ok).toBe(false);
  });

  it('bounds what it inflates (a gzip bomb is STATUS_LIST_INVALID, not an out-of-memory)', () => {
    const bomb = `u${toBase64Url(gzipSync(new Uint8Array(STATUS_LIST_MAX_ENTRIES / 8 + 1)))}`;
    const decoded = decodeStatusList(bomb);
    expect(decoded.ok || decoded.problems[0]?.code).toBe('STATUS_LIST_INVALID');
  });
});

describe('status list credential', () => {
  it('is a signed BitstringStatusListCredential served at its own URL', () => {
    expect(revoked).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: statusUrl('revocation'),
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: REGISTRY_DID,
      validFrom: utc(T0),
      validUntil: utc(T0 + 2 * HOUR),
      credentialSubject: { id: `${statusUrl('revocation')}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', ttl: 300_000 },
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', verificationMethod: `${REGISTRY_DID}#key-1` },
    });
  });

  it('gives each credential its entry: list URL + index, index as a decimal string', () => {
    expect(statusListEntry('suspension', { listUrl: statusUrl('suspension', 3), index: 9 })).toEqual({
      id: `${statusUrl('suspension', 3)}#9`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'suspension',
      statusListIndex: '9',
      statusListCredential: statusUrl('suspension', 3),
    });
  });

  it('reports ok when the bit is clear', async () => {
    expect(await checkCredentialStatus(revocationEntry, emptyRevocations, options)).toEqual({ verified: true, status: 'ok', errors: [] });
    expect(await checkCredentialStatus(suspensionEntry, emptySuspensions, options)).toEqual({ verified: true, status: 'ok', errors: [] });
  });

  it('reports CREDENTIAL_REVOKED when the revocation bit is set', async () => {
    const result = await checkCredentialStatus(revocationEntry, revoked, options);
    expect(result).toMatchObject({ verified: false, status: 'revoked' });
    expect(codes(result)).toEqual(['CREDENTIAL_REVOKED']);
  });

  it('keeps suspension separate from revocation', async () => {
    const result = await checkCredentialStatus(suspensionEntry, suspended, options);
    expect(result).toMatchObject({ verified: false, status: 'suspended' });
    expect(codes(result)).toEqual(['CREDENTIAL_REVOKED']);
    // Suspended, not revoked: the revocation list does not have the bit.
    expect((await checkCredentialStatus(revocationEntry, emptyRevocations, options)).status).toBe('ok');
  });

  it('verifies a list once and looks entries up in it; freshness is judged at each lookup, not at verification', async () => {
    const list = await verifyStatusList(revoked, { documentLoader, trustedIssuers: [REGISTRY_DID] });
    expect(list.ok).toBe(true);
    if (!list.ok) return;
    const entry = parseStatusEntry(revocationEntry, '');
    if (!entry.ok) throw new Error('entry');
    expect(statusInList(entry.value, list.value, T0 + HOUR).status).toBe('revoked');
    expect(codes(statusInList(entry.value, list.value, T0 + 2 * HOUR))).toEqual(['STATUS_LIST_INVALID']);
    const otherList = { ...list.value, id: statusUrl('revocation', 1) };
    expect(codes(statusInList(entry.value, otherList, T0 + HOUR))).toEqual(['STATUS_LIST_INVALID']);
    expect(codes(statusInList(entry.value, { ...list.value, purpose: 'suspension' }, T0 + HOUR))).toEqual(['STATUS_LIST_INVALID']);
    // A list whose validUntil was pushed out no longer verifies: a verified list cannot be made to live longer.
    const stretched = await verifyStatusList(tamper(revoked, ['validUntil'], () => utc(T0 + 3 * HOUR)), { documentLoader, trustedIssuers: [REGISTRY_DID] });
    expect(stretched.ok ? [] : stretched.problems.map((p) => p.code)).toEqual(['STATUS_LIST_INVALID']);
  });

  it('refuses a stale list (at or after validUntil) and one not yet valid', async () => {
    expect(codes(await checkCredentialStatus(revocationEntry, emptyRevocations, { ...options, now: T0 + 2 * HOUR }))).toEqual(['STATUS_LIST_INVALID']);
    expect(codes(await checkCredentialStatus(revocationEntry, emptyRevocations, { ...options, now: T0 - VALID_FROM_CLOCK_SKEW_MS - 1 }))).toEqual(['STATUS_LIST_INVALID']);
    // A list signed a moment after the verifier read its clock (or by a clock slightly ahead) is fine.
    expect((await checkCredentialStatus(revocationEntry, emptyRevocations, { ...options, now: T0 - 1000 })).verified).toBe(true);
  });

  it('refuses a list without validUntil: it could never be known to be stale', async () => {
    const { validUntil: _drop, proof: _proof, ...unsigned } = emptyRevocations;
    const resigned = await signCredential(unsigned, registry, utc(T0));
    expect(codes(await checkCredentialStatus(revocationEntry, resigned, options))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('refuses a list for another purpose or at another URL than the entry names', async () => {
    const wrongPurpose = await issueStatusListCredential(listInput('suspension', [], { listUrl: statusUrl('revocation') }));
    expect(codes(await checkCredentialStatus(revocationEntry, wrongPurpose, options))).toEqual(['STATUS_LIST_INVALID']);
    expect(codes(await checkCredentialStatus(revocationEntry, emptySuspensions, options))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('refuses a list by an untrusted issuer, even a well-signed one', async () => {
    const byAuditor = await issueStatusListCredential(listInput('revocation', [], { issuer: auditor }));
    expect(codes(await checkCredentialStatus(revocationEntry, byAuditor, options))).toEqual(['ISSUER_UNTRUSTED']);
  });

  it('refuses a list without a DID document for its issuer (DID_UNRESOLVABLE)', async () => {
    expect(codes(await checkCredentialStatus(revocationEntry, revoked, { ...options, documentLoader: createDocumentLoader() }))).toEqual(['DID_UNRESOLVABLE']);
  });

  it('refuses an index beyond the list', async () => {
    const entry = { ...revocationEntry, statusListIndex: String(STATUS_LIST_MIN_ENTRIES) };
    expect(codes(await checkCredentialStatus(entry, emptyRevocations, options))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('refuses malformed entries with CREDENTIAL_INVALID', async () => {
    const bad = [
      null,
      { ...revocationEntry, type: 'StatusList2021Entry' },
      { ...revocationEntry, statusPurpose: 'message' },
      { ...revocationEntry, statusListIndex: 42 },
      { ...revocationEntry, statusListIndex: '042' },
      { ...revocationEntry, statusListIndex: '4e1' },
      { ...revocationEntry, statusListCredential: 'ftp://x' },
      { ...revocationEntry, id: revocationEntry?.statusListCredential },
    ];
    for (const entry of bad) {
      const result = await checkCredentialStatus(entry, emptyRevocations, options);
      expect(result.status).toBe('unknown');
      expect(codes(result)).toEqual(['CREDENTIAL_INVALID']);
    }
    expect(parseStatusEntry(revocationEntry, '').ok).toBe(true);
  });

  it('never throws on garbage lists', async () => {
    for (const list of [null, 'list', [], {}, { ...revoked, proof: undefined }, { ...revoked, credentialSubject: 'x' }]) {
      const result = await checkCredentialStatus(revocationEntry, list, options);
      expect(result.verified).toBe(false);
      expect(codes(result)).toEqual(['STATUS_LIST_INVALID']);
    }
  });
});

describe('status list tampering', () => {
  const cases: [string, (string | number)[]][] = [
    ['encodedList', ['credentialSubject', 'encodedList']],
    ['the proofValue', ['proof', 'proofValue']],
    ['validUntil', ['validUntil']],
    ['statusPurpose', ['credentialSubject', 'statusPurpose']],
    ['the list subject id', ['credentialSubject', 'id']],
  ];

  it.each(cases)('flipping a character of %s is STATUS_LIST_INVALID', async (_what, path) => {
    const forged = tamper(revoked, path, (old) => flipChar(String(old), String(old).length - 3));
    const result = await checkCredentialStatus(revocationEntry, forged, options);
    expect(result).toMatchObject({ verified: false, status: 'unknown' });
    expect(codes(result)).toEqual(['STATUS_LIST_INVALID']);
  });

  it('clearing a revoked bit (a forged reinstatement) does not verify', async () => {
    const forged = tamper(revoked, ['credentialSubject', 'encodedList'], () => emptyRevocations.credentialSubject.encodedList);
    expect(codes(await checkCredentialStatus(revocationEntry, forged, options))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('extending validUntil (replaying an old list) does not verify', async () => {
    const forged = tamper(emptyRevocations, ['validUntil'], () => utc(T0 + 30 * DAY));
    expect(codes(await checkCredentialStatus(revocationEntry, forged, { ...options, now: T0 + 3 * HOUR }))).toEqual(['STATUS_LIST_INVALID']);
  });

  it('fails for every single-bit flip of any byte of the serialized list', async () => {
    const text = JSON.stringify(revoked);
    for (let at = 0; at < text.length; at++) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1));
      } catch {
        continue;
      }
      const result = await checkCredentialStatus(revocationEntry, parsed, options);
      // The untampered list says "revoked"; a flip must never turn that into a verified "ok".
      if (result.verified || result.status !== 'unknown') throw new Error(`flipping byte ${at} (${text[at]}) gives ${result.status}`);
    }
  });
});
