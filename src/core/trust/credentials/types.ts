/** Shapes shared by the credential modules. `README.md` beside this file shows each with an example. */
import type { Problem } from '../../errors.js';

/**
 * The signer interface of @digitalbazaar/data-integrity, declared here so that our published types
 * do not depend on the library's (absent) typings.
 */
export interface DataIntegritySigner {
  /** The verification method id the proof will name. */
  readonly id: string;
  readonly algorithm: string;
  sign(options: { data: Uint8Array }): Promise<Uint8Array>;
}

/** Who signs a credential: its DID, the verification method the proof names, and a signer for that key. */
export interface CredentialIssuer {
  /** did:web of the registry, or the did:key / did:web of a third-party issuer. */
  readonly did: string;
  /** The verification method id, e.g. `did:web:registry.example#key-1`. */
  readonly keyId: string;
  readonly signer: DataIntegritySigner;
}

export type StatusPurpose = 'revocation' | 'suspension';

/** Where one credential's bit lives: a status list URL and an index allocated once, never reused. */
export interface StatusAllocation {
  readonly listUrl: string;
  readonly index: number;
}

/** Bitstring Status List v1.0 `credentialStatus` entry. */
export interface BitstringStatusListEntry {
  readonly id: string;
  readonly type: 'BitstringStatusListEntry';
  readonly statusPurpose: StatusPurpose;
  /** A decimal integer as a string, as the spec requires. */
  readonly statusListIndex: string;
  readonly statusListCredential: string;
}

/** A `DataIntegrityProof` with the `eddsa-jcs-2022` cryptosuite. */
export interface DataIntegrityProofValue {
  readonly type: 'DataIntegrityProof';
  readonly cryptosuite: 'eddsa-jcs-2022';
  readonly created?: string;
  readonly verificationMethod: string;
  readonly proofPurpose: 'assertionMethod';
  readonly '@context'?: readonly string[];
  /** base58btc multibase (`z…`) Ed25519 signature. */
  readonly proofValue: string;
}

/** A VC Data Model 2.0 credential with one Data Integrity proof. */
export interface VerifiableCredential<Subject extends object = Record<string, unknown>> {
  readonly '@context': readonly string[];
  readonly id?: string;
  readonly type: readonly string[];
  readonly issuer: string;
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly credentialSubject: Subject;
  readonly credentialStatus?: readonly BitstringStatusListEntry[];
  readonly proof: DataIntegrityProofValue;
}

/** `verify*` answers: never thrown, `errors` empty exactly when `verified`. */
export interface CredentialVerification {
  readonly verified: boolean;
  readonly errors: readonly Problem[];
}

/** Epoch milliseconds (what `Clock.now()` returns) or a Date. */
export type Instant = number | Date;
