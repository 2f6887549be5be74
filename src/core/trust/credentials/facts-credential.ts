/**
 * AgentFacts as a W3C VC 2.0, issued by the registry (its did:web) with an eddsa-jcs-2022 proof.
 *
 * The registrant's claims travel untouched: `credentialSubject.facts` is the AgentFacts payload
 * exactly as the agent signed it and `credentialSubject.agentSignature` is the agent's own
 * signature over its JCS bytes. A third party can therefore check both the registry's proof over
 * the credential and the agent's signature over the facts, and recompute the AgentAddr's
 * `factsSha256` as SHA-256(JCS(credentialSubject.facts)): the registry vouches for the facts but
 * cannot have written them.
 */
import { problem, type Problem } from '../../errors.js';
import { verifyRecordSignature } from '../../record/signing.js';
import type { AgentFacts } from '../../record/types.js';
import { canonicalSha256Hex } from '../jcs.js';
import { VC_V2_CONTEXT } from './contexts.js';
import type { DocumentLoader } from './document-loader.js';
import { checkEnvelope, checkIssuerTrusted, checkSubjectDidKey, checkWindow, firstFailure, isRecord, listOf, requireValidityWindow, signCredential, verifyProof } from './proof.js';
import { parseStatusEntries, statusListEntry, type ParsedStatusEntry } from './status-list.js';
import type { CredentialIssuer, CredentialVerification, Instant, StatusAllocation, VerifiableCredential } from './types.js';

export const FACTS_CREDENTIAL_TYPE = 'AgentFactsCredential';

export interface AgentFactsSubject {
  /** The agent's did:key (= facts.id). */
  readonly id: string;
  /** Lowercase hex SHA-256 of JCS(facts): the AgentAddr's `factsSha256`. */
  readonly factsSha256: string;
  /** The AgentFacts payload, byte for byte what the agent signed. */
  readonly facts: AgentFacts;
  /** The agent's base64url Ed25519 signature over JCS(facts), as in the signed record's `sig`. */
  readonly agentSignature: string;
}

export type AgentFactsCredential = VerifiableCredential<AgentFactsSubject>;

export interface FactsCredentialInput {
  readonly issuer: CredentialIssuer;
  /** The registrant's claims, as the agent signed them. */
  readonly facts: AgentFacts;
  /** The agent's signature over JCS(facts). */
  readonly agentSignature: string;
  /** This credential's own indices in the registry's revocation and suspension lists. */
  readonly status: { readonly revocation: StatusAllocation; readonly suspension: StatusAllocation };
  /** Whole-second UTC; also the proof's `created`. */
  readonly validFrom: string;
  readonly validUntil: string;
  /** A URL or URN naming this credential, if the caller has one. */
  readonly id?: string;
}

/** Sign the facts credential. Throws on arguments the registry should never pass (unsigned facts, bad times). */
export async function issueFactsCredential(input: FactsCredentialInput): Promise<AgentFactsCredential> {
  requireValidityWindow(input.validFrom, input.validUntil);
  // The registry vouches for facts the agent signed, never for facts it could have altered.
  if (!verifyRecordSignature({ payload: input.facts, sig: input.agentSignature }, input.facts.id)) {
    throw new TypeError(`agentSignature does not verify with ${input.facts.id}`);
  }
  const unsigned = {
    '@context': [VC_V2_CONTEXT],
    ...(input.id === undefined ? {} : { id: input.id }),
    type: ['VerifiableCredential', FACTS_CREDENTIAL_TYPE],
    issuer: input.issuer.did,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    credentialSubject: {
      id: input.facts.id,
      factsSha256: canonicalSha256Hex(input.facts),
      facts: input.facts,
      agentSignature: input.agentSignature,
    },
    credentialStatus: [statusListEntry('revocation', input.status.revocation), statusListEntry('suspension', input.status.suspension)],
  };
  return (await signCredential(unsigned, input.issuer, input.validFrom)) as unknown as AgentFactsCredential;
}

export interface FactsVerifyOptions {
  readonly documentLoader: DocumentLoader;
  readonly now: Instant;
  /** Issuer DIDs whose facts credentials count (normally the registry's did:web). */
  readonly trustedIssuers: readonly string[];
  /** The `factsSha256` of the AgentAddr these facts must belong to, when the caller has it. */
  readonly expectedFactsSha256?: string;
}

export interface FactsCredentialVerification extends CredentialVerification {
  /** Set when verified: the agent's facts, and the status entries to check next (checkCredentialStatus). */
  readonly facts?: AgentFacts;
  readonly statusEntries?: readonly ParsedStatusEntry[];
}

