/**
 * The binding of the registry's BLS12-381 disclosure key to its Ed25519 registry key.
 *
 * The registry embeds its bbs-2023 issuer key `#bbs-1` in the `assertionMethod` of its did:web
 * document. Nothing in that document ties the BLS key to the Ed25519 key clients pin: a man in the
 * middle (or a compromised web server in front of the registry) could hand out the genuine
 * `#key-1` next to a `#bbs-1` of its own, and every capability proof it forged would verify. So
 * the registry signs, with its registry key, a small record naming the BLS key
 * (`DisclosureKeyBinding`, served in `GET /v1/registry`), and a client believes a `#bbs-1` only
 * when that record verifies with the key it pinned and names exactly the same key.
 *
 * The record is short-lived (`validFrom`/`validUntil`, at most 7 days): if the BLS key ever has
 * to be replaced (it leaked), a man in the middle can replay the old binding with the old key only
 * until that binding expires, not until the registry key changes. The registry re-signs it lazily
 * as it serves it (RegistryDisclosure.keyBinding), and clients check it against their own clock.
 *
 * Pure and never throwing, like the rest of the core: the time comes in as `nowMs`.
 */
import { fail, failWith, ok, type Result } from '../../errors.js';
import { formatUtcSeconds, parseUtcSeconds } from '../../record/agent-addr.js';
import { checkRecord, compileSchema } from '../../record/schema-check.js';
import { checkSignedRecord } from '../../record/signed-envelope.js';
import { signRecord } from '../../record/signing.js';
import type { SignedRecord } from '../../record/types.js';
import { pinnedRegistryDocument, registryDidDocument, REGISTRY_DISCLOSURE_KEY_FRAGMENT, registryDisclosureKeyId, type DidDocument } from '../credentials/registry-did.js';
import { publicKeyFromDidKey } from '../did-key.js';
import type { SigningKey } from '../ed25519.js';
import { isBls12381G2Multibase } from './issuer-keys.js';

export const DISCLOSURE_KEY_BINDING_TYPE = 'DisclosureKeyBinding';
/** How long a binding the registry signs is valid, and the longest validity a client accepts. */
export const DISCLOSURE_KEY_BINDING_VALIDITY_MS = 7 * 24 * 3600_000;
/** The registry signs a new binding once the one it serves has less than this left (half its life). */
export const DISCLOSURE_KEY_BINDING_RENEW_MS = DISCLOSURE_KEY_BINDING_VALIDITY_MS / 2;
/** The clock skew a client allows at both ends of a binding's validity: the window of every other signed record. */
export const DISCLOSURE_KEY_BINDING_SKEW_MS = 5 * 60_000;
/**
 * The longest DID (the registry's did:web, from its public URL) a binding, a verdict or a check
 * carries. A did:web is the host plus the URL path; 2,048 characters is the usual practical URL
 * limit, far above any real registry's address.
 */
export const MAX_DID_LENGTH = 2048;

const UTC_SECONDS_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';

/** Signed by the registry key (the did:key that countersigns records): "my did:web's `#bbs-1` is this BLS key". */
export interface DisclosureKeyBinding {
  readonly type: typeof DISCLOSURE_KEY_BINDING_TYPE;
  readonly v: 1;
  /** The registry's did:web (the issuer of its capability credentials). */
  readonly issuer: string;
  /** `<issuer>#bbs-1`. */
  readonly keyId: string;
  /** The BLS12-381 G2 public key, `zUC7…`. */
  readonly publicKeyMultibase: string;
  /** When the registry signed it (UTC seconds); clients refuse it before this (less the skew). */
  readonly validFrom: string;
  /** Clients refuse it from this time on (plus the skew); at most 7 days after validFrom. */
  readonly validUntil: string;
}

const validateBinding = compileSchema<DisclosureKeyBinding>({
  $id: 'urn:signpost:schema:disclosure-key-binding:1',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'issuer', 'keyId', 'publicKeyMultibase', 'validFrom', 'validUntil'],
  properties: {
    type: { const: DISCLOSURE_KEY_BINDING_TYPE },
    v: { const: 1 },
    issuer: { type: 'string', pattern: '^did:web:', maxLength: MAX_DID_LENGTH },
    keyId: { type: 'string', maxLength: MAX_DID_LENGTH + 16 },
    publicKeyMultibase: { type: 'string', maxLength: 256 },
    validFrom: { type: 'string', pattern: UTC_SECONDS_PATTERN },
    validUntil: { type: 'string', pattern: UTC_SECONDS_PATTERN },
  },
});

