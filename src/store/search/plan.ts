/**
 * What every backend does with a SearchQuery before touching its data: validate the page size,
 * cut the text into words, normalise the filters, and turn the opaque cursor back into a
 * position. Sharing this keeps the backends' paging and error behaviour identical.
 */
import { createHash } from 'node:crypto';
import { SignpostError } from '../../core/errors.js';
import type { CertificationFilter, SearchPage, SearchQuery, StoredCertification } from '../../core/ports.js';
import type { SearchDocument, StoredAgent } from '../../core/registry/stored-agent.js';
import { VALID_FROM_CLOCK_SKEW_MS } from '../../core/trust/credentials/proof.js';
import { tokenize } from './tokenize.js';

export const MAX_PAGE_SIZE = 100;

/** How much more a word in the agent's name counts than one in its description. */
export const LABEL_WEIGHT = 4;

export type FilterKey = 'capability' | 'protocol';

/** Each exact-match filter of a SearchQuery and the SearchDocument array it is matched against. */
export const FILTERS: readonly { readonly key: FilterKey; readonly field: keyof Omit<SearchDocument, 'text'> }[] = [
  { key: 'capability', field: 'capabilities' },
  { key: 'protocol', field: 'protocols' },
];

/**
 * Where a page starts. Unranked listings page by name (keyset), so writes between pages never
 * shift them; ranked (text) results page by offset, since a rank is not a stable key.
 */
export type PageStart = { readonly kind: 'after'; readonly name: string } | { readonly kind: 'offset'; readonly offset: number };

export interface SearchPlan {
  /** Query words, folded like indexed text; empty means "no text": list in name order. */
  readonly words: readonly string[];
  /** Lowercased exact filters that were given. */
  readonly filters: ReadonlyMap<FilterKey, string>;
  /** Which certification credentials count, when the query asks for one (name trimmed, issuers deduplicated). */
  readonly certification: CertificationFilter | undefined;
  /** Only agents of namespaces with a stored claim, or without one; undefined: both. */
  readonly namespaceClaim: SearchQuery['namespaceClaim'];
  /** Only names from `agent://<namespace>/` up to (not including) `agent://<namespace>0` ('0' follows '/'): one namespace as a range of names. */
  readonly namespaceRange: { readonly from: string; readonly to: string } | undefined;
  /** Only records valid at this time (notAfter after it); undefined: no expiry filter. */
  readonly validAt: number | undefined;
  readonly limit: number;
  readonly start: PageStart;
  /** Hash of words and filters: a cursor carries it so it cannot be replayed on another query. */
  readonly fingerprint: string;
}

export function isRanked(plan: SearchPlan): boolean {
  return plan.words.length > 0;
}

export function planSearch(query: SearchQuery): SearchPlan {
  const limit = checkedLimit(query.limit);
  const words = tokenize(query.text ?? '');
  const filters = normalisedFilters(query);
  const certification = normalisedCertification(query.certification);
  const validAt = query.validAt;
  if (validAt !== undefined && !Number.isFinite(validAt)) throw new SignpostError('INTERNAL', `validAt must be a time, got ${String(validAt)}`);
  const namespaceClaim = query.namespaceClaim;
  const namespace = query.namespace?.trim().toLowerCase().replace(/\.$/, '');
  const namespaceRange = namespace === undefined || namespace === '' ? undefined : { from: `agent://${namespace}/`, to: `agent://${namespace}0` };
  const fingerprint = fingerprintOf(words, filters, certification, namespaceClaim, namespaceRange?.from);
  const ranked = words.length > 0;
  const start = query.cursor === undefined || query.cursor === '' ? firstPage(ranked) : decodeCursor(query.cursor, fingerprint, ranked);
  return { words, filters, certification, namespaceClaim, namespaceRange, validAt, limit, start, fingerprint };
}

/**
 * The latest validFrom that counts at `at`: the credential library tolerates a validFrom up to
 * VALID_FROM_CLOCK_SKEW_MS ahead (an issuer's clock running fast), so the registry's listing
 * says "counts" from then on, and search must find it from then on too.
 */
/** Whether a name is in the plan's namespace, if it names one: the rule both backends apply. */
export function inNamespace(plan: SearchPlan, name: string): boolean {
  return plan.namespaceRange === undefined || (name >= plan.namespaceRange.from && name < plan.namespaceRange.to);
}

/** Whether a record with this notAfter (epoch ms) is listed under the plan: the rule both backends apply. */
export function validUnder(plan: SearchPlan, notAfterMs: number | undefined): boolean {
  return plan.validAt === undefined || (notAfterMs !== undefined && notAfterMs > plan.validAt);
}

/** The notAfter of a stored state's AgentAddr in epoch milliseconds (a tombstone has none). */
export function notAfterMsOf(agent: StoredAgent): number | undefined {
  return agent.state === 'deregistered' ? undefined : Date.parse(agent.addr.payload.notAfter);
}

export function latestCountingValidFrom(at: number): number {
  return at + VALID_FROM_CLOCK_SKEW_MS;
}

/**
 * Whether a stored certification counts under the plan's filter: the one rule both backends
 * apply (the SQLite store says the same in SQL).
 */
