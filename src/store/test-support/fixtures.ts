/**
 * Realistic StoredAgent values for store tests. Signatures are fake (deterministic base64url of
 * the right length): stores never verify them, they only have to keep them byte for byte.
 */
import { createHash } from 'node:crypto';
import type { StoredCertification } from '../../core/ports.js';
import type { AgentAddr, AgentFacts, AgentTombstone, CountersignedRecord } from '../../core/record/types.js';
import type { CertificationCredential } from '../../core/trust/credentials/certification-credential.js';
import type { ActiveAgent, DeregisteredAgent, StoredAgent } from '../../core/registry/stored-agent.js';

export const REGISTRY_ID = 'did:key:z6MkrHKzgsahxBLyNAbLQyB1pcWNYC9GmywiWPgkrvntAZcj';

export interface ActiveSpec {
  /** Canonical name, e.g. `agent://acme/billing/invoice-bot`. */
  readonly name: string;
  readonly seq?: number;
  /** The SearchDocument text; defaults to the description. */
  readonly text?: string;
  readonly description?: string;
  readonly capabilities?: readonly string[];
  readonly protocols?: readonly string[];
  /** Self-declared certifications in the facts: never searchable. */
  readonly certifications?: readonly string[];
  readonly agentId?: string;
  /** The binding's status index; defaults to 0. A new binding of the name needs a new one. */
  readonly statusIndex?: number;
}

export interface DeregisteredSpec {
  readonly name: string;
  readonly seq?: number;
  readonly agentId?: string;
  readonly release?: boolean;
}

/** An active agent as the registry would store it after accepting its AgentAddr and AgentFacts. */
export function activeAgent(spec: ActiveSpec): ActiveAgent {
  const seq = spec.seq ?? 1;
  const agentId = spec.agentId ?? fakeDidKey(spec.name);
  const updatedAt = timeOfSeq(seq);
  const description = spec.description ?? spec.text ?? `Agent ${lastLabel(spec.name)} answers questions.`;
  const facts = factsFor(spec, agentId, description);
  const addr: AgentAddr = {
    type: 'AgentAddr',
    v: 1,
    name: spec.name,
    agentId,
    factsUrl: `https://${lastLabel(spec.name)}.agents.example/.well-known/agent-facts.json`,
    factsSha256: createHash('sha256').update(JSON.stringify(facts)).digest('hex'),
    ttl: 300,
    seq,
    notAfter: timeOfSeq(seq + 86_400 * 30),
  };
  return {
    state: 'active',
    name: spec.name,
    agentId,
    seq,
    updatedAt,
    addr: countersigned(addr, updatedAt),
    facts: countersigned(facts, updatedAt),
    search: {
      text: spec.text ?? description,
      capabilities: spec.capabilities ?? [],
      protocols: spec.protocols ?? [],
    },
    statusIndex: spec.statusIndex ?? 0,
  };
}

/** The tombstoned state of a name. */
export function deregisteredAgent(spec: DeregisteredSpec): DeregisteredAgent {
  const seq = spec.seq ?? 2;
  const agentId = spec.agentId ?? fakeDidKey(spec.name);
  const updatedAt = timeOfSeq(seq);
  const tombstone: AgentTombstone =
    spec.release === undefined
      ? { type: 'AgentTombstone', v: 1, name: spec.name, agentId, seq }
      : { type: 'AgentTombstone', v: 1, name: spec.name, agentId, seq, release: spec.release };
  return { state: 'deregistered', name: spec.name, agentId, seq, updatedAt, tombstone: countersigned(tombstone, updatedAt) };
}

/**
 * The same agent one write later (same key), with some fields changed: the same binding (status
 * index) when `agent` is active, unless `changes` says otherwise; after a tombstone, pass a new one.
 */
export function nextVersion(agent: StoredAgent, changes: Omit<ActiveSpec, 'name' | 'seq' | 'agentId'> = {}): ActiveAgent {
  const statusIndex = agent.state === 'deregistered' ? undefined : agent.statusIndex;
  return activeAgent({ ...(statusIndex === undefined ? {} : { statusIndex }), ...changes, name: agent.name, seq: agent.seq + 1, agentId: agent.agentId });
}

