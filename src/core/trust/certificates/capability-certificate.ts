/**
 * Capability certificates: short-lived X.509 certificates the registry's private CA issues to an
 * agent for a key the agent made (it sends a PKCS #10 CSR; the registry never sees the private
 * key). The certificate names the agent (one URI SAN, `agent://…`) and lists the capabilities the
 * registry attests for it in a custom extension, so a peer can decide during a mutual-TLS
 * handshake not only *who* is calling but *what it may ask for*.
 *
 * Pure: no sockets, no disk, no clock (`now` is a parameter), no ambient randomness (serial
 * numbers come from the caller's `randomBytes`). Certificates are built and read with the strict
 * DER code in `der.ts`; signatures are made with WebCrypto and checked with node:crypto (OpenSSL),
 * which verifies the exact signed bytes. Verification never throws: it returns `{verified, errors}`.
 *
 * Profile (see README.md): CA = ECDSA P-256 / ecdsa-with-SHA256, basicConstraints CA pathLen 0,
 * keyUsage keyCertSign+cRLSign. Leaf = key from the CSR (ECDSA P-256, P-384 or Ed25519), signed
 * ecdsa-with-SHA256 by the CA, validity 60 s .. 24 h, CN = the agent name (empty subject with a
 * critical SAN when the name is longer than 64 characters), SAN = URI:agent://…, EKU clientAuth +
 * serverAuth, keyUsage digitalSignature, and the capabilities extension (SIGNPOST_CAPABILITIES_OID).
 */

import { createHash, createPublicKey, verify as verifySignature, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { fail, failWith, ok, problem, type Problem, type Result } from '../../errors.js';
import { parseAgentName } from '../../name/index.js';
import { weakKeyProblem } from '../did-key.js';
import { ed25519SignatureWeakness } from '../ed25519-point.js';
import { fromBase64Url } from '../encoding.js';
import {
  bitString,
  booleanTrue,
  children,
  DerError,
  derToPem,
  explicit,
  expectTag,
  oid,
  oidToString,
  octetString,
  pemToDer,
  readBoolean,
  readExactlyOne,
  readOctetAlignedBitString,
  readTime,
  readUnsignedInteger,
  sameBytes,
  sequence,
  set,
  smallInteger,
  TAG,
  tlv,
  contextPrimitive,
  contextConstructed,
  time,
  unsignedInteger,
  utf8String,
  type DerNode,
} from './der.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// --- the profile -----------------------------------------------------------------------------

/** UUID 9a7b8c70-9225-4550-bd7b-bc21acedd781, generated once for Signpost (ITU-T X.667 / RFC 4122). */
export const SIGNPOST_CAPABILITIES_UUID = '9a7b8c70-9225-4550-bd7b-bc21acedd781';
/**
 * The capabilities extension: `2.25.<the UUID as one unsigned decimal integer>`.
 * Value: `SignpostCapabilities ::= SEQUENCE SIZE (0..64) OF UTF8String (SIZE (1..64))`, non-critical.
 */
export const SIGNPOST_CAPABILITIES_OID = '2.25.205342612320605410078883380187460654977';

export const MIN_CERTIFICATE_VALIDITY_MS = 60_000;
export const MAX_CERTIFICATE_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** notBefore is set this far before `now`, so a peer whose clock is a little behind accepts a fresh certificate. */
export const NOT_BEFORE_BACKDATE_MS = 60_000;
export const MAX_CAPABILITIES = 64;
export const CAPABILITY_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
export const MIN_CA_VALIDITY_DAYS = 1;
export const MAX_CA_VALIDITY_DAYS = 3650;
/** X.520 ub-common-name. */
const MAX_COMMON_NAME = 64;
/** Far above any certificate or CSR of this profile; larger input is refused unread. */
const MAX_INPUT_BYTES = 16 * 1024;
const SERIAL_BYTES = 16;

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Extensions this module understands; any other extension marked critical makes a certificate invalid (RFC 5280 4.2). */
const KNOWN_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.authorityKeyIdentifier,
  OID.extKeyUsage,
  SIGNPOST_CAPABILITIES_OID,
]);

const ECDSA_WITH_SHA256 = sequence(oid(OID.ecdsaWithSha256));
/** keyUsage bits (RFC 5280 4.2.1.3), numbered from the most significant bit of the first octet. */
const KEY_USAGE_DIGITAL_SIGNATURE = 0;
const KEY_USAGE_KEY_CERT_SIGN = 5;

/** Leaf key types accepted in CSRs; all three work as TLS 1.3 client and server keys with OpenSSL 3. */
const ACCEPTED_LEAF_KEYS = 'ECDSA P-256 (recommended), ECDSA P-384 or Ed25519';
/** CSR signature algorithm OID -> node:crypto digest (null: the algorithm hashes internally). */
const CSR_SIGNATURE_ALGORITHMS: ReadonlyMap<string, { digest: string | null; keyType: 'ec' | 'ed25519' }> = new Map([
  [OID.ecdsaWithSha256, { digest: 'sha256', keyType: 'ec' as const }],
  [OID.ecdsaWithSha384, { digest: 'sha384', keyType: 'ec' as const }],
  [OID.ecdsaWithSha512, { digest: 'sha512', keyType: 'ec' as const }],
  [OID.ed25519, { digest: null, keyType: 'ed25519' as const }],
]);

// --- public types ----------------------------------------------------------------------------

/** Cryptographically strong random bytes (the core's Random port, as a function). */
export type RandomBytes = (length: number) => Uint8Array;

export interface RegistryCa {
  readonly certificatePem: string;
  /** The CA's distinguished name as text (`CN=…`). */
  readonly subject: string;
  /** Lowercase hex of the serial number. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Lowercase hex SHA-256 of the DER certificate (what operators pin or compare out of band). */
  readonly fingerprintSha256: string;
}