export function certificationCounts(
  filter: CertificationFilter,
  agent: { readonly agentId: string; readonly statusIndex: number },
  stored: Pick<StoredCertification, 'certification' | 'issuer' | 'subject' | 'bindingIndex' | 'validFromMs' | 'validUntilMs'>,
): boolean {
  return (
    stored.certification === filter.name &&
    filter.trustedIssuers.includes(stored.issuer) &&
    stored.subject === agent.agentId &&
    // The binding it was accepted for, still: not one before a deregistration and return under the same key.
    stored.bindingIndex !== undefined &&
    stored.bindingIndex === agent.statusIndex &&
    stored.validFromMs <= latestCountingValidFrom(filter.at) &&
    filter.at < stored.validUntilMs
  );
}

/**
 * The order of SQLite's BINARY collation (memcmp over UTF-8), which is code point order; every
 * backend sorts names and certifications this way. JavaScript's `<` compares UTF-16 code units
 * instead, which puts a code point above U+FFFF (a surrogate pair, 0xD800-0xDFFF) before
 * U+E000-U+FFFF; UTF-8 puts it after. No allocation: this runs inside sorts.
 */
export function compareCodePoints(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xAstral = x >= 0xd800 && x <= 0xdfff;
    const yAstral = y >= 0xd800 && y <= 0xdfff;
    if (xAstral !== yAstral) return xAstral ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The namespace of a canonical agent name (`agent://acme.com/x` → `acme.com`): the SQLite store says the same in SQL. */
export function namespaceOfName(name: string): string {
  const rest = name.slice('agent://'.length);
  return rest.slice(0, rest.indexOf('/'));
}

/** The lowercase form filters and indexed filter values are compared in. */
export function filterValue(value: string): string {
  return value.trim().toLowerCase();
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new SignpostError('REQUEST_INVALID', `search limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${String(limit)}`);
  }
  return limit;
}

function normalisedFilters(query: SearchQuery): Map<FilterKey, string> {
  const filters = new Map<FilterKey, string>();
  for (const { key } of FILTERS) {
    const value = filterValue(query[key] ?? '');
    if (value !== '') filters.set(key, value);
  }
  return filters;
}

/**
 * Certification names are compared exactly, like the trust policy's keys: "HIPAA" and "hipaa"
 * may be different certifications by different issuers. An empty name means "no filter".
 */
function normalisedCertification(filter: CertificationFilter | undefined): CertificationFilter | undefined {
  if (filter === undefined) return undefined;
  const name = filter.name.trim();
  if (name === '') return undefined;
  if (!Number.isFinite(filter.at)) throw new SignpostError('INTERNAL', `a certification filter needs the time it is judged at, got ${String(filter.at)}`);
  return { name, trustedIssuers: [...new Set(filter.trustedIssuers)], at: filter.at };
}

/** The policy and the time are left out on purpose: they may change between pages of one query. */
function fingerprintOf(
  words: readonly string[],
  filters: ReadonlyMap<FilterKey, string>,
  certification: CertificationFilter | undefined,
  namespaceClaim: SearchQuery['namespaceClaim'],
  namespace: string | undefined,
): string {
  // Optional parts only when given, so cursors of queries without them stay as they were.
  const canonical = JSON.stringify([
    words,
    FILTERS.map(({ key }) => filters.get(key) ?? null),
    certification?.name ?? null,
    ...(namespaceClaim === undefined ? [] : [namespaceClaim]),
    ...(namespace === undefined ? [] : [{ namespace }]),
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

function firstPage(ranked: boolean): PageStart {
  return ranked ? { kind: 'offset', offset: 0 } : { kind: 'after', name: '' };
}

// --- cursors -------------------------------------------------------------------------------

interface CursorBody {
  readonly v: 1;
  readonly q: string;
  readonly after?: string;
  readonly offset?: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/u;
const MAX_CURSOR_LENGTH = 2048;

function encodeCursor(fingerprint: string, start: PageStart): string {
  const body: CursorBody = start.kind === 'after' ? { v: 1, q: fingerprint, after: start.name } : { v: 1, q: fingerprint, offset: start.offset };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, fingerprint: string, ranked: boolean): PageStart {
  const body = parseCursorBody(cursor);
  if (body.q !== fingerprint) throw badCursor('it belongs to another query');
  if (ranked && isOffset(body.offset)) return { kind: 'offset', offset: body.offset };
  if (!ranked && typeof body.after === 'string' && body.after !== '') return { kind: 'after', name: body.after };
  throw badCursor('its position does not fit this query');
}

function parseCursorBody(cursor: string): CursorBody {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw badCursor('it is not a base64url token');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('it does not decode');
  }
  if (!isCursorBody(body)) throw badCursor('it does not decode');
  return body;
}

function isCursorBody(value: unknown): value is CursorBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return body['v'] === 1 && typeof body['q'] === 'string';
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function badCursor(why: string): SignpostError {
  return new SignpostError('SEARCH_BAD_CURSOR', `The search cursor is not valid: ${why}`);
}

// --- pages ---------------------------------------------------------------------------------

/**
 * Build a page from up to limit + 1 matches fetched from `plan.start`: the extra one only says
 * that a next page exists.
 */
export function pageOf(plan: SearchPlan, fetched: readonly StoredAgent[]): SearchPage {
  const items = fetched.slice(0, plan.limit);
  const last = items.at(-1);
  if (fetched.length <= plan.limit || last === undefined) return { items, nextCursor: null };
  const next: PageStart =
    plan.start.kind === 'offset' ? { kind: 'offset', offset: plan.start.offset + items.length } : { kind: 'after', name: last.name };
  return { items, nextCursor: encodeCursor(plan.fingerprint, next) };
}
