/**
 * Third-party attestations about an agent (HIPAA, SOC2, kid-safe, …): credentials issued by an
 * auditor or a compliance body, which Signpost stores, serves and verifies but never issues. The
 * registrant cannot claim them in its AgentFacts (FACTS_ATTESTED_FIELD); a trust policy says which
 * issuers count for which certification.
 */
import { problem, type Problem } from '../../errors.js';
import { isEd25519DidKey } from '../did-key.js';
import { VC_V2_CONTEXT } from './contexts.js';
import type { DocumentLoader } from './document-loader.js';
import { checkEnvelope, checkIssuerTrusted, checkSubjectDidKey, checkWindow, firstFailure, isRecord, listOf, requireValidityWindow, signCredential, verifyProof } from './proof.js';
import { parseStatusEntries, statusListEntry, type ParsedStatusEntry } from './status-list.js';
import type { CredentialIssuer, CredentialVerification, Instant, StatusAllocation, VerifiableCredential } from './types.js';

export const CERTIFICATION_CREDENTIAL_TYPE = 'AgentCertificationCredential';

/** What is attested. `name` is matched exactly against the trust policy ('HIPAA', 'SOC2', 'kid-safe', …). */
export interface Certification {
  readonly name: string;
  readonly level?: string;
  readonly scope?: string;
}

export interface CertificationSubject {
  /** The agent's did:key. */
  readonly id: string;
  /** The canonical agent name the issuer examined. */
  readonly agentName: string;
  readonly certification: Certification;
}

export type CertificationCredential = VerifiableCredential<CertificationSubject>;

/** Certification name → the issuer DIDs whose credentials count for it. Names not listed count for nobody. */
export type TrustPolicy = Readonly<Record<string, readonly string[]>>;

export interface CertificationInput {
  readonly issuer: CredentialIssuer;
  readonly subject: string;
  readonly agentName: string;
  readonly certification: Certification;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly status?: { readonly revocation?: StatusAllocation; readonly suspension?: StatusAllocation };
  readonly id?: string;
}

const MAX_TEXT = 256;

export async function issueCertificationCredential(input: CertificationInput): Promise<CertificationCredential> {
  requireValidityWindow(input.validFrom, input.validUntil);
  if (!isEd25519DidKey(input.subject)) throw new TypeError(`the subject must be an agent did:key, not ${input.subject}`);
  const shapeProblem = checkCertification(input.certification);
  if (shapeProblem) throw new TypeError(shapeProblem.detail);
  const status = [
    ...(input.status?.revocation ? [statusListEntry('revocation', input.status.revocation)] : []),
    ...(input.status?.suspension ? [statusListEntry('suspension', input.status.suspension)] : []),
  ];
  const unsigned = {
    '@context': [VC_V2_CONTEXT],
    ...(input.id === undefined ? {} : { id: input.id }),
    type: ['VerifiableCredential', CERTIFICATION_CREDENTIAL_TYPE],
    issuer: input.issuer.did,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    credentialSubject: { id: input.subject, agentName: input.agentName, certification: compactCertification(input.certification) },
    ...(status.length === 0 ? {} : { credentialStatus: status }),
  };
  return (await signCredential(unsigned, input.issuer, input.validFrom)) as unknown as CertificationCredential;
}

/** Leave optional members out rather than writing `undefined` (JCS has no undefined). */
function compactCertification(c: Certification): Certification {
  return { name: c.name, ...(c.level === undefined ? {} : { level: c.level }), ...(c.scope === undefined ? {} : { scope: c.scope }) };
}

export interface CertificationVerifyOptions {
  readonly documentLoader: DocumentLoader;
  readonly now: Instant;
  readonly trustPolicy: TrustPolicy;
  /** The agent did:key the certification must be about, when the caller knows it. */
  readonly subject?: string;
}