export interface CreateRegistryCaInput {
  /** An ECDSA P-256 key pair (WebCrypto); the private half must allow `sign`. */
  readonly keys: CryptoKeyPair;
  /** The CA's common name, 1..64 characters, e.g. `Signpost registry CA (registry.example)`. */
  readonly subjectName: string;
  readonly now: Date;
  /** 1..3650 days. */
  readonly validityDays: number;
  readonly randomBytes: RandomBytes;
}

export interface IssueCapabilityCertificateInput {
  readonly ca: { readonly certificatePem: string; readonly privateKey: CryptoKey };
  /** PKCS #10 request, PEM (`CERTIFICATE REQUEST`) or DER; its subject and requested extensions are ignored. */
  readonly csrPem: string | Uint8Array;
  /** Any accepted name form; the certificate carries the canonical `agent://` spelling. */
  readonly agentName: string;
  /** Lowercase tokens `[a-z0-9][a-z0-9._:-]{0,63}`, at most 64; stored sorted, without duplicates. */
  readonly capabilities: readonly string[];
  /** 60 000 .. 86 400 000 ms. */
  readonly validityMs: number;
  readonly now: Date;
  readonly randomBytes: RandomBytes;
}

export interface IssuedCertificate {
  readonly certificatePem: string;
  /** Lowercase hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly agentName: string;
  readonly capabilities: readonly string[];
  readonly fingerprintSha256: string;
}

/** What a capability certificate says (not yet trusted: see verifyCapabilityCertificate). */
export interface CapabilityCertificateInfo {
  /** Canonical `agent://` name from the one URI SAN. */
  readonly agentName: string;
  readonly capabilities: readonly string[];
  /** Lowercase hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Issuer distinguished name as text (`CN=…`). */
  readonly issuer: string;
  /** Subject distinguished name as text; empty when the name was too long for a CN. */
  readonly subject: string;
  /** Lowercase hex SHA-256 of the DER certificate. */
  readonly fingerprintSha256: string;
}

export type RevocationStatus = 'revoked' | 'suspended' | null;

export interface VerifyCapabilityCertificateOptions {
  readonly caCertificatePem: string;
  readonly now: Date;
  /** Any accepted name form; compared canonically with the certificate's URI SAN. */
  readonly expectedName?: string;
  readonly requiredCapability?: string;
  /** The agent's current status (revocation list, registry state); called only for certificates the CA really issued. */
  readonly isRevoked?: (certificate: CapabilityCertificateInfo) => RevocationStatus | Promise<RevocationStatus>;
}

export interface CertificateVerification {
  readonly verified: boolean;
  readonly errors: readonly Problem[];
  /** Present whenever the certificate parsed and its signature chains to the CA, even if another check failed. */
  readonly certificate?: CapabilityCertificateInfo;
}

/** A certificate as PEM text, DER bytes, or a node:crypto X509Certificate (e.g. `socket.getPeerX509Certificate()`). */
export type CertificateInput = string | Uint8Array | X509Certificate;

// --- create the CA ---------------------------------------------------------------------------

/** A self-signed registry CA for the given ECDSA P-256 key pair. */
export async function createRegistryCa(input: CreateRegistryCaInput): Promise<Result<RegistryCa>> {
  const { keys, subjectName, now, validityDays } = input;
  const problems: Problem[] = [];
  if (!isEcdsaP256(keys?.privateKey, 'private') || !isEcdsaP256(keys?.publicKey, 'public')) {
    problems.push(problem('REQUEST_INVALID', 'the registry CA key must be an ECDSA P-256 WebCrypto key pair (the most widely accepted TLS CA key)', '/keys'));
  } else if (!keys.privateKey.usages.includes('sign')) {
    problems.push(problem('REQUEST_INVALID', "the registry CA private key must allow the 'sign' usage", '/keys/privateKey'));
  }
  if (typeof subjectName !== 'string' || subjectName.length < 1 || subjectName.length > MAX_COMMON_NAME || /[\u0000-\u001f\u007f]/.test(subjectName)) {
    problems.push(problem('REQUEST_INVALID', `the CA subject name must be 1..${MAX_COMMON_NAME} characters without control characters`, '/subjectName'));
  }
  if (!Number.isFinite(validityDays) || validityDays < MIN_CA_VALIDITY_DAYS || validityDays > MAX_CA_VALIDITY_DAYS) {
    problems.push(problem('REQUEST_INVALID', `the CA validity must be ${MIN_CA_VALIDITY_DAYS}..${MAX_CA_VALIDITY_DAYS} days, got ${String(validityDays)}`, '/validityDays'));
  }
  if (!isValidDate(now)) problems.push(problem('REQUEST_INVALID', 'now must be a valid Date in the years 1951..9000', '/now'));
  if (problems.length > 0) return failWith(problems);

  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const keyId = subjectKeyId(spki);
  const name = distinguishedName(subjectName);
  const notBefore = floorToSecond(now.getTime() - NOT_BEFORE_BACKDATE_MS);
  const notAfter = floorToSecond(now.getTime() + Math.round(validityDays * 86_400_000));
  const serial = serialFrom(input.randomBytes);
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    ECDSA_WITH_SHA256,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension(OID.basicConstraints, true, sequence(booleanTrue(), smallInteger(0))),
        extension(OID.keyUsage, true, keyUsageBits([KEY_USAGE_KEY_CERT_SIGN, KEY_USAGE_KEY_CERT_SIGN + 1])),
        extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
      ),
    ),
  );
  const der = await signCertificate(tbs, keys.privateKey);
  if (!der.ok) return der;
  const node = selfCheckParse(der.value);
  if (node === undefined) return fail('INTERNAL', 'the CA certificate just built does not parse; nothing was created');
  if (!node.verify(node.publicKey)) {
    return fail('REQUEST_INVALID', 'the CA public and private keys are not halves of one key pair', '/keys');
  }
  return ok({
    certificatePem: derToPem(der.value, 'CERTIFICATE'),
    subject: node.subject ?? '',
    serialNumber: toHex(serial),
    notBefore,
    notAfter,
    fingerprintSha256: sha256Hex(der.value),
  });
}

