/**
 * Selective disclosure for SDK users: the holder asks the registry for its capability credential
 * and derives proofs from it; a verifier checks a derived proof against the issuer's DID document,
 * offline once it has that document. Nothing here throws on a refusal: every function answers a
 * Result or a `{verified, errors}` value with catalogue codes.
 */
import { fail, ok, problem, type Problem, type Result } from '../core/errors.js';
import type { CapabilityCredentialRequest } from '../core/registry/registry-disclosure.js';
import type { SignedRecord } from '../core/record/types.js';
import {
  capabilityPointer,
  deriveDisclosure,
  verifyDisclosure,
  type CapabilityCredential,
  type DerivedCapabilityCredential,
} from '../core/trust/disclosure/capability-credential.js';
import { checkDisclosureVerdict, disclosureCheckOf, type DisclosureCheck } from '../core/trust/disclosure/disclosure-check.js';
import { createDisclosureDocumentLoader } from '../core/trust/disclosure/document-loader.js';
import { boundRegistryDocument } from '../core/trust/disclosure/key-binding.js';
import { callRegistry, problemsOf, type RegistryCallOptions } from './registry-client.js';

export type { RegistryCallOptions } from './registry-client.js';

/** A DID document as the registry serves it at /.well-known/did.json (its BLS key is `#bbs-1` in assertionMethod). */
export interface IssuerDidDocument {
  readonly id: string;
  readonly [member: string]: unknown;
}

export interface CapabilityDisclosureOptions extends RegistryCallOptions {
  /** The capability the verifier needs; it must be revealed. */
  readonly capability: string;
  /** The issuer's DID document (e.g. from fetchIssuerDidDocument, kept): verification is then fully offline. */
  readonly issuerDidDocument?: IssuerDidDocument;
  /** Or the registry to fetch it from (`/.well-known/did.json`), on every call. */
  readonly registryUrl?: string;
  /**
   * With registryUrl: the registry did:key you pinned; the document must assert with that key and
   * its `#bbs-1` must be the key the registry signed with it. Without it the document fetched is
   * trusted on first use, as is (see fetchIssuerDidDocument).
   */
  readonly registryKey?: string;
  /** Issuer DIDs to accept; default the DID of the document. */
  readonly trustedIssuers?: readonly string[];
  /** The challenge the holder bound the proof to (a string is taken as its UTF-8 bytes). */
  readonly challenge?: string | Uint8Array;
  /** Milliseconds since the epoch; default the current time. */
  readonly now?: number;
}

/** The answer of a disclosure check; `revealed` and the rest are filled in once the proof verified (the core's DisclosureCheck). */
export type CapabilityDisclosureResult = DisclosureCheck;

/**
 * Verify a derived capability credential: its bbs-2023 proof against the issuer key the DID
 * document lists, the validity window, the issuer among `trustedIssuers`, and that it reveals
 * `capability`. It does not ask whether the agent was revoked since issuance (the credential has
 * no status entry; it is short-lived instead): POST /v1/disclosures/verify of the registry does.
 * Never throws.
 */
export async function verifyCapabilityDisclosure(derived: unknown, options: CapabilityDisclosureOptions): Promise<CapabilityDisclosureResult> {
  const refused = (errors: readonly Problem[]): CapabilityDisclosureResult => ({ verified: false, revealed: [], errors });
  try {
    let document = options.issuerDidDocument;
    if (document === undefined) {
      if (options.registryUrl === undefined) return refused([problem('REQUEST_INVALID', 'give the issuer DID document or the registry URL to fetch it from')]);
      const fetched = await fetchIssuerDidDocument(options.registryUrl, options);
      if (!fetched.ok) return refused(fetched.problems);
      document = fetched.value;
    }
    const issuerDocument = document;
    if (typeof issuerDocument?.id !== 'string') return refused([problem('DID_UNRESOLVABLE', 'the issuer DID document has no id')]);
    const challenge = options.challenge;
    const result = await verifyDisclosure(derived, {
      documentLoader: createDisclosureDocumentLoader({ didDocuments: (did) => (did === issuerDocument.id ? issuerDocument : undefined) }),
      now: options.now ?? Date.now(),
      trustedIssuers: options.trustedIssuers ?? [issuerDocument.id],
      requiredCapability: options.capability,
      ...(challenge === undefined ? {} : { presentationHeader: typeof challenge === 'string' ? new TextEncoder().encode(challenge) : challenge }),
    });
    return disclosureCheckOf(result);
  } catch (error) {
    return refused([problem('DISCLOSURE_INVALID', `verification failed: ${error instanceof Error ? error.message : String(error)}`)]);
  }
}

