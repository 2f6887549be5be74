import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testKey } from '../test-support/agents.js';
import { checkKeyRotation, createKeyRotation, followRotations, nextKeyCommitment } from './key-rotation.js';
import { countersign } from './signing.js';
import type { CountersignedRecord, KeyRotation } from './types.js';

const NAME = 'agent://acme.com/billing/invoices';
const [a, b, c, mallory, registry] = [testKey(1), testKey(3), testKey(4), testKey(2), testKey(9)];
const AT = '2026-01-01T00:00:05Z';

const link = (from = a, to = b, seq = 10, name = NAME): CountersignedRecord<KeyRotation> => countersign(createKeyRotation(from, name, to.did, seq), registry, AT);
const codeOf = (result: { ok: boolean; problems?: readonly { code: string }[] }) => (result.ok ? undefined : result.problems![0]!.code);

describe('nextKeyCommitment', () => {
  it('is the SHA-256 of the raw public key, not of its did:key text', () => {
    expect(nextKeyCommitment(b.did)).toBe(createHash('sha256').update(b.publicKey).digest('hex'));
    expect(nextKeyCommitment(b.did)).not.toBe(createHash('sha256').update(b.did).digest('hex'));
    expect(() => nextKeyCommitment('did:web:acme.com')).toThrow(TypeError);
  });
});

describe('checkKeyRotation', () => {
  it('accepts the record createKeyRotation signs, and refuses bad members precisely', () => {
    const { payload } = createKeyRotation(a, NAME, b.did, 10);
    expect(checkKeyRotation(payload)).toEqual({ ok: true, value: payload });
    expect(codeOf(checkKeyRotation({ ...payload, to: 'did:key:zNotAKey' }))).toBe('AGENT_ID_INVALID');
    expect(codeOf(checkKeyRotation({ ...payload, name: 'agent://ACME.com/billing/invoices' }))).toBe('RECORD_INVALID');
    expect(codeOf(checkKeyRotation({ ...payload, seq: -1 }))).toBe('RECORD_INVALID');
    expect(codeOf(checkKeyRotation({ ...payload, note: 'hi' }))).toBe('RECORD_UNKNOWN_FIELD');
    expect(codeOf(checkKeyRotation('KeyRotation'))).toBe('RECORD_INVALID');
  });
});

describe('followRotations', () => {
  const options = { name: NAME, trustedKey: a.did, currentKey: c.did, registryDid: registry.did };
  const chain = [link(a, b, 10), link(b, c, 20)];

  it('walks from a trusted old key to the current one', () => {
    expect(followRotations(chain, options)).toEqual({ ok: true, value: [a.did, b.did, c.did] });
    expect(followRotations(chain, { ...options, trustedKey: b.did })).toEqual({ ok: true, value: [b.did, c.did] });
    expect(followRotations([], { ...options, trustedKey: c.did })).toEqual({ ok: true, value: [c.did] });
  });

  it('refuses a chain with a forged, foreign, broken, reordered or unfinished link', () => {
    const forged = { ...chain[1]!, payload: { ...chain[1]!.payload, to: mallory.did } };
    const cases: [string, CountersignedRecord<KeyRotation>[], typeof options, string][] = [
      ['a link re-pointed to another key', [chain[0]!, forged], { ...options, currentKey: mallory.did }, 'RECORD_SIGNATURE_INVALID'],
      ['a link signed by a stranger', [chain[0]!, countersign(createKeyRotation(mallory, NAME, c.did, 20), registry, AT)], options, 'KEY_ROTATION_INVALID'],
      ['a link countersigned by another registry', [chain[0]!, countersign(createKeyRotation(b, NAME, c.did, 20), mallory, AT)], options, 'RECORD_COUNTERSIGNATURE_INVALID'],
      ['a link for another name', [chain[0]!, link(b, c, 20, 'agent://acme.com/other')], options, 'RECORD_NAME_MISMATCH'],
      ['falling sequences', [link(a, b, 20), link(b, c, 10)], options, 'KEY_ROTATION_INVALID'],
      ['a chain that stops short of the current key', [chain[0]!], options, 'KEY_ROTATION_INVALID'],
      ['a chain that never starts at the trusted key', chain, { ...options, trustedKey: mallory.did }, 'KEY_ROTATION_INVALID'],
    ];
    for (const [why, links, opts, code] of cases) expect({ why, code: codeOf(followRotations(links, opts)) }).toEqual({ why, code });
  });
});