// --- issue -----------------------------------------------------------------------------------

/** Issue a capability certificate for the key in a CSR, after checking the CSR's self-signature. */
export async function issueCapabilityCertificate(input: IssueCapabilityCertificateInput): Promise<Result<IssuedCertificate>> {
  const { now, validityMs } = input;
  const problems: Problem[] = [];
  if (!isValidDate(now)) problems.push(problem('REQUEST_INVALID', 'now must be a valid Date in the years 1951..9000', '/now'));
  if (typeof validityMs !== 'number' || !Number.isFinite(validityMs) || validityMs < MIN_CERTIFICATE_VALIDITY_MS || validityMs > MAX_CERTIFICATE_VALIDITY_MS) {
    problems.push(
      problem(
        'REQUEST_INVALID',
        `a capability certificate lives ${MIN_CERTIFICATE_VALIDITY_MS / 1000} s to ${MAX_CERTIFICATE_VALIDITY_MS / 3_600_000} h; ${String(validityMs)} ms asked`,
        '/validityMs',
      ),
    );
  }
  const name = typeof input.agentName === 'string' ? parseAgentName(input.agentName) : fail<never>('NAME_MALFORMED', 'the agent name must be a string');
  if (!name.ok) problems.push(...name.problems.map((p) => problem(p.code, p.detail, '/agentName')));
  const capabilities = checkCapabilities(input.capabilities);
  if (!capabilities.ok) problems.push(...capabilities.problems);
  if (problems.length > 0 || !name.ok || !capabilities.ok) return failWith(problems);

  const ca = parseCa(input.ca.certificatePem);
  if (!ca.ok) return ca;
  if (now.getTime() < ca.value.parsed.notBefore.getTime() || now.getTime() > ca.value.parsed.notAfter.getTime()) {
    return fail('CERT_EXPIRED', `the registry CA certificate is valid ${ca.value.parsed.notBefore.toISOString()} .. ${ca.value.parsed.notAfter.toISOString()}, not at ${now.toISOString()}; rotate the CA`);
  }
  const csr = await checkCsr(input.csrPem);
  if (!csr.ok) return csr;

  const agentName = name.value.canonical;
  const notBefore = floorToSecond(now.getTime() - NOT_BEFORE_BACKDATE_MS);
  // A certificate never outlives its CA: OpenSSL would refuse the CA first anyway.
  const notAfter = floorToSecond(Math.min(now.getTime() + validityMs, ca.value.parsed.notAfter.getTime()));
  // Only the CA's own end can cut a certificate short (flooring to whole seconds alone must not refuse validityMs = 60 s).
  if (ca.value.parsed.notAfter.getTime() - now.getTime() < MIN_CERTIFICATE_VALIDITY_MS) {
    return fail('CERT_EXPIRED', `the registry CA expires at ${ca.value.parsed.notAfter.toISOString()}, too soon to issue a certificate; rotate the CA`);
  }
  const serial = serialFrom(input.randomBytes);
  const subjectFitsCn = agentName.length <= MAX_COMMON_NAME;
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    ECDSA_WITH_SHA256,
    ca.value.parsed.subjectRaw,
    sequence(time(notBefore), time(notAfter)),
    subjectFitsCn ? distinguishedName(agentName) : sequence(),
    csr.value.spki,
    explicit(
      3,
      sequence(
        extension(OID.basicConstraints, true, sequence()),
        extension(OID.keyUsage, true, keyUsageBits([KEY_USAGE_DIGITAL_SIGNATURE])),
        extension(OID.extKeyUsage, false, sequence(oid(OID.clientAuth), oid(OID.serverAuth))),
        // RFC 5280 4.2.1.6: with an empty subject the SAN must be critical.
        extension(OID.subjectAltName, !subjectFitsCn, sequence(tlv(contextPrimitive(6), new TextEncoder().encode(agentName)))),
        extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyId(csr.value.spki))),
        ...(ca.value.parsed.keyId === undefined
          ? []
          : [extension(OID.authorityKeyIdentifier, false, sequence(tlv(contextPrimitive(0), ca.value.parsed.keyId)))]),
        extension(SIGNPOST_CAPABILITIES_OID, false, encodeCapabilities(capabilities.value)),
      ),
    ),
  );
  const der = await signCertificate(tbs, input.ca.privateKey);
  if (!der.ok) return der;
  // Self-check: a CA key that does not match the CA certificate would hand out certificates nobody accepts.
  const issued = selfCheckParse(der.value);
  if (issued === undefined || readLeaf(der.value).ok === false) return fail('INTERNAL', 'the certificate just built does not read back; nothing was issued');
  if (!issued.verify(ca.value.node.publicKey)) {
    return fail('INTERNAL', 'the CA private key does not match the CA certificate; nothing was issued');
  }
  return ok({
    certificatePem: derToPem(der.value, 'CERTIFICATE'),
    serialNumber: toHex(serial),
    notBefore,
    notAfter,
    agentName,
    capabilities: capabilities.value,
    fingerprintSha256: sha256Hex(der.value),
  });
}

