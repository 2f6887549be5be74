/**
 * Strict validation of a DID document fetched for a did:web (or read from a pinned file), and the
 * Ed25519 keys it authorises for a relationship. A DID document decides whose signatures count
 * for an organisation, so anything ambiguous is refused rather than guessed at:
 *
 * - `id` must be exactly the DID asked for (a server cannot answer for another DID);
 * - a document or method `controller` other than the DID itself is refused: Signpost does not
 *   follow controller chains, so a foreign controller would be a key the DID's owner never vouched for;
 * - Ed25519 keys are `Multikey` (`z6Mk…`) or `JsonWebKey` OKP/Ed25519; a malformed one of these
 *   types (bad encoding, wrong length, a private `d` published) spoils the whole document, and so
 *   does a small-order or non-canonical key (KEY_WEAK): anyone could sign as it;
 * - methods of other types (X25519 key agreement, P-256, …) are kept but never usable here;
 * - every relationship reference must name a method of this document (no dangling or foreign keys);
 * - at most 64 KiB of JSON.
 *
 * The answer is normalised: every method and reference id is absolute, every method has its
 * controller, so JSON-LD proof checkers (which compare ids as strings) need no base URL.
 */
import { fail, failWith, ok, type Result } from '../../errors.js';
import { parseStrictJson, parseStrictJsonBytes } from '../../json/strict-json.js';
import { decodeDidKey, didKeyFromPublicKey, publicKeyFromDidKey, weakKeyProblem } from '../did-key.js';
import { isAcceptableEd25519PublicKey } from '../ed25519-point.js';
import { fromBase64Url } from '../encoding.js';

/** The largest DID document accepted, in UTF-8 bytes. Real ones are a few KiB. */
export const DID_DOCUMENT_MAX_BYTES = 64 * 1024;
/** Verification methods per document (embedded ones included). */
export const DID_DOCUMENT_MAX_METHODS = 64;

export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1';

export const VERIFICATION_RELATIONSHIPS = ['authentication', 'assertionMethod', 'keyAgreement', 'capabilityInvocation', 'capabilityDelegation'] as const;
export type VerificationRelationship = (typeof VERIFICATION_RELATIONSHIPS)[number];

/** A validated, normalised DID document (the JSON as published, with absolute ids). */
export interface ResolvedDidDocument {
  readonly id: string;
  readonly '@context'?: string | readonly unknown[];
  readonly controller?: string | readonly string[];
  readonly alsoKnownAs?: readonly string[];
  readonly verificationMethod?: readonly Record<string, unknown>[];
  readonly assertionMethod?: readonly (string | Record<string, unknown>)[];
  readonly authentication?: readonly (string | Record<string, unknown>)[];
  readonly [member: string]: unknown;
}

/** One Ed25519 key a DID document authorises. */
export interface DidPublicKey {
  /** The absolute verification method id, e.g. `did:web:acme.com#key-1`. */
  readonly id: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The same key as a did:key, handy for comparing with record signers. */
  readonly didKey: string;
}

/** Parse and validate a document's bytes or text (size first, then JSON, then shape). */
export function parseDidDocument(did: string, body: string | Uint8Array): Result<ResolvedDidDocument> {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (size > DID_DOCUMENT_MAX_BYTES) return invalid(did, `it is ${size} bytes, more than the ${DID_DOCUMENT_MAX_BYTES} allowed`);
  // The strict reader: a document from someone else's server must not nest without end or say one member twice.
  const parsed = typeof body === 'string' ? parseStrictJson(body) : parseStrictJsonBytes(body);
  if (!parsed.ok) return invalid(did, `it is not usable JSON (${parsed.problems[0]!.code}: ${parsed.problems[0]!.detail})`, parsed.problems[0]!.pointer);
  return validateDidDocument(did, parsed.value);
}

