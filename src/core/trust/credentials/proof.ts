/**
 * What every credential here shares: signing with an `eddsa-jcs-2022` Data Integrity proof through
 * the Digital Bazaar libraries, verifying that proof, and the VC 2.0 envelope checks around it.
 * The credential-specific modules (facts, status lists, certifications) add their own checks.
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { issue, verifyCredential } from '@digitalbazaar/vc';
import { problem, type ErrorCode, type Problem } from '../../errors.js';
import { parseUtcSeconds } from '../../record/agent-addr.js';
import { didKeyProblem, weakKeyProblem } from '../did-key.js';
import { ed25519SignatureWeakness } from '../ed25519-point.js';
import { VC_V2_CONTEXT } from './contexts.js';
import { createDocumentLoader, WeakKeyError, type DocumentLoader } from './document-loader.js';
import type { CredentialIssuer, CredentialVerification, Instant, VerifiableCredential } from './types.js';

export const CRYPTOSUITE = 'eddsa-jcs-2022';

/** Signing resolves no DID (the signer is at hand), so the bundled contexts are all it may load. */
const contextsOnly = createDocumentLoader();

/**
 * Add the issuer's proof to an unsigned credential. `created` is given (no clock here); credentials
 * here use their validFrom. The input is not modified (the library writes the proof into its argument).
 */
export async function signCredential<C extends object>(
  unsigned: C,
  issuer: CredentialIssuer,
  created: string,
): Promise<C & { proof: VerifiableCredential['proof'] }> {
  if (issuer.signer.id !== issuer.keyId) throw new TypeError(`the signer is for ${issuer.signer.id}, not ${issuer.keyId}`);
  const named = (unsigned as { issuer?: unknown }).issuer;
  if (named !== issuer.did) throw new TypeError(`the credential names issuer ${String(named)}, the signer is ${issuer.did}`);
  const suite = new DataIntegrityProof({ signer: issuer.signer, date: created, cryptosuite: createSignCryptosuite() });
  const signed = await issue({ credential: structuredClone(unsigned), suite, documentLoader: contextsOnly });
  return signed as C & { proof: VerifiableCredential['proof'] };
}

/** Issuance refuses anything but whole-second UTC times, the time form of every Signpost record. */
export function requireUtcSeconds(name: string, value: string): number {
  const ms = parseUtcSeconds(value);
  if (ms === undefined) throw new RangeError(`${name} must be an RFC 3339 UTC time in whole seconds, not ${value}`);
  return ms;
}

export function requireValidityWindow(validFrom: string, validUntil: string): void {
  if (requireUtcSeconds('validFrom', validFrom) >= requireUtcSeconds('validUntil', validUntil)) {
    throw new RangeError(`validFrom ${validFrom} is not before validUntil ${validUntil}`);
  }
}

export function instantMs(now: Instant): number {
  return typeof now === 'number' ? now : now.getTime();
}

/** XSD dateTimeStamp (a time zone is required), which VC 2.0 uses for validFrom / validUntil. */
const DATE_TIME_STAMP = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function parseDateTimeStamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DATE_TIME_STAMP.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The validity window of a credential, once its envelope has been checked. */
export interface Window {
  readonly fromMs: number;
  readonly untilMs: number | undefined;
}

/**
 * The VC 2.0 envelope: first context, types, a string issuer, a dateTimeStamp validity window and
 * exactly one eddsa-jcs-2022 proof. Failures get `code` (CREDENTIAL_INVALID, or STATUS_LIST_INVALID
 * for a status list credential).
 */
export function checkEnvelope(
  value: unknown,
  requiredType: string,
  code: ErrorCode,
): { ok: true; vc: Record<string, unknown>; window: Window } | { ok: false; problems: Problem[] } {
  const bad = (detail: string, pointer: string) => ({ ok: false as const, problems: [problem(code, detail, pointer)] });
  if (!isRecord(value)) return bad('the credential is not a JSON object', '');
  const context = value['@context'];
  if (!Array.isArray(context) || context[0] !== VC_V2_CONTEXT) return bad(`the first @context must be ${VC_V2_CONTEXT}`, '/@context');
  const types = value.type;
  if (!Array.isArray(types) || !types.includes('VerifiableCredential') || !types.includes(requiredType)) {
    return bad(`type must include VerifiableCredential and ${requiredType}`, '/type');
  }
  if (typeof value.issuer !== 'string' || value.issuer === '') return bad('issuer must be a DID or URL string', '/issuer');
  if (!isRecord(value.credentialSubject)) return bad('credentialSubject must be one object', '/credentialSubject');
  const fromMs = parseDateTimeStamp(value.validFrom);
  if (fromMs === undefined) return bad('validFrom must be an XSD dateTimeStamp', '/validFrom');
  const untilMs = value.validUntil === undefined ? undefined : parseDateTimeStamp(value.validUntil);
  if (value.validUntil !== undefined && untilMs === undefined) return bad('validUntil must be an XSD dateTimeStamp', '/validUntil');
  if (untilMs !== undefined && untilMs <= fromMs) return bad('validUntil is not after validFrom', '/validUntil');
  const proofProblem = checkProofShape(value.proof, code);
  if (proofProblem) return { ok: false, problems: [proofProblem] };
  return { ok: true, vc: value, window: { fromMs, untilMs } };
}