export interface CertificationSpec {
  /** The agent it is stored for. */
  readonly agent: StoredAgent;
  readonly certification: string;
  readonly issuer: string;
  /** Defaults to the agent's current key. */
  readonly subject?: string;
  /** The binding it was accepted for; defaults to the agent's status index (none for a deregistered agent). */
  readonly bindingIndex?: number;
  readonly validFromMs?: number;
  readonly validUntilMs?: number;
  /** Makes otherwise equal credentials differ (as a re-issued one would). */
  readonly serial?: number;
}

export const CERTIFIED_FROM = Date.UTC(2026, 0, 1);
export const CERTIFIED_UNTIL = Date.UTC(2027, 0, 1);

/**
 * A stored certification credential with a fake proof: the store never verifies it, it keeps it
 * and matches its issuer, subject and window.
 */
export function storedCertification(spec: CertificationSpec): StoredCertification {
  const validFromMs = spec.validFromMs ?? CERTIFIED_FROM;
  const validUntilMs = spec.validUntilMs ?? CERTIFIED_UNTIL;
  const subject = spec.subject ?? spec.agent.agentId;
  const bindingIndex = spec.bindingIndex ?? (spec.agent.state === 'deregistered' ? undefined : spec.agent.statusIndex);
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    ...(spec.serial === undefined ? {} : { id: `urn:serial:${spec.serial}` }),
    type: ['VerifiableCredential', 'AgentCertificationCredential'],
    issuer: spec.issuer,
    validFrom: new Date(validFromMs).toISOString(),
    validUntil: new Date(validUntilMs).toISOString(),
    credentialSubject: { id: subject, agentName: spec.agent.name, certification: { name: spec.certification, scope: 'Prüfung – 認証' } },
    proof: {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-jcs-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: `${spec.issuer}#key-1`,
      proofValue: `z${fakeSignature(`${spec.issuer}|${spec.certification}|${subject}|${validFromMs}|${spec.serial ?? 0}`)}`,
    },
  } as unknown as CertificationCredential;
  return {
    agentName: spec.agent.name,
    certification: spec.certification,
    issuer: spec.issuer,
    subject,
    ...(bindingIndex === undefined ? {} : { bindingIndex }),
    validFromMs,
    validUntilMs,
    digest: createHash('sha256').update(JSON.stringify(credential)).digest('hex'),
    storedAt: timeOfSeq(spec.agent.seq),
    credential,
  };
}

function factsFor(spec: ActiveSpec, agentId: string, description: string): AgentFacts {
  const label = lastLabel(spec.name);
  return {
    type: 'AgentFacts',
    v: 1,
    id: agentId,
    agent_name: spec.name,
    label,
    description,
    version: '1.4.2',
    provider: { name: 'Example Labs GmbH', url: 'https://labs.example', contact: 'ops@labs.example' },
    endpoints: (spec.protocols ?? ['https']).map((protocol, i) => ({
      url: `https://${label}.agents.example/${protocol}`,
      protocol,
      region: i % 2 === 0 ? 'eu-central-1' : 'us-east-1',
      priority: i,
    })),
    skills: (spec.capabilities ?? []).map((id) => ({ id, name: id.replace(/[-_]/gu, ' '), tags: [id, 'beta'] })),
    certifications: (spec.certifications ?? []).map((name) => ({ name, issuer: 'did:web:audit.example', level: null })),
    i18n: { de: 'Prüft Rechnungen – schnell & zuverlässig', ja: '請求書を処理します' },
    limits: { rps: 25, maxTokens: 128_000, burst: [5, 10, 20] },
  };
}

function countersigned<T>(payload: T, at: string): CountersignedRecord<T> {
  const sig = fakeSignature(JSON.stringify(payload));
  return { payload, sig, countersig: { by: REGISTRY_ID, at, sig: fakeSignature(`${at}|${sig}`) } };
}

/** 64 bytes of base64url without padding, like an Ed25519 signature. */
function fakeSignature(seed: string): string {
  return createHash('sha512').update(seed).digest('base64url');
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function fakeDidKey(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  const tail = [...digest, ...digest.subarray(0, 12)].map((byte) => BASE58[byte % 58] ?? '1').join('');
  return `did:key:z6Mk${tail}`;
}

/** RFC 3339, whole seconds: seq counts seconds after 2025-01-01, like a hybrid logical clock. */
function timeOfSeq(seq: number): string {
  return new Date(Date.UTC(2025, 0, 1) + seq * 1000).toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

function lastLabel(name: string): string {
  return name.split('/').at(-1) ?? name;
}
