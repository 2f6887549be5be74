/**
 * Minimal typings for the Digital Bazaar libraries this folder uses (they ship none). Only what we
 * call is declared, with the shapes we rely on; everything else stays `unknown`.
 */

declare module '@digitalbazaar/vc' {
  export interface LibraryLoadedDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  export type LibraryDocumentLoader = (url: string) => Promise<LibraryLoadedDocument>;
  /** What jsonld-signatures reports: `error` is one error or a list; `results` holds one entry per proof. */
  export interface LibraryVerifyResult {
    verified: boolean;
    error?: unknown;
    results?: readonly { verified: boolean; error?: unknown }[];
  }
  export function issue(options: {
    credential: object;
    suite: object;
    documentLoader: LibraryDocumentLoader;
    now?: Date | string;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: object | object[];
    documentLoader: LibraryDocumentLoader;
    now?: Date | string;
    maxClockSkew?: number;
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>;
  }): Promise<LibraryVerifyResult>;
}

declare module '@digitalbazaar/data-integrity' {
  export interface DataIntegritySigner {
    readonly id: string;
    readonly algorithm: string;
    sign(options: { data: Uint8Array }): Promise<Uint8Array>;
  }
  export class DataIntegrityProof {
    constructor(options: { signer?: DataIntegritySigner; date?: Date | string | null; cryptosuite: object });
  }
}

declare module '@digitalbazaar/eddsa-jcs-2022-cryptosuite' {
  export function createSignCryptosuite(): object;
  export function createVerifyCryptosuite(): object;
}

declare module '@digitalbazaar/ed25519-multikey' {
  import type { DataIntegritySigner } from '@digitalbazaar/data-integrity';
  export interface Ed25519MultikeyKeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    signer(): DataIntegritySigner;
    verifier(): { readonly id?: string; readonly algorithm: string; verify(options: { data: Uint8Array; signature: Uint8Array }): Promise<boolean> };
    export(options?: { publicKey?: boolean; secretKey?: boolean; includeContext?: boolean; raw?: boolean }): Promise<Record<string, unknown>>;
  }
  export function from(key: object): Promise<Ed25519MultikeyKeyPair>;
  export function fromJwk(options: { jwk: object; secretKey?: boolean; id?: string; controller?: string }): Promise<Ed25519MultikeyKeyPair>;
}

declare module '@digitalbazaar/did-method-key' {
  export interface DidKeyDriver {
    use(options: { multibaseMultikeyHeader: string; fromMultibase: (key: { publicKeyMultibase: string }) => Promise<unknown> }): void;
    /** The DID document, or the verification method when `did` has a fragment. */
    get(options: { did: string }): Promise<Record<string, unknown>>;
  }
  export function driver(): DidKeyDriver;
}

declare module '@digitalbazaar/did-method-web' {
  export function httpsUrlToDidUrl(url: string): { did: string; fullUrl: string };
  export function didUrlToHttpsUrl(did: string): { baseUrl: string; fullUrl: string };
}

declare module '@digitalbazaar/vc-bitstring-status-list' {
  export interface LibraryStatusList {
    readonly length: number;
    setStatus(index: number, status: boolean): void;
    getStatus(index: number): boolean;
    encode(): Promise<string>;
  }
  export function createList(options: { length: number }): Promise<LibraryStatusList>;
  export function decodeList(options: { encodedList: string }): Promise<LibraryStatusList>;
  /** The stock status check (used by the interop test as an independent verifier). */
  export function checkStatus(options: {
    credential: object;
    suite: object;
    documentLoader: (url: string) => Promise<unknown>;
    verifyBitstringStatusListCredential?: boolean;
    verifyMatchingIssuers?: boolean;
  }): Promise<{ verified: boolean; error?: unknown; results?: unknown[] }>;
}

declare module '@digitalbazaar/security-document-loader' {
  export interface SecurityLoader {
    addStatic(url: string, document: object): void;
    build(): (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  }
  export function securityLoader(): SecurityLoader;
}

declare module '@digitalbazaar/credentials-context' {
  export const contexts: ReadonlyMap<string, object>;
}

declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: ReadonlyMap<string, object>;
}

declare module 'did-context' {
  export const contexts: ReadonlyMap<string, object>;
}
