/**
 * The registry as issuer of bbs-2023 capability credentials (selective disclosure).
 *
 * An agent asks with a `CapabilityCredentialRequest` signed by its key; the registry answers a
 * base credential (issuer = its did:web, key `#bbs-1`) whose capabilities are exactly the ones the
 * operator granted (`CapabilityGrant`), never what the agent claims about itself. The agent keeps
 * it and derives, offline, a proof revealing only what a verifier asks for; any verifier checks
 * that proof against the `#bbs-1` key of the registry's DID document, and the registry's own
 * verify operation also checks the agent's standing at that moment.
 *
 * Pure like the rest of the core: the issuer key comes in already made (the app keeps the key
 * file), time from the Clock. The bbs-2023 libraries draw their own randomness (see
 * trust/disclosure/README.md).
 */
import { fail, failWith, ok, problem, type Problem, type Result } from '../errors.js';
import { canonicalAgentName } from '../name/index.js';
import type { Clock } from '../ports.js';
import { formatUtcSeconds, parseUtcSeconds } from '../record/agent-addr.js';
import { checkSchema, compileSchema } from '../record/schema-check.js';
import {
  checkCapabilityCredentialRequest,
  DEFAULT_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS,
  MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS,
  MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS,
  type CapabilityCredentialRequest,
} from '../record/capability-credential-request.js';
import { checkSignedRecord } from '../record/signed-envelope.js';
import type { SignedRecord } from '../record/types.js';
import { registryDidDocument, registryDisclosureKeyId, type DidDocument } from '../trust/credentials/registry-did.js';
import {
  capabilityPointer,
  isCapabilityName,
  issueCapabilityCredential,
  MANDATORY_POINTERS,
  verifyDisclosure,
  type CapabilityCredential,
  type DisclosureVerification,
} from '../trust/disclosure/capability-credential.js';
import { disclosureCheckOf, signDisclosureVerdict, type DisclosureCheck, type DisclosureVerdict } from '../trust/disclosure/disclosure-check.js';
import { createDisclosureDocumentLoader } from '../trust/disclosure/document-loader.js';
import { exportIssuerKeyPair, importIssuerKeyPair, type IssuerKeyPair } from '../trust/disclosure/issuer-keys.js';
import { createDisclosureKeyBinding, DISCLOSURE_KEY_BINDING_RENEW_MS, type DisclosureKeyBinding } from '../trust/disclosure/key-binding.js';
import type { SigningKey } from '../trust/ed25519.js';
import { activeAgentOf, notTheBoundKey, STATUS_CHANGE_WINDOW_MS, type Registry } from './registry.js';
import type { RegistryCredentials } from './registry-credentials.js';

export { disclosureCheckOf, type DisclosureCheck } from '../trust/disclosure/disclosure-check.js';
export * from '../record/capability-credential-request.js';

/**
 * Every derived proof of a registry credential reveals the agent name too. It costs no privacy (the
 * mandatory did:key already names the agent in the public registry), and it lets a verifier, the
 * registry's own verify operation first, look the agent up and refuse one revoked since issuance.
 */
export const REGISTRY_MANDATORY_POINTERS = [...MANDATORY_POINTERS, '/credentialSubject/name'] as const;

/** The envelope, the request, and the signature by the key the request names (whether that key owns the name comes later). */
const checkSignedRequest = (body: unknown) => checkSignedRecord(body, checkCapabilityCredentialRequest, (r) => r.agentId);

/** What POST /v1/disclosures/verify takes. */
export interface DisclosureCheckRequest {
  /** The derived credential the holder presented. */
  readonly credential: unknown;
  /** The capability the verifier needs. */
  readonly capability: string;
  /** The challenge the holder bound the proof to (its UTF-8 bytes are the presentation header), if any. */
  readonly challenge?: string;
}

const validateCheckRequest = compileSchema<DisclosureCheckRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['credential', 'capability'],
  properties: {
    credential: { type: 'object' },
    capability: { type: 'string', minLength: 1, maxLength: 64 },
    challenge: { type: 'string', minLength: 1, maxLength: 1024 },
  },
});

/**
 * What POST /v1/disclosures/verify answers: the check, and the same check in a verdict the
 * registry signed with its registry key (bound to the request and the time), which is what a
 * client that pinned the registry key believes.
 */
