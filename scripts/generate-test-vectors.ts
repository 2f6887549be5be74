/**
 * Writes the test vectors of docs/spec.md to docs/test-vectors/ and the record JSON Schemas to
 * docs/schemas/. Deterministic: fixed seeds, fixed times, and Ed25519 signatures are deterministic,
 * so running it twice gives the same bytes. `src/core/record/test-vectors.test.ts` re-derives every
 * value from the seeds and fails if the committed files no longer match the code.
 *
 *   node --import tsx scripts/generate-test-vectors.ts
 */

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyResolveAnswer } from '../src/client/verify-answer.js';
import { agentAddrSchema } from '../src/core/record/agent-addr.js';
import { agentFactsSchema, checkAgentFacts } from '../src/core/record/agent-facts.js';
import { decodeAgentAddr, encodeAgentAddr } from '../src/core/record/compact-codec.js';
import { capabilityCredentialRequestSchema } from '../src/core/record/capability-credential-request.js';
import { keyRotationSchema, nextKeyCommitment } from '../src/core/record/key-rotation.js';
import { createRegistration, createRotation, createTombstone } from '../src/core/record/registration.js';
import { nextSequence } from '../src/core/record/sequence.js';
import { countersign, signRecord, verifyRecordSignature } from '../src/core/record/signing.js';
import { tombstoneSchema } from '../src/core/record/tombstone.js';
import type { AgentAddr, CountersignedRecord, SignedRecord } from '../src/core/record/types.js';
import { verifyAgentRecords } from '../src/core/record/verify.js';
import { chooseEndpoint } from '../src/core/resolve/choose-endpoint.js';
import { signingKeyFromSeed, type SigningKey } from '../src/core/trust/ed25519.js';
import { toBase64Url } from '../src/core/trust/encoding.js';
import { canonicalSha256Hex, canonicalText } from '../src/core/trust/jcs.js';
import { logEntryText, type LogEventDraft } from '../src/core/log/log-event.js';
import { MerkleTree } from '../src/core/log/merkle-tree.js';
import { entryLeafHash, type TreeHead } from '../src/core/log/transparency-log.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VECTORS = join(ROOT, 'docs', 'test-vectors');
const SCHEMAS = join(ROOT, 'docs', 'schemas');

/** Draft 7 is what the registry's validator (Ajv, default settings) implements. */
const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

const SCHEMA_FILES = {
  'agent-addr.schema.json': agentAddrSchema,
  'agent-facts.schema.json': agentFactsSchema,
  'agent-tombstone.schema.json': tombstoneSchema,
  'key-rotation.schema.json': keyRotationSchema,
  'capability-credential-request.schema.json': capabilityCredentialRequestSchema,
} as const;

// --- fixed inputs --------------------------------------------------------------------------

const AGENT_SEED = new Uint8Array(32).fill(0x01);
const REGISTRY_SEED = new Uint8Array(32).fill(0x09);
const OTHER_SEED = new Uint8Array(32).fill(0x02);
const OTHER_REGISTRY_SEED = new Uint8Array(32).fill(0x0a);
const NEXT_AGENT_SEED = new Uint8Array(32).fill(0x03);
const ANNOUNCED_AT = '2026-01-01T00:10:05Z';
const ROTATED_AT = '2026-01-01T00:20:05Z';
const NAME = 'agent://acme.com/billing/invoices';
const REGISTRY_BASE = 'https://registry.example';
/** 2026-01-01T00:00:00Z */
const T0 = Date.UTC(2026, 0, 1);
const ACCEPTED_AT = '2026-01-01T00:00:05Z';
const DEREGISTERED_AT = '2026-01-02T00:00:05Z';
const VERIFY_AT = '2026-01-01T00:01:00Z';