function checkCapabilities(value: unknown): Result<string[]> {
  if (!Array.isArray(value)) return fail('REQUEST_INVALID', 'capabilities must be an array of strings', '/capabilities');
  if (value.length > MAX_CAPABILITIES) {
    return fail('REQUEST_INVALID', `a certificate carries at most ${MAX_CAPABILITIES} capabilities; ${value.length} given`, '/capabilities');
  }
  const problems: Problem[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string' || !CAPABILITY_PATTERN.test(item)) {
      problems.push(
        problem('REQUEST_INVALID', `capability ${JSON.stringify(item)} is not a lowercase token [a-z0-9][a-z0-9._:-]{0,63}`, `/capabilities/${index}`),
      );
    }
  });
  if (problems.length > 0) return failWith(problems);
  return ok([...new Set(value as string[])].sort());
}

/** `SEQUENCE OF UTF8String`, each capability once, sorted. */
export function encodeCapabilities(capabilities: readonly string[]): Uint8Array {
  return sequence(...capabilities.map((capability) => utf8String(capability)));
}

/** Strict inverse of encodeCapabilities; throws DerError (callers report CERT_INVALID). */
export function decodeCapabilities(value: Uint8Array): string[] {
  const list = readExactlyOne(value, TAG.SEQUENCE);
  const items = children(list);
  if (items.length > MAX_CAPABILITIES) throw new DerError(`the capabilities extension lists ${items.length} entries; at most ${MAX_CAPABILITIES} are allowed`);
  return items.map((item, index) => {
    expectTag(item, TAG.UTF8_STRING, `capability ${index}`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(item.content);
    } catch {
      throw new DerError(`capability ${index} is not valid UTF-8`);
    }
    if (!CAPABILITY_PATTERN.test(text)) throw new DerError(`capability ${index} (${JSON.stringify(text)}) is not a lowercase token`);
    return text;
  });
}

// --- CSRs ------------------------------------------------------------------------------------

interface CheckedCsr {
  /** SubjectPublicKeyInfo, exactly as the requester signed it. */
  readonly spki: Uint8Array;
  readonly key: KeyObject;
}

/** Parse a PKCS #10 request and verify its self-signature; only the public key is taken from it. */
async function checkCsr(input: string | Uint8Array): Promise<Result<CheckedCsr>> {
  let der: Uint8Array;
  if (typeof input === 'string') {
    const decoded = input.length > MAX_INPUT_BYTES * 2 ? undefined : pemToDer(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
    if (decoded === undefined) return fail('CSR_INVALID', 'the CSR is not one PEM block labelled CERTIFICATE REQUEST with base64 DER inside', '/csr');
    der = decoded.der;
  } else if (input instanceof Uint8Array) {
    der = input;
  } else {
    return fail('CSR_INVALID', 'the CSR must be PEM text or DER bytes', '/csr');
  }
  if (der.length > MAX_INPUT_BYTES) return fail('CSR_INVALID', `the CSR is ${der.length} bytes; at most ${MAX_INPUT_BYTES} are accepted`, '/csr');
  let info: DerNode;
  let spki: DerNode;
  let algorithm: { readonly id: string; readonly hasParameters: boolean };
  let signature: Uint8Array;
  try {
    const [infoNode, algorithmNode, signatureNode, ...extra] = children(readExactlyOne(der, TAG.SEQUENCE));
    if (extra.length > 0) throw new DerError('the CSR has more than three top-level fields');
    info = expectTag(infoNode, TAG.SEQUENCE, 'certificationRequestInfo');
    const [version, subject, spkiNode, attributes, ...rest] = children(info);
    if (readUnsignedInteger(expectTag(version, TAG.INTEGER, 'the CSR version'), 'the CSR version').join(',') !== '0') {
      throw new DerError('the CSR version is not v1 (0)');
    }
    expectTag(subject, TAG.SEQUENCE, 'the CSR subject');
    spki = expectTag(spkiNode, TAG.SEQUENCE, 'the CSR subjectPublicKeyInfo');
    expectTag(attributes, contextConstructed(0), 'the CSR attributes');
    if (rest.length > 0) throw new DerError('certificationRequestInfo has unexpected trailing fields');
    algorithm = readAlgorithmOid(expectTag(algorithmNode, TAG.SEQUENCE, 'the CSR signature algorithm'));
    signature = readOctetAlignedBitString(expectTag(signatureNode, TAG.BIT_STRING, 'the CSR signature'), 'the CSR signature');
  } catch (error) {
    return fail('CSR_INVALID', `the CSR is not a well-formed PKCS #10 request: ${describe(error)}`, '/csr');
  }
  const scheme = CSR_SIGNATURE_ALGORITHMS.get(algorithm.id);
  if (scheme === undefined) {
    const family = algorithm.id.startsWith('1.2.840.113549.1.1.') ? ' (RSA)' : '';
    return fail(
      'CSR_INVALID',
      `the CSR is signed with algorithm ${algorithm.id}${family}; capability certificates accept ${ACCEPTED_LEAF_KEYS} keys, signed with ecdsa-with-SHA256/384/512 or Ed25519`,
      '/csr',
    );
  }
  // ECDSA and EdDSA AlgorithmIdentifiers have no parameters (RFC 5758 3.2, RFC 8410 3).
  if (algorithm.hasParameters) return fail('CSR_INVALID', `the CSR signature algorithm ${algorithm.id} carries parameters; it takes none`, '/csr');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' });
  } catch (error) {
    return fail('CSR_INVALID', `the CSR public key does not parse: ${describe(error)}`, '/csr');
  }
  const keyType = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const accepted = (keyType === 'ec' && (curve === 'prime256v1' || curve === 'secp384r1')) || keyType === 'ed25519';
  if (!accepted) {
    return fail(
      'CSR_INVALID',
      `the CSR key is ${keyType ?? 'unknown'}${curve === undefined ? '' : ` ${curve}`}; capability certificates accept ${ACCEPTED_LEAF_KEYS} keys`,
      '/csr',
    );
  }
  if (scheme.keyType !== keyType) return fail('CSR_INVALID', `the CSR signature algorithm ${algorithm} does not fit its ${keyType} key`, '/csr');
  const weak = weakEd25519KeyProblem(key, 'the CSR public key', '/csr');
  if (weak !== undefined) return failWith([weak]);
  const weakSignature = keyType === 'ed25519' ? ed25519SignatureWeakness(signature) : undefined;
  if (weakSignature !== undefined) return fail('CSR_INVALID', `the CSR's self-signature is not canonical, so it does not verify: ${weakSignature}`, '/csr');
  let valid: boolean;
  try {
    valid = verifySignature(scheme.digest, info.raw, key, signature);
  } catch {
    valid = false;
  }
  if (!valid) return fail('CSR_INVALID', "the CSR's self-signature does not verify with the key it carries (the requester must hold the private key)", '/csr');
  return ok({ spki: new Uint8Array(spki.raw), key });
}