/**
 * The registry's DID document, fetched once to verify offline afterwards.
 *
 * With `registryKey` (the registry did:key you pinned, e.g. the one SignpostClient uses), the
 * document is believed only as far as that key vouches for it: it must assert with that key, and
 * its `#bbs-1` must be the BLS key named in the DisclosureKeyBinding the registry signs with it
 * (from GET /v1/registry), and that binding must be valid at `now` (default the current time; it
 * is valid for at most 7 days, with 5 minutes of clock skew allowed). So a man in the middle cannot
 * hand over a document with its own BLS key, nor, for long, an old binding of a replaced key.
 * The answer is the document rebuilt from the pinned key and the bound key only.
 *
 * Without `registryKey` nothing ties the document to a key you already trust: it is trusted on
 * first use, exactly as served, and a man in the middle on that first fetch could substitute his
 * own `#bbs-1`. Fetch it over HTTPS, or pin the registry key.
 */
export async function fetchIssuerDidDocument(
  registryUrl: string,
  options: RegistryCallOptions & { readonly registryKey?: string; readonly now?: number } = {},
): Promise<Result<IssuerDidDocument>> {
  const base = registryUrl.replace(/\/+$/, '');
  const url = `${base}/.well-known/did.json`;
  const answer = await callRegistry(url, 'GET', undefined, options);
  if (!answer.ok) return answer;
  const { status, body } = answer.value;
  const document = body as Partial<IssuerDidDocument> | undefined;
  if (status !== 200 || typeof document?.id !== 'string') {
    return status === 200 ? fail('DID_UNRESOLVABLE', `${url} is not a DID document (HTTP ${status})`) : { ok: false, problems: problemsOf(status, body) };
  }
  if (options.registryKey === undefined) return ok(document as IssuerDidDocument);
  const identity = await callRegistry(`${base}/v1/registry`, 'GET', undefined, options);
  if (!identity.ok) return identity;
  if (identity.value.status !== 200) return { ok: false, problems: problemsOf(identity.value.status, identity.value.body) };
  const binding = (identity.value.body as { disclosureKeyBinding?: unknown } | null)?.disclosureKeyBinding;
  const bound = boundRegistryDocument(document, options.registryKey, binding, options.now ?? Date.now());
  return bound.ok ? ok(bound.value as unknown as IssuerDidDocument) : bound;
}

/** Ask the registry for the agent's capability credential (POST /v1/agents/{name}/capability-credential). Keep the answer secret. */
export async function requestCapabilityCredential(
  registryUrl: string,
  request: SignedRecord<CapabilityCredentialRequest>,
  options: RegistryCallOptions = {},
): Promise<Result<CapabilityCredential>> {
  const url = `${registryUrl.replace(/\/+$/, '')}/v1/agents/${encodeURIComponent(request.payload.name)}/capability-credential`;
  const answer = await callRegistry(url, 'POST', request, options);
  if (!answer.ok) return answer;
  const { status, body } = answer.value;
  return status === 201 && typeof body === 'object' && body !== null ? ok(body as CapabilityCredential) : { ok: false, problems: problemsOf(status, body) };
}

/**
 * Ask the registry to check a derived credential, including the agent's standing now (POST
 * /v1/disclosures/verify).
 *
 * With `registryKey` (the registry did:key you pinned) the answer is the verdict the registry
 * signed with that key, for exactly this credential, capability and challenge, within 5 minutes of
 * `now`; an answer without such a verdict is refused (REGISTRY_BAD_RESPONSE, RECORD_SIGNATURE_INVALID,
 * RECORD_EXPIRED). Without `registryKey` the answer is believed as it comes: over plain HTTP, anyone
 * in the middle could answer `{verified: true}`.
 */
export async function checkDisclosureAtRegistry(
  registryUrl: string,
  input: { readonly credential: unknown; readonly capability: string; readonly challenge?: string },
  options: RegistryCallOptions & { readonly registryKey?: string; readonly now?: number } = {},
): Promise<Result<CapabilityDisclosureResult>> {
  const answer = await callRegistry(`${registryUrl.replace(/\/+$/, '')}/v1/disclosures/verify`, 'POST', input, options);
  if (!answer.ok) return answer;
  const { status, body } = answer.value;
  const result = body as (Partial<CapabilityDisclosureResult> & { verdict?: unknown }) | undefined;
  if (status !== 200 || typeof result?.verified !== 'boolean' || !Array.isArray(result.errors) || !Array.isArray(result.revealed)) {
    return { ok: false, problems: problemsOf(status, body) };
  }
  if (options.registryKey !== undefined) {
    return checkDisclosureVerdict(result.verdict, { ...input, registryKey: options.registryKey, nowMs: options.now ?? Date.now() });
  }
  const { verdict: _unsigned, ...unsigned } = result;
  return ok(unsigned as CapabilityDisclosureResult);
}

/** The holder's step, for one capability: a derived credential revealing it (and the mandatory fields) only. */
export function deriveCapabilityDisclosure(
  credential: CapabilityCredential,
  capability: string,
  options: { readonly challenge?: string | Uint8Array } = {},
): Promise<Result<DerivedCapabilityCredential>> {
  const challenge = options.challenge;
  return deriveDisclosure(credential, {
    selectivePointers: [capabilityPointer(capability)],
    ...(challenge === undefined ? {} : { presentationHeader: typeof challenge === 'string' ? new TextEncoder().encode(challenge) : challenge }),
  });
}

