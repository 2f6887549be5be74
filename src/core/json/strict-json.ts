/**
 * The one JSON reader for everything that comes from outside: request bodies, files named on the
 * command line, documents fetched from other hosts, registry answers read by clients.
 *
 * JSON.parse alone is not enough for signed data. It keeps the last of duplicate member names
 * (where another verifier may keep the first and so check other bytes), it accepts lone surrogates
 * (which RFC 8785 canonicalisation cannot reproduce outside JavaScript), and it returns values
 * nested so deeply that every recursive step after it (canonicalisation, schema checks, a store's
 * JSON functions) overflows or refuses. This reader accepts I-JSON (RFC 7493) within limits and
 * refuses the rest with a catalogued code, before anything else sees the value:
 *
 * - not JSON, duplicate member names, lone surrogates, `__proto__` members and `constructor.prototype`
 *   (prototype poisoning) → `REQUEST_MALFORMED_JSON`;
 * - deeper than `maxDepth` or more than `maxMembers` members in one object or array → `REQUEST_TOO_COMPLEX`.
 *
 * JSON.parse runs first (V8's is iterative and fast, so any depth is safe there); one linear scan of
 * the now known-valid text then checks what JSON.parse cannot see.
 */
import { fail, failWith, ok, problem, type Result } from '../errors.js';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays; the top-level value is depth 1. */
  readonly maxDepth: number;
  /** Most members of one object, or elements of one array. */
  readonly maxMembers: number;
}

/** Enough for every Signpost document (credentials nest about 8 deep) with room to spare. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxMembers: 10_000 };

/** Parse `text` as I-JSON within `limits`; see the module comment for what is refused. */
export function parseStrictJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): Result<unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail('REQUEST_MALFORMED_JSON', `not JSON: ${(error as Error).message}`);
  }
  const problemFound = scanValidJson(text, limits);
  return problemFound === undefined ? ok(value) : failWith([problemFound]);
}

/** Decode UTF-8 strictly (invalid bytes are refused, not replaced) and parse it; a leading byte order mark is skipped. */
export function parseStrictJsonBytes(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): Result<unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fail('REQUEST_MALFORMED_JSON', 'not UTF-8: the bytes are not a valid UTF-8 text');
  }
  return parseStrictJson(text, limits);
}

interface Frame {
  readonly kind: 'object' | 'array';
  members: number;
  /** Member names seen so far (objects only). */
  readonly names: Set<string> | undefined;
  /** The member name or index being read, for the JSON pointer of a problem. */
  at: string;
  /** True for the value of a `constructor` member, where a `prototype` member would poison prototypes. */
  readonly underConstructor: boolean;
  /** In an object: the next string is a member name. */
  expectName: boolean;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * One pass over text that JSON.parse accepted, so the grammar is known to hold: count depth and
 * members, collect member names, and decode only the strings that need it (those with escapes).
 */
function scanValidJson(text: string, limits: JsonLimits): ReturnType<typeof problem> | undefined {
  // Raw (unescaped) lone surrogates can only come from a caller's string, never from decoded UTF-8.
  if (hasLoneSurrogate(text)) return problem('REQUEST_MALFORMED_JSON', 'the text has a lone surrogate (not I-JSON, RFC 7493)');
  const stack: Frame[] = [];
  const pointer = () => stack.map((frame) => '/' + frame.at.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
  let pendingName: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (WHITESPACE.has(c) || c === 0x3a /* : */) continue;
    const top = stack[stack.length - 1];
    if (c === 0x2c /* , */) {
      if (top!.kind === 'object') top!.expectName = true;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      continue;
    }
    // A value or a member name starts here.
    if (top !== undefined && !(top.kind === 'object' && !top.expectName)) {
      top.members++;
      if (top.kind === 'array') top.at = String(top.members - 1);
      if (top.members > limits.maxMembers) {
        return problem('REQUEST_TOO_COMPLEX', `more than ${limits.maxMembers} members in one ${top.kind}`, pointer());
      }
    }
    if (c === 0x22 /* " */) {
      const end = endOfString(text, i);
      const raw = text.slice(i + 1, end);
      const decoded = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
      if (hasLoneSurrogate(decoded)) return problem('REQUEST_MALFORMED_JSON', 'a string has a lone surrogate (not I-JSON, RFC 7493)', pointer());
      if (top?.kind === 'object' && top.expectName) {
        top.expectName = false;
        top.at = decoded;
        if (top.names!.has(decoded)) return problem('REQUEST_MALFORMED_JSON', `duplicate member name "${decoded}" (not I-JSON, RFC 7493)`, pointer());
        if (decoded === '__proto__') return problem('REQUEST_MALFORMED_JSON', 'a "__proto__" member is not accepted', pointer());
        if (decoded === 'prototype' && top.underConstructor) return problem('REQUEST_MALFORMED_JSON', 'a "constructor.prototype" member is not accepted', pointer());
        top.names!.add(decoded);
        pendingName = decoded;
      }
      i = end;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const kind = c === 0x7b ? 'object' : 'array';
      const underConstructor = kind === 'object' && top?.kind === 'object' && pendingName === 'constructor';
      stack.push({ kind, members: 0, names: kind === 'object' ? new Set() : undefined, at: '', underConstructor, expectName: kind === 'object' });
      if (stack.length > limits.maxDepth) {
        stack.pop();
        return problem('REQUEST_TOO_COMPLEX', `nested deeper than ${limits.maxDepth} levels`, pointer());
      }
      pendingName = undefined;
      continue;
    }
    // A number or a literal: skip to its end.
    while (i + 1 < text.length && !isDelimiter(text.charCodeAt(i + 1))) i++;
    pendingName = undefined;
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** String.prototype.isWellFormed, which Node 20 has but TypeScript's ES2023 library does not declare. */
function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** Index of the closing quote of the string that opens at `start` (the text is valid JSON). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}

function isDelimiter(c: number): boolean {
  return WHITESPACE.has(c) || c === 0x2c || c === 0x7d || c === 0x5d || c === 0x3a;
}