/** Validate a parsed document for `did` and normalise its ids. */
export function validateDidDocument(did: string, value: unknown): Result<ResolvedDidDocument> {
  if (!isRecord(value)) return invalid(did, 'it is not a JSON object');
  if (value.id !== did) return invalid(did, `its id is ${JSON.stringify(value.id)}, not the DID asked for`, '/id');
  const context = value['@context'];
  if (context !== undefined) {
    const first = Array.isArray(context) ? context[0] : context;
    if (first !== DID_V1_CONTEXT) return invalid(did, `its @context must start with ${DID_V1_CONTEXT}`, '/@context');
  }
  const controllerProblem = checkController(did, value.controller, '/controller');
  if (controllerProblem) return controllerProblem;
  if (value.alsoKnownAs !== undefined && !(Array.isArray(value.alsoKnownAs) && value.alsoKnownAs.every((a) => typeof a === 'string'))) {
    return invalid(did, 'alsoKnownAs must be an array of strings', '/alsoKnownAs');
  }

  let normalised: Record<string, unknown>;
  try {
    // A private copy, frozen below: callers share one resolved document and must not be able to change it.
    normalised = structuredClone(value);
  } catch {
    return invalid(did, 'it is not plain JSON data');
  }
  const ids = new Set<string>();
  let methodCount = 0;
  const methods = normalised.verificationMethod;
  if (methods !== undefined) {
    if (!Array.isArray(methods)) return invalid(did, 'verificationMethod must be an array', '/verificationMethod');
    const out: Record<string, unknown>[] = [];
    for (const [i, method] of methods.entries()) {
      const checked = checkMethod(did, method, `/verificationMethod/${i}`, ids);
      if (!checked.ok) return checked;
      out.push(checked.value);
      methodCount += 1;
    }
    normalised.verificationMethod = out;
  }
  for (const relationship of VERIFICATION_RELATIONSHIPS) {
    const entries = normalised[relationship];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) return invalid(did, `${relationship} must be an array`, `/${relationship}`);
    const out: (string | Record<string, unknown>)[] = [];
    for (const [i, entry] of entries.entries()) {
      const pointer = `/${relationship}/${i}`;
      if (typeof entry === 'string') {
        const id = absoluteId(did, entry);
        // A reference to a key of another DID, or to no key at all, is refused: it cannot be checked here.
        if (id === undefined || !ids.has(id)) return invalid(did, `${relationship} names ${JSON.stringify(entry)}, which is no verification method of this document`, pointer);
        out.push(id);
      } else {
        const checked = checkMethod(did, entry, pointer, ids);
        if (!checked.ok) return checked;
        out.push(checked.value);
        methodCount += 1;
      }
    }
    normalised[relationship] = out;
  }
  if (methodCount > DID_DOCUMENT_MAX_METHODS) return invalid(did, `it has ${methodCount} verification methods, more than ${DID_DOCUMENT_MAX_METHODS}`);
  return ok(deepFreeze(normalised) as ResolvedDidDocument);
}

/**
 * The Ed25519 public keys `document` authorises for `relationship` (e.g. `assertionMethod` for
 * signed statements, `authentication` for proving control). Referenced and embedded methods both
 * count; methods of other types are skipped. Works on any DID document object (validated or not:
 * anything malformed is simply not a key), and never throws.
 */
export function ed25519KeysOf(document: unknown, relationship: VerificationRelationship): DidPublicKey[] {
  if (!isRecord(document) || typeof document.id !== 'string') return [];
  const did = document.id;
  const entries = document[relationship];
  if (!Array.isArray(entries)) return [];
  const methods = Array.isArray(document.verificationMethod) ? document.verificationMethod.filter(isRecord) : [];
  const keys: DidPublicKey[] = [];
  for (const entry of entries) {
    let method: Record<string, unknown> | undefined;
    if (typeof entry === 'string') {
      const id = absoluteId(did, entry);
      method = methods.find((m) => typeof m.id === 'string' && absoluteId(did, m.id) === id);
    } else if (isRecord(entry)) {
      method = entry;
    }
    if (method === undefined || typeof method.id !== 'string') continue;
    const id = absoluteId(did, method.id);
    const controller = method.controller ?? did;
    const key = ed25519KeyOfMethod(method);
    // A weak key never counts, even in a document that was not validated.
    if (id === undefined || controller !== did || !(key instanceof Uint8Array) || !isAcceptableEd25519PublicKey(key)) continue;
    if (!keys.some((k) => k.id === id)) keys.push({ id, publicKey: key, didKey: didKeyFromPublicKey(key) });
  }
  return keys;
}

/** The did:key document, computed from the key: one Multikey for every relationship but keyAgreement. */
export function didKeyDocument(did: string): ResolvedDidDocument | undefined {
  if (publicKeyFromDidKey(did) === undefined) return undefined;
  const fingerprint = did.slice('did:key:'.length);
  const keyId = `${did}#${fingerprint}`;
  return {
    '@context': [DID_V1_CONTEXT, 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id: keyId, type: 'Multikey', controller: did, publicKeyMultibase: fingerprint }],
    authentication: [keyId],
    assertionMethod: [keyId],
    capabilityInvocation: [keyId],
    capabilityDelegation: [keyId],
  };
}