/**
 * Verify a facts credential; never throws. Stages, cheapest first, stopping at the first failure:
 * envelope and subject shape (CREDENTIAL_INVALID), issuer trust (ISSUER_UNTRUSTED), the registry's
 * proof (CREDENTIAL_INVALID, DID_UNRESOLVABLE), validity (CREDENTIAL_EXPIRED), then the agent's
 * own binding: facts.id (FACTS_SUBJECT_MISMATCH), its signature (RECORD_SIGNATURE_INVALID) and
 * the digest (FACTS_DIGEST_MISMATCH). Status is not checked here: see checkCredentialStatus.
 */
export async function verifyFactsCredential(vc: unknown, options: FactsVerifyOptions): Promise<FactsCredentialVerification> {
  try {
    return await verifyFacts(vc, options);
  } catch (error) {
    return { verified: false, errors: [problem('CREDENTIAL_INVALID', `verification failed: ${(error as Error).message}`)] };
  }
}

async function verifyFacts(value: unknown, options: FactsVerifyOptions): Promise<FactsCredentialVerification> {
  const envelope = checkEnvelope(value, FACTS_CREDENTIAL_TYPE, 'CREDENTIAL_INVALID');
  if (!envelope.ok) return { verified: false, errors: envelope.problems };
  const { vc, window } = envelope;
  const subject = vc.credentialSubject as Record<string, unknown>;
  const statusEntries = parseStatusEntries(vc.credentialStatus);
  const errors = await firstFailure([
    () => [...listOf(checkSubjectShape(subject)), ...(statusEntries.ok ? listOf(checkStatusPurposes(statusEntries.value)) : statusEntries.problems)],
    () => listOf(window.untilMs === undefined ? problem('CREDENTIAL_INVALID', 'a facts credential must have validUntil', '/validUntil') : undefined),
    () => listOf(checkIssuerTrusted(vc.issuer as string, options.trustedIssuers, 'AgentFacts credentials')),
    () => verifyProof(vc, window, options.documentLoader, 'CREDENTIAL_INVALID'),
    () => listOf(checkWindow(window, options.now)),
    () => checkAgentBinding(subject as unknown as AgentFactsSubject, options.expectedFactsSha256),
  ]);
  if (errors.length > 0 || !statusEntries.ok) return { verified: false, errors };
  return { verified: true, errors: [], facts: subject.facts as AgentFacts, statusEntries: statusEntries.value };
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function checkSubjectShape(subject: Record<string, unknown>): Problem | undefined {
  const at = (field: string) => `/credentialSubject/${field}`;
  const idProblem = checkSubjectDidKey(subject.id, at('id'));
  if (idProblem) return idProblem;
  if (!isRecord(subject.facts) || subject.facts.type !== 'AgentFacts') return problem('CREDENTIAL_INVALID', 'credentialSubject.facts must be an AgentFacts object', at('facts'));
  if (typeof subject.agentSignature !== 'string') return problem('CREDENTIAL_INVALID', 'credentialSubject.agentSignature must be a string', at('agentSignature'));
  if (typeof subject.factsSha256 !== 'string' || !HEX_SHA256.test(subject.factsSha256)) {
    return problem('CREDENTIAL_INVALID', 'credentialSubject.factsSha256 must be 64 lowercase hex digits', at('factsSha256'));
  }
  return undefined;
}

/** Exactly one revocation and one suspension entry: a credential that cannot be revoked is refused. */
function checkStatusPurposes(entries: readonly ParsedStatusEntry[]): Problem | undefined {
  const count = (purpose: string) => entries.filter((e) => e.statusPurpose === purpose).length;
  if (count('revocation') !== 1 || count('suspension') !== 1) {
    return problem('CREDENTIAL_INVALID', 'a facts credential needs exactly one revocation and one suspension status entry', '/credentialStatus');
  }
  return undefined;
}

function checkAgentBinding(subject: AgentFactsSubject, expectedFactsSha256: string | undefined): Problem[] {
  if (subject.facts.id !== subject.id) {
    return [problem('FACTS_SUBJECT_MISMATCH', `the facts describe ${String(subject.facts.id)}, the credential ${subject.id}`, '/credentialSubject/facts/id')];
  }
  if (!verifyRecordSignature({ payload: subject.facts, sig: subject.agentSignature }, subject.id)) {
    return [problem('RECORD_SIGNATURE_INVALID', "the agent's signature over the facts does not verify", '/credentialSubject/agentSignature')];
  }
  const digest = canonicalSha256Hex(subject.facts);
  if (digest !== subject.factsSha256) return [problem('FACTS_DIGEST_MISMATCH', `the facts hash to ${digest}, not ${subject.factsSha256}`, '/credentialSubject/factsSha256')];
  if (expectedFactsSha256 !== undefined && digest !== expectedFactsSha256) {
    return [problem('FACTS_DIGEST_MISMATCH', `the facts hash to ${digest}; the AgentAddr commits to ${expectedFactsSha256}`, '/credentialSubject/facts')];
  }
  return [];
}