/**
 * The registry's binding record: its registry key signs the did:web `#bbs-1` key, valid from
 * `nowMs` (whole seconds) for `validityMs` (default and at most 7 days).
 */
export function createDisclosureKeyBinding(
  issuer: string,
  disclosureKey: { readonly publicKeyMultibase: string },
  registryKey: SigningKey,
  nowMs: number,
  validityMs: number = DISCLOSURE_KEY_BINDING_VALIDITY_MS,
): SignedRecord<DisclosureKeyBinding> {
  if (!(validityMs >= 1000 && validityMs <= DISCLOSURE_KEY_BINDING_VALIDITY_MS)) throw new RangeError('a DisclosureKeyBinding is valid for 1 s … 7 days');
  const fromMs = Math.floor(nowMs / 1000) * 1000;
  return signRecord(
    {
      type: DISCLOSURE_KEY_BINDING_TYPE,
      v: 1,
      issuer,
      keyId: registryDisclosureKeyId(issuer),
      publicKeyMultibase: disclosureKey.publicKeyMultibase,
      validFrom: formatUtcSeconds(fromMs),
      validUntil: formatUtcSeconds(fromMs + Math.floor(validityMs / 1000) * 1000),
    },
    registryKey,
  );
}

function checkBindingPayload(value: unknown, pointer: string): Result<DisclosureKeyBinding> {
  return checkRecord(validateBinding, value, pointer, 'RECORD_INVALID', (binding) => {
    const fromMs = parseUtcSeconds(binding.validFrom);
    const untilMs = parseUtcSeconds(binding.validUntil);
    return [
      binding.keyId === registryDisclosureKeyId(binding.issuer) ? undefined : { code: 'RECORD_INVALID', detail: `keyId must be ${registryDisclosureKeyId(binding.issuer)}`, pointer: `${pointer}/keyId` },
      isBls12381G2Multibase(binding.publicKeyMultibase)
        ? undefined
        : { code: 'RECORD_INVALID', detail: 'publicKeyMultibase is not a BLS12-381 G2 key', pointer: `${pointer}/publicKeyMultibase` },
      fromMs !== undefined && untilMs !== undefined && untilMs > fromMs && untilMs - fromMs <= DISCLOSURE_KEY_BINDING_VALIDITY_MS
        ? undefined
        : { code: 'RECORD_INVALID', detail: 'validUntil must be a date after validFrom, at most 7 days after it', pointer: `${pointer}/validUntil` },
    ];
  });
}

/**
 * Whether a well-formed binding is valid at `nowMs`, allowing DISCLOSURE_KEY_BINDING_SKEW_MS of
 * clock skew at both ends: undefined when it is, else why not.
 */
export function disclosureKeyBindingTimeProblem(binding: Pick<DisclosureKeyBinding, 'validFrom' | 'validUntil'>, nowMs: number): string | undefined {
  const fromMs = parseUtcSeconds(binding.validFrom);
  const untilMs = parseUtcSeconds(binding.validUntil);
  if (fromMs === undefined || untilMs === undefined) return 'its validity is not a pair of UTC dates';
  if (!Number.isFinite(nowMs)) return 'the current time is unknown';
  if (nowMs < fromMs - DISCLOSURE_KEY_BINDING_SKEW_MS) return `it is not valid before ${binding.validFrom}`;
  if (nowMs >= untilMs + DISCLOSURE_KEY_BINDING_SKEW_MS) return `it expired at ${binding.validUntil}`;
  return undefined;
}

/** A binding record: closed shape, and signed by `registryKey` (the pinned registry did:key). */
export function checkDisclosureKeyBinding(value: unknown, registryKey: string, pointer = ''): Result<DisclosureKeyBinding> {
  const checked = checkSignedRecord(value, checkBindingPayload, () => registryKey, pointer);
  return checked.ok ? ok(checked.value.payload) : checked;
}

