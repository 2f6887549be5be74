/**
 * BLS12-381 G2 issuer keys for BBS signatures (the `bbs-2023` cryptosuite), as W3C Multikeys.
 *
 * An issuer is named by the did:key of its key (`did:key:zUC7…`) or by a DID it controls (a
 * did:web, whose DID document lists the key). Key generation takes its 32-byte seed from the
 * caller, like every key in the core. The secret key lives inside the key pair: `JSON.stringify`
 * of an `IssuerKeyPair` shows only public fields, and only `exportIssuerKeyPair` writes the secret.
 */
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import { fail, ok, type Result } from '../../errors.js';
import { DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT } from '../credentials/contexts.js';
import { fromBase58 } from '../encoding.js';

/** The BBS ciphersuite of bbs-2023 (draft-irtf-cfrg-bbs-signatures, SHA-256 variant). */
export const BBS_ALGORITHM = 'BBS-BLS12-381-SHA-256';

/** Multicodec bls12_381-g2-pub (0xeb) as an unsigned varint. */
const G2_PUB_MULTICODEC = Uint8Array.of(0xeb, 0x01);
/** A compressed G2 point. */
const G2_PUB_LENGTH = 96;
const SEED_LENGTH = 32;

/** A Data Integrity signer for BBS (the shape bbs-2023 needs): `multisign` signs a header and messages. */
export interface BbsSigner {
  /** The verification method id the proof names. */
  readonly id: string;
  readonly algorithm: string;
  /** The raw 96-byte G2 public key; bbs-2023 copies it into the base proof for the holder. */
  readonly publicKey: Uint8Array;
  sign(options: { data: Uint8Array }): Promise<Uint8Array>;
  multisign(options: { header: Uint8Array; messages: Uint8Array[] }): Promise<Uint8Array>;
}

/** An issuer's BLS12-381 G2 key pair. Only the public fields are enumerable; the secret stays inside. */
export interface IssuerKeyPair {
  /** The DID that controls the key and names the issuer: the key's own did:key, or a given DID (did:web…). */
  readonly controller: string;
  /** The verification method id proofs name, `controller#fragment`. */
  readonly keyId: string;
  /** `zUC7…`: multibase base58btc of multicodec bls12_381-g2-pub + the compressed 96-byte G2 point. */
  readonly publicKeyMultibase: string;
  /** A signer for this key; the secret key is held in its closure. */
  signer(): BbsSigner;
}

/** The public verification method, as it appears in the controller's DID document. */
export interface IssuerVerificationMethod {
  readonly id: string;
  readonly type: 'Multikey';
  readonly controller: string;
  readonly publicKeyMultibase: string;
}

/**
 * The key file: a Multikey document. Every field is public except `secretKeyMultibase`, which is
 * the secret key (store the file like a private JWK, mode 0600). Without `secretKeyMultibase` the
 * same document is the public verification method.
 */
export interface IssuerKeyFile extends IssuerVerificationMethod {
  readonly '@context': typeof MULTIKEY_V1_CONTEXT;
  /** SECRET. Multibase base58btc of multicodec bls12_381-g2-priv (0x130a) + the 32-byte secret scalar. */
  readonly secretKeyMultibase: string;
}

export interface IssuerKeyOptions {
  /** The DID naming the issuer; default the key's own did:key. A did:key given here must be this key's. */
  readonly controller?: string;
  /** The verification method id; default `controller#publicKeyMultibase`. Must be `controller#…`. */
  readonly keyId?: string;
}

/** Library key pairs by our wrapper, so that export can reach the secret without exposing it as a field. */
const libraryKeys = new WeakMap<IssuerKeyPair, Bls12381Multikey.Bls12381MultikeyKeyPair>();

/**
 * A new issuer key pair from 32 bytes of key material (from the caller's randomness port; the
 * same seed gives the same key, which tests use).
 */
export async function createIssuerKeyPair(options: IssuerKeyOptions & { readonly seed: Uint8Array }): Promise<IssuerKeyPair> {
  if (!(options.seed instanceof Uint8Array) || options.seed.length !== SEED_LENGTH) {
    throw new RangeError(`the key seed must be ${SEED_LENGTH} bytes`);
  }
  const generated = await Bls12381Multikey.generateBbsKeyPair({ algorithm: BBS_ALGORITHM, seed: options.seed });
  const names = namesFor(generated.publicKeyMultibase, options);
  if (typeof names === 'string') throw new TypeError(names);
  // Re-import with the names set, so that the signer carries the key id.
  const library = await Bls12381Multikey.from(
    multikeyDocument(names, generated.publicKeyMultibase, generated.secretKeyMultibase),
    { algorithm: BBS_ALGORITHM },
  );
  return wrap(library, names);
}

/** The key file form (contains the secret key in `secretKeyMultibase`). */
export function exportIssuerKeyPair(keyPair: IssuerKeyPair): IssuerKeyFile {
  const library = libraryKeys.get(keyPair);
  if (library === undefined || library.secretKeyMultibase === undefined) {
    throw new TypeError('not an issuer key pair made by createIssuerKeyPair or importIssuerKeyPair');
  }
  return {
    '@context': MULTIKEY_V1_CONTEXT,
    ...issuerVerificationMethod(keyPair),
    secretKeyMultibase: library.secretKeyMultibase,
  };
}

/**
 * Read a key file. KEY_FILE_INVALID unless it is a Multikey with a BLS12-381 G2 secret key whose
 * public key is the one the file states, and names that fit together (see IssuerKeyOptions).
 */
