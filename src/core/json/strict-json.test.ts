import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Result } from '../errors.js';
import { DEFAULT_JSON_LIMITS, parseStrictJson, parseStrictJsonBytes } from './strict-json.js';

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);
const pointerOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.pointer);
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A `__proto__` member, or a `prototype` member of a `constructor` member: what the reader refuses as prototype poisoning. */
function poisonsPrototypes(value: unknown, underConstructor = false): boolean {
  if (Array.isArray(value)) return value.some((item) => poisonsPrototypes(item));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([name, member]) => name === '__proto__' || (underConstructor && name === 'prototype') || poisonsPrototypes(member, name === 'constructor'));
}

describe('parseStrictJson', () => {
  it('returns what JSON.parse returns for I-JSON within the limits (any value, any whitespace), and refuses prototype poisoning', () => {
    // fast-check draws "__proto__", "constructor" and "prototype" as member names on purpose (about 1 seed in 10
    // has one here): the reader must refuse those values, so the property says what it answers for each kind.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const parsed = parseStrictJson(text);
        if (poisonsPrototypes(value)) expect(codeOf(parsed)).toBe('REQUEST_MALFORMED_JSON');
        else expect(parsed).toEqual({ ok: true, value: JSON.parse(text) });
      }),
    );
  });

  it('refuses what is not JSON with REQUEST_MALFORMED_JSON', () => {
    for (const text of ['', '{', '{"a":1,}', "{'a':1}", 'NaN', '[1,2', '"\\x"', '{"a" 1}']) {
      expect(codeOf(parseStrictJson(text)), text).toBe('REQUEST_MALFORMED_JSON');
    }
  });

  it('refuses duplicate member names, decoded (an escaped spelling is the same name), and names where', () => {
    const plain = parseStrictJson('{"payload":{"seq":1,"seq":2}}');
    expect(codeOf(plain)).toBe('REQUEST_MALFORMED_JSON');
    expect(pointerOf(plain)).toBe('/payload/seq');
    expect(codeOf(parseStrictJson('{"a":1,"\\u0061":2}'))).toBe('REQUEST_MALFORMED_JSON');
    expect(pointerOf(parseStrictJson('{"x":[{"a/b":{"k":1,"k":1}}]}'))).toBe('/x/0/a~1b/k');
    // The same name in sibling or nested objects is fine.
    expect(parseStrictJson('{"a":{"a":1},"b":{"a":2},"c":[{"a":1},{"a":2}]}').ok).toBe(true);
  });

  it('refuses lone surrogates, escaped or raw, in names and values; accepts pairs', () => {
    for (const text of ['"\\ud800"', '"\\udc00x"', '{"\\ud83d":1}', '["a\\ud83d\\u0041"]', '"\uD800"', '{"k":"\uDC00"}']) {
      expect(codeOf(parseStrictJson(text)), text).toBe('REQUEST_MALFORMED_JSON');
    }
    expect(parseStrictJson('"\\ud83d\\ude00 and 😀"')).toEqual({ ok: true, value: '😀 and 😀' });
  });

  it('refuses prototype poisoning: __proto__ members and constructor.prototype', () => {
    expect(codeOf(parseStrictJson('{"__proto__":{"admin":true}}'))).toBe('REQUEST_MALFORMED_JSON');
    expect(codeOf(parseStrictJson('{"a":{"\\u005f_proto__":1}}'))).toBe('REQUEST_MALFORMED_JSON');
    expect(codeOf(parseStrictJson('{"constructor":{"prototype":{"x":1}}}'))).toBe('REQUEST_MALFORMED_JSON');
    expect(parseStrictJson('{"constructor":"x","prototype":1,"y":{"prototype":2}}').ok).toBe(true);
  });

  it('bounds nesting: the limit itself passes, one more level is REQUEST_TOO_COMPLEX, and 100,000 levels cost no stack', () => {
    expect(parseStrictJson(nested(DEFAULT_JSON_LIMITS.maxDepth)).ok).toBe(true);
    expect(codeOf(parseStrictJson(nested(DEFAULT_JSON_LIMITS.maxDepth + 1)))).toBe('REQUEST_TOO_COMPLEX');
    expect(codeOf(parseStrictJson('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)))).toBe('REQUEST_TOO_COMPLEX');
    expect(codeOf(parseStrictJson(nested(100_000)))).toBe('REQUEST_TOO_COMPLEX');
    expect(parseStrictJson(nested(3), { maxDepth: 3, maxMembers: 10 }).ok).toBe(true);
  });

  it('bounds the members of one object or array, not of the whole document', () => {
    const limits = { maxDepth: 8, maxMembers: 3 };
    expect(parseStrictJson('[1,2,3]', limits).ok).toBe(true);
    expect(codeOf(parseStrictJson('[1,2,3,4]', limits))).toBe('REQUEST_TOO_COMPLEX');
    expect(codeOf(parseStrictJson('{"a":1,"b":2,"c":3,"d":4}', limits))).toBe('REQUEST_TOO_COMPLEX');
    expect(parseStrictJson('[[1,2,3],[1,2,3],{"a":[1,2,3]}]', limits).ok).toBe(true);
    expect(pointerOf(parseStrictJson('{"x":[[],[1,2,3,4]]}', limits))).toBe('/x/1/3');
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '1', 'a', ' ', 'u', 'd', '8', '0') }), (text) => {
        const result = parseStrictJson(text);
        if (!result.ok) expect(['REQUEST_MALFORMED_JSON', 'REQUEST_TOO_COMPLEX']).toContain(result.problems[0]!.code);
      }),
    );
  });
});

describe('parseStrictJsonBytes', () => {
  it('decodes UTF-8 strictly: invalid bytes are refused, never replaced', () => {
    expect(codeOf(parseStrictJsonBytes(Uint8Array.of(0x22, 0xff, 0x22)))).toBe('REQUEST_MALFORMED_JSON');
    expect(codeOf(parseStrictJsonBytes(Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22)))).toBe('REQUEST_MALFORMED_JSON'); // an encoded surrogate
    expect(parseStrictJsonBytes(new TextEncoder().encode('{"name":"é"}'))).toEqual({ ok: true, value: { name: 'é' } });
  });

  it('skips a leading byte order mark', () => {
    expect(parseStrictJsonBytes(Uint8Array.of(0xef, 0xbb, 0xbf, 0x31))).toEqual({ ok: true, value: 1 });
  });
});