/** KEY_WEAK when `key` is an Ed25519 key that is a small-order or non-canonical point (docs/spec.md section 2). */
function weakEd25519KeyProblem(key: KeyObject | undefined, what: string, pointer?: string): Problem | undefined {
  if (key?.asymmetricKeyType !== 'ed25519') return undefined;
  const raw = fromBase64Url(String(key.export({ format: 'jwk' }).x));
  return raw === undefined ? problem('KEY_WEAK', `${what} cannot be read as 32 bytes`, pointer) : weakKeyProblem(raw, what, pointer);
}

/** The certificate's public key; undefined when OpenSSL cannot read it (the signature check then refuses it). */
function certificateKeyOf(node: X509Certificate): KeyObject | undefined {
  try {
    return node.publicKey;
  } catch {
    return undefined;
  }
}

function readAlgorithmOid(node: DerNode): { id: string; hasParameters: boolean } {
  const [id, params, ...rest] = children(node);
  if (rest.length > 0) throw new DerError('the signature AlgorithmIdentifier has more than two fields');
  return { id: oidToString(expectTag(id, TAG.OID, 'the signature algorithm identifier').content), hasParameters: params !== undefined };
}

// --- reading certificates ----------------------------------------------------------------------

interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly serial: Uint8Array;
  readonly subjectRaw: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  readonly keyUsage: ReadonlySet<number> | undefined;
  readonly keyId: Uint8Array | undefined;
  readonly uris: readonly string[];
  readonly capabilities: readonly string[] | undefined;
}

/** Parse the structure of a certificate strictly (throws DerError). */
function parseCertificate(der: Uint8Array): ParsedCertificate {
  const [tbs, outerAlgorithm, signatureValue, ...extra] = children(readExactlyOne(der, TAG.SEQUENCE));
  if (extra.length > 0) throw new DerError('the certificate has more than three top-level fields');
  expectTag(tbs, TAG.SEQUENCE, 'tbsCertificate');
  expectTag(outerAlgorithm, TAG.SEQUENCE, 'signatureAlgorithm');
  readOctetAlignedBitString(expectTag(signatureValue, TAG.BIT_STRING, 'signatureValue'), 'signatureValue');
  const fields = children(tbs as DerNode);
  let index = 0;
  const next = (): DerNode | undefined => fields[index++];
  const version = expectTag(next(), contextConstructed(0), 'the version (only v3 certificates are accepted)');
  const [versionNumber, ...versionExtra] = children(version);
  if (versionExtra.length > 0 || toHex(readUnsignedInteger(expectTag(versionNumber, TAG.INTEGER, 'the version'), 'the version')) !== '02') {
    throw new DerError('the certificate is not X.509 v3');
  }
  const serial = readUnsignedInteger(expectTag(next(), TAG.INTEGER, 'the serial number'), 'the serial number');
  if (serial.length > 20) throw new DerError('the serial number is longer than 20 octets (RFC 5280 4.1.2.2)');
  const innerAlgorithm = expectTag(next(), TAG.SEQUENCE, 'the TBS signature algorithm');
  if (!sameBytes(innerAlgorithm.raw, (outerAlgorithm as DerNode).raw)) throw new DerError('the signed and the outer signature algorithms differ');
  expectTag(next(), TAG.SEQUENCE, 'the issuer');
  const validity = children(expectTag(next(), TAG.SEQUENCE, 'the validity'));
  if (validity.length !== 2) throw new DerError('the validity must hold exactly notBefore and notAfter');
  const notBefore = readTime(validity[0] as DerNode, 'notBefore');
  const notAfter = readTime(validity[1] as DerNode, 'notAfter');
  const subject = expectTag(next(), TAG.SEQUENCE, 'the subject');
  expectTag(next(), TAG.SEQUENCE, 'subjectPublicKeyInfo');
  let field = next();
  if (field?.tag === contextPrimitive(1) || field?.tag === contextConstructed(1)) field = next();
  if (field?.tag === contextPrimitive(2) || field?.tag === contextConstructed(2)) field = next();
  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  if (field !== undefined) {
    expectTag(field, contextConstructed(3), 'the extensions');
    const [list, ...listExtra] = children(field);
    if (listExtra.length > 0) throw new DerError('the extensions field holds more than one list');
    for (const ext of children(expectTag(list, TAG.SEQUENCE, 'the extension list'))) {
      const parts = children(expectTag(ext, TAG.SEQUENCE, 'an extension'));
      const id = oidToString(expectTag(parts[0], TAG.OID, 'an extension id').content);
      let critical = false;
      let valueNode = parts[1];
      if (valueNode?.tag === TAG.BOOLEAN) {
        critical = readBoolean(valueNode, `the critical flag of ${id}`);
        if (!critical) throw new DerError(`extension ${id} encodes the default critical=FALSE (not DER)`);
        valueNode = parts[2];
        if (parts.length !== 3) throw new DerError(`extension ${id} has ${parts.length} fields`);
      } else if (parts.length !== 2) {
        throw new DerError(`extension ${id} has ${parts.length} fields`);
      }
      const value = expectTag(valueNode, TAG.OCTET_STRING, `the value of extension ${id}`).content;
      if (extensions.has(id)) throw new DerError(`extension ${id} appears twice (RFC 5280 4.2)`);
      if (critical && !KNOWN_EXTENSIONS.has(id)) throw new DerError(`extension ${id} is critical and not understood (RFC 5280 4.2)`);
      extensions.set(id, { critical, value });
    }
  }
  if (next() !== undefined) throw new DerError('tbsCertificate has fields after the extensions');

  const basic = extensions.get(OID.basicConstraints);
  let isCa = false;
  if (basic !== undefined) {
    const [flag] = children(readExactlyOne(basic.value, TAG.SEQUENCE));
    isCa = flag?.tag === TAG.BOOLEAN ? readBoolean(flag, 'basicConstraints cA') : false;
  }
  const usage = extensions.get(OID.keyUsage);
  const keyUsage = usage === undefined ? undefined : readKeyUsage(usage.value);
  const ski = extensions.get(OID.subjectKeyIdentifier);
  const keyId = ski === undefined ? undefined : expectTag(readExactlyOne(ski.value), TAG.OCTET_STRING, 'subjectKeyIdentifier').content;
  const san = extensions.get(OID.subjectAltName);
  const uris: string[] = [];
  if (san !== undefined) {
    const names = children(readExactlyOne(san.value, TAG.SEQUENCE));
    if (names.length === 0) throw new DerError('subjectAltName is empty');
    for (const general of names) {
      if (general.tag === contextPrimitive(6)) {
        const text = new TextDecoder('latin1').decode(general.content);
        if (!/^[\x21-\x7e]+$/.test(text)) throw new DerError('a URI subjectAltName is not printable ASCII');
        uris.push(text);
      }
    }
  }
  const capabilityExtension = extensions.get(SIGNPOST_CAPABILITIES_OID);
  return {
    der,
    serial,
    subjectRaw: subject.raw,
    notBefore,
    notAfter,
    isCa,
    keyUsage,
    keyId,
    uris,
    capabilities: capabilityExtension === undefined ? undefined : decodeCapabilities(capabilityExtension.value),
  };
}