const CLAIMS = {
  label: 'Invoices',
  description: 'Creates and sends invoices for Acme billing',
  version: '2.1.0',
  provider: { name: 'Acme Corp', url: 'https://acme.com' },
  endpoints: {
    static: [
      { url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a', transport: 'JSONRPC', version: '2.1.0', region: 'eu-west', priority: 0 },
      { url: 'https://agents.acme.com/invoices/mcp', protocol: 'mcp', transport: 'streamable-http' },
      'https://agents.acme.com/invoices',
    ],
  },
  capabilities: { modalities: ['text'], streaming: true, authentication: { methods: ['oauth2'], requiredScopes: ['invoices:write'] } },
  skills: [{ id: 'create-invoice', name: 'Create invoice', description: 'Drafts an invoice from an order', tags: ['billing', 'invoices'] }],
  tags: ['billing', 'finance'],
  // Non-ASCII and a number that JSON writers often format differently: RFC 8785 pins both.
  extensions: { acme: { motto: 'Factures sans souci – 請求書', costPerCall: 0.0025, maxBatch: 1e3 } },
};

// --- helpers -------------------------------------------------------------------------------

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function keyVector(seed: Uint8Array, key: SigningKey) {
  return { seedHex: hex(seed), publicKeyHex: hex(key.publicKey), publicKeyBase64url: toBase64Url(key.publicKey), did: key.did };
}

function countersigVector(record: CountersignedRecord<unknown>) {
  const { by, at, sig } = record.countersig;
  return { by, at, inputJcs: canonicalText({ at, by, payload: record.payload, sig: record.sig }), sig };
}

function signedVector<T>(record: CountersignedRecord<T>) {
  const jcs = canonicalText(record.payload);
  return { payload: record.payload, jcs, jcsSha256: sha256Hex(jcs), sig: record.sig, countersig: countersigVector(record), countersigned: record };
}

/** The compact bytes cut into their fields, for implementers reading docs/spec.md side by side. */
function compactBreakdown(record: CountersignedRecord<AgentAddr>, bytes: Uint8Array) {
  const fields: { field: string; hex: string }[] = [];
  let offset = 0;
  const take = (field: string, length: number) => {
    fields.push({ field, hex: hex(bytes.slice(offset, offset + length)) });
    offset += length;
  };
  const varintLength = (at: number) => {
    let length = 1;
    while ((bytes[at + length - 1]! & 0x80) !== 0) length++;
    return length;
  };
  take('format (0xa1: AgentAddr, compact format 1)', 1);
  take('flags (0x01 countersigned | 0x02 registry-layout factsUrl | 0x10 nextKeySha256)', 1);
  const nameChars = bytes[offset]!;
  take(`name length: ${nameChars} characters after "agent://"`, 1);
  take(`name, radix-40, ${Math.ceil(nameChars / 3)} groups: "${record.payload.name.slice(8)}"`, 2 * Math.ceil(nameChars / 3));
  take('agent Ed25519 public key', 32);
  take('factsSha256', 32);
  const baseLength = bytes[offset]!;
  take('facts URL base length (varint)', varintLength(offset));
  take(`facts URL base: "${Buffer.from(bytes.slice(offset, offset + baseLength)).toString('utf8')}"`, baseLength);
  if (record.payload.nextKeySha256 !== undefined) take('nextKeySha256', 32);
  take(`ttl (varint): ${record.payload.ttl}`, varintLength(offset));
  take(`seq (varint): ${record.payload.seq}`, varintLength(offset));
  take(`notAfter (varint Unix seconds): ${Date.parse(record.payload.notAfter) / 1000}`, varintLength(offset));
  take('agent signature', 64);
  take('registry Ed25519 public key', 32);
  take(`countersig.at (varint Unix seconds): ${Date.parse(record.countersig.at) / 1000}`, varintLength(offset));
  take('registry signature', 64);
  if (offset !== bytes.length) throw new Error('the breakdown does not cover the encoding');
  return fields;
}

// --- the vectors ---------------------------------------------------------------------------

function buildVectors(): Record<string, unknown> {
  const agent = signingKeyFromSeed(AGENT_SEED);
  const registry = signingKeyFromSeed(REGISTRY_SEED);
  const other = signingKeyFromSeed(OTHER_SEED);
  const otherRegistry = signingKeyFromSeed(OTHER_REGISTRY_SEED);
  const seq = nextSequence(T0);
  const registration = createRegistration({
    key: agent,
    name: NAME,
    claims: CLAIMS,
    factsUrl: `${REGISTRY_BASE}/v1/agents/${encodeURIComponent(NAME)}/facts`,
    seq,
    nowMs: T0,
  });
  const addr = countersign(registration.addr, registry, ACCEPTED_AT);
  const facts = countersign(registration.facts, registry, ACCEPTED_AT);
  const tombstoneSeq = nextSequence(T0 + 86_400_000, seq);
  const tombstone = countersign(createTombstone(agent, NAME, tombstoneSeq, true), registry, DEREGISTERED_AT);
  const compact = encodeAgentAddr(addr);
  const compactSigned = encodeAgentAddr(registration.addr);
  const verifyOptions = { registryDid: registry.did, expectedName: NAME };
  const nowMs = Date.parse(VERIFY_AT);
  const context = { protocol: 'mcp' };
  const resolveAnswer = {
    name: NAME,
    agentId: agent.did,
    endpoint: chooseEndpoint(facts.payload, context),
    context,
    addr,
    facts,
    registry: { id: registry.did },
  };

  const negative = negativeVectors({ registry, other, otherRegistry, addr, facts, tombstone, compact, resolveAnswer });
  // Every negative vector must fail with exactly the codes it lists, here already.
  for (const vector of negative) {
    const got = runCheck(vector.check, vector.input, { registryDid: registry.did, expectedName: NAME, nowMs: vector.now === undefined ? nowMs : Date.parse(vector.now) });
    if (JSON.stringify(got) !== JSON.stringify(vector.expectedCodes)) throw new Error(`${vector.id}: got ${JSON.stringify(got)}`);
  }
  if (runCheck('verifyResolveAnswer', resolveAnswer, { ...verifyOptions, nowMs }).length !== 0) throw new Error('the resolve answer does not verify');

  return {
    'keys.json': {
      description: 'Ed25519 keys from fixed 32-byte seeds; did:key = "did:key:z" + base58btc(0xed 0x01 || public key).',
      agent: keyVector(AGENT_SEED, agent),
      registry: keyVector(REGISTRY_SEED, registry),
      otherAgent: keyVector(OTHER_SEED, other),
      otherRegistry: keyVector(OTHER_REGISTRY_SEED, otherRegistry),
    },
    'agent-facts.json': {
      description: 'AgentFacts signed by the agent and countersigned by the registry. factsSha256 = lowercase hex SHA-256 of the UTF-8 bytes of jcs.',
      ...signedVector(facts),
    },
    'agent-addr.json': {
      description: 'AgentAddr committing to the AgentFacts of agent-facts.json, signed by the agent and countersigned by the registry.',
      ...signedVector(addr),
    },
    'agent-tombstone.json': {
      description: 'A releasing tombstone for the same name, with a higher sequence, signed by the agent and countersigned by the registry.',
      ...signedVector(tombstone),
    },
    'registration-request.json': {
      description: 'The body of POST /v1/agents that produced agent-addr.json and agent-facts.json (accepted at countersig.at).',
      body: registration,
    },
    'resolve-answer.json': {
      description: 'GET /v1/resolve?name=invoices.billing@acme.com&protocol=mcp, verified by a client at verifyAt against the pinned registry key.',
      verifyAt: VERIFY_AT,
      answer: resolveAnswer,
    },
    'compact-agent-addr.json': {
      description: 'The compact binary encoding of the countersigned AgentAddr of agent-addr.json (and of its agent-signed form).',
      countersigned: { length: compact.length, hex: hex(compact), base64: Buffer.from(compact).toString('base64'), fields: compactBreakdown(addr, compact) },
      signed: { length: compactSigned.length, hex: hex(compactSigned) },
    },
    'key-rotation.json': rotationVectors(agent, registry),
    'event-log.json': eventLogVectors(registry, { addr, facts, tombstone }),
    'negative.json': {
      description:
        'Inputs that must be refused, with the error codes Signpost reports (docs/errors.md), in its order. Checks: verifyAgentRecords ' +
        '({addr, facts?} against registryDid, expectedName, now), verifyResolveAnswer (the same, plus the endpoint rule), checkAgentFacts ' +
        '(the AgentFacts rules alone), verifySignedRecord (the agent signature of a {payload, sig} by payload.agentId), decodeAgentAddr (compact hex), ' +
        'decodeAndVerify (compact hex decoded, then verifyAgentRecords).',
      registryDid: registry.did,
      expectedName: NAME,
      now: VERIFY_AT,
      vectors: negative,
    },
  };
}

/**
 * Pre-rotation and rotation: the agent announces its next key in an update, then hands the name to
 * that key with a KeyRotation signed by the old key, sent with an AgentAddr signed by the new one.
 */
/**
 * The event log of a registry that accepted the registration above and then the tombstone: the
 * two entries (canonical JSON), their leaf hashes, the tree hash, the signed tree head, and the
 * proofs (spec section 19).
 */
function eventLogVectors(
  registry: SigningKey,
  records: { addr: CountersignedRecord<AgentAddr>; facts: CountersignedRecord<unknown>; tombstone: CountersignedRecord<{ agentId: string; seq: number }> },
) {
  const { addr, facts, tombstone } = records;
  const drafts: LogEventDraft[] = [
    { kind: 'registered', name: NAME, at: ACCEPTED_AT, agentId: addr.payload.agentId, seq: addr.payload.seq, state: 'active', records: { addr: canonicalSha256Hex(addr), facts: canonicalSha256Hex(facts) } },
    { kind: 'deregistered', name: NAME, at: DEREGISTERED_AT, agentId: tombstone.payload.agentId, seq: tombstone.payload.seq, state: 'deregistered', records: { tombstone: canonicalSha256Hex(tombstone) } },
  ];
  const entries = drafts.map((draft, index) => ({ index, text: logEntryText(index, draft) }));
  const tree = new MerkleTree();
  for (const entry of entries) tree.appendLeafHash(entryLeafHash(entry.text));
  const head = signRecord<TreeHead>({ type: 'LogTreeHead', v: 1, log: registry.did, size: 2, rootHash: toBase64Url(tree.rootAt(2)), at: DEREGISTERED_AT }, registry);
  return {
    entries: entries.map((entry) => ({ ...entry, leafHashHex: hex(tree.leafHashAt(entry.index)) })),
    rootHashHex: hex(tree.rootAt(2)),
    head: { ...head, jcs: canonicalText(head.payload) },
    inclusion: { index: 1, size: 2, proof: tree.inclusionProof(1, 2).map(toBase64Url) },
    consistency: { first: 1, second: 2, proof: tree.consistencyProof(1, 2).map(toBase64Url) },
  };
}

function rotationVectors(agent: SigningKey, registry: SigningKey) {
  const next = signingKeyFromSeed(NEXT_AGENT_SEED);
  const factsUrl = `${REGISTRY_BASE}/v1/agents/${encodeURIComponent(NAME)}/facts`;
  const announceSeq = nextSequence(T0 + 600_000);
  const announcing = createRegistration({ key: agent, name: NAME, claims: CLAIMS, factsUrl, seq: announceSeq, nowMs: T0, nextKey: next.did });
  const announced = countersign(announcing.addr, registry, ANNOUNCED_AT);
  const rotateSeq = nextSequence(T0 + 1_200_000, announceSeq);
  const body = createRotation({ from: agent, to: next, name: NAME, claims: CLAIMS, factsUrl, seq: rotateSeq, nowMs: T0 });
  const compact = encodeAgentAddr(announced);
  const decoded = decodeAgentAddr(compact);
  if (!decoded.ok || canonicalText(decoded.value) !== canonicalText(announced)) throw new Error('the announcing AgentAddr does not round-trip');
  if (!verifyRecordSignature(body.rotation, agent.did) || !verifyRecordSignature(body.addr, next.did)) throw new Error('the rotation does not verify');
  return {
    description:
      'Pre-rotation and key rotation (docs/spec.md, "Key rotation"). nextKeySha256 = lowercase hex SHA-256 of the raw 32-byte public key of nextAgent. ' +
      'The announcing AgentAddr (signed by the agent) commits to it; the rotation body of POST /v1/agents carries the new AgentAddr and AgentFacts ' +
      'signed by nextAgent and the KeyRotation signed by the agent (from), whose seq equals the new AgentAddr’s.',
    nextAgent: keyVector(NEXT_AGENT_SEED, next),
    nextKeySha256: nextKeyCommitment(next.did),
    announcing: { ...signedVector(announced), compactHex: hex(compact) },
    rotation: { payload: body.rotation.payload, jcs: canonicalText(body.rotation.payload), sig: body.rotation.sig, countersigned: countersign(body.rotation, registry, ROTATED_AT) },
    body,
  };
}

interface Negative {
  readonly id: string;
  readonly description: string;
  readonly check: Check;
  readonly now?: string;
  readonly input: unknown;
  readonly expectedCodes: readonly string[];
}

type Check = 'verifyAgentRecords' | 'verifyResolveAnswer' | 'checkAgentFacts' | 'verifySignedRecord' | 'decodeAgentAddr' | 'decodeAndVerify';

function negativeVectors(v: {
  registry: SigningKey;
  other: SigningKey;
  otherRegistry: SigningKey;
  addr: CountersignedRecord<AgentAddr>;
  facts: CountersignedRecord<Record<string, unknown> & { type: 'AgentFacts'; v: 1; id: string; agent_name: string }>;
  tombstone: CountersignedRecord<unknown>;
  compact: Uint8Array;
  resolveAnswer: Record<string, unknown>;
}): Negative[] {
  const { addr, facts, compact } = v;
  const bytes = (edit: (b: number[]) => void) => {
    const b = [...compact];
    edit(b);
    return hex(Uint8Array.from(b));
  };
  const sigFlipped = bytes((b) => {
    b[compact.length - 101 - 1] = b[compact.length - 101 - 1]! ^ 0x01; // last byte of the agent signature
  });
  // ttl 3600 = 0x90 0x1c follows format, flags, name (1 + 18), key, digest and the facts URL base (1 + 24).
  const ttlAt = 2 + 1 + 18 + 32 + 32 + 1 + REGISTRY_BASE.length;
  if (compact[ttlAt] !== 0x90 || compact[ttlAt + 1] !== 0x1c) throw new Error('the ttl is not where the vectors expect it');
  const forged = signRecord(addr.payload, v.other) as SignedRecord<AgentAddr>;
  return [
    {
      id: 'addr-tampered-payload',
      description: 'The ttl of the countersigned AgentAddr was changed after signing: both signatures fail.',
      check: 'verifyAgentRecords',
      input: { addr: { ...addr, payload: { ...addr.payload, ttl: 60 } } },
      expectedCodes: ['RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID'],
    },
    {
      id: 'addr-wrong-key',
      description: 'The AgentAddr names the agent key but was signed by another key (otherAgent); the registry countersigned it anyway.',
      check: 'verifyAgentRecords',
      input: { addr: countersign(forged, v.registry, addr.countersig.at) },
      expectedCodes: ['RECORD_SIGNATURE_INVALID'],
    },
    {
      id: 'addr-other-registry',
      description: 'A genuine agent signature, countersigned by a registry key the client does not trust (otherRegistry).',
      check: 'verifyAgentRecords',
      input: { addr: countersign({ payload: addr.payload, sig: addr.sig }, v.otherRegistry, addr.countersig.at) },
      expectedCodes: ['RECORD_COUNTERSIGNATURE_INVALID'],
    },
    {
      id: 'addr-expired',
      description: 'The genuine records, checked after notAfter.',
      check: 'verifyAgentRecords',
      now: '2026-04-01T00:00:00Z',
      input: { addr, facts },
      expectedCodes: ['RECORD_EXPIRED'],
    },
    {
      id: 'facts-tampered',
      description: 'The description of the AgentFacts was changed: the digest in the AgentAddr, the agent signature and the countersignature all fail.',
      check: 'verifyAgentRecords',
      input: { addr, facts: { ...facts, payload: { ...facts.payload, description: 'Sends invoices to evil.example' } } },
      expectedCodes: ['FACTS_DIGEST_MISMATCH', 'RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID'],
    },
    {
      id: 'facts-attested-field',
      description: 'A registrant may not claim an attested field such as "verified".',
      check: 'checkAgentFacts',
      input: { ...facts.payload, verified: true },
      expectedCodes: ['FACTS_ATTESTED_FIELD'],
    },
    {
      id: 'facts-foreign-certification',
      description: 'A certification issued by someone other than the agent itself must be attested by that issuer.',
      check: 'checkAgentFacts',
      input: { ...facts.payload, certification: { name: 'SOC 2', issuer: 'did:web:auditor.example' } },
      expectedCodes: ['FACTS_ATTESTED_FIELD'],
    },
    {
      id: 'resolve-endpoint-not-signed',
      description: 'The registry answered with an endpoint that is not among the endpoints of the signed AgentFacts.',
      check: 'verifyResolveAnswer',
      input: { ...v.resolveAnswer, endpoint: { url: 'https://evil.example/mcp', protocol: 'mcp', transport: 'streamable-http' } },
      expectedCodes: ['ENDPOINT_NOT_SIGNED'],
    },
    {
      id: 'tombstone-wrong-key',
      description: 'A tombstone for the agent, signed by another key.',
      check: 'verifySignedRecord',
      input: signRecord((v.tombstone as SignedRecord<unknown>).payload, v.other),
      expectedCodes: ['RECORD_SIGNATURE_INVALID'],
    },
    { id: 'compact-truncated', description: 'The compact record without its last byte.', check: 'decodeAgentAddr', input: hex(compact.slice(0, -1)), expectedCodes: ['ENCODING_INVALID'] },
    { id: 'compact-trailing-byte', description: 'The compact record with one byte appended.', check: 'decodeAgentAddr', input: hex(compact) + '00', expectedCodes: ['ENCODING_INVALID'] },
    { id: 'compact-unknown-format', description: 'Format byte 0xa2 (a version this decoder does not know).', check: 'decodeAgentAddr', input: 'a2' + hex(compact.slice(1)), expectedCodes: ['ENCODING_INVALID'] },
    { id: 'compact-reserved-flag', description: 'Flags 0x23: a reserved bit is set.', check: 'decodeAgentAddr', input: bytes((b) => (b[1] = 0x23)), expectedCodes: ['ENCODING_INVALID'] },
    {
      id: 'compact-non-minimal-varint',
      description: 'ttl 3600 written as 0x90 0x9c 0x00 instead of 0x90 0x1c: a varint must be minimal, so each record has one encoding.',
      check: 'decodeAgentAddr',
      input: bytes((b) => b.splice(ttlAt, 2, 0x90, 0x9c, 0x00)),
      expectedCodes: ['ENCODING_INVALID'],
    },
    {
      id: 'compact-invalid-agent-addr',
      description: 'Well-formed bytes that spell ttl 0: the decoded AgentAddr breaks its schema.',
      check: 'decodeAgentAddr',
      input: bytes((b) => b.splice(ttlAt, 2, 0x00)),
      expectedCodes: ['ENCODING_INVALID', 'RECORD_INVALID'],
    },
    {
      id: 'compact-signature-bit-flip',
      description: 'One bit of the agent signature flipped: the bytes decode, but the signatures do not verify.',
      check: 'decodeAndVerify',
      input: sigFlipped,
      expectedCodes: ['RECORD_SIGNATURE_INVALID', 'RECORD_COUNTERSIGNATURE_INVALID'],
    },
  ];
}

/** The codes a check reports, in order; [] when the input passes. */
function runCheck(check: Check, input: unknown, options: { registryDid: string; expectedName: string; nowMs: number }): string[] {
  return runChecks[check](input, options);
}

const runChecks: Record<Check, (input: unknown, options: { registryDid: string; expectedName: string; nowMs: number }) => string[]> = {
  verifyAgentRecords: (input, options) => verifyAgentRecords(input as { addr: unknown; facts?: unknown }, options).errors.map((e) => e.code),
  verifyResolveAnswer: (input, options) => verifyResolveAnswer(input, options).errors.map((e) => e.code),
  checkAgentFacts: (input) => {
    const result = checkAgentFacts(input);
    return result.ok ? [] : result.problems.map((p) => p.code);
  },
  verifySignedRecord: (input) => {
    const record = input as SignedRecord<{ agentId: string }>;
    return verifyRecordSignature(record, record.payload.agentId) ? [] : ['RECORD_SIGNATURE_INVALID'];
  },
  decodeAgentAddr: (input) => {
    const result = decodeAgentAddr(new Uint8Array(Buffer.from(input as string, 'hex')));
    return result.ok ? [] : result.problems.map((p) => p.code);
  },
  decodeAndVerify: (input, options) => {
    const result = decodeAgentAddr(new Uint8Array(Buffer.from(input as string, 'hex')));
    return result.ok ? verifyAgentRecords({ addr: result.value }, options).errors.map((e) => e.code) : result.problems.map((p) => p.code);
  },
};

function schemaDocument(schema: object): object {
  return { $schema: JSON_SCHEMA_DIALECT, ...schema };
}

function fileText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function main(): void {
  mkdirSync(VECTORS, { recursive: true });
  mkdirSync(SCHEMAS, { recursive: true });
  for (const [file, value] of Object.entries(buildVectors())) writeFileSync(join(VECTORS, file), fileText(value));
  for (const [file, schema] of Object.entries(SCHEMA_FILES)) writeFileSync(join(SCHEMAS, file), fileText(schemaDocument(schema)));
  process.stdout.write(`wrote ${Object.keys(buildVectors()).length} vector files to ${VECTORS} and ${Object.keys(SCHEMA_FILES).length} schemas to ${SCHEMAS}\n`);
}

main();