function checkProofShape(proof: unknown, code: ErrorCode): Problem | undefined {
  if (!isRecord(proof)) return problem(code, 'the credential must carry exactly one proof object', '/proof');
  if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== CRYPTOSUITE) {
    return problem(code, `the proof must be a DataIntegrityProof with cryptosuite ${CRYPTOSUITE}`, '/proof');
  }
  if (typeof proof.proofValue !== 'string') return problem(code, 'the proof has no proofValue', '/proof/proofValue');
  return undefined;
}

/** CREDENTIAL_EXPIRED (or `code` for status lists) when `now` is outside [validFrom, validUntil). */
/**
 * How far ahead of the verifier's clock a validFrom may be. Issuer and verifier clocks differ, and a
 * verifier that reads its clock before fetching a just-signed status list sees it as from the future.
 */
export const VALID_FROM_CLOCK_SKEW_MS = 60_000;

export function checkWindow(window: Window, now: Instant, code: ErrorCode = 'CREDENTIAL_EXPIRED'): Problem | undefined {
  const nowMs = instantMs(now);
  if (nowMs + VALID_FROM_CLOCK_SKEW_MS < window.fromMs) return problem(code, `not valid before ${new Date(window.fromMs).toISOString()}`, '/validFrom');
  if (window.untilMs !== undefined && nowMs >= window.untilMs) {
    return problem(code, `not valid since ${new Date(window.untilMs).toISOString()}`, '/validUntil');
  }
  return undefined;
}

/**
 * The stock eddsa-jcs-2022 verify suite, except that a weak key (small-order or non-canonical) and
 * a non-canonical signature (small-order or non-canonical R, S >= L) are refused before OpenSSL
 * sees them: OpenSSL accepts a small-order key with a signature that fits every message.
 */
function strictVerifyCryptosuite(): object {
  const stock = createVerifyCryptosuite();
  return {
    ...stock,
    async createVerifier({ verificationMethod }: { verificationMethod: { id?: string } }) {
      const key = await Ed25519Multikey.from(verificationMethod);
      const { publicKey } = await key.export({ publicKey: true, raw: true });
      const weak = publicKey instanceof Uint8Array ? weakKeyProblem(publicKey, `the key of ${verificationMethod.id ?? 'the verification method'}`) : undefined;
      if (weak !== undefined) throw new WeakKeyError(weak.detail);
      const verifier = key.verifier();
      return {
        algorithm: verifier.algorithm,
        id: verifier.id,
        async verify({ data, signature }: { data: Uint8Array; signature: Uint8Array }) {
          const weakness = ed25519SignatureWeakness(signature);
          if (weakness !== undefined) throw new Error(`the proof's signature is not canonical: ${weakness}`);
          return verifier.verify({ data, signature });
        },
      };
    },
  };
}

/** Credential status is checked on its own (the list must be fetched first), never inside the proof check. */
const statusCheckedSeparately = async () => ({ verified: true });

/**
 * Verify the Data Integrity proof with the stock @digitalbazaar/vc verifier: the signature over the
 * JCS bytes, that the verification method is the issuer's and is authorised for assertionMethod.
 *
 * The library also compares validFrom / validUntil with a clock. It is handed an instant inside
 * the credential's own window so that this comparison can never pre-empt the proof check: a
 * credential whose dates were tampered with must fail as forged, not as expired. The caller checks
 * the window against the real `now` afterwards (`checkWindow`), with its own error code.
 */