export interface CertificationVerification extends CredentialVerification {
  /** Which certification is attested, by whom, about whom (set once the envelope parses, even if not verified). */
  readonly attested?: { readonly certification: Certification; readonly issuer: string; readonly subject: string; readonly agentName: string };
  readonly statusEntries?: readonly ParsedStatusEntry[];
}

/**
 * Verify a certification credential against a trust policy; never throws. Stages: envelope and
 * subject (CREDENTIAL_INVALID), issuer trusted for this certification name (ISSUER_UNTRUSTED),
 * proof (CREDENTIAL_INVALID, DID_UNRESOLVABLE), validity (CREDENTIAL_EXPIRED). Status entries,
 * when present, are returned for checkCredentialStatus (trusting the same issuer's lists).
 */
export async function verifyCertificationCredential(vc: unknown, options: CertificationVerifyOptions): Promise<CertificationVerification> {
  try {
    return await verifyCertification(vc, options);
  } catch (error) {
    return { verified: false, errors: [problem('CREDENTIAL_INVALID', `verification failed: ${(error as Error).message}`)] };
  }
}

async function verifyCertification(value: unknown, options: CertificationVerifyOptions): Promise<CertificationVerification> {
  const envelope = checkEnvelope(value, CERTIFICATION_CREDENTIAL_TYPE, 'CREDENTIAL_INVALID');
  if (!envelope.ok) return { verified: false, errors: envelope.problems };
  const { vc, window } = envelope;
  const subject = vc.credentialSubject as Record<string, unknown>;
  const subjectProblem = checkSubject(subject, options.subject);
  if (subjectProblem) return { verified: false, errors: [subjectProblem] };
  const certification = subject.certification as Certification;
  const issuer = vc.issuer as string;
  const attested = { certification, issuer, subject: subject.id as string, agentName: subject.agentName as string };
  const statusEntries = parseStatusEntries(vc.credentialStatus);
  if (!statusEntries.ok) return { verified: false, errors: statusEntries.problems, attested };
  const errors = await firstFailure([
    () => listOf(checkIssuerTrusted(issuer, trustedFor(options.trustPolicy, certification.name), `${certification.name} certifications`)),
    () => verifyProof(vc, window, options.documentLoader, 'CREDENTIAL_INVALID'),
    () => listOf(checkWindow(window, options.now)),
  ]);
  return { verified: errors.length === 0, errors, attested, statusEntries: statusEntries.value };
}

/**
 * The issuers a policy lists for a certification name. Own keys only: a certification named
 * "constructor" or "__proto__" must not reach Object.prototype.
 */
export function trustedFor(policy: TrustPolicy, name: string): readonly string[] {
  return Object.hasOwn(policy, name) ? (policy[name] ?? []) : [];
}

function checkSubject(subject: Record<string, unknown>, expected: string | undefined): Problem | undefined {
  const idProblem = checkSubjectDidKey(subject.id, '/credentialSubject/id');
  if (idProblem) return idProblem;
  if (expected !== undefined && subject.id !== expected) {
    return problem('CREDENTIAL_INVALID', `the certification is about ${subject.id}, not ${expected}`, '/credentialSubject/id');
  }
  if (typeof subject.agentName !== 'string') return problem('CREDENTIAL_INVALID', 'credentialSubject.agentName must be a string', '/credentialSubject/agentName');
  return checkCertification(subject.certification);
}

function checkCertification(value: unknown): Problem | undefined {
  const at = '/credentialSubject/certification';
  if (!isRecord(value)) return problem('CREDENTIAL_INVALID', 'certification must be an object', at);
  const text = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT;
  if (!text(value.name)) return problem('CREDENTIAL_INVALID', `certification.name must be 1-${MAX_TEXT} characters`, `${at}/name`);
  for (const field of ['level', 'scope'] as const) {
    if (value[field] !== undefined && !text(value[field])) return problem('CREDENTIAL_INVALID', `certification.${field} must be 1-${MAX_TEXT} characters`, `${at}/${field}`);
  }
  return undefined;
}