function readKeyUsage(value: Uint8Array): Set<number> {
  const node = readExactlyOne(value, TAG.BIT_STRING);
  const unused = node.content[0];
  if (unused === undefined || unused > 7 || (node.content.length === 1 && unused !== 0)) throw new DerError('keyUsage is not a valid BIT STRING');
  const bits = new Set<number>();
  node.content.subarray(1).forEach((byte, octet) => {
    for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) bits.add(octet * 8 + bit);
  });
  return bits;
}

/** The DER bytes of a certificate given as PEM, DER or a node X509Certificate. */
function certificateDer(input: unknown): Uint8Array | undefined {
  if (input instanceof X509Certificate) return new Uint8Array(input.raw);
  if (input instanceof Uint8Array) return input.length > MAX_INPUT_BYTES ? undefined : input;
  if (typeof input === 'string') {
    if (input.length > MAX_INPUT_BYTES * 2) return undefined;
    return pemToDer(input, ['CERTIFICATE'])?.der;
  }
  return undefined;
}

interface ReadCertificate {
  readonly parsed: ParsedCertificate;
  readonly node: X509Certificate;
  readonly info: CapabilityCertificateInfo;
}

function readLeaf(input: unknown): Result<ReadCertificate> {
  const der = certificateDer(input);
  if (der === undefined) {
    return fail('CERT_INVALID', `the certificate is not one PEM CERTIFICATE block or DER of at most ${MAX_INPUT_BYTES} bytes`);
  }
  let parsed: ParsedCertificate;
  let node: X509Certificate;
  try {
    parsed = parseCertificate(der);
    node = new X509Certificate(der);
  } catch (error) {
    return fail('CERT_INVALID', `the certificate is not a well-formed X.509 v3 certificate: ${describe(error)}`);
  }
  if (parsed.isCa) return fail('CERT_INVALID', 'the certificate is a CA certificate, not an agent certificate');
  // A certificate for a weak key proves nothing: anyone can make the TLS handshake signature of such a key.
  const weak = weakEd25519KeyProblem(certificateKeyOf(node), 'the certificate key');
  if (weak !== undefined) return fail('CERT_INVALID', weak.detail);
  if (parsed.uris.length !== 1) {
    return fail('CERT_INVALID', `a capability certificate carries exactly one URI subjectAltName (the agent name); this one has ${parsed.uris.length}`);
  }
  const uri = parsed.uris[0] ?? '';
  const name = parseAgentName(uri);
  if (!name.ok || name.value.canonical !== uri || name.value.form !== 'agent') {
    return fail('CERT_INVALID', `the URI subjectAltName ${JSON.stringify(uri)} is not a canonical agent:// name`);
  }
  if (parsed.capabilities === undefined) {
    return fail('CERT_INVALID', `the certificate has no Signpost capabilities extension (${SIGNPOST_CAPABILITIES_OID}); it is not a capability certificate`);
  }
  return ok({
    parsed,
    node,
    info: {
      agentName: uri,
      capabilities: parsed.capabilities,
      serialNumber: toHex(parsed.serial),
      notBefore: parsed.notBefore,
      notAfter: parsed.notAfter,
      issuer: node.issuer ?? '',
      subject: node.subject ?? '',
      fingerprintSha256: sha256Hex(der),
    },
  });
}

/**
 * What a capability certificate says, without checking who signed it. Use it to display or route;
 * trust it only after verifyCapabilityCertificate. Any malformation is CERT_INVALID.
 */