/**
 * The registry's DID document as an offline verifier of capability proofs may use it, from the
 * document served, the registry key the verifier pinned, the binding record the registry serves,
 * and the verifier's clock `nowMs`. The stages, in order, each refusing with ISSUER_UNTRUSTED
 * unless noted:
 *
 * 1. the document is a did:web document (DID_UNRESOLVABLE) whose referenced assertion keys are all
 *    the pinned registry key (`pinnedRegistryDocument`);
 * 2. the binding record is there, well formed, and signed by the pinned registry key;
 * 3. it is valid now: validFrom ≤ now < validUntil, with 5 minutes of clock skew at both ends;
 * 4. it is about this document: `issuer` is the document's id and `keyId` its `#bbs-1`;
 * 5. the document embeds exactly one assertion method (an object; strings are references, and any
 *    other entry is refused), `#bbs-1`, a Multikey with the bound `publicKeyMultibase` whose
 *    `controller` is the document's id or absent (read as the id of the document it is embedded in).
 *
 * The answer is rebuilt from the pinned key and the bound key only, so nothing unverified reaches
 * the document loader. Never throws, whatever the document and the binding hold.
 */
export function boundRegistryDocument(document: unknown, registryKey: string, binding: unknown, nowMs: number): Result<DidDocument> {
  try {
    return boundDocument(document, registryKey, binding, nowMs);
  } catch (error) {
    // Not reached by any input we know of; a refusal, never an exception, if one is found.
    return fail('ISSUER_UNTRUSTED', `the registry DID document cannot be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function boundDocument(document: unknown, registryKey: string, binding: unknown, nowMs: number): Result<DidDocument> {
  const pinned = pinnedRegistryDocument(document, registryKey);
  if (!pinned.ok) return pinned;
  const did = pinned.value.id;
  if (binding === undefined || binding === null) {
    return fail('ISSUER_UNTRUSTED', `the registry serves no DisclosureKeyBinding, so nothing binds the #bbs-1 key of ${did} to the pinned registry key ${registryKey}`);
  }
  const bound = checkDisclosureKeyBinding(binding, registryKey, '/disclosureKeyBinding');
  if (!bound.ok) {
    return failWith(bound.problems.map((p) => ({ ...p, code: 'ISSUER_UNTRUSTED' as const, detail: `the DisclosureKeyBinding is not signed by the pinned registry key ${registryKey}: ${p.detail}` })));
  }
  const stale = disclosureKeyBindingTimeProblem(bound.value, nowMs);
  if (stale !== undefined) {
    return fail('ISSUER_UNTRUSTED', `the DisclosureKeyBinding of ${did} is not valid now (${stale}); check this clock, or fetch it again from the registry`, '/disclosureKeyBinding/payload/validUntil');
  }
  if (bound.value.issuer !== did) return fail('ISSUER_UNTRUSTED', `the DisclosureKeyBinding is about ${bound.value.issuer}, not ${did}`, '/disclosureKeyBinding/payload/issuer');
  const assertionMethod = (document as { assertionMethod?: unknown }).assertionMethod;
  const entries: unknown[] = Array.isArray(assertionMethod) ? assertionMethod : [];
  const keyId = registryDisclosureKeyId(did);
  const notReferences = entries.filter((m) => typeof m !== 'string');
  // Only plain objects can be embedded methods; null, numbers, lists and the like are refused outright.
  if (notReferences.some((m) => typeof m !== 'object' || m === null || Array.isArray(m))) {
    return fail('ISSUER_UNTRUSTED', `the assertionMethod of ${did} holds an entry that is neither a reference nor a verification method`, '/assertionMethod');
  }
  const embedded = notReferences as Partial<Record<'id' | 'type' | 'controller' | 'publicKeyMultibase', unknown>>[];
  const [method, ...others] = embedded;
  if (method === undefined || others.length > 0) {
    return fail('ISSUER_UNTRUSTED', `${did} must embed exactly one assertion method, ${keyId}; it embeds ${embedded.length}`, '/assertionMethod');
  }
  const id = method.id;
  const sameId = id === keyId || id === `#${REGISTRY_DISCLOSURE_KEY_FRAGMENT}`;
  // The registry always writes the controller (DID Core 1.0 requires it). An absent one is read as
  // the document's id, the document the method is embedded in; the answer is rebuilt with it set.
  const controlledByDocument = method.controller === undefined || method.controller === did;
  if (!sameId || method.type !== 'Multikey' || !controlledByDocument || method.publicKeyMultibase !== bound.value.publicKeyMultibase) {
    return fail('ISSUER_UNTRUSTED', `the ${keyId} of the document is not the key the registry bound to ${registryKey} (${bound.value.publicKeyMultibase})`, '/assertionMethod');
  }
  // pinnedRegistryDocument has checked that the pinned key is an Ed25519 did:key.
  return ok(registryDidDocument(did, { publicKey: publicKeyFromDidKey(registryKey)! }, { disclosureKey: { publicKeyMultibase: bound.value.publicKeyMultibase } }));
}