/** `#frag` or `did#frag` → `did#frag`; anything else (another DID, no fragment) → undefined. */
function absoluteId(did: string, id: string): string | undefined {
  const fragment = id.startsWith('#') ? id.slice(1) : id.startsWith(`${did}#`) ? id.slice(did.length + 1) : undefined;
  if (fragment === undefined || !/^[A-Za-z0-9._~!$&'()*+,;=:@/?%-]{1,256}$/.test(fragment)) return undefined;
  return `${did}#${fragment}`;
}

function checkMethod(did: string, method: unknown, pointer: string, ids: Set<string>): Result<Record<string, unknown>> {
  if (!isRecord(method)) return invalid(did, 'a verification method must be an object', pointer);
  if (typeof method.id !== 'string') return invalid(did, 'a verification method needs an id', `${pointer}/id`);
  const id = absoluteId(did, method.id);
  if (id === undefined) return invalid(did, `verification method id ${JSON.stringify(method.id)} is not #fragment or ${did}#fragment`, `${pointer}/id`);
  if (ids.has(id)) return invalid(did, `verification method ${id} is listed twice`, `${pointer}/id`);
  if (typeof method.type !== 'string') return invalid(did, 'a verification method needs a type', `${pointer}/type`);
  if (method.controller !== did) {
    return invalid(did, `verification method ${id} is controlled by ${JSON.stringify(method.controller)}, not by ${did}`, `${pointer}/controller`);
  }
  const key = ed25519KeyOfMethod(method);
  if (typeof key === 'string') return invalid(did, `verification method ${id}: ${key}`, pointer);
  if (key !== undefined) {
    const keyPointer = method.type === 'Multikey' ? `${pointer}/publicKeyMultibase` : `${pointer}/publicKeyJwk/x`;
    const weak = weakKeyProblem(key, `the key of verification method ${id}`, keyPointer);
    if (weak !== undefined) return failWith([{ ...weak, detail: `the DID document of ${did} is refused: ${weak.detail}` }]);
  }
  ids.add(id);
  return ok({ ...method, id });
}

/**
 * The raw key of an Ed25519 method (weak or not: callers check); a string saying what is wrong with
 * a malformed Ed25519 one; undefined for another kind of key (which is not an error, only unusable here).
 */
export function ed25519KeyOfMethod(method: Record<string, unknown>): Uint8Array | string | undefined {
  if (method.type === 'Multikey') {
    const multibase = method.publicKeyMultibase;
    // Room for any real key (a BLS12-381 G2 key is ~135 characters); longer is junk.
    if (typeof multibase !== 'string' || !/^z[1-9A-HJ-NP-Za-km-z]{1,1023}$/.test(multibase)) return 'publicKeyMultibase must be a base58btc multibase string';
    if (method.publicKeyJwk !== undefined) return 'a Multikey carries publicKeyMultibase only';
    // Only Ed25519 (z6Mk…) is used here; other Multikeys (z6LS X25519, zDn P-256) are left alone.
    if (!multibase.startsWith('z6Mk')) return undefined;
    return decodeDidKey(`did:key:${multibase}`) ?? 'publicKeyMultibase is not a well-formed Ed25519 key';
  }
  if (method.type === 'JsonWebKey' || method.type === 'JsonWebKey2020') {
    const jwk = method.publicKeyJwk;
    if (!isRecord(jwk)) return 'publicKeyJwk must be an object';
    if (jwk.d !== undefined) return 'publicKeyJwk holds a private key (d); the key is compromised';
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return undefined;
    const x = typeof jwk.x === 'string' ? fromBase64Url(jwk.x) : undefined;
    return x?.length === 32 ? x : 'publicKeyJwk.x is not a base64url 32-byte Ed25519 key';
  }
  return undefined;
}

function checkController(did: string, controller: unknown, pointer: string): Result<never> | undefined {
  if (controller === undefined) return undefined;
  const list = Array.isArray(controller) ? controller : [controller];
  if (list.length > 0 && list.every((c) => c === did)) return undefined;
  return invalid(did, `controller ${JSON.stringify(controller)} is not the DID itself; controller chains are not followed`, pointer);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(did: string, why: string, pointer?: string): Result<never> {
  return fail('DID_DOCUMENT_INVALID', `the DID document of ${did} is refused: ${why}`, pointer);
}