export function readCapabilityCertificate(pemOrDer: string | Uint8Array | X509Certificate): Result<CapabilityCertificateInfo> {
  const read = readLeaf(pemOrDer);
  return read.ok ? ok(read.value.info) : read;
}

interface ParsedCa {
  readonly parsed: ParsedCertificate;
  readonly node: X509Certificate;
}

/** The few trust anchors a process uses are parsed once (checkPeer runs per request). */
const caCache = new Map<string, Result<ParsedCa>>();
const CA_CACHE_LIMIT = 16;

function parseCa(pem: unknown): Result<ParsedCa> {
  if (typeof pem !== 'string') return fail('CERT_INVALID', 'the registry CA certificate must be given as PEM text');
  const cached = caCache.get(pem);
  if (cached !== undefined) return cached;
  const result = parseCaUncached(pem);
  if (caCache.size >= CA_CACHE_LIMIT) caCache.clear();
  caCache.set(pem, result);
  return result;
}

function parseCaUncached(pem: string): Result<ParsedCa> {
  const der = certificateDer(pem);
  if (der === undefined) return fail('CERT_INVALID', 'the registry CA certificate is not one PEM CERTIFICATE block');
  try {
    const parsed = parseCertificate(der);
    const node = new X509Certificate(der);
    if (!parsed.isCa) return fail('CERT_INVALID', 'the trust anchor given as the registry CA is not a CA certificate (basicConstraints cA is not set)');
    if (parsed.keyUsage !== undefined && !parsed.keyUsage.has(KEY_USAGE_KEY_CERT_SIGN)) {
      return fail('CERT_INVALID', 'the registry CA certificate does not allow keyCertSign');
    }
    // The anchor is configuration, not something a peer sends; checking its self-signature anyway
    // turns a corrupted or edited CA file into CERT_INVALID instead of a silently different anchor.
    if (!node.verify(node.publicKey)) return fail('CERT_INVALID', 'the registry CA certificate is not validly self-signed');
    return ok({ parsed, node });
  } catch (error) {
    return fail('CERT_INVALID', `the registry CA certificate is not a well-formed X.509 v3 certificate: ${describe(error)}`);
  }
}

// --- verification ----------------------------------------------------------------------------

/**
 * Verify a capability certificate against the registry CA: chain and signature, validity at
 * `now`, the expected name, the required capability and the agent's revocation status.
 * Never throws. A certificate that does not parse or does not chain to the CA yields only
 * CERT_INVALID (nothing it says is trusted); otherwise every remaining check runs and reports.
 */
export async function verifyCapabilityCertificate(
  certificate: CertificateInput,
  options: VerifyCapabilityCertificateOptions,
): Promise<CertificateVerification> {
  try {
    return await verifyUnsafe(certificate, options);
  } catch (error) {
    return { verified: false, errors: [problem('INTERNAL', `certificate verification failed unexpectedly: ${describe(error)}`)] };
  }
}

async function verifyUnsafe(certificate: CertificateInput, options: VerifyCapabilityCertificateOptions): Promise<CertificateVerification> {
  const now = options?.now;
  if (!isValidDate(now)) return { verified: false, errors: [problem('INTERNAL', 'verifyCapabilityCertificate needs `now` as a valid Date in the years 1951..9000')] };
  const ca = parseCa(options.caCertificatePem);
  if (!ca.ok) return { verified: false, errors: ca.problems };
  const leaf = readLeaf(certificate);
  if (!leaf.ok) return { verified: false, errors: leaf.problems };
  const { node, info } = leaf.value;

  // Chain: issued by this CA (issuer name, key identifiers) and signed with its key.
  if (!node.checkIssued(ca.value.node)) {
    return { verified: false, errors: [problem('CERT_INVALID', `the certificate was issued by ${JSON.stringify(info.issuer)}, not by the registry CA ${JSON.stringify(ca.value.node.subject)}`)] };
  }
  let signed: boolean;
  try {
    signed = node.verify(ca.value.node.publicKey);
  } catch {
    signed = false;
  }
  if (!signed) return { verified: false, errors: [problem('CERT_INVALID', "the certificate's signature does not verify with the registry CA key")] };

  const errors: Problem[] = [];
  const at = now.getTime();
  if (at < info.notBefore.getTime() || at > info.notAfter.getTime()) {
    errors.push(problem('CERT_EXPIRED', `the certificate is valid ${info.notBefore.toISOString()} .. ${info.notAfter.toISOString()}, not at ${now.toISOString()}`));
  }
  const caParsed = ca.value.parsed;
  if (at < caParsed.notBefore.getTime() || at > caParsed.notAfter.getTime()) {
    errors.push(problem('CERT_EXPIRED', `the registry CA certificate is valid ${caParsed.notBefore.toISOString()} .. ${caParsed.notAfter.toISOString()}, not at ${now.toISOString()}`));
  }
  if (options.expectedName !== undefined) {
    const expected = typeof options.expectedName === 'string' ? parseAgentName(options.expectedName) : fail<never>('NAME_MALFORMED', 'the expected name must be a string');
    if (!expected.ok) {
      errors.push(...expected.problems.map((p) => problem(p.code, `the expected name is not an agent name: ${p.detail}`)));
    } else if (expected.value.canonical !== info.agentName) {
      errors.push(problem('CERT_NAME_MISMATCH', `the certificate names ${info.agentName}, not ${expected.value.canonical}`));
    }
  }
  if (options.requiredCapability !== undefined && !info.capabilities.includes(options.requiredCapability)) {
    const carried = info.capabilities.length === 0 ? 'no capabilities' : `only ${info.capabilities.join(', ')}`;
    errors.push(problem('CAPABILITY_MISSING', `${info.agentName} needs capability ${JSON.stringify(options.requiredCapability)}; its certificate carries ${carried}`));
  }
  if (options.isRevoked !== undefined) {
    let status: RevocationStatus;
    try {
      status = await options.isRevoked(info);
    } catch (error) {
      // Fail closed: an unknown status is not a good status.
      errors.push(problem('INTERNAL', `the revocation status of ${info.agentName} could not be checked: ${describe(error)}`));
      status = null;
    }
    if (status === 'revoked') errors.push(problem('AGENT_REVOKED', `${info.agentName} is revoked (certificate serial ${info.serialNumber})`));
    else if (status === 'suspended') errors.push(problem('AGENT_SUSPENDED', `${info.agentName} is suspended (certificate serial ${info.serialNumber})`));
  }
  return { verified: errors.length === 0, errors, certificate: info };
}

