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
 * Pure and never throwing, like the rest of the core.
 */
import { fail, failWith, ok, type Result } from '../../errors.js';
import { checkRecord, compileSchema } from '../../record/schema-check.js';
import { checkSignedRecord } from '../../record/signed-envelope.js';
import { signRecord } from '../../record/signing.js';
import type { SignedRecord } from '../../record/types.js';
import { pinnedRegistryDocument, registryDidDocument, REGISTRY_DISCLOSURE_KEY_FRAGMENT, registryDisclosureKeyId, type DidDocument } from '../credentials/registry-did.js';
import { publicKeyFromDidKey } from '../did-key.js';
import type { SigningKey } from '../ed25519.js';
import { isBls12381G2Multibase } from './issuer-keys.js';

export const DISCLOSURE_KEY_BINDING_TYPE = 'DisclosureKeyBinding';

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
}

const validateBinding = compileSchema<DisclosureKeyBinding>({
  $id: 'urn:signpost:schema:disclosure-key-binding:1',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'issuer', 'keyId', 'publicKeyMultibase'],
  properties: {
    type: { const: DISCLOSURE_KEY_BINDING_TYPE },
    v: { const: 1 },
    issuer: { type: 'string', pattern: '^did:web:', maxLength: 512 },
    keyId: { type: 'string', maxLength: 600 },
    publicKeyMultibase: { type: 'string', maxLength: 256 },
  },
});

/** The registry's binding record: its registry key signs the did:web `#bbs-1` key. */
export function createDisclosureKeyBinding(issuer: string, disclosureKey: { readonly publicKeyMultibase: string }, registryKey: SigningKey): SignedRecord<DisclosureKeyBinding> {
  return signRecord(
    { type: DISCLOSURE_KEY_BINDING_TYPE, v: 1, issuer, keyId: registryDisclosureKeyId(issuer), publicKeyMultibase: disclosureKey.publicKeyMultibase },
    registryKey,
  );
}

function checkBindingPayload(value: unknown, pointer: string): Result<DisclosureKeyBinding> {
  return checkRecord(validateBinding, value, pointer, 'RECORD_INVALID', (binding) => [
    binding.keyId === registryDisclosureKeyId(binding.issuer) ? undefined : { code: 'RECORD_INVALID', detail: `keyId must be ${registryDisclosureKeyId(binding.issuer)}`, pointer: `${pointer}/keyId` },
    isBls12381G2Multibase(binding.publicKeyMultibase)
      ? undefined
      : { code: 'RECORD_INVALID', detail: 'publicKeyMultibase is not a BLS12-381 G2 key', pointer: `${pointer}/publicKeyMultibase` },
  ]);
}

/** A binding record: closed shape, and signed by `registryKey` (the pinned registry did:key). */
export function checkDisclosureKeyBinding(value: unknown, registryKey: string, pointer = ''): Result<DisclosureKeyBinding> {
  const checked = checkSignedRecord(value, checkBindingPayload, () => registryKey, pointer);
  return checked.ok ? ok(checked.value.payload) : checked;
}

/**
 * The registry's DID document as an offline verifier of capability proofs may use it, from the
 * document served, the registry key the verifier pinned, and the binding record the registry
 * serves. The stages, in order, each refusing with ISSUER_UNTRUSTED unless noted:
 *
 * 1. the document is a did:web document (DID_UNRESOLVABLE) whose referenced assertion keys are all
 *    the pinned registry key (`pinnedRegistryDocument`);
 * 2. the binding record is there, well formed, and signed by the pinned registry key;
 * 3. it is about this document: `issuer` is the document's id and `keyId` its `#bbs-1`;
 * 4. the document embeds exactly one assertion method, `#bbs-1`, a Multikey controlled by the
 *    document's id, with the bound `publicKeyMultibase`.
 *
 * The answer is rebuilt from the pinned key and the bound key only, so nothing unverified reaches
 * the document loader. Never throws.
 */
export function boundRegistryDocument(document: unknown, registryKey: string, binding: unknown): Result<DidDocument> {
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
  if (bound.value.issuer !== did) return fail('ISSUER_UNTRUSTED', `the DisclosureKeyBinding is about ${bound.value.issuer}, not ${did}`, '/disclosureKeyBinding/payload/issuer');
  const embedded = ((document as { assertionMethod: unknown[] }).assertionMethod ?? []).filter((m) => typeof m !== 'string');
  const keyId = registryDisclosureKeyId(did);
  const [method, ...others] = embedded as Partial<Record<'id' | 'type' | 'controller' | 'publicKeyMultibase', unknown>>[];
  if (method === undefined || others.length > 0) {
    return fail('ISSUER_UNTRUSTED', `${did} must embed exactly one assertion method, ${keyId}; it embeds ${embedded.length}`, '/assertionMethod');
  }
  const id = method.id;
  const sameId = id === keyId || id === `#${REGISTRY_DISCLOSURE_KEY_FRAGMENT}`;
  if (!sameId || method.type !== 'Multikey' || (method.controller !== undefined && method.controller !== did) || method.publicKeyMultibase !== bound.value.publicKeyMultibase) {
    return fail('ISSUER_UNTRUSTED', `the ${keyId} of the document is not the key the registry bound to ${registryKey} (${bound.value.publicKeyMultibase})`, '/assertionMethod');
  }
  // pinnedRegistryDocument has checked that the pinned key is an Ed25519 did:key.
  return ok(registryDidDocument(did, { publicKey: publicKeyFromDidKey(registryKey)! }, { disclosureKey: { publicKeyMultibase: bound.value.publicKeyMultibase } }));
}
