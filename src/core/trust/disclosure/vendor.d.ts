/**
 * Minimal typings for the BBS libraries this folder uses (they ship none). Only what we call is
 * declared. `@digitalbazaar/vc`, `@digitalbazaar/data-integrity` and the rest are typed in
 * ../credentials/vendor.d.ts; the block for `@digitalbazaar/vc` below only adds `derive`, which that
 * file does not declare (ambient module declarations merge, so nothing there is redeclared).
 */

declare module '@digitalbazaar/bls12-381-multikey' {
  export const ALGORITHMS: {
    readonly BBS_BLS12381_SHA256: 'BBS-BLS12-381-SHA-256';
    readonly BBS_BLS12381_SHAKE256: 'BBS-BLS12-381-SHAKE-256';
  };

  /** A Data Integrity signer for BBS: `multisign` signs a header and a list of messages. */
  export interface BbsSigner {
    readonly id: string;
    readonly algorithm: string;
    /** The raw 96-byte G2 public key (bbs-2023 copies it into the base proof). */
    readonly publicKey: Uint8Array;
    sign(options: { data: Uint8Array }): Promise<Uint8Array>;
    multisign(options: { header: Uint8Array; messages: Uint8Array[] }): Promise<Uint8Array>;
  }

  export interface Bls12381MultikeyKeyPair {
    id?: string;
    controller?: string;
    readonly algorithm: string;
    readonly publicKeyMultibase: string;
    readonly secretKeyMultibase?: string;
    export(options?: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean }): Promise<Record<string, unknown>>;
    signer(): BbsSigner;
  }

  export function generateBbsKeyPair(options: {
    id?: string;
    controller?: string;
    algorithm: string;
    seed?: Uint8Array;
  }): Promise<Bls12381MultikeyKeyPair>;

  /** Import a Multikey (public, or with `secretKeyMultibase`); without a public key it is computed from the secret. */
  export function from(multikey: object, options?: { algorithm: string }): Promise<Bls12381MultikeyKeyPair>;
}

declare module '@digitalbazaar/bbs-2023-cryptosuite' {
  /** The issuer's suite: a base proof whose statements under `mandatoryPointers` every derivation must reveal. */
  export function createSignCryptosuite(options?: { mandatoryPointers?: string[] }): object;
  /** The holder's suite: a derived proof revealing `selectivePointers` (plus the mandatory ones). */
  export function createDiscloseCryptosuite(options?: {
    proofId?: string;
    selectivePointers?: string[];
    presentationHeader?: Uint8Array;
  }): object;
  /** The verifier's suite; with `expectedPresentationHeader`, a proof made for another header fails. */
  export function createVerifyCryptosuite(options?: { expectedPresentationHeader?: Uint8Array }): object;
}

declare module '@digitalbazaar/vc' {
  /** Derive a new credential (here: a bbs-2023 disclosure proof) from one holding a base proof. */
  export function derive(options: {
    verifiableCredential: object;
    suite: object;
    documentLoader: (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  }): Promise<Record<string, unknown>>;
}