// --- helpers for callers (CLI, tests, the TLS helper) -----------------------------------------

/** PKCS #8 PEM of a private key, e.g. for `tls.createServer({ key })` or a 0600 key file. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

/**
 * Read a PKCS #8 PEM private key for the registry CA (ECDSA P-256) and check that it belongs to
 * the CA certificate. KEY_FILE_INVALID when the key is unreadable or of another type,
 * CERT_INVALID when the certificate is not a CA or the halves do not match.
 */
export async function importRegistryCaKey(input: { certificatePem: string; privateKeyPem: string }): Promise<Result<CryptoKey>> {
  const decoded = typeof input.privateKeyPem === 'string' ? pemToDer(input.privateKeyPem, ['PRIVATE KEY']) : undefined;
  if (decoded === undefined) return fail('KEY_FILE_INVALID', 'the registry CA key is not one PEM block labelled PRIVATE KEY (PKCS #8)');
  let key: CryptoKey;
  try {
    key = await webcrypto.subtle.importKey('pkcs8', decoded.der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } catch (error) {
    return fail('KEY_FILE_INVALID', `the registry CA key is not an ECDSA P-256 PKCS #8 key: ${describe(error)}`);
  }
  const ca = parseCa(input.certificatePem);
  if (!ca.ok) return ca;
  const probe = Uint8Array.from([0x73, 0x69, 0x67, 0x6e, 0x70, 0x6f, 0x73, 0x74]);
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, probe);
  const der = p1363ToDer(new Uint8Array(signature));
  if (!verifySignature('sha256', probe, ca.value.node.publicKey, der)) {
    return fail('CERT_INVALID', 'the registry CA key does not belong to the registry CA certificate');
  }
  return ok(key);
}

// --- internals -------------------------------------------------------------------------------

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oid(id), booleanTrue(), octetString(value)) : sequence(oid(id), octetString(value));
}

/** A named-bit BIT STRING with the given bits set, trailing zero bits dropped (X.690 11.2.2). */
function keyUsageBits(bits: readonly number[]): Uint8Array {
  const highest = Math.max(...bits);
  const octets = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) octets[Math.floor(bit / 8)] = (octets[Math.floor(bit / 8)] ?? 0) | (0x80 >> bit % 8);
  return bitString(octets, 7 - (highest % 8));
}

/** `CN=<name>` as a one-RDN distinguished name, UTF8String. */
function distinguishedName(commonName: string): Uint8Array {
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function subjectKeyId(spki: Uint8Array): Uint8Array {
  const [, key] = children(readExactlyOne(spki, TAG.SEQUENCE));
  const bits = readOctetAlignedBitString(expectTag(key, TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey');
  return new Uint8Array(createHash('sha1').update(bits).digest());
}

/** 16 random octets as a positive serial (top bit cleared, never zero): 127 bits of entropy. */
function serialFrom(randomBytes: RandomBytes): Uint8Array {
  const bytes = Uint8Array.from(randomBytes(SERIAL_BYTES));
  if (bytes.length !== SERIAL_BYTES) throw new RangeError(`randomBytes(${SERIAL_BYTES}) returned ${bytes.length} bytes`);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  if (bytes[0] === 0) bytes[0] = 0x01;
  return bytes;
}

async function signCertificate(tbs: Uint8Array, privateKey: CryptoKey): Promise<Result<Uint8Array>> {
  if (!isEcdsaP256(privateKey, 'private')) return fail('REQUEST_INVALID', 'the registry CA private key must be an ECDSA P-256 WebCrypto key', '/ca/privateKey');
  let signature: ArrayBuffer;
  try {
    signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, tbs);
  } catch (error) {
    return fail('INTERNAL', `the registry CA key could not sign: ${describe(error)}`);
  }
  return ok(sequence(tbs, ECDSA_WITH_SHA256, bitString(p1363ToDer(new Uint8Array(signature)))));
}

/** WebCrypto's r‖s ECDSA signature as the DER `ECDSA-Sig-Value` X.509 and TLS use. */
function p1363ToDer(signature: Uint8Array): Uint8Array {
  const half = signature.length / 2;
  return sequence(unsignedInteger(signature.subarray(0, half)), unsignedInteger(signature.subarray(half)));
}

function isEcdsaP256(key: unknown, type: 'public' | 'private'): key is CryptoKey {
  if (typeof key !== 'object' || key === null) return false;
  const candidate = key as CryptoKey;
  const algorithm = candidate.algorithm as { name?: string; namedCurve?: string } | undefined;
  return candidate.type === type && algorithm?.name === 'ECDSA' && algorithm.namedCurve === 'P-256';
}

function selfCheckParse(der: Uint8Array): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

/** A Date the certificate time encodings can hold, with room for a CA lifetime after it. */
function isValidDate(value: unknown): value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return false;
  const year = value.getUTCFullYear();
  return year >= 1951 && year <= 9000;
}

function floorToSecond(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
