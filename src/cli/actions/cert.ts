import { webcrypto, X509Certificate } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { SignpostError } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { createCertificateRequest, MAX_CERTIFICATE_VALIDITY_SECONDS, MIN_CERTIFICATE_VALIDITY_SECONDS } from '../../core/record/certificate-request.js';
import { privateKeyToPem, readCapabilityCertificate, verifyCapabilityCertificate } from '../../core/trust/certificates/index.js';
import { EXIT, formatProblems, unwrap } from '../cli-context.js';
import { parseDuration } from '../../app/duration.js';
import { readInputFile } from '../input-files.js';
import { connectToRegistry } from '../registry-connection.js';
import { newSecretDestination, readSigningKey, warnIfCommittable } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface CertIssueFlags extends RegistryFlags {
  key: string;
  name: string;
  capability: string[];
  validity: string;
  out: string;
  tlsKeyOut: string;
  caOut?: string;
  json?: boolean;
}

export interface CertShowFlags {
  ca?: string;
  json?: boolean;
}

export async function issueCertificate(flags: CertIssueFlags): Promise<void> {
  const validitySeconds = unwrap(parseDuration(flags.validity, '--validity', { min: MIN_CERTIFICATE_VALIDITY_SECONDS, max: MAX_CERTIFICATE_VALIDITY_SECONDS }));
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(flags.name));
  // Refused before asking the registry when a file is there.
  const tlsKeyPath = await newSecretDestination(flags.tlsKeyOut);
  const { client } = await connectToRegistry(flags);
  const tlsKeys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csrPem = await createCsr(tlsKeys);
  const request = createCertificateRequest({
    key,
    name,
    csrPem,
    validitySeconds,
    ...(flags.capability.length > 0 ? { capabilities: flags.capability } : {}),
    nowMs: Date.now(),
  });
  const issued = unwrap(await client.issueCertificate(request));

  // Check what came back before writing it: it chains to the CA given, names this agent, and is for our key.
  const check = await verifyCapabilityCertificate(issued.certificate, { caCertificatePem: issued.caCertificate, now: new Date(), expectedName: name });
  if (!check.verified) throw SignpostError.from(check.errors);
  const ourKey = Buffer.from(await webcrypto.subtle.exportKey('spki', tlsKeys.publicKey));
  const certifiedKey = new X509Certificate(issued.certificate).publicKey.export({ type: 'spki', format: 'der' });
  if (!ourKey.equals(certifiedKey)) throw new SignpostError('CERT_INVALID', 'the registry certified another key than the one this CSR was made for');

  // The certificates first: they may be written again, while a TLS key left behind by a failed run would block the next one.
  await writeFile(flags.out, issued.certificate);
  if (flags.caOut !== undefined) await writeFile(flags.caOut, issued.caCertificate);
  await writeFile(tlsKeyPath, await privateKeyToPem(tlsKeys.privateKey), { mode: 0o600, flag: 'wx' });
  await chmod(tlsKeyPath, 0o600);
  if (flags.json) {
    const { certificate: _certificate, caCertificate: _ca, ...rest } = issued;
    process.stdout.write(JSON.stringify(rest, null, 2) + '\n');
  } else {
    process.stdout.write(
      `issued a certificate for ${issued.agentName}\n` +
        `  capabilities: ${issued.capabilities.join(', ') || '(none: identity only)'}\n` +
        `  valid: ${issued.notBefore} .. ${issued.notAfter}\n` +
        `  serial: ${issued.serialNumber}\n` +
        `  certificate: ${flags.out}\n  TLS key: ${tlsKeyPath} (made here, never sent)\n` +
        (flags.caOut === undefined ? '' : `  registry CA: ${flags.caOut}\n`),
    );
  }
  await warnIfCommittable(tlsKeyPath, 'a TLS private key');
}

export async function showCertificate(file: string, flags: CertShowFlags): Promise<void> {
  const pem = await readText(file);
  const info = unwrap(readCapabilityCertificate(pem));
  const verification = flags.ca === undefined ? undefined : await verifyCapabilityCertificate(pem, { caCertificatePem: await readText(flags.ca), now: new Date() });
  const now = Date.now();
  const state = now < info.notBefore.getTime() ? 'not yet valid' : now > info.notAfter.getTime() ? 'expired' : 'valid now';
  if (flags.json) {
    const out = { ...info, notBefore: info.notBefore.toISOString(), notAfter: info.notAfter.toISOString(), ...(verification ? { verified: verification.verified, errors: verification.errors } : {}) };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    process.stdout.write(
      `agent: ${info.agentName}\n` +
        `capabilities: ${info.capabilities.join(', ') || '(none)'}\n` +
        `valid: ${info.notBefore.toISOString()} .. ${info.notAfter.toISOString()} (${state})\n` +
        `serial: ${info.serialNumber}\nissuer: ${info.issuer}\nSHA-256: ${info.fingerprintSha256}\n` +
        (verification === undefined ? '' : verification.verified ? 'verified against the CA\n' : `NOT verified:\n${formatProblems(verification.errors)}\n`),
    );
  }
  if (verification !== undefined && !verification.verified) process.exitCode = EXIT.refused;
}

/** A PKCS #10 request for the key, made with @peculiar/x509 (loaded only here: it needs reflect-metadata first). */
async function createCsr(keys: webcrypto.CryptoKeyPair): Promise<string> {
  await import('reflect-metadata');
  const { Pkcs10CertificateRequestGenerator } = await import('@peculiar/x509');
  // The subject is ignored by the registry, which names the certificate itself.
  const csr = await Pkcs10CertificateRequestGenerator.create(
    { name: 'CN=signpost agent', keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } },
    webcrypto as never,
  );
  return csr.toString('pem');
}

async function readText(file: string): Promise<string> {
  return unwrap(await readInputFile(file)).toString('utf8');
}