export async function importIssuerKeyPair(value: unknown): Promise<Result<IssuerKeyPair>> {
  const bad = (detail: string) => fail<IssuerKeyPair>('KEY_FILE_INVALID', `not a BLS12-381 issuer key file: ${detail}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('not a JSON object');
  const file = value as Record<string, unknown>;
  if (file.type !== 'Multikey') return bad('type must be "Multikey"');
  const { id, controller, publicKeyMultibase, secretKeyMultibase } = file;
  if (typeof id !== 'string' || typeof controller !== 'string') return bad('id and controller must be strings');
  if (typeof publicKeyMultibase !== 'string' || !isBls12381G2Multibase(publicKeyMultibase)) {
    return bad('publicKeyMultibase must be a BLS12-381 G2 public key (zUC7…)');
  }
  if (typeof secretKeyMultibase !== 'string' || !secretKeyMultibase.startsWith('z')) return bad('secretKeyMultibase is missing');
  const names = namesFor(publicKeyMultibase, { controller, keyId: id });
  if (typeof names === 'string') return bad(names);
  let library: Bls12381Multikey.Bls12381MultikeyKeyPair;
  try {
    // Import the secret alone: the library then computes the public key, which must be the stated one.
    library = await Bls12381Multikey.from(
      { '@context': MULTIKEY_V1_CONTEXT, type: 'Multikey', id: names.keyId, controller: names.controller, secretKeyMultibase },
      { algorithm: BBS_ALGORITHM },
    );
  } catch (error) {
    return bad(`the secret key does not decode (${(error as Error).message})`);
  }
  if (library.publicKeyMultibase !== publicKeyMultibase) return bad('the public key does not belong to the secret key');
  return ok(wrap(library, names));
}

/** The public verification method of the key (what a DID document lists, and what verifiers load). */
export function issuerVerificationMethod(keyPair: IssuerKeyPair): IssuerVerificationMethod {
  return { id: keyPair.keyId, type: 'Multikey', controller: keyPair.controller, publicKeyMultibase: keyPair.publicKeyMultibase };
}

/**
 * A DID document in which the key may issue credentials (`assertionMethod`): serve it for a did:web
 * controller, or hand it to `createDisclosureDocumentLoader({ didDocuments })`. For a did:key issuer
 * the loader computes the same document from the key itself.
 */
export function issuerDidDocument(keyPair: IssuerKeyPair): {
  readonly '@context': readonly string[];
  readonly id: string;
  readonly verificationMethod: readonly IssuerVerificationMethod[];
  readonly assertionMethod: readonly string[];
} {
  return {
    '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
    id: keyPair.controller,
    verificationMethod: [issuerVerificationMethod(keyPair)],
    assertionMethod: [keyPair.keyId],
  };
}

/** True for `z…` text decoding to multicodec bls12_381-g2-pub and 96 bytes (the point itself is checked when used). */
export function isBls12381G2Multibase(value: string): boolean {
  // 98 bytes are 134 or 135 base58 characters; refuse anything longer before decoding it.
  if (!value.startsWith('z') || value.length > 140) return false;
  const bytes = fromBase58(value.slice(1));
  return (
    bytes !== undefined &&
    bytes.length === G2_PUB_MULTICODEC.length + G2_PUB_LENGTH &&
    bytes[0] === G2_PUB_MULTICODEC[0] &&
    bytes[1] === G2_PUB_MULTICODEC[1]
  );
}

/** `did:key:zUC7…` of a BLS12-381 G2 public key. */
export function blsDidKey(publicKeyMultibase: string): string {
  if (!isBls12381G2Multibase(publicKeyMultibase)) throw new TypeError('not a BLS12-381 G2 public key multibase');
  return `did:key:${publicKeyMultibase}`;
}

export function isBlsDidKey(did: string): boolean {
  return did.startsWith('did:key:') && isBls12381G2Multibase(did.slice('did:key:'.length));
}

interface Names {
  readonly controller: string;
  readonly keyId: string;
}

/** The controller and key id for a key, or why they do not fit it. */
function namesFor(publicKeyMultibase: string, options: IssuerKeyOptions): Names | string {
  const ownDid = blsDidKey(publicKeyMultibase);
  const controller = options.controller ?? ownDid;
  if (!/^did:[a-z0-9]+:\S+$/.test(controller) || controller.includes('#')) return `the controller must be a DID without fragment, not ${controller}`;
  if (controller.startsWith('did:key:') && controller !== ownDid) return `the did:key controller ${controller} is not this key's did:key ${ownDid}`;
  const keyId = options.keyId ?? `${controller}#${publicKeyMultibase}`;
  if (!keyId.startsWith(`${controller}#`) || keyId.length === controller.length + 1 || /\s/.test(keyId)) {
    return `the key id must be ${controller}#<fragment>, not ${keyId}`;
  }
  if (controller === ownDid && keyId !== `${ownDid}#${publicKeyMultibase}`) return `a did:key names its key ${ownDid}#${publicKeyMultibase}`;
  return { controller, keyId };
}

function multikeyDocument(names: Names, publicKeyMultibase: string, secretKeyMultibase: string | undefined): object {
  return {
    '@context': MULTIKEY_V1_CONTEXT,
    type: 'Multikey',
    id: names.keyId,
    controller: names.controller,
    publicKeyMultibase,
    ...(secretKeyMultibase === undefined ? {} : { secretKeyMultibase }),
  };
}

function wrap(library: Bls12381Multikey.Bls12381MultikeyKeyPair, names: Names): IssuerKeyPair {
  const keyPair: IssuerKeyPair = Object.freeze({
    controller: names.controller,
    keyId: names.keyId,
    publicKeyMultibase: library.publicKeyMultibase,
    signer: () => library.signer(),
  });
  libraryKeys.set(keyPair, library);
  return keyPair;
}
