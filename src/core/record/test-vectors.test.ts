/**
 * The committed test vectors (docs/test-vectors/, written by scripts/generate-test-vectors.ts) and
 * the committed JSON Schemas (docs/schemas/) against the code. Every value is re-derived here from
 * the seeds and payloads in the files (Ed25519 signatures are deterministic), so a change to any
 * wire format — JCS, signing input, digest, did:key, compact layout, schema — fails this test
 * until the vectors are regenerated and the change is made on purpose.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyResolveAnswer } from '../../client/verify-answer.js';
import { chooseEndpoint } from '../resolve/choose-endpoint.js';
import { publicKeyFromDidKey } from '../trust/did-key.js';
import { signingKeyFromSeed, type SigningKey } from '../trust/ed25519.js';
import { toBase64Url } from '../trust/encoding.js';
import { canonicalText } from '../trust/jcs.js';
import { fromBase64Url } from '../trust/encoding.js';
import { agentAddrSchema, checkAgentAddr, parseUtcSeconds } from './agent-addr.js';
import { agentFactsSchema, checkAgentFacts } from './agent-facts.js';
import { decodeAgentAddr, encodeAgentAddr } from './compact-codec.js';
import { createRegistration } from './registration.js';
import { verifyCountersignature, verifyRecordSignature } from './signing.js';
import { checkTombstone, tombstoneSchema } from './tombstone.js';
import { capabilityCredentialRequestSchema } from './capability-credential-request.js';
import { checkKeyRotation, keyRotationSchema } from './key-rotation.js';
import type { AgentAddr, AgentFacts, CountersignedRecord, KeyRotation, SignedRecord } from './types.js';
import { verifyAgentRecords } from './verify.js';
import { MerkleTree, verifyConsistency } from '../log/merkle-tree.js';
import { checkInclusion, checkTreeHead, entryLeafHash, type InclusionProof, type TreeHead } from '../log/transparency-log.js';

const DOCS = new URL('../../../docs/', import.meta.url);
const load = <T = Record<string, unknown>>(path: string): T => JSON.parse(readFileSync(new URL(path, DOCS), 'utf8')) as T;

interface KeyVector {
  seedHex: string;
  publicKeyHex: string;
  publicKeyBase64url: string;
  did: string;
}
interface SignedVector<T> {
  payload: T;
  jcs: string;
  jcsSha256: string;
  sig: string;
  countersig: { by: string; at: string; inputJcs: string; sig: string };
  countersigned: CountersignedRecord<T>;
}
interface NegativeVector {
  id: string;
  check: string;
  now?: string;
  input: unknown;
  expectedCodes: string[];
}

const keys = load<Record<'agent' | 'registry' | 'otherAgent' | 'otherRegistry', KeyVector>>('test-vectors/keys.json');
const facts = load<SignedVector<AgentFacts>>('test-vectors/agent-facts.json');
const addr = load<SignedVector<AgentAddr>>('test-vectors/agent-addr.json');
const tombstone = load<SignedVector<{ agentId: string }>>('test-vectors/agent-tombstone.json');
const registration = load<{ body: { addr: SignedRecord<AgentAddr>; facts: SignedRecord<AgentFacts> } }>('test-vectors/registration-request.json');
const resolve = load<{ verifyAt: string; answer: { endpoint: unknown; context: Record<string, string>; addr: unknown; facts: unknown } }>('test-vectors/resolve-answer.json');
const compact = load<{ countersigned: { length: number; hex: string; base64: string; fields: { hex: string }[] }; signed: { length: number; hex: string } }>(
  'test-vectors/compact-agent-addr.json',
);
const rotation = load<{
  nextAgent: KeyVector;
  nextKeySha256: string;
  announcing: SignedVector<AgentAddr> & { compactHex: string };
  rotation: { payload: KeyRotation; jcs: string; sig: string; countersigned: CountersignedRecord<KeyRotation> };
  body: { addr: SignedRecord<AgentAddr>; facts: SignedRecord<AgentFacts>; rotation: SignedRecord<KeyRotation> };
}>('test-vectors/key-rotation.json');
const negative = load<{ registryDid: string; expectedName: string; now: string; vectors: NegativeVector[] }>('test-vectors/negative.json');

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const utf8 = (text: string) => new TextEncoder().encode(text);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const keyOf = (vector: KeyVector): SigningKey => signingKeyFromSeed(fromHex(vector.seedHex));
const agent = keyOf(keys.agent);
const registry = keyOf(keys.registry);

describe('test vectors: keys', () => {
  it('derives every public key and did:key from its seed', () => {
    for (const label of ['agent', 'registry', 'otherAgent', 'otherRegistry'] as const) {
      const vector = keys[label];
      const key = keyOf(vector);
      expect(hex(key.publicKey), label).toBe(vector.publicKeyHex);
      expect(toBase64Url(key.publicKey), label).toBe(vector.publicKeyBase64url);
      expect(key.did, label).toBe(vector.did);
      expect(vector.did.startsWith('did:key:z6Mk'), label).toBe(true);
      expect(hex(publicKeyFromDidKey(vector.did)!), label).toBe(vector.publicKeyHex);
    }
  });
});

describe('test vectors: signed records', () => {
  const cases: [string, SignedVector<unknown>, (payload: unknown) => { ok: boolean }][] = [
    ['AgentFacts', facts, (p) => checkAgentFacts(p)],
    ['AgentAddr', addr, (p) => checkAgentAddr(p)],
    ['AgentTombstone', tombstone, (p) => checkTombstone(p)],
  ];

  for (const [label, vector, check] of cases) {
    it(`${label}: JCS text, digest, agent signature and countersignature, byte for byte`, () => {
      expect(check(vector.payload).ok).toBe(true);
      expect(canonicalText(vector.payload)).toBe(vector.jcs);
      expect(sha256(vector.jcs)).toBe(vector.jcsSha256);
      expect(toBase64Url(agent.sign(utf8(vector.jcs)))).toBe(vector.sig);

      const { by, at, inputJcs, sig } = vector.countersig;
      expect(by).toBe(registry.did);
      expect(parseUtcSeconds(at)).toBeDefined();
      expect(canonicalText({ at, by, payload: vector.payload, sig: vector.sig })).toBe(inputJcs);
      expect(toBase64Url(registry.sign(utf8(inputJcs)))).toBe(sig);

      expect(vector.countersigned).toEqual({ payload: vector.payload, sig: vector.sig, countersig: { by, at, sig } });
      expect(verifyRecordSignature(vector.countersigned, agent.did)).toBe(true);
      expect(verifyCountersignature(vector.countersigned, registry.did)).toBe(true);
    });
  }

  it('binds the AgentAddr to the AgentFacts and both to the agent key', () => {
    expect(addr.payload.agentId).toBe(agent.did);
    expect(facts.payload.id).toBe(agent.did);
    expect(facts.payload.agent_name).toBe(addr.payload.name);
    expect(addr.payload.factsSha256).toBe(facts.jcsSha256);
    expect(tombstone.payload.agentId).toBe(agent.did);
    expect(verifyAgentRecords({ addr: addr.countersigned, facts: facts.countersigned }, { registryDid: registry.did, expectedName: addr.payload.name, nowMs: Date.parse(negative.now) })).toEqual({
      verified: true,
      errors: [],
    });
  });

  it('is what createRegistration makes from the claims (the registration request body)', () => {
    const { type: _type, v: _v, id: _id, agent_name: _name, ...claims } = facts.payload;
    const remade = createRegistration({
      key: agent,
      name: addr.payload.name,
      claims,
      factsUrl: addr.payload.factsUrl,
      seq: addr.payload.seq,
      nowMs: parseUtcSeconds(addr.payload.notAfter)! - 90 * 86_400_000,
      ttl: addr.payload.ttl,
    });
    expect(remade).toEqual(registration.body);
    expect(JSON.stringify(remade)).toBe(JSON.stringify(registration.body));
    expect(registration.body).toEqual({ addr: { payload: addr.payload, sig: addr.sig }, facts: { payload: facts.payload, sig: facts.sig } });
  });

  it('has a resolve answer whose endpoint is one the agent signed', () => {
    const { answer } = resolve;
    expect(answer.addr).toEqual(addr.countersigned);
    expect(answer.facts).toEqual(facts.countersigned);
    expect(answer.endpoint).toEqual(chooseEndpoint(facts.payload, answer.context));
    const result = verifyResolveAnswer(answer, { registryDid: registry.did, expectedName: addr.payload.name, nowMs: Date.parse(resolve.verifyAt) });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
  });
});

describe('test vectors: compact encoding', () => {
  it('encodes the countersigned and the signed AgentAddr to the committed bytes', () => {
    const bytes = encodeAgentAddr(addr.countersigned);
    expect(hex(bytes)).toBe(compact.countersigned.hex);
    expect(bytes.length).toBe(compact.countersigned.length);
    expect(Buffer.from(bytes).toString('base64')).toBe(compact.countersigned.base64);
    expect(compact.countersigned.fields.map((f) => f.hex).join('')).toBe(compact.countersigned.hex);
    const signed = encodeAgentAddr({ payload: addr.payload, sig: addr.sig });
    expect(hex(signed)).toBe(compact.signed.hex);
    expect(signed.length).toBe(compact.signed.length);
  });

  it('decodes the committed bytes back to the countersigned record, whose signatures verify', () => {
    const result = decodeAgentAddr(fromHex(compact.countersigned.hex));
    expect(result).toEqual({ ok: true, value: addr.countersigned });
    const value = (result as { value: CountersignedRecord<AgentAddr> }).value;
    expect(verifyRecordSignature(value, agent.did)).toBe(true);
    expect(verifyCountersignature(value, registry.did)).toBe(true);
    expect(decodeAgentAddr(fromHex(compact.signed.hex))).toEqual({ ok: true, value: { payload: addr.payload, sig: addr.sig } });
  });
});

describe('test vectors: key rotation', () => {
  const next = keyOf(rotation.nextAgent);

  it('commits to the next key by the SHA-256 of its raw public key', () => {
    expect(hex(next.publicKey)).toBe(rotation.nextAgent.publicKeyHex);
    expect(createHash('sha256').update(next.publicKey).digest('hex')).toBe(rotation.nextKeySha256);
    expect(rotation.announcing.payload.nextKeySha256).toBe(rotation.nextKeySha256);
  });

  it('signs the announcing AgentAddr, the KeyRotation (old key) and the new AgentAddr (new key), byte for byte', () => {
    const { announcing } = rotation;
    expect(checkAgentAddr(announcing.payload).ok).toBe(true);
    expect(canonicalText(announcing.payload)).toBe(announcing.jcs);
    expect(toBase64Url(agent.sign(utf8(announcing.jcs)))).toBe(announcing.sig);
    expect(verifyCountersignature(announcing.countersigned, registry.did)).toBe(true);

    expect(checkKeyRotation(rotation.rotation.payload).ok).toBe(true);
    expect(rotation.rotation.payload).toMatchObject({ from: agent.did, to: next.did, seq: rotation.body.addr.payload.seq });
    expect(canonicalText(rotation.rotation.payload)).toBe(rotation.rotation.jcs);
    expect(toBase64Url(agent.sign(utf8(rotation.rotation.jcs)))).toBe(rotation.rotation.sig);
    expect(verifyCountersignature(rotation.rotation.countersigned, registry.did)).toBe(true);
    expect(rotation.body.rotation).toEqual({ payload: rotation.rotation.payload, sig: rotation.rotation.sig });
    expect(verifyRecordSignature(rotation.body.addr, next.did)).toBe(true);
    expect(rotation.body.facts.payload.id).toBe(next.did);
  });

  it('carries the commitment in the compact form (flag 0x10) and decodes it back', () => {
    const bytes = fromHex(rotation.announcing.compactHex);
    expect(bytes[1]! & 0x10).toBe(0x10);
    expect(hex(encodeAgentAddr(rotation.announcing.countersigned))).toBe(rotation.announcing.compactHex);
    expect(decodeAgentAddr(bytes)).toEqual({ ok: true, value: rotation.announcing.countersigned });
  });
});

const eventLog = load<{
  entries: { index: number; text: string; leafHashHex: string }[];
  rootHashHex: string;
  head: SignedRecord<TreeHead> & { jcs: string };
  inclusion: InclusionProof;
  consistency: { first: number; second: number; proof: string[] };
}>('test-vectors/event-log.json');

describe('test vectors: the event log', () => {
  it('entries are the canonical events, their leaves and tree hash are RFC 9162, the head is signed by the registry key', () => {
    const tree = new MerkleTree();
    for (const entry of eventLog.entries) {
      expect(canonicalText(JSON.parse(entry.text))).toBe(entry.text);
      expect(Buffer.from(entryLeafHash(entry.text)).toString('hex')).toBe(entry.leafHashHex);
      tree.appendLeafHash(entryLeafHash(entry.text));
    }
    expect(Buffer.from(tree.rootAt(2)).toString('hex')).toBe(eventLog.rootHashHex);
    expect(canonicalText(eventLog.head.payload)).toBe(eventLog.head.jcs);
    const head = checkTreeHead({ payload: eventLog.head.payload, sig: eventLog.head.sig }, keys.registry.did);
    expect(head.ok).toBe(true);
    if (!head.ok) return;
    expect(checkInclusion(eventLog.entries[1]!.text, eventLog.inclusion, head.value).ok).toBe(true);
    const leaf0 = Buffer.from(eventLog.entries[0]!.leafHashHex, 'hex');
    expect(verifyConsistency(1, 2, leaf0, tree.rootAt(2), eventLog.consistency.proof.map((hash) => fromBase64Url(hash)!))).toBe(true);
  });
});

describe('test vectors: negative', () => {
  const codesOf = (result: { ok: true } | { ok: false; problems: readonly { code: string }[] }) => (result.ok ? [] : result.problems.map((p) => p.code));
  const decode = (input: unknown) => decodeAgentAddr(fromHex(input as string));
  const checks: Record<string, (input: unknown, nowMs: number) => string[]> = {
    verifyAgentRecords: (input, nowMs) =>
      verifyAgentRecords(input as { addr: unknown }, { registryDid: negative.registryDid, expectedName: negative.expectedName, nowMs }).errors.map((e) => e.code),
    verifyResolveAnswer: (input, nowMs) =>
      verifyResolveAnswer(input, { registryDid: negative.registryDid, expectedName: negative.expectedName, nowMs }).errors.map((e) => e.code),
    checkAgentFacts: (input) => codesOf(checkAgentFacts(input)),
    verifySignedRecord: (input) => {
      const record = input as SignedRecord<{ agentId: string }>;
      return verifyRecordSignature(record, record.payload.agentId) ? [] : ['RECORD_SIGNATURE_INVALID'];
    },
    decodeAgentAddr: (input) => codesOf(decode(input)),
    decodeAndVerify: (input, nowMs) => {
      const result = decode(input);
      return result.ok ? checks.verifyAgentRecords!({ addr: result.value }, nowMs) : codesOf(result);
    },
  };

  it('uses the keys of keys.json', () => {
    expect(negative.registryDid).toBe(registry.did);
    expect(negative.vectors.length).toBeGreaterThanOrEqual(10);
  });

  for (const vector of negative.vectors) {
    it(`${vector.id}: ${vector.expectedCodes.join(', ')}`, () => {
      const check = checks[vector.check];
      expect(check, `unknown check ${vector.check}`).toBeDefined();
      expect(check!(vector.input, Date.parse(vector.now ?? negative.now))).toEqual(vector.expectedCodes);
    });
  }
});

describe('JSON Schemas and the spec', () => {
  it('has the code schemas committed in docs/schemas', () => {
    const dialect = 'http://json-schema.org/draft-07/schema#';
    expect(load('schemas/agent-addr.schema.json')).toEqual({ $schema: dialect, ...agentAddrSchema });
    expect(load('schemas/agent-facts.schema.json')).toEqual({ $schema: dialect, ...agentFactsSchema });
    expect(load('schemas/agent-tombstone.schema.json')).toEqual({ $schema: dialect, ...tombstoneSchema });
    expect(load('schemas/key-rotation.schema.json')).toEqual({ $schema: dialect, ...keyRotationSchema });
    expect(load('schemas/capability-credential-request.schema.json')).toEqual({ $schema: dialect, ...capabilityCredentialRequestSchema });
  });

  it('quotes the current vectors in docs/spec.md', () => {
    const spec = readFileSync(new URL('spec.md', DOCS), 'utf8').replace(/\s+/g, '');
    const quoted = {
      'agent did': keys.agent.did,
      'registry did': keys.registry.did,
      'agent public key': keys.agent.publicKeyHex,
      'facts digest': facts.jcsSha256,
      'AgentAddr JCS': addr.jcs,
      'AgentAddr sig': addr.sig,
      'countersig sig': addr.countersig.sig,
      'tombstone sig': tombstone.sig,
      'compact hex': compact.countersigned.hex,
      'next key commitment': rotation.nextKeySha256,
      'KeyRotation JCS': rotation.rotation.jcs,
      'KeyRotation sig': rotation.rotation.sig,
      'log entry 0': eventLog.entries[0]!.text,
      'log tree hash': eventLog.rootHashHex,
      'log head sig': eventLog.head.sig,
    };
    for (const [label, value] of Object.entries(quoted)) expect(spec.includes(value.replace(/\s+/g, '')), label).toBe(true);
  });
});