export interface SignedDisclosureCheck extends DisclosureCheck {
  readonly verdict: SignedRecord<DisclosureVerdict>;
}

export interface RegistryDisclosureOptions {
  /** The registry whose stored agents (state and grants) decide what is issued; only read. */
  readonly registry: Pick<Registry, 'state'>;
  readonly clock: Clock;
  /** Lifetime of an issued credential and the most a request may ask for; default 24 h. */
  readonly validitySeconds?: number;
}

/**
 * Issues and checks the registry's capability credentials. Like `Registry.useCredentials`, the
 * issuer is set once the registry knows its public URL (and so its did:web): before that, both
 * operations answer ROUTE_NOT_FOUND.
 */
export class RegistryDisclosure {
  readonly validitySeconds: number;
  private readonly registry: Pick<Registry, 'state'>;
  private readonly clock: Clock;
  private issuerKey: IssuerKeyPair | undefined;
  private didDocument: DidDocument | undefined;
  /** Signs the verdicts of `verify` and the key binding (the registry's countersigning key). */
  private registryKey: SigningKey | undefined;
  /** The DisclosureKeyBinding served now; re-signed by `keyBinding()` as it nears expiry. */
  private binding: SignedRecord<DisclosureKeyBinding> | undefined;
  /** Signatures of requests answered within the freshness window: a replay is refused, not answered twice. */
  private readonly answered = new Map<string, number>();

  constructor(options: RegistryDisclosureOptions) {
    const validity = options.validitySeconds ?? DEFAULT_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS;
    if (!Number.isInteger(validity) || validity < MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS || validity > MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS) {
      throw new RangeError(`the capability credential validity must be ${MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS}..${MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS} seconds`);
    }
    this.validitySeconds = validity;
    this.registry = options.registry;
    this.clock = options.clock;
  }

  /**
   * Issue under the registry's did:web: the BLS key (whatever its stored name) becomes
   * `<did:web>#bbs-1`, and the answer is the registry's credentials identity with that key embedded
   * in its DID document (give it to `Registry.useCredentials`, so /.well-known/did.json lists it)
   * and bound to the registry key by a signed DisclosureKeyBinding (served in GET /v1/registry):
   * without that binding a client could not tell the registry's `#bbs-1` from one a man in the
   * middle put into the document.
   */
  async useIssuer(credentials: RegistryCredentials, registryKey: SigningKey, blsKey: IssuerKeyPair): Promise<RegistryCredentials> {
    const didWeb = credentials.issuer.did;
    const renamed = await importIssuerKeyPair({ ...exportIssuerKeyPair(blsKey), controller: didWeb, id: registryDisclosureKeyId(didWeb) });
    if (!renamed.ok) throw new TypeError(`the disclosure key cannot be named under ${didWeb}: ${renamed.problems[0]?.detail}`);
    this.issuerKey = renamed.value;
    this.registryKey = registryKey;
    this.didDocument = registryDidDocument(didWeb, registryKey, { disclosureKey: renamed.value });
    this.binding = undefined;
    return { ...credentials, didDocument: this.didDocument, disclosureKeyBinding: this.keyBinding()! };
  }

  /**
   * The DisclosureKeyBinding to serve now (GET /v1/registry), once the issuer is set. A binding is
   * valid for 7 days; this signs a new one, with the Clock, whenever the current one has less than
   * half of that left (or the clock went back before its validFrom), so a registry that serves it
   * never needs a timer and clients always get one with days to run.
   */
  keyBinding(): SignedRecord<DisclosureKeyBinding> | undefined {
    const issuer = this.issuerKey;
    const registryKey = this.registryKey;
    if (issuer === undefined || registryKey === undefined) return undefined;
    const nowMs = this.clock.now();
    const current = this.binding;
    if (current !== undefined) {
      const fromMs = parseUtcSeconds(current.payload.validFrom);
      const untilMs = parseUtcSeconds(current.payload.validUntil);
      if (fromMs !== undefined && untilMs !== undefined && nowMs >= fromMs && untilMs - nowMs > DISCLOSURE_KEY_BINDING_RENEW_MS) return current;
    }
    this.binding = createDisclosureKeyBinding(issuer.controller, issuer, registryKey, nowMs);
    return this.binding;
  }