export async function verifyProof(vc: Record<string, unknown>, window: Window, documentLoader: DocumentLoader, code: ErrorCode): Promise<Problem[]> {
  // The library loads the method's document before it learns the method is not the issuer's:
  // refuse a foreign method first, so a credential can only ever make us resolve its issuer's DID.
  const method = (vc.proof as Record<string, unknown>).verificationMethod;
  if (typeof method !== 'string' || method.split('#', 1)[0] !== vc.issuer) {
    return [problem(code, `the proof's verificationMethod must be a key of the issuer ${String(vc.issuer)}`, '/proof/verificationMethod')];
  }
  const suite = new DataIntegrityProof({ cryptosuite: strictVerifyCryptosuite() });
  let result;
  try {
    result = await verifyCredential({
      credential: vc,
      suite,
      documentLoader,
      now: new Date(window.fromMs),
      maxClockSkew: 1,
      checkStatus: statusCheckedSeparately,
    });
  } catch (error) {
    // verifyCredential catches its own errors; this guards the promise that it never throws.
    return [problemFromErrors([error], code)];
  }
  return result.verified ? [] : [problemFromErrors(collectErrors(result), code)];
}

/** Every error a jsonld-signatures result carries, at any depth (results, purpose results, causes). */
export function collectErrors(result: { error?: unknown; results?: readonly { error?: unknown }[] }): unknown[] {
  const found: unknown[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (value === undefined || value === null || depth > 8) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    found.push(value);
    if (value instanceof Error) visit(value.cause, depth + 1);
    if (value instanceof AggregateError) visit(value.errors, depth + 1);
  };
  visit(result.error, 0);
  for (const entry of result.results ?? []) visit(entry.error, 0);
  return found;
}

/** A weak key or an unresolvable DID anywhere in the chain is reported as such; anything else as `code`. */
function problemFromErrors(errors: readonly unknown[], code: ErrorCode): Problem {
  const weak = errors.find((e) => (e as { code?: unknown } | null)?.code === 'KEY_WEAK');
  if (weak !== undefined) return problem('KEY_WEAK', messageOf(weak), '/proof/verificationMethod');
  const unresolvable = errors.find((e) => (e as { code?: unknown } | null)?.code === 'DID_UNRESOLVABLE');
  if (unresolvable !== undefined) return problem('DID_UNRESOLVABLE', messageOf(unresolvable), '/proof/verificationMethod');
  // jsonld-signatures wraps the cause in a generic VerificationError; the cause says why (e.g. a non-canonical signature).
  const first = errors.find((e) => e instanceof Error && e.name !== 'VerificationError') ?? errors.find((e) => e instanceof Error) ?? errors[0];
  return problem(code, `the proof does not verify: ${first === undefined ? 'no proof matched' : messageOf(first)}`, '/proof');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** CREDENTIAL_INVALID unless `id` is an agent did:key; KEY_WEAK when it names a small-order or non-canonical key. */
export function checkSubjectDidKey(id: unknown, pointer: string): Problem | undefined {
  const keyProblem = typeof id === 'string' ? didKeyProblem(id, pointer) : undefined;
  if (keyProblem?.code === 'KEY_WEAK') return keyProblem;
  if (typeof id !== 'string' || keyProblem !== undefined) return problem('CREDENTIAL_INVALID', 'credentialSubject.id must be the agent did:key', pointer);
  return undefined;
}

/** ISSUER_UNTRUSTED unless `issuer` is one of `trusted`. */
export function checkIssuerTrusted(issuer: string, trusted: readonly string[], what: string): Problem | undefined {
  return trusted.includes(issuer) ? undefined : problem('ISSUER_UNTRUSTED', `${issuer} is not trusted to issue ${what}`, '/issuer');
}

/** Run verification stages in order and stop at the first that reports problems (cheapest first). */
export async function firstFailure(stages: readonly (() => Problem[] | Promise<Problem[]>)[]): Promise<Problem[]> {
  for (const stage of stages) {
    const problems = await stage();
    if (problems.length > 0) return problems;
  }
  return [];
}

/** Present optional problems as a list. */
export function listOf(p: Problem | undefined): Problem[] {
  return p === undefined ? [] : [p];
}

/**
 * Any VC 2.0 credential with one eddsa-jcs-2022 proof: envelope, proof, validity window. No issuer
 * trust and no subject checks: the typed verifiers add those. Never throws.
 */
export async function verifyDataIntegrityCredential(
  vc: unknown,
  options: { readonly documentLoader: DocumentLoader; readonly now: Instant },
): Promise<CredentialVerification> {
  try {
    const envelope = checkEnvelope(vc, 'VerifiableCredential', 'CREDENTIAL_INVALID');
    if (!envelope.ok) return { verified: false, errors: envelope.problems };
    const errors = await firstFailure([
      () => verifyProof(envelope.vc, envelope.window, options.documentLoader, 'CREDENTIAL_INVALID'),
      () => listOf(checkWindow(envelope.window, options.now)),
    ]);
    return { verified: errors.length === 0, errors };
  } catch (error) {
    return { verified: false, errors: [problem('CREDENTIAL_INVALID', `verification failed: ${messageOf(error)}`)] };
  }
}
