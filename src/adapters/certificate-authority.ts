import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignpostError } from '../core/errors.js';
import type { CertificateAuthority, Clock } from '../core/ports.js';
import { createRegistryCa, importRegistryCaKey, issueCapabilityCertificate, privateKeyToPem } from '../core/trust/certificates/index.js';

export const CA_VALIDITY_DAYS = 365;
export const CA_SUBJECT_NAME = 'Signpost registry CA';

export interface LoadedCertificateAuthority {
  readonly authority: CertificateAuthority;
  readonly created: boolean;
  readonly keyPath: string;
  readonly certificatePath: string;
}

const fresh = (length: number) => new Uint8Array(randomBytes(length));

/** Lowercase hex SHA-256 of the DER of a PEM certificate. */
export function certificateFingerprint(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex');
}

/**
 * The registry's private CA: `<dataDir>/ca/ca.key.pem` (PKCS #8, mode 0600, never overwritten)
 * and `<dataDir>/ca/ca.cert.pem`. Created on first use (ECDSA P-256, valid 365 days), loaded and
 * checked (the key must belong to the certificate) afterwards.
 */
export async function loadOrCreateCertificateAuthority(dataDir: string, clock: Clock): Promise<LoadedCertificateAuthority> {
  const dir = join(dataDir, 'ca');
  const keyPath = join(dir, 'ca.key.pem');
  const certificatePath = join(dir, 'ca.cert.pem');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [hasKey, hasCertificate] = await Promise.all([exists(keyPath), exists(certificatePath)]);
  if (hasKey !== hasCertificate) {
    const missing = hasKey ? certificatePath : keyPath;
    throw new SignpostError('KEY_FILE_INVALID', `${missing} is missing; the registry CA needs both ${keyPath} and ${certificatePath} (refusing to replace either)`);
  }
  let created = false;
  let certificatePem: string;
  let privateKey: webcrypto.CryptoKey;
  if (hasKey) {
    certificatePem = await readFile(certificatePath, 'utf8');
    const imported = await importRegistryCaKey({ certificatePem, privateKeyPem: await readFile(keyPath, 'utf8') });
    if (!imported.ok) throw SignpostError.from(imported.problems);
    privateKey = imported.value;
  } else {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const ca = await createRegistryCa({ keys, subjectName: CA_SUBJECT_NAME, now: new Date(clock.now()), validityDays: CA_VALIDITY_DAYS, randomBytes: fresh });
    if (!ca.ok) throw SignpostError.from(ca.problems);
    certificatePem = ca.value.certificatePem;
    privateKey = keys.privateKey;
    await writeNew(keyPath, await privateKeyToPem(keys.privateKey), 0o600);
    await writeNew(certificatePath, certificatePem, 0o644);
    created = true;
  }
  return { authority: certificateAuthority(certificatePem, privateKey, clock), created, keyPath, certificatePath };
}

/** The CertificateAuthority port over a CA certificate and its key. */
export function certificateAuthority(certificatePem: string, privateKey: webcrypto.CryptoKey, clock: Clock): CertificateAuthority {
  return {
    certificatePem,
    fingerprintSha256: certificateFingerprint(certificatePem),
    issue: (input) =>
      issueCapabilityCertificate({
        ca: { certificatePem, privateKey },
        csrPem: input.csrPem,
        agentName: input.agentName,
        capabilities: input.capabilities,
        validityMs: input.validityMs,
        now: new Date(clock.now()),
        randomBytes: fresh,
      }),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { mode, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SignpostError('KEY_FILE_EXISTS', `${path} already exists`);
    throw error;
  }
  // The mode given to writeFile is filtered by the umask.
  await chmod(path, mode);
}
