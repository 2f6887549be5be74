/**
 * Bitstring Status List v1.0: one signed list credential per purpose (revocation, suspension) and
 * list id, a bit per allocated index. Lists hold at least 131,072 entries so that fetching one
 * tells the issuer nothing about which credential a verifier is checking (herd privacy).
 */
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { gunzipSync } from 'node:zlib';
import { fail, ok, problem, type Problem, type Result } from '../../errors.js';
import { fromBase64Url } from '../encoding.js';
import { VC_V2_CONTEXT } from './contexts.js';
import type { DocumentLoader } from './document-loader.js';
import { checkEnvelope, checkIssuerTrusted, checkWindow, firstFailure, isRecord, listOf, requireValidityWindow, signCredential, verifyProof } from './proof.js';
import type { BitstringStatusListEntry, CredentialIssuer, Instant, StatusAllocation, StatusPurpose, VerifiableCredential } from './types.js';

/** 16 KiB of bits: the minimum the spec sets for herd privacy. */
export const STATUS_LIST_MIN_ENTRIES = 131_072;
/** 128 Mi entries (16 MiB decoded): a bound on what a decoder inflates, so a gzip bomb stays harmless. */
export const STATUS_LIST_MAX_ENTRIES = 134_217_728;

export const STATUS_PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];

export interface StatusListSubject {
  readonly id: string;
  readonly type: 'BitstringStatusList';
  readonly statusPurpose: StatusPurpose;
  /** Multibase base64url (`u…`) of the GZIP-compressed bitstring. */
  readonly encodedList: string;
  /** Milliseconds a verifier may cache the list (spec: `ttl`). */
  readonly ttl?: number;
}

export type StatusListCredential = VerifiableCredential<StatusListSubject>;

/** A decoded list: bit `i` is the `i % 8`-th most significant bit of byte `i / 8` (the spec's order). */
export interface StatusBits {
  readonly length: number;
  isSet(index: number): boolean;
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < STATUS_LIST_MIN_ENTRIES || length > STATUS_LIST_MAX_ENTRIES || length % 8 !== 0) {
    throw new RangeError(`a status list has a multiple of 8 entries between ${STATUS_LIST_MIN_ENTRIES} and ${STATUS_LIST_MAX_ENTRIES}, not ${length}`);
  }
}

/** `u` + base64url(gzip(bits)) with the given bits set, built by vc-bitstring-status-list. */
export async function encodeStatusList(setBits: Iterable<number>, length: number = STATUS_LIST_MIN_ENTRIES): Promise<string> {
  checkLength(length);
  const list = await createList({ length });
  for (const index of setBits) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= length) throw new RangeError(`status index ${index} is outside 0..${length - 1}`);
    list.setStatus(index, true);
  }
  return list.encode();
}

/**
 * Decode an `encodedList`. Node's gunzip is used (not the library's pako) because it can bound its
 * output: a signed list from a trusted issuer is still input we do not let inflate without limit.
 */