  /** The issuer key (`<did:web>#bbs-1`), once set. */
  get issuer(): IssuerKeyPair | undefined {
    return this.issuerKey;
  }

  /**
   * A base credential for a signed request; nothing is stored. Stages, cheapest first: the signed
   * request (shape, signature by the key it names), the name asked for, the agent's standing, the
   * key bound to the name, freshness and replay, validity, then the capabilities: all granted.
   */
  async issue(name: string, body: unknown): Promise<Result<CapabilityCredential>> {
    const issuer = this.issuerKey;
    if (issuer === undefined) return notIssuing();
    const canonical = canonicalAgentName(name);
    if (!canonical.ok) return canonical;
    const checked = checkSignedRequest(body);
    if (!checked.ok) return checked;
    const request = checked.value.payload;
    if (request.name !== canonical.value) {
      return fail('RECORD_NAME_MISMATCH', `the request is for ${request.name}, not ${canonical.value}`, '/payload/name');
    }
    const state = await this.registry.state(canonical.value);
    if (!state.ok) return state;
    const active = activeAgentOf(canonical.value, state.value, this.clock.now());
    if (!active.ok) return active;
    const agent = active.value;
    // A key rotated out gets KEY_ROTATED_OUT, like every other write it signs; any other key NAME_TAKEN.
    if (request.agentId !== agent.agentId) return notTheBoundKey(agent, request.agentId, '/payload/agentId');
    const nowMs = this.clock.now();
    // Check and reserve with no await in between: two concurrent copies of one signed request
    // must not both get past the replay check while the first is still being signed.
    const fresh = this.reserve(checked.value, nowMs);
    if (!fresh.ok) return fresh;
    let issued = false;
    try {
      const validitySeconds = request.validitySeconds ?? this.validitySeconds;
      if (validitySeconds > this.validitySeconds) {
        return fail('RECORD_VALIDITY_TOO_LONG', `this registry issues capability credentials for at most ${this.validitySeconds} seconds`, '/payload/validitySeconds');
      }
      const capabilities = credentialCapabilities(agent.name, agent.capabilityGrant?.payload.capabilities ?? [], request.capabilities);
      if (!capabilities.ok) return capabilities;

      // Whole seconds, so that the dates are exactly what the credential states.
      const fromMs = Math.floor(nowMs / 1000) * 1000;
      const credential = await issueCapabilityCredential({
        issuer: { did: issuer.controller, keyPair: issuer },
        subject: { id: agent.agentId, name: agent.name },
        capabilities: Object.fromEntries(capabilities.value.map((c) => [c, {}])),
        validFrom: formatUtcSeconds(fromMs),
        validUntil: formatUtcSeconds(fromMs + validitySeconds * 1000),
        mandatoryPointers: REGISTRY_MANDATORY_POINTERS,
      });
      issued = true;
      return ok(credential);
    } finally {
      // A request that got no credential (refused, or the signing threw) may be sent again.
      if (!issued) this.answered.delete(checked.value.sig);
    }
  }

  /**
   * Check a derived credential a holder presented: the bbs-2023 proof against the registry's own
   * `#bbs-1` key, the validity, the capability asked for, and then what only the registry knows
   * now: the agent is still active, still bound to the credential's did:key, and still granted the
   * capability. A malformed request is REQUEST_INVALID; everything else is a DisclosureCheck.
   */
  async verify(body: unknown): Promise<Result<SignedDisclosureCheck>> {
    const issuer = this.issuerKey;
    const didDocument = this.didDocument;
    const registryKey = this.registryKey;
    if (issuer === undefined || didDocument === undefined || registryKey === undefined) return notIssuing();
    const shapeProblem = checkSchema(validateCheckRequest, body, 'REQUEST_INVALID', '');
    if (shapeProblem) return failWith([shapeProblem]);
    const request = body as DisclosureCheckRequest;
    const nowMs = this.clock.now();
    const result = await verifyDisclosure(request.credential, {
      documentLoader: createDisclosureDocumentLoader({ didDocuments: (did) => (did === didDocument.id ? didDocument : undefined) }),
      now: nowMs,
      trustedIssuers: [issuer.controller],
      requiredCapability: request.capability,
      ...(request.challenge === undefined ? {} : { presentationHeader: new TextEncoder().encode(request.challenge) }),
    });
    const proofCheck = disclosureCheckOf(result);
    const standing = proofCheck.verified ? await this.checkStanding(result, request.capability) : [];
    const check = standing.length === 0 ? proofCheck : { ...proofCheck, verified: false, errors: standing };
    // The unsigned members are the check exactly as signed (fitted to the verdict's size limits).
    const verdict = signDisclosureVerdict(request, check, registryKey, nowMs);
    return ok({ ...verdict.payload.check, verdict });
  }

