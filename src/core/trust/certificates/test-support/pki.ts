/** A throwaway PKI for certificate and TLS tests (never built into dist/). */
import 'reflect-metadata';
import { Pkcs10CertificateRequestGenerator } from '@peculiar/x509';
import { createHash, webcrypto } from 'node:crypto';
import { createRegistryCa, issueCapabilityCertificate, privateKeyToPem, type RandomBytes } from '../index.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyKind = 'p256' | 'p384' | 'ed25519';

/** Deterministic "random" bytes for serial numbers: SHA-256 of a seed and a counter. */
export function seededRandom(seed: string): RandomBytes {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

export async function generateKeys(kind: KeyKind = 'p256'): Promise<CryptoKeyPair> {
  if (kind === 'ed25519') return (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: kind === 'p384' ? 'P-384' : 'P-256' }, true, ['sign', 'verify']);
}

export interface TestCa {
  readonly certificatePem: string;
  readonly privateKey: webcrypto.CryptoKey;
}

export async function createTestCa(now: Date, subjectName = 'Signpost test CA', validityDays = 30): Promise<TestCa> {
  const keys = await generateKeys('p256');
  const ca = await createRegistryCa({ keys, subjectName, now, validityDays, randomBytes: seededRandom(subjectName) });
  if (!ca.ok) throw new Error(`test CA: ${JSON.stringify(ca.problems)}`);
  return { certificatePem: ca.value.certificatePem, privateKey: keys.privateKey };
}

/** A PKCS #10 request made the way an agent would, with @peculiar/x509. */
export async function createCsr(keys: CryptoKeyPair, kind: KeyKind = 'p256', subject = 'CN=ignored by the registry'): Promise<string> {
  const signingAlgorithm = kind === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: kind === 'p384' ? 'SHA-384' : 'SHA-256' };
  // @peculiar/x509 types its keys as DOM CryptoKeys; node's webcrypto keys are the same objects.
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: subject, keys: keys as never, signingAlgorithm }, webcrypto as never);
  return csr.toString('pem');
}

export interface TestAgent {
  readonly name: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly serialNumber: string;
}

/** An agent key, its CSR, and a certificate for it from `ca`. */
export async function issueTestAgent(
  ca: TestCa,
  options: { name: string; capabilities: readonly string[]; now: Date; validityMs?: number; kind?: KeyKind },
): Promise<TestAgent> {
  const kind = options.kind ?? 'p256';
  const keys = await generateKeys(kind);
  const issued = await issueCapabilityCertificate({
    ca,
    csrPem: await createCsr(keys, kind),
    agentName: options.name,
    capabilities: options.capabilities,
    validityMs: options.validityMs ?? 60 * 60 * 1000,
    now: options.now,
    randomBytes: seededRandom(`${options.name}:${options.capabilities.join(',')}:${options.now.toISOString()}:${kind}`),
  });
  if (!issued.ok) throw new Error(`test agent: ${JSON.stringify(issued.problems)}`);
  return {
    name: issued.value.agentName,
    certificatePem: issued.value.certificatePem,
    privateKeyPem: await privateKeyToPem(keys.privateKey),
    serialNumber: issued.value.serialNumber,
  };
}