export function decodeStatusList(encoded: string): Result<StatusBits> {
  if (!encoded.startsWith('u')) return fail('STATUS_LIST_INVALID', 'encodedList must be multibase base64url (start with "u")', '/credentialSubject/encodedList');
  const compressed = fromBase64Url(encoded.slice(1));
  if (compressed === undefined) return fail('STATUS_LIST_INVALID', 'encodedList is not base64url', '/credentialSubject/encodedList');
  let bytes: Uint8Array;
  try {
    bytes = gunzipSync(compressed, { maxOutputLength: STATUS_LIST_MAX_ENTRIES / 8 });
  } catch (error) {
    return fail('STATUS_LIST_INVALID', `encodedList does not inflate: ${(error as Error).message}`, '/credentialSubject/encodedList');
  }
  const length = bytes.length * 8;
  if (length < STATUS_LIST_MIN_ENTRIES) {
    return fail('STATUS_LIST_INVALID', `the list has ${length} entries; herd privacy needs at least ${STATUS_LIST_MIN_ENTRIES}`, '/credentialSubject/encodedList');
  }
  return ok({ length, isSet: (index) => index >= 0 && index < length && ((bytes[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0 });
}

/** The `credentialStatus` entry for an allocated index (`id` = list URL + `#` + index). */
export function statusListEntry(purpose: StatusPurpose, allocation: StatusAllocation): BitstringStatusListEntry {
  if (!Number.isSafeInteger(allocation.index) || allocation.index < 0) throw new RangeError(`status index ${allocation.index} is not a non-negative integer`);
  return {
    id: `${allocation.listUrl}#${allocation.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(allocation.index),
    statusListCredential: allocation.listUrl,
  };
}

export interface StatusListInput {
  readonly issuer: CredentialIssuer;
  /** The stable URL the list is served at, also the credential's id (e.g. `…/v1/status/revocation/0`). */
  readonly listUrl: string;
  readonly purpose: StatusPurpose;
  readonly setIndices: Iterable<number>;
  readonly length?: number;
  /** Whole-second UTC; the proof's `created` too. */
  readonly validFrom: string;
  /** Whole-second UTC; keep it short: verifiers refuse the list after it (STATUS_LIST_INVALID). */
  readonly validUntil: string;
  /** Milliseconds a verifier may cache the list (the spec's optional `ttl`); omitted unless given. */
  readonly ttlMs?: number;
}

export async function issueStatusListCredential(input: StatusListInput): Promise<StatusListCredential> {
  requireValidityWindow(input.validFrom, input.validUntil);
  if (!STATUS_PURPOSES.includes(input.purpose)) throw new RangeError(`unknown status purpose ${String(input.purpose)}`);
  const unsigned = {
    '@context': [VC_V2_CONTEXT],
    id: input.listUrl,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer.did,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    credentialSubject: {
      id: `${input.listUrl}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.purpose,
      encodedList: await encodeStatusList(input.setIndices, input.length),
      ...(input.ttlMs === undefined ? {} : { ttl: input.ttlMs }),
    },
  };
  return (await signCredential(unsigned, input.issuer, input.validFrom)) as unknown as StatusListCredential;
}

export interface StatusCheckOptions {
  readonly documentLoader: DocumentLoader;
  readonly now: Instant;
  /** Issuers whose lists count: normally the issuer of the credential whose status is checked. */
  readonly trustedIssuers: readonly string[];
}

export interface StatusCheckResult {
  readonly verified: boolean;
  /** `unknown` when the entry or the list could not be verified (then `errors` says why). */
  readonly status: 'ok' | 'revoked' | 'suspended' | 'unknown';
  readonly errors: readonly Problem[];
}

/**
 * A status list credential whose issuer, proof, envelope and subject checked out: what a verifier
 * may keep for as long as it reuses the list, so looking up another entry costs no signature.
 */
export interface VerifiedStatusList {
  /** The URL the list credential names itself by (its `id`). */
  readonly id: string;
  readonly purpose: StatusPurpose;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  readonly bits: StatusBits;
}

/**
 * Verify a list credential once, apart from any entry and any time: its envelope (validUntil
 * required), its issuer, its proof, its subject, and its bits. Freshness is judged per lookup
 * (statusInList), since a verified list is reused for a while.
 */
export async function verifyStatusList(statusListCredential: unknown, options: Omit<StatusCheckOptions, 'now'>): Promise<Result<VerifiedStatusList>> {
  const envelope = checkEnvelope(statusListCredential, 'BitstringStatusListCredential', 'STATUS_LIST_INVALID');
  if (!envelope.ok) return { ok: false, problems: envelope.problems };
  const { vc, window } = envelope;
  const subject = vc.credentialSubject as Record<string, unknown>;
  let bits: StatusBits | undefined;
  const problems = await firstFailure([
    // Without validUntil a list would count as fresh forever, and a replayed old list could hide a revocation.
    () => listOf(window.untilMs === undefined ? problem('STATUS_LIST_INVALID', 'a status list must say until when it is fresh (validUntil)', '/validUntil') : undefined),
    () => listOf(typeof vc.id === 'string' ? undefined : problem('STATUS_LIST_INVALID', 'a status list must name its URL as its id', '/id')),
    () => listOf(checkIssuerTrusted(vc.issuer as string, options.trustedIssuers, 'status lists')),
    () => verifyProof(vc, window, options.documentLoader, 'STATUS_LIST_INVALID'),
    () => listOf(checkListSubject(subject)),
    () => {
      const decoded = decodeStatusList(subject.encodedList as string);
      if (!decoded.ok) return [...decoded.problems];
      bits = decoded.value;
      return [];
    },
  ]);
  if (problems.length > 0 || bits === undefined) return { ok: false, problems };
  return ok({ id: vc.id as string, purpose: subject.statusPurpose as StatusPurpose, validFromMs: window.fromMs, validUntilMs: window.untilMs!, bits });
}

/**
 * The status of one entry in a verified list at `now`: that it is the list the entry names, fresh,
 * of the entry's purpose, long enough, and then the bit. A set bit is CREDENTIAL_REVOKED with
 * status `revoked` or `suspended` after the entry's purpose.
 */
export function statusInList(entry: ParsedStatusEntry, list: VerifiedStatusList, now: Instant): StatusCheckResult {
  const problemFound =
    (list.id === entry.statusListCredential ? undefined : problem('STATUS_LIST_INVALID', `the list is ${list.id}, the entry names ${entry.statusListCredential}`, '/id')) ??
    checkWindow({ fromMs: list.validFromMs, untilMs: list.validUntilMs }, now, 'STATUS_LIST_INVALID') ??
    (list.purpose === entry.statusPurpose
      ? undefined
      : problem('STATUS_LIST_INVALID', `the list is for ${list.purpose}, the entry for ${entry.statusPurpose}`, '/credentialSubject/statusPurpose')) ??
    (entry.index < list.bits.length ? undefined : problem('STATUS_LIST_INVALID', `index ${entry.index} is outside the list's ${list.bits.length} entries`, '/statusListIndex'));
  if (problemFound !== undefined) return unknownStatus([problemFound]);
  if (!list.bits.isSet(entry.index)) return { verified: true, status: 'ok', errors: [] };
  const status = entry.statusPurpose === 'revocation' ? 'revoked' : 'suspended';
  return { verified: false, status, errors: [problem('CREDENTIAL_REVOKED', `the credential is ${status} (${entry.statusListCredential} index ${entry.index})`, '/statusListIndex')] };
}

/** Check one status entry against the list credential it points to (fetched by the caller). */
export async function checkCredentialStatus(entry: unknown, statusListCredential: unknown, options: StatusCheckOptions): Promise<StatusCheckResult> {
  const parsedEntry = parseStatusEntry(entry, '');
  if (!parsedEntry.ok) return unknownStatus(parsedEntry.problems);
  const list = await verifyStatusList(statusListCredential, options);
  if (!list.ok) return unknownStatus(list.problems);
  return statusInList(parsedEntry.value, list.value, options.now);
}

function unknownStatus(problems: readonly Problem[]): StatusCheckResult {
  return { verified: false, status: 'unknown', errors: problems };
}

function checkListSubject(subject: Record<string, unknown>): Problem | undefined {
  if (subject.type !== 'BitstringStatusList') return problem('STATUS_LIST_INVALID', 'credentialSubject.type must be BitstringStatusList', '/credentialSubject/type');
  if (!STATUS_PURPOSES.includes(subject.statusPurpose as StatusPurpose)) {
    return problem('STATUS_LIST_INVALID', `the list's statusPurpose must be revocation or suspension, not ${String(subject.statusPurpose)}`, '/credentialSubject/statusPurpose');
  }
  if (typeof subject.encodedList !== 'string') return problem('STATUS_LIST_INVALID', 'credentialSubject.encodedList must be a string', '/credentialSubject/encodedList');
  return undefined;
}

export interface ParsedStatusEntry {
  readonly statusPurpose: StatusPurpose;
  readonly index: number;
  readonly statusListCredential: string;
}

/** Canonical decimal only: "007" or "1e3" would let one index have several spellings. */
const STATUS_INDEX = /^(0|[1-9]\d{0,15})$/;

/** Check a BitstringStatusListEntry (CREDENTIAL_INVALID: the entry is part of the credential). */
export function parseStatusEntry(value: unknown, pointer: string): Result<ParsedStatusEntry> {
  const bad = (detail: string, at = '') => fail<ParsedStatusEntry>('CREDENTIAL_INVALID', detail, pointer + at);
  if (!isRecord(value)) return bad('a status entry must be an object');
  if (value.type !== 'BitstringStatusListEntry') return bad('a status entry must have type BitstringStatusListEntry', '/type');
  if (!STATUS_PURPOSES.includes(value.statusPurpose as StatusPurpose)) return bad('statusPurpose must be revocation or suspension', '/statusPurpose');
  if (typeof value.statusListIndex !== 'string' || !STATUS_INDEX.test(value.statusListIndex)) return bad('statusListIndex must be a decimal integer string', '/statusListIndex');
  const index = Number(value.statusListIndex);
  if (!Number.isSafeInteger(index)) return bad('statusListIndex is too large', '/statusListIndex');
  if (typeof value.statusListCredential !== 'string' || !/^https?:\/\//.test(value.statusListCredential)) {
    return bad('statusListCredential must be an http(s) URL', '/statusListCredential');
  }
  if (value.id !== undefined && (typeof value.id !== 'string' || value.id === value.statusListCredential)) {
    return bad('a status entry id must be a URL other than the list URL', '/id');
  }
  return ok({ statusPurpose: value.statusPurpose as StatusPurpose, index, statusListCredential: value.statusListCredential });
}

/** Every entry of a credential's `credentialStatus` (one object or a list), checked. */
export function parseStatusEntries(value: unknown): Result<ParsedStatusEntry[]> {
  if (value === undefined) return ok([]);
  const list = Array.isArray(value) ? value : [value];
  const entries: ParsedStatusEntry[] = [];
  for (const [i, entry] of list.entries()) {
    const parsed = parseStatusEntry(entry, Array.isArray(value) ? `/credentialStatus/${i}` : '/credentialStatus');
    if (!parsed.ok) return parsed;
    entries.push(parsed.value);
  }
  return ok(entries);
}
