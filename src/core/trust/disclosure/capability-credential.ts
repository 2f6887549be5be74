/**
 * Capability credentials with selective disclosure (`bbs-2023`): an issuer signs every capability
 * an agent holds in one credential; the agent (the holder) derives a proof that reveals only the
 * capability a verifier asks for; the verifier checks the derived proof against the issuer's key.
 *
 * Issuer → holder: `issueCapabilityCredential` (a VC 2.0 credential with a bbs-2023 base proof).
 * Holder → verifier: `deriveDisclosure` (a new credential with the revealed claims and a derived proof).
 * Verifier: `verifyDisclosure` (never throws; `{ verified, errors, disclosed }`).
 *
 * No clock is read: the verifier passes `now`. Randomness is used inside the libraries, where the
 * scheme needs it: a fresh HMAC key per credential at issuance (it shuffles blank node labels) and
 * fresh blinding scalars per derived proof (what makes two derived proofs unlinkable).
 */
import { createDiscloseCryptosuite, createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/bbs-2023-cryptosuite';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { derive, issue, verifyCredential } from '@digitalbazaar/vc';
import { isDeepStrictEqual } from 'node:util';
import { fail, failWith, ok, problem, type ErrorCode, type Problem, type Result } from '../../errors.js';
import { checkCanonicalName } from '../../record/agent-addr.js';
import { bundledContexts, VC_V2_CONTEXT } from '../credentials/contexts.js';
import type { DocumentLoader } from '../credentials/document-loader.js';
import { checkIssuerTrusted, collectErrors, checkWindow, firstFailure, isRecord, listOf, parseDateTimeStamp, requireValidityWindow, type Window } from '../credentials/proof.js';
import type { CredentialVerification, Instant } from '../credentials/types.js';
import { didKeyProblem, isEd25519DidKey } from '../did-key.js';
import { fromBase64Url } from '../encoding.js';
import { createDisclosureDocumentLoader } from './document-loader.js';
import type { IssuerKeyPair } from './issuer-keys.js';

export const CAPABILITY_CREDENTIAL_TYPE = 'AgentCapabilityCredential';
export const BBS_CRYPTOSUITE = 'bbs-2023';

/**
 * The terms VC v2 does not define, as an inline context: the credential type, `capabilities`, and
 * (through a scoped `@vocab`) every capability name and claim key below it. bbs-2023 signs RDF
 * statements, so every term must expand to an IRI; these IRIs are names, not addresses.
 */
export const CAPABILITY_CONTEXT = {
  AgentCapabilityCredential: 'urn:signpost:v1:AgentCapabilityCredential',
  capabilities: { '@id': 'urn:signpost:v1:capabilities', '@context': { '@vocab': 'urn:signpost:v1:capability:' } },
} as const;

/** The exact `@context` of every capability credential; a verifier refuses any other (see verifyDisclosure). */
export const CAPABILITY_CREDENTIAL_CONTEXT = [VC_V2_CONTEXT, CAPABILITY_CONTEXT] as const;

/**
 * What every derived credential reveals, whatever the holder selects: who vouches (issuer), for
 * whom (the agent's did:key), and for how long. Without them a verifier could not check trust,
 * binding or expiry. The credential's `type` is revealed too (the library reveals the types of
 * every object on a selected path).
 */
export const MANDATORY_POINTERS = ['/issuer', '/validFrom', '/validUntil', '/credentialSubject/id'] as const;

/** A claim: text, a number, a boolean, an object of claims, or a non-empty list of those (no lists of lists). */
export type ClaimValue = string | number | boolean | ClaimObject | readonly ClaimValue[];
export interface ClaimObject {
  readonly [key: string]: ClaimValue;
}
/** Capability name (`retrain`, `monitor`, `deploy`, …) → its claims (`{ models: ['churn-v2'], maxRuns: 5 }`). */
export interface Capabilities {
  readonly [capability: string]: ClaimObject;
}

/** A `DataIntegrityProof` with the `bbs-2023` cryptosuite (a base proof or a derived one). */
export interface BbsProofValue {
  readonly type: 'DataIntegrityProof';
  readonly cryptosuite: typeof BBS_CRYPTOSUITE;
  readonly verificationMethod: string;
  readonly proofPurpose: 'assertionMethod';
  /** `u…`: multibase base64url of the CBOR-encoded proof (tag 0xd95d02 base, 0xd95d03 derived). */
  readonly proofValue: string;
}

interface CapabilityCredentialBody<Subject> {
  readonly '@context': typeof CAPABILITY_CREDENTIAL_CONTEXT;
  readonly type: readonly ['VerifiableCredential', typeof CAPABILITY_CREDENTIAL_TYPE];
  readonly issuer: string;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly credentialSubject: Subject;
  readonly proof: BbsProofValue;
}

/** What the issuer signs and the agent holds: every capability, with the base proof. Never show it to a verifier. */
export type CapabilityCredential = CapabilityCredentialBody<{ readonly id: string; readonly name: string; readonly capabilities: Capabilities }>;

/** What a verifier sees: the mandatory fields and only the selected claims, with a derived proof. */
export type DerivedCapabilityCredential = CapabilityCredentialBody<{
  readonly id: string;
  readonly name?: string;
  readonly capabilities?: Capabilities;
}>;

export interface CapabilityIssuer {
  /** The issuer's DID; it must be the key pair's controller. */
  readonly did: string;
  readonly keyPair: IssuerKeyPair;
}

export interface CapabilityCredentialInput {
  readonly issuer: CapabilityIssuer;
  /** The agent: its Ed25519 did:key and its canonical name. */
  readonly subject: { readonly id: string; readonly name: string };
  readonly capabilities: Capabilities;
  /** RFC 3339 UTC, whole seconds. */
  readonly validFrom: string;
  readonly validUntil: string;
  /** Default MANDATORY_POINTERS; more may be added (e.g. '/credentialSubject/name'), none of those removed. */
  readonly mandatoryPointers?: readonly string[];
}

/** Limits that keep a credential small and its canonicalization cheap (verifiers check them before any crypto). */
const MAX_CLAIM_DEPTH = 4;
const MAX_TEXT = 1024;
const MAX_CREDENTIAL_CHARS = 64 * 1024;
/**
 * Capability names and claim keys: a plain name, never a JSON-LD keyword, compact IRI or a VC v2
 * term. A `.` is allowed inside (registry capability tokens such as `invoice.send`; with the scoped
 * `@vocab` it only lengthens the IRI). A `:` is not: JSON-LD reads `a:b` as an absolute IRI, so a
 * name like `urn:signpost:v1:capability:deploy` would sign the very statement `deploy` stands for.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys((bundledContexts.get(VC_V2_CONTEXT) as { '@context': object })['@context']),
  ...Object.keys(CAPABILITY_CONTEXT),
]);

/** The members a derived credential may have: what issuance writes, nothing else. */
const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['@context', 'type', 'issuer', 'validFrom', 'validUntil', 'credentialSubject', 'proof']);
const SUBJECT_KEYS: ReadonlySet<string> = new Set(['id', 'name', 'capabilities']);
/** The CBOR tags that open a bbs-2023 proofValue (after the multibase `u`): base proof, derived proof. */
const BASE_PROOF_TAG = [0xd9, 0x5d, 0x02] as const;
const DERIVED_PROOF_TAG = [0xd9, 0x5d, 0x03] as const;