  /** The agent behind a verified proof is still active, bound to the same key, and granted the capability. */
  private async checkStanding(result: DisclosureVerification, capability: string): Promise<Problem[]> {
    const subject = result.subject;
    if (subject?.name === undefined) {
      return [problem('CREDENTIAL_INVALID', 'the disclosure does not reveal the agent name, so its standing cannot be checked', '/credentialSubject/name')];
    }
    const state = await this.registry.state(subject.name);
    const active = state.ok ? activeAgentOf(subject.name, state.value, this.clock.now()) : state;
    if (!active.ok) return [...active.problems];
    if (active.value.agentId !== subject.id) {
      return [problem('NAME_TAKEN', `${subject.name} is now bound to ${active.value.agentId}, not the credential's ${subject.id}`, '/credentialSubject/id')];
    }
    const granted = active.value.capabilityGrant?.payload.capabilities ?? [];
    if (!granted.includes(capability)) {
      return [problem('CAPABILITY_MISSING', `${subject.name} is no longer granted ${JSON.stringify(capability)} (granted now: ${granted.join(', ') || 'none'})`, capabilityPointer(capability))];
    }
    return [];
  }

  /**
   * Signed within the window around now, and not a request already answered or being answered (a
   * replay would hand out a second bearer credential); on success the request is reserved until
   * its window closes. Synchronous on purpose: the caller must not await between check and set.
   */
  private reserve(request: SignedRecord<CapabilityCredentialRequest>, nowMs: number): Result<true> {
    for (const [sig, until] of this.answered) if (until < nowMs) this.answered.delete(sig);
    const signedAt = parseUtcSeconds(request.payload.at)!;
    if (Math.abs(signedAt - nowMs) > STATUS_CHANGE_WINDOW_MS) {
      return fail('RECORD_EXPIRED', `the request was signed at ${request.payload.at}, more than 5 minutes from now`, '/payload/at');
    }
    if (this.answered.has(request.sig)) return fail('SEQUENCE_STALE', 'this signed request was already answered; sign a new one', '/sig');
    this.answered.set(request.sig, signedAt + STATUS_CHANGE_WINDOW_MS);
    return ok(true);
  }
}

/**
 * The capabilities a credential will carry: those asked for (all must be granted) or, by default,
 * every granted one a credential can name. A granted token with a `:` cannot be a credential
 * capability (JSON-LD would read it as an IRI), so it is left out by default and refused when asked for.
 */
export function credentialCapabilities(name: string, granted: readonly string[], asked: readonly string[] | undefined): Result<string[]> {
  const grantedText = granted.join(', ') || 'none';
  if (asked !== undefined) {
    const missing = asked.filter((c) => !granted.includes(c));
    if (missing.length > 0) return fail('CAPABILITY_MISSING', `not granted to ${name}: ${missing.join(', ')} (granted: ${grantedText})`, '/payload/capabilities');
    const unnamable = asked.filter((c) => !isCapabilityName(c));
    if (unnamable.length > 0) {
      return fail('REQUEST_INVALID', `a capability credential cannot carry ${unnamable.join(', ')} (a capability name with ":" would be read as an IRI)`, '/payload/capabilities');
    }
    return ok([...asked]);
  }
  const carried = granted.filter(isCapabilityName);
  if (carried.length === 0) {
    const why = granted.length === 0 ? 'the operator granted it no capability' : `none of its grants (${grantedText}) can be named in a credential`;
    return fail('CAPABILITY_MISSING', `no capability credential for ${name}: ${why}`);
  }
  return ok(carried);
}

function notIssuing(): Result<never> {
  return fail('ROUTE_NOT_FOUND', 'this registry issues no capability credentials (it has no disclosure key, or no public URL yet)');
}