/** Signing resolves no DID (the signer is at hand), so the bundled contexts are all it loads. */
const signingLoader = createDisclosureDocumentLoader();

/**
 * Sign a capability credential with a bbs-2023 base proof. Refuses (throws TypeError / RangeError)
 * input it could not sign faithfully: see `checkCapabilities` for the claim rules.
 */
export async function issueCapabilityCredential(input: CapabilityCredentialInput): Promise<CapabilityCredential> {
  requireValidityWindow(input.validFrom, input.validUntil);
  const { did, keyPair } = input.issuer;
  if (did !== keyPair.controller) throw new TypeError(`the issuer ${did} does not control the key ${keyPair.keyId}`);
  if (!isEd25519DidKey(input.subject.id)) throw new TypeError(`the subject must be an agent did:key, not ${input.subject.id}`);
  const nameProblem = checkCanonicalName(input.subject.name, '/credentialSubject/name');
  if (nameProblem) throw new TypeError(nameProblem.detail);
  const capabilitiesProblem = checkCapabilities(input.capabilities, '/credentialSubject/capabilities');
  if (capabilitiesProblem) throw new TypeError(capabilitiesProblem.detail);
  if (Object.keys(input.capabilities).length === 0) throw new TypeError('a capability credential needs at least one capability');
  const mandatoryPointers = [...(input.mandatoryPointers ?? MANDATORY_POINTERS)];
  for (const required of MANDATORY_POINTERS) {
    if (!mandatoryPointers.includes(required)) throw new TypeError(`the mandatory pointers must include ${required}`);
  }
  const unsigned = {
    '@context': structuredClone(CAPABILITY_CREDENTIAL_CONTEXT),
    type: ['VerifiableCredential', CAPABILITY_CREDENTIAL_TYPE],
    issuer: did,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    credentialSubject: { id: input.subject.id, name: input.subject.name, capabilities: structuredClone(input.capabilities) },
  };
  for (const pointer of mandatoryPointers) {
    if (!isPointer(pointer) || resolvePointer(unsigned, pointer) === undefined) throw new TypeError(`the mandatory pointer ${pointer} selects nothing`);
  }
  // `date: null`: bbs-2023 base proofs carry no `created` (it would be revealed on every derivation).
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), date: null, cryptosuite: createSignCryptosuite({ mandatoryPointers }) });
  const signed = await issue({ credential: unsigned, suite, documentLoader: signingLoader });
  return signed as unknown as CapabilityCredential;
}

/** The selective pointer that reveals one whole capability. */
export function capabilityPointer(capability: string): string {
  return `/credentialSubject/capabilities/${capability.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

export interface DeriveOptions {
  /** JSON pointers into the credential to reveal, e.g. capabilityPointer('retrain'); the mandatory ones are always revealed. */
  readonly selectivePointers: readonly string[];
  /** Default createDisclosureDocumentLoader(); deriving only loads contexts. */
  readonly documentLoader?: DocumentLoader;
  /**
   * Bytes the derived proof is bound to, e.g. a verifier's one-time challenge. Without one, the
   * derived credential is a bearer token that anyone who sees it can present again.
   */
  readonly presentationHeader?: Uint8Array;
}

/**
 * The holder's step: a derived credential revealing the selected claims (plus the mandatory ones)
 * with a fresh, unlinkable BBS proof. Never throws: CREDENTIAL_INVALID when the input is not a
 * capability credential with a bbs-2023 base proof, CAPABILITY_MISSING when a pointer names a
 * capability the credential does not carry, REQUEST_INVALID for any other pointer that selects
 * nothing, DISCLOSURE_INVALID when the base proof is corrupt (not canonical multibase, not a
 * base proof, or the library cannot derive from it).
 */
export async function deriveDisclosure(credential: CapabilityCredential, options: DeriveOptions): Promise<Result<DerivedCapabilityCredential>> {
  try {
    const value: unknown = credential;
    if (!isRecord(value) || !isRecord(value.proof)) return fail('CREDENTIAL_INVALID', 'the credential has no proof object', '/proof');
    const proof = value.proof;
    if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== BBS_CRYPTOSUITE || typeof proof.proofValue !== 'string') {
      return fail('CREDENTIAL_INVALID', `the proof must be a DataIntegrityProof with cryptosuite ${BBS_CRYPTOSUITE}`, '/proof');
    }
    const tag = proofTag(proof.proofValue);
    if (tag === undefined || !sameBytes(tag, BASE_PROOF_TAG)) {
      return fail('DISCLOSURE_INVALID', 'the proofValue is not a canonical bbs-2023 base proof (u…, CBOR tag 0xd95d02)', '/proof/proofValue');
    }
    const { proof: _proof, ...body } = value;
    for (const pointer of options.selectivePointers) {
      const missing = checkSelectivePointer(body, pointer);
      if (missing) return { ok: false, problems: [missing] };
    }
    const presentationHeader = options.presentationHeader === undefined ? new Uint8Array() : Uint8Array.from(options.presentationHeader);
    const suite = new DataIntegrityProof({
      cryptosuite: createDiscloseCryptosuite({ selectivePointers: [...options.selectivePointers], presentationHeader }),
    });
    const derived = await derive({
      verifiableCredential: structuredClone(value),
      suite,
      documentLoader: options.documentLoader ?? createDisclosureDocumentLoader(),
    });
    return ok(derived as unknown as DerivedCapabilityCredential);
  } catch (error) {
    return fail('DISCLOSURE_INVALID', `no disclosure can be derived from this credential: ${messageOf(error)}`, '/proof/proofValue');
  }
}

function checkSelectivePointer(body: Record<string, unknown>, pointer: string): Problem | undefined {
  if (!isPointer(pointer)) return problem('REQUEST_INVALID', `${JSON.stringify(pointer)} is not a JSON pointer`);
  if (resolvePointer(body, pointer) !== undefined && !pointer.startsWith('/@context')) return undefined;
  const capability = /^\/credentialSubject\/capabilities\/([^/]+)/.exec(pointer)?.[1];
  if (capability !== undefined) {
    const name = capability.replaceAll('~1', '/').replaceAll('~0', '~');
    const capabilities = resolvePointer(body, '/credentialSubject/capabilities');
    if (!isRecord(capabilities) || !Object.hasOwn(capabilities, name)) {
      return problem('CAPABILITY_MISSING', `the credential carries no capability ${JSON.stringify(name)}`, pointer);
    }
  }
  return problem('REQUEST_INVALID', `the pointer ${pointer} selects nothing that can be disclosed`, pointer);
}

export interface DisclosureVerifyOptions {
  /** Must resolve the issuer's key: default createDisclosureDocumentLoader() (did:key; add did:web documents through its options). */
  readonly documentLoader?: DocumentLoader;
  readonly now: Instant;
  /** Issuer DIDs whose capability credentials this verifier accepts. */
  readonly trustedIssuers: readonly string[];
  /** The capability this call needs; CAPABILITY_MISSING unless the holder revealed it. */
  readonly requiredCapability?: string;
  /** Require the derived proof to be bound to exactly these bytes (the challenge this verifier issued). */
  readonly presentationHeader?: Uint8Array;
}

export interface DisclosureVerification extends CredentialVerification {
  /** The capability names the holder revealed, once the proof verified (empty otherwise). */
  readonly disclosed: readonly string[];
  /** The proven content, once the proof verified (even if it has expired or lacks the required capability). */
  readonly issuer?: string;
  readonly subject?: { readonly id: string; readonly name?: string };
  readonly capabilities?: Capabilities;
  readonly validUntil?: string;
}

/**
 * The verifier's step; never throws. Stages, cheapest first, stopping at the first failure:
 * 1. shape (CREDENTIAL_INVALID): the exact context and type, the mandatory fields, plain claim
 *    names and values, nothing the proof does not cover (see README);
 * 2. the issuer is one of `trustedIssuers` (ISSUER_UNTRUSTED);
 * 3. the derived proof against the issuer's key (DISCLOSURE_INVALID; DID_UNRESOLVABLE when the
 *    key cannot be resolved);
 * 4. `now` inside [validFrom, validUntil) (CREDENTIAL_EXPIRED);
 * 5. `requiredCapability` is among the revealed ones (CAPABILITY_MISSING).
 */
export async function verifyDisclosure(derived: unknown, options: DisclosureVerifyOptions): Promise<DisclosureVerification> {
  try {
    return await verify(derived, options);
  } catch (error) {
    return { verified: false, errors: [problem('DISCLOSURE_INVALID', `verification failed: ${messageOf(error)}`)], disclosed: [] };
  }
}

async function verify(derived: unknown, options: DisclosureVerifyOptions): Promise<DisclosureVerification> {
  const shape = checkDerivedShape(derived);
  if (!shape.ok) return { verified: false, errors: shape.problems, disclosed: [] };
  const { vc, window } = shape.value;
  const issuer = vc.issuer as string;
  const unproven = await firstFailure([
    () => listOf(checkIssuerTrusted(issuer, options.trustedIssuers, 'capability credentials')),
    () => verifyBbsProof(vc, window, options),
  ]);
  if (unproven.length > 0) return { verified: false, errors: unproven, disclosed: [] };
  const subject = vc.credentialSubject as { id: string; name?: string; capabilities?: Capabilities };
  const capabilities = subject.capabilities ?? {};
  const disclosed = Object.keys(capabilities);
  const proven = {
    disclosed,
    issuer,
    subject: subject.name === undefined ? { id: subject.id } : { id: subject.id, name: subject.name },
    capabilities,
    validUntil: vc.validUntil as string,
  };
  const errors = await firstFailure([
    () => listOf(checkWindow(window, options.now)),
    () => listOf(checkRequired(options.requiredCapability, disclosed)),
  ]);
  return { verified: errors.length === 0, errors, ...proven };
}

function checkRequired(required: string | undefined, disclosed: readonly string[]): Problem | undefined {
  if (required === undefined || disclosed.includes(required)) return undefined;
  const shown = disclosed.length === 0 ? 'no capability' : disclosed.join(', ');
  return problem('CAPABILITY_MISSING', `the disclosure does not reveal the capability ${JSON.stringify(required)} (it reveals ${shown})`, capabilityPointer(required));
}

/**
 * The derived credential's shape. The proof signs RDF statements, not JSON, so this is also what
 * makes the JSON a verifier reads mean what was signed: the context is pinned (a holder cannot
 * remap a key to another term), and every key and value must produce a signed statement (an
 * added `"deploy": []` or `null` produces none and would otherwise pass the proof).
 */
function checkDerivedShape(value: unknown): Result<{ vc: Record<string, unknown>; window: Window }> {
  const bad = (detail: string, pointer: string, code: ErrorCode = 'CREDENTIAL_INVALID') => fail<never>(code, detail, pointer);
  if (!isRecord(value)) return bad('the credential is not a JSON object', '');
  let size: number;
  try {
    size = JSON.stringify(value).length;
  } catch {
    return bad('the credential is not JSON', '');
  }
  if (size > MAX_CREDENTIAL_CHARS) return bad(`the credential is larger than ${MAX_CREDENTIAL_CHARS} characters`, '');
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.has(key)) return bad(`a capability credential has no member ${JSON.stringify(key)}`, `/${escapePointer(key)}`);
  }
  if (!isDeepStrictEqual(value['@context'], CAPABILITY_CREDENTIAL_CONTEXT)) {
    return bad('the @context must be exactly the capability credential context', '/@context');
  }
  if (!isDeepStrictEqual(value.type, ['VerifiableCredential', CAPABILITY_CREDENTIAL_TYPE])) {
    return bad(`type must be ["VerifiableCredential", "${CAPABILITY_CREDENTIAL_TYPE}"]`, '/type');
  }
  if (typeof value.issuer !== 'string' || !/^did:[a-z0-9]+:\S+$/.test(value.issuer)) return bad('issuer must be a DID', '/issuer');
  const fromMs = parseDateTimeStamp(value.validFrom);
  if (fromMs === undefined) return bad('validFrom must be revealed as an XSD dateTimeStamp', '/validFrom');
  const untilMs = parseDateTimeStamp(value.validUntil);
  if (untilMs === undefined) return bad('validUntil must be revealed as an XSD dateTimeStamp', '/validUntil');
  if (untilMs <= fromMs) return bad('validUntil is not after validFrom', '/validUntil');
  const subject = value.credentialSubject;
  if (!isRecord(subject)) return bad('credentialSubject must be one object', '/credentialSubject');
  for (const key of Object.keys(subject)) {
    if (!SUBJECT_KEYS.has(key)) return bad(`credentialSubject has no member ${JSON.stringify(key)}`, `/credentialSubject/${escapePointer(key)}`);
  }
  if (typeof subject.id !== 'string' || !isEd25519DidKey(subject.id)) {
    const weak = typeof subject.id === 'string' ? didKeyProblem(subject.id, '/credentialSubject/id') : undefined;
    return weak?.code === 'KEY_WEAK' ? failWith([weak]) : bad('credentialSubject.id must be the agent did:key', '/credentialSubject/id');
  }
  if (subject.name !== undefined && (typeof subject.name !== 'string' || subject.name === '' || subject.name.length > MAX_TEXT)) {
    return bad('credentialSubject.name must be the agent name', '/credentialSubject/name');
  }
  if (subject.capabilities !== undefined) {
    const capabilitiesProblem = checkCapabilities(subject.capabilities, '/credentialSubject/capabilities');
    if (capabilitiesProblem) return { ok: false, problems: [capabilitiesProblem] };
  }
  const proof = value.proof;
  if (!isRecord(proof)) return bad('the credential must carry exactly one proof object', '/proof');
  if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== BBS_CRYPTOSUITE) {
    return bad(`the proof must be a DataIntegrityProof with cryptosuite ${BBS_CRYPTOSUITE}`, '/proof');
  }
  if (typeof proof.verificationMethod !== 'string') return bad('the proof names no verificationMethod', '/proof/verificationMethod');
  const tag = proofTag(proof.proofValue);
  if (tag === undefined) {
    return bad('proofValue must be multibase base64url (u…, canonical, no padding)', '/proof/proofValue', 'DISCLOSURE_INVALID');
  }
  if (sameBytes(tag, BASE_PROOF_TAG)) {
    return bad('this is the base credential, which reveals every claim; present a derived disclosure instead', '/proof/proofValue', 'DISCLOSURE_INVALID');
  }
  if (!sameBytes(tag, DERIVED_PROOF_TAG)) return bad('proofValue is not a bbs-2023 derived proof', '/proof/proofValue', 'DISCLOSURE_INVALID');
  return ok({ vc: value, window: { fromMs, untilMs } });
}

/** The first three bytes of a strictly canonical `u…` multibase value, or undefined. */
function proofTag(proofValue: unknown): readonly number[] | undefined {
  if (typeof proofValue !== 'string' || !proofValue.startsWith('u') || proofValue.length > MAX_CREDENTIAL_CHARS) return undefined;
  const bytes = fromBase64Url(proofValue.slice(1));
  return bytes === undefined || bytes.length < 3 ? undefined : [...bytes.subarray(0, 3)];
}

function sameBytes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The claim rules, shared by issuance (which throws on them) and verification (CREDENTIAL_INVALID).
 * Capability names and claim keys match NAME and are not VC v2 terms; values are strings (at most
 * MAX_TEXT characters), finite numbers (integers within ±2^53), booleans, objects of claims (at most
 * MAX_CLAIM_DEPTH deep), or non-empty lists of those without duplicates or nested lists. No null, no
 * empty list: they produce no signed statement. List order is not signed (JSON-LD lists are sets).
 */
export function checkCapabilities(value: unknown, pointer: string): Problem | undefined {
  if (!isRecord(value)) return problem('CREDENTIAL_INVALID', 'capabilities must be an object', pointer);
  for (const [name, claims] of Object.entries(value)) {
    const at = `${pointer}/${escapePointer(name)}`;
    if (!isPlainName(name)) return problem('CREDENTIAL_INVALID', `${JSON.stringify(name)} is not a valid capability name`, at);
    if (!isRecord(claims)) return problem('CREDENTIAL_INVALID', `the claims of capability ${name} must be an object`, at);
    const claimsProblem = checkClaimObject(claims, at, 1);
    if (claimsProblem) return claimsProblem;
  }
  return undefined;
}

function checkClaimObject(value: Record<string, unknown>, pointer: string, depth: number): Problem | undefined {
  if (depth > MAX_CLAIM_DEPTH) return problem('CREDENTIAL_INVALID', `claims nest deeper than ${MAX_CLAIM_DEPTH} objects`, pointer);
  for (const [key, claim] of Object.entries(value)) {
    const at = `${pointer}/${escapePointer(key)}`;
    if (!isPlainName(key)) return problem('CREDENTIAL_INVALID', `${JSON.stringify(key)} is not a valid claim name`, at);
    const claimProblem = checkClaimValue(claim, at, depth, true);
    if (claimProblem) return claimProblem;
  }
  return undefined;
}

function checkClaimValue(value: unknown, pointer: string, depth: number, listAllowed: boolean): Problem | undefined {
  const bad = (detail: string) => problem('CREDENTIAL_INVALID', detail, pointer);
  if (typeof value === 'string') return value.length <= MAX_TEXT ? undefined : bad(`a claim text is longer than ${MAX_TEXT} characters`);
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return bad('a claim number must be finite');
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? bad('a claim integer must lie within ±2^53') : undefined;
  }
  if (Array.isArray(value)) {
    if (!listAllowed) return bad('claims cannot hold lists of lists');
    if (value.length === 0) return bad('a claim list must not be empty (an empty list is not signed)');
    const seen = new Set<string>();
    for (const [i, item] of value.entries()) {
      const itemProblem = checkClaimValue(item, `${pointer}/${i}`, depth, false);
      if (itemProblem) return itemProblem;
      if (typeof item !== 'object') {
        const key = `${typeof item}:${String(item)}`;
        if (seen.has(key)) return bad('a claim list repeats a value (lists are signed as sets)');
        seen.add(key);
      }
    }
    return undefined;
  }
  if (isRecord(value)) return checkClaimObject(value, pointer, depth + 1);
  return bad('a claim must be text, a number, a boolean, an object or a list (null is not signed)');
}

/** Whether a credential can carry this capability name (see NAME; registry tokens with `:` cannot). */
export function isCapabilityName(name: string): boolean {
  return isPlainName(name);
}

function isPlainName(name: string): boolean {
  return NAME.test(name) && !RESERVED_NAMES.has(name);
}

/** Verify the derived proof with the stock verifier (issuer = controller of the key, assertionMethod). */
async function verifyBbsProof(vc: Record<string, unknown>, window: Window, options: DisclosureVerifyOptions): Promise<Problem[]> {
  const expected = options.presentationHeader;
  const suite = new DataIntegrityProof({
    cryptosuite: createVerifyCryptosuite(expected === undefined ? {} : { expectedPresentationHeader: Uint8Array.from(expected) }),
  });
  // The library also compares the validity dates with a clock; it gets an instant inside the
  // window so that forged dates fail as forged, and the real `now` is checked afterwards.
  const result = await verifyCredential({
    credential: structuredClone(vc),
    suite,
    documentLoader: options.documentLoader ?? createDisclosureDocumentLoader(),
    now: new Date(window.fromMs),
    maxClockSkew: 1,
  });
  if (result.verified) return [];
  const errors = collectErrors(result);
  const unresolvable = errors.find((e) => (e as { code?: unknown } | null)?.code === 'DID_UNRESOLVABLE');
  if (unresolvable !== undefined) return [problem('DID_UNRESOLVABLE', messageOf(unresolvable), '/proof/verificationMethod')];
  const first = errors.find((e) => e instanceof Error) ?? errors[0];
  const headerNote = expected === undefined ? '' : ' (or it was made for another presentation header)';
  return [problem('DISCLOSURE_INVALID', `the derived proof does not verify${headerNote}: ${first === undefined ? 'no proof matched' : messageOf(first)}`, '/proof')];
}


function isPointer(pointer: string): boolean {
  return pointer === '' || /^(\/([^~/]|~[01])*)+$/.test(pointer);
}

/** RFC 6901, own members only; undefined when the pointer selects nothing. */
function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return undefined;
      node = node[Number(segment)];
    } else if (isRecord(node)) {
      if (!Object.hasOwn(node, segment)) return undefined;
      node = node[segment];
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
